// lr_scheduler.ReduceLROnPlateau: cuts the lr when a watched metric stops improving.

import { INSPECT, objectRepr } from "../repr.ts";
import { ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import type { AnyOptimizer, SchedulerStateDict } from "./_scheduler.ts";
import { copy } from "./_scheduler.ts";

/** ReduceLROnPlateau's options (PyTorch 1.13's defaults). */
export interface ReduceLROnPlateauOptions {
  mode?: "min" | "max";
  factor?: number;
  patience?: number;
  threshold?: number;
  threshold_mode?: "rel" | "abs";
  cooldown?: number;
  min_lr?: number | number[];
  eps?: number;
  verbose?: boolean;
}

/**
 * `ReduceLROnPlateau(optimizer, { mode = "min", factor = 0.1, patience = 10, threshold = 1e-4,
 * threshold_mode = "rel", cooldown = 0, min_lr = 0, eps = 1e-8 })`: after more than `patience`
 * epochs without improvement, lr ← max(lr × factor, min_lr) (skipped when the change is ≤ eps),
 * then `cooldown` epochs during which bad epochs are not counted.
 * @example
 * const sched = new optim.lr_scheduler.ReduceLROnPlateau(opt, { patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) { train(); sched.step(validationLoss()); }
 */
export class ReduceLROnPlateau {
  /** Python's repr, `<torch.optim.lr_scheduler.ReduceLROnPlateau object>`. */
  [INSPECT](): string {
    return objectRepr(this, "torch.optim.lr_scheduler", PLATEAU);
  }

  optimizer: AnyOptimizer;
  factor: number;
  min_lrs: number[];
  patience: number;
  verbose: boolean;
  cooldown: number;
  cooldown_counter = 0;
  mode: "min" | "max";
  threshold: number;
  threshold_mode: "rel" | "abs";
  best = Infinity;
  num_bad_epochs = 0;
  mode_worse = Infinity;
  eps: number;
  last_epoch = 0;
  _last_lr: number[] = [];

  /** Checks the options as PyTorch does. */
  constructor(optimizer: AnyOptimizer, opts: ReduceLROnPlateauOptions = {}) {
    this.factor = opts.factor ?? 0.1;
    if (this.factor >= 1.0) throw new ValueError("Factor should be < 1.0.");
    this.optimizer = optimizer;
    const n = optimizer.param_groups.length;
    const min_lr = opts.min_lr ?? 0;
    if (Array.isArray(min_lr)) {
      if (min_lr.length !== n) {
        throw new ValueError(`expected ${n} min_lrs, got ${min_lr.length}`);
      }
      this.min_lrs = [...min_lr];
    } else this.min_lrs = Array(n).fill(min_lr);
    this.patience = opts.patience ?? 10;
    this.verbose = opts.verbose ?? false;
    this.cooldown = opts.cooldown ?? 0;
    this.mode = opts.mode ?? "min";
    this.threshold = opts.threshold ?? 1e-4;
    this.threshold_mode = opts.threshold_mode ?? "rel";
    this.eps = opts.eps ?? 1e-8;
    this._init_is_better();
    this._reset();
  }

  private _reset(): void {
    this.best = this.mode_worse;
    this.cooldown_counter = 0;
    this.num_bad_epochs = 0;
  }

  /** One epoch with the watched metric's value (a number or a one-element tensor). */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = metrics instanceof Tensor
      ? Number(metrics.item())
      : Number(metrics);
    this.last_epoch = epoch ?? this.last_epoch + 1;
    if (this.is_better(current, this.best)) {
      this.best = current;
      this.num_bad_epochs = 0;
    } else this.num_bad_epochs++;
    if (this.in_cooldown) {
      this.cooldown_counter--;
      this.num_bad_epochs = 0;
    }
    if (this.num_bad_epochs > this.patience) {
      this._reduce_lr(this.last_epoch);
      this.cooldown_counter = this.cooldown;
      this.num_bad_epochs = 0;
    }
    this._last_lr = this.optimizer.param_groups.map((g) => g.lr);
  }

  private _reduce_lr(epoch: number): void {
    this.optimizer.param_groups.forEach((g, i) => {
      const old_lr = g.lr;
      const new_lr = Math.max(old_lr * this.factor, this.min_lrs[i]);
      if (old_lr - new_lr > this.eps) {
        g.lr = new_lr;
        if (this.verbose) {
          console.log(
            `Epoch ${
              String(epoch).padStart(5, "0")
            }: reducing learning rate of group ${i} to ${
              new_lr.toExponential(4)
            }.`,
          );
        }
      }
    });
  }

  /** Whether the scheduler is counting down its cooldown. */
  get in_cooldown(): boolean {
    return this.cooldown_counter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  is_better(a: number, best: number): boolean {
    if (this.mode === "min" && this.threshold_mode === "rel") {
      return a < best * (1 - this.threshold);
    }
    if (this.mode === "min") return a < best - this.threshold;
    if (this.threshold_mode === "rel") return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  private _init_is_better(): void {
    if (this.mode !== "min" && this.mode !== "max") {
      throw new ValueError(`mode ${this.mode} is unknown!`);
    }
    if (this.threshold_mode !== "rel" && this.threshold_mode !== "abs") {
      throw new ValueError(`threshold mode ${this.threshold_mode} is unknown!`);
    }
    this.mode_worse = this.mode === "min" ? Infinity : -Infinity;
  }

  /** The learning rates after the last `step()` (not in PyTorch 1.13, which only keeps `_last_lr`). */
  get_last_lr(): number[] {
    return this._last_lr;
  }

  /** Every attribute but the optimizer. */
  state_dict(): SchedulerStateDict {
    const out: SchedulerStateDict = {};
    for (const [k, v] of Object.entries(this)) {
      if (k !== "optimizer") out[k] = copy(v);
    }
    return out;
  }

  /** Restores what `state_dict()` saved. */
  load_state_dict(state_dict: SchedulerStateDict): void {
    for (const [k, v] of Object.entries(state_dict)) {
      (this as Record<string, unknown>)[k] = copy(v);
    }
    this._init_is_better();
  }
}

const PLATEAU = new Set<unknown>([ReduceLROnPlateau]);
