// Loss functions (F.mse_loss ... F.kl_div) with PyTorch 1.13's semantics and messages; the nn
// loss modules over them are in modules/loss.ts.

import { int64, uint8 } from "../dtype.ts";
import { IndexError, RuntimeError, ValueError } from "../errors.ts";
import { broadcastShapes, sameShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { log_softmax } from "../ops/activation.ts";
import { sub, where } from "../ops/elementwise.ts";
import { is_grad_enabled, no_grad } from "../autograd/grad_mode.ts";
import { record } from "../autograd/record.ts";
import { gatherImpl } from "../ops/indexing.ts";
import { assertNone } from "../ops/core.ts";

/** How a loss reduces its per-element values: averaged, summed, or returned as they are. */
export type Reduction = "mean" | "sum" | "none";

/** The reduction keywords every loss takes (`size_average`/`reduce` are PyTorch's deprecated pair). */
export interface ReductionOptions {
  /** "mean" (the default), "sum" or "none". */
  reduction?: Reduction;
  /** Deprecated: false sums instead of averaging (with `reduce`, it replaces `reduction`). */
  size_average?: boolean | null;
  /** Deprecated: false returns the loss per element. */
  reduce?: boolean | null;
}

/** Options of `smooth_l1_loss` / `SmoothL1Loss`. */
export interface SmoothL1Options extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1). */
  beta?: number;
}

/** Options of `nll_loss` / `NLLLoss`. */
export interface NLLOptions extends ReductionOptions {
  /** A rescaling weight per class, shape [C]. */
  weight?: Tensor | null;
  /** Targets equal to it add nothing to the loss, nor to the mean's denominator (default -100). */
  ignore_index?: number;
}

/** Options of `cross_entropy` / `CrossEntropyLoss`. */
export interface CrossEntropyOptions extends NLLOptions {
  /** Mixes the target with the uniform distribution: (1 - ε) target + ε / C (default 0). */
  label_smoothing?: number;
}

/** Options of `binary_cross_entropy` / `BCELoss`. */
export interface BCEOptions extends ReductionOptions {
  /** A rescaling weight, broadcast to the target's shape. */
  weight?: Tensor | null;
}

/** Options of `binary_cross_entropy_with_logits` / `BCEWithLogitsLoss`. */
export interface BCEWithLogitsOptions extends BCEOptions {
  /** A weight on the positive term, broadcast over the input (one per class, usually). */
  pos_weight?: Tensor | null;
}

/** Options of `kl_div` / `KLDivLoss`. */
export interface KLDivOptions extends Omit<ReductionOptions, "reduction"> {
  /** "batchmean" divides the sum by the batch size, which is the mathematical KL divergence. */
  reduction?: Reduction | "batchmean";
  /** The target holds log-probabilities (default false). */
  log_target?: boolean;
}

/** The reduction keywords with any reduction name, as the loss modules store them. */
export type AnyReduction = Omit<ReductionOptions, "reduction"> & {
  reduction?: string;
};

/** PyTorch's `_Reduction.legacy_get_string`: size_average and reduce, both defaulting to true. */
function legacyReduction(o: AnyReduction): Reduction {
  const sizeAverage = o.size_average ?? true, reduce = o.reduce ?? true;
  return sizeAverage && reduce ? "mean" : reduce ? "sum" : "none";
}

/** The reduction a loss uses: the legacy pair when either is given, else `reduction`. */
export function reductionOf(o: AnyReduction): string {
  if (o.size_average != null || o.reduce != null) return legacyReduction(o);
  return o.reduction ?? "mean";
}

/** PyTorch's `_Reduction.get_enum`: the name checked ("elementwise_mean" is the old "mean"). */
function checkReduction(r: string): Reduction {
  if (r === "elementwise_mean") return "mean";
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new ValueError(`${r} is not a valid value for reduction`);
  }
  return r;
}

function reduce(loss: Tensor, r: Reduction): Tensor {
  return r === "none" ? loss : r === "sum" ? loss.sum() : loss.mean();
}

const dims = (s: readonly number[]) => `[${s.join(", ")}]`;
const torchSize = (s: readonly number[]) => `torch.Size(${dims(s)})`;

/**
 * `F.mse_loss(input, target, { reduction })`: (input - target)², reduced; target broadcasts.
 * @example F.mse_loss(torch.tensor([0.5, 2]), torch.tensor([1.5, 4])) // tensor(2.5000)
 */
