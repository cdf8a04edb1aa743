// `torch.nn`: modules, layers, losses, functional, init and utils.

export { Module, type RemovableHandle, type StateDict } from "./module.ts";
export { Parameter } from "./parameter.ts";
export * as functional from "./functional.ts";
export * as init from "./init.ts";
export * as utils from "./utils.ts";
export * from "./losses.ts";
