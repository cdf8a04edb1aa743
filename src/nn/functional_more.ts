// More of `torch.nn.functional`: the activations, normalisations, channel dropouts, pixel
// shuffles and 1-D pools of issue 18, as compositions of differentiable ops. Where PyTorch's
// gradient at a kink or for large inputs differs from the composition's, the op records its own
// node with PyTorch's backward (written with other ops).

import { RuntimeError, ValueError } from "../errors.ts";

/** Python's NotImplementedError. */
class NotImplementedError extends Error {
  override name = "NotImplementedError";
}
import type { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { parseArgs } from "../ops/_args.ts";
import { assignInPlace } from "../ops/core.ts";
import { where } from "../ops/elementwise.ts";
import { empty, linspace, tensor, zeros } from "../ops/creation.ts";
import { bernoulli_, exponential_ } from "../ops/random.ts";
import { cat, stack } from "../ops/indexing.ts";
import { softmax } from "../ops/activation.ts";
import { pad } from "../ops/resize.ts";
import {
  _embedding_renorm_,
  _embeddingRows,
  _refuseSparse,
} from "./_embedding.ts";
import { adaptive_avg_pool2d, avg_pool2d } from "../ops/pool.ts";

function inplaceOpt(fn: string, args: unknown[], names: string[] = []) {
  return parseArgs(fn, args, [...names, "inplace"], {
    inplace: false,
  } as Record<string, unknown>);
}

const finish = (input: Tensor, out: Tensor, inplace: unknown) =>
  inplace ? assignInPlace(input, out) : out;

/** One op's output with PyTorch's node name and a backward in other ops. */
function node(
  name: string,
  input: Tensor,
  out: Tensor,
  backward: (g: Tensor) => Tensor,
): Tensor {
  record({
    name,
    inputs: [input],
    outputs: [out],
    backward: ([g]) => [backward(g)],
  });
  return out;
}

/**
 * `F.hardtanh(input, min_val = -1, max_val = 1, inplace = false)`: x clamped to [min, max];
 * the gradient passes only strictly inside, as PyTorch's.
 */
export function hardtanh(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("hardtanh", args, ["min_val", "max_val", "inplace"], {
    min_val: -1,
    max_val: 1,
    inplace: false,
  });
  if (o.min_val > o.max_val) {
    throw new ValueError("min_val cannot be greater than max_val");
  }
  const out = where(
    input.le(o.min_val),
    o.min_val,
    where(input.ge(o.max_val), o.max_val, input),
  );
  return finish(input, out, o.inplace);
}

/** `F.relu6(input, inplace = false)`: hardtanh(x, 0, 6). */
export function relu6(input: Tensor, ...args: unknown[]): Tensor {
  const o = inplaceOpt("relu6", args);
  return hardtanh(input, 0, 6, o.inplace);
}

/** `F.hardsigmoid(input, inplace = false)`: relu6(x + 3) / 6. */
export function hardsigmoid(input: Tensor, ...args: unknown[]): Tensor {
  const o = inplaceOpt("hardsigmoid", args);
  const out = where(
    input.le(-3),
    0,
    where(input.ge(3), 1, input.add(3).div(6)),
  );
  return finish(input, out, o.inplace);
}

/** `F.hardswish(input, inplace = false)`: x · relu6(x + 3) / 6. */
export function hardswish(input: Tensor, ...args: unknown[]): Tensor {
  const o = inplaceOpt("hardswish", args);
  // PyTorch's gradient: 0 below -3, x/3 + 1/2 on [-3, 3), 1 from 3 on (its vector loop; its
  // scalar tail gives 3 the inside value); x · 0 keeps PyTorch's signed zero.
  const out = where(
    input.lt(-3),
    input.mul(0),
    where(input.lt(3), input.mul(input.add(3)).div(6), input),
  );
  return finish(input, out, o.inplace);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** `F.selu(input, inplace = false)`: scale · (x if x > 0 else α(eˣ - 1)). */
export function selu(input: Tensor, ...args: unknown[]): Tensor {
  const o = inplaceOpt("selu", args);
  const neg = input.clamp(null, 0).expm1().mul(SELU_ALPHA * SELU_SCALE);
  return finish(
    input,
    where(input.gt(0), input.mul(SELU_SCALE), neg),
    o.inplace,
  );
}

/** `F.celu(input, alpha = 1, inplace = false)`: x if x > 0 else α(e^(x/α) - 1). */
export function celu(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("celu", args, ["alpha", "inplace"], {
    alpha: 1,
    inplace: false,
  });
  const neg = input.clamp(null, 0).div(o.alpha).expm1().mul(o.alpha);
  return finish(input, where(input.gt(0), input, neg), o.inplace);
}

/**
 * `F.softplus(input, beta = 1, threshold = 20)`: log(1 + e^(βx)) / β, and x itself where
 * βx > threshold.
 */
export function softplus(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("softplus", args, ["beta", "threshold"], {
    beta: 1,
    threshold: 20,
  });
  const bx = input.mul(o.beta);
  // The exp sees at most the threshold: no inf * 0 in the gradient of the unused side.
  const soft = bx.clamp(null, o.threshold).exp().log1p().div(o.beta);
  return where(bx.gt(o.threshold), input, soft);
}

/** `F.softsign(input)`: x / (1 + |x|). */
export function softsign(input: Tensor): Tensor {
  return input.div(input.abs().add(1));
}

/** `F.logsigmoid(input)`: log σ(x) = min(x, 0) - log(1 + e^-|x|); gradient σ(-x). */
export function logsigmoid(input: Tensor): Tensor {
  const out = no_grad(() =>
    input.clamp(null, 0).sub(input.abs().neg().exp().log1p())
  );
  return node(
    "LogSigmoidBackward0",
    input,
    out,
    (g) => g.mul(input.neg().sigmoid()),
  );
}

/** `F.mish(input, inplace = false)`: x · tanh(softplus(x)). */
export function mish(input: Tensor, ...args: unknown[]): Tensor {
  const o = inplaceOpt("mish", args);
  const out = no_grad(() => input.mul(softplus(input).tanh()));
  const result = node("MishBackward0", input, out, (g) => {
    // PyTorch's: tanh(sp) + x · σ(x) · (1 - tanh(sp)²).
    const t = softplus(input).tanh();
    return g.mul(t.add(input.mul(input.sigmoid()).mul(t.mul(t).neg().add(1))));
  });
  return finish(input, result, o.inplace);
}

/** `F.glu(input, dim = -1)`: a · σ(b), a and b the two halves of input along dim. */
export function glu(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("glu", args, ["dim"], { dim: -1 });
  if (input.dim() === 0) {
    throw new RuntimeError(
      "glu does not support scalars because halving size must be even",
    );
  }
  const d = o.dim < 0 ? o.dim + input.dim() : o.dim;
  const n = input.size(d);
  if (n % 2 !== 0) {
    throw new RuntimeError(
      `Halving dimension must be even, but dimension ${d} is size ${n}`,
    );
  }
  const [a, b] = input.chunk(2, d);
  return a.mul(b.sigmoid());
}

/** `F.softmin(input, dim = None, dtype = None)`: softmax(-x). */
export function softmin(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("softmin", args, ["dim", "_stacklevel", "dtype"], {
    dim: null as number | null,
    _stacklevel: 3,
    dtype: undefined as unknown,
  });
  return softmax(input.neg(), { dim: o.dim ?? undefined, dtype: o.dtype });
}

/** `F.threshold(input, threshold, value, inplace = false)`: x where x > threshold, else value. */
export function threshold(
  input: Tensor,
  thresh: number,
  value: number,
  ...args: unknown[]
): Tensor {
  const o = inplaceOpt("threshold", args);
  return finish(input, where(input.gt(thresh), input, value), o.inplace);
}

/** `F.hardshrink(input, lambd = 0.5)`: 0 on [-λ, λ], x elsewhere. */
export function hardshrink(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("hardshrink", args, ["lambd"], { lambd: 0.5 });
  return where(input.ge(-o.lambd).logical_and(input.le(o.lambd)), 0, input);
}

/** `F.softshrink(input, lambd = 0.5)`: x - λ above λ, x + λ below -λ, 0 between. */
export function softshrink(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("softshrink", args, ["lambd"], { lambd: 0.5 });
  if (o.lambd < 0) {
    throw new RuntimeError(
      `lambda must be greater or equal to 0, but found to be ${o.lambd}.`,
    );
  }
  return where(
    input.gt(o.lambd),
    input.sub(o.lambd),
    where(input.lt(-o.lambd), input.add(o.lambd), 0),
  );
}

/** `F.tanhshrink(input)`: x - tanh(x). */
export function tanhshrink(input: Tensor): Tensor {
  return input.sub(input.tanh());
}

/** `F.prelu(input, weight)`: x where x > 0, else weight · x, weight per channel (dim 1). */
export function prelu(input: Tensor, weight: Tensor): Tensor {
  const n = weight.numel();
  let w = weight;
  if (n !== 1) {
    const channels = input.dim() >= 2 ? input.size(1) : input.size(0);
    if (channels !== n) {
      throw new RuntimeError(
        `Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels}.`,
      );
    }
    const shape = input._shape.map((_, i) =>
      i === (input.dim() >= 2 ? 1 : 0) ? n : 1
    );
    w = weight.reshape(shape);
  } else w = weight.reshape([]);
  return where(input.gt(0), input, input.mul(w));
}

// ------------------------------------------------------------------------------------------------
// Normalisation

/**
 * `F.group_norm(input, num_groups, weight = None, bias = None, eps = 1e-5)`: each sample's
 * channels in groups, normalised over the group and the spatial dims (biased variance).
 */
export function group_norm(
  input: Tensor,
  num_groups: number,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("group_norm", args, ["weight", "bias", "eps"], {
    weight: null as Tensor | null,
    bias: null as Tensor | null,
    eps: 1e-5,
  });
  if (input.dim() < 2) {
    throw new RuntimeError(
      `Expected at least 2 dimensions for input tensor but received ${input.dim()}`,
    );
  }
  const N = input.size(0), C = input.size(1);
  if (C % num_groups !== 0) {
    throw new RuntimeError(
      `Expected number of channels in input to be divisible by num_groups, but got input of shape [${
        input._shape.join(", ")
      }] and num_groups=${num_groups}`,
    );
  }
  const x = input.reshape([N, num_groups, -1]);
  const mean = x.mean(-1, { keepdim: true });
  const centered = x.sub(mean);
  const v = centered.mul(centered).mean(-1, { keepdim: true });
  let out = centered.div(v.add(o.eps).sqrt()).reshape([...input._shape]);
  const chan = input._shape.map((s, i) => (i === 1 ? s : 1));
  if (o.weight) out = out.mul(o.weight.reshape(chan));
  if (o.bias) out = out.add(o.bias.reshape(chan));
  return out;
}

/**
 * `F.instance_norm(input, running_mean = None, running_var = None, weight = None, bias = None,
 * use_input_stats = true, momentum = 0.1, eps = 1e-5)`: each sample's each channel normalised
 * over its spatial dims; with running stats, those are updated (or used) as batch norm does.
 */
export function instance_norm(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("instance_norm", args, [
    "running_mean",
    "running_var",
    "weight",
    "bias",
    "use_input_stats",
    "momentum",
    "eps",
  ], {
    running_mean: null as Tensor | null,
    running_var: null as Tensor | null,
    weight: null as Tensor | null,
    bias: null as Tensor | null,
    use_input_stats: true,
    momentum: 0.1,
    eps: 1e-5,
  });
  const dims = Array.from({ length: input.dim() - 2 }, (_, i) => i + 2);
  const chan = input._shape.map((s, i) => (i === 1 ? s : 1));
  let out: Tensor;
  if (o.use_input_stats) {
    const mean = input.mean(dims, { keepdim: true });
    const centered = input.sub(mean);
    const v = centered.mul(centered).mean(dims, { keepdim: true });
    out = centered.div(v.add(o.eps).sqrt());
    if (o.running_mean && o.running_var) {
      // The batch's average of each instance's mean and unbiased variance, as PyTorch.
      no_grad(() => {
        const n = dims.reduce((a, d) => a * input.size(d), 1);
        const m = mean.reshape([input.size(0), input.size(1)]).mean(0);
        const uv = v.reshape([input.size(0), input.size(1)]).mul(n / (n - 1))
          .mean(0);
        o.running_mean!.mul_(1 - o.momentum).add_(m.mul(o.momentum));
        o.running_var!.mul_(1 - o.momentum).add_(uv.mul(o.momentum));
      });
    }
  } else {
    if (!o.running_mean || !o.running_var) {
      throw new RuntimeError(
        "Expected running_mean and running_var to be defined when use_input_stats is false",
      );
    }
    out = input.sub(o.running_mean.reshape(chan)).div(
      o.running_var.reshape(chan).add(o.eps).sqrt(),
    );
  }
  if (o.weight) out = out.mul(o.weight.reshape(chan));
  if (o.bias) out = out.add(o.bias.reshape(chan));
  return out;
}

/**
 * `F.local_response_norm(input, size, alpha = 1e-4, beta = 0.75, k = 1)`: each element divided
 * by (k + α · mean of squares over `size` neighbouring channels)^β.
 */
export function local_response_norm(
  input: Tensor,
  size: number,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("local_response_norm", args, ["alpha", "beta", "k"], {
    alpha: 1e-4,
    beta: 0.75,
    k: 1,
  });
  const dim = input.dim();
  if (dim < 3) {
    throw new ValueError(
      // PyTorch's message, with the run of spaces its line continuation leaves.
      `Expected 3D or higher dimensionality                          input (got ${dim} dimensions)`,
    );
  }
  if (input.numel() === 0) return input;
  // The mean of squares over a window of channels: pad the channel dim, then average.
  const sq = input.mul(input);
  const N = input.size(0), C = input.size(1);
  const flat = sq.reshape([N, 1, C, -1]);
  const padded = pad(flat, [
    0,
    0,
    Math.floor(size / 2),
    Math.floor((size - 1) / 2),
  ]);
  const div = avg_pool2d(padded, [size, 1], 1).reshape([...input._shape]);
  return input.div(div.mul(o.alpha).add(o.k).pow(o.beta));
}

// ------------------------------------------------------------------------------------------------
// Channel dropouts

/** PyTorch's feature (channel) dropout: one draw per (sample, channel), alpha-style optionally. */
function featureDropout(
  input: Tensor,
  p: number,
  training: boolean,
  alpha: boolean,
  feature: boolean,
): Tensor {
  if (p < 0 || p > 1) {
    throw new ValueError(
      `dropout probability has to be between 0 and 1, but got ${p}`,
    );
  }
  if (p === 0 || !training || input.numel() === 0) return input;
  if (p === 1) return input.mul(0);
  const shape = feature
    ? input._shape.map((s, i) => (i < 2 ? s : 1))
    : [...input._shape];
  const noise = empty(shape, { dtype: input.dtype, device: input.device });
  bernoulli_(noise, 1 - p);
  if (!alpha) return input.mul(noise.div(1 - p));
  const a = 1.7580993408473766;
  const scale = 1 / Math.sqrt((a * a * p + 1) * (1 - p));
  const b = noise.add(-1).mul(a * scale).add(a * scale * p);
  return input.mul(noise.mul(scale)).add(b);
}

/** `F.dropout1d(input, p = 0.5, training = true, inplace = false)`: whole channels of (N, C, L). */
export function dropout1d(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("dropout1d", args, ["p", "training", "inplace"], {
    p: 0.5,
    training: true,
    inplace: false,
  });
  if (input.dim() !== 2 && input.dim() !== 3) {
    throw new RuntimeError(
      `dropout1d: Expected 2D or 3D input, but received a ${input.dim()}D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).`,
    );
  }
  const batched = input.dim() === 3;
  const x = batched ? input : input.unsqueeze(0);
  let out = featureDropout(x, o.p, o.training, false, true);
  if (!batched) out = out.squeeze(0);
  return finish(input, out, o.inplace);
}

/** `F.dropout2d(input, p = 0.5, training = true, inplace = false)`: whole channels of (N, C, H, W). */
export function dropout2d(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("dropout2d", args, ["p", "training", "inplace"], {
    p: 0.5,
    training: true,
    inplace: false,
  });
  // As PyTorch 1.13, a 3-D input is taken as (N, C, L).
  return finish(
    input,
    featureDropout(input, o.p, o.training, false, true),
    o.inplace,
  );
}

/** `F.alpha_dropout(input, p = 0.5, training = false, inplace = false)`: keeps SELU's statistics. */
export function alpha_dropout(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("alpha_dropout", args, ["p", "training", "inplace"], {
    p: 0.5,
    training: false,
    inplace: false,
  });
  return finish(
    input,
    featureDropout(input, o.p, o.training, true, false),
    o.inplace,
  );
}

/** `F.feature_alpha_dropout(input, p = 0.5, training = false, inplace = false)`. */
export function feature_alpha_dropout(
  input: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "feature_alpha_dropout",
    args,
    ["p", "training", "inplace"],
    { p: 0.5, training: false, inplace: false },
  );
  return finish(
    input,
    featureDropout(input, o.p, o.training, true, true),
    o.inplace,
  );
}

// ------------------------------------------------------------------------------------------------
// Rearranging and pooling

/** `F.pixel_shuffle(input, upscale_factor)`: (*, C·r², H, W) to (*, C, H·r, W·r). */
export function pixel_shuffle(input: Tensor, upscale_factor: number): Tensor {
  const r = upscale_factor, d = input.dim();
  if (d < 3) {
    throw new RuntimeError(
      `pixel_shuffle expects input to have at least 3 dimensions, but got input with ${d} dimension(s)`,
    );
  }
  const [c, h, w] = input._shape.slice(-3);
  if (c % (r * r) !== 0) {
    throw new RuntimeError(
      `pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${
        r * r
      }`,
    );
  }
  const lead = input._shape.slice(0, -3), oc = c / (r * r), L = lead.length;
  return input.reshape([...lead, oc, r, r, h, w])
    .permute([...lead.map((_, i) => i), L, L + 3, L + 1, L + 4, L + 2])
    .reshape([...lead, oc, h * r, w * r]);
}

/** `F.pixel_unshuffle(input, downscale_factor)`: (*, C, H·r, W·r) to (*, C·r², H, W). */
export function pixel_unshuffle(
  input: Tensor,
  downscale_factor: number,
): Tensor {
  const r = downscale_factor, d = input.dim();
  if (d < 3) {
    throw new RuntimeError(
      `pixel_unshuffle expects input to have at least 3 dimensions, but got input with ${d} dimension(s)`,
    );
  }
  const [c, H, W] = input._shape.slice(-3);
  if (H % r !== 0 || W % r !== 0) {
    throw new RuntimeError(
      `pixel_unshuffle expects ${
        H % r !== 0 ? "height" : "width"
      } to be divisible by downscale_factor, but input.size(${
        H % r !== 0 ? -2 : -1
      })=${H % r !== 0 ? H : W} is not divisible by ${r}`,
    );
  }
  const lead = input._shape.slice(0, -3), L = lead.length;
  return input.reshape([...lead, c, H / r, r, W / r, r])
    .permute([...lead.map((_, i) => i), L, L + 2, L + 4, L + 1, L + 3])
    .reshape([...lead, c * r * r, H / r, W / r]);
}

/**
 * `F.avg_pool1d(input, kernel_size, stride = None, padding = 0, ceil_mode = false,
 * count_include_pad = true)`: avg_pool2d over a height of one.
 */
export function avg_pool1d(
  input: Tensor,
  kernel_size: number | number[],
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "avg_pool1d",
    args,
    ["stride", "padding", "ceil_mode", "count_include_pad"],
    {
      stride: null as number | number[] | null,
      padding: 0 as number | number[],
      ceil_mode: false,
      count_include_pad: true,
    },
  );
  if (input.dim() !== 2 && input.dim() !== 3) {
    throw new RuntimeError(
      `avg_pool1d: Expected 2D or 3D input, but got ${input.dim()}D`,
    );
  }
  const one = (v: number | number[]) => (Array.isArray(v) ? v[0] : v);
  const k = one(kernel_size);
  const s = o.stride === null ? k : one(o.stride);
  const out = avg_pool2d(
    input.unsqueeze(-2),
    [1, k],
    [1, s],
    [0, one(o.padding)],
    o.ceil_mode,
    o.count_include_pad,
  );
  return out.squeeze(-2);
}