export function mse_loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions = {},
): Tensor {
  const d = input.sub(target);
  return reduce(d.mul(d), checkReduction(reductionOf(options)));
}

/**
 * `F.l1_loss(input, target, { reduction })`: |input - target|, reduced (its gradient is 0 where they meet).
 * @example F.l1_loss(torch.tensor([0.5, 2]), torch.tensor([1.5, 4])) // tensor(1.5000)
 */
export function l1_loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions = {},
): Tensor {
  return reduce(
    input.sub(target).abs(),
    checkReduction(reductionOf(options)),
  );
}

/**
 * `F.smooth_l1_loss(input, target, { beta, reduction })`: with z = |input - target|, 0.5 z² / beta
 * where z < beta and z - 0.5 beta beyond, so the two pieces meet with equal value and slope.
 * @example F.smooth_l1_loss(torch.tensor([0, 3]), torch.tensor([0.5, 0])) // tensor(1.3125)
 */
export function smooth_l1_loss(
  input: Tensor,
  target: Tensor,
  options: SmoothL1Options = {},
): Tensor {
  const beta = options.beta ?? 1;
  // At beta = 0 the quadratic piece is 0/0; PyTorch hands that case to l1_loss.
  if (beta === 0) return l1_loss(input, target, options);
  const d = input.sub(target);
  const r = checkReduction(reductionOf(options));
  if (beta < 0) {
    throw new RuntimeError(
      "smooth_l1_loss does not support negative values for beta.",
    );
  }
  const z = d.abs();
  return reduce(
    where(z.lt(beta), d.mul(d).mul(0.5 / beta), z.sub(0.5 * beta)),
    r,
  );
}

/** Checks a class weight against C classes; `message` is PyTorch's for the path taken. */
function checkWeight(
  weight: Tensor | null | undefined,
  ok: (w: Tensor) => boolean,
  message: string,
): void {
  if (weight && !ok(weight)) throw new RuntimeError(message);
}

/**
 * The shared core of nll_loss and cross_entropy (PyTorch's nll_loss_nd): input [N, C, d1...] or
 * [C], target [N, d1...] or [] of class indices. Each non-ignored target picks -w[t] · input[t];
 * "mean" divides the sum by the total weight of the non-ignored targets.
 */
function nllCore(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null | undefined,
  r: Reduction,
  ignore_index: number,
): { loss: Tensor; keep: Tensor; totalWeight: Tensor } {
  const n = input.dim(), ish = input._shape, tsh = target._shape;
  if (n < 1) throw new ValueError(`Expected 1 or more dimensions (got ${n})`);
  if (n !== 1 && ish[0] !== (tsh[0] ?? 0)) {
    throw new ValueError(
      `Expected input batch_size (${ish[0]}) to match target batch_size (${
        tsh[0] ?? 0
      }).`,
    );
  }
  const classDim = n === 1 ? 0 : 1, C = ish[classDim];
  if (n <= 2) {
    if (target.dim() > 1) {
      throw new RuntimeError(
        "0D or 1D target tensor expected, multi-target not supported",
      );
    }
    if (!(n === 1 && target.dim() === 0) && ish[0] !== tsh[0]) {
      throw new RuntimeError(
        `size mismatch (got input: ${dims(ish)}, target: ${dims(tsh)})`,
      );
    }
    checkWeight(
      weight,
      (w) => w.dim() === 1 && w.numel() === C,
      `weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${
        dims(weight?._shape ?? [])
      }`,
    );
  } else {
    // PyTorch folds every K-dimensional case into its 2-D spatial kernel (nll_loss2d).
    const want = [ish[0], ...ish.slice(2)];
    if (n !== 4 && !sameShape(tsh, want)) {
      throw new RuntimeError(
        `Expected target size ${dims(want)}, got ${dims(tsh)}`,
      );
    }
    if (n === 4 && target.dim() !== 3) {
      throw new RuntimeError(
        `only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.dim()}`,
      );
    }
    checkWeight(
      weight,
      (w) => w.numel() === C,
      "weight tensor should be defined either for all or no classes",
    );
    if (n === 4 && !sameShape(tsh, want)) {
      throw new RuntimeError(
        `size mismatch (got input: ${dims(ish)} , target: ${dims(tsh)}`,
      );
    }
  }
  if (target.dtype !== int64 && target.dtype !== uint8) {
    throw new RuntimeError(
      `expected scalar type Long but found ${target.dtype.scalar_name}`,
    );
  }
  if (weight && weight.dtype !== input.dtype) {
    throw new RuntimeError(
      `expected scalar type ${input.dtype.scalar_name} but found ${weight.dtype.scalar_name}`,
    );
  }
  // The targets are checked here, once, so that the gathers below need no check of their own.
  // On a device the check is a device-side assert: its error comes at the next read.
  const outside = target.lt(0).logical_or(target.ge(C)).logical_and(
    target.ne(ignore_index),
  );
  assertNone(
    outside,
    target,
    (v) => new IndexError(`Target ${v} is out of bounds.`),
  );
  const keep = target.ne(ignore_index);
  // Ignored places pick class 0 (any valid index) and are then masked out.
  const safe = where(keep, target.long(), 0);
  const picked = gatherImpl(
    input,
    classDim,
    safe.unsqueeze(classDim),
    {},
    true,
  ).squeeze(classDim);
  const w = weight
    ? gatherImpl(weight, 0, safe.reshape(-1), {}, true).reshape(tsh)
    : null;
  const totalWeight = where(keep, w ?? 1, 0).to(input.dtype);
  // where (not a product with the mask) writes +0 at ignored places, as PyTorch does.
  const each = where(keep, w ? picked.mul(w).neg() : picked.neg(), 0);
  const loss = r === "none"
    ? each
    : r === "sum"
    ? each.sum()
    : each.sum().div(totalWeight.sum());
  return { loss, keep, totalWeight };
}

