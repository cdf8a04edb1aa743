// optim.Adamax: Adam with the infinity norm of past gradients in place of the second moment.

import type { Tensor } from "../tensor.ts";
import { tensor, zeros_like } from "../ops/creation.ts";
import { float32 } from "../dtype.ts";
import { addcdiv_, stepCounter } from "./_functional.ts";
import { checkBetas } from "./adam.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
} from "./optimizer.ts";

/** Adamax's hyperparameters, in PyTorch 1.13's order. */
export interface AdamaxOptions {
  /** Learning rate. */
  lr: number;
  /** Coefficients of the running average of the gradient and of the infinity norm. */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * `optim.Adamax(params, { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0 })`:
 * m ← β₁m + (1−β₁)g; u ← max(β₂u, |g| + ε); θ ← θ − (γ/(1−β₁ᵗ)) m/u.
 * @example
 * const opt = new optim.Adamax(net.parameters(), { lr: 2e-3 });
 */
export class Adamax extends Optimizer<AdamaxOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<AdamaxOptions>,
    options: Partial<AdamaxOptions> = {},
  ) {
    const o: AdamaxOptions = {
      lr: options.lr ?? 2e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weight_decay: options.weight_decay ?? 0,
      foreach: options.foreach ?? null,
      maximize: options.maximize ?? false,
    };
    checkNonNegative("learning rate", o.lr);
    checkNonNegative("epsilon value", o.eps);
    checkBetas(o.betas);
    checkNonNegative("weight_decay value", o.weight_decay);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, eps, weight_decay, maximize } = group;
      const [beta1, beta2] = group.betas;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        if (Object.keys(state).length === 0) {
          state.step = tensor(0, { dtype: float32 });
          state.exp_avg = zeros_like(p);
          state.exp_inf = zeros_like(p);
        }
        let grad = maximize ? p.grad.neg() : p.grad;
        const step = stepCounter(state.step as Tensor);
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const exp_avg = state.exp_avg as Tensor;
        const exp_inf = state.exp_inf as Tensor;
        exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        // PyTorch takes the amax of the two stacked; the elementwise maximum is the same value.
        exp_inf.copy_(exp_inf.mul_(beta2).maximum(grad.abs().add_(eps)));
        const clr = lr / (1 - beta1 ** step);
        addcdiv_(p, exp_avg, exp_inf, -clr);
      }
    });
  }
}