/** `F.adaptive_avg_pool1d(input, output_size)`. */
export function adaptive_avg_pool1d(
  input: Tensor,
  output_size: number | number[],
): Tensor {
  if (input.dim() !== 2 && input.dim() !== 3) {
    throw new RuntimeError(
      `adaptive_avg_pool1d(): Expected 2D or 3D tensor, but got [${
        input._shape.join(", ")
      }]`,
    );
  }
  const n = Array.isArray(output_size) ? output_size[0] : output_size;
  return adaptive_avg_pool2d(input.unsqueeze(-2), [1, n]).squeeze(-2);
}

/**
 * `F.pairwise_distance(x1, x2, p = 2, eps = 1e-6, keepdim = false)`: ‖x1 - x2 + eps‖_p over the
 * last dim.
 */
export function pairwise_distance(
  x1: Tensor,
  x2: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("pairwise_distance", args, ["p", "eps", "keepdim"], {
    p: 2,
    eps: 1e-6,
    keepdim: false,
  });
  const d = Math.max(x1.dim(), x2.dim()) - 1;
  return x1.sub(x2).add(o.eps).norm(o.p, d, o.keepdim);
}

/**
 * `F.gumbel_softmax(logits, tau = 1, hard = false, eps = 1e-10, dim = -1)`: softmax((logits + g)
 * / tau) with g ~ Gumbel(0, 1) drawn as PyTorch draws it (-log of exponential_()); `hard` gives
 * the one-hot of the largest, with the soft sample's gradient (straight through).
 */
