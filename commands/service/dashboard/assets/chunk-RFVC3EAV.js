import {
  connect,
  live,
  onLive,
  pinKey,
  pinnedKey,
  verifyNow
} from "./chunk-PJENLBNQ.js";
import {
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootFromInclusion
} from "./chunk-OJYZN3BX.js";
import {
  buildable,
  commandSpec,
  may,
  outcomeText,
  read,
  request,
  runCommand,
  state
} from "./chunk-SN7T3YMA.js";
import {
  equal,
  fromBase64
} from "./chunk-V5HITSAS.js";
import {
  barChart,
  releaseCharts
} from "./chunk-R7DWQ3ST.js";
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

// src/pages.js
var json = (value) => h("code", {}, JSON.stringify(value));
function livesIn(key) {
  const where = key.backend === "pkcs11" ? key.location : null;
  if (where) {
    const token = `token ${where.token_label} (serial ${where.token_serial}${where.token_model ? `, ${where.token_model}` : ""})`;
    return key.state === "destroyed" ? `nowhere: its objects were destroyed on HSM ${token}` : `HSM ${token}, object ${where.object_label}; never extractable`;
  }
  return key.state === "destroyed" ? "nowhere: its data keys were shredded" : "software: sealed in the ledger; data key in the key-ring (KEK-wrapped)";
}
function keyLink(keyId) {
  return h("a", { href: `#/key/${encodeURIComponent(keyId)}` }, h("code", {}, keyId));
}
async function keysPage(main, unsubscribe) {
  main.append(h("h1", {}, "Keys"));
  const filters = h("form", { class: "inline", "aria-label": "Filter keys" });
  const body = h("div", { id: "key-table" });
  main.append(filters, body);
  const chosen = { domain: "", algorithm: "", state: "" };
  let keys = [];
  const draw = () => {
    const rows = keys.filter((k) => Object.entries(chosen).every(([f, v]) => !v || k[f] === v));
    body.replaceChildren(rows.length === 0 ? message("No key matches.") : table(
      ["key", "label", "domain", "algorithm", "state", "versions", "policy", "lives in", "signatures"],
      rows,
      (c, k) => ({
        key: keyLink(k.key_id),
        label: k.label || "",
        domain: k.domain,
        algorithm: k.algorithm,
        state: k.state,
        versions: `${k.current_version} of ${k.versions.join(", ")}`,
        policy: json(k.policy),
        "lives in": livesIn(k),
        signatures: k.signatures
      })[c]
    ));
  };
  const load = async () => {
    keys = await read("ListKeys", {});
    filters.replaceChildren(...["domain", "algorithm", "state"].map((name) => {
      const select = h(
        "select",
        { id: `filter-${name}`, name },
        h("option", { value: "" }, "(all)"),
        [...new Set(keys.map((k) => k[name]))].sort().map((v) => h("option", { value: v, selected: chosen[name] === v }, v))
      );
      select.addEventListener("change", () => {
        chosen[name] = select.value;
        draw();
      });
      return h("label", { for: `filter-${name}` }, name, select);
    }));
    draw();
  };
  await load();
  const create = commandSpec("CreateKey");
  if (create && state.identity && may(create) && buildable(create)) {
    const fields = create.args.filter((f) => typeable(f) && (f.required || ["label", "activate"].includes(f.name)));
    main.append(h("h2", {}, "New key"), fieldForm(fields, "Create key", async (values) => {
      const answer = await runCommand("CreateKey", values);
      await load();
      return answer.status === "pending" ? outcomeText("CreateKey", answer) : `created ${answer.result.key_id} (seq ${answer.seq})`;
    }, { extra: [{ name: "domain", kind: "text", doc: "Key domain (chain).", required: false, default: "default", max_length: 64 }] }));
  }
  unsubscribe.push(onLive((kind, event) => {
    if (kind === "event" && event.event_type.startsWith("Key")) load().catch(() => {
    });
  }));
  const poll = setInterval(() => {
    if (!live.connected) load().catch(() => {
    });
  }, 5e3);
  unsubscribe.push(() => clearInterval(poll));
}
async function keyPage(main, unsubscribe, keyId) {
  const key = await read("GetKey", { key_id: keyId });
  main.append(h("h1", {}, "Key ", h("code", {}, key.key_id)));
  const details = h("div", { id: "key-details" });
  const history = h("div", { id: "key-history" });
  let shown = key;
  const drawDetails = (k) => details.replaceChildren(table(["field", "value"], [
    ["label", k.label || ""],
    ["domain", k.domain],
    ["algorithm", k.algorithm],
    ["state", h("span", { id: "key-state" }, k.state)],
    ["usage", k.usage.join(", ")],
    ["current version", h("span", { id: "key-version" }, String(k.current_version))],
    ["versions", k.versions.join(", ")],
    ["public key", h("code", {}, k.public_key)],
    ["policy", json(k.policy)],
    ["created", when(k.created_at)],
    ["rotated", when(k.rotated_at)],
    ["signatures", String(k.signatures)],
    ["lives in", h("span", { id: "key-lives-in" }, livesIn(k))]
  ].map(([field, value]) => ({ field, value })), (c, r) => r[c]));
  drawDetails(key);
  const drawHistory = async () => {
    try {
      const result = await read("KeyHistory", { key_id: keyId });
      const rows = result.rows;
      const refs = rows.map((r) => JSON.parse(r.details_json || "{}").data_key_ref).filter(Boolean);
      const place = document.getElementById("key-lives-in");
      if (place && refs.length && shown.backend !== "pkcs11" && shown.state !== "destroyed") {
        place.textContent = `software: sealed in the ledger; data keys ${refs.join(", ")} in the key-ring (KEK-wrapped)`;
      }
      history.replaceChildren(table(["seq", "event", "actor", "recorded", "details"], rows, (c, r) => ({
        seq: `${r.chain}#${r.seq}`,
        event: r.event_type,
        actor: h("code", {}, r.actor_id),
        recorded: String(r.recorded_at),
        details: h("code", {}, r.details_json)
      })[c]));
    } catch (error) {
      history.replaceChildren(message(error.message, true));
    }
  };
  const refresh = async () => {
    shown = await read("GetKey", { key_id: keyId });
    drawDetails(shown);
    await drawHistory();
  };
  const actions = h("div", { id: "key-actions" });
  for (const spec of state.catalogue.commands) {
    if (spec.chain !== "key" || !spec.rest.path.includes("{key_id}") || !buildable(spec) || !may(spec)) continue;
    if (!spec.args.every((f) => f.name === "key_id" || typeable(f))) continue;
    const fields = spec.args.filter((f) => f.name !== "key_id" && (f.required || f.name === "reason"));
    actions.append(h(
      "div",
      { class: "panel" },
      h("strong", {}, spec.name),
      " ",
      spec.doc,
      fieldForm(fields, spec.name.replace(/Key$/, "").toLowerCase(), async (values) => {
        const answer = await runCommand(spec.name, { ...values, key_id: keyId });
        await refresh();
        return outcomeText(spec.name, answer);
      })
    ));
  }
  main.append(
    h("h2", {}, "Details"),
    details,
    h("h2", {}, "Actions"),
    !state.identity ? message("Signed in by client certificate: sign in with the actor's key to act.") : actions.childElementCount ? actions : message("This actor may take no action on keys here."),
    h("h2", {}, "History"),
    history
  );
  await drawHistory();
  unsubscribe.push(onLive((kind, event) => {
    if (kind === "event" && event.aggregate_id === keyId) refresh().catch(() => {
    });
  }));
}
function verifiedMark(event) {
  const verified = live.verified;
  if (live.failure && live.failure.seq !== void 0 && live.failure.seq !== null && event.seq === live.failure.seq) {
    return h("span", { class: "bad" }, "✗ fails verification");
  }
  if (!verified) return h("span", { class: "warn" }, "not verified");
  if (event.seq >= verified.checkpoint.size) return h("span", { class: "warn" }, "after the checkpoint");
  const entry = verified.verified.get(event.seq);
  const same = entry && entry.event_hash === event.event_hash && entry.event_type === event.event_type && entry.actor_id === event.actor_id && entry.aggregate_id === event.aggregate_id;
  return same ? h("span", { class: "ok" }, `✓ in checkpoint ${verified.checkpoint.size}`) : h("span", { class: "bad" }, "✗ differs from the verified bytes");
}
async function timelinePage(main, unsubscribe) {
  main.append(h("h1", {}, "Live timeline"));
  const chains = await read("ListChains", {});
  const select = h(
    "select",
    { id: "timeline-chain" },
    chains.map((c) => h("option", { value: c.chain_id, selected: c.chain_id === live.chain }, c.chain_id))
  );
  select.addEventListener("change", () => connect(select.value));
  const status = h("p", { id: "feed-status", role: "status" });
  const list = h("div", { id: "timeline" });
  main.append(
    h(
      "form",
      { class: "inline", "aria-label": "Chain" },
      h("label", { for: "timeline-chain" }, "chain", select),
      h("button", { type: "button", id: "verify-now", onclick: () => verifyNow() }, "Verify now")
    ),
    status,
    list
  );
  const draw = () => {
    status.textContent = live.connected ? `live: ${live.events.length} events of ${live.chain}` : "feed not connected";
    const rows = [...live.events].reverse().slice(0, 200);
    list.replaceChildren(table(["seq", "event", "aggregate", "actor", "recorded", "verified"], rows, (c, e) => ({
      seq: String(e.seq),
      event: e.event_type,
      aggregate: h("code", {}, e.aggregate_id),
      actor: h("code", {}, e.actor_id),
      recorded: when(e.recorded_at),
      verified: verifiedMark(e)
    })[c]));
  };
  draw();
  unsubscribe.push(onLive(() => draw()));
}
async function checkpointsPage(main) {
  main.append(h("h1", {}, "Checkpoints and proofs"));
  const pin = h("input", { id: "pinned-key", size: 60, value: pinnedKey() });
  main.append(h(
    "form",
    { class: "inline", "aria-label": "Pinned verifier key", onsubmit: (e) => {
      e.preventDefault();
      pinKey(pin.value.trim());
      verifyNow();
    } },
    h("label", { for: "pinned-key" }, "pinned verifier key (empty: trust the server's)", pin),
    h("button", { type: "submit" }, "Pin")
  ));
  const chains = await read("ListChains", {});
  main.append(table(["chain", "head seq", "checkpoint size"], chains, (c, r) => ({
    chain: r.chain_id,
    "head seq": String(r.head_seq),
    "checkpoint size": String(r.checkpoint_size)
  })[c]));
  for (const chain of chains.filter((c) => c.checkpoint_size > 0)) {
    const section = h("section", { class: "panel", "aria-label": `checkpoint of ${chain.chain_id}` });
    main.append(section);
    try {
      const info = await read("GetCheckpoint", { chain_id: chain.chain_id });
      const verifier = parseVerifierKey(pinnedKey() || info.verifier_key);
      let verdict;
      try {
        const opened = await openCheckpoint(info.note, verifier);
        verdict = h("p", { class: "ok" }, `✓ signature verified here (size ${opened.size})`);
      } catch (error) {
        verdict = h("p", { class: "bad" }, `✗ ${error.message}`);
      }
      const seq = h("input", { id: `proof-seq-${chain.chain_id}`, type: "number", min: 0, max: info.size - 1, value: 0 });
      const result = h("span", { role: "status" });
      section.append(
        h("h2", {}, chain.chain_id),
        h("pre", {}, info.note),
        verdict,
        h("p", {}, "verifier key ", h("code", {}, info.verifier_key)),
        h("form", { class: "inline", "aria-label": `inclusion proof in ${chain.chain_id}`, onsubmit: async (e) => {
          e.preventDefault();
          try {
            const proof = await read("InclusionProof", { chain_id: chain.chain_id, seq: Number(seq.value), size: info.size });
            const leaf = await leafHash(fromBase64(proof.event_hash));
            const root = await rootFromInclusion(proof.leaf_index, proof.tree_size, leaf, proof.path.map(fromBase64));
            const opened = await openCheckpoint(proof.checkpoint, verifier);
            const ok = root !== null && equal(root, opened.root);
            result.textContent = ok ? `✓ seq ${proof.leaf_index} is in checkpoint ${opened.size} (path of ${proof.path.length})` : `✗ seq ${proof.leaf_index} does not verify`;
            result.className = ok ? "ok" : "bad";
          } catch (error) {
            result.textContent = error.message;
            result.className = "bad";
          }
        } }, h("label", { for: seq.id }, "seq", seq), h("button", { type: "submit" }, "Prove inclusion"), result)
      );
    } catch (error) {
      section.append(message(error.message, true));
    }
  }
}
function aggregate(result, chart) {
  const totals = /* @__PURE__ */ new Map();
  for (const row of result.rows) {
    const value = row[chart.x];
    const label = value === null || value === void 0 ? "(none)" : String(value);
    totals.set(label, (totals.get(label) || 0) + (chart.y === null ? 1 : Number(row[chart.y] || 0)));
  }
  return [...totals.entries()];
}
async function reportsPage(main) {
  main.append(h("h1", {}, "Compliance reports"));
  const reports = await read("ListReports", {});
  const select = h("select", { id: "report-name" }, reports.map((r) => h("option", { value: r.name }, r.name)));
  const out = h("div", { id: "report" });
  const run = async () => {
    const spec = reports.find((r) => r.name === select.value);
    releaseCharts(out);
    out.replaceChildren(h("p", {}, spec.description));
    try {
      const result = await read("RunReport", { name: spec.name });
      out.append(
        barChart(spec.chart.title, aggregate(result, spec.chart)),
        table(
          result.columns,
          result.rows,
          (c, r) => r[c] === null ? "" : typeof r[c] === "object" ? JSON.stringify(r[c]) : String(r[c])
        )
      );
    } catch (error) {
      out.append(message(error.message, true));
    }
  };
  main.append(h(
    "form",
    { class: "inline", "aria-label": "Report", onsubmit: (e) => {
      e.preventDefault();
      run();
    } },
    h("label", { for: "report-name" }, "report", select),
    h("button", { type: "submit" }, "Run")
  ), out);
  await run();
}
async function chainsPage(main) {
  main.append(h("h1", {}, "Chain activity"));
  const chains = await read("ListChains", {});
  main.append(table(["chain", "head seq", "head hash", "checkpoint size", "unsigned events"], chains, (c, r) => ({
    chain: r.chain_id,
    "head seq": String(r.head_seq),
    "head hash": h("code", {}, r.head_hash),
    "checkpoint size": String(r.checkpoint_size),
    "unsigned events": String(r.head_seq + 1 - r.checkpoint_size)
  })[c]));
  main.append(barChart("Events per chain", chains.map((c) => [c.chain_id, c.head_seq + 1])));
}
async function healthPage(main) {
  main.append(h("h1", {}, "Health and metrics"));
  const rows = [];
  for (const path of ["/healthz", "/readyz"]) {
    try {
      rows.push({ check: path, status: (await request("GET", path)).status });
    } catch (error) {
      rows.push({ check: path, status: error.message });
    }
  }
  main.append(table(["check", "status"], rows));
  try {
    const text = await request("GET", "/metrics");
    const series = text.split("\n").filter((l) => l && !l.startsWith("#") && /^skms_/.test(l));
    main.append(h("h2", {}, `Metrics (${series.length} SKMS series)`), h("pre", { id: "metrics" }, series.slice(0, 40).join("\n")));
  } catch (error) {
    main.append(message(`metrics: ${error.message}`, true));
  }
}

export {
  keysPage,
  keyPage,
  timelinePage,
  checkpointsPage,
  aggregate,
  reportsPage,
  chainsPage,
  healthPage
};
