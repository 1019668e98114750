import {
  Identity
} from "./chunk-RLZIXYEF.js";
import "./chunk-V5HITSAS.js";
export {
  Identity
};