export function gumbel_softmax(logits: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("gumbel_softmax", args, ["tau", "hard", "eps", "dim"], {
    tau: 1,
    hard: false,
    eps: 1e-10,
    dim: -1,
  });
  const e = empty([...logits._shape], {
    dtype: logits.dtype,
    device: logits.device,
  });
  exponential_(e);
  const gumbels = logits.add(e.log().neg()).div(o.tau);
  const ySoft = softmax(gumbels, { dim: o.dim });
  if (!o.hard) return ySoft;
  const index = ySoft.argmax(o.dim, { keepdim: true });
  const yHard = ySoft.detach().mul(0).scatter(o.dim, index, 1);
  return yHard.sub(ySoft.detach()).add(ySoft);
}

/** Where adaptive pooling's output cell i of n reads over a length: [floor(i·L/n), ceil((i+1)·L/n)). */
function adaptiveRange(i: number, n: number, L: number): [number, number] {
  return [Math.floor((i * L) / n), Math.ceil(((i + 1) * L) / n)];
}

/**
 * `F.adaptive_max_pool2d(input, output_size, return_indices = false)`: the max of each adaptive
 * window (the first one in row order on ties), and its flat index in the plane.
 */
export function adaptive_max_pool2d(
  input: Tensor,
  output_size: number | (number | null)[],
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  const o = parseArgs("adaptive_max_pool2d", args, ["return_indices"], {
    return_indices: false,
  });
  const d = input.dim();
  if ((d !== 3 && d !== 4) || input.numel() === 0) {
    throw new RuntimeError(
      `adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: [${
        input._shape.join(", ")
      }]`,
    );
  }
  const [H, W] = input._shape.slice(-2);
  const [oh, ow] = typeof output_size === "number"
    ? [output_size, output_size]
    : [output_size[0] ?? H, output_size[1] ?? W];
  const lead = input._shape.slice(0, -2);
  const values: Tensor[] = [], indices: Tensor[] = [];
  for (let i = 0; i < oh; i++) {
    const [h0, h1] = adaptiveRange(i, oh, H);
    for (let j = 0; j < ow; j++) {
      const [w0, w1] = adaptiveRange(j, ow, W);
      const win = input.narrow(-2, h0, h1 - h0).narrow(-1, w0, w1 - w0)
        .reshape([...lead, -1]);
      const [v, k] = win.max(-1) as unknown as [Tensor, Tensor];
      values.push(v);
      const ws = w1 - w0;
      indices.push(
        k.div(ws, { rounding_mode: "floor" }).add(h0).mul(W).add(
          k.remainder(ws).add(w0),
        ),
      );
    }
  }
  const shape = [...lead, oh, ow];
  const out = stack(values, -1).reshape(shape);
  if (!o.return_indices) return out;
  return [out, stack(indices, -1).reshape(shape)];
}

