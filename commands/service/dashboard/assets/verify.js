import {
  COMMAND_DOMAIN,
  EVENT_DOMAIN,
  Failure,
  checkEnvelopes,
  decodeRecord,
  eventHash,
  keyId,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootFromInclusion,
  verifyChain
} from "./chunk-OJYZN3BX.js";
import {
  concat
} from "./chunk-V5HITSAS.js";
export {
  COMMAND_DOMAIN,
  EVENT_DOMAIN,
  Failure,
  checkEnvelopes,
  concat,
  decodeRecord,
  eventHash,
  keyId,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  rootFromInclusion,
  verifyChain
};
