// The schedulers issue 17 adds: MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR,
// CosineAnnealingWarmRestarts, CyclicLR, and the combinators SequentialLR and ChainedScheduler,
// each computed as PyTorch 1.13 does (recursively from the current lr, with the closed form
// `step(epoch)` uses where PyTorch has one).

import { ValueError } from "../errors.ts";
import {
  type AnyOptimizer,
  BUILTIN_SCHEDULERS,
  LRScheduler,
  type SchedulerStateDict,
} from "./_scheduler.ts";
import type { SchedulerOptions } from "./schedulers.ts";

type Lambda = (epoch: number) => number;

/**
 * `MultiplicativeLR(optimizer, lr_lambda)`: lr ← lr × lr_lambda(epoch) each epoch after the
 * first; one function for all groups or one per group.
 * @example
 * const sched = new optim.lr_scheduler.MultiplicativeLR(opt, () => 0.95);
 */
export class MultiplicativeLR extends LRScheduler {
  /** One factor function per group. */
  lr_lambdas: Lambda[];

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    lr_lambda: Lambda | Lambda[],
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

  /** The learning rates for `last_epoch`. */
  get_lr(): number[] {
    if (this.last_epoch <= 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g, i) =>
      g.lr * this.lr_lambdas[i](this.last_epoch)
    );
  }

  /** As PyTorch: the lambdas themselves are not saved. */
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
 * `ConstantLR(optimizer, factor = 1/3, total_iters = 5)`: the lr times `factor` until epoch
 * `total_iters`, then the lr itself.
 * @example
 * const warmup = new optim.lr_scheduler.ConstantLR(opt, { factor: 0.5, total_iters: 4 });
 */
export class ConstantLR extends LRScheduler {
  /** The factor applied until `total_iters`. */
  factor: number;
  /** How many epochs the factor lasts. */
  total_iters: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    factor = 1 / 3,
    total_iters = 5,
    opts: SchedulerOptions = {},
  ) {
    if (factor > 1 || factor < 0) {
      throw new ValueError(
        "Constant multiplicative factor expected to be between 0 and 1.",
      );
    }
    super(optimizer, opts.last_epoch, opts.verbose);
    this.factor = factor;
    this.total_iters = total_iters;
    this._initial_step();
  }

  /** The learning rates for `last_epoch`. */
  get_lr(): number[] {
    if (this.last_epoch === 0) {
      return this.groups.map((g) => g.lr * this.factor);
    }
    if (this.last_epoch !== this.total_iters) {
      return this.groups.map((g) => g.lr);
    }
    return this.groups.map((g) => g.lr * (1 / this.factor));
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    const done = this.last_epoch >= this.total_iters ? 1 : 0;
    return this.base_lrs.map((b) =>
      b * (this.factor + done * (1 - this.factor))
    );
  }
}

/**
 * `LinearLR(optimizer, start_factor = 1/3, end_factor = 1, total_iters = 5)`: the lr's factor goes
 * linearly from `start_factor` to `end_factor` over `total_iters` epochs (a warm-up).
 * @example
 * const warmup = new optim.lr_scheduler.LinearLR(opt, { start_factor: 0.1, total_iters: 10 });
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0. */
  start_factor: number;
  /** The factor from `total_iters` on. */
  end_factor: number;
  /** How many epochs the ramp lasts. */
  total_iters: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    start_factor = 1 / 3,
    end_factor = 1,
    total_iters = 5,
    opts: SchedulerOptions = {},
  ) {
    if (start_factor > 1 || start_factor < 0) {
      throw new ValueError(
        "Starting multiplicative factor expected to be between 0 and 1.",
      );
    }
    if (end_factor > 1 || end_factor < 0) {
      throw new ValueError(
        "Ending multiplicative factor expected to be between 0 and 1.",
      );
    }
    super(optimizer, opts.last_epoch, opts.verbose);
    this.start_factor = start_factor;
    this.end_factor = end_factor;
    this.total_iters = total_iters;
    this._initial_step();
  }

  /** The learning rates for `last_epoch`. */
  get_lr(): number[] {
    const { last_epoch: e, start_factor: s, end_factor: f, total_iters: n } =
      this;
    if (e === 0) return this.groups.map((g) => g.lr * s);
    if (e > n) return this.groups.map((g) => g.lr);
    return this.groups.map((g) =>
      g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s)))
    );
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    const { last_epoch: e, start_factor: s, end_factor: f, total_iters: n } =
      this;
    return this.base_lrs.map((b) => b * (s + ((f - s) * Math.min(n, e)) / n));
  }
}

