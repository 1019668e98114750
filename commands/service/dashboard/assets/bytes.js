import {
  base64,
  concat,
  ed25519Verify,
  equal,
  fromBase64,
  fromBase64Url,
  fromHex,
  hex,
  sha256,
  utf8
} from "./chunk-V5HITSAS.js";
export {
  base64,
  concat,
  ed25519Verify,
  equal,
  fromBase64,
  fromBase64Url,
  fromHex,
  hex,
  sha256,
  utf8
};
