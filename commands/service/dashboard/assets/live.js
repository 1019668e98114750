import {
  connect,
  disconnect,
  live,
  mayWatch,
  onLive,
  pinKey,
  pinnedKey,
  setBadge,
  verifyNow
} from "./chunk-PJENLBNQ.js";
import "./chunk-OJYZN3BX.js";
import "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
export {
  connect,
  disconnect,
  live,
  mayWatch,
  onLive,
  pinKey,
  pinnedKey,
  setBadge,
  verifyNow
};
