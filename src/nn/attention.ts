// Attention as compositions of differentiable ops: `F.scaled_dot_product_attention` (PyTorch 2's
// function, with its masks) and `F.multi_head_attention_forward`, the computation behind
// nn.MultiheadAttention, step for step as PyTorch 1.13 writes it (so a float32 result rounds as
// PyTorch's does: queries scaled before the product, masks added by baddbmm).

import { bool } from "../dtype.ts";
import { AssertionError, RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { parseArgs } from "../ops/_args.ts";
import { ones, zeros, zeros_like } from "../ops/creation.ts";
import { cat } from "../ops/indexing.ts";
import { baddbmm } from "../ops/arrange.ts";
import { softmax } from "../ops/activation.ts";
import { pad } from "../ops/resize.ts";
import { dropout, linear } from "./functional.ts";

/** Python's repr of a shape: `torch.Size([2, 3])`. */
const pySize = (t: Tensor) => `torch.Size([${t.shape.join(", ")}])`;
/** Python's repr of a tuple of ints: `(2, 3)`. */
const pyTuple = (xs: number[]) =>
  `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;

/**
 * `F.scaled_dot_product_attention(query, key, value, attn_mask = None, dropout_p = 0.0,
 * is_causal = false, scale = None)`: softmax(q kᵀ · scale + bias) v over the last two dims, with
 * scale 1/sqrt(E) by default. A bool mask says which positions take part (true) and a float one
 * is added; `is_causal` lets each query see only keys at or before it.
 */
export function scaled_dot_product_attention(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "scaled_dot_product_attention",
    args,
    ["attn_mask", "dropout_p", "is_causal", "scale"],
    {
      attn_mask: null as Tensor | null,
      dropout_p: 0,
      is_causal: false,
      scale: null as number | null,
    },
  );
  const L = query.size(-2), S = key.size(-2);
  if (o.is_causal && o.attn_mask !== null) {
    throw new RuntimeError(
      "_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True",
    );
  }
  const scale = o.scale ?? 1 / Math.sqrt(query.size(-1));
  let bias: Tensor | null = null;
  const opts = { dtype: query.dtype, device: query.device };
  if (o.is_causal) {
    const allowed = ones([L, S], { dtype: bool, device: query.device }).tril();
    bias = zeros([L, S], opts).masked_fill(allowed.logical_not(), -Infinity);
  } else if (o.attn_mask !== null) {
    bias = o.attn_mask.dtype === bool
      ? zeros(o.attn_mask.shape, opts).masked_fill(
        o.attn_mask.logical_not(),
        -Infinity,
      )
      : o.attn_mask;
  }
  let w = query.matmul(key.transpose(-2, -1)).mul(scale);
  if (bias) w = w.add(bias);
  w = softmax(w, { dim: -1 });
  if (o.dropout_p > 0) w = dropout(w, o.dropout_p, true);
  return w.matmul(value);
}

export interface MhaOptions {
  training?: boolean;
  key_padding_mask?: Tensor | null;
  need_weights?: boolean;
  attn_mask?: Tensor | null;
  use_separate_proj_weight?: boolean;
  q_proj_weight?: Tensor | null;
  k_proj_weight?: Tensor | null;
  v_proj_weight?: Tensor | null;
  static_k?: Tensor | null;
  static_v?: Tensor | null;
  average_attn_weights?: boolean;
}

function shapeCheck(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  kpm: Tensor | null,
  mask: Tensor | null,
  heads: number,
): boolean {
  const fail = (msg: string) => {
    throw new AssertionError(msg);
  };
  if (query.dim() === 3) {
    if (key.dim() !== 3 || value.dim() !== 3) {
      fail(
        `For batched (3-D) \`query\`, expected \`key\` and \`value\` to be 3-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`,
      );
    }
    if (kpm && kpm.dim() !== 2) {
      fail(
        `For batched (3-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 2-D but found ${kpm.dim()}-D tensor instead`,
      );
    }
    if (mask && mask.dim() !== 2 && mask.dim() !== 3) {
      fail(
        `For batched (3-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.dim()}-D tensor instead`,
      );
    }
    return true;
  }
  if (query.dim() === 2) {
    if (key.dim() !== 2 || value.dim() !== 2) {
      fail(
        `For unbatched (2-D) \`query\`, expected \`key\` and \`value\` to be 2-D but found ${key.dim()}-D and ${value.dim()}-D tensors respectively`,
      );
    }
    if (kpm && kpm.dim() !== 1) {
      fail(
        `For unbatched (2-D) \`query\`, expected \`key_padding_mask\` to be \`None\` or 1-D but found ${kpm.dim()}-D tensor instead`,
      );
    }
    if (mask) {
      if (mask.dim() !== 2 && mask.dim() !== 3) {
        fail(
          `For unbatched (2-D) \`query\`, expected \`attn_mask\` to be \`None\`, 2-D or 3-D but found ${mask.dim()}-D tensor instead`,
        );
      }
      const want = [heads, query.size(0), key.size(0)];
      if (mask.dim() === 3 && mask.shape.some((s, i) => s !== want[i])) {
        fail(
          `Expected \`attn_mask\` shape to be ${pyTuple(want)} but got ${
            pySize(mask)
          }`,
        );
      }
    }
    return false;
  }
  throw new AssertionError(
    `query should be unbatched 2D or batched 3D tensor but received ${query.dim()}-D query tensor`,
  );
}

