// optim.Adadelta: per-parameter step sizes from running averages of squared gradients and updates.

import type { Tensor } from "../tensor.ts";
import { zeros_like } from "../ops/creation.ts";
import { ValueError } from "../errors.ts";
import { addcmul_ } from "./_functional.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
} from "./optimizer.ts";

/** Adadelta's hyperparameters, in PyTorch 1.13's order. */
export interface AdadeltaOptions {
  /** Coefficient that scales delta before it is applied to the parameters. */
  lr: number;
  /** Coefficient of the running averages of squared gradients and squared updates. */
  rho: number;
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
}

/**
 * `optim.Adadelta(params, { lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0, maximize = false })`:
 * v ← ρv + (1−ρ)g²; Δ = √(u + ε)/√(v + ε)·g; u ← ρu + (1−ρ)Δ²; θ ← θ − γΔ.
 * @example
 * const opt = new optim.Adadelta(net.parameters(), { lr: 1.0 });
 */
export class Adadelta extends Optimizer<AdadeltaOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<AdadeltaOptions>,
    options: Partial<AdadeltaOptions> = {},
  ) {
    const o: AdadeltaOptions = {
      lr: options.lr ?? 1.0,
      rho: options.rho ?? 0.9,
      eps: options.eps ?? 1e-6,
      weight_decay: options.weight_decay ?? 0,
      maximize: options.maximize ?? false,
      foreach: options.foreach ?? null,
    };
    checkNonNegative("learning rate", o.lr);
    if (!(o.rho >= 0 && o.rho <= 1)) {
      throw new ValueError(`Invalid rho value: ${o.rho}`);
    }
    checkNonNegative("epsilon value", o.eps);
    checkNonNegative("weight_decay value", o.weight_decay);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, rho, eps, weight_decay, maximize } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        if (Object.keys(state).length === 0) {
          state.step = 0;
          state.square_avg = zeros_like(p);
          state.acc_delta = zeros_like(p);
        }
        state.step = (state.step as number) + 1;
        let grad = maximize ? p.grad.neg() : p.grad;
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const square_avg = state.square_avg as Tensor;
        const acc_delta = state.acc_delta as Tensor;
        addcmul_(square_avg.mul_(rho), grad, grad, 1 - rho);
        const std = square_avg.add(eps).sqrt_();
        const delta = acc_delta.add(eps).sqrt_().div_(std).mul_(grad);
        addcmul_(acc_delta.mul_(rho), delta, delta, 1 - rho);
        p.add_(delta, { alpha: -lr });
      }
    });
  }
}