/**
 * `F.nll_loss(input, target, { weight, ignore_index, reduction })`: the negative log-likelihood of
 * class-index targets, given log-probabilities `input` of shape [N, C, d1...] (or [C]).
 * @example F.nll_loss(torch.log_softmax(torch.randn(3, 5), 1), torch.tensor([1, 0, 4]))
 */
export function nll_loss(
  input: Tensor,
  target: Tensor,
  options: NLLOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  return nllCore(input, target, options.weight, r, options.ignore_index ?? -100)
    .loss;
}

/** The class weight shaped to broadcast along the class dim of an input of `rank` dims. */
function classView(weight: Tensor, rank: number): Tensor {
  if (rank <= 1) return weight;
  const shape = new Array<number>(rank).fill(1);
  shape[1] = weight.numel();
  return weight.reshape(shape);
}

function checkSmoothing(ls: number): void {
  if (ls > 1) {
    throw new RuntimeError(
      `label_smoothing must be between 0.0 and 1.0. Got: ${ls}`,
    );
  }
}

/**
 * `F.cross_entropy(input, target, { weight, ignore_index, label_smoothing, reduction })`:
 * log_softmax over the class dim (1, or 0 for an unbatched [C] input) followed by the negative
 * log-likelihood. The target holds class indices ([N] or [N, d1...], int64 or uint8) or, when it
 * has the input's shape, class probabilities.
 * @example
 * F.cross_entropy(torch.randn(3, 5), torch.tensor([1, 0, 4]), { label_smoothing: 0.1 })
 * F.cross_entropy(torch.randn(3, 5), torch.randn(3, 5).softmax(1))
 */
export function cross_entropy(
  input: Tensor,
  target: Tensor,
  options: CrossEntropyOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  const weight = options.weight ?? null;
  const ignore = options.ignore_index ?? -100;
  const ls = options.label_smoothing ?? 0;
  const classDim = input.dim() === 1 ? 0 : 1;
  if (sameShape(input._shape, target._shape)) {
    return probabilityTargets(input, target, weight, r, ignore, ls, classDim);
  }
  if (ls <= 0) {
    return nllCore(log_softmax(input, classDim), target, weight, r, ignore)
      .loss;
  }
  // Label smoothing with indices: (1 - ε) · nll + ε/C · Σ_c -w_c log p_c, the second term over
  // the same non-ignored targets (and, for "mean", the same total weight) as the first.
  checkSmoothing(ls);
  const logp = log_softmax(input, classDim);
  const nll = nllCore(logp, target, weight, r, ignore);
  const C = input._shape[classDim];
  const perClass = weight ? logp.mul(classView(weight, logp.dim())) : logp;
  const smooth = where(nll.keep, perClass.sum(classDim).neg(), 0);
  const smoothed = r === "none"
    ? smooth
    : r === "sum"
    ? smooth.sum()
    : smooth.sum().div(nll.totalWeight.sum());
  return nll.loss.mul(1 - ls).add(smoothed.mul(ls / C));
}

