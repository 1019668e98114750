// The TypeScript example of docs/clients.md; test/client.test.ts runs it against
// `skms serve --ephemeral` (SKMS_BOOTSTRAP names the file holding its --json bootstrap).
import { readFileSync } from "node:fs";
import { verify } from "node:crypto";
import { SkmsClient, publicKeyFromRaw } from "../src";
import { KeysApi } from "../generated";

export async function quickstart(bootstrapFile: string): Promise<boolean> {
  const boot = JSON.parse(readFileSync(bootstrapFile, "utf8"));
  const as = (name: string) => new SkmsClient({ baseUrl: boot.rest, ca: boot.ca_pem,
    actorId: boot.actors[name].actor_id, privateKey: boot.actors[name].private_key });

  const created = await as("key-manager").createKey("ed25519", { domain: "payments" });
  const keyId = created.result!.keyId;
  const signer = as("signer");
  const message = Buffer.from("invoice 7");
  const signature = (await signer.sign(keyId, message)).result!.signature;
  const publicKey = (await signer.api(KeysApi).getPublicKey({ keyId, format: "hex" })).publicKey;
  return verify(null, message, publicKeyFromRaw(publicKey), Buffer.from(signature, "hex"));
}
