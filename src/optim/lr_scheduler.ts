// `torch.optim.lr_scheduler`: every scheduler behind its PyTorch 1.13 constructor signature, so that
// `StepLR(opt, 2, { gamma: 0.5 })` and `StepLR(opt, { step_size: 2, gamma: 0.5 })` are the same call.

import { bindMethods, type SignedClass, signedClass } from "../signature.ts";
import * as s from "./schedulers.ts";
import { LRScheduler as Base } from "./_scheduler.ts";
import { OneCycleLR as OneCycle } from "./one_cycle_lr.ts";
import { ReduceLROnPlateau as Plateau } from "./reduce_lr_on_plateau.ts";

export type { SchedulerStateDict } from "./_scheduler.ts";
export type { SchedulerOptions } from "./schedulers.ts";
export type { OneCycleLROptions } from "./one_cycle_lr.ts";
export type { ReduceLROnPlateauOptions } from "./reduce_lr_on_plateau.ts";

const EPOCHS = "last_epoch: int = -1, verbose: bool = False";

const BASE_SIG = `(optimizer: Optimizer, ${EPOCHS})` as const;
/** The base of the epoch schedulers: `LRScheduler(optimizer, last_epoch = -1, verbose = false)`. */
export const LRScheduler: SignedClass<typeof BASE_SIG, typeof Base> =
  signedClass(
    "torch.optim.lr_scheduler.LRScheduler",
    BASE_SIG,
    Base,
    { emit: "positional" },
  );
export type LRScheduler = Base;
/** PyTorch 1.13's name for LRScheduler. */
export const _LRScheduler: SignedClass<typeof BASE_SIG, typeof Base> =
  signedClass(
    "torch.optim.lr_scheduler._LRScheduler",
    BASE_SIG,
    Base,
    { emit: "positional" },
  );
export type _LRScheduler = Base;

const LAMBDA_LR_SIG =
  `(optimizer: Optimizer, lr_lambda: callable|callable[], ${EPOCHS})` as const;
/**
 * `LambdaLR(optimizer, lr_lambda, last_epoch = -1, verbose = false)`: lr = initial lr ×
 * lr_lambda(epoch); one function for all groups or one per group.
 * @example
 * const sched = new optim.lr_scheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export const LambdaLR: SignedClass<typeof LAMBDA_LR_SIG, typeof s.LambdaLR> =
  signedClass(
    "torch.optim.lr_scheduler.LambdaLR",
    LAMBDA_LR_SIG,
    s.LambdaLR,
    { emit: 2 },
  );
export type LambdaLR = s.LambdaLR;

const STEP_LR_SIG =
  `(optimizer: Optimizer, step_size: int, gamma: float = 0.1, ${EPOCHS})` as const;
/**
 * `StepLR(optimizer, step_size, gamma = 0.1, last_epoch = -1, verbose = false)`: multiplies every
 * group's lr by gamma every step_size epochs.
 * @example
 * const sched = new optim.lr_scheduler.StepLR(opt, 30, { gamma: 0.1 });
 */
export const StepLR: SignedClass<typeof STEP_LR_SIG, typeof s.StepLR> =
  signedClass(
    "torch.optim.lr_scheduler.StepLR",
    STEP_LR_SIG,
    s.StepLR,
    { emit: 3 },
  );
export type StepLR = s.StepLR;

const MULTI_STEP_LR_SIG =
  `(optimizer: Optimizer, milestones: int[], gamma: float = 0.1, ${EPOCHS})` as const;
/**
 * `MultiStepLR(optimizer, milestones, gamma = 0.1, last_epoch = -1, verbose = false)`: multiplies
 * the lr by gamma at each milestone epoch.
 * @example
 * const sched = new optim.lr_scheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 */
export const MultiStepLR: SignedClass<
  typeof MULTI_STEP_LR_SIG,
  typeof s.MultiStepLR
> = signedClass(
  "torch.optim.lr_scheduler.MultiStepLR",
  MULTI_STEP_LR_SIG,
  s.MultiStepLR,
  { emit: 3 },
);
export type MultiStepLR = s.MultiStepLR;

const EXPONENTIAL_LR_SIG =
  `(optimizer: Optimizer, gamma: float, ${EPOCHS})` as const;
