// lr_scheduler.OneCycleLR: the 1cycle policy (warm up to max_lr, anneal far below the start),
// with momentum (or Adam's beta1) cycled the opposite way.

import { ValueError } from "../errors.ts";
import {
  type AnyOptimizer,
  BUILTIN_SCHEDULERS,
  LRScheduler,
} from "./_scheduler.ts";

/** OneCycleLR's options; give `total_steps`, or `epochs` and `steps_per_epoch`. */
export interface OneCycleLROptions {
  total_steps?: number | null;
  epochs?: number | null;
  steps_per_epoch?: number | null;
  pct_start?: number;
  anneal_strategy?: "cos" | "linear";
  cycle_momentum?: boolean;
  base_momentum?: number | number[];
  max_momentum?: number | number[];
  div_factor?: number;
  final_div_factor?: number;
  three_phase?: boolean;
  last_epoch?: number;
  verbose?: boolean;
}

interface Phase {
  end_step: number;
  start_lr: string;
  end_lr: string;
  start_momentum: string;
  end_momentum: string;
}

/**
 * `OneCycleLR(optimizer, max_lr, { total_steps | epochs and steps_per_epoch, pct_start = 0.3,
 * anneal_strategy = "cos", cycle_momentum = true, base_momentum = 0.85, max_momentum = 0.95,
 * div_factor = 25, final_div_factor = 1e4, three_phase = false })`; step it after every batch.
 * @example
 * const sched = new optim.lr_scheduler.OneCycleLR(opt, 0.01, { total_steps: 1000 });
 * for (const batch of loader) { train(batch); opt.step(); sched.step(); }
 */
export class OneCycleLR extends LRScheduler {
  total_steps: number;
  _schedule_phases: Phase[];
  anneal_strategy: "cos" | "linear";
  cycle_momentum: boolean;
  use_beta1 = false;

  /** Sets the initial learning rates and takes the first step (epoch 0). */
  constructor(
    optimizer: AnyOptimizer,
    max_lr: number | number[],
    opts: OneCycleLROptions = {},
  ) {
    const last_epoch = opts.last_epoch ?? -1;
    const total = totalSteps(opts);
    const pct_start = opts.pct_start ?? 0.3;
    const maxLrs = formatParam("max_lr", optimizer, max_lr);
    const div_factor = opts.div_factor ?? 25;
    const final_div_factor = opts.final_div_factor ?? 1e4;
    if (pct_start < 0 || pct_start > 1) {
      throw new ValueError(
        `Expected float between 0 and 1 pct_start, but got ${pct_start}`,
      );
    }
    const anneal = opts.anneal_strategy ?? "cos";
    if (anneal !== "cos" && anneal !== "linear") {
      throw new ValueError(
        `anneal_strategy must by one of 'cos' or 'linear', instead got ${anneal}`,
      );
    }
    // These go into the groups before the base class reads `initial_lr`.
    if (last_epoch === -1) {
      optimizer.param_groups.forEach((g, i) => {
        g.initial_lr = maxLrs[i] / div_factor;
        g.max_lr = maxLrs[i];
        g.min_lr = (g.initial_lr as number) / final_div_factor;
      });
    }
    const cycle_momentum = opts.cycle_momentum ?? true;
    let use_beta1 = false;
    if (cycle_momentum) {
      const d = optimizer.defaults;
      if (!("momentum" in d) && !("betas" in d)) {
        throw new ValueError(
          "optimizer must support momentum with `cycle_momentum` option enabled",
        );
      }
      use_beta1 = "betas" in d;
      const maxM = formatParam(
        "max_momentum",
        optimizer,
        opts.max_momentum ?? 0.95,
      );
      const baseM = formatParam(
        "base_momentum",
        optimizer,
        opts.base_momentum ?? 0.85,
      );
      if (last_epoch === -1) {
        optimizer.param_groups.forEach((g, i) => {
          if (use_beta1) g.betas = [maxM[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxM[i];
          g.max_momentum = maxM[i];
          g.base_momentum = baseM[i];
        });
      }
    }
    super(optimizer, last_epoch, opts.verbose);
    this.total_steps = total;
    this._schedule_phases = phases(total, pct_start, opts.three_phase ?? false);
    this.anneal_strategy = anneal;
    this.cycle_momentum = cycle_momentum;
    this.use_beta1 = use_beta1;
    this._initial_step();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.anneal_strategy === "linear") return (end - start) * pct + start;
    const cos_out = Math.cos(Math.PI * pct) + 1;
    return end + (start - end) / 2.0 * cos_out;
  }

  /** The learning rates for `last_epoch` (PyTorch's chainable form). */
  get_lr(): number[] {
    const step_num = this.last_epoch;
    if (step_num > this.total_steps) {
      throw new ValueError(
        `Tried to step ${
          step_num + 1
        } times. The specified number of total steps is ${this.total_steps}`,
      );
    }
    return this.groups.map((group) => {
      let start_step = 0;
      const phases = this._schedule_phases;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        const end_step = phase.end_step;
        if (step_num <= end_step || i === phases.length - 1) {
          const pct = (step_num - start_step) / (end_step - start_step);
          const at = (key: string) => group[key] as number;
          const lr = this.anneal(at(phase.start_lr), at(phase.end_lr), pct);
          if (this.cycle_momentum) {
            const m = this.anneal(
              at(phase.start_momentum),
              at(phase.end_momentum),
              pct,
            );
            if (this.use_beta1) {
              group.betas = [m, ...(group.betas as number[]).slice(1)];
            } else group.momentum = m;
          }
          return lr;
        }
        start_step = phase.end_step;
      }
      throw new Error("unreachable: the last phase always matches");
    });
  }
}

