// The layers of issue 18 that wrap one function of functional_more.ts (activations, group and
// instance norms, local response norm, channel dropouts, pixel shuffles, 1-D pools, padding,
// Upsample, distances, Unflatten), with PyTorch 1.13's attributes, defaults and reprs.

import { int64 } from "../../dtype.ts";
import { AssertionError, IndexError, ValueError } from "../../errors.ts";
import { Tensor } from "../../tensor.ts";
import { no_grad } from "../../autograd/grad_mode.ts";
import { parseArgs } from "../../ops/_args.ts";
import { interpolate, pad } from "../../ops/resize.ts";
import { cosine_similarity } from "../../ops/arrange.ts";
import { KeyError, Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as init from "../init.ts";
import * as G from "../functional_more.ts";
import { _refuseSparse } from "../_embedding.ts";
import { ctc_loss } from "../ctc.ts";
import { paramDtype, py, pyFloat } from "./_util.ts";

const inplaceRepr = (inplace: boolean) => (inplace ? "inplace=True" : "");

/** `nn.Hardtanh(min_val = -1, max_val = 1, inplace = false)`. */
export class Hardtanh extends Module {
  min_val: number;
  max_val: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs(new.target.name, args, [
      "min_val",
      "max_val",
      "inplace",
    ], {
      min_val: -1,
      max_val: 1,
      inplace: false,
    });
    if (o.max_val <= o.min_val) {
      throw new ValueError("max_val must be larger than min_val");
    }
    this.min_val = o.min_val;
    this.max_val = o.max_val;
    this.inplace = o.inplace;
  }

  forward(input: Tensor): Tensor {
    return G.hardtanh(input, this.min_val, this.max_val, this.inplace);
  }

  override extra_repr(): string {
    return `min_val=${pyFloat(this.min_val)}, max_val=${pyFloat(this.max_val)}${
      this.inplace ? ", inplace=True" : ""
    }`;
  }
}

/** `nn.ReLU6(inplace = false)`: min(max(x, 0), 6). */
export class ReLU6 extends Hardtanh {
  constructor(...args: unknown[]) {
    const o = parseArgs("ReLU6", args, ["inplace"], { inplace: false });
    super(0, 6, o.inplace);
  }

  override extra_repr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** The activations whose only option is `inplace`: the flag and its repr. */
export class _InplaceActivation extends Module {
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    this.inplace = parseArgs(new.target.name, args, ["inplace"], {
      inplace: false,
    }).inplace;
  }

  override extra_repr(): string {
    return inplaceRepr(this.inplace);
  }
}

/** `nn.SELU(inplace = false)`. */
export class SELU extends _InplaceActivation {
  forward(input: Tensor): Tensor {
    return G.selu(input, this.inplace);
  }
}

/** `nn.Mish(inplace = false)`. */
export class Mish extends _InplaceActivation {
  forward(input: Tensor): Tensor {
    return G.mish(input, this.inplace);
  }
}

/** `nn.Hardswish(inplace = false)`. */
export class Hardswish extends _InplaceActivation {
  forward(input: Tensor): Tensor {
    return G.hardswish(input, this.inplace);
  }
}

/** `nn.Hardsigmoid(inplace = false)`. */
export class Hardsigmoid extends _InplaceActivation {
  forward(input: Tensor): Tensor {
    return G.hardsigmoid(input, this.inplace);
  }
}

/** `nn.Softsign()`. */
export class Softsign extends Module {
  forward(input: Tensor): Tensor {
    return G.softsign(input);
  }
}

/** `nn.LogSigmoid()`. */
export class LogSigmoid extends Module {
  forward(input: Tensor): Tensor {
    return G.logsigmoid(input);
  }
}

/** `nn.Tanhshrink()`. */
export class Tanhshrink extends Module {
  forward(input: Tensor): Tensor {
    return G.tanhshrink(input);
  }
}