/**
 * `PolynomialLR(optimizer, total_iters = 5, power = 1)`: the lr decays as
 * (1 − epoch/total_iters)^power, reaching 0 at `total_iters`.
 * @example
 * const sched = new optim.lr_scheduler.PolynomialLR(opt, { total_iters: 100, power: 2 });
 */
export class PolynomialLR extends LRScheduler {
  /** How many epochs the decay lasts. */
  total_iters: number;
  /** The power of the polynomial. */
  power: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    total_iters = 5,
    power = 1,
    opts: SchedulerOptions = {},
  ) {
    super(optimizer, opts.last_epoch, opts.verbose);
    this.total_iters = total_iters;
    this.power = power;
    this._initial_step();
  }

  /** The learning rates for `last_epoch`. */
  get_lr(): number[] {
    const { last_epoch: e, total_iters: n } = this;
    if (e === 0 || e > n) return this.groups.map((g) => g.lr);
    const decay = ((1 - e / n) / (1 - (e - 1) / n)) ** this.power;
    return this.groups.map((g) => g.lr * decay);
  }

  /** The closed form `step(epoch)` uses. */
  override _get_closed_form_lr(): number[] {
    const { last_epoch: e, total_iters: n } = this;
    return this.base_lrs.map((b) => b * (1 - Math.min(n, e) / n) ** this.power);
  }
}

/**
 * `CosineAnnealingWarmRestarts(optimizer, T_0, T_mult = 1, eta_min = 0)`: cosine annealing from
 * each group's initial lr to `eta_min` over T_i epochs, restarting after each period, the
 * period growing by `T_mult` (SGDR). `step(epoch)` takes fractional epochs, as in PyTorch.
 * @example
 * const sched = new optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 10, { T_mult: 2 });
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** The first period, in epochs. */
  T_0: number;
  /** The current period. */
  T_i: number;
  /** The factor each period grows by. */
  T_mult: number;
  /** The lowest lr. */
  eta_min: number;
  /** Epochs since the last restart. */
  T_cur: number;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    T_0: number,
    T_mult = 1,
    eta_min = 0,
    opts: SchedulerOptions = {},
  ) {
    if (T_0 <= 0 || !Number.isInteger(T_0)) {
      throw new ValueError(`Expected positive integer T_0, but got ${T_0}`);
    }
    if (T_mult < 1 || !Number.isInteger(T_mult)) {
      throw new ValueError(`Expected integer T_mult >= 1, but got ${T_mult}`);
    }
    super(optimizer, opts.last_epoch, opts.verbose);
    this.T_0 = T_0;
    this.T_i = T_0;
    this.T_mult = T_mult;
    this.eta_min = eta_min;
    this.T_cur = opts.last_epoch ?? -1;
    this._initial_step();
  }

  /** The learning rates for the current position in the period. */
  get_lr(): number[] {
    return this.base_lrs.map((b) =>
      this.eta_min +
      ((b - this.eta_min) * (1 + Math.cos((Math.PI * this.T_cur) / this.T_i))) /
        2
    );
  }

  /** Advances one epoch, or moves to `epoch` (which may be fractional). */
  override step(epoch?: number): void {
    if (epoch === undefined && this.last_epoch < 0) epoch = 0;
    if (epoch === undefined) {
      epoch = this.last_epoch + 1;
      this.T_cur += 1;
      if (this.T_cur >= this.T_i) {
        this.T_cur -= this.T_i;
        this.T_i *= this.T_mult;
      }
    } else {
      if (epoch < 0) {
        throw new ValueError(`Expected non-negative epoch, but got ${epoch}`);
      }
      if (epoch >= this.T_0) {
        if (this.T_mult === 1) this.T_cur = epoch % this.T_0;
        else {
          const n = Math.trunc(
            Math.log((epoch / this.T_0) * (this.T_mult - 1) + 1) /
              Math.log(this.T_mult),
          );
          this.T_cur = epoch -
            (this.T_0 * (this.T_mult ** n - 1)) / (this.T_mult - 1);
          this.T_i = this.T_0 * this.T_mult ** n;
        }
      } else {
        this.T_i = this.T_0;
        this.T_cur = epoch;
      }
    }
    this.last_epoch = Math.floor(epoch);
    this._step_count++;
    this._get_lr_called_within_step = true;
    let values: number[];
    try {
      values = this.get_lr();
    } finally {
      this._get_lr_called_within_step = false;
    }
    this._setLrs(values);
  }
}