/** `F.adaptive_max_pool1d(input, output_size, return_indices = false)`. */
export function adaptive_max_pool1d(
  input: Tensor,
  output_size: number | number[],
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  const o = parseArgs("adaptive_max_pool1d", args, ["return_indices"], {
    return_indices: false,
  });
  if (input.dim() !== 2 && input.dim() !== 3) {
    throw new RuntimeError(
      `adaptive_max_pool1d(): Expected 2D or 3D tensor, but got: [${
        input._shape.join(", ")
      }]`,
    );
  }
  const n = Array.isArray(output_size) ? output_size[0] : output_size;
  const r = adaptive_max_pool2d(input.unsqueeze(-2), [1, n], true) as [
    Tensor,
    Tensor,
  ];
  return o.return_indices
    ? [r[0].squeeze(-2), r[1].squeeze(-2)]
    : r[0].squeeze(-2);
}

/**
 * `F.affine_grid(theta, size, align_corners = None)`: the sampling grid of the affine maps theta
 * over an output of the given size, in [-1, 1] coordinates: (N, H, W, 2) from theta (N, 2, 3) for
 * a 4-D size, (N, D, H, W, 3) from theta (N, 3, 4) for a 5-D one.
 */
export function affine_grid(
  theta: Tensor,
  size: number[],
  ...args: unknown[]
): Tensor {
  const o = parseArgs("affine_grid", args, ["align_corners"], {
    align_corners: null as boolean | null,
  });
  const align = o.align_corners ?? false;
  if (!theta.is_floating_point()) {
    throw new ValueError(
      `Expected theta to have floating point type, but got ${theta.dtype}`,
    );
  }
  const list = `[${size.join(", ")}]`;
  if (size.length !== 4 && size.length !== 5) {
    throw new NotImplementedError(
      `affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, respectively. Got size ${list}.`,
    );
  }
  const S = size.length - 2; // spatial dims: 2 or 3
  if (theta.dim() !== 3 || theta.size(1) !== S || theta.size(2) !== S + 1) {
    throw new ValueError(
      `Expected a batch of ${S}D affine matrices of shape Nx${S}x${
        S + 1
      } for size ${list}. Got ${pySize(theta._shape)}.`,
    );
  }
  const spatial = size.slice(2);
  if (Math.min(...spatial) <= 0) {
    throw new ValueError(
      `Expected non-zero, positive output size. Got ${list}`,
    );
  }
  const N = size[0], count = spatial.reduce((a, b) => a * b, 1);
  const lin = (n: number) => {
    if (n <= 1) return zeros([n], { dtype: theta.dtype, device: theta.device });
    const step = linspace(-1, 1, n, {
      dtype: theta.dtype,
      device: theta.device,
    });
    return align ? step : step.mul((n - 1) / n);
  };
  // Base grid (...spatial, S + 1): x (the last dim), y, [z,] 1; the grid is base @ thetaᵀ.
  const axes = spatial.map((n, i) => {
    const shape = spatial.map((_, j) => (j === i ? n : 1));
    return lin(n).reshape([...shape, 1]).expand(...spatial, 1);
  }).reverse();
  const ones = axes[0].mul(0).add(1);
  const base = cat([...axes, ones], -1).reshape([1, count, S + 1]);
  return base.expand(N, count, S + 1).bmm(theta.transpose(1, 2)).reshape([
    N,
    ...spatial,
    S,
  ]);
}