/** `nn.CELU(alpha = 1, inplace = false)`. */
export class CELU extends Module {
  alpha: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("CELU", args, ["alpha", "inplace"], {
      alpha: 1,
      inplace: false,
    });
    this.alpha = o.alpha;
    this.inplace = o.inplace;
  }

  forward(input: Tensor): Tensor {
    return G.celu(input, this.alpha, this.inplace);
  }

  override extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${
      this.inplace ? ", inplace=True" : ""
    }`;
  }
}

/** `nn.Softplus(beta = 1, threshold = 20)`. */
export class Softplus extends Module {
  beta: number;
  threshold: number;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("Softplus", args, ["beta", "threshold"], {
      beta: 1,
      threshold: 20,
    });
    this.beta = o.beta;
    this.threshold = o.threshold;
  }

  forward(input: Tensor): Tensor {
    return G.softplus(input, this.beta, this.threshold);
  }

  override extra_repr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** `nn.GLU(dim = -1)`. */
export class GLU extends Module {
  dim: number;

  constructor(...args: unknown[]) {
    super();
    this.dim = parseArgs("GLU", args, ["dim"], { dim: -1 }).dim;
  }

  forward(input: Tensor): Tensor {
    return G.glu(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${this.dim}`;
  }
}

/** `nn.Softmin(dim = None)`. */
export class Softmin extends Module {
  dim: number | null;

  constructor(...args: unknown[]) {
    super();
    this.dim = parseArgs("Softmin", args, ["dim"], {
      dim: null as number | null,
    }).dim;
  }

  forward(input: Tensor): Tensor {
    return G.softmin(input, this.dim);
  }

  override extra_repr(): string {
    return `dim=${py(this.dim)}`;
  }
}

/** `nn.Threshold(threshold, value, inplace = false)`: x where x > threshold, else value. */
export class Threshold extends Module {
  threshold: number;
  value: number;
  inplace: boolean;

  constructor(threshold: number, value: number, ...args: unknown[]) {
    super();
    this.threshold = threshold;
    this.value = value;
    this.inplace = parseArgs("Threshold", args, ["inplace"], { inplace: false })
      .inplace;
  }

  forward(input: Tensor): Tensor {
    return G.threshold(input, this.threshold, this.value, this.inplace);
  }

