import {
  parseMessages,
  thresholdPage
} from "./chunk-FG2JZNR6.js";
import "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
import "./chunk-33FBQ6RG.js";
import "./chunk-NMVH4E44.js";
export {
  parseMessages,
  thresholdPage
};
