// `torch.nn.functional` (F): activations, dropout, linear maps, normalisation and embedding as
// compositions of differentiable ops, plus re-exports of the conv, pool, resize and loss functions.

import { bfloat16, float32, int64 } from "../dtype.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { record } from "../autograd/record.ts";
import { parseArgs } from "../ops/_args.ts";
import { assignInPlace } from "../ops/core.ts";
import { where } from "../ops/elementwise.ts";
import { flatten as flattenView } from "../ops/views.ts";
import { bernoulli_ } from "../ops/random.ts";
import * as pool from "../ops/pool.ts";
import { Size } from "../shape.ts";
import { tensor } from "../ops/creation.ts";
import {
  _embedding_renorm_,
  _embeddingRows,
  _refuseSparse,
  frequencies,
} from "./_embedding.ts";

export { log_softmax, softmax } from "../ops/activation.ts";
export {
  conv1d,
  conv2d,
  conv3d,
  conv_transpose1d,
  conv_transpose2d,
  fold,
  unfold,
} from "../ops/conv.ts";
export { adaptive_avg_pool2d, avg_pool2d } from "../ops/pool.ts";
export { interpolate, one_hot, pad } from "../ops/resize.ts";
export {
  multi_head_attention_forward,
  scaled_dot_product_attention,
} from "./attention.ts";
export * from "./functional_more.ts";
export { ctc_loss } from "./ctc.ts";
export {
  binary_cross_entropy,
  binary_cross_entropy_with_logits,
  cosine_embedding_loss,
  cross_entropy,
  gaussian_nll_loss,
  hinge_embedding_loss,
  huber_loss,
  kl_div,
  l1_loss,
  margin_ranking_loss,
  mse_loss,
  multilabel_soft_margin_loss,
  nll_loss,
  poisson_nll_loss,
  smooth_l1_loss,
  soft_margin_loss,
  triplet_margin_loss,
} from "./losses.ts";

/** `inplace` given positionally (`F.relu(x, true)`) or as an option (`F.relu(x, { inplace: true })`). */
type InplaceArg = boolean | { inplace?: boolean };

function inplaceOf(arg: InplaceArg | undefined): boolean {
  return typeof arg === "boolean" ? arg : Boolean(arg?.inplace);
}

/** The result written into `input` when `inplace` was asked for. */
function finish(input: Tensor, out: Tensor, inplace: boolean): Tensor {
  return inplace ? assignInPlace(input, out) : out;
}

/**
 * `F.relu(input, inplace = false)`: max(x, 0).
 * @example F.relu(torch.tensor([-1, 0, 2]))  // 0 0 2
 */
export function relu(input: Tensor, inplace?: InplaceArg): Tensor {
  return inplaceOf(inplace) ? input.relu_() : input.relu();
}

/**
 * `F.relu_(input)`: relu in place.
 * @example F.relu_(x)
 */
export function relu_(input: Tensor): Tensor {
  return input.relu_();
}

/**
 * `F.leaky_relu(input, negative_slope = 0.01, inplace = false)`: x where x > 0, else slope * x.
 * @example F.leaky_relu(x, 0.2)
 */
export function leaky_relu(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("leaky_relu", args, ["negative_slope", "inplace"], {
    negative_slope: 0.01,
    inplace: false,
  });
  // where(x > 0, ...) gives PyTorch's gradient at 0 (the slope side).
  const out = where(input.gt(0), input, input.mul(o.negative_slope));
  return finish(input, out, o.inplace);
}

/**
 * `F.elu(input, alpha = 1, inplace = false)`: x where x > 0, else alpha * (exp(x) - 1).
 * @example F.elu(x)
 */
export function elu(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("elu", args, ["alpha", "inplace"], {
    alpha: 1,
    inplace: false,
  });
  // expm1 sees min(x, 0) so that a large positive x cannot put inf * 0 into the gradient.
  const neg = input.clamp(null, 0).expm1().mul(o.alpha);
  return finish(input, where(input.gt(0), input, neg), o.inplace);
}

/**
 * `F.gelu(input, { approximate = "none" })`: x * Φ(x) with the exact erf form, or the tanh form.
 * @example F.gelu(x, { approximate: "tanh" })
 */