  override extra_repr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${
      this.inplace ? ", inplace=True" : ""
    }`;
  }
}

/** What Hardshrink and Softshrink share: `lambd`, shown bare in the repr. */
export class _Shrink extends Module {
  lambd: number;

  constructor(...args: unknown[]) {
    super();
    this.lambd = parseArgs(new.target.name, args, ["lambd"], { lambd: 0.5 })
      .lambd;
  }

  override extra_repr(): string {
    return pyFloat(this.lambd);
  }
}

/** `nn.Hardshrink(lambd = 0.5)`. */
export class Hardshrink extends _Shrink {
  forward(input: Tensor): Tensor {
    return G.hardshrink(input, this.lambd);
  }
}

/** `nn.Softshrink(lambd = 0.5)`. */
export class Softshrink extends _Shrink {
  forward(input: Tensor): Tensor {
    return G.softshrink(input, this.lambd);
  }
}

/** `nn.PReLU(num_parameters = 1, init = 0.25)`: a learnt slope per channel (or one shared). */
export class PReLU extends Module {
  num_parameters: number;
  init: number;
  weight: Parameter;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("PReLU", args, ["num_parameters", "init"], {
      num_parameters: 1,
      init: 0.25,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    this.num_parameters = o.num_parameters;
    this.init = o.init;
    this.weight = new Parameter(
      Tensor.empty([o.num_parameters], paramDtype(o.dtype)),
    );
    this.reset_parameters();
  }

  reset_parameters(): void {
    init.constant_(this.weight, this.init);
  }

  forward(input: Tensor): Tensor {
    return G.prelu(input, this.weight);
  }

  override extra_repr(): string {
    return `num_parameters=${this.num_parameters}`;
  }
}

// ------------------------------------------------------------------------------------------------
// Normalisation

/** `nn.GroupNorm(num_groups, num_channels, eps = 1e-5, affine = true)`. */
export class GroupNorm extends Module {
  num_groups: number;
  num_channels: number;
  eps: number;
  affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(num_groups: number, num_channels: number, ...args: unknown[]) {
    super();
    const o = parseArgs("GroupNorm", args, ["eps", "affine"], {
      eps: 1e-5,
      affine: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    if (num_channels % num_groups !== 0) {
      throw new ValueError("num_channels must be divisible by num_groups");
    }
    const dtype = paramDtype(o.dtype);
    this.num_groups = num_groups;
    this.num_channels = num_channels;
    this.eps = o.eps;
    this.affine = o.affine;
    this.weight = o.affine
      ? new Parameter(Tensor.empty([num_channels], dtype))
      : null;
    this.bias = o.affine
      ? new Parameter(Tensor.empty([num_channels], dtype))
      : null;
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  forward(input: Tensor): Tensor {
    return G.group_norm(
      input,
      this.num_groups,
      this.weight,
      this.bias,
      this.eps,
    );
  }

  override extra_repr(): string {
    return `${this.num_groups}, ${this.num_channels}, eps=${
      pyFloat(this.eps)
    }, affine=${py(this.affine)}`;
  }
}

/** What InstanceNorm1d and 2d share: PyTorch's _InstanceNorm (affine and running stats off by default). */
export class _InstanceNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;
  /** The input rank without a batch dim (2 for InstanceNorm1d, 3 for 2d). */
  declare protected noBatchDim: number;

  constructor(num_features: number, ...args: unknown[]) {
    super();
    const o = parseArgs(new.target.name, args, [
      "eps",
      "momentum",
      "affine",
      "track_running_stats",
    ], {
      eps: 1e-5,
      momentum: 0.1,
      affine: false,
      track_running_stats: false,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const dtype = paramDtype(o.dtype);
    this.num_features = num_features;
    this.eps = o.eps;
    this.momentum = o.momentum;
    this.affine = o.affine;
    this.track_running_stats = o.track_running_stats;
    this.weight = o.affine
      ? new Parameter(Tensor.empty([num_features], dtype))
      : null;
    this.bias = o.affine
      ? new Parameter(Tensor.empty([num_features], dtype))
      : null;
    const stats = o.track_running_stats;
    this.register_buffer(
      "running_mean",
      stats ? Tensor.empty([num_features], dtype) : null,
    );
    this.register_buffer(
      "running_var",
      stats ? Tensor.empty([num_features], dtype) : null,
    );
    this.register_buffer(
      "num_batches_tracked",
      stats ? Tensor.empty([], int64) : null,
    );
    this.reset_parameters();
  }

  reset_parameters(): void {
    if (this.track_running_stats) {
      no_grad(() => {
        this.running_mean!.zero_();
        this.running_var!.fill_(1);
        this.num_batches_tracked!.zero_();
      });
    }
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  forward(input: Tensor): Tensor {
    const nb = this.noBatchDim;
    if (input.dim() !== nb && input.dim() !== nb + 1) {
      throw new ValueError(
        `expected ${nb}D or ${nb + 1}D input (got ${input.dim()}D input)`,
      );
    }
    const x = input.dim() === nb ? input.unsqueeze(0) : input;
    const out = G.instance_norm(
      x,
      this.running_mean,
      this.running_var,
      this.weight,
      this.bias,
      this.training || !this.track_running_stats,
      this.momentum,
      this.eps,
    );
    return input.dim() === nb ? out.squeeze(0) : out;
  }

  override extra_repr(): string {
    return `${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${
      pyFloat(this.momentum)
    }, affine=${py(this.affine)}, track_running_stats=${
      py(this.track_running_stats)
    }`;
  }
}

/** `nn.InstanceNorm1d(num_features, eps = 1e-5, momentum = 0.1, affine = false, track_running_stats = false)`. */
export class InstanceNorm1d extends _InstanceNorm {
  constructor(num_features: number, ...args: unknown[]) {
    super(num_features, ...args);
    Object.defineProperty(this, "noBatchDim", { value: 2, enumerable: false });
  }
}

/** `nn.InstanceNorm2d(num_features, eps = 1e-5, momentum = 0.1, affine = false, track_running_stats = false)`. */
export class InstanceNorm2d extends _InstanceNorm {
  constructor(num_features: number, ...args: unknown[]) {
    super(num_features, ...args);
    Object.defineProperty(this, "noBatchDim", { value: 3, enumerable: false });
  }
}

/** `nn.LocalResponseNorm(size, alpha = 1e-4, beta = 0.75, k = 1)`. */
export class LocalResponseNorm extends Module {
  size: number;
  alpha: number;
  beta: number;
  k: number;

  constructor(size: number, ...args: unknown[]) {
    super();
    const o = parseArgs("LocalResponseNorm", args, ["alpha", "beta", "k"], {
      alpha: 1e-4,
      beta: 0.75,
      k: 1,
    });
    this.size = size;
    this.alpha = o.alpha;
    this.beta = o.beta;
    this.k = o.k;
  }

  forward(input: Tensor): Tensor {
    return G.local_response_norm(
      input,
      this.size,
      this.alpha,
      this.beta,
      this.k,
    );
  }

  override extra_repr(): string {
    return `${this.size}, alpha=${pyFloat(this.alpha)}, beta=${
      pyFloat(this.beta)
    }, k=${pyFloat(this.k)}`;
  }
}

// ------------------------------------------------------------------------------------------------
// Dropouts

/** PyTorch's _DropoutNd: `p` (checked) and `inplace`. */
export class _DropoutNd extends Module {
  p: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs(new.target.name, args, ["p", "inplace"], {
      p: 0.5,
      inplace: false,
    });
    if (o.p < 0 || o.p > 1) {
      throw new ValueError(
        `dropout probability has to be between 0 and 1, but got ${o.p}`,
      );
    }
    this.p = o.p;
    this.inplace = o.inplace;
  }

  override extra_repr(): string {
    return `p=${pyFloat(this.p)}, inplace=${py(this.inplace)}`;
  }
}

/** `nn.Dropout1d(p = 0.5, inplace = false)`: whole channels of (N, C, L) zeroed. */
export class Dropout1d extends _DropoutNd {
  forward(input: Tensor): Tensor {
    return G.dropout1d(input, this.p, this.training, this.inplace);
  }
}

/** `nn.Dropout2d(p = 0.5, inplace = false)`: whole channels of (N, C, H, W) zeroed. */
export class Dropout2d extends _DropoutNd {
  forward(input: Tensor): Tensor {
    return G.dropout2d(input, this.p, this.training, this.inplace);
  }
}

/** `nn.AlphaDropout(p = 0.5, inplace = false)`: dropout that keeps SELU's mean and variance. */
export class AlphaDropout extends _DropoutNd {
  forward(input: Tensor): Tensor {
    return G.alpha_dropout(input, this.p, this.training, this.inplace);
  }
}

/** `nn.FeatureAlphaDropout(p = 0.5, inplace = false)`. */
export class FeatureAlphaDropout extends _DropoutNd {
  forward(input: Tensor): Tensor {
    return G.feature_alpha_dropout(input, this.p, this.training, this.inplace);
  }
}

// ------------------------------------------------------------------------------------------------
// Rearranging, pooling, padding, resizing, distances

/** `nn.PixelShuffle(upscale_factor)`. */
export class PixelShuffle extends Module {
  constructor(public upscale_factor: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return G.pixel_shuffle(input, this.upscale_factor);
  }
  override extra_repr(): string {
    return `upscale_factor=${this.upscale_factor}`;
  }
}

/** `nn.PixelUnshuffle(downscale_factor)`. */
export class PixelUnshuffle extends Module {
  constructor(public downscale_factor: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return G.pixel_unshuffle(input, this.downscale_factor);
  }
  override extra_repr(): string {
    return `downscale_factor=${this.downscale_factor}`;
  }
}

/** `nn.Unflatten(dim, unflattened_size)`. */
export class Unflatten extends Module {
  constructor(public dim: number, public unflattened_size: number[]) {
    super();
  }
  forward(input: Tensor): Tensor {
    return input.unflatten(this.dim, this.unflattened_size);
  }
  override extra_repr(): string {
    // A JavaScript array: Python's list repr.
    return `dim=${this.dim}, unflattened_size=[${
      this.unflattened_size.join(", ")
    }]`;
  }
}

const single = (v: number | number[]) => (Array.isArray(v) ? v[0] : v);

/** `nn.AvgPool1d(kernel_size, stride = None, padding = 0, ceil_mode = false, count_include_pad = true)`. */
export class AvgPool1d extends Module {
  kernel_size: number[];
  stride: number[];
  padding: number[];
  ceil_mode: boolean;
  count_include_pad: boolean;

  constructor(kernel_size: number | number[], ...args: unknown[]) {
    super();
    const o = parseArgs(
      "AvgPool1d",
      args,
      ["stride", "padding", "ceil_mode", "count_include_pad"],
      {
        stride: null as number | number[] | null,
        padding: 0 as number | number[],
        ceil_mode: false,
        count_include_pad: true,
      },
    );
    this.kernel_size = [single(kernel_size)];
    this.stride = [single(o.stride ?? kernel_size)];
    this.padding = [single(o.padding)];
    this.ceil_mode = o.ceil_mode;
    this.count_include_pad = o.count_include_pad;
  }

  forward(input: Tensor): Tensor {
    return G.avg_pool1d(
      input,
      this.kernel_size,
      this.stride,
      this.padding,
      this.ceil_mode,
      this.count_include_pad,
    );
  }

  override extra_repr(): string {
    return `kernel_size=${py(this.kernel_size)}, stride=${
      py(this.stride)
    }, padding=${py(this.padding)}`;
  }
}

/** `nn.AdaptiveAvgPool1d(output_size)`. */
export class AdaptiveAvgPool1d extends Module {
  constructor(public output_size: number) {
    super();
  }
  forward(input: Tensor): Tensor {
    return G.adaptive_avg_pool1d(input, this.output_size);
  }
  override extra_repr(): string {
    return `output_size=${py(this.output_size)}`;
  }
}

/** Padding amounts: an int for every side of `dims` dims, or the explicit list. */
function padList(padding: number | number[], dims: number): number[] {
  return typeof padding === "number"
    ? new Array(2 * dims).fill(padding)
    : [...padding];
}

/** The padding layers: padding amounts for `dims` dims and F.pad's mode. */
export class _PadNd extends Module {
  padding: number[];
  declare protected mode: "constant" | "reflect" | "replicate";

  constructor(
    dims: number,
    mode: "constant" | "reflect" | "replicate",
    padding: number | number[],
  ) {
    super();
    Object.defineProperty(this, "mode", { value: mode, enumerable: false });
    this.padding = padList(padding, dims);
  }

  forward(input: Tensor): Tensor {
    return pad(input, this.padding, this.mode, this._padValue());
  }

  /** The constant the padding takes (0 but for ConstantPadNd). */
  protected _padValue(): number {
    return 0;
  }

  override extra_repr(): string {
    return py(this.padding);
  }
}

/** PyTorch's _ConstantPadNd: `padding` and `value`. */
export class _ConstantPadNd extends _PadNd {
  value: number;

  constructor(dims: number, padding: number | number[], value: number) {
    super(dims, "constant", padding);
    this.value = value;
  }

  protected override _padValue(): number {
    return this.value;
  }

  override extra_repr(): string {
    return `padding=${py(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/** `nn.ZeroPad2d(padding)`. */
export class ZeroPad2d extends _ConstantPadNd {
  constructor(padding: number | number[]) {
    super(2, padding, 0);
  }

  // PyTorch's ZeroPad2d shows only the padding.
  override extra_repr(): string {
    return py(this.padding);
  }
}

/** `nn.ConstantPad1d(padding, value)`. */
export class ConstantPad1d extends _ConstantPadNd {
  constructor(padding: number | number[], value: number) {
    super(1, padding, value);
  }
}

/** `nn.ConstantPad2d(padding, value)`. */
export class ConstantPad2d extends _ConstantPadNd {
  constructor(padding: number | number[], value: number) {
    super(2, padding, value);
  }
}

/** `nn.ConstantPad3d(padding, value)`. */
export class ConstantPad3d extends _ConstantPadNd {
  constructor(padding: number | number[], value: number) {
    super(3, padding, value);
  }
}

/** `nn.ReflectionPad1d(padding)`. */
export class ReflectionPad1d extends _PadNd {
  constructor(padding: number | number[]) {
    super(1, "reflect", padding);
  }
}

/** `nn.ReflectionPad2d(padding)`. */
export class ReflectionPad2d extends _PadNd {
  constructor(padding: number | number[]) {
    super(2, "reflect", padding);
  }
}

/** `nn.ReplicationPad1d(padding)`. */
export class ReplicationPad1d extends _PadNd {
  constructor(padding: number | number[]) {
    super(1, "replicate", padding);
  }
}

/** `nn.ReplicationPad2d(padding)`. */
export class ReplicationPad2d extends _PadNd {
  constructor(padding: number | number[]) {
    super(2, "replicate", padding);
  }
}

/** `nn.ReplicationPad3d(padding)`. */
export class ReplicationPad3d extends _PadNd {
  constructor(padding: number | number[]) {
    super(3, "replicate", padding);
  }
}

/** `nn.Upsample(size = None, scale_factor = None, mode = 'nearest', align_corners = None)`. */
export class Upsample extends Module {
  size: number | number[] | null;
  scale_factor: number | number[] | null;
  mode: string;
  align_corners: boolean | null;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs(
      "Upsample",
      args,
      ["size", "scale_factor", "mode", "align_corners"],
      {
        size: null as number | number[] | null,
        scale_factor: null as number | number[] | null,
        mode: "nearest",
        align_corners: null as boolean | null,
      },
    );
    this.size = o.size;
    this.scale_factor = o.scale_factor;
    this.mode = o.mode;
    this.align_corners = o.align_corners;
  }

  forward(input: Tensor): Tensor {
    return interpolate(
      input,
      this.size,
      this.scale_factor,
      this.mode,
      this.align_corners,
    );
  }

  override extra_repr(): string {
    const info = this.scale_factor !== null
      ? `scale_factor=${
        Array.isArray(this.scale_factor)
          ? py(this.scale_factor.map((v) => pyFloat(v)))
          : pyFloat(this.scale_factor)
      }`
      : `size=${
        Array.isArray(this.size) ? `[${this.size.join(", ")}]` : py(this.size)
      }`;
    return `${info}, mode=${this.mode}`;
  }
}

/** `nn.CosineSimilarity(dim = 1, eps = 1e-8)`. */
export class CosineSimilarity extends Module {
  dim: number;
  eps: number;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("CosineSimilarity", args, ["dim", "eps"], {
      dim: 1,
      eps: 1e-8,
    });
    this.dim = o.dim;
    this.eps = o.eps;
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return cosine_similarity(x1, x2, { dim: this.dim, eps: this.eps });
  }
}

/** `nn.PairwiseDistance(p = 2, eps = 1e-6, keepdim = false)`. */
export class PairwiseDistance extends Module {
  norm: number;
  eps: number;
  keepdim: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("PairwiseDistance", args, ["p", "eps", "keepdim"], {
      p: 2,
      eps: 1e-6,
      keepdim: false,
    });
    this.norm = o.p;
    this.eps = o.eps;
    this.keepdim = o.keepdim;
  }

  forward(x1: Tensor, x2: Tensor): Tensor {
    return G.pairwise_distance(x1, x2, this.norm, this.eps, this.keepdim);
  }
}

/** `nn.AdaptiveMaxPool2d(output_size, return_indices = false)`. */
export class AdaptiveMaxPool2d extends Module {
  constructor(
    public output_size: number | (number | null)[],
    public return_indices = false,
  ) {
    super();
  }
  forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return G.adaptive_max_pool2d(input, this.output_size, this.return_indices);
  }
  override extra_repr(): string {
    // A JavaScript array: Python's list repr.
    return `output_size=${
      Array.isArray(this.output_size)
        ? `[${this.output_size.map((v) => py(v)).join(", ")}]`
        : this.output_size
    }`;
  }
}

