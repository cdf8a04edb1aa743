// Loss modules (nn.MSELoss ... nn.MultiLabelSoftMarginLoss): the functional losses of ../losses.ts with their options stored.

import type { Tensor } from "../../tensor.ts";
import { Module } from "../module.ts";
import {
  type AnyReduction,
  type BCEOptions,
  type BCEWithLogitsOptions,
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  cosine_embedding_loss,
  cross_entropy,
  type CrossEntropyOptions,
  gaussian_nll_loss,
  type GaussianNLLOptions,
  hinge_embedding_loss,
  huber_loss,
  type HuberOptions,
  kl_div,
  type KLDivOptions,
  l1_loss,
  margin_ranking_loss,
  type MarginOptions,
  mse_loss,
  multilabel_soft_margin_loss,
  type MultiLabelSoftMarginOptions,
  nll_loss,
  type NLLOptions,
  poisson_nll_loss,
  type PoissonNLLOptions,
  type Reduction,
  reductionOf,
  type ReductionOptions,
  smooth_l1_loss,
  type SmoothL1Options,
  soft_margin_loss,
  triplet_margin_loss,
  type TripletMarginOptions,
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

/**
 * `nn.HuberLoss({ reduction, delta })`: quadratic below delta, delta-scaled linear above.
 * @example const loss = new nn.HuberLoss({ delta: 0.5 })(torch.randn(3), torch.randn(3));
 */
export class HuberLoss extends Loss {
  /** Where the loss turns from quadratic to linear. */
  delta: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: HuberOptions = {}) {
    super({ reduction: options.reduction });
    this.delta = options.delta ?? 1;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return huber_loss(input, target, {
      reduction: this.reduction as Reduction,
      delta: this.delta,
    });
  }
}

/**
 * `nn.MarginRankingLoss({ margin, reduction })`: max(0, -y (x1 - x2) + margin).
 * @example const loss = new nn.MarginRankingLoss({ margin: 0.5 })(torch.randn(3), torch.randn(3), torch.tensor([1, -1, 1]));
 */