/** CyclicLR's options beyond base_lr and max_lr, as PyTorch names them. */
export interface CyclicLROptions extends SchedulerOptions {
  step_size_up?: number;
  step_size_down?: number | null;
  mode?: "triangular" | "triangular2" | "exp_range";
  gamma?: number;
  scale_fn?: ((x: number) => number) | null;
  scale_mode?: "cycle" | "iterations";
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
}

/**
 * `CyclicLR(optimizer, base_lr, max_lr, step_size_up = 2000, ...)`: the lr cycles between
 * `base_lr` and `max_lr` (Smith 2017), stepped once per batch, in the "triangular",
 * "triangular2" or "exp_range" policy or a custom `scale_fn`; with `cycle_momentum`, the
 * optimizer's momentum cycles the other way.
 * @example
 * const sched = new optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1, { step_size_up: 200 });
 */
export class CyclicLR extends LRScheduler {
  max_lrs: number[];
  total_size: number;
  step_ratio: number;
  mode: string;
  gamma: number;
  scale_mode: string;
  cycle_momentum: boolean;
  base_momentums: number[] = [];
  max_momentums: number[] = [];
  private readonly custom: ((x: number) => number) | null;

  /** Sets every group's lr (and momentum) to the cycle's start and takes the first step. */
  constructor(
    optimizer: AnyOptimizer,
    base_lr: number | number[],
    max_lr: number | number[],
    opts: CyclicLROptions = {},
  ) {
    const last_epoch = opts.last_epoch ?? -1;
    const base_lrs = formatParam("base_lr", optimizer, base_lr);
    if (last_epoch === -1) {
      optimizer.param_groups.forEach((g, i) => (g.lr = base_lrs[i]));
    }
    super(optimizer, last_epoch, opts.verbose);
    this.max_lrs = formatParam("max_lr", optimizer, max_lr);
    const up = opts.step_size_up ?? 2000;
    const down = opts.step_size_down ?? up;
    this.total_size = up + down;
    this.step_ratio = up / this.total_size;
    const mode = opts.mode ?? "triangular";
    this.custom = opts.scale_fn ?? null;
    if (
      !["triangular", "triangular2", "exp_range"].includes(mode) &&
      this.custom === null
    ) {
      throw new ValueError("mode is invalid and scale_fn is None");
    }
    this.mode = mode;
    this.gamma = opts.gamma ?? 1;
    this.scale_mode = this.custom
      ? opts.scale_mode ?? "cycle"
      : mode === "exp_range"
      ? "iterations"
      : "cycle";
    this.cycle_momentum = opts.cycle_momentum ?? true;
    if (this.cycle_momentum) {
      if (!("momentum" in optimizer.defaults)) {
        throw new ValueError(
          "optimizer must support momentum with `cycle_momentum` option enabled",
        );
      }
      const base = formatParam(
        "base_momentum",
        optimizer,
        opts.base_momentum ?? 0.8,
      );
      if (last_epoch === -1) {
        optimizer.param_groups.forEach((g, i) => (g.momentum = base[i]));
      }
      this.base_momentums = optimizer.param_groups.map((g) =>
        g.momentum as number
      );
      this.max_momentums = formatParam(
        "max_momentum",
        optimizer,
        opts.max_momentum ?? 0.9,
      );
    }
    this._initial_step();
    this.base_lrs = base_lrs;
  }