/** `nn.AdaptiveMaxPool1d(output_size, return_indices = false)`. */
export class AdaptiveMaxPool1d extends Module {
  constructor(public output_size: number, public return_indices = false) {
    super();
  }
  forward(input: Tensor): Tensor | [Tensor, Tensor] {
    return G.adaptive_max_pool1d(input, this.output_size, this.return_indices);
  }
  override extra_repr(): string {
    return `output_size=${py(this.output_size)}`;
  }
}

/**
 * `length`: the number of parameters. A module is a function, whose own `length` would shadow a
 * getter on the prototype; this one reads its receiver, so a deep copy counts its own.
 */
function defineLength(m: Module): void {
  Object.defineProperty(m, "length", {
    get(this: Module) {
      return this._ownParameters().length;
    },
    configurable: true,
  });
}

/** How ParameterList and ParameterDict show a parameter: `Parameter containing: [torch.float32 of size 2x3]`. */
function paramLine(key: string, p: Tensor, legacyName: boolean): string {
  const kind = legacyName ? p.type() : `torch.${p.dtype.name}`;
  return `  (${key}): Parameter containing: [${kind} of size ${
    p.shape.join("x")
  }]`;
}

/**
 * `nn.ParameterList(values = None)`: parameters held by position (`list.get(i)`, `append`,
 * `extend`), registered as "0", "1", ... as in PyTorch.
 */
