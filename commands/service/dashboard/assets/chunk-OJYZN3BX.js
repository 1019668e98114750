import {
  base64,
  concat,
  ed25519Verify,
  equal,
  fromBase64,
  fromHex,
  sha256,
  utf8
} from "./chunk-V5HITSAS.js";

// src/verify.js
var EVENT_DOMAIN = utf8("SKMS-EVENT-v1\0");
var COMMAND_DOMAIN = utf8("SKMS-COMMAND-v1\0");
var SYSTEM_ACTOR = "ledger";
var strictUtf8 = new TextDecoder("utf-8", { fatal: true });
function decodeRecord(schema, bytes) {
  let at = 0;
  const varint = () => {
    let result = 0n;
    let shift = 0n;
    for (; ; ) {
      if (at >= bytes.length || shift > 63n) throw new Error("truncated Avro varint");
      const byte = bytes[at++];
      result |= BigInt(byte & 127) << shift;
      shift += 7n;
      if ((byte & 128) === 0) break;
    }
    return Number(result >> 1n ^ -(result & 1n));
  };
  const record = {};
  for (const field of schema.fields) {
    const type = typeof field.type === "object" ? field.type.type : field.type;
    if (type === "int" || type === "long") {
      record[field.name] = varint();
    } else if (type === "bytes" || type === "string") {
      const length = varint();
      if (length < 0 || at + length > bytes.length) throw new Error(`truncated Avro ${type}`);
      const slice = bytes.slice(at, at + length);
      at += length;
      record[field.name] = type === "string" ? strictUtf8.decode(slice) : slice;
    } else {
      throw new Error(`no decoder for Avro type ${type}`);
    }
  }
  if (at !== bytes.length) throw new Error("trailing bytes after the Avro record");
  return record;
}
var LEAF = Uint8Array.of(0);
var NODE = Uint8Array.of(1);
var Failure = class extends Error {
  constructor(seq, reason) {
    super(seq === null ? reason : `seq ${seq}: ${reason}`);
    this.seq = seq;
    this.reason = reason;
  }
};
function parseVerifierKey(text) {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(text.trim());
  if (!match) throw new Error("not a verifier key");
  const parts = match;
  const raw = fromBase64(parts[3]);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error("not an Ed25519 verifier key");
  return { name: parts[1], keyId: fromHex(parts[2]), publicKey: raw.slice(1) };
}
async function keyId(name, publicKey) {
  return (await sha256(utf8(name), Uint8Array.of(10, 1), publicKey)).slice(0, 4);
}
async function openCheckpoint(note, verifier) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0 || !note.endsWith("\n")) throw new Failure(null, "the checkpoint is not a signed note");
  const body = note.slice(0, split + 1);
  const expectedId = await keyId(verifier.name, verifier.publicKey);
  if (!equal(expectedId, verifier.keyId)) throw new Failure(null, "the verifier key's id does not match its key");
  let verified = false;
  for (const line of note.slice(split + 2, -1).split("\n")) {
    const match = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!match) throw new Failure(null, "a signature line of the checkpoint is malformed");
    if (match[1] !== verifier.name) continue;
    const blob = fromBase64(match[2]);
    if (!equal(blob.slice(0, 4), expectedId)) continue;
    if (blob.length !== 68 || !await ed25519Verify(verifier.publicKey, blob.slice(4), utf8(body))) {
      throw new Failure(null, `the checkpoint signature by ${verifier.name} does not verify`);
    }
    verified = true;
  }
  if (!verified) throw new Failure(null, `no signature by ${verifier.name} on the checkpoint`);
  const [origin, size, root] = body.slice(0, -1).split("\n");
  if (origin !== verifier.name) throw new Failure(null, "the checkpoint is of another log");
  if (!/^(0|[1-9][0-9]*)$/.test(size)) throw new Failure(null, "the checkpoint size is malformed");
  const rootHash = fromBase64(root);
  if (rootHash.length !== 32 || base64(rootHash) !== root) throw new Failure(null, "the checkpoint root is malformed");
  return { origin, size: Number(size), root: rootHash, body };
}
async function rootFromInclusion(index, treeSize, leafHash2, path) {
  if (index >= treeSize) return null;
  let fn = index;
  let sn = treeSize - 1;
  let r = leafHash2;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(NODE, p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}
async function eventHash(body) {
  return sha256(EVENT_DOMAIN, body);
}
async function leafHash(eventHashBytes) {
  return sha256(LEAF, eventHashBytes);
}
async function checkEnvelopes(page, checkpoint, context, verified) {
  for (const envelope of page.envelopes) {
    if (envelope.seq >= checkpoint.size) break;
    const seq = envelope.seq;
    const bytes = fromBase64(envelope.body);
    const computed = await eventHash(bytes);
    if (!equal(computed, fromHex(envelope.event_hash))) {
      throw new Failure(seq, "the stored body does not hash to its recorded event hash");
    }
    const path = envelope.inclusion.map(fromHex);
    const root = await rootFromInclusion(seq, checkpoint.size, await leafHash(computed), path);
    if (root === null || !equal(root, checkpoint.root)) {
      throw new Failure(seq, `not included under checkpoint ${checkpoint.size}`);
    }
    let body;
    try {
      body = decodeRecord(context.schema, bytes);
    } catch (error) {
      throw new Failure(seq, `the body does not decode: ${error.message}`);
    }
    if (body.seq !== seq || body.chain_id !== context.chain) {
      throw new Failure(seq, `the body says it is seq ${body.seq} of ${body.chain_id}`);
    }
    if (!equal(body.prev_hash, context.previous)) {
      throw new Failure(seq, "its prev_hash is not the hash of the entry before it");
    }
    if (body.command.length > 0) {
      const key = body.actor_id === SYSTEM_ACTOR ? context.ledgerKey : context.actorKeys.get(body.actor_id);
      if (!key) throw new Failure(seq, `its command is signed by ${body.actor_id}, an actor the ledger does not know`);
      if (!await ed25519Verify(key, body.actor_signature, concat(COMMAND_DOMAIN, body.command))) {
        throw new Failure(seq, `the command's signature by ${body.actor_id} does not verify`);
      }
    }
    context.previous = computed;
    verified.set(seq, {
      event_hash: envelope.event_hash,
      event_type: body.event_type,
      actor_id: body.actor_id,
      aggregate_id: body.aggregate_id
    });
  }
}
async function verifyChain(read, chain, pinned, schemas, onProgress = () => {
}) {
  const info = await read("GetCheckpoint", { chain_id: chain });
  const verifierText = pinned || info.verifier_key;
  const verifier = parseVerifierKey(verifierText);
  const checkpoint = await openCheckpoint(info.note, verifier);
  const actors = await read("ListActors", {});
  const context = {
    chain,
    schema: schemas["EnvelopeBody.v1"],
    previous: new Uint8Array(32),
    ledgerKey: verifier.publicKey,
    actorKeys: new Map(actors.map((a) => [a.actor_id, fromHex(a.public_key)]))
  };
  const verified = /* @__PURE__ */ new Map();
  for (let from = 0; from < checkpoint.size; from += 500) {
    const page = await read("ListEnvelopes", { chain_id: chain, from_seq: from, limit: 500, size: checkpoint.size });
    if (page.envelopes.length === 0 || page.envelopes[0].seq !== from) {
      throw new Failure(from, "missing from the store");
    }
    await checkEnvelopes(page, checkpoint, context, verified);
    onProgress(Math.min(from + 500, checkpoint.size), checkpoint.size);
  }
  if (verified.size !== checkpoint.size) throw new Failure(verified.size, "missing from the store");
  return { checkpoint, verified, pinned: Boolean(pinned), verifier: verifierText };
}

export {
  EVENT_DOMAIN,
  COMMAND_DOMAIN,
  decodeRecord,
  Failure,
  parseVerifierKey,
  keyId,
  openCheckpoint,
  rootFromInclusion,
  eventHash,
  leafHash,
  checkEnvelopes,
  verifyChain
};
