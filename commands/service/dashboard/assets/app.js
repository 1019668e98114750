import {
  Identity
} from "./chunk-RLZIXYEF.js";
import {
  chainsPage,
  checkpointsPage,
  healthPage,
  keyPage,
  keysPage,
  reportsPage,
  timelinePage
} from "./chunk-RFVC3EAV.js";
import {
  thresholdPage
} from "./chunk-FG2JZNR6.js";
import {
  approvalsPage
} from "./chunk-AS6V4IEX.js";
import {
  connect,
  disconnect,
  setBadge
} from "./chunk-PJENLBNQ.js";
import "./chunk-OJYZN3BX.js";
import {
  loadCatalogue,
  signIn,
  signInWithCertificate,
  signOut,
  state
} from "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
import {
  releaseCharts
} from "./chunk-R7DWQ3ST.js";
import "./chunk-33FBQ6RG.js";
import {
  h,
  message
} from "./chunk-NMVH4E44.js";

// src/app.js
var PAGES = [
  ["keys", "Keys", keysPage],
  ["timeline", "Timeline", timelinePage],
  ["checkpoints", "Checkpoints", checkpointsPage],
  ["reports", "Reports", reportsPage],
  ["approvals", "Approvals", approvalsPage],
  ["threshold", "Threshold", thresholdPage],
  ["chains", "Chains", chainsPage],
  ["health", "Health", healthPage]
];
var main = document.getElementById("main");
var cleanups = [];
function nav() {
  const current = location.hash.replace(/^#\//, "").split("/")[0] || "keys";
  document.getElementById("nav").replaceChildren(...state.actor ? PAGES.map(([id, label]) => h("a", { href: `#/${id}`, "aria-current": id === current ? "page" : null }, label)) : []);
  const who = document.getElementById("who");
  who.replaceChildren(...state.actor ? [
    `${state.actor.name} (${state.actor.roles.join(", ")}) `,
    h("button", { type: "button", class: "secondary", id: "sign-out", onclick: async () => {
      disconnect();
      await signOut().catch(() => {
      });
      render();
    } }, "Sign out")
  ] : []);
}
async function render() {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  releaseCharts(main);
  main.replaceChildren();
  nav();
  if (!state.actor) {
    signInPage();
    return;
  }
  const [page, ...rest] = location.hash.replace(/^#\//, "").split("/");
  try {
    if (page === "key" && rest[0]) await keyPage(main, cleanups, decodeURIComponent(rest[0]));
    else await (PAGES.find(([id]) => id === page) || PAGES[0])[2](main, cleanups);
  } catch (error) {
    main.append(message(error.message, true));
    if (error.status === 401) {
      state.actor = null;
      render();
    }
  }
}
function signInPage() {
  setBadge("pending", "not signed in");
  const file = h("input", { id: "identity-file", type: "file", accept: ".pem,.json,.txt,.key" });
  const seed = h("textarea", { id: "identity-text", rows: 3, cols: 70, spellcheck: "false", autocomplete: "off" });
  const status = h("p", { id: "sign-in-status", role: "status" });
  const go = async (identity) => {
    status.textContent = "signing in…";
    try {
      await (identity ? signIn(identity) : signInWithCertificate());
      connect("default");
      await render();
    } catch (error) {
      status.textContent = `sign-in refused: ${error.message}`;
      status.className = "bad";
    }
  };
  const form = h(
    "form",
    { "aria-label": "Sign in", onsubmit: async (event) => {
      event.preventDefault();
      try {
        const text = file.files.length ? await file.files[0].text() : seed.value;
        seed.value = "";
        await go(await Identity.parse(text));
      } catch (error) {
        status.textContent = error.message;
        status.className = "bad";
      }
    } },
    h("p", {}, "Sign in as an actor: the page signs a fresh server challenge with the actor's Ed25519 identity key (kept in this tab only, never sent). Every action is then a command signed by that key."),
    h("label", { for: "identity-file" }, "identity key file (PKCS#8 PEM, or JSON with private_key)", file),
    h("label", { for: "identity-text" }, "or paste the key (PEM or 64 hex digits of the seed)", seed),
    h("p", {}, h("button", { type: "submit", id: "sign-in" }, "Sign in"))
  );
  const generated = h("div", { id: "generated" });
  const generate = h("button", { type: "button", class: "secondary", id: "generate", onclick: async () => {
    const identity = await Identity.generate();
    generated.replaceChildren(
      h("p", {}, "Ask an admin to register this public key (RegisterActor; skms actor add --public-key), then sign in:"),
      h("pre", { id: "generated-key" }, identity.publicKeyHex),
      h("button", { type: "button", onclick: () => go(identity) }, "Sign in with the generated key")
    );
  } }, "Generate a new identity key here");
  const byCertificate = h("button", {
    type: "button",
    class: "secondary",
    id: "sign-in-certificate",
    onclick: () => go(null)
  }, "Sign in with this browser's client certificate");
  main.append(
    h("h1", {}, "Sign in"),
    form,
    h("p", {}, byCertificate, " (mutual TLS; reads only: commands need the actor's key)"),
    h("h2", {}, "New actor"),
    generate,
    generated,
    status
  );
}
window.addEventListener("hashchange", () => {
  if (state.actor) render();
});
loadCatalogue().then(render).catch((error) => main.replaceChildren(message(`cannot load the catalogue: ${error.message}`, true)));
