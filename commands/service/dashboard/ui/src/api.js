// Talking to the SKMS service as the signed-in actor. Reads go with the session (cookie +
// CSRF header); commands are built from the catalogue document, signed here by the actor's
// own key (the SKMS command signature, as every client makes it) and sent with the session.

import { canonicalJson } from "./canonical.js";
import { base64, concat, hex, sha256, utf8 } from "./bytes.js";

export const COMMAND_DOMAIN = utf8("SKMS-COMMAND-v1\u0000");
export const SIGN_IN_DOMAIN = utf8("SKMS-DASHBOARD-SIGN-IN-v1\u0000");

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

export const state = { catalogue: null, csrf: null, actor: null, identity: null, expiresAt: 0 };

async function answer(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof body === "object" ? body : { detail: body });
  return body;
}

export async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (state.csrf) headers["X-SKMS-CSRF"] = state.csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", cache: "no-store",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return answer(response);
}

export async function loadCatalogue() {
  state.catalogue = await answer(await fetch("/ui/catalogue.json", { credentials: "same-origin" }));
  return state.catalogue;
}

let schemas = null;
/** The Avro schemas the server writes envelopes with (public, like the catalogue). */
export async function loadSchemas() {
  if (schemas === null) {
    schemas = (await answer(await fetch("/ui/schemas.json", { credentials: "same-origin" }))).schemas;
  }
  return schemas;
}

export function readSpec(name) {
  return state.catalogue.reads.find((r) => r.name === name) || null;
}

export function commandSpec(name) {
  return state.catalogue.commands.find((c) => c.name === name) || null;
}

export function may(spec) {
  if (!spec || !state.actor) return false;
  const roles = spec.roles;
  return roles === null || roles === undefined || state.actor.roles.some((r) => roles.includes(r));
}

function fillPath(path, values) {
  return path.replace(/\{([a-z_]+)\}/g, (_, name) => {
    const value = values[name];
    if (value === undefined || value === null) throw new Error(`${name} is needed`);
    return encodeURIComponent(String(value));
  });
}

/** Any catalogue read, its parameters placed where the catalogue says (path, query, body). */
export async function read(name, values = {}) {
  const spec = readSpec(name);
  if (!spec) throw new Error(`this server has no read ${name}`);
  const query = new URLSearchParams();
  const body = {};
  for (const field of spec.params) {
    const value = values[field.name];
    if (value === undefined || value === null || value === "") continue;
    if (field.source === "query") query.set(field.name, String(value));
    else if (field.source === "body") body[field.name] = value;
  }
  let path = fillPath(spec.rest.path, values);
  if ([...query].length) path += "?" + query.toString();
  return request(spec.rest.method, path, Object.keys(body).length ? body : undefined);
}

function uuid() {
  return crypto.randomUUID();
}

function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The chain a command acts on, by its catalogue chain rule (as commands/builders.py). */
export async function chainOf(spec, args, values) {
  switch (spec.chain) {
    case "system": return "system";
    case "domain": return values.domain || "default";
    case "key": return (await read("GetKey", { key_id: args.key_id })).domain;
    case "wallet": return (await read("GetWallet", { wallet_id: args.wallet_id })).domain;
    case "approval": return (await read("GetApproval", { approval_id: args.approval_id })).chain;
    default:
      if (!values.chain_id) throw new Error("name the chain");
      return values.chain_id;
  }
}

/** Whether the page can build this command by itself (no derived arguments, no inputs). */
export function buildable(spec) {
  return spec.inputs.length === 0 && spec.args.every((f) => f.derived === null && !f.secret);
}

/** The derived arguments the page computes itself, by the catalogue's rule (as
 * commands/builders.py): the SHA-256 of a byte input, and an approval request's digest,
 * which the approver names from the request it reviewed (or, when not given, read here). */
async function derive(field, values, inputs) {
  const rule = field.derived.rule;
  if (rule === "request-digest") {
    if (values[field.name]) return values[field.name];
    return (await read("GetApproval", { approval_id: values.approval_id })).request_digest;
  }
  if (rule === "sha256") {
    const data = inputs[field.derived.inputs[0]];
    return data === undefined ? undefined : hex(await sha256(data));
  }
  throw new Error(`the page cannot derive ${field.name} (${rule}): use the CLI or an SDK`);
}

/** Build, sign as the actor and send a catalogue command; returns the service's answer.
 * ``inputs`` are the command's unsigned data (bytes), sent beside it as base64. */
export async function runCommand(name, values, inputs = {}) {
  const spec = commandSpec(name);
  if (!spec) throw new Error(`this server has no command ${name}`);
  if (spec.args.some((f) => f.secret) || spec.inputs.some((f) => f.kind !== "bytes")) {
    throw new Error(`${name} needs inputs the page does not build`);
  }
  if (!state.identity) {
    throw new Error("signed in by client certificate: sign in with the actor's key to sign commands");
  }
  const args = {};
  for (const field of spec.args) {
    const value = field.derived === null ? values[field.name] : await derive(field, values, inputs);
    if (value !== undefined && value !== null && value !== "") args[field.name] = value;
  }
  const command = {
    type: name, actor_id: state.actor.actor_id, chain_id: await chainOf(spec, args, values),
    args, issued_at: Date.now() * 1000, command_id: uuid(), nonce: randomHex(16),
    correlation_id: randomHex(16),
  };
  const text = canonicalJson(command);
  const signature = await state.identity.sign(concat(COMMAND_DOMAIN, utf8(text)));
  const path = fillPath(spec.rest.path, { ...args, chain_id: command.chain_id });
  const headers = { "Content-Type": "application/json", Accept: "application/json",
                    "X-SKMS-CSRF": state.csrf, "Idempotency-Key": command.command_id };
  const body = { command: text, signature: base64(signature) };
  for (const field of spec.inputs) {
    if (inputs[field.name] !== undefined) body[field.name] = base64(inputs[field.name]);
  }
  const response = await fetch(path, {
    method: spec.rest.method, headers, credentials: "same-origin", cache: "no-store",
    body: JSON.stringify(body),
  });
  return answer(response);
}

/** What a command's answer says, in words: its seq, or the approval request holding it. */
export function outcomeText(name, answer) {
  if (answer.status === "pending") return `${name} is held for approval ${answer.approval_id} (see Approvals)`;
  return `${name}: seq ${answer.seq}`;
}

export async function signIn(identity) {
  const { challenge, origin } = await request("POST", "/ui/session/challenge", {});
  const message = concat(SIGN_IN_DOMAIN, utf8(canonicalJson({
    challenge, origin, public_key: identity.publicKeyHex, purpose: "skms-dashboard-sign-in" })));
  const signature = await identity.sign(message);
  const opened = await request("POST", "/ui/session", {
    method: "key", public_key: identity.publicKeyHex, challenge, signature: base64(signature) });
  Object.assign(state, { csrf: opened.csrf, actor: opened.actor, identity, expiresAt: opened.expires_at });
  return opened;
}

/** Sign in with the connection's TLS client certificate (mutual TLS): the session can read;
 * commands still need the actor's key, which this way of signing in does not give the page. */
export async function signInWithCertificate() {
  const opened = await request("POST", "/ui/session", { method: "certificate" });
  Object.assign(state, { csrf: opened.csrf, actor: opened.actor, identity: null, expiresAt: opened.expires_at });
  return opened;
}

export async function signOut() {
  try { await request("DELETE", "/ui/session"); } finally {
    Object.assign(state, { csrf: null, actor: null, identity: null, expiresAt: 0 });
  }
}
