// Loss modules (nn.MSELoss ... nn.KLDivLoss): the functional losses of ../losses.ts with their options stored.

import type { Tensor } from "../../tensor.ts";
import { Module } from "../module.ts";
import {
  type AnyReduction,
  type BCEOptions,
  type BCEWithLogitsOptions,
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  cross_entropy,
  type CrossEntropyOptions,
  kl_div,
  type KLDivOptions,
  l1_loss,
  mse_loss,
  nll_loss,
  type NLLOptions,
  type Reduction,
  reductionOf,
  type ReductionOptions,
  smooth_l1_loss,
  type SmoothL1Options,
} from "../losses.ts";

/** PyTorch's `_Loss`: the reduction, resolved from the legacy pair when either is given. */
class Loss extends Module {
  /** "mean", "sum" or "none" ("batchmean" for KLDivLoss). */
  reduction: string;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: AnyReduction = {}) {
    super();
    this.reduction = reductionOf(options);
  }
}

/** PyTorch's `_WeightedLoss`: a loss with a per-class `weight` buffer (null when not given). */
class WeightedLoss extends Loss {
  /** The rescaling weight buffer, or null. */
  declare weight: Tensor | null;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: NLLOptions = {}) {
    super(options);
    this.register_buffer("weight", options.weight ?? null);
  }
}

/**
 * `nn.MSELoss({ reduction })`: the mean squared error.
 * @example const loss = new nn.MSELoss()(torch.randn(3), torch.randn(3));
 */
export class MSELoss extends Loss {
  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return mse_loss(input, target, { reduction: this.reduction as Reduction });
  }
}

/**
 * `nn.L1Loss({ reduction })`: the mean absolute error.
 * @example const loss = new nn.L1Loss({ reduction: "sum" })(torch.randn(3), torch.randn(3));
 */
export class L1Loss extends Loss {
  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return l1_loss(input, target, { reduction: this.reduction as Reduction });
  }
}

/**
 * `nn.SmoothL1Loss({ reduction, beta })`: quadratic below beta, linear above.
 * @example const loss = new nn.SmoothL1Loss({ beta: 0.5 })(torch.randn(3), torch.randn(3));
 */
export class SmoothL1Loss extends Loss {
  /** Where the loss turns from quadratic to linear. */
  beta: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: SmoothL1Options = {}) {
    super(options);
    this.beta = options.beta ?? 1;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return smooth_l1_loss(input, target, {
      reduction: this.reduction as Reduction,
      beta: this.beta,
    });
  }
}

/**
 * `nn.NLLLoss({ weight, ignore_index, reduction })`: the negative log-likelihood of class indices.
 * @example const loss = new nn.NLLLoss()(torch.randn(3, 5).log_softmax(1), torch.tensor([1, 0, 4]));
 */
export class NLLLoss extends WeightedLoss {
  /** The target value that is left out. */
  ignore_index: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: NLLOptions = {}) {
    super(options);
    this.ignore_index = options.ignore_index ?? -100;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return nll_loss(input, target, {
      weight: this.weight,
      ignore_index: this.ignore_index,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.CrossEntropyLoss({ weight, ignore_index, reduction, label_smoothing })`.
 * @example
 * const criterion = new nn.CrossEntropyLoss();
 * const loss = criterion(torch.randn(3, 5), torch.tensor([1, 0, 4]));
 */
export class CrossEntropyLoss extends WeightedLoss {
  /** The target value that is left out. */
  ignore_index: number;
  /** The weight of the uniform distribution mixed into the target. */
  label_smoothing: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: CrossEntropyOptions = {}) {
    super(options);
    this.ignore_index = options.ignore_index ?? -100;
    this.label_smoothing = options.label_smoothing ?? 0;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return cross_entropy(input, target, {
      weight: this.weight,
      ignore_index: this.ignore_index,
      reduction: this.reduction as Reduction,
      label_smoothing: this.label_smoothing,
    });
  }
}

/**
 * `nn.BCELoss({ weight, reduction })`: the binary cross entropy of probabilities.
 * @example const loss = new nn.BCELoss()(torch.rand(3), torch.tensor([1, 0, 1], { dtype: torch.float32 }));
 */
export class BCELoss extends WeightedLoss {
  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: BCEOptions = {}) {
    super(options);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binary_cross_entropy(input, target, {
      weight: this.weight,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.BCEWithLogitsLoss({ weight, reduction, pos_weight })`: sigmoid and binary cross entropy in
 * one stable step; `weight` and `pos_weight` are buffers.
 * @example const loss = new nn.BCEWithLogitsLoss({ pos_weight: torch.ones(3) })(torch.randn(2, 3), torch.rand(2, 3));
 */
export class BCEWithLogitsLoss extends Loss {
  /** The rescaling weight buffer, or null. */
  declare weight: Tensor | null;
  /** The positive-class weight buffer, or null. */
  declare pos_weight: Tensor | null;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: BCEWithLogitsOptions = {}) {
    super(options);
    this.register_buffer("weight", options.weight ?? null);
    this.register_buffer("pos_weight", options.pos_weight ?? null);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return binary_cross_entropy_with_logits(input, target, {
      weight: this.weight,
      pos_weight: this.pos_weight,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.KLDivLoss({ reduction, log_target })`: the KL divergence of log-probabilities from a target.
 * @example const loss = new nn.KLDivLoss({ reduction: "batchmean" })(torch.randn(2, 3).log_softmax(1), torch.rand(2, 3));
 */
export class KLDivLoss extends Loss {
  /** Whether the target holds log-probabilities. */
  log_target: boolean;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: KLDivOptions = {}) {
    super(options);
    this.log_target = options.log_target ?? false;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return kl_div(input, target, {
      reduction: this.reduction as Reduction | "batchmean",
      log_target: this.log_target,
    });
  }
}