/**
 * `ExponentialLR(optimizer, gamma, last_epoch = -1, verbose = false)`: multiplies the lr by gamma
 * every epoch.
 * @example
 * const sched = new optim.lr_scheduler.ExponentialLR(opt, 0.9);
 */
export const ExponentialLR: SignedClass<
  typeof EXPONENTIAL_LR_SIG,
  typeof s.ExponentialLR
> = signedClass(
  "torch.optim.lr_scheduler.ExponentialLR",
  EXPONENTIAL_LR_SIG,
  s.ExponentialLR,
  { emit: 2 },
);
export type ExponentialLR = s.ExponentialLR;

const COSINE_ANNEALING_LR_SIG =
  `(optimizer: Optimizer, T_max: int, eta_min: float = 0, ${EPOCHS})` as const;
/**
 * `CosineAnnealingLR(optimizer, T_max, eta_min = 0, last_epoch = -1, verbose = false)`: cosine
 * annealing from the initial lr to eta_min over T_max epochs.
 * @example
 * const sched = new optim.lr_scheduler.CosineAnnealingLR(opt, 50, { eta_min: 1e-5 });
 */
export const CosineAnnealingLR: SignedClass<
  typeof COSINE_ANNEALING_LR_SIG,
  typeof s.CosineAnnealingLR
> = signedClass(
  "torch.optim.lr_scheduler.CosineAnnealingLR",
  COSINE_ANNEALING_LR_SIG,
  s.CosineAnnealingLR,
  { emit: 3 },
);
export type CosineAnnealingLR = s.CosineAnnealingLR;

const ONE_CYCLE_LR_SIG =
  "(optimizer: Optimizer, max_lr: float|float[], total_steps: int? = None, epochs: int? = None, steps_per_epoch: int? = None, pct_start: float = 0.3, anneal_strategy: str = 'cos', cycle_momentum: bool = True, base_momentum: float|float[] = 0.85, max_momentum: float|float[] = 0.95, div_factor: float = 25.0, final_div_factor: float = 10000.0, three_phase: bool = False, last_epoch: int = -1, verbose: bool = False)" as const;
/** `OneCycleLR(optimizer, max_lr, total_steps = None, epochs = None, ...)`: the 1cycle policy. */
export const OneCycleLR: SignedClass<
  typeof ONE_CYCLE_LR_SIG,
  typeof OneCycle
> = signedClass(
  "torch.optim.lr_scheduler.OneCycleLR",
  ONE_CYCLE_LR_SIG,
  OneCycle,
);
export type OneCycleLR = OneCycle;

const REDUCE_LR_ON_PLATEAU_SIG =
  "(optimizer: Optimizer, mode: str = 'min', factor: float = 0.1, patience: int = 10, threshold: float = 0.0001, threshold_mode: str = 'rel', cooldown: int = 0, min_lr: float|float[] = 0, eps: float = 1e-08, verbose: bool = False)" as const;
/** `ReduceLROnPlateau(optimizer, mode = 'min', factor = 0.1, patience = 10, ...)`. */
export const ReduceLROnPlateau: SignedClass<
  typeof REDUCE_LR_ON_PLATEAU_SIG,
  typeof Plateau
> = signedClass(
  "torch.optim.lr_scheduler.ReduceLROnPlateau",
  REDUCE_LR_ON_PLATEAU_SIG,
  Plateau,
);
export type ReduceLROnPlateau = Plateau;

// The schedulers' methods, bound in place where each class defines them.
for (
  const cls of [
    Base,
    s.LambdaLR,
    s.StepLR,
    s.MultiStepLR,
    s.ExponentialLR,
    s.CosineAnnealingLR,
    OneCycle,
  ]
) {
  bindMethods(cls, "torch.optim.lr_scheduler", {
    step: "(self: object, epoch: int? = None)",
    get_lr: "(self: object)",
    get_last_lr: "(self: object)",
    state_dict: "(self: object)",
    load_state_dict: "(self: object, state_dict: dict)",
  });
}
bindMethods(Plateau, "torch.optim.lr_scheduler", {
  step: "(self: object, metrics: float|Tensor, epoch: int? = None)",
  is_better: "(self: object, a: float, best: float)",
  get_last_lr: "(self: object)",
  state_dict: "(self: object)",
  load_state_dict: "(self: object, state_dict: dict)",
});
