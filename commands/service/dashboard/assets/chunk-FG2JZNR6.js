import {
  commandSpec,
  may,
  read,
  runCommand,
  state
} from "./chunk-SN7T3YMA.js";
import {
  utf8
} from "./chunk-V5HITSAS.js";
import {
  fieldForm,
  typeable
} from "./chunk-33FBQ6RG.js";
import {
  h,
  message,
  table,
  when
} from "./chunk-NMVH4E44.js";

// src/threshold.js
var counter = 0;
function parseMessages(text) {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  try {
    const value = JSON.parse(trimmed);
    return Array.isArray(value) ? value : [value];
  } catch {
    return trimmed.split("\n").filter((l) => l.trim()).map((line, i) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`message ${i + 1} is not JSON`);
      }
    });
  }
}
function area(label, name) {
  const id = `t${++counter}-${name}`;
  const element = h("textarea", { id, name, rows: 3, cols: 80, spellcheck: "false" });
  return [element, h("label", { for: id }, label, element)];
}
function step(spec, label, fields, run, show) {
  if (!spec || !may(spec)) return null;
  const made = fields.map(([name, text]) => [name, ...area(text, name)]);
  const status = h("span", { role: "status" });
  const form = h(
    "form",
    { class: "panel", "aria-label": label, onsubmit: async (event) => {
      event.preventDefault();
      status.textContent = "…";
      status.className = "";
      try {
        const values = Object.fromEntries(made.map(([name, element]) => [name, element.value]));
        const answer = await run(values);
        status.textContent = `${spec.name}: seq ${answer.seq}`;
        status.className = "ok";
        show(answer.result);
      } catch (error) {
        status.textContent = error.message;
        status.className = "bad";
      }
    } },
    h("strong", {}, label),
    " ",
    spec.doc,
    made.map(([, , wrapped]) => wrapped),
    h("button", { type: "submit" }, label),
    status
  );
  return form;
}
function seatPanel(group, show, reload) {
  const section = h(
    "section",
    { class: "panel", "aria-label": `group ${group.group_id}` },
    h("h2", {}, group.label || group.group_id),
    table(["field", "value"], [
      ["group", h("code", {}, group.group_id)],
      ["domain", group.domain],
      ["suite", `${group.suite}, ${group.threshold} of ${group.participants}`],
      ["this seat", `participant ${group.identifier}`],
      ["stage", h("span", { "data-stage": group.group_id }, group.stage)],
      ["group public key", h("code", {}, group.group_public_key || "(after the DKG)")],
      ["transcript", h("code", {}, group.transcript_digest || "(after round 1)")],
      ["signatures", String(group.signatures)]
    ].map(([field, value]) => ({ field, value })), (c, r) => r[c])
  );
  const on = { group_id: group.group_id, domain: group.domain };
  const done = (result) => {
    show(result.message ?? result.messages ?? result);
    return reload();
  };
  if (!state.identity) {
    section.append(message("Signed in by client certificate: sign in with the actor's key to act."));
  } else if (group.stage === "round1") {
    section.append(step(
      commandSpec("RunThresholdDkgRound"),
      "Run DKG round 2",
      [["round1", "the other participants' round 1 messages (JSON)"]],
      (v) => runCommand("RunThresholdDkgRound", { ...on, round1_messages: parseMessages(v.round1) }),
      done
    ));
  } else if (group.stage === "round2") {
    section.append(step(
      commandSpec("FinishThresholdDkg"),
      "Finish the DKG",
      [["round2", "the round 2 messages sent to this participant (JSON)"]],
      (v) => runCommand("FinishThresholdDkg", { ...on, round2_messages: parseMessages(v.round2) }),
      done
    ));
  } else if (group.stage === "active") {
    const frost = group.suite.startsWith("frost");
    section.append(
      frost ? step(
        commandSpec("CommitThresholdSigning"),
        "Commit to a session",
        [["session", "session id (the same for every signer)"]],
        (v) => runCommand("CommitThresholdSigning", { ...on, session_id: v.session.trim() }),
        done
      ) : null,
      step(
        commandSpec("SignThresholdShare"),
        "Sign a share",
        [
          ["session", "session id"],
          ["message", "the message (UTF-8 text)"],
          ...frost ? [["commitments", "every signer's commitments, this one's included (JSON)"]] : []
        ],
        (v) => runCommand("SignThresholdShare", {
          ...on,
          session_id: v.session.trim(),
          commitments: parseMessages(v.commitments || "")
        }, { message: utf8(v.message) }),
        done
      ),
      step(
        commandSpec("AggregateThresholdSignature"),
        "Aggregate the signature",
        [
          ["session", "session id"],
          ["message", "the message (UTF-8 text)"],
          ...frost ? [["commitments", "the signing set's commitments (JSON)"]] : [],
          ["shares", "the signing set's signature shares (JSON)"]
        ],
        (v) => runCommand(
          "AggregateThresholdSignature",
          {
            ...on,
            session_id: v.session.trim(),
            commitments: parseMessages(v.commitments || ""),
            shares: parseMessages(v.shares)
          },
          { message: utf8(v.message) }
        ),
        done
      )
    );
  }
  const sessions = h("div", { "data-sessions": group.group_id });
  section.append(h("h3", {}, "Signing sessions"), sessions);
  read("ListThresholdSessions", { group_id: group.group_id }).then(
    (rows) => sessions.replaceChildren(
      rows.length === 0 ? message("No signing session yet.") : table(
        ["session", "committed", "share issued", "message digest", "signers", "group signature"],
        rows,
        (c, r) => ({
          session: h("code", {}, r.session_id),
          committed: when(r.committed_at),
          "share issued": r.signed ? "yes" : "no",
          "message digest": h("code", {}, r.message_digest || ""),
          signers: r.signers.join(", "),
          "group signature": h("code", {}, r.signature || "")
        })[c]
      )
    ),
    (error) => sessions.replaceChildren(message(error.message, true))
  );
  return section;
}
async function thresholdPage(main) {
  main.append(h("h1", {}, "Threshold sessions"), h(
    "p",
    {},
    "This ledger's seats in threshold group keys and their signing sessions. Each participant is its own ledger: send the message shown below to the others, and paste theirs here."
  ));
  const output = h("pre", { id: "threshold-output", "aria-label": "message to send", tabindex: 0 });
  const outputBox = h(
    "div",
    { id: "threshold-message", hidden: true },
    h("h2", {}, "Message to send"),
    output
  );
  const groupsBox = h("div", { id: "threshold-groups" });
  const show = (result) => {
    output.textContent = JSON.stringify(result, null, 2);
    outputBox.hidden = false;
  };
  const reload = async () => {
    const groups = await read("ListThresholdGroups", {});
    groupsBox.replaceChildren(groups.length === 0 ? message("This ledger holds no threshold seat yet.") : h(
      "div",
      {},
      table(
        ["group", "label", "suite", "seat", "stage", "sessions", "signatures", "since"],
        groups,
        (c, g) => ({
          group: h("code", {}, g.group_id),
          label: g.label || "",
          suite: g.suite,
          seat: `${g.identifier} of ${g.participants} (t = ${g.threshold})`,
          stage: g.stage,
          sessions: String(g.sessions),
          signatures: String(g.signatures),
          since: when(g.created_at)
        })[c]
      ),
      groups.filter((g) => g.stage !== "retired").map((g) => seatPanel(g, show, reload))
    ));
  };
  main.append(outputBox, groupsBox);
  const start = commandSpec("StartThresholdDkg");
  if (start && state.identity && may(start) && start.args.every(typeable)) {
    main.append(h("h2", {}, "Start or join a DKG"), fieldForm(start.args, "Start DKG", async (values) => {
      const answer = await runCommand("StartThresholdDkg", values);
      show(answer.result.message);
      await reload();
      return `group ${answer.result.group_id}: seq ${answer.seq}`;
    }, { extra: [{
      name: "domain",
      kind: "text",
      doc: "Key domain (chain).",
      required: false,
      default: "default",
      max_length: 64
    }] }));
  }
  await reload();
}

export {
  parseMessages,
  thresholdPage
};
