// optim.Rprop (resilient backpropagation) and optim.ASGD (averaged SGD).

import type { Tensor } from "../tensor.ts";
import { full_like, tensor, zeros_like } from "../ops/creation.ts";
import { float32 } from "../dtype.ts";
import { ValueError } from "../errors.ts";
import { addcmul_, stepCounter } from "./_functional.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
} from "./optimizer.ts";

/** Rprop's hyperparameters, in PyTorch 1.13's order. */
export interface RpropOptions {
  /** Initial step size of every element. */
  lr: number;
  /** (η−, η+): the factors a step size shrinks by when the gradient changes sign, grows by when not. */
  etas: [number, number];
  /** (min, max) step sizes. */
  step_sizes: [number, number];
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * `optim.Rprop(params, { lr = 1e-2, etas = [0.5, 1.2], step_sizes = [1e-6, 50] })`: each
 * element moves by its own step size against the sign of its gradient; the step size grows
 * (×η+) while the sign holds and shrinks (×η−) when it flips, and then that element rests.
 * @example
 * const opt = new optim.Rprop(net.parameters());
 */
export class Rprop extends Optimizer<RpropOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<RpropOptions>,
    options: Partial<RpropOptions> = {},
  ) {
    const o: RpropOptions = {
      lr: options.lr ?? 1e-2,
      etas: options.etas ?? [0.5, 1.2],
      step_sizes: options.step_sizes ?? [1e-6, 50],
      foreach: options.foreach ?? null,
      maximize: options.maximize ?? false,
    };
    checkNonNegative("learning rate", o.lr);
    const [minus, plus] = o.etas;
    if (!(minus > 0 && minus < 1 && plus > 1)) {
      throw new ValueError(`Invalid eta values: ${minus}, ${plus}`);
    }
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const [etaminus, etaplus] = group.etas;
      const [step_size_min, step_size_max] = group.step_sizes;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        if (Object.keys(state).length === 0) {
          state.step = 0;
          state.prev = zeros_like(p);
          state.step_size = full_like(p.grad, group.lr);
        }
        state.step = (state.step as number) + 1;
        const grad = group.maximize ? p.grad.neg() : p.grad;
        const prev = state.prev as Tensor;
        const step_size = state.step_size as Tensor;
        const same = grad.mul(prev).sign();
        const flipped = same.lt(0);
        const factor = same.clone().masked_fill_(same.gt(0), etaplus)
          .masked_fill_(flipped, etaminus).masked_fill_(same.eq(0), 1);
        step_size.mul_(factor).clamp_(step_size_min, step_size_max);
        // Where the sign flipped the element rests this step, and the next sees no sign change.
        const g = grad.clone().masked_fill_(flipped, 0);
        addcmul_(p, g.sign(), step_size, -1);
        prev.copy_(g);
      }
    });
  }
}

/** ASGD's hyperparameters, in PyTorch 1.13's order. */
export interface ASGDOptions {
  /** Learning rate. */
  lr: number;
  /** Decay term. */
  lambd: number;
  /** Power for the eta update. */
  alpha: number;
  /** The step at which averaging starts. */
  t0: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * `optim.ASGD(params, { lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0 })`:
 * averaged SGD (Polyak and Juditsky 1992); the average lives in the state as `ax`. Its η and μ
 * are float32 tensors, as in PyTorch, and the update reads them rounded as PyTorch does.
 * @example
 * const opt = new optim.ASGD(net.parameters(), { lr: 0.01 });
 */
export class ASGD extends Optimizer<ASGDOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(params: Params<ASGDOptions>, options: Partial<ASGDOptions> = {}) {
    const o: ASGDOptions = {
      lr: options.lr ?? 1e-2,
      lambd: options.lambd ?? 1e-4,
      alpha: options.alpha ?? 0.75,
      t0: options.t0 ?? 1e6,
      weight_decay: options.weight_decay ?? 0,
      foreach: options.foreach ?? null,
      maximize: options.maximize ?? false,
    };
    checkNonNegative("learning rate", o.lr);
    checkNonNegative("weight_decay value", o.weight_decay);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, lambd, alpha, t0, weight_decay, maximize } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        if (Object.keys(state).length === 0) {
          state.step = tensor(0, { dtype: float32 });
          state.eta = tensor(lr, { dtype: float32 });
          state.mu = tensor(1, { dtype: float32 });
          state.ax = zeros_like(p);
        }
        let grad = maximize ? p.grad.neg() : p.grad;
        const step = stepCounter(state.step as Tensor);
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const eta = state.eta as Tensor, mu = state.mu as Tensor;
        const ax = state.ax as Tensor;
        const etaValue = eta.item() as number;
        p.mul_(1 - lambd * etaValue);
        p.add_(grad, { alpha: -etaValue });
        const muValue = mu.item() as number;
        if (muValue !== 1) ax.add_(p.sub(ax).mul(mu));
        else ax.copy_(p);
        // PyTorch makes each a float32 tensor and copies it in (rounded so even where a loaded
        // state holds them in the parameters' dtype).
        eta.fill_(Math.fround(lr / Math.pow(1 + lambd * lr * step, alpha)));
        mu.fill_(Math.fround(1 / Math.max(1, step - t0)));
      }
    });
  }
}
