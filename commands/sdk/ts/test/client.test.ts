// Against a live `skms serve --ephemeral` started by tests/clients/test_ts_client.py:
// SKMS_BOOTSTRAP names its --json bootstrap, SKMS_CANONICAL_CASES the canonical-JSON
// encodings ledger/canonical.py made of awkward values.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { verify } from "node:crypto";
import {
  SkmsClient, canonicalJson, publicKeyFromRaw, verifyCommand, generateIdentityKey,
  rawPublicKey, privateKeyFromSeed, signCommand, newCommand, signHttp,
} from "../src";
import { ActorsApi, KeysApi, ResponseError } from "../generated";
import { quickstart } from "../examples/quickstart";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run through tests/clients/test_ts_client.py)`);
  return value;
}

const bootstrapFile = required("SKMS_BOOTSTRAP");
const boot = JSON.parse(readFileSync(bootstrapFile, "utf8"));
const as = (name: string) => new SkmsClient({ baseUrl: boot.rest, ca: boot.ca_pem,
  actorId: boot.actors[name].actor_id, privateKey: boot.actors[name].private_key });

test("canonical JSON is byte for byte what the ledger writes", () => {
  const cases = JSON.parse(readFileSync(required("SKMS_CANONICAL_CASES"), "utf8"));
  assert.ok(cases.length > 5);
  for (const { value, canonical } of cases) {
    assert.equal(canonicalJson(value), canonical);
  }
  assert.throws(() => canonicalJson({ x: 1.5 }), /x: only integers/);
  assert.throws(() => canonicalJson({ x: 2n ** 63n }), /x: integer out of the signed 64-bit/);
});

test("request and command signatures are byte for byte the Python SDK's", () => {
  const c = JSON.parse(readFileSync(required("SKMS_SIGNING_CASES"), "utf8"));
  const key = privateKeyFromSeed(c.seed);
  const r = c.request;
  assert.deepEqual(signHttp(key, r.keyid, r.method, r.target_uri, Buffer.from(r.body),
    { created: r.created, nonce: r.nonce }), c.headers);
  const signed = signCommand(c.command, key);
  assert.equal(signed.canonical, c.canonical);
  assert.equal(signed.signature, c.signature);
});

test("the identity key is the one the ledger registered", () => {
  const signer = boot.actors["signer"];
  assert.equal(rawPublicKey(privateKeyFromSeed(signer.private_key)).toString("hex"),
    signer.public_key);
});

test("whoami: an RFC 9421 signed request is authenticated as its actor", async () => {
  const me = await as("auditor").api(ActorsApi).whoAmI();
  assert.equal(me.actorId, boot.actors["auditor"].actor_id);
  assert.equal(me.authenticatedBy, "signature");
});

test("create a key, sign with it, verify with node:crypto, see it in the feed", async () => {
  const auditor = as("auditor");
  const feed = await auditor.feed("payments");
  try {
    assert.equal(feed.hello.type, "hello");
    const created = await as("key-manager").createKey("ed25519",
      { domain: "payments", label: "ts-client" });
    assert.equal(created.chain, "payments");
    const keyId = created.result!.keyId;

    const signer = as("signer");
    const message = Buffer.from("order 42 from the TypeScript client");
    const signed = await signer.sign(keyId, message);
    const signature = Buffer.from(signed.result!.signature, "hex");
    const pub = (await signer.api(KeysApi).getPublicKey({ keyId, format: "hex" })).publicKey;
    assert.equal(verify(null, message, publicKeyFromRaw(pub), signature), true);
    assert.equal(verify(null, Buffer.from("another message"), publicKeyFromRaw(pub), signature),
      false);

    // The feed carries the events of both commands, attributed to their actors.
    const seen = new Map<string, Array<{ [field: string]: unknown }>>();
    while (!seen.get(signed.commandId)?.some((e) => e.event_type === "SignatureIssued")) {
      const event = await feed.next(30_000);
      const id = String(event.command_id);
      seen.set(id, [...(seen.get(id) ?? []), event]);
    }
    const generated = (seen.get(created.commandId) ?? []).find(
      (e) => e.event_type === "KeyGenerated");
    assert.ok(generated, "the feed carried the KeyGenerated event of the CreateKey command");
    assert.equal(generated.actor_id, boot.actors["key-manager"].actor_id);
    assert.equal((generated.event as { key_id: string }).key_id, keyId);
    const issued = seen.get(signed.commandId)!.find((e) => e.event_type === "SignatureIssued")!;
    assert.equal(issued.actor_id, boot.actors["signer"].actor_id);
  } finally {
    feed.close();
  }
});

test("a signed command sent twice acts once (its id is the Idempotency-Key)", async () => {
  const manager = as("key-manager");
  const signed = manager.command("CreateKey", "payments", { algorithm: "ecdsa-p256" });
  const send = () => manager.api(KeysApi).createKey({
    createKeyIn: { command: signed.canonical, signature: signed.signature },
    idempotencyKey: signed.command.command_id,
  });
  const first = await send();
  const again = await send();
  assert.equal(first.commandId, signed.command.command_id);
  assert.equal(first.replayed, false);
  assert.equal(again.replayed, true);
  assert.deepEqual(again.seqs, first.seqs);
  // What the ledger verified is this client's signature with the actor's registered key.
  const managerKey = publicKeyFromRaw(boot.actors["key-manager"].public_key);
  assert.equal(verifyCommand(signed.canonical, signed.signature, managerKey), true);
});

/** The status and problem document of a refused call (it must be refused). */
async function refusal(call: Promise<unknown>): Promise<[number, { [field: string]: unknown }]> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof ResponseError, String(error));
    return [error.response.status, await error.response.json()];
  }
  assert.fail("the request was accepted");
}

test("a request signed with another key is refused: 401 bad-signature", async () => {
  const impostor = new SkmsClient({ baseUrl: boot.rest, ca: boot.ca_pem,
    actorId: boot.actors["signer"].actor_id, privateKey: generateIdentityKey() });
  const [status, problem] = await refusal(impostor.api(ActorsApi).whoAmI());
  assert.equal(status, 401);
  assert.equal(problem.reason_code, "bad-signature");
});

test("a command signed by another key is refused (403) and the refusal recorded", async () => {
  const manager = as("key-manager");
  const command = newCommand("CreateKey", manager.actorId, "payments", { algorithm: "ed25519" });
  const forged = signCommand(command, generateIdentityKey());
  const [status, problem] = await refusal(manager.api(KeysApi).createKey({
    createKeyIn: { command: forged.canonical, signature: forged.signature },
    idempotencyKey: command.command_id,
  }));
  assert.equal(status, 403);
  assert.equal(problem.reason_code, "bad-signature");
  assert.equal(problem.field, "signature");
  assert.equal(typeof problem.recorded_seq, "number");
});

test("the docs/clients.md example runs", async () => {
  assert.equal(await quickstart(bootstrapFile), true);
});
