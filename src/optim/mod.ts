// `torch.optim`: optimizers and learning-rate schedulers, each behind its PyTorch 1.13 constructor
// signature (every hyperparameter positionally or by name).

import { bindMethods, type SignedClass, signedClass } from "../signature.ts";
import { Optimizer as Base } from "./optimizer.ts";
import { SGD as SGDImpl } from "./sgd.ts";
import { Adam as AdamImpl, AdamW as AdamWImpl } from "./adam.ts";
import { RMSprop as RMSpropImpl } from "./rmsprop.ts";
import { Adagrad as AdagradImpl } from "./adagrad.ts";
import { Adadelta as AdadeltaImpl } from "./adadelta.ts";
import { Adamax as AdamaxImpl } from "./adamax.ts";
import {
  NAdam as NAdamImpl,
  RAdam as RAdamImpl,
  SparseAdam as SparseAdamImpl,
} from "./nadam.ts";
import { ASGD as ASGDImpl, Rprop as RpropImpl } from "./rprop.ts";
import { LBFGS as LBFGSImpl } from "./lbfgs.ts";

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
export type { AdadeltaOptions } from "./adadelta.ts";
export type { AdamaxOptions } from "./adamax.ts";
export type { NAdamOptions, RAdamOptions, SparseAdamOptions } from "./nadam.ts";
export type { ASGDOptions, RpropOptions } from "./rprop.ts";
export type { LBFGSOptions } from "./lbfgs.ts";
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

const ADADELTA_SIG =
  "(params: params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-06, weight_decay: float = 0, foreach: bool? = None, *, maximize: bool = False)" as const;
/** `optim.Adadelta(params, lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0)`. */
export const Adadelta: SignedClass<typeof ADADELTA_SIG, typeof AdadeltaImpl> =
  signedClass("torch.optim.Adadelta", ADADELTA_SIG, AdadeltaImpl);
export type Adadelta = AdadeltaImpl;

const ADAMAX_SIG =
  "(params: params, lr: float = 0.002, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0, foreach: bool? = None, *, maximize: bool = False)" as const;
/** `optim.Adamax(params, lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0)`. */
export const Adamax: SignedClass<typeof ADAMAX_SIG, typeof AdamaxImpl> =
  signedClass("torch.optim.Adamax", ADAMAX_SIG, AdamaxImpl);
export type Adamax = AdamaxImpl;

const N_ADAM_SIG =
  "(params: params, lr: float = 0.002, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0, momentum_decay: float = 0.004, foreach: bool? = None)" as const;
/** `optim.NAdam(params, lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0, momentum_decay = 4e-3)`. */
export const NAdam: SignedClass<typeof N_ADAM_SIG, typeof NAdamImpl> =
  signedClass("torch.optim.NAdam", N_ADAM_SIG, NAdamImpl);
export type NAdam = NAdamImpl;

const R_ADAM_SIG =
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, weight_decay: float = 0, foreach: bool? = None)" as const;
/** `optim.RAdam(params, lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0)`. */
export const RAdam: SignedClass<typeof R_ADAM_SIG, typeof RAdamImpl> =
  signedClass("torch.optim.RAdam", R_ADAM_SIG, RAdamImpl);
export type RAdam = RAdamImpl;

const RPROP_SIG =
  "(params: params, lr: float = 0.01, etas: float[] = (0.5,1.2), step_sizes: float[] = (1e-06,50), foreach: bool? = None, maximize: bool = False)" as const;
/** `optim.Rprop(params, lr = 1e-2, etas = (0.5, 1.2), step_sizes = (1e-6, 50))`. */
export const Rprop: SignedClass<typeof RPROP_SIG, typeof RpropImpl> =
  signedClass("torch.optim.Rprop", RPROP_SIG, RpropImpl);
export type Rprop = RpropImpl;

const A_S_G_D_SIG =
  "(params: params, lr: float = 0.01, lambd: float = 0.0001, alpha: float = 0.75, t0: float = 1000000.0, weight_decay: float = 0, foreach: bool? = None, maximize: bool = False)" as const;
/** `optim.ASGD(params, lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0)`. */
export const ASGD: SignedClass<typeof A_S_G_D_SIG, typeof ASGDImpl> =
  signedClass("torch.optim.ASGD", A_S_G_D_SIG, ASGDImpl);
export type ASGD = ASGDImpl;

const SPARSE_ADAM_SIG =
  "(params: params, lr: float = 0.001, betas: float[] = (0.9,0.999), eps: float = 1e-08, maximize: bool = False)" as const;
/** `optim.SparseAdam(params, lr = 1e-3, betas, eps)`: step() raises for dense gradients, as PyTorch. */
export const SparseAdam: SignedClass<
  typeof SPARSE_ADAM_SIG,
  typeof SparseAdamImpl
> = signedClass("torch.optim.SparseAdam", SPARSE_ADAM_SIG, SparseAdamImpl);
export type SparseAdam = SparseAdamImpl;

const L_B_F_G_S_SIG =
  "(params: params, lr: float = 1, max_iter: int = 20, max_eval: int? = None, tolerance_grad: float = 1e-07, tolerance_change: float = 1e-09, history_size: int = 100, line_search_fn: str? = None)" as const;
/** `optim.LBFGS(params, lr = 1, max_iter = 20, ..., line_search_fn = None)`; `step(closure)`. */
export const LBFGS: SignedClass<typeof L_B_F_G_S_SIG, typeof LBFGSImpl> =
  signedClass("torch.optim.LBFGS", L_B_F_G_S_SIG, LBFGSImpl);
export type LBFGS = LBFGSImpl;

// The optimizers' methods, bound in place where each class defines them.
for (
  const cls of [
    Base,
    SGDImpl,
    AdamImpl,
    AdamWImpl,
    RMSpropImpl,
    AdagradImpl,
    AdadeltaImpl,
    AdamaxImpl,
    NAdamImpl,
    RAdamImpl,
    RpropImpl,
    ASGDImpl,
    SparseAdamImpl,
  ]
) {
  bindMethods(cls, "torch.optim", {
    zero_grad: { sig: "(self: Optimizer, set_to_none: bool = False)", emit: 1 },
    step: "(self: Optimizer, closure: callable? = None)",
    add_param_group: "(self: Optimizer, param_group: dict)",
    state_dict: "(self: Optimizer)",
    load_state_dict: "(self: Optimizer, state_dict: dict)",
  });
}

// LBFGS's step needs its closure.
bindMethods(LBFGSImpl, "torch.optim", {
  step: "(self: Optimizer, closure: callable)",
});
