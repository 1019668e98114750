import {
  approvalsPage,
  checkHeld
} from "./chunk-AS6V4IEX.js";
import "./chunk-PJENLBNQ.js";
import "./chunk-OJYZN3BX.js";
import "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
import "./chunk-NMVH4E44.js";
export {
  approvalsPage,
  checkHeld
};