export class ParameterList extends Module {
  constructor(values: Iterable<Tensor> | null = null) {
    super();
    defineLength(this);
    if (values) this.extend(values);
  }

  /** `list[i]`. */
  get(i: number): Parameter {
    const ps = this._ownParameters(), n = ps.length;
    const j = i < 0 ? i + n : i;
    if (!Number.isInteger(j) || j < 0 || j >= n) {
      throw new IndexError(`index ${i} is out of range`);
    }
    return ps[j][1];
  }

  /** `list.append(value)`: a tensor is made a Parameter. */
  append(value: Tensor): this {
    const p = value instanceof Parameter ? value : new Parameter(value);
    this.register_parameter(String(this._ownParameters().length), p);
    return this;
  }

  /** `list.extend(values)`. */
  extend(values: Iterable<Tensor>): this {
    for (const v of values) this.append(v);
    return this;
  }

  *[Symbol.iterator](): Iterator<Parameter> {
    for (const [, p] of this._ownParameters()) yield p;
  }

  override extra_repr(): string {
    return this._ownParameters().map(([k, p]) => paramLine(k, p, false))
      .join("\n");
  }
}
export interface ParameterList {
  readonly length: number;
}
export interface ParameterDict {
  readonly length: number;
}

/** `nn.ParameterDict(parameters = None)`: parameters held by name (`get`, `set`, `keys`, ...). */
export class ParameterDict extends Module {
  constructor(parameters: Record<string, Tensor> | null = null) {
    super();
    defineLength(this);
    if (parameters) this.update(parameters);
  }

