// optim.RMSprop: a running average of squared gradients, optionally centered and with momentum.

import type { Tensor } from "../tensor.ts";
import { zeros_like } from "../ops/creation.ts";
import { addcdiv_, addcmul_ } from "./_functional.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
} from "./optimizer.ts";

/** RMSprop's hyperparameters. */
export interface RMSpropOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor. */
  momentum: number;
  /** Smoothing constant of the squared-gradient average. */
  alpha: number;
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Normalize by an estimate of the gradient's variance. */
  centered: boolean;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** PyTorch's differentiable switch: kept for state_dict compatibility (always false here). */
  differentiable: boolean;
}

/**
 * `optim.RMSprop(params, { lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
 * centered = false, maximize = false })`: v ← αv + (1−α)g²; with centered, the denominator is
 * √(v − ḡ²) + ε where ḡ is the running mean gradient; with momentum, b ← μb + g/denominator.
 * @example
 * const opt = new optim.RMSprop(net.parameters(), { lr: 0.01, momentum: 0.9 });
 * opt.zero_grad(); loss.backward(); opt.step();
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<RMSpropOptions>,
    options: Partial<RMSpropOptions> = {},
  ) {
    const o: RMSpropOptions = {
      lr: options.lr ?? 1e-2,
      momentum: options.momentum ?? 0,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      centered: options.centered ?? false,
      weight_decay: options.weight_decay ?? 0,
      foreach: options.foreach ?? null,
      maximize: options.maximize ?? false,
      differentiable: options.differentiable ?? false,
    };
    checkNonNegative("learning rate", o.lr);
    checkNonNegative("epsilon value", o.eps);
    checkNonNegative("momentum value", o.momentum);
    checkNonNegative("weight_decay value", o.weight_decay);
    checkNonNegative("alpha value", o.alpha);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, alpha, eps, weight_decay, momentum, centered, maximize } =
        group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        if (Object.keys(state).length === 0) {
          state.step = 0;
          state.square_avg = zeros_like(p);
          if (momentum > 0) state.momentum_buffer = zeros_like(p);
          if (centered) state.grad_avg = zeros_like(p);
        }
        state.step = (state.step as number) + 1;
        let grad = maximize ? p.grad.neg() : p.grad;
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const square_avg = state.square_avg as Tensor;
        addcmul_(square_avg.mul_(alpha), grad, grad, 1 - alpha);
        let avg: Tensor;
        if (centered) {
          const grad_avg = state.grad_avg as Tensor;
          grad_avg.mul_(alpha).add_(grad, { alpha: 1 - alpha });
          avg = addcmul_(square_avg.clone(), grad_avg, grad_avg, -1).sqrt_();
        } else avg = square_avg.sqrt();
        avg = avg.add_(eps);
        if (momentum > 0) {
          const buf = state.momentum_buffer as Tensor;
          addcdiv_(buf.mul_(momentum), grad, avg);
          p.add_(buf, { alpha: -lr });
        } else addcdiv_(p, grad, avg, -lr);
      }
    });
  }
}