export function gelu(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("gelu", args, ["approximate"], {
    approximate: "none" as string,
  });
  if (o.approximate === "tanh") {
    const k = Math.sqrt(2 / Math.PI);
    const inner = input.add(input.mul(input).mul(input).mul(0.044715)).mul(k);
    return input.mul(0.5).mul(inner.tanh().add(1));
  }
  if (o.approximate !== "none") {
    throw new RuntimeError(
      `approximate argument must be either none or tanh.`,
    );
  }
  return input.mul(0.5).mul(input.mul(Math.SQRT1_2).erf().add(1));
}

/**
 * `F.silu(input, inplace = false)`: x * sigmoid(x).
 * @example F.silu(x)
 */
export function silu(input: Tensor, inplace?: InplaceArg): Tensor {
  return finish(input, input.mul(input.sigmoid()), inplaceOf(inplace));
}

/**
 * `F.sigmoid(input)`: 1 / (1 + exp(-x)).
 * @example F.sigmoid(x)
 */
export function sigmoid(input: Tensor): Tensor {
  return input.sigmoid();
}

/**
 * `F.tanh(input)`.
 * @example F.tanh(x)
 */
export function tanh(input: Tensor): Tensor {
  return input.tanh();
}

/**
 * `F.dropout(input, p = 0.5, training = true, inplace = false)`: zeroes each element with
 * probability p and scales the rest by 1 / (1 - p). The mask draws PyTorch's stream: bernoulli_(1 - p),
 * two draws per element; the scale is 1 / f32(1 - p) rounded to float32 for a float32 input.
 * @example torch.manual_seed(0); F.dropout(torch.ones(4), 0.5)
 */
export function dropout(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("dropout", args, ["p", "training", "inplace"], {
    p: 0.5,
    training: true,
    inplace: false,
  });
  const { p } = o;
  if (p < 0 || p > 1) {
    throw new ValueError(
      `dropout probability has to be between 0 and 1, but got ${p}`,
    );
  }
  if (p === 0 || !o.training || input.numel() === 0) return input;
  if (p === 1) return finish(input, input.mul(0), o.inplace);
  const keep = 1 - p;
  const noise = no_grad(() => {
    const n = bernoulli_(Tensor.empty(input._shape, input.dtype), keep);
    const scale = input.dtype === float32
      ? Math.fround(1 / Math.fround(keep))
      : 1 / keep;
    return n.mul(scale);
  });
  return finish(input, input.mul(noise), o.inplace);
}

/**
 * `F.linear(input, weight, bias = null)`: input @ weightᵀ + bias.
 * @example F.linear(torch.randn(2, 4), torch.randn(3, 4), torch.zeros(3))  // shape [2, 3]
 */
export function linear(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
): Tensor {
  if (input.dim() !== 2 || !bias) {
    const out = input.matmul(weight.t());
    return bias ? out.add(bias) : out;
  }
  // The 2-D case is one addmm node, as in PyTorch (AddmmBackward0): x Wᵀ + b. PyTorch's bfloat16
  // addmm accumulates and adds the bias in float32, rounding once at the end; so does this.
  const out = no_grad(() =>
    input.dtype === bfloat16
      ? input.float().matmul(weight.float().t()).add(bias.float()).to(bfloat16)
      : input.matmul(weight.t()).add(bias)
  );
  record({
    name: "AddmmBackward0",
    inputs: [input, weight, bias],
    outputs: [out],
    save: [input, weight],
    backward: ([g], [x, w]) => [g.mm(w), g.t().mm(x), g.sum(0)],
  });
  return out;
}

/**
 * `F.bilinear(input1, input2, weight, bias = null)`: y_k = x1ᵀ A_k x2 + b_k, with weight of shape
 * (out, in1, in2) and any leading batch dims on the inputs.
 * @example F.bilinear(torch.randn(5, 2), torch.randn(5, 3), torch.randn(4, 2, 3))  // shape [5, 4]
 */
export function bilinear(
  input1: Tensor,
  input2: Tensor,
  weight: Tensor,
  bias: Tensor | null = null,
): Tensor {
  const [out, in1, in2] = weight._shape;
  const lead = input1._shape.slice(0, -1);
  const x1 = input1.reshape(-1, in1), x2 = input2.reshape(-1, in2);
  // (N, in1) @ (in1, out * in2) -> (N, out, in2), then the dot with x2 over in2.
  const a = weight.permute(1, 0, 2).reshape(in1, out * in2);
  let y = x1.matmul(a).view(-1, out, in2).mul(x2.unsqueeze(1)).sum(-1);
  if (bias) y = y.add(bias);
  return y.reshape([...lead, out]);
}

