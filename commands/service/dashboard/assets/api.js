import {
  ApiError,
  COMMAND_DOMAIN,
  SIGN_IN_DOMAIN,
  buildable,
  chainOf,
  commandSpec,
  loadCatalogue,
  loadSchemas,
  may,
  outcomeText,
  read,
  readSpec,
  request,
  runCommand,
  signIn,
  signInWithCertificate,
  signOut,
  state
} from "./chunk-SN7T3YMA.js";
import "./chunk-V5HITSAS.js";
import "./chunk-2BKCRPF2.js";
export {
  ApiError,
  COMMAND_DOMAIN,
  SIGN_IN_DOMAIN,
  buildable,
  chainOf,
  commandSpec,
  loadCatalogue,
  loadSchemas,
  may,
  outcomeText,
  read,
  readSpec,
  request,
  runCommand,
  signIn,
  signInWithCertificate,
  signOut,
  state
};
