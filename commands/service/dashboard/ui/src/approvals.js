// The approvals queue: requests an approval policy holds (ApprovalRequested), each with the
// command it holds, that command's request digest, the policy rules that set its quorum,
// its expiry and the approvals so far. An approver decides from here: the page signs
// ApproveRequest / RejectRequest with the approver's own key over the digest shown, and the
// ledger checks that signature as it checks any client's (the session only says who talks).

import { commandSpec, may, read, runCommand, state } from "./api.js";
import { hex, sha256, utf8 } from "./bytes.js";
import { canonicalJson } from "./canonical.js";
import { h, message, table, when } from "./dom.js";
import { onLive } from "./live.js";


function who(actorId, names) {
  if (state.actor && actorId === state.actor.actor_id) return "you";
  return names.get(actorId) || actorId;
}

const REQUEST_DOMAIN = utf8("SKMS-APPROVAL-REQUEST-v1\u0000");

/** Check a request here rather than take the server's word: its digest must be the SHA-256
 * of the held command's signed bytes (as ledger/approvals/gate.py makes it), and those bytes
 * must say what the row says (type, requester, chain, arguments). What the approver then
 * reviews and signs over is what the requester signed. */
export async function checkHeld(request) {
  if (!request.command) return { ok: false, reason: "the server sent no held command to check" };
  const digest = hex(await sha256(REQUEST_DOMAIN, utf8(request.command)));
  if (digest !== request.request_digest) return { ok: false, reason: "the digest is not the held command's" };
  let held;
  try { held = JSON.parse(request.command); } catch { return { ok: false, reason: "the held command is not JSON" }; }
  const same = held.type === request.command_type && held.actor_id === request.requester_id
    && held.chain_id === request.chain && canonicalJson(held.args) === canonicalJson(request.command_args);
  return same ? { ok: true, held } : { ok: false, reason: "the held command differs from the row" };
}

function heldCommand(request) {
  return h("span", {}, h("strong", {}, request.command_type), " ",
    h("code", {}, JSON.stringify(request.command_args)));
}

/** The decision controls of one pending request, or why this actor has none; the outcome
 * is said in ``status`` (outside the table, which each reload redraws). */
function decide(request, checked, reload, status) {
  const approve = commandSpec("ApproveRequest");
  const reject = commandSpec("RejectRequest");
  if (request.requester_id === state.actor.actor_id) {
    return h("span", { class: "warn" }, "your request: other approvers decide");
  }
  if (!state.identity) return h("span", {}, "signed in by certificate: no key to sign a decision");
  if (!may(approve) && !may(reject)) return h("span", {}, "approvers decide");
  if (request.approvers.includes(state.actor.actor_id)) return h("span", {}, "you approved");
  if (!checked.ok) return h("span", { class: "bad" }, `not offered: ${checked.reason}`);
  const done = (verb) => async (answer) => {
    status.textContent = `${verb} ${request.approval_id}: ${answer.result.status} ` +
      `(${answer.result.approvals} of ${answer.result.required})`;
    status.className = "ok";
    await reload();
  };
  const failed = (error) => {
    status.textContent = `${request.approval_id} refused: ${error.message}`;
    status.className = "bad";
  };
  const values = { approval_id: request.approval_id, request_digest: request.request_digest };
  const reason = h("input", { id: `reason-${request.approval_id}`, maxlength: 500, required: true });
  return h("div", { class: "decide" },
    may(approve) ? h("button", { type: "button", "aria-label": `Approve ${request.approval_id}`,
      onclick: () => runCommand("ApproveRequest", values).then(done("approved"), failed) }, "Approve") : null,
    may(reject) ? h("form", { class: "inline", "aria-label": `Reject ${request.approval_id}`,
      onsubmit: (event) => {
        event.preventDefault();
        runCommand("RejectRequest", { ...values, reason: reason.value.trim() }).then(done("rejected"), failed);
      } },
    h("label", { for: reason.id }, "reason", reason),
    h("button", { type: "submit", class: "secondary" }, "Reject")) : null);
}

