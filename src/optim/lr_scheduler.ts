// `torch.optim.lr_scheduler`: every scheduler behind its PyTorch 1.13 constructor signature, so that
// `StepLR(opt, 2, { gamma: 0.5 })` and `StepLR(opt, { step_size: 2, gamma: 0.5 })` are the same call.

import { bindMethods, type SignedClass, signedClass } from "../signature.ts";
import * as s from "./schedulers.ts";
import { LRScheduler as Base } from "./_scheduler.ts";
import { OneCycleLR as OneCycle } from "./one_cycle_lr.ts";
import { ReduceLROnPlateau as Plateau } from "./reduce_lr_on_plateau.ts";
import * as m from "./schedulers_more.ts";

export type { SchedulerStateDict } from "./_scheduler.ts";
export type { SchedulerOptions } from "./schedulers.ts";
export type { OneCycleLROptions } from "./one_cycle_lr.ts";
export type { ReduceLROnPlateauOptions } from "./reduce_lr_on_plateau.ts";
export type { CyclicLROptions } from "./schedulers_more.ts";

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

const MULTIPLICATIVE_LR_SIG =
  `(optimizer: Optimizer, lr_lambda: callable|callable[], ${EPOCHS})` as const;
/** `MultiplicativeLR(optimizer, lr_lambda)`: lr ← lr × lr_lambda(epoch) every epoch. */
export const MultiplicativeLR: SignedClass<
  typeof MULTIPLICATIVE_LR_SIG,
  typeof m.MultiplicativeLR
> = signedClass(
  "torch.optim.lr_scheduler.MultiplicativeLR",
  MULTIPLICATIVE_LR_SIG,
  m.MultiplicativeLR,
  { emit: 2 },
);
export type MultiplicativeLR = m.MultiplicativeLR;

const CONSTANT_LR_SIG =
  `(optimizer: Optimizer, factor: float = 0.3333333333333333, total_iters: int = 5, ${EPOCHS})` as const;
/** `ConstantLR(optimizer, factor = 1/3, total_iters = 5)`: lr × factor until total_iters. */
export const ConstantLR: SignedClass<
  typeof CONSTANT_LR_SIG,
  typeof m.ConstantLR
> = signedClass(
  "torch.optim.lr_scheduler.ConstantLR",
  CONSTANT_LR_SIG,
  m.ConstantLR,
  { emit: 3 },
);
export type ConstantLR = m.ConstantLR;

const LINEAR_LR_SIG =
  `(optimizer: Optimizer, start_factor: float = 0.3333333333333333, end_factor: float = 1.0, total_iters: int = 5, ${EPOCHS})` as const;
/** `LinearLR(optimizer, start_factor = 1/3, end_factor = 1, total_iters = 5)`: a linear warm-up. */
export const LinearLR: SignedClass<typeof LINEAR_LR_SIG, typeof m.LinearLR> =
  signedClass(
    "torch.optim.lr_scheduler.LinearLR",
    LINEAR_LR_SIG,
    m.LinearLR,
    { emit: 4 },
  );
export type LinearLR = m.LinearLR;

const POLYNOMIAL_LR_SIG =
  `(optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, ${EPOCHS})` as const;
/** `PolynomialLR(optimizer, total_iters = 5, power = 1)`: lr × (1 − epoch/total_iters)^power. */
export const PolynomialLR: SignedClass<
  typeof POLYNOMIAL_LR_SIG,
  typeof m.PolynomialLR
> = signedClass(
  "torch.optim.lr_scheduler.PolynomialLR",
  POLYNOMIAL_LR_SIG,
  m.PolynomialLR,
  { emit: 3 },
);
export type PolynomialLR = m.PolynomialLR;

const COSINE_ANNEALING_WARM_RESTARTS_SIG =
  `(optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0, ${EPOCHS})` as const;
/** `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult = 1, eta_min = 0)`: SGDR. */
export const CosineAnnealingWarmRestarts: SignedClass<
  typeof COSINE_ANNEALING_WARM_RESTARTS_SIG,
  typeof m.CosineAnnealingWarmRestarts
> = signedClass(
  "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts",
  COSINE_ANNEALING_WARM_RESTARTS_SIG,
  m.CosineAnnealingWarmRestarts,
  { emit: 4 },
);
export type CosineAnnealingWarmRestarts = m.CosineAnnealingWarmRestarts;

const CYCLIC_LR_SIG =
  "(optimizer: Optimizer, base_lr: float|float[], max_lr: float|float[], step_size_up: int = 2000, step_size_down: int? = None, mode: str = 'triangular', gamma: float = 1.0, scale_fn: callable? = None, scale_mode: str = 'cycle', cycle_momentum: bool = True, base_momentum: float|float[] = 0.8, max_momentum: float|float[] = 0.9, last_epoch: int = -1, verbose: bool = False)" as const;
/** `CyclicLR(optimizer, base_lr, max_lr, step_size_up = 2000, ...)`: cyclical learning rates. */
export const CyclicLR: SignedClass<typeof CYCLIC_LR_SIG, typeof m.CyclicLR> =
  signedClass(
    "torch.optim.lr_scheduler.CyclicLR",
    CYCLIC_LR_SIG,
    m.CyclicLR,
    { emit: 3 },
  );
export type CyclicLR = m.CyclicLR;

const SEQUENTIAL_LR_SIG =
  `(optimizer: Optimizer, schedulers: object[], milestones: int[], ${EPOCHS})` as const;
/** `SequentialLR(optimizer, schedulers, milestones)`: one scheduler after another. */
export const SequentialLR: SignedClass<
  typeof SEQUENTIAL_LR_SIG,
  typeof m.SequentialLR
> = signedClass(
  "torch.optim.lr_scheduler.SequentialLR",
  SEQUENTIAL_LR_SIG,
  m.SequentialLR,
  { emit: 3 },
);
export type SequentialLR = m.SequentialLR;

const CHAINED_SCHEDULER_SIG = "(schedulers: object[])" as const;
/** `ChainedScheduler(schedulers)`: every scheduler steps each epoch. */
export const ChainedScheduler: SignedClass<
  typeof CHAINED_SCHEDULER_SIG,
  typeof m.ChainedScheduler
> = signedClass(
  "torch.optim.lr_scheduler.ChainedScheduler",
  CHAINED_SCHEDULER_SIG,
  m.ChainedScheduler,
  { emit: "positional" },
);
export type ChainedScheduler = m.ChainedScheduler;

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
    m.MultiplicativeLR,
    m.ConstantLR,
    m.LinearLR,
    m.PolynomialLR,
    m.CosineAnnealingWarmRestarts,
    m.CyclicLR,
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
// SequentialLR and ChainedScheduler step without an epoch, as in PyTorch.
for (const cls of [m.SequentialLR, m.ChainedScheduler]) {
  bindMethods(cls, "torch.optim.lr_scheduler", {
    step: "(self: object)",
    get_lr: "(self: object)",
    state_dict: "(self: object)",
    load_state_dict: "(self: object, state_dict: dict)",
  });
}
bindMethods(m.CyclicLR, "torch.optim.lr_scheduler", {
  scale_fn: "(self: object, x: float)",
});
bindMethods(Plateau, "torch.optim.lr_scheduler", {
  step: "(self: object, metrics: float|Tensor, epoch: int? = None)",
  is_better: "(self: object, a: float, best: float)",
  get_last_lr: "(self: object)",
  state_dict: "(self: object)",
  load_state_dict: "(self: object, state_dict: dict)",
});
