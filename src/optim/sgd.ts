// optim.SGD: stochastic gradient descent with momentum, dampening, Nesterov and weight decay.

import { ValueError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
  required,
} from "./optimizer.ts";

/** SGD's hyperparameters (PyTorch 1.13's defaults; `lr` is required). */
export interface SGDOptions {
  /** Learning rate. */
  lr: number;
  /** Momentum factor. */
  momentum: number;
  /** Dampening for momentum. */
  dampening: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** Nesterov momentum. */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** PyTorch's differentiable switch: kept for state_dict compatibility (always false here). */
  differentiable: boolean;
}

/**
 * `optim.SGD(params, { lr, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
 * maximize = false })`, PyTorch 1.13's single-tensor update:
 * g ← g + λθ; b ← μb + (1 − τ)g (b₁ = g); g ← g + μb (Nesterov) or b; θ ← θ − γg.
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 * opt.zero_grad(); loss.backward(); opt.step();
 */
export class SGD extends Optimizer<SGDOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(params: Params<SGDOptions>, options: Partial<SGDOptions> = {}) {
    const o = {
      lr: options.lr ?? (required as unknown as number),
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weight_decay: options.weight_decay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
      foreach: options.foreach ?? null,
      differentiable: options.differentiable ?? false,
    };
    if (options.lr !== undefined) checkNonNegative("learning rate", o.lr);
    checkNonNegative("momentum value", o.momentum);
    checkNonNegative("weight_decay value", o.weight_decay);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new ValueError(
        "Nesterov momentum requires a momentum and zero dampening",
      );
    }
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, momentum, dampening, weight_decay, nesterov, maximize } =
        group;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = this._state(p);
        let d_p = maximize ? p.grad.neg() : p.grad;
        if (weight_decay !== 0) d_p = d_p.add(p, { alpha: weight_decay });
        if (momentum !== 0) {
          let buf = (state.momentum_buffer ?? null) as Tensor | null;
          if (buf === null) buf = d_p.clone().detach();
          else buf.mul_(momentum).add_(d_p, { alpha: 1 - dampening });
          d_p = nesterov ? d_p.add(buf, { alpha: momentum }) : buf;
          state.momentum_buffer = buf;
        } else state.momentum_buffer = null;
        p.add_(d_p, { alpha: -lr });
      }
    });
  }
}