/** Cross entropy against class probabilities: -Σ_c w_c t_c log p_c per sample; "mean" divides by N·d1·…. */
function probabilityTargets(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  r: Reduction,
  ignore: number,
  ls: number,
  classDim: number,
): Tensor {
  if (!target.dtype.is_floating_point) {
    throw new RuntimeError(
      `Expected floating point type for target with class probabilities, got ${target.dtype.scalar_name}`,
    );
  }
  if (ignore >= 0) {
    throw new RuntimeError(
      "ignore_index is not supported for floating point target",
    );
  }
  const C = input._shape[classDim];
  checkWeight(
    weight,
    (w) => w.dim() === 1 && w.numel() === C,
    `cross_entropy: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${
      dims(weight?._shape ?? [])
    }`,
  );
  const logp = log_softmax(input, classDim);
  let t = target;
  if (ls > 0) {
    checkSmoothing(ls);
    t = target.mul(1 - ls).add(ls / C);
  }
  let prod = logp.mul(t);
  if (weight) prod = prod.mul(classView(weight, logp.dim()));
  if (r === "none") return prod.sum(classDim).neg();
  if (r === "sum") return prod.sum().neg();
  return prod.sum().neg().div(input.numel() / C);
}

/** PyTorch's floor on x (1 - x) in the BCE gradient: the float 1e-12, widened. */
const EPSILON = Math.fround(1e-12);

/**
 * The binary cross entropy as one graph node, as PyTorch: -w (t log x + (1 - t) log(1 - x)) with
 * each log clamped at -100, so that x = 0 or 1 gives a finite loss. Its gradient is PyTorch's,
 * w (x - t) / max(x (1 - x), 1e-12), finite there too (a composition would give 0 or NaN).
 */
function bceNode(
  x: Tensor,
  t: Tensor,
  w: Tensor | null,
  r: Reduction,
): Tensor {
  const shape = [...x._shape], n = x.numel();
  const out = no_grad(() => {
    // PyTorch's order of operations: (t - 1) log(1 - x) - t log(x), so a zero loss is +0.
    const log1mx = x.neg().log1p().clamp({ min: -100 });
    const each = t.sub(1).mul(log1mx).sub(t.mul(x.log().clamp({ min: -100 })));
    return reduce(w ? each.mul(w) : each, r);
  });
  record({
    name: "BinaryCrossEntropyBackward0",
    inputs: [x, t, w],
    outputs: [out],
    save: [x, t],
    backward: ([g], [xs, ts]) => {
      const ge = r === "none" ? g : (r === "mean" ? g.div(n) : g).expand(shape);
      const scale = w ? ge.mul(w) : ge;
      const gx = scale.mul(xs.sub(ts)).div(
        xs.mul(sub(1, xs)).clamp({ min: EPSILON }),
      );
      // d/dt = log(1 - x) - log(x) = -logit(x), unclamped as in PyTorch.
      const gt = scale.mul(sub(1, xs).log().sub(xs.log()));
      return [gx, gt, undefined];
    },
  });
  return out;
}

/**
 * `F.binary_cross_entropy(input, target, { weight, reduction })`: for probabilities `input` in
 * [0, 1], -w (t log x + (1 - t) log(1 - x)), each log clamped at -100 as in PyTorch.
 * @example F.binary_cross_entropy(torch.tensor([0.9, 0.2]), torch.tensor([1, 0], { dtype: torch.float32 }))
 */
export function binary_cross_entropy(
  input: Tensor,
  target: Tensor,
  options: BCEOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  if (!sameShape(input._shape, target._shape)) {
    throw new ValueError(
      `Using a target size (${
        torchSize(target._shape)
      }) that is different to the input size (${
        torchSize(input._shape)
      }) is deprecated. Please ensure they have the same size.`,
    );
  }
  let weight = options.weight ?? null;
  if (weight) {
    weight = weight.expand(broadcastShapes(target._shape, weight._shape));
  }
  for (const other of [target, weight]) {
    if (other && other.dtype !== input.dtype) {
      throw new RuntimeError(
        `Found dtype ${other.dtype.scalar_name} but expected ${input.dtype.scalar_name}`,
      );
    }
  }
  // NaN fails both comparisons, as in PyTorch's check.
  if (
    (input.reshape(-1).tolist() as number[]).some((v) => !(v >= 0 && v <= 1))
  ) {
    throw new RuntimeError("all elements of input should be between 0 and 1");
  }
  return bceNode(input, target, weight, r);
}