/** Python's repr of a torch.Size. */
const pySize = (s: number[]) => `torch.Size([${s.join(", ")}])`;

/** PyTorch's reflect_coordinates: reflects into [twice_low/2, twice_high/2]. */
function reflect(x: Tensor, twiceLow: number, twiceHigh: number): Tensor {
  if (twiceLow === twiceHigh) return x.mul(0);
  const min = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
  const d = x.sub(min).abs();
  const extra = d.remainder(span);
  const even = d.div(span).floor().remainder(2).eq(0);
  return where(even, extra.add(min), extra.neg().add(span + min));
}

/** Keys's cubic convolution weights (A = -0.75) of the four taps around t in [0, 1). */
function cubicWeights(t: Tensor): Tensor[] {
  const A = -0.75;
  // |x| <= 1: ((A + 2)|x| - (A + 3))x² + 1; 1 < |x| < 2: ((A|x| - 5A)|x| + 8A)|x| - 4A.
  const near = (x: Tensor) => x.mul(A + 2).sub(A + 3).mul(x).mul(x).add(1);
  const far = (x: Tensor) =>
    x.mul(A).sub(5 * A).mul(x).add(8 * A).mul(x).sub(4 * A);
  return [far(t.add(1)), near(t), near(t.neg().add(1)), far(t.neg().add(2))];
}

