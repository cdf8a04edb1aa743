// The scheduler base class (PyTorch 1.13's `_LRScheduler`): epoch counting, get_last_lr, state_dict.

import { INSPECT, objectRepr } from "../repr.ts";
import { KeyError } from "../nn/module.ts";
import type { Optimizer, ParamGroup } from "./optimizer.ts";

/** A scheduler's `state_dict()`: every attribute but the optimizer (PyTorch's `__dict__` copy). */
export type SchedulerStateDict = Record<string, unknown>;

// deno-lint-ignore no-explicit-any
export type AnyOptimizer = Optimizer<any>;

/**
 * The base of the epoch-driven schedulers: `step()` advances `last_epoch` and writes `get_lr()`
 * into every group's `lr`; `get_last_lr()` gives what the last step set.
 * @example
 * class Halving extends LRScheduler {
 *   get_lr() { return this.optimizer.param_groups.map((g) => g.lr / 2); }
 * }
 */
export abstract class LRScheduler {
  /** Python's repr, `<torch.optim.lr_scheduler.StepLR object>`, not the optimizer's weights. */
  [INSPECT](): string {
    return objectRepr(this, "torch.optim.lr_scheduler", BUILTIN_SCHEDULERS);
  }

  optimizer: AnyOptimizer;
  base_lrs: number[];
  last_epoch: number;
  verbose: boolean;
  _step_count = 0;
  _get_lr_called_within_step = false;
  _last_lr: number[] = [];

  /** Records `initial_lr` in every group (or checks it is there when resuming). */
  constructor(optimizer: AnyOptimizer, last_epoch = -1, verbose = false) {
    this.optimizer = optimizer;
    if (last_epoch === -1) {
      for (const g of optimizer.param_groups) {
        if (!("initial_lr" in g)) g.initial_lr = g.lr;
      }
    } else {
      optimizer.param_groups.forEach((g, i) => {
        if (!("initial_lr" in g)) {
          throw new KeyError(
            `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.base_lrs = optimizer.param_groups.map((g) => g.initial_lr as number);
    this.last_epoch = last_epoch;
    this.verbose = verbose;
  }

  /** PyTorch's `_initial_step`: subclasses call it at the end of their constructor. */
  protected _initial_step(): void {
    this.optimizer._step_count = 0;
    this._step_count = 0;
    this.step();
  }

  /** The learning rates for `last_epoch`, one per group. */
  abstract get_lr(): number[];

  protected get groups(): ParamGroup[] {
    return this.optimizer.param_groups;
  }

  /** Advances one epoch (or, deprecated, jumps to `epoch` with the closed form where there is one). */
  step(epoch?: number): void {
    if (this._step_count === 1 && this.optimizer._step_count < 1) {
      console.warn(
        "Detected call of `lr_scheduler.step()` before `optimizer.step()`. In PyTorch 1.1.0 and later, you should call them in the opposite order: `optimizer.step()` before `lr_scheduler.step()`.  Failure to do this will result in PyTorch skipping the first value of the learning rate schedule. See more details at https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate",
      );
    }
    this._step_count++;
    this._get_lr_called_within_step = true;
    let values: number[];
    try {
      if (epoch === undefined) {
        this.last_epoch++;
        values = this.get_lr();
      } else {
        this.last_epoch = epoch;
        values = this._get_closed_form_lr?.() ?? this.get_lr();
      }
    } finally {
      this._get_lr_called_within_step = false;
    }
    this._setLrs(values);
  }

  /** Writes one lr per group (printing each when verbose) and records them for get_last_lr. */
  protected _setLrs(values: number[]): void {
    this.groups.forEach((g, i) => {
      g.lr = values[i];
      if (this.verbose) {
        console.log(
          `Adjusting learning rate of group ${i} to ${
            values[i].toExponential(4)
          }.`,
        );
      }
    });
    this._last_lr = this.groups.map((g) => g.lr);
  }

  /** The closed form some schedulers have for `step(epoch)`. */
  _get_closed_form_lr?(): number[];

  /** The learning rates the last `step()` set. */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** Every attribute but the optimizer (and functions, which cannot be saved). */
  state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k !== "optimizer" && typeof v !== "function") out[k] = copy(v);
    }
    return out;
  }

  /** Restores what `state_dict()` saved. */
  load_state_dict(state_dict: SchedulerStateDict): void {
    for (const [k, v] of Object.entries(state_dict)) {
      (this as Record<string, unknown>)[k] = copy(v);
    }
  }
}

/** A copy of plain data: arrays and plain objects copied, everything else shared. */
export function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v !== null && typeof v === "object" && v.constructor === Object) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)]));
  }
  return v;
}

/** The schedulers flambeau defines; each registers itself beside its class. */
export const BUILTIN_SCHEDULERS = new Set<unknown>();