/**
 * `F.binary_cross_entropy_with_logits(input, target, { weight, pos_weight, reduction })`: the
 * binary cross entropy of sigmoid(input), computed from the logits without overflow:
 * (1 - t) x + (1 + (pos_weight - 1) t) · softplus(-x), softplus(-x) = m + log(e^-m + e^(-x-m))
 * with m = max(-x, 0), so no exponent is positive.
 * @example F.binary_cross_entropy_with_logits(torch.tensor([2.5, -1]), torch.tensor([1, 0.5]))
 */
export function binary_cross_entropy_with_logits(
  input: Tensor,
  target: Tensor,
  options: BCEWithLogitsOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  if (!sameShape(input._shape, target._shape)) {
    throw new ValueError(
      `Target size (${
        torchSize(target._shape)
      }) must be the same as input size (${torchSize(input._shape)})`,
    );
  }
  const m = input.neg().clamp({ min: 0 });
  const softplus = m.neg().exp().add(input.neg().sub(m).exp()).log().add(m);
  const pw = options.pos_weight;
  const logWeight = pw ? pw.sub(1).mul(target).add(1) : null;
  let loss = sub(1, target).mul(input).add(
    logWeight ? logWeight.mul(softplus) : softplus,
  );
  if (options.weight) loss = loss.mul(options.weight);
  return reduce(loss, r);
}

/**
 * `F.kl_div(input, target, { reduction, log_target })`: with log-probabilities `input`, the
 * pointwise KL divergence t (log t - input), taken as 0 where t = 0 (PyTorch's xlogy), or
 * e^t (t - input) when `log_target`. "batchmean" is the sum over the batch size, the true KL.
 * @example F.kl_div(torch.randn(2, 3).log_softmax(1), torch.randn(2, 3).softmax(1), { reduction: "batchmean" })
 */
export function kl_div(
  input: Tensor,
  target: Tensor,
  options: KLDivOptions = {},
): Tensor {
  const name = reductionOf(options);
  const r = name === "batchmean" ? "sum" : checkReduction(name);
  let each: Tensor;
  if (options.log_target) each = target.exp().mul(target.sub(input));
  else {
    // xlogy(t, t): the log of 1 where t = 0 keeps 0 · log 0 (and its gradient) out of the graph.
    const tlogt = target.mul(where(target.eq(0), 1, target).log());
    each = tlogt.sub(target.mul(input));
  }
  const out = reduce(each, r);
  return name === "batchmean" && input.dim() !== 0
    ? out.div(input._shape[0])
    : out;
}

/** Options of `huber_loss` / `HuberLoss` (no legacy size_average/reduce, as in PyTorch). */
export interface HuberOptions {
  /** "mean" (the default), "sum" or "none". */
  reduction?: Reduction;
  /** Where the loss turns from quadratic to linear (default 1, must be positive). */
  delta?: number;
}

/** Options of the margin losses (`margin_ranking_loss`, `hinge_embedding_loss`, `cosine_embedding_loss`). */
export interface MarginOptions extends ReductionOptions {
  /** The margin (default 0 for the ranking and cosine losses, 1 for the hinge loss). */
  margin?: number;
}

/** Options of `triplet_margin_loss` / `TripletMarginLoss`. */
export interface TripletMarginOptions extends MarginOptions {
  /** The norm degree of the pairwise distance (default 2). */
  p?: number;
  /** Added to the difference before its norm is taken (default 1e-6). */
  eps?: number;
  /** Use the positive-negative distance when it is the smaller (default false). */
  swap?: boolean;
}

/** Options of `poisson_nll_loss` / `PoissonNLLLoss`. */
export interface PoissonNLLOptions extends ReductionOptions {
  /** The input is the log of the rate (default true); otherwise the rate itself. */
  log_input?: boolean;
  /** Adds Stirling's approximation of log(target!) where target > 1 (default false). */
  full?: boolean;
  /** Added to the rate before its log is taken when `log_input` is false (default 1e-8). */
  eps?: number;
}

