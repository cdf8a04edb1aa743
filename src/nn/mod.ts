// `torch.nn`: modules, layers, losses, functional, init and utils.

export { Module, type RemovableHandle, type StateDict } from "./module.ts";
export { Parameter } from "./parameter.ts";
/** `torch.nn.functional` (F): the layers as functions. */
export * as functional from "./functional.ts";
/** `torch.nn.init`: in-place initialisers with PyTorch's draws. */
export * as init from "./init.ts";
/** `torch.nn.utils`: gradient clipping and parameter helpers. */
export * as utils from "./utils.ts";
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from "./modules/loss.ts";
export * from "./modules/mod.ts";