/**
 * `F.grid_sample(input, grid, mode = 'bilinear', padding_mode = 'zeros', align_corners = None)`:
 * input (N, C, H, W) sampled at grid (N, Ho, Wo, 2) of (x, y) in [-1, 1], or input
 * (N, C, D, H, W) at grid (N, Do, Ho, Wo, 3) of (x, y, z); bilinear (trilinear for 5-D), nearest
 * or bicubic (4-D only), with zeros, border or reflection padding. Gradients reach both the input
 * and the grid.
 */
export function grid_sample(
  input: Tensor,
  grid: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "grid_sample",
    args,
    ["mode", "padding_mode", "align_corners"],
    {
      mode: "bilinear",
      padding_mode: "zeros",
      align_corners: null as boolean | null,
    },
  );
  if (o.mode !== "bilinear" && o.mode !== "nearest" && o.mode !== "bicubic") {
    throw new ValueError(
      `nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '${o.mode}'`,
    );
  }
  if (!["zeros", "border", "reflection"].includes(o.padding_mode)) {
    throw new ValueError(
      `nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or 'reflection', but got: '${o.padding_mode}'`,
    );
  }
  const sizes = (t: Tensor) => `[${t._shape.join(", ")}]`;
  if (grid.dim() < 1 || input.dim() < 1 || grid.size(0) !== input.size(0)) {
    throw new RuntimeError(
      `grid_sampler(): expected grid and input to have same batch size, but got input with sizes ${
        sizes(input)
      } and grid with sizes ${sizes(grid)}`,
    );
  }
  if (grid.size(-1) !== input.dim() - 2) {
    throw new RuntimeError(
      `grid_sampler(): expected grid to have size ${
        input.dim() - 2
      } in last dimension, but got grid with sizes ${sizes(grid)}`,
    );
  }
  for (let i = 2; i < input.dim(); i++) {
    if (input.size(i) <= 0) {
      throw new RuntimeError(
        `grid_sampler(): expected input to have non-empty spatial dimensions, but input has sizes ${
          sizes(input)
        } with dimension ${i} being empty`,
      );
    }
  }
  const rank = input.dim() === 4 ? 4 : 5;
  if (input.dim() !== rank || grid.dim() !== rank) {
    throw new RuntimeError(
      `grid_sampler(): expected ${rank}D input and grid with same number of dimensions, but got input with sizes ${
        sizes(input)
      } and grid with sizes ${sizes(grid)}`,
    );
  }
  if (rank === 5 && o.mode === "bicubic") {
    throw new RuntimeError(
      "grid_sampler(): bicubic interpolation only supports 4D input",
    );
  }
  const align = o.align_corners ?? false;
  const [N, C] = input._shape, spatial = input._shape.slice(2);
  const S = spatial.length, out = grid._shape.slice(1, -1);
  const count = out.reduce((a, b) => a * b, 1);
  // Coordinate k of the grid (x, y, z) indexes spatial dim S-1-k (W, H, D).
  const sizeOf = (k: number) => spatial[S - 1 - k];
  const unnormalize = (c: Tensor, size: number) =>
    align ? c.add(1).div(2).mul(size - 1) : c.add(1).mul(size).sub(1).div(2);
  const padCoord = (c: Tensor, size: number) => {
    if (o.padding_mode === "border") return c.clamp(0, size - 1);
    if (o.padding_mode === "reflection") {
      const r = align
        ? reflect(c, 0, 2 * (size - 1))
        : reflect(c, -1, 2 * size - 1);
      return r.clamp(0, size - 1);
    }
    return c;
  };
  const flat = input.reshape([N, C, spatial.reduce((a, b) => a * b, 1)]);
  /** input at integer coordinates (x, y[, z]) of shape (N, ...out), zero outside. */
  const at = (cs: Tensor[]): Tensor => {
    let inside: Tensor | null = null, index: Tensor | null = null;
    for (let d = 0; d < S; d++) {
      // Row-major over (D, H, W): the slowest coordinate is the last one.
      const k = S - 1 - d, n = sizeOf(k), c = cs[k];
      const ok = c.ge(0).logical_and(c.le(n - 1));
      inside = inside === null ? ok : inside.logical_and(ok);
      const ci = c.clamp(0, n - 1);
      index = index === null ? ci : index.mul(n).add(ci);
    }
    const gathered = flat.gather(
      2,
      index!.to("int64").reshape([N, 1, count]).expand(N, C, count),
    ).reshape([N, C, ...out]);
    return where(inside!.unsqueeze(1), gathered, 0);
  };
  const coords = Array.from(
    { length: S },
    (_, k) => unnormalize(grid.select(-1, k), sizeOf(k)),
  );
  if (o.mode === "bicubic") {
    // Taps at floor - 1 .. floor + 2, each padded on its own (PyTorch's get_value_bounded).
    const [ix, iy] = coords;
    const x0 = ix.floor().detach(), y0 = iy.floor().detach();
    const wx = cubicWeights(ix.sub(x0)), wy = cubicWeights(iy.sub(y0));
    const tap = (c0: Tensor, j: number, size: number) =>
      padCoord(c0.add(j - 1), size).trunc();
    let result: Tensor | null = null;
    for (let i = 0; i < 4; i++) {
      const y = tap(y0, i, sizeOf(1));
      let row: Tensor | null = null;
      for (let j = 0; j < 4; j++) {
        const term = at([tap(x0, j, sizeOf(0)), y]).mul(wx[j].unsqueeze(1));
        row = row === null ? term : row.add(term);
      }
      const term = row!.mul(wy[i].unsqueeze(1));
      result = result === null ? term : result.add(term);
    }
    return result!;
  }
  const padded = coords.map((c, k) => padCoord(c, sizeOf(k)));
  if (o.mode === "nearest") {
    // nearbyint: half to even. The grid's gradient is zero, not absent, as in PyTorch.
    return at(padded.map((c) => c.round().detach())).add(grid.mul(0).sum());
  }
  // (Tri)linear: the 2^S corners, each weighted by the product of its distances' complements.
  const lo = padded.map((c) => c.floor().detach());
  let result: Tensor | null = null;
  for (let corner = 0; corner < 1 << S; corner++) {
    const cs: Tensor[] = [];
    let w: Tensor | null = null;
    for (let k = 0; k < S; k++) {
      const high = (corner >> k) & 1;
      const c = high ? lo[k].add(1) : lo[k];
      const wk = high ? padded[k].sub(lo[k]) : lo[k].add(1).sub(padded[k]);
      cs.push(c);
      w = w === null ? wk : w.mul(wk);
    }
    const term = at(cs).mul(w!.unsqueeze(1));
    result = result === null ? term : result.add(term);
  }
  return result!;
}