/** Options of `gaussian_nll_loss` / `GaussianNLLLoss` (no legacy size_average/reduce). */
export interface GaussianNLLOptions {
  /** Adds the constant 0.5 log(2π) (default false). */
  full?: boolean;
  /** The floor on the variance (default 1e-6); the gradient passes through it unchanged. */
  eps?: number;
  /** "mean" (the default), "sum" or "none". */
  reduction?: Reduction;
}

/** Options of `multilabel_soft_margin_loss` / `MultiLabelSoftMarginLoss`. */
export type MultiLabelSoftMarginOptions = BCEOptions;

/** The reduction check of PyTorch's Python-level losses (poisson_nll_loss, gaussian_nll_loss, ...). */
function checkReductionName(r: string): Reduction {
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new ValueError(`${r} is not valid`);
  }
  return r;
}

/**
 * `F.huber_loss(input, target, { reduction, delta })`: with z = |input - target|, 0.5 z² where
 * z < delta and delta (z - 0.5 delta) beyond; the target broadcasts.
 * @example F.huber_loss(torch.tensor([0, 3]), torch.tensor([0.5, 0])) // tensor(1.3125)
 */
export function huber_loss(
  input: Tensor,
  target: Tensor,
  options: HuberOptions = {},
): Tensor {
  const d = input.sub(target);
  const r = checkReduction(options.reduction ?? "mean");
  const delta = options.delta ?? 1;
  if (!(delta > 0)) {
    throw new RuntimeError(
      "huber_loss does not support non-positive values for delta.",
    );
  }
  const z = d.abs();
  return reduce(
    where(z.lt(delta), z.mul(0.5).mul(z), z.sub(0.5 * delta).mul(delta)),
    r,
  );
}

/**
 * `F.margin_ranking_loss(input1, input2, target, { margin, reduction })`:
 * max(0, -target (input1 - input2) + margin), target holding 1 (input1 should rank higher) or -1.
 * @example F.margin_ranking_loss(torch.tensor([1, 2]), torch.tensor([2, 0]), torch.tensor([1, 1]))
 */
export function margin_ranking_loss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: MarginOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  if (input1.dim() !== input2.dim() || input1.dim() !== target.dim()) {
    throw new RuntimeError(
      `margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: ${
        torchSize(input1._shape)
      }, input2: ${torchSize(input2._shape)}, target: ${
        torchSize(target._shape)
      } `,
    );
  }
  const margin = options.margin ?? 0;
  return reduce(
    target.neg().mul(input1.sub(input2)).add(margin).clamp({ min: 0 }),
    r,
  );
}

/**
 * `F.hinge_embedding_loss(input, target, { margin, reduction })`: the input where target is 1,
 * max(0, margin - input) where it is -1 (other target values add both terms, as in PyTorch).
 * @example F.hinge_embedding_loss(torch.tensor([0.3, 2]), torch.tensor([1, -1])) // tensor(0.1500)
 */
export function hinge_embedding_loss(
  input: Tensor,
  target: Tensor,
  options: MarginOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  const margin = options.margin ?? 1;
  const marginClamp = sub(margin, input).clamp({ min: 0 });
  const outMargin = where(target.ne(1), marginClamp, 0);
  return reduce(outMargin.add(where(target.ne(-1), input, 0)), r);
}

/**
 * `F.soft_margin_loss(input, target, { reduction })`: log(1 + exp(-target · input)), computed
 * directly as PyTorch does (so it overflows to inf for large -target · input). The target may
 * broadcast to the input's shape, not beyond it.
 * @example F.soft_margin_loss(torch.tensor([0.5, -1]), torch.tensor([1, -1]))
 */
export function soft_margin_loss(
  input: Tensor,
  target: Tensor,
  options: ReductionOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  // PyTorch's soft_margin_loss has no derivative for the target, and says so up front.
  if (target.requires_grad && is_grad_enabled()) {
    throw new RuntimeError(
      "The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. This input cannot have requires_grad True.",
    );
  }
  let z = input.neg().mul(target);
  // PyTorch writes the product into an output of the input's shape and dtype.
  if (!sameShape(z._shape, input._shape)) {
    throw new RuntimeError(
      `output with shape ${
        dims(input._shape)
      } doesn't match the broadcast shape ${dims(z._shape)}`,
    );
  }
  if (z.dtype !== input.dtype) z = z.to(input.dtype);
  return reduce(z.exp().add(1).log(), r);
}