/** q, k and v from one packed (3E, E) weight, with PyTorch's three cases. */
function projectPacked(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  w: Tensor,
  b: Tensor | null,
): Tensor[] {
  const E = q.size(-1);
  if (k === v) {
    if (q === k) return linear(q, w, b).chunk(3, -1);
    const [wq, wkv] = w.split([E, 2 * E]);
    const [bq, bkv] = b ? b.split([E, 2 * E]) : [null, null];
    return [linear(q, wq, bq), ...linear(k, wkv, bkv).chunk(2, -1)];
  }
  const [wq, wk, wv] = w.chunk(3);
  const [bq, bk, bv] = b ? b.chunk(3) : [null, null, null];
  return [linear(q, wq, bq), linear(k, wk, bk), linear(v, wv, bv)];
}

/**
 * `F.multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
 * in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn, dropout_p, out_proj_weight,
 * out_proj_bias, ...)`: inputs (L, N, E) (or unbatched (L, E)); returns the attention output and,
 * with `need_weights`, the weights (averaged over heads unless `average_attn_weights` is false).
 */
export function multi_head_attention_forward(
  query: Tensor,
  key: Tensor,
  value: Tensor,
  embed_dim_to_check: number,
  num_heads: number,
  in_proj_weight: Tensor | null,
  in_proj_bias: Tensor | null,
  bias_k: Tensor | null,
  bias_v: Tensor | null,
  add_zero_attn: boolean,
  dropout_p: number,
  out_proj_weight: Tensor,
  out_proj_bias: Tensor | null,
  opts: MhaOptions = {},
): [Tensor, Tensor | null] {
  const training = opts.training ?? true;
  let kpm = opts.key_padding_mask ?? null;
  let mask = opts.attn_mask ?? null;
  const batched = shapeCheck(query, key, value, kpm, mask, num_heads);
  if (!batched) {
    // As in PyTorch, three new tensors: the projection below then takes its general path.
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (kpm) kpm = kpm.unsqueeze(0);
  }
  const [tgtLen, bsz, embedDim] = query.shape;
  if (kpm && kpm.dtype !== bool && !kpm.is_floating_point()) {
    throw new AssertionError(
      "only bool and floating types of key_padding_mask are supported",
    );
  }
  if (embedDim !== embed_dim_to_check) {
    throw new AssertionError(
      `was expecting embedding dimension of ${embed_dim_to_check}, but got ${embedDim}`,
    );
  }
  const headDim = Math.floor(embedDim / num_heads);
  if (headDim * num_heads !== embedDim) {
    throw new AssertionError(
      `embed_dim ${embedDim} not divisible by num_heads ${num_heads}`,
    );
  }
  let q: Tensor, k: Tensor, v: Tensor;
  if (!opts.use_separate_proj_weight) {
    if (key.shape.some((s, i) => s !== value.shape[i])) {
      throw new AssertionError(
        `key shape ${pySize(key)} does not match value shape ${pySize(value)}`,
      );
    }
    [q, k, v] = projectPacked(query, key, value, in_proj_weight!, in_proj_bias);
  } else {
    const [bq, bk, bv] = in_proj_bias
      ? in_proj_bias.chunk(3)
      : [null, null, null];
    q = linear(query, opts.q_proj_weight!, bq);
    k = linear(key, opts.k_proj_weight!, bk);
    v = linear(value, opts.v_proj_weight!, bv);
  }
  if (mask) {
    if (mask.dtype.name === "uint8") mask = mask.to(bool);
    else if (!mask.is_floating_point() && mask.dtype !== bool) {
      throw new AssertionError(
        `Only float, byte, and bool types are supported for attn_mask, not torch.${mask.dtype.name}`,
      );
    }
    const srcLen0 = key.size(0);
    if (mask.dim() === 2) {
      const want = [tgtLen, srcLen0];
      if (mask.shape.some((s, i) => s !== want[i])) {
        throw new RuntimeError(
          `The shape of the 2D attn_mask is ${pySize(mask)}, but should be ${
            pyTuple(want)
          }.`,
        );
      }
      mask = mask.unsqueeze(0);
    } else if (mask.dim() === 3) {
      const want = [bsz * num_heads, tgtLen, srcLen0];
      if (mask.shape.some((s, i) => s !== want[i])) {
        throw new RuntimeError(
          `The shape of the 3D attn_mask is ${pySize(mask)}, but should be ${
            pyTuple(want)
          }.`,
        );
      }
    } else {
      throw new RuntimeError(
        `attn_mask's dimension ${mask.dim()} is not supported`,
      );
    }
  }
  if (bias_k && bias_v) {
    k = cat([k, bias_k.repeat(1, bsz, 1)]);
    v = cat([v, bias_v.repeat(1, bsz, 1)]);
    if (mask) mask = pad(mask, [0, 1]);
    if (kpm) kpm = pad(kpm, [0, 1]);
  }
  const heads = bsz * num_heads;
  q = q.contiguous().view(tgtLen, heads, headDim).transpose(0, 1);
  k = opts.static_k ??
    k.contiguous().view(k.size(0), heads, headDim).transpose(0, 1);
  v = opts.static_v ??
    v.contiguous().view(v.size(0), heads, headDim).transpose(0, 1);
  if (add_zero_attn) {
    const z = zeros([heads, 1, headDim], { dtype: k.dtype, device: k.device });
    k = cat([k, z], 1);
    v = cat([v, z], 1);
    if (mask) mask = pad(mask, [0, 1]);
    if (kpm) kpm = pad(kpm, [0, 1]);
  }
  const srcLen = k.size(1);
  if (kpm) {
    if (kpm.dim() !== 2 || kpm.size(0) !== bsz || kpm.size(1) !== srcLen) {
      throw new AssertionError(
        `expecting key_padding_mask shape of ${
          pyTuple([bsz, srcLen])
        }, but got ${pySize(kpm)}`,
      );
    }
    kpm = kpm.view(bsz, 1, 1, srcLen).expand(-1, num_heads, -1, -1)
      .reshape(heads, 1, srcLen);
    if (mask === null) mask = kpm;
    else if (mask.dtype === bool) mask = mask.logical_or(kpm);
    else mask = mask.masked_fill(kpm, -Infinity);
  }
  if (mask && mask.dtype === bool) {
    mask = zeros_like(mask, { dtype: q.dtype }).masked_fill(mask, -Infinity);
  }
  const p = training ? dropout_p : 0;
  const qScaled = q.div(Math.sqrt(q.size(2)));
  let w = mask
    ? baddbmm(mask, qScaled, k.transpose(-2, -1))
    : qScaled.bmm(k.transpose(-2, -1));
  w = softmax(w, { dim: -1 });
  if (p > 0) w = dropout(w, p);
  let out = w.bmm(v).transpose(0, 1).contiguous().view(
    tgtLen * bsz,
    embedDim,
  );
  out = linear(out, out_proj_weight, out_proj_bias);
  out = out.view(tgtLen, bsz, out.size(1));
  if (!(opts.need_weights ?? true)) {
    return [batched ? out : out.squeeze(1), null];
  }
  let weights = w.view(bsz, num_heads, tgtLen, srcLen);
  if (opts.average_attn_weights ?? true) {
    weights = weights.sum(1).div(num_heads);
  }
  if (!batched) {
    out = out.squeeze(1);
    weights = weights.squeeze(0);
  }
  return [out, weights];
}