  /** `dict[key]`. */
  get(key: string): Parameter {
    const p = this._ownParameters().find(([k]) => k === key);
    if (!p) throw new KeyError(`'${key}'`);
    return p[1];
  }

  /** `dict[key] = value`: a tensor is made a Parameter. */
  set(key: string, value: Tensor): void {
    this.register_parameter(
      key,
      value instanceof Parameter ? value : new Parameter(value),
    );
  }

  has(key: string): boolean {
    return this._ownParameters().some(([k]) => k === key);
  }

  keys(): string[] {
    return this._ownParameters().map(([k]) => k);
  }

  values(): Parameter[] {
    return this._ownParameters().map(([, p]) => p);
  }

  items(): [string, Parameter][] {
    return this._ownParameters();
  }

  /** `dict.update(parameters)`. */
  update(parameters: Record<string, Tensor>): void {
    for (const [k, v] of Object.entries(parameters)) this.set(k, v);
  }

  override extra_repr(): string {
    return this._ownParameters().map(([k, p]) => paramLine(k, p, true))
      .join("\n");
  }
}

/**
 * `nn.EmbeddingBag(num_embeddings, embedding_dim, max_norm = None, norm_type = 2,
 * scale_grad_by_freq = false, mode = 'mean', sparse = false, _weight = None,
 * include_last_offset = false, padding_idx = None)`: sums, means or maxes of bags of embeddings
 * without materialising the embeddings of each bag.
 */