/**
 * `F.cosine_embedding_loss(input1, input2, target, { margin, reduction })`: with the cosine
 * similarity along the last dim (each squared norm plus 1e-12), 1 - cos where target is 1 and
 * max(0, cos - margin) where it is -1. Inputs [N, D] take a target [N]; inputs [D] a target [].
 * @example F.cosine_embedding_loss(torch.randn(3, 4), torch.randn(3, 4), torch.tensor([1, -1, 1]))
 */
export function cosine_embedding_loss(
  input1: Tensor,
  input2: Tensor,
  target: Tensor,
  options: MarginOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  const td = target.dim();
  if (td !== 0 && td !== 1) {
    throw new RuntimeError(
      "0D or 1D target tensor expected, multi-target not supported",
    );
  }
  if (input1.dim() !== td + 1) {
    throw new RuntimeError(
      `${td}D target tensor expects ${
        td + 1
      }D input tensors, but found inputs with sizes ${
        dims(input1._shape)
      } and ${dims(input2._shape)}.`,
    );
  }
  const prodSum = input1.mul(input2).sum(td);
  const mag1 = input1.mul(input1).sum(td).add(EPSILON);
  const mag2 = input2.mul(input2).sum(td).add(EPSILON);
  const cos = prodSum.div(mag1.mul(mag2).sqrt());
  const margin = options.margin ?? 0;
  const pos = sub(1, cos);
  const neg = cos.sub(margin).clamp({ min: 0 });
  return reduce(
    where(target.eq(1), pos, 0).add(where(target.eq(-1), neg, 0)),
    r,
  );
}

/** PyTorch's `pairwise_distance(x1, x2, p, eps)`: the p-norm of x1 - x2 + eps over the last dim. */
function pairwiseDistance(
  x1: Tensor,
  x2: Tensor,
  p: number,
  eps: number,
): Tensor {
  const last = Math.max(x1.dim(), x2.dim()) - 1;
  const d = x1.sub(x2).add(eps);
  if (!(p > 1 && p < 2)) return d.norm(p, last);
  // For 1 < p < 2, torch.norm's gradient x |x|^(p-2) is NaN at a zero component, where PyTorch's
  // sgn(x) |x|^(p-1) is 0: composed, (Σ |x|^p)^(1/p) gives PyTorch's (0 for a zero norm, too).
  const s = d.abs().pow(p).sum(last);
  const zero = s.eq(0);
  return where(zero, 0, where(zero, 1, s).pow(1 / p));
}

/**
 * `F.triplet_margin_loss(anchor, positive, negative, { margin, p, eps, swap, reduction })`:
 * max(0, margin + d(anchor, positive) - d(anchor, negative)) with d the pairwise p-norm distance
 * over the last dim; `swap` uses d(positive, negative) where that is smaller.
 * @example F.triplet_margin_loss(torch.randn(3, 4), torch.randn(3, 4), torch.randn(3, 4))
 */
export function triplet_margin_loss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  options: TripletMarginOptions = {},
): Tensor {
  const r = checkReduction(reductionOf(options));
  const a = anchor.dim(), p = positive.dim(), n = negative.dim();
  if (a !== p || p !== n) {
    throw new RuntimeError(
      `All inputs should have same dimension but got ${a}D, ${p}D and ${n}D inputs.`,
    );
  }
  const norm = options.p ?? 2, eps = options.eps ?? 1e-6;
  const distPos = pairwiseDistance(anchor, positive, norm, eps);
  let distNeg = pairwiseDistance(anchor, negative, norm, eps);
  if (options.swap) {
    // minimum splits the gradient evenly on ties, as PyTorch's min(a, b).
    distNeg = distNeg.minimum(
      pairwiseDistance(positive, negative, norm, eps),
    );
  }
  const margin = options.margin ?? 1;
  return reduce(distPos.add(margin).sub(distNeg).clamp({ min: 0 }), r);
}

/**
 * `F.poisson_nll_loss(input, target, { log_input, full, eps, reduction })`: exp(input) - target ·
 * input for a log-rate input, or input - target · log(input + eps) for a rate; `full` adds
 * Stirling's target log(target) - target + 0.5 log(2π target) where target > 1.
 * @example F.poisson_nll_loss(torch.randn(4), torch.tensor([0, 1, 3, 2], { dtype: torch.float32 }))
 */
