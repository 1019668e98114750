// The live feed (WebSocket /v1/feed, authenticated by the session: cookie + CSRF in the
// query, same origin) and the verification badge it keeps current: a new checkpoint on the
// chain re-runs the browser's own verification (verify.js).

import { loadSchemas, read, state } from "./api.js";
import { Failure, verifyChain } from "./verify.js";

const PIN_KEY = "skms.pinned-verifier-key";
const listeners = new Set();

export const live = {
  chain: "default", socket: null, events: [], next: 0, verified: null, failure: null,
  connected: false,
};

export function pinnedKey() {
  return localStorage.getItem(PIN_KEY) || "";
}

export function pinKey(text) {
  if (text) localStorage.setItem(PIN_KEY, text); else localStorage.removeItem(PIN_KEY);
}

export function onLive(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function emit(kind, detail) {
  for (const listener of [...listeners]) listener(kind, detail);
}

export function mayWatch() {
  return Boolean(state.actor) && state.actor.roles.some((r) => r === "admin" || r === "auditor");
}

export function connect(chain = live.chain) {
  disconnect();
  Object.assign(live, { chain, events: [], next: 0, verified: null, failure: null });
  if (!mayWatch()) { setBadge("pending", "the feed is for admins and auditors"); return; }
  open(0);
  verifyNow();
}

function open(fromSeq) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ chain: live.chain, from_seq: String(fromSeq), csrf: state.csrf });
  const socket = new WebSocket(`${scheme}//${location.host}/v1/feed?${query}`);
  live.socket = socket;
  socket.addEventListener("open", () => { live.connected = true; emit("status"); });
  socket.addEventListener("message", (message) => {
    const data = JSON.parse(message.data);
    if (data.type !== "event") return;
    live.events.push(data);
    live.next = data.seq + 1;
    emit("event", data);
    if (data.event_type === "CheckpointPublished") scheduleVerify();
  });
  socket.addEventListener("close", (event) => {
    live.connected = false;
    emit("status");
    if (live.socket !== socket || !state.actor) return;
    // Resume exactly after the last event received (the feed's from_seq contract).
    setTimeout(() => { if (live.socket === socket) open(live.next); }, event.code === 1013 ? 200 : 2000);
  });
}

export function disconnect() {
  const socket = live.socket;
  live.socket = null;
  if (socket) socket.close(1000);
}

let pending = null;
function scheduleVerify() {
  clearTimeout(pending);
  pending = setTimeout(verifyNow, 250);
}

export function setBadge(kind, text) {
  const badge = document.getElementById("badge");
  badge.className = `badge ${kind}`;
  badge.textContent = text;
}

let running = Promise.resolve();
export function verifyNow() {
  running = running.then(async () => {
    setBadge("pending", `verifying ${live.chain}…`);
    try {
      const result = await verifyChain(read, live.chain, pinnedKey(), await loadSchemas(),
        (done, total) => setBadge("pending", `verifying ${live.chain}: ${done}/${total}`));
      Object.assign(live, { verified: result, failure: null });
      const trust = result.pinned ? "pinned key" : "server's key (not pinned)";
      setBadge("ok", `verified up to checkpoint ${result.checkpoint.size} of ${live.chain} (${trust})`);
    } catch (error) {
      if (error.status === 404) {
        Object.assign(live, { verified: null, failure: null });
        setBadge("pending", `${live.chain}: no checkpoint yet`);
      } else {
        Object.assign(live, { verified: null, failure: error });
        const named = error instanceof Failure && error.seq !== null;
        setBadge("bad", named ? `verification FAILED at seq ${error.seq} of ${live.chain}: ${error.reason}`
          : `verification FAILED: ${error.message}`);
      }
    }
    emit("verified");
  });
  return running;
}
