// The epoch schedulers StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR and LambdaLR (their public,
// signature-bound forms are in lr_scheduler.ts); OneCycleLR and ReduceLROnPlateau in their own files.

import { ValueError } from "../errors.ts";
import {
  type AnyOptimizer,
  BUILTIN_SCHEDULERS,
  LRScheduler,
  type SchedulerStateDict,
} from "./_scheduler.ts";

/** Options every epoch scheduler takes. */
export interface SchedulerOptions {
  /** The index of the last epoch when resuming; -1 (the default) starts afresh. */
  last_epoch?: number;
  /** Print each update. */
  verbose?: boolean;
}

/**
 * `LambdaLR(optimizer, lr_lambda)`: lr = initial lr × lr_lambda(epoch); one function for all groups
 * or one per group.
 * @example
 * const sched = new optim.lr_scheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  /** One factor function per group. */
  lr_lambdas: ((epoch: number) => number)[];

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    lr_lambda: ((epoch: number) => number) | ((epoch: number) => number)[],
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    const n = optimizer.param_groups.length;
    if (!Array.isArray(lr_lambda)) this.lr_lambdas = Array(n).fill(lr_lambda);
    else if (lr_lambda.length !== n) {
      throw new ValueError(
        `Expected ${n} lr_lambdas, but got ${lr_lambda.length}`,
      );
    } else this.lr_lambdas = [...lr_lambda];
    this._initial_step();
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    return this.base_lrs.map((base, i) =>
      base * this.lr_lambdas[i](this.last_epoch)
    );
  }

  /** As PyTorch: the lambdas themselves are not saved (`lr_lambdas` holds one null per group). */
  override state_dict(): SchedulerStateDict {
    const sd = super.state_dict();
    sd.lr_lambdas = this.lr_lambdas.map(() => null);
    return sd;
  }

  /** Restores the saved attributes (the lambdas stay as they are). */
  override load_state_dict(state_dict: SchedulerStateDict): void {
    const { lr_lambdas: _, ...rest } = state_dict;
    super.load_state_dict(rest);
  }
}

/**
 * `StepLR(optimizer, step_size, gamma = 0.1)`: multiplies every group's lr by gamma every
 * step_size epochs.
 * @example
 * const sched = new optim.lr_scheduler.StepLR(opt, 30, 0.1);
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  /** Epochs between decays. */
  step_size: number;
  /** Decay factor. */
  gamma: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    step_size: number,
    gamma = 0.1,
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    this.step_size = step_size;
    this.gamma = gamma;
    this._initial_step();
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    if (this.last_epoch === 0 || this.last_epoch % this.step_size !== 0) {
      return this.groups.map((g) => g.lr);
    }
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) =>
      b * this.gamma ** Math.floor(this.last_epoch / this.step_size)
    );
  }
}

/**
 * `MultiStepLR(optimizer, milestones, gamma = 0.1)`: multiplies the lr by gamma at each milestone
 * epoch (by gamma^k for a milestone listed k times).
 * @example
 * const sched = new optim.lr_scheduler.MultiStepLR(opt, [30, 80], 0.1);
 */
export class MultiStepLR extends LRScheduler {
  /** PyTorch's Counter: milestone epoch to how many times it was listed. */
  milestones: Record<number, number>;
  /** Decay factor. */
  gamma: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    milestones: number[],
    gamma = 0.1,
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    this.milestones = {};
    for (const m of milestones) {
      this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    }
    this.gamma = gamma;
    this._initial_step();
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    const k = this.milestones[this.last_epoch];
    if (k === undefined) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma ** k);
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    let passed = 0;
    for (const [m, k] of Object.entries(this.milestones)) {
      if (Number(m) <= this.last_epoch) passed += k;
    }
    return this.base_lrs.map((b) => b * this.gamma ** passed);
  }
}

/**
 * `ExponentialLR(optimizer, gamma)`: multiplies the lr by gamma every epoch.
 * @example
 * const sched = new optim.lr_scheduler.ExponentialLR(opt, 0.9);
 */
export class ExponentialLR extends LRScheduler {
  /** Decay factor. */
  gamma: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    gamma: number,
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    this.gamma = gamma;
    this._initial_step();
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    if (this.last_epoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) => b * this.gamma ** this.last_epoch);
  }
}

/**
 * `CosineAnnealingLR(optimizer, T_max, eta_min = 0)`: cosine annealing from the initial lr to
 * eta_min over T_max epochs (and back, periodically), computed as PyTorch 1.13 does: recursively
 * from the current lr, so that changes made to the lr from outside carry through.
 * @example
 * const sched = new optim.lr_scheduler.CosineAnnealingLR(opt, 50, 1e-5);
 */
export class CosineAnnealingLR extends LRScheduler {
  /** Half period, in epochs. */
  T_max: number;
  /** Minimum learning rate. */
  eta_min: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    T_max: number,
    eta_min = 0,
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    this.T_max = T_max;
    this.eta_min = eta_min;
    this._initial_step();
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    const { last_epoch: e, T_max: T, eta_min } = this;
    if (e === 0) return this.groups.map((g) => g.lr);
    if (this._step_count === 1 && e > 0) {
      return this.base_lrs.map((b) =>
        eta_min + (b - eta_min) * (1 + Math.cos(e * Math.PI / T)) / 2
      );
    }
    if (pyMod(e - 1 - T, 2 * T) === 0) {
      return this.groups.map((g, i) =>
        g.lr + (this.base_lrs[i] - eta_min) * (1 - Math.cos(Math.PI / T)) / 2
      );
    }
    return this.groups.map((g) =>
      (1 + Math.cos(Math.PI * e / T)) / (1 + Math.cos(Math.PI * (e - 1) / T)) *
        (g.lr - eta_min) + eta_min
    );
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    return this.base_lrs.map((b) =>
      this.eta_min +
      (b - this.eta_min) *
        (1 + Math.cos(Math.PI * this.last_epoch / this.T_max)) / 2
    );
  }
}

/** Python's `%`: the result takes the divisor's sign. */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

for (
  const c of [LambdaLR, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR]
) BUILTIN_SCHEDULERS.add(c);
