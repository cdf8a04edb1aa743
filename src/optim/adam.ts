// optim.Adam and optim.AdamW (decoupled weight decay), with AMSGrad and maximize.

import type { Tensor } from "../tensor.ts";
import { tensor, zeros_like } from "../ops/creation.ts";
import { float32 } from "../dtype.ts";
import { ValueError } from "../errors.ts";
import { addcdiv_, addcmul_, stepCounter } from "./_functional.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type ParamGroup,
  type Params,
} from "./optimizer.ts";

/** Adam's and AdamW's hyperparameters. */
export interface AdamOptions {
  /** Learning rate. */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** Use the AMSGrad variant (the running maximum of the second moment). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** PyTorch's CUDA-graph switch: kept for state_dict compatibility. */
  capturable: boolean;
  /** PyTorch's differentiable switch: kept for state_dict compatibility (always false here). */
  differentiable: boolean;
  /** PyTorch's fused-kernel switch: kept for state_dict compatibility. */
  fused: boolean;
}

/** PyTorch's check of Adam-style betas: each in [0, 1). */
export function checkBetas(betas: [number, number]): void {
  betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) {
      throw new ValueError(`Invalid beta parameter at index ${i}: ${b}`);
    }
  });
}

function checkAdam(o: AdamOptions): void {
  checkNonNegative("learning rate", o.lr);
  checkNonNegative("epsilon value", o.eps);
  checkBetas(o.betas);
  checkNonNegative("weight_decay value", o.weight_decay);
}

function options(o: Partial<AdamOptions>, weight_decay: number): AdamOptions {
  return {
    lr: o.lr ?? 1e-3,
    betas: o.betas ?? [0.9, 0.999],
    eps: o.eps ?? 1e-8,
    weight_decay: o.weight_decay ?? weight_decay,
    amsgrad: o.amsgrad ?? false,
    maximize: o.maximize ?? false,
    foreach: o.foreach ?? null,
    capturable: o.capturable ?? false,
    differentiable: o.differentiable ?? false,
    fused: o.fused ?? false,
  };
}

/**
 * One group's Adam(W) update, PyTorch 1.13's `_single_tensor_adam(w)` with capturable off:
 * m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − (γ/(1−β₁ᵗ)) m / (√v̂/√(1−β₂ᵗ) + ε).
 */
function adamUpdate(
  opt: Adam | AdamW,
  group: ParamGroup<AdamOptions>,
  decoupled: boolean,
): void {
  const { lr, eps, weight_decay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  for (const p of group.params) {
    if (!p.grad) continue;
    const state = opt._state(p);
    if (Object.keys(state).length === 0) {
      state.step = tensor(0, { dtype: float32 });
      state.exp_avg = zeros_like(p);
      state.exp_avg_sq = zeros_like(p);
      if (amsgrad) state.max_exp_avg_sq = zeros_like(p);
    }
    let grad = maximize ? p.grad.neg() : p.grad;
    const exp_avg = state.exp_avg as Tensor;
    const exp_avg_sq = state.exp_avg_sq as Tensor;
    const step = stepCounter(state.step as Tensor);
    if (decoupled) p.mul_(1 - lr * weight_decay);
    else if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
    exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
    addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2);
    const bias_correction1 = 1 - beta1 ** step;
    const bias_correction2 = 1 - beta2 ** step;
    const step_size = lr / bias_correction1;
    const bias_correction2_sqrt = Math.sqrt(bias_correction2);
    let v = exp_avg_sq;
    if (amsgrad) {
      const max = state.max_exp_avg_sq as Tensor;
      max.copy_(max.maximum(exp_avg_sq));
      v = max;
    }
    const denom = v.sqrt().div(bias_correction2_sqrt).add_(eps);
    addcdiv_(p, exp_avg, denom, -step_size);
  }
}

/**
 * `optim.Adam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0,
 * amsgrad = false, maximize = false })`; weight decay is an L2 term added to the gradient.
 * @example
 * const opt = new optim.Adam(net.parameters(), { lr: 1e-3 });
 * opt.zero_grad(); loss.backward(); opt.step();
 */
export class Adam extends Optimizer<AdamOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    const o = options(opts, 0);
    checkAdam(o);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (g) => adamUpdate(this, g, false));
  }
}

/**
 * `optim.AdamW(params, { lr = 1e-3, betas, eps, weight_decay = 1e-2, amsgrad, maximize })`:
 * Adam with decoupled weight decay, θ ← θ(1 − γλ) before the Adam step.
 * @example
 * const opt = new optim.AdamW(net.parameters(), { lr: 1e-3, weight_decay: 0.01 });
 * opt.zero_grad(); loss.backward(); opt.step();
 */
export class AdamW extends Optimizer<AdamOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(params: Params<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    const o = options(opts, 1e-2);
    checkAdam(o);
    // 1.13's AdamW has neither `differentiable` nor `fused`, and lists foreach before maximize.
    const {
      lr,
      betas,
      eps,
      weight_decay,
      amsgrad,
      foreach,
      maximize,
      capturable,
    } = o;
    const defaults = {
      lr,
      betas,
      eps,
      weight_decay,
      amsgrad,
      foreach,
      maximize,
      capturable,
    };
    super(params, defaults as AdamOptions);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (g) => adamUpdate(this, g, true));
  }
}
