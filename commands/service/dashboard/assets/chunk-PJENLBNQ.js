import {
  Failure,
  verifyChain
} from "./chunk-OJYZN3BX.js";
import {
  loadSchemas,
  read,
  state
} from "./chunk-SN7T3YMA.js";

// src/live.js
var PIN_KEY = "skms.pinned-verifier-key";
var listeners = /* @__PURE__ */ new Set();
var live = {
  chain: "default",
  socket: null,
  events: [],
  next: 0,
  verified: null,
  failure: null,
  connected: false
};
function pinnedKey() {
  return localStorage.getItem(PIN_KEY) || "";
}
function pinKey(text) {
  if (text) localStorage.setItem(PIN_KEY, text);
  else localStorage.removeItem(PIN_KEY);
}
function onLive(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
function emit(kind, detail) {
  for (const listener of [...listeners]) listener(kind, detail);
}
function mayWatch() {
  return Boolean(state.actor) && state.actor.roles.some((r) => r === "admin" || r === "auditor");
}
function connect(chain = live.chain) {
  disconnect();
  Object.assign(live, { chain, events: [], next: 0, verified: null, failure: null });
  if (!mayWatch()) {
    setBadge("pending", "the feed is for admins and auditors");
    return;
  }
  open(0);
  verifyNow();
}
function open(fromSeq) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams({ chain: live.chain, from_seq: String(fromSeq), csrf: state.csrf });
  const socket = new WebSocket(`${scheme}//${location.host}/v1/feed?${query}`);
  live.socket = socket;
  socket.addEventListener("open", () => {
    live.connected = true;
    emit("status");
  });
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
    setTimeout(() => {
      if (live.socket === socket) open(live.next);
    }, event.code === 1013 ? 200 : 2e3);
  });
}
function disconnect() {
  const socket = live.socket;
  live.socket = null;
  if (socket) socket.close(1e3);
}
var pending = null;
function scheduleVerify() {
  clearTimeout(pending);
  pending = setTimeout(verifyNow, 250);
}
function setBadge(kind, text) {
  const badge = document.getElementById("badge");
  badge.className = `badge ${kind}`;
  badge.textContent = text;
}
var running = Promise.resolve();
function verifyNow() {
  running = running.then(async () => {
    setBadge("pending", `verifying ${live.chain}…`);
    try {
      const result = await verifyChain(
        read,
        live.chain,
        pinnedKey(),
        await loadSchemas(),
        (done, total) => setBadge("pending", `verifying ${live.chain}: ${done}/${total}`)
      );
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
        setBadge("bad", named ? `verification FAILED at seq ${error.seq} of ${live.chain}: ${error.reason}` : `verification FAILED: ${error.message}`);
      }
    }
    emit("verified");
  });
  return running;
}

export {
  live,
  pinnedKey,
  pinKey,
  onLive,
  mayWatch,
  connect,
  disconnect,
  setBadge,
  verifyNow
};