/** Shape with 1 everywhere but the channel dim (dim 1), for broadcasting per-channel values. */
function channelShape(input: Tensor): number[] {
  return input._shape.map((s, i) => (i === 1 ? s : 1));
}

/**
 * `F.batch_norm(input, running_mean, running_var, weight = null, bias = null, training = false,
 * momentum = 0.1, eps = 1e-5)`: normalises each channel (dim 1) by the batch's statistics in
 * training (updating the running ones in place, the variance unbiased) or by the running ones.
 * @example F.batch_norm(x, null, null, null, null, true)
 */
export function batch_norm(
  input: Tensor,
  running_mean: Tensor | null,
  running_var: Tensor | null,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("batch_norm", args, [
    "weight",
    "bias",
    "training",
    "momentum",
    "eps",
  ], {
    weight: null as Tensor | null,
    bias: null as Tensor | null,
    training: false,
    momentum: 0.1,
    eps: 1e-5,
  });
  const shape = channelShape(input);
  const dims = input._shape.map((_, i) => i).filter((i) => i !== 1);
  let mean: Tensor, invstd: Tensor;
  if (o.training) {
    const n = input.numel() / input._shape[1];
    if (n <= 1) {
      throw new ValueError(
        `Expected more than 1 value per channel when training, got input size ${new Size(
          input._shape,
        )}`,
      );
    }
    mean = input.mean(dims, true);
    const centred = input.sub(mean);
    const biased = centred.mul(centred).mean(dims, true);
    invstd = biased.add(o.eps).rsqrt();
    no_grad(() => {
      const m = o.momentum;
      if (running_mean) {
        running_mean.mul_(1 - m).add_(mean.detach().reshape(-1).mul(m));
      }
      if (running_var) {
        const unbiased = biased.detach().reshape(-1).mul(n / (n - 1));
        running_var.mul_(1 - m).add_(unbiased.mul(m));
      }
    });
    let y = centred.mul(invstd);
    if (o.weight) y = y.mul(o.weight.reshape(shape));
    return o.bias ? y.add(o.bias.reshape(shape)) : y;
  }
  if (!running_mean || !running_var) {
    throw new RuntimeError(
      "running_mean and running_var must be defined in evaluation mode",
    );
  }
  mean = running_mean.reshape(shape);
  invstd = running_var.reshape(shape).add(o.eps).rsqrt();
  let y = input.sub(mean).mul(invstd);
  if (o.weight) y = y.mul(o.weight.reshape(shape));
  return o.bias ? y.add(o.bias.reshape(shape)) : y;
}

/**
 * `F.layer_norm(input, normalized_shape, weight = null, bias = null, eps = 1e-5)`: normalises over
 * the last `normalized_shape.length` dims with the biased variance.
 * @example F.layer_norm(torch.randn(2, 5), [5])
 */
export function layer_norm(
  input: Tensor,
  normalized_shape: number | readonly number[],
  ...args: unknown[]
): Tensor {
  const o = parseArgs("layer_norm", args, ["weight", "bias", "eps"], {
    weight: null as Tensor | null,
    bias: null as Tensor | null,
    eps: 1e-5,
  });
  const ns = typeof normalized_shape === "number"
    ? [normalized_shape]
    : [...normalized_shape];
  const tail = input._shape.slice(input.dim() - ns.length);
  if (ns.length > input.dim() || tail.some((s, i) => s !== ns[i])) {
    throw new RuntimeError(
      `Given normalized_shape=[${
        ns.join(", ")
      }], expected input with shape [*, ${
        ns.join(", ")
      }], but got input of size[${input._shape.join(", ")}]`,
    );
  }
  const dims = ns.map((_, i) => input.dim() - ns.length + i);
  const centred = input.sub(input.mean(dims, true));
  const invstd = centred.mul(centred).mean(dims, true).add(o.eps).rsqrt();
  let y = centred.mul(invstd);
  if (o.weight) y = y.mul(o.weight);
  return o.bias ? y.add(o.bias) : y;
}