  /** The policy's amplitude factor at x (a cycle number or an iteration). */
  scale_fn(x: number): number {
    if (this.custom) return this.custom(x);
    if (this.mode === "triangular2") return 1 / 2 ** (x - 1);
    if (this.mode === "exp_range") return this.gamma ** x;
    return 1;
  }

  /** The lr at the batch index `last_epoch`; sets the groups' momentum as a side effect. */
  get_lr(): number[] {
    const cycle = Math.floor(1 + this.last_epoch / this.total_size);
    const x = 1 + this.last_epoch / this.total_size - cycle;
    const scale = x <= this.step_ratio
      ? x / this.step_ratio
      : (x - 1) / (this.step_ratio - 1);
    const at = this.scale_mode === "cycle" ? cycle : this.last_epoch;
    const lrs = this.base_lrs.map((b, i) =>
      b + (this.max_lrs[i] - b) * scale * this.scale_fn(at)
    );
    if (this.cycle_momentum) {
      this.groups.forEach((g, i) => {
        const height = (this.max_momentums[i] - this.base_momentums[i]) * scale;
        g.momentum = this.max_momentums[i] - height * this.scale_fn(at);
      });
    }
    return lrs;
  }

  /** As PyTorch: a custom scale_fn is not saved. */
  override state_dict(): SchedulerStateDict {
    const { custom: _, ...rest } = super.state_dict();
    return rest;
  }
}

function formatParam(
  name: string,
  optimizer: AnyOptimizer,
  param: number | number[],
): number[] {
  const n = optimizer.param_groups.length;
  if (Array.isArray(param)) {
    if (param.length !== n) {
      throw new ValueError(
        `expected ${n} values for ${name}, got ${param.length}`,
      );
    }
    return [...param];
  }
  return Array(n).fill(param);
}

type Scheduler = LRScheduler;

/** The schedulers a combinator takes: each an LRScheduler (PyTorch fails on its `.optimizer`). */
function checkSchedulers(who: string, schedulers: unknown): Scheduler[] {
  if (!Array.isArray(schedulers) || schedulers.length === 0) {
    throw new ValueError(`${who} expects at least one scheduler`);
  }
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler)) {
      throw new TypeError(
        `${who}: schedulers[${i}] is not a learning rate scheduler (got ${
          s === null
            ? "None"
            : typeof s === "object"
            ? s.constructor?.name ?? "object"
            : typeof s
        })`,
      );
    }
  });
  return schedulers;
}

/** A combining scheduler's state_dict: its own attributes and each scheduler's state_dict. */
function withSchedulers(
  own: SchedulerStateDict,
  schedulers: Scheduler[],
): SchedulerStateDict {
  const { _schedulers: _, ...rest } = own;
  return { ...rest, _schedulers: schedulers.map((s) => s.state_dict()) };
}

/** Restores each scheduler's state; returns the combining scheduler's own attributes. */
function restoreSchedulers(
  state_dict: SchedulerStateDict,
  schedulers: Scheduler[],
): SchedulerStateDict {
  const { _schedulers, ...rest } = state_dict;
  (_schedulers as SchedulerStateDict[]).forEach((s, i) =>
    schedulers[i].load_state_dict(s)
  );
  return rest;
}

/** Python's `bisect.bisect_right`. */
function bisectRight(a: number[], x: number): number {
  let i = 0;
  while (i < a.length && a[i] <= x) i++;
  return i;
}

/**
 * `SequentialLR(optimizer, schedulers, milestones)`: runs the schedulers one after another,
 * switching at each milestone epoch (a warm-up, then a decay).
 * @example
 * const warm = new optim.lr_scheduler.LinearLR(opt, { start_factor: 0.1, total_iters: 5 });
 * const decay = new optim.lr_scheduler.ExponentialLR(opt, 0.9);
 * const sched = new optim.lr_scheduler.SequentialLR(opt, [warm, decay], [5]);
 */
