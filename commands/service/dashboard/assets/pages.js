import {
  aggregate,
  chainsPage,
  checkpointsPage,
  healthPage,
  keyPage,
  keysPage,
  reportsPage,
  timelinePage
} from "./chunk-RFVC3EAV.js";
import "./chunk-PJENLBNQ.js";
import "./chunk-OJYZN3BX.js";
import "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
import "./chunk-R7DWQ3ST.js";
import "./chunk-33FBQ6RG.js";
import "./chunk-NMVH4E44.js";
export {
  aggregate,
  chainsPage,
  checkpointsPage,
  healthPage,
  keyPage,
  keysPage,
  reportsPage,
  timelinePage
};
