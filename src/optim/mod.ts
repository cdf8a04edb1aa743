// `torch.optim`: optimizers and learning-rate schedulers, each behind its PyTorch 1.13 constructor
// signature (every hyperparameter positionally or by name).

import { bindMethods, signedClass } from "../signature.ts";
import { Optimizer as Base } from "./optimizer.ts";
import { SGD as SGDImpl } from "./sgd.ts";
import { Adam as AdamImpl, AdamW as AdamWImpl } from "./adam.ts";
import { RMSprop as RMSpropImpl } from "./rmsprop.ts";
import { Adagrad as AdagradImpl } from "./adagrad.ts";

export {
  type Closure,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type ParamState,
  required,
  type StateValue,
} from "./optimizer.ts";
export type { SGDOptions } from "./sgd.ts";
export type { AdamOptions } from "./adam.ts";
export type { RMSpropOptions } from "./rmsprop.ts";
export type { AdagradOptions } from "./adagrad.ts";
/** `torch.optim.lr_scheduler`: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, OneCycleLR, ReduceLROnPlateau. */
export * as lr_scheduler from "./lr_scheduler.ts";

/** The base class: `Optimizer(params, defaults)`. */
export const Optimizer = signedClass(
  "torch.optim.Optimizer",
  "(params: params, defaults: dict)",
  Base,
  { emit: "positional" },
);
// deno-lint-ignore no-explicit-any
export type Optimizer<H extends object = any> = Base<H>;

/**
 * `optim.SGD(params, lr, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false, *,
 * maximize = false)`.
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 */
export const SGD = signedClass(
  "torch.optim.SGD",
  "(params: params, lr: float = required, momentum: float = 0, dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: bool? = None, differentiable: bool = False)",
  SGDImpl,
);
export type SGD = SGDImpl;

/** `optim.Adam(params, lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, amsgrad = false)`. */
export const Adam = signedClass(
  "torch.optim.Adam",
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool? = None, maximize: bool = False, capturable: bool = False, differentiable: bool = False, fused: bool = False)",
  AdamImpl,
);
export type Adam = AdamImpl;

/** `optim.AdamW(params, lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 1e-2, amsgrad = false)`. */
export const AdamW = signedClass(
  "torch.optim.AdamW",
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0.01, amsgrad: bool = False, *, maximize: bool = False, foreach: bool? = None, capturable: bool = False)",
  AdamWImpl,
);
export type AdamW = AdamWImpl;

/** `optim.RMSprop(params, lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0, centered = false)`. */
export const RMSprop = signedClass(
  "torch.optim.RMSprop",
  "(params: params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-08, weight_decay: float = 0, momentum: float = 0, centered: bool = False, foreach: bool? = None, maximize: bool = False, differentiable: bool = False)",
  RMSpropImpl,
);
export type RMSprop = RMSpropImpl;

/** `optim.Adagrad(params, lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10)`. */
export const Adagrad = signedClass(
  "torch.optim.Adagrad",
  "(params: params, lr: float = 0.01, lr_decay: float = 0, weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool? = None, *, maximize: bool = False)",
  AdagradImpl,
);
export type Adagrad = AdagradImpl;

// The optimizers' methods, bound in place where each class defines them.
for (
  const cls of [Base, SGDImpl, AdamImpl, AdamWImpl, RMSpropImpl, AdagradImpl]
) {
  bindMethods(cls, "torch.optim", {
    zero_grad: { sig: "(self: Optimizer, set_to_none: bool = False)", emit: 1 },
    step: "(self: Optimizer, closure: callable? = None)",
    add_param_group: "(self: Optimizer, param_group: dict)",
    state_dict: "(self: Optimizer)",
    load_state_dict: "(self: Optimizer, state_dict: dict)",
  });
}