export class SequentialLR extends LRScheduler {
  _schedulers: Scheduler[];
  _milestones: number[];

  /** Checks the schedulers share the optimizer and restarts the first. */
  constructor(
    optimizer: AnyOptimizer,
    schedulers: Scheduler[],
    milestones: number[],
    opts: SchedulerOptions = {},
  ) {
    checkSchedulers("SequentialLR", schedulers);
    schedulers.forEach((s, i) => {
      if (s.optimizer !== optimizer) {
        throw new ValueError(
          `Sequential Schedulers expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than the optimizer passed in.`,
        );
      }
    });
    if (milestones.length !== schedulers.length - 1) {
      throw new ValueError(
        `Sequential Schedulers expects number of schedulers provided to be one more than the number of milestone points, but got number of schedulers ${schedulers.length} and the number of milestones to be equal to ${milestones.length}`,
      );
    }
    super(optimizer, 0, opts.verbose);
    this._schedulers = schedulers;
    this._milestones = milestones;
    this.last_epoch = (opts.last_epoch ?? -1) + 1;
    for (const g of optimizer.param_groups) g.lr = g.initial_lr as number;
    for (const s of schedulers) s.last_epoch -= 1;
    (schedulers[0] as unknown as { _initial_step(): void })._initial_step();
    this._last_lr = schedulers[0].get_last_lr();
  }

  /** Not used: the current scheduler computes the rates. */
  get_lr(): number[] {
    return this._last_lr;
  }

  /** Steps the scheduler whose stretch this epoch is in (restarting it at its milestone). */
  override step(): void {
    this.last_epoch += 1;
    const idx = bisectRight(this._milestones, this.last_epoch);
    const s = this._schedulers[idx];
    if (idx > 0 && this._milestones[idx - 1] === this.last_epoch) s.step(0);
    else s.step();
    this._last_lr = s.get_last_lr();
  }

  /** Its own attributes and each scheduler's state_dict. */
  override state_dict(): SchedulerStateDict {
    return withSchedulers(super.state_dict(), this._schedulers);
  }

  /** Restores its attributes and each scheduler's state. */
  override load_state_dict(state_dict: SchedulerStateDict): void {
    super.load_state_dict(restoreSchedulers(state_dict, this._schedulers));
  }
}

/**
 * `ChainedScheduler(schedulers)`: steps every scheduler each epoch, so their factors compose.
 * @example
 * const sched = new optim.lr_scheduler.ChainedScheduler([warmup, decay]);
 */
export class ChainedScheduler extends LRScheduler {
  _schedulers: Scheduler[];

  /** Checks the schedulers share one optimizer. */
  constructor(schedulers: Scheduler[]) {
    checkSchedulers("ChainedScheduler", schedulers);
    for (let i = 1; i < schedulers.length; i++) {
      if (schedulers[i].optimizer !== schedulers[0].optimizer) {
        throw new ValueError(
          `ChainedScheduler expects all schedulers to belong to the same optimizer, but got schedulers at index 0 and ${i} to be different`,
        );
      }
    }
    super(schedulers[0].optimizer, 0);
    this._schedulers = [...schedulers];
    this._last_lr = this.groups.map((g) => g.lr);
  }

  /** Not used: the chained schedulers compute the rates. */
  get_lr(): number[] {
    return this._last_lr;
  }

  /** Steps every scheduler in turn. */
  override step(): void {
    for (const s of this._schedulers) s.step();
    this._last_lr = this.groups.map((g) => g.lr);
  }

  /** Its own attributes and each scheduler's state_dict. */
  override state_dict(): SchedulerStateDict {
    return withSchedulers(super.state_dict(), this._schedulers);
  }

  /** Restores its attributes and each scheduler's state. */
  override load_state_dict(state_dict: SchedulerStateDict): void {
    super.load_state_dict(restoreSchedulers(state_dict, this._schedulers));
  }
}

for (
  const c of [
    MultiplicativeLR,
    ConstantLR,
    LinearLR,
    PolynomialLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    SequentialLR,
    ChainedScheduler,
  ]
) BUILTIN_SCHEDULERS.add(c);