export class MarginRankingLoss extends Loss {
  /** The margin. */
  margin: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: MarginOptions = {}) {
    super(options);
    this.margin = options.margin ?? 0;
  }

  /** The loss of ranking `input1` against `input2` as `target` says. */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return margin_ranking_loss(input1, input2, target, {
      margin: this.margin,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.HingeEmbeddingLoss({ margin, reduction })`: x where y = 1, max(0, margin - x) where y = -1.
 * @example const loss = new nn.HingeEmbeddingLoss()(torch.rand(3), torch.tensor([1, -1, 1]));
 */
export class HingeEmbeddingLoss extends Loss {
  /** The margin. */
  margin: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: MarginOptions = {}) {
    super(options);
    this.margin = options.margin ?? 1;
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return hinge_embedding_loss(input, target, {
      margin: this.margin,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.SoftMarginLoss({ reduction })`: the two-class logistic loss log(1 + exp(-y x)).
 * @example const loss = new nn.SoftMarginLoss()(torch.randn(3), torch.tensor([1, -1, 1]));
 */
export class SoftMarginLoss extends Loss {
  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: ReductionOptions = {}) {
    super(options);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return soft_margin_loss(input, target, {
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.CosineEmbeddingLoss({ margin, reduction })`: 1 - cos(x1, x2) where y = 1,
 * max(0, cos(x1, x2) - margin) where y = -1.
 * @example const loss = new nn.CosineEmbeddingLoss()(torch.randn(2, 4), torch.randn(2, 4), torch.tensor([1, -1]));
 */
export class CosineEmbeddingLoss extends Loss {
  /** The margin. */
  margin: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: MarginOptions = {}) {
    super(options);
    this.margin = options.margin ?? 0;
  }

  /** The loss of the pairs (`input1`, `input2`) labelled by `target`. */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return cosine_embedding_loss(input1, input2, target, {
      margin: this.margin,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.TripletMarginLoss({ margin, p, eps, swap, reduction })`:
 * max(0, margin + d(a, p) - d(a, n)) with d the pairwise p-norm distance.
 * @example const loss = new nn.TripletMarginLoss()(torch.randn(2, 4), torch.randn(2, 4), torch.randn(2, 4));
 */
export class TripletMarginLoss extends Loss {
  /** The margin. */
  margin: number;
  /** The norm degree of the distance. */
  p: number;
  /** Added to the difference before its norm is taken. */
  eps: number;
  /** Whether the positive-negative distance may stand in for the anchor-negative one. */
  swap: boolean;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: TripletMarginOptions = {}) {
    super(options);
    this.margin = options.margin ?? 1;
    this.p = options.p ?? 2;
    this.eps = options.eps ?? 1e-6;
    this.swap = options.swap ?? false;
  }

  /** The loss of the triplets (`anchor`, `positive`, `negative`). */
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return triplet_margin_loss(anchor, positive, negative, {
      margin: this.margin,
      p: this.p,
      eps: this.eps,
      swap: this.swap,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.PoissonNLLLoss({ log_input, full, eps, reduction })`: the negative log-likelihood of a
 * Poisson target given its (log-)rate.
 * @example const loss = new nn.PoissonNLLLoss()(torch.randn(4), torch.tensor([0, 1, 3, 2], { dtype: torch.float32 }));
 */
export class PoissonNLLLoss extends Loss {
  /** Whether the input is the log of the rate. */
  log_input: boolean;
  /** Whether Stirling's term is added. */
  full: boolean;
  /** Added to the rate before its log is taken when `log_input` is false. */
  eps: number;

  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: PoissonNLLOptions = {}) {
    super(options);
    this.log_input = options.log_input ?? true;
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-8;
  }

  /** The loss of the (log-)rate `log_input` against `target` (PyTorch's parameter name). */
  forward(log_input: Tensor, target: Tensor): Tensor {
    return poisson_nll_loss(log_input, target, {
      log_input: this.log_input,
      full: this.full,
      eps: this.eps,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.GaussianNLLLoss({ full, eps, reduction })`: the negative log-likelihood of `target` under
 * a Gaussian of mean `input` and variance `var`.
 * @example const loss = new nn.GaussianNLLLoss()(torch.randn(3, 2), torch.randn(3, 2), torch.ones(3, 1));
 */
export class GaussianNLLLoss extends Loss {
  /** Whether the constant 0.5 log(2π) is added. */
  full: boolean;
  /** The floor on the variance. */
  eps: number;

  /** Stores the options, PyTorch's keyword arguments (keyword-only in PyTorch). */
  constructor(options: GaussianNLLOptions = {}) {
    super({ reduction: options.reduction });
    this.full = options.full ?? false;
    this.eps = options.eps ?? 1e-6;
  }

  /** The loss of `target` under means `input` and variances `variance` (PyTorch's `var`). */
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return gaussian_nll_loss(input, target, variance, {
      full: this.full,
      eps: this.eps,
      reduction: this.reduction as Reduction,
    });
  }
}

/**
 * `nn.MultiLabelSoftMarginLoss({ weight, reduction })`: the one-versus-all logistic loss of
 * multi-label 0/1 targets, averaged over the classes; `weight` is a buffer.
 * @example const loss = new nn.MultiLabelSoftMarginLoss()(torch.randn(2, 3), torch.tensor([[1, 0, 1], [0, 0, 1]], { dtype: torch.float32 }));
 */
export class MultiLabelSoftMarginLoss extends WeightedLoss {
  /** Stores the options, PyTorch's keyword arguments. */
  constructor(options: MultiLabelSoftMarginOptions = {}) {
    super(options);
  }

  /** The loss of `input` against `target`. */
  forward(input: Tensor, target: Tensor): Tensor {
    return multilabel_soft_margin_loss(input, target, {
      weight: this.weight,
      reduction: this.reduction as Reduction,
    });
  }
}