/**
 * `F.embedding(input, weight, padding_idx = null, max_norm = null, norm_type = 2,
 * scale_grad_by_freq = false, sparse = false)`: rows of weight picked by integer indices; the
 * padding row gets no gradient. With max_norm, the picked rows are first renormalised in place;
 * with scale_grad_by_freq, each row's gradient is divided by how often the input picks it.
 * @example F.embedding(torch.tensor([[0, 2]]), torch.randn(3, 4))  // shape [1, 2, 4]
 */
export function embedding(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("embedding", args, [
    "padding_idx",
    "max_norm",
    "norm_type",
    "scale_grad_by_freq",
    "sparse",
  ], {
    padding_idx: null as number | null,
    max_norm: null as number | null,
    norm_type: 2,
    scale_grad_by_freq: false,
    sparse: false,
  });
  if (input.dtype.is_floating_point || input.dtype.name === "bool") {
    throw new RuntimeError(
      `Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got torch.${input.dtype.scalar_name}Tensor instead (while checking arguments for embedding)`,
    );
  }
  _refuseSparse("embedding", o.sparse);
  const rows = weight._shape[0];
  const pad = o.padding_idx === null
    ? -1
    : o.padding_idx < 0
    ? o.padding_idx + rows
    : o.padding_idx;
  if (o.max_norm !== null) {
    _embedding_renorm_(weight, input, o.max_norm, o.norm_type);
  }
  const idx = input.reshape(-1).to(int64);
  const scale = o.scale_grad_by_freq
    ? tensor(
      frequencies((idx.tolist() as number[]).map(Number)).map((c) => 1 / c),
      { dtype: weight.dtype, device: weight.device },
    )
    : null;
  return _embeddingRows(weight, idx, pad, scale, input._shape);
}

/**
 * `F.normalize(input, p = 2, dim = 1, eps = 1e-12)`: x / max(‖x‖_p, eps) along dim.
 * @example F.normalize(torch.tensor([[3, 4]], { dtype: torch.float32 }))  // 0.6 0.8
 */
export function normalize(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("normalize", args, ["p", "dim", "eps"], {
    p: 2,
    dim: 1,
    eps: 1e-12,
  });
  const n = input.norm(o.p, o.dim, true).clamp(o.eps, null);
  return input.div(n.expand_as(input));
}

/**
 * `torch.flatten(input, start_dim = 0, end_dim = -1)`, as F users call it.
 * @example F.flatten(torch.zeros(2, 3, 4), 1)  // shape [2, 12]
 */
export function flatten(input: Tensor, ...args: unknown[]): Tensor {
  return flattenView(input, ...args);
}

/**
 * `F.max_pool2d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1,
 * { ceil_mode, return_indices })`: the maximum of each window; `[output, indices]` with
 * `return_indices: true`.
 * @example F.max_pool2d(torch.randn(1, 6, 28, 28), [2, 2])  // shape [1, 6, 14, 14]
 */
export function max_pool2d(
  input: Tensor,
  ...args: [...unknown[], { return_indices: true }]
): [Tensor, Tensor];
/**
 * `F.max_pool2d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1,
 * { ceil_mode, return_indices })`: the maximum of each window; `[output, indices]` with
 * `return_indices: true`.
 * @example F.max_pool2d(torch.randn(1, 6, 28, 28), [2, 2])  // shape [1, 6, 14, 14]
 */
export function max_pool2d(input: Tensor, ...args: unknown[]): Tensor;
export function max_pool2d(
  input: Tensor,
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  return pool.max_pool2d(input, ...args);
}

/**
 * `F.max_pool1d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1,
 * { ceil_mode, return_indices })` over (N, C, L).
 * @example F.max_pool1d(torch.randn(2, 3, 8), 2)  // shape [2, 3, 4]
 */
export function max_pool1d(
  input: Tensor,
  ...args: [...unknown[], { return_indices: true }]
): [Tensor, Tensor];
/**
 * `F.max_pool1d(input, kernel_size, stride = kernel_size, padding = 0, dilation = 1,
 * { ceil_mode, return_indices })` over (N, C, L).
 * @example F.max_pool1d(torch.randn(2, 3, 8), 2)  // shape [2, 3, 4]
 */
export function max_pool1d(input: Tensor, ...args: unknown[]): Tensor;
export function max_pool1d(
  input: Tensor,
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  return pool.max_pool1d(input, ...args);
}
