/** The SKMS TypeScript client: hand-written signing beside the generated REST API. */
export * from "./canonical";
export * from "./client";
export * from "./command";
export * from "./httpsig";
export * from "./identity";
export * from "./transport";
export * as api from "../generated";