function pendingTable(requests, checks, names, reload, status) {
  const body = h("tbody", {}, requests.map((r, i) => h("tr", { "data-approval": r.approval_id },
    h("td", {}, h("code", {}, r.approval_id)), h("td", {}, heldCommand(r)),
    h("td", {}, h("code", { class: "digest" }, r.request_digest), " ",
      checks[i].ok ? h("span", { class: "ok digest-check" }, "✓ recomputed here")
        : h("span", { class: "bad digest-check" }, `✗ ${checks[i].reason}`)),
    h("td", {}, r.rules.join("; ")), h("td", {}, who(r.requester_id, names)),
    h("td", {}, when(r.expires_at)),
    h("td", { class: "tally" }, `${r.approvals} of ${r.required}`,
      r.approvers.length ? ` (${r.approvers.map((a) => who(a, names)).join(", ")})` : ""),
    h("td", {}, decide(r, checks[i], reload, status)))));
  return h("table", { id: "approvals-pending" },
    h("thead", {}, h("tr", {}, ["request", "command", "request digest", "policy", "requested by",
      "expires", "approvals", "decision"].map((c) => h("th", { scope: "col" }, c)))), body);
}

export async function approvalsPage(main, unsubscribe) {
  main.append(h("h1", {}, "Approvals queue"), h("p", {},
    "Commands an approval policy holds until enough distinct approvers agree. Approving or " +
    "rejecting signs ApproveRequest or RejectRequest with your own key over the request " +
    "digest shown; the requester never counts as an approver."));
  const outcome = h("p", { id: "approval-outcome", role: "status" });
  const pending = h("section", { id: "approvals-queue", "aria-label": "Pending requests" });
  const decided = h("section", { id: "approvals-decided", "aria-label": "Decided requests" });
  const policies = h("section", { id: "approval-policies", "aria-label": "Approval policies" });
  main.append(outcome, h("h2", {}, "Pending"), pending, h("h2", {}, "Decided"), decided,
    h("h2", {}, "Policies in force"), policies);
  const names = new Map();
  try {
    for (const actor of await read("ListActors", {})) names.set(actor.actor_id, actor.name);
  } catch { /* only admins and auditors list actors; the others see ids */ }
  let drawing = false;
  const reload = async () => {
    if (drawing) return;
    drawing = true;
    try {
      const requests = await read("ListApprovals", {});
      const open = requests.filter((r) => r.status === "pending" || r.status === "approved");
      const closed = requests.filter((r) => !open.includes(r)).reverse();
      const checks = await Promise.all(open.map(checkHeld));
      pending.replaceChildren(open.length ? pendingTable(open, checks, names, reload, outcome)
        : message("Nothing waits for an approver."));
      decided.replaceChildren(closed.length ? table(
        ["request", "command", "status", "approvals", "decided", "reason"], closed, (c, r) => ({
          request: h("code", {}, r.approval_id), command: heldCommand(r),
          status: h("span", { class: r.status === "executed" ? "ok" : "bad", "data-status": r.approval_id }, r.status),
          approvals: `${r.approvals} of ${r.required}`, decided: when(r.closed_at), reason: r.reason || "" }[c]))
        : message("No request was decided yet."));
      const rules = await read("ListApprovalPolicies", {});
      policies.replaceChildren(rules.length ? table(
        ["scope", "target", "command", "approvals", "expiry", "when above"], rules, (c, r) => ({
          scope: r.scope, target: r.target, command: r.command, approvals: String(r.approvals),
          expiry: `${r.ttl_seconds} s`, "when above": r.when_above ? `${r.value_field} > ${r.when_above}` : "" }[c]))
        : message("No approval policy is in force."));
    } finally { drawing = false; }
  };
  await reload();
  unsubscribe.push(onLive((kind, event) => {
    if (kind === "event" && event.event_type.startsWith("Approval")) reload().catch(() => {});
  }));
  const poll = setInterval(() => reload().catch(() => {}), 3000);
  unsubscribe.push(() => clearInterval(poll));
}

