import {
  fieldForm,
  typeable,
  valueOf
} from "./chunk-33FBQ6RG.js";
import "./chunk-NMVH4E44.js";
export {
  fieldForm,
  typeable,
  valueOf
};
