// `torch.optim`: optimizers and learning-rate schedulers, each behind its PyTorch 1.13 constructor
// signature (every hyperparameter positionally or by name).

import { bindMethods, type SignedClass, signedClass } from "../signature.ts";
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

const OPTIMIZER_SIG = "(params: params, defaults: dict)" as const;
/** The base class: `Optimizer(params, defaults)`. */
export const Optimizer: SignedClass<typeof OPTIMIZER_SIG, typeof Base> =
  signedClass(
    "torch.optim.Optimizer",
    OPTIMIZER_SIG,
    Base,
    { emit: "positional" },
  );
// deno-lint-ignore no-explicit-any
export type Optimizer<H extends object = any> = Base<H>;

const S_G_D_SIG =
  "(params: params, lr: float = required, momentum: float = 0, dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *, maximize: bool = False, foreach: bool? = None, differentiable: bool = False)" as const;
/**
 * `optim.SGD(params, lr, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false, *,
 * maximize = false)`.
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 */
export const SGD: SignedClass<typeof S_G_D_SIG, typeof SGDImpl> = signedClass(
  "torch.optim.SGD",
  S_G_D_SIG,
  SGDImpl,
);
export type SGD = SGDImpl;

const ADAM_SIG =
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0, amsgrad: bool = False, *, foreach: bool? = None, maximize: bool = False, capturable: bool = False, differentiable: bool = False, fused: bool = False)" as const;
/** `optim.Adam(params, lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, amsgrad = false)`. */
export const Adam: SignedClass<typeof ADAM_SIG, typeof AdamImpl> = signedClass(
  "torch.optim.Adam",
  ADAM_SIG,
  AdamImpl,
);
export type Adam = AdamImpl;

const ADAM_W_SIG =
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0.01, amsgrad: bool = False, *, maximize: bool = False, foreach: bool? = None, capturable: bool = False)" as const;
/** `optim.AdamW(params, lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 1e-2, amsgrad = false)`. */
export const AdamW: SignedClass<typeof ADAM_W_SIG, typeof AdamWImpl> =
  signedClass(
    "torch.optim.AdamW",
    ADAM_W_SIG,
    AdamWImpl,
  );
export type AdamW = AdamWImpl;

const R_M_SPROP_SIG =
  "(params: params, lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-08, weight_decay: float = 0, momentum: float = 0, centered: bool = False, foreach: bool? = None, maximize: bool = False, differentiable: bool = False)" as const;
/** `optim.RMSprop(params, lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0, centered = false)`. */
export const RMSprop: SignedClass<typeof R_M_SPROP_SIG, typeof RMSpropImpl> =
  signedClass(
    "torch.optim.RMSprop",
    R_M_SPROP_SIG,
    RMSpropImpl,
  );
export type RMSprop = RMSpropImpl;

const ADAGRAD_SIG =
  "(params: params, lr: float = 0.01, lr_decay: float = 0, weight_decay: float = 0, initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: bool? = None, *, maximize: bool = False)" as const;
/** `optim.Adagrad(params, lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10)`. */
export const Adagrad: SignedClass<typeof ADAGRAD_SIG, typeof AdagradImpl> =
  signedClass(
    "torch.optim.Adagrad",
    ADAGRAD_SIG,
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
