// optim.NAdam and optim.RAdam: Adam with Nesterov momentum, and Adam with a rectified variance.

import type { Tensor } from "../tensor.ts";
import { tensor, zeros_like } from "../ops/creation.ts";
import { float32 } from "../dtype.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { addcdiv_, addcmul_, stepCounter } from "./_functional.ts";
import { checkBetas } from "./adam.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
} from "./optimizer.ts";

/** NAdam's hyperparameters, in PyTorch 1.13's order. */
export interface NAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** Momentum decay ψ of the momentum schedule μₜ = β₁(1 − ½·0.96^(tψ)). */
  momentum_decay: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
}

/** RAdam's hyperparameters, in PyTorch 1.13's order. */
export interface RAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
}

function checkCommon(
  o: { lr: number; eps: number; betas: [number, number]; weight_decay: number },
) {
  checkNonNegative("learning rate", o.lr);
  checkNonNegative("epsilon value", o.eps);
  checkBetas(o.betas);
  checkNonNegative("weight_decay value", o.weight_decay);
}

/** Adam's lazily made state: a float32 step counter and the two moments (plus NAdam's μ product). */
function adamState(
  opt: Optimizer,
  p: Tensor,
  extra: Record<string, Tensor> = {},
) {
  const state = opt._state(p);
  if (Object.keys(state).length === 0) {
    state.step = tensor(0, { dtype: float32 });
    Object.assign(state, extra);
    state.exp_avg = zeros_like(p);
    state.exp_avg_sq = zeros_like(p);
  }
  return state;
}

/**
 * `optim.NAdam(params, { lr = 2e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0,
 * momentum_decay = 4e-3 })`: Adam with Nesterov momentum (Dozat 2016), PyTorch 1.13's update.
 * @example
 * const opt = new optim.NAdam(net.parameters(), { lr: 2e-3 });
 */
export class NAdam extends Optimizer<NAdamOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<NAdamOptions>,
    options: Partial<NAdamOptions> = {},
  ) {
    const o: NAdamOptions = {
      lr: options.lr ?? 2e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weight_decay: options.weight_decay ?? 0,
      momentum_decay: options.momentum_decay ?? 4e-3,
      foreach: options.foreach ?? null,
    };
    checkCommon(o);
    if (!(o.momentum_decay >= 0)) {
      throw new ValueError(`Invalid momentum_decay value: ${o.momentum_decay}`);
    }
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, eps, weight_decay, momentum_decay } = group;
      const [beta1, beta2] = group.betas;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = adamState(this, p, {
          mu_product: tensor(1, { dtype: float32 }),
        });
        let grad = p.grad;
        const step = stepCounter(state.step as Tensor);
        const bias_correction2 = 1 - beta2 ** step;
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentum_decay));
        const mu_next = beta1 *
          (1 - 0.5 * 0.96 ** ((step + 1) * momentum_decay));
        // The μ product is a float32 tensor in PyTorch, rounded as it is there.
        const mu_product = (state.mu_product as Tensor).mul_(mu);
        const mu_product_next = mu_product.mul(mu).mul(mu_next);
        const exp_avg = state.exp_avg as Tensor;
        const exp_avg_sq = state.exp_avg_sq as Tensor;
        exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2);
        const denom = exp_avg_sq.div(bias_correction2).sqrt().add_(eps);
        addcdiv_(
          p,
          grad,
          denom,
          (-lr * (1 - mu)) / (1 - (mu_product.item() as number)),
        );
        addcdiv_(
          p,
          exp_avg,
          denom,
          (-lr * mu_next) / (1 - (mu_product_next.item() as number)),
        );
      }
    });
  }
}

/**
 * `optim.RAdam(params, { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weight_decay = 0 })`:
 * Adam whose adaptive step is switched on, and rectified, once the variance estimate is
 * reliable (ρₜ > 5; Liu et al. 2019), PyTorch 1.13's update.
 * @example
 * const opt = new optim.RAdam(net.parameters(), { lr: 1e-3 });
 */
export class RAdam extends Optimizer<RAdamOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<RAdamOptions>,
    options: Partial<RAdamOptions> = {},
  ) {
    const o: RAdamOptions = {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weight_decay: options.weight_decay ?? 0,
      foreach: options.foreach ?? null,
    };
    checkCommon(o);
    super(params, o);
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, eps, weight_decay } = group;
      const [beta1, beta2] = group.betas;
      for (const p of group.params) {
        if (!p.grad) continue;
        const state = adamState(this, p);
        let grad = p.grad;
        const step = stepCounter(state.step as Tensor);
        const bias_correction1 = 1 - beta1 ** step;
        const bias_correction2 = 1 - beta2 ** step;
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const exp_avg = state.exp_avg as Tensor;
        const exp_avg_sq = state.exp_avg_sq as Tensor;
        exp_avg.mul_(beta1).add_(grad, { alpha: 1 - beta1 });
        addcmul_(exp_avg_sq.mul_(beta2), grad, grad, 1 - beta2);
        const corrected = exp_avg.div(bias_correction1);
        const rho_inf = 2 / (1 - beta2) - 1;
        const rho_t = rho_inf - (2 * step * beta2 ** step) / bias_correction2;
        if (rho_t > 5) {
          const rect = Math.sqrt(
            ((rho_t - 4) * (rho_t - 2) * rho_inf) /
              ((rho_inf - 4) * (rho_inf - 2) * rho_t),
          );
          // Python's `number / tensor` is `tensor.reciprocal() * number`.
          const adaptive_lr = exp_avg_sq.sqrt().add_(eps).reciprocal()
            .mul_(Math.sqrt(bias_correction2));
          p.add_(corrected.mul(lr).mul_(adaptive_lr).mul_(rect), { alpha: -1 });
        } else {
          p.add_(corrected.mul(lr), { alpha: -1 });
        }
      }
    });
  }
}

/** SparseAdam's hyperparameters, in PyTorch 1.13's order. */
export interface SparseAdamOptions {
  /** Learning rate. */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square. */
  betas: [number, number];
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * `optim.SparseAdam(params, { lr = 1e-3, betas, eps, maximize })`: Adam for sparse gradients.
 * flambeau has no sparse tensors, so every gradient is dense and `step()` raises PyTorch's own
 * error for a dense gradient (use `optim.Adam`).
 */
export class SparseAdam extends Optimizer<SparseAdamOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<SparseAdamOptions>,
    options: Partial<SparseAdamOptions> = {},
  ) {
    const o: SparseAdamOptions = {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      maximize: options.maximize ?? false,
    };
    if (!(o.lr > 0)) throw new ValueError(`Invalid learning rate: ${o.lr}`);
    if (!(o.eps > 0)) throw new ValueError(`Invalid epsilon value: ${o.eps}`);
    checkBetas(o.betas);
    super(params, o);
  }

  /** Raises for the dense gradients every flambeau tensor has, as PyTorch does for them. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      if (group.params.some((p) => p.grad)) {
        throw new RuntimeError(
          "SparseAdam does not support dense gradients, please consider Adam instead",
        );
      }
    });
  }
}
