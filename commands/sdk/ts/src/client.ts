/**
 * The SKMS TypeScript client: the generated REST API (../generated, from
 * schemas/openapi.json) driven through a fetch that signs every request as one actor, plus
 * what the generator cannot know: commands built and signed here, by the actor's own key,
 * and the WebSocket feed.
 *
 *     const client = new SkmsClient({ baseUrl, actorId, privateKey: seedHex, ca: caPem });
 *     const created = await client.createKey("ed25519", { domain: "payments" });
 *
 * Every generated API class works with `client.api(KeysApi)` (reads need no more); a
 * command goes through `client.command(...)`, which signs it and puts the signed bytes in
 * the request body the generated method sends.
 */
import { createHash, KeyObject } from "node:crypto";
import WebSocket from "ws";
import { BaseAPI, Configuration } from "../generated/runtime";
import { KeysApi, SigningApi } from "../generated/apis";
import type { CreateKeyOut, SignOut } from "../generated/models";
import { newCommand, signCommand, SignedCommand } from "./command";
import { privateKeyFromSeed } from "./identity";
import { signHttp } from "./httpsig";
import { signingFetch } from "./transport";

export interface ClientOptions {
  /** `https://host:port` (the bootstrap's `rest`). */
  baseUrl: string;
  actorId: string;
  /** The actor's Ed25519 key: a KeyObject, or the 32-byte seed in hex. */
  privateKey: KeyObject | string;
  /** PEM of the server's CA. */
  ca?: string;
}

/** One event (or the hello) of the feed, as the server sends it (commands/service/feed.py). */
export type FeedMessage = { type: string; [field: string]: unknown };

export class SkmsClient {
  readonly baseUrl: string;
  readonly actorId: string;
  readonly configuration: Configuration;
  private readonly privateKey: KeyObject;
  private readonly ca?: string;
  private readonly domains = new Map<string, string>();

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.actorId = options.actorId;
    this.privateKey = typeof options.privateKey === "string"
      ? privateKeyFromSeed(options.privateKey) : options.privateKey;
    this.ca = options.ca;
    this.configuration = new Configuration({
      basePath: this.baseUrl,
      fetchApi: signingFetch({ actorId: this.actorId, privateKey: this.privateKey, ca: this.ca }),
    });
  }

  /** A generated API class bound to this client, e.g. `client.api(KeysApi).listKeys({})`. */
  api<T extends BaseAPI>(kind: new (configuration: Configuration) => T): T {
    return new kind(this.configuration);
  }

  /** Build and sign a command as this actor (nothing is sent). */
  command(type: string, chainId: string, args: { [key: string]: unknown }): SignedCommand {
    return signCommand(newCommand(type, this.actorId, chainId, args), this.privateKey);
  }

  /** CreateKey in `domain` (default "default"); the key's domain is remembered for later. */
  async createKey(algorithm: string, options: { domain?: string; label?: string } = {}
  ): Promise<CreateKeyOut> {
    const args: { [key: string]: unknown } = { algorithm };
    if (options.label !== undefined) args.label = options.label;
    const signed = this.command("CreateKey", options.domain ?? "default", args);
    const out = await this.api(KeysApi).createKey({
      createKeyIn: { command: signed.canonical, signature: signed.signature },
      idempotencyKey: signed.command.command_id,
    });
    if (out.result?.keyId) this.domains.set(out.result.keyId, out.chain);
    return out;
  }

  /** The chain (domain) a key's commands go to: remembered, else asked of the server. */
  async keyDomain(keyId: string): Promise<string> {
    let domain = this.domains.get(keyId);
    if (domain === undefined) {
      domain = (await this.api(KeysApi).getKey({ keyId })).domain;
      this.domains.set(keyId, domain);
    }
    return domain;
  }

  /** Sign `message` with a key: the command carries SHA-256 of it (message_digest), the
   * message travels beside it, as the catalogue's Sign command says. */
  async sign(keyId: string, message: Uint8Array): Promise<SignOut> {
    const digest = createHash("sha256").update(message).digest("hex");
    const signed = this.command("Sign", await this.keyDomain(keyId),
      { key_id: keyId, message_digest: digest });
    return this.api(SigningApi).sign({
      keyId, idempotencyKey: signed.command.command_id,
      signIn: { command: signed.canonical, signature: signed.signature,
        message: Buffer.from(message).toString("base64") },
    });
  }

  /** Open the WebSocket feed of a chain (admins and auditors). */
  feed(chain = "default", fromSeq?: number): Promise<Feed> {
    const scheme = this.baseUrl.startsWith("https:") ? "wss:" : "ws:";
    const query = new URLSearchParams({ chain });
    if (fromSeq !== undefined) query.set("from_seq", String(fromSeq));
    const url = `${scheme}${this.baseUrl.slice(this.baseUrl.indexOf(":") + 1)}/v1/feed?${query}`;
    const headers = signHttp(this.privateKey, this.actorId, "GET", url, new Uint8Array());
    return Feed.open(new WebSocket(url, { headers, ca: this.ca, maxPayload: 2 ** 24 }));
  }
}

/** A chain's events in order, as they commit; `hello` says where it started. */
export class Feed {
  private readonly queue: FeedMessage[] = [];
  private readonly waiting: Array<(message: FeedMessage | Error) => void> = [];
  private failure?: Error;

  private constructor(private readonly socket: WebSocket, public hello: FeedMessage) {}

  static open(socket: WebSocket): Promise<Feed> {
    return new Promise((resolve, reject) => {
      socket.once("unexpected-response", (_request, response) =>
        reject(new Error(`the feed was refused: HTTP ${response.statusCode}`)));
      socket.once("error", reject);
      socket.once("message", (data) => {
        const feed = new Feed(socket, JSON.parse(String(data)) as FeedMessage);
        socket.on("message", (text) => feed.push(JSON.parse(String(text)) as FeedMessage));
        socket.on("close", (code, reason) => feed.fail(new Error(
          `the feed closed (${code}${reason.length ? `: ${reason}` : ""})`)));
        socket.on("error", (error) => feed.fail(error));
        resolve(feed);
      });
    });
  }

  private push(message: FeedMessage): void {
    const taker = this.waiting.shift();
    if (taker) taker(message); else this.queue.push(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const taker of this.waiting.splice(0)) taker(error);
  }

  /** The next event, waiting at most `timeoutMs`. */
  next(timeoutMs = 10_000): Promise<FeedMessage> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const at = this.waiting.indexOf(taker);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new Error(`no feed event within ${timeoutMs} ms`));
      }, timeoutMs);
      const taker = (message: FeedMessage | Error) => {
        clearTimeout(timer);
        if (message instanceof Error) reject(message); else resolve(message);
      };
      this.waiting.push(taker);
    });
  }

  close(): void {
    this.socket.close(1000);
  }
}
