/**
 * Signed SKMS commands (ledger/command.py): what an actor asks for, in the exact bytes it
 * signed. The ledger stores this signature with the event it causes, so the audit trail
 * proves the client asked, not merely the server.
 *
 * The signature is Ed25519 over "SKMS-COMMAND-v1\0" || canonical command JSON; the command
 * carries a fresh nonce, its issue time (microseconds) and a command id, which is also the
 * request's Idempotency-Key, so a retry returns the first outcome instead of acting twice.
 */
import { randomBytes, randomUUID, sign, verify, KeyObject } from "node:crypto";
import { canonicalJson } from "./canonical";

export const COMMAND_DOMAIN = Buffer.from("SKMS-COMMAND-v1\0", "ascii");

export interface Command {
  type: string;
  actor_id: string;
  chain_id: string;
  args: { [key: string]: unknown };
  issued_at: number | bigint;
  command_id: string;
  nonce: string;
  correlation_id: string;
}

export interface SignedCommand {
  command: Command;
  /** The canonical JSON, as sent in the request body's "command" field. */
  canonical: string;
  /** Base64 Ed25519 signature, the body's "signature" field. */
  signature: string;
}

/** Microseconds since the epoch, as the ledger's issued_at. */
function nowMicros(): bigint {
  return BigInt(Date.now()) * 1000n;
}

/** A new command with a fresh id, nonce and issue time. */
export function newCommand(type: string, actorId: string, chainId: string,
  args: { [key: string]: unknown }): Command {
  return {
    type, actor_id: actorId, chain_id: chainId, args, issued_at: nowMicros(),
    command_id: randomUUID(), nonce: randomBytes(16).toString("hex"),
    correlation_id: randomBytes(16).toString("hex"),
  };
}

/** Sign a command with the actor's Ed25519 identity key. */
export function signCommand(command: Command, privateKey: KeyObject): SignedCommand {
  const canonical = canonicalJson({ ...command });
  const signature = sign(null, Buffer.concat([COMMAND_DOMAIN, Buffer.from(canonical, "ascii")]),
    privateKey);
  return { command, canonical, signature: signature.toString("base64") };
}

/** Whether a command signature verifies with an actor's public key. */
export function verifyCommand(canonical: string, signatureB64: string,
  publicKey: KeyObject): boolean {
  return verify(null, Buffer.concat([COMMAND_DOMAIN, Buffer.from(canonical, "ascii")]),
    publicKey, Buffer.from(signatureB64, "base64"));
}
