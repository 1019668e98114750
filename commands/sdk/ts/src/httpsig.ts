/**
 * RFC 9421 HTTP Message Signatures with Ed25519, and Content-Digest (RFC 9530), in the
 * narrow profile SKMS accepts (commands/sdk/httpsig.py is the reference; the server checks
 * in commands/service/auth.py):
 *
 * - one signature labelled sig1, alg="ed25519", keyid = the actor id;
 * - covered components, in this order: "@method" "@target-uri" "content-digest"
 *   (content-digest also for an empty body, so a signature never moves onto another body);
 * - parameters created (Unix seconds) and nonce (16 to 64 URL-safe characters), fresh for
 *   every request: the server refuses a created outside its window and a nonce seen before;
 * - Content-Digest carries sha-256 only.
 */
import { createHash, randomBytes, sign, KeyObject } from "node:crypto";

export const LABEL = "sig1";
export const ALGORITHM = "ed25519";
export const HTTP_COMPONENTS = ["@method", "@target-uri", "content-digest"] as const;

export interface SignatureParams {
  created: number;
  nonce: string;
  keyid: string;
}

/** The Content-Digest header value of a body. */
export function contentDigest(body: Uint8Array): string {
  return `sha-256=:${createHash("sha256").update(body).digest("base64")}:`;
}

/** The @signature-params value (also the Signature-Input member's value). */
export function serializeParams(params: SignatureParams): string {
  const inner = HTTP_COMPONENTS.map((c) => `"${c}"`).join(" ");
  return `(${inner});created=${params.created};nonce="${params.nonce}";` +
    `keyid="${params.keyid}";alg="${ALGORITHM}"`;
}

/** The exact bytes signed (RFC 9421 section 2.5) for the covered component values. */
export function signatureBase(params: SignatureParams, values: Record<string, string>): Buffer {
  const lines = HTTP_COMPONENTS.map((component) => {
    const value = values[component];
    if (value === undefined) throw new Error(`covered component ${component} has no value`);
    if (/[\r\n]/.test(value)) throw new Error(`component ${component} contains a line break`);
    return `"${component}": ${value}`;
  });
  lines.push(`"@signature-params": ${serializeParams(params)}`);
  const text = lines.join("\n");
  if (!/^[\x00-\x7f]*$/.test(text)) throw new Error("covered values must be ASCII");
  return Buffer.from(text, "ascii");
}

/** A nonce like the Python SDK's: 24 random bytes, base64url (32 characters). */
export function newNonce(): string {
  return randomBytes(24).toString("base64url");
}

/** Content-Digest, Signature-Input and Signature headers for one HTTP request. */
export function signHttp(privateKey: KeyObject, keyid: string, method: string,
  targetUri: string, body: Uint8Array,
  options: { created?: number; nonce?: string } = {}): Record<string, string> {
  const digest = contentDigest(body);
  const params: SignatureParams = {
    created: options.created ?? Math.floor(Date.now() / 1000),
    nonce: options.nonce ?? newNonce(), keyid,
  };
  const base = signatureBase(params, {
    "@method": method.toUpperCase(), "@target-uri": targetUri, "content-digest": digest,
  });
  const signature = sign(null, base, privateKey).toString("base64");
  return {
    "content-digest": digest,
    "signature-input": `${LABEL}=${serializeParams(params)}`,
    "signature": `${LABEL}=:${signature}:`,
  };
}