export class EmbeddingBag extends Module {
  num_embeddings: number;
  embedding_dim: number;
  max_norm: number | null;
  norm_type: number;
  scale_grad_by_freq: boolean;
  weight: Parameter;
  mode: string;
  sparse: boolean;
  include_last_offset: boolean;
  padding_idx: number | null;

  constructor(
    num_embeddings: number,
    embedding_dim: number,
    ...args: unknown[]
  ) {
    super();
    const o = parseArgs("EmbeddingBag", args, [
      "max_norm",
      "norm_type",
      "scale_grad_by_freq",
      "mode",
      "sparse",
      "_weight",
      "include_last_offset",
      "padding_idx",
    ], {
      max_norm: null as number | null,
      norm_type: 2,
      scale_grad_by_freq: false,
      mode: "mean",
      sparse: false,
      _weight: null as Tensor | null,
      include_last_offset: false,
      padding_idx: null as number | null,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    let pad = o.padding_idx;
    if (pad !== null) {
      if (pad >= num_embeddings || pad < -num_embeddings) {
        throw new AssertionError("padding_idx must be within num_embeddings");
      }
      if (pad < 0) pad += num_embeddings;
    }
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.max_norm = o.max_norm;
    this.norm_type = o.norm_type;
    this.scale_grad_by_freq = o.scale_grad_by_freq;
    if (o.mode !== "max") _refuseSparse("EmbeddingBag", o.sparse);
    this.weight = new Parameter(
      o._weight ??
        Tensor.empty([num_embeddings, embedding_dim], paramDtype(o.dtype)),
    );
    this.mode = o.mode;
    this.sparse = o.sparse;
    this.include_last_offset = o.include_last_offset;
    this.padding_idx = pad;
    if (o._weight === null) this.reset_parameters();
  }

  /** PyTorch's initialisation: N(0, 1), the padding row zeroed. */
  reset_parameters(): void {
    init.normal_(this.weight);
    if (this.padding_idx !== null) {
      no_grad(() => this.weight.select(0, this.padding_idx!).fill_(0));
    }
  }

  forward(
    input: Tensor,
    offsets: Tensor | null = null,
    per_sample_weights: Tensor | null = null,
  ): Tensor {
    return G.embedding_bag(input, this.weight, {
      offsets,
      max_norm: this.max_norm,
      norm_type: this.norm_type,
      scale_grad_by_freq: this.scale_grad_by_freq,
      mode: this.mode,
      sparse: this.sparse,
      per_sample_weights,
      include_last_offset: this.include_last_offset,
      padding_idx: this.padding_idx,
    });
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyFloat(this.norm_type)}`;
    if (this.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
    s += `, mode=${this.mode}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    return s;
  }
}

/** `nn.CTCLoss(blank = 0, reduction = 'mean', zero_infinity = false)`. */
export class CTCLoss extends Module {
  blank: number;
  reduction: string;
  zero_infinity: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("CTCLoss", args, [
      "blank",
      "reduction",
      "zero_infinity",
    ], {
      blank: 0,
      reduction: "mean",
      zero_infinity: false,
    });
    this.blank = o.blank;
    this.reduction = o.reduction;
    this.zero_infinity = o.zero_infinity;
  }

  forward(
    log_probs: Tensor,
    targets: Tensor,
    input_lengths: unknown,
    target_lengths: unknown,
  ): Tensor {
    return ctc_loss(log_probs, targets, input_lengths, target_lengths, {
      blank: this.blank,
      reduction: this.reduction,
      zero_infinity: this.zero_infinity,
    });
  }
}