function totalSteps(o: OneCycleLROptions): number {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (o.total_steps == null && o.epochs == null && o.steps_per_epoch == null) {
    throw new ValueError(
      "You must define either total_steps OR (epochs AND steps_per_epoch)",
    );
  }
  if (o.total_steps != null) {
    if (!positiveInt(o.total_steps)) {
      throw new ValueError(
        `Expected positive integer total_steps, but got ${o.total_steps}`,
      );
    }
    return o.total_steps;
  }
  if (o.epochs == null || !positiveInt(o.epochs)) {
    throw new ValueError(
      `Expected positive integer epochs, but got ${o.epochs}`,
    );
  }
  if (o.steps_per_epoch == null || !positiveInt(o.steps_per_epoch)) {
    throw new ValueError(
      `Expected positive integer steps_per_epoch, but got ${o.steps_per_epoch}`,
    );
  }
  return o.epochs * o.steps_per_epoch;
}

function phases(total: number, pct: number, three: boolean): Phase[] {
  const up = {
    end_step: pct * total - 1,
    start_lr: "initial_lr",
    end_lr: "max_lr",
    start_momentum: "max_momentum",
    end_momentum: "base_momentum",
  };
  if (!three) {
    return [up, {
      end_step: total - 1,
      start_lr: "max_lr",
      end_lr: "min_lr",
      start_momentum: "base_momentum",
      end_momentum: "max_momentum",
    }];
  }
  return [up, {
    end_step: 2 * pct * total - 2,
    start_lr: "max_lr",
    end_lr: "initial_lr",
    start_momentum: "base_momentum",
    end_momentum: "max_momentum",
  }, {
    end_step: total - 1,
    start_lr: "initial_lr",
    end_lr: "min_lr",
    start_momentum: "max_momentum",
    end_momentum: "max_momentum",
  }];
}

function formatParam(
  name: string,
  optimizer: AnyOptimizer,
  param: number | number[],
): number[] {
  const n = optimizer.param_groups.length;
  if (!Array.isArray(param)) return Array(n).fill(param);
  if (param.length !== n) {
    throw new ValueError(
      `expected ${n} values for ${name}, got ${param.length}`,
    );
  }
  return param;
}

for (const c of [OneCycleLR]) BUILTIN_SCHEDULERS.add(c);