/**
 * `F.embedding_bag(input, weight, offsets = None, max_norm = None, norm_type = 2,
 * scale_grad_by_freq = false, mode = 'mean', sparse = false, per_sample_weights = None,
 * include_last_offset = false, padding_idx = None)`: the sum, mean or max of each bag of
 * embeddings; bags are the rows of a 2-D input, or runs of a 1-D input starting at `offsets`.
 * Entries equal to padding_idx are left out (an empty bag gives zeros).
 */
export function embedding_bag(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("embedding_bag", args, [
    "offsets",
    "max_norm",
    "norm_type",
    "scale_grad_by_freq",
    "mode",
    "sparse",
    "per_sample_weights",
    "include_last_offset",
    "padding_idx",
  ], {
    offsets: null as Tensor | null,
    max_norm: null as number | null,
    norm_type: 2,
    scale_grad_by_freq: false,
    mode: "mean",
    sparse: false,
    per_sample_weights: null as Tensor | null,
    include_last_offset: false,
    padding_idx: null as number | null,
  });
  const psw = o.per_sample_weights;
  if (psw && psw.shape.join() !== input.shape.join()) {
    throw new ValueError(
      `embedding_bag: If per_sample_weights (torch.Size([${
        psw.shape.join(", ")
      }])) is not None, then it must have the same shape as the input (torch.Size([${
        input.shape.join(", ")
      }]))`,
    );
  }
  let flat: Tensor, starts: number[];
  if (input.dim() === 2) {
    if (o.offsets !== null) {
      throw new ValueError(
        "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length sequences. However, found offsets of type <class 'torch.Tensor'>",
      );
    }
    const [B, L] = input._shape;
    flat = input.reshape(-1);
    starts = Array.from({ length: B }, (_, b) => b * L);
  } else if (input.dim() === 1) {
    if (o.offsets === null) {
      throw new ValueError("offsets has to be a 1D Tensor but got None");
    }
    if (o.offsets.dim() !== 1) {
      throw new ValueError("offsets has to be a 1D Tensor");
    }
    flat = input;
    starts = (o.offsets.tolist() as number[]).map(Number);
    if (o.include_last_offset) starts = starts.slice(0, -1);
  } else {
    throw new ValueError(
      `input has to be 1D or 2D Tensor, but got Tensor of dimension ${input.dim()}`,
    );
  }
  if (!["sum", "mean", "max"].includes(o.mode)) {
    throw new ValueError("mode has to be one of sum, mean or max");
  }
  if (o.mode === "max" && o.scale_grad_by_freq) {
    throw new ValueError(
      "max mode does not support scaling the gradient by the frequency",
    );
  }
  if (o.mode === "max" && o.sparse) {
    throw new ValueError("max mode does not support sparse weights");
  }
  _refuseSparse("embedding_bag", o.sparse);
  if (o.max_norm !== null) {
    _embedding_renorm_(weight, flat, o.max_norm, o.norm_type);
  }
  if (psw && o.mode !== "sum") {
    throw new NotImplementedError(
      `embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' (got mode='${o.mode}'). Please open a feature request on GitHub.`,
    );
  }
  const ids = (flat.tolist() as number[]).map(Number);
  const n = ids.length, B = starts.length, D = weight.size(1);
  const ends = starts.map((_, b) => (b + 1 < B ? starts[b + 1] : n));
  const pad = o.padding_idx === null
    ? -1
    : o.padding_idx < 0
    ? o.padding_idx + weight.size(0)
    : o.padding_idx;
  const opts = { dtype: weight.dtype, device: weight.device };
  const long = (xs: number[]) =>
    tensor(xs, { dtype: "int64", device: weight.device });
  // Each kept entry's bag, and the entries themselves.
  const kept: number[] = [], bagOf: number[] = [];
  for (let b = 0; b < B; b++) {
    for (let k = starts[b]; k < ends[b]; k++) {
      if (ids[k] === pad) continue;
      kept.push(k);
      bagOf.push(b);
    }
  }
  if (o.mode === "max") {
    const rows: Tensor[] = [];
    for (let b = 0; b < B; b++) {
      const members = kept.filter((_, i) => bagOf[i] === b).map((k) => ids[k]);
      rows.push(
        members.length === 0
          ? zeros([D], opts)
          : (weight.index_select(0, long(members)).max(0) as unknown as [
            Tensor,
            Tensor,
          ])[0],
      );
    }
    return stack(rows, 0);
  }
  let scale: Tensor | null = null;
  if (o.scale_grad_by_freq) {
    // PyTorch 1.13's CPU backward divides the gradient of the g-th smallest distinct index by
    // the count of the g-th smallest entry (sorted[g], not that index): reproduced as it is.
    const sorted = [...ids].sort((a, b) => a - b);
    const counts = new Map<number, number>();
    for (const v of ids) counts.set(v, (counts.get(v) ?? 0) + 1);
    const factor = new Map<number, number>();
    for (const v of sorted) {
      if (!factor.has(v)) factor.set(v, 1 / counts.get(sorted[factor.size])!);
    }
    scale = tensor(kept.map((k) => factor.get(ids[k])!), opts);
  }
  let emb = _embeddingRows(weight, long(kept.map((k) => ids[k])), -1, scale);
  if (psw) {
    emb = emb.mul(psw.reshape(-1).index_select(0, long(kept)).unsqueeze(1));
  }
  let out = zeros([B, D], opts).index_add(0, long(bagOf), emb);
  if (o.mode === "mean") {
    const counts = new Array<number>(B).fill(0);
    for (const b of bagOf) counts[b]++;
    out = out.div(tensor(counts.map((c) => Math.max(c, 1)), opts).unsqueeze(1));
  }
  return out;
}