export function poisson_nll_loss(
  input: Tensor,
  target: Tensor,
  options: PoissonNLLOptions = {},
): Tensor {
  const r = checkReductionName(reductionOf(options));
  const eps = options.eps ?? 1e-8;
  let loss = (options.log_input ?? true)
    ? input.exp().sub(target.mul(input))
    : input.sub(target.mul(input.add(eps).log()));
  if (options.full) {
    const stirling = target.mul(target.log()).sub(target).add(
      target.mul(2 * Math.PI).log().mul(0.5),
    );
    loss = loss.add(where(target.le(1), 0, stirling));
  }
  return reduce(loss, r);
}

/**
 * `F.gaussian_nll_loss(input, target, var, { full, eps, reduction })`:
 * 0.5 (log(var) + (input - target)² / var), var clamped at eps (under no_grad: the gradient passes
 * through the clamp unchanged, as in PyTorch). var has the input's shape, or it lacks (or has size
 * 1 in) the last dim and broadcasts; `full` adds 0.5 log(2π).
 * @example F.gaussian_nll_loss(torch.randn(3, 2), torch.randn(3, 2), torch.ones(3, 1))
 */
export function gaussian_nll_loss(
  input: Tensor,
  target: Tensor,
  variance: Tensor,
  options: GaussianNLLOptions = {},
): Tensor {
  let v = variance;
  const ish = input._shape, vsh = v._shape;
  if (!sameShape(vsh, ish)) {
    const lead = ish.slice(0, -1);
    if (sameShape(lead, vsh)) v = v.unsqueeze(-1);
    else if (
      !(sameShape(lead, vsh.slice(0, -1)) && vsh[vsh.length - 1] === 1)
    ) {
      throw new ValueError("var is of incorrect size");
    }
  }
  const r = checkReductionName(options.reduction ?? "mean");
  if (v.lt(0).any().item()) {
    throw new ValueError("var has negative entry/entries");
  }
  const eps = options.eps ?? 1e-6;
  // var.clone() clamped in place under no_grad: the clamp is invisible to autograd.
  const clamped = no_grad(() => v.clamp({ min: eps }));
  record({
    name: "CloneBackward0",
    inputs: [v],
    outputs: [clamped],
    backward: ([g]) => [g],
  });
  const d = input.sub(target);
  let loss = clamped.log().add(d.mul(d).div(clamped)).mul(0.5);
  if (options.full) loss = loss.add(0.5 * Math.log(2 * Math.PI));
  return reduce(loss, r);
}

/**
 * PyTorch's log_sigmoid: min(x, 0) - log1p(exp(-|x|)), with its gradient at 0 (1/2). Each branch
 * sees only its own side of 0, so the other's overflow cannot reach the gradient.
 */
function logSigmoid(x: Tensor): Tensor {
  const negative = x.lt(0);
  const xn = where(negative, x, 0), xp = where(negative, 0, x);
  return where(
    negative,
    xn.sub(xn.exp().log1p()),
    xp.neg().exp().log1p().neg(),
  );
}

/**
 * `F.multilabel_soft_margin_loss(input, target, { weight, reduction })`: the binary cross entropy
 * of sigmoid(input) against 0/1 targets, -(t log σ(x) + (1 - t) log σ(-x)), times the weight,
 * averaged over the classes (the last dim): one loss per sample.
 * @example F.multilabel_soft_margin_loss(torch.randn(2, 3), torch.tensor([[1, 0, 1], [0, 0, 1]], { dtype: torch.float32 }))
 */
export function multilabel_soft_margin_loss(
  input: Tensor,
  target: Tensor,
  options: MultiLabelSoftMarginOptions = {},
): Tensor {
  const name = reductionOf(options);
  let loss = target.mul(logSigmoid(input)).add(
    sub(1, target).mul(logSigmoid(input.neg())),
  ).neg();
  if (options.weight) loss = loss.mul(options.weight);
  if (input.dim() === 0) {
    throw new IndexError(
      "Dimension specified as -1 but tensor has no dimensions",
    );
  }
  const classDim = input.dim() - 1;
  const perSample = loss.sum(classDim).div(input._shape[classDim]);
  return reduce(perSample, checkReductionName(name));
}
