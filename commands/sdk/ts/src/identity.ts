/**
 * An actor's Ed25519 identity key, held as a node:crypto KeyObject (never exported again).
 *
 * SKMS hands keys out as the raw 32-byte seed (hex), as RFC 8032 defines the private key;
 * node:crypto imports Ed25519 private keys as PKCS#8, so the seed is wrapped in the fixed
 * PKCS#8 prefix of RFC 8410 (version 0, algorithm id-Ed25519 1.3.101.112, the seed as an
 * OCTET STRING inside the privateKey OCTET STRING).
 */
import { createPrivateKey, createPublicKey, KeyObject, generateKeyPairSync } from "node:crypto";

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

export interface Identity {
  actorId: string;
  privateKey: KeyObject;
}

/** The private key of a 32-byte seed (hex, as `skms serve --ephemeral` prints it). */
export function privateKeyFromSeed(seedHex: string): KeyObject {
  const seed = Buffer.from(seedHex, "hex");
  if (seed.length !== 32 || seed.toString("hex") !== seedHex.toLowerCase()) {
    throw new RangeError("private_key: an Ed25519 seed is 32 bytes of hex");
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: "der",
    type: "pkcs8" });
}

/** The public key of 32 raw bytes (hex, as the API returns it). */
export function publicKeyFromRaw(rawHex: string): KeyObject {
  const raw = Buffer.from(rawHex, "hex");
  if (raw.length !== 32) throw new RangeError("public_key: an Ed25519 public key is 32 bytes");
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, raw]), format: "der",
    type: "spki" });
}

/** The raw 32 public bytes of a key (private or public). */
export function rawPublicKey(key: KeyObject): Buffer {
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return spki.subarray(SPKI_ED25519_PREFIX.length);
}

/** A fresh key pair, e.g. to register a new actor or to show a refused signature. */
export function generateIdentityKey(): KeyObject {
  return generateKeyPairSync("ed25519").privateKey;
}
