// optim.Adagrad: per-coordinate learning rates from the sum of squared gradients.

import type { Tensor } from "../tensor.ts";
import { float32 } from "../dtype.ts";
import { full_like, tensor } from "../ops/creation.ts";
import { addcdiv_, addcmul_, stepCounter } from "./_functional.ts";
import {
  checkNonNegative,
  type Closure,
  Optimizer,
  type Params,
  type ParamState,
} from "./optimizer.ts";

/** Adagrad's hyperparameters. */
export interface AdagradOptions {
  /** Learning rate. */
  lr: number;
  /** Learning-rate decay per step. */
  lr_decay: number;
  /** Term added to the denominator for numerical stability. */
  eps: number;
  /** Weight decay (L2 penalty). */
  weight_decay: number;
  /** Starting value of the squared-gradient sums. */
  initial_accumulator_value: number;
  /** PyTorch's foreach switch: kept for state_dict compatibility; the update is always the for-loop one. */
  foreach: boolean | null;
  /** Maximize the objective instead of minimizing it. */
  maximize: boolean;
}

/**
 * `optim.Adagrad(params, { lr = 1e-2, lr_decay = 0, weight_decay = 0,
 * initial_accumulator_value = 0, eps = 1e-10, maximize = false })`:
 * s ← s + g²; θ ← θ − (γ / (1 + (t−1)η)) g / (√s + ε).
 * @example
 * const opt = new optim.Adagrad(net.parameters(), { lr: 0.1 });
 * opt.zero_grad(); loss.backward(); opt.step();
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  /** Checks the hyperparameters as PyTorch does and builds the parameter groups. */
  constructor(
    params: Params<AdagradOptions>,
    options: Partial<AdagradOptions> = {},
  ) {
    const o: AdagradOptions = {
      lr: options.lr ?? 1e-2,
      lr_decay: options.lr_decay ?? 0,
      eps: options.eps ?? 1e-10,
      weight_decay: options.weight_decay ?? 0,
      initial_accumulator_value: options.initial_accumulator_value ?? 0,
      foreach: options.foreach ?? null,
      maximize: options.maximize ?? false,
    };
    checkNonNegative("learning rate", o.lr);
    checkNonNegative("lr_decay value", o.lr_decay);
    checkNonNegative("weight_decay value", o.weight_decay);
    checkNonNegative(
      "initial_accumulator_value value",
      o.initial_accumulator_value,
    );
    checkNonNegative("epsilon value", o.eps);
    super(params, o);
    // Adagrad makes its state up front, as PyTorch does in its constructor; like PyTorch, every
    // group starts from the constructor's initial_accumulator_value, whatever the group says.
    for (const group of this.param_groups) {
      for (const p of group.params) this.initState(p);
    }
  }

  private initState(p: Tensor): ParamState {
    const state = this._state(p);
    if (Object.keys(state).length === 0) {
      state.step = tensor(0, { dtype: float32 });
      state.sum = full_like(
        p,
        this.defaults.initial_accumulator_value as number,
      );
    }
    return state;
  }

  /** One update of every parameter that has a gradient; returns the closure's loss, if given. */
  step(closure?: Closure): Tensor | number | undefined {
    return this._step(closure, (group) => {
      const { lr, weight_decay, lr_decay, eps, maximize } = group;
      for (const p of group.params) {
        if (!p.grad) continue;
        // Groups added later get their state here (PyTorch would fail with a KeyError).
        const state = this.initState(p);
        const step = stepCounter(state.step as Tensor);
        let grad = maximize ? p.grad.neg() : p.grad;
        if (weight_decay !== 0) grad = grad.add(p, { alpha: weight_decay });
        const clr = lr / (1 + (step - 1) * lr_decay);
        const sum = state.sum as Tensor;
        addcmul_(sum, grad, grad, 1);
        const std = sum.sqrt().add_(eps);
        addcdiv_(p, grad, std, -clr);
      }
    });
  }
}
