import {
  concat,
  fromBase64,
  fromBase64Url,
  fromHex,
  hex,
  utf8
} from "./chunk-V5HITSAS.js";

// src/identity.js
var PKCS8_ED25519_PREFIX = fromHex("302e020100300506032b657004220420");
function pemBody(text) {
  const match = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
  return match ? fromBase64(match[1].replace(/\s+/g, "")) : null;
}
function pkcs8Of(text) {
  const trimmed = text.trim();
  const pem = pemBody(trimmed);
  if (pem) return pem;
  if (trimmed.startsWith("{")) {
    const document = JSON.parse(trimmed);
    return pkcs8Of(String(document.private_key ?? ""));
  }
  if (/^[0-9a-f]{64}$/.test(trimmed)) return concat(PKCS8_ED25519_PREFIX, fromHex(trimmed));
  throw new Error("expected a PKCS#8 PEM private key, or the 32-byte seed as 64 hex digits");
}
var Identity = class _Identity {
  constructor(privateKey, publicKey) {
    this.privateKey = privateKey;
    this.publicKeyHex = hex(publicKey);
  }
  static async fromPkcs8(der) {
    const extractable = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
    const jwk = await crypto.subtle.exportKey("jwk", extractable);
    const publicKey = fromBase64Url(jwk.x);
    const kept = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
    der.fill(0);
    return new _Identity(kept, publicKey);
  }
  static async parse(text) {
    return _Identity.fromPkcs8(pkcs8Of(text));
  }
  static async generate() {
    const pair = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const publicKey = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
    return new _Identity(pair.privateKey, publicKey);
  }
  async sign(bytes) {
    return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, this.privateKey, bytes));
  }
  async signText(text) {
    return this.sign(utf8(text));
  }
};

export {
  Identity
};
