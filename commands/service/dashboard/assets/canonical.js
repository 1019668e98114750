import {
  canonicalJson
} from "./chunk-2BKCRPF2.js";
export {
  canonicalJson
};
