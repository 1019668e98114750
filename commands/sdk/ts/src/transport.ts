/**
 * The fetch the generated client calls: node:https with the server's CA, and an RFC 9421
 * signature on every request.
 *
 * Why its own fetch and not a middleware over Node's global fetch: the signature covers
 * the exact method, target URI and body bytes that go on the wire, and signing where the
 * bytes are sent is the one place where they are known for certain (the Python SDK signs in
 * its transport for the same reason); and Node's global fetch takes no CA of its own.
 * Each call signs afresh, so a retried request carries a new nonce, never a replayed one.
 */
import { request as httpsRequest, Agent } from "node:https";
import { request as httpRequest } from "node:http";
import { KeyObject } from "node:crypto";
import { signHttp } from "./httpsig";

export interface SigningOptions {
  actorId: string;
  privateKey: KeyObject;
  /** PEM of the CA that signed the server's certificate (`ca_pem` of the bootstrap). */
  ca?: string;
  /** Sign requests (default true); off only with a client certificate (mutual TLS). */
  signRequests?: boolean;
  timeoutMs?: number;
}

type FetchLike = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;

function bodyBytes(body: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === "string") return Buffer.from(body, "utf8");
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(new Uint8Array(body));
  throw new TypeError("the SKMS client sends JSON bodies only");
}

/** A fetch for one actor: every request signed as that actor, TLS checked against `ca`. */
export function signingFetch(options: SigningOptions): FetchLike {
  const agent = new Agent({ ca: options.ca, keepAlive: true, minVersion: "TLSv1.3" });
  return (input, init = {}) => new Promise<Response>((resolve, reject) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = (init.method ?? "GET").toUpperCase();
    const body = bodyBytes(init.body);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => { headers[name] = value; });
    if (options.signRequests !== false) {
      Object.assign(headers, signHttp(options.privateKey, options.actorId, method, url.href, body));
    }
    headers["content-length"] = String(body.length);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const outgoing = send(url, { method, headers, agent: url.protocol === "https:" ? agent : undefined,
      timeout: options.timeoutMs ?? 30_000 }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () => {
        const answer = new Headers();
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(", ") : value);
        }
        const status = incoming.statusCode ?? 502;
        const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
        resolve(new Response(content, { status, statusText: incoming.statusMessage, headers: answer }));
      });
    });
    outgoing.on("timeout", () => outgoing.destroy(new Error(`no answer from ${url.origin}`)));
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}
