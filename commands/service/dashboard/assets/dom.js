import {
  append,
  h,
  message,
  table,
  when
} from "./chunk-NMVH4E44.js";
export {
  append,
  h,
  message,
  table,
  when
};
