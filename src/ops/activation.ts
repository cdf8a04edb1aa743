// softmax and log_softmax along a dim: numerically stable forms (the max is subtracted first), each
// one graph node whose backward is written with ops, so second derivatives work.

import { bfloat16, float32, get_default_dtype } from "../dtype.ts";
import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { parseArgs } from "./_args.ts";
import { cast, dtypeArg } from "./core.ts";

function prepare(fn: string, input: Tensor, args: unknown[]) {
  const o = parseArgs(fn, args, ["dim"], {
    dim: undefined as number | undefined,
    dtype: undefined as unknown,
  });
  if (o.dim === undefined) {
    throw new TypeError(`${fn}() missing required argument 'dim'`);
  }
  const dtype = dtypeArg(o.dtype) ??
    (input.dtype.is_floating_point ? input.dtype : get_default_dtype());
  const d = input.dim() === 0 ? 0 : wrapDim(o.dim, input.dim());
  return { d, x: cast(input, dtype) };
}

/**
 * PyTorch's bfloat16 softmax kernels compute in float32 and round once at the end; composing
 * bfloat16 ops would round after every step.
 */
function inFloat32(x: Tensor, f: (x: Tensor) => Tensor): Tensor {
  return x.dtype === bfloat16 ? cast(f(cast(x, float32)), bfloat16) : f(x);
}

/** The backward twin of inFloat32: PyTorch's bfloat16 softmax backward kernels run in float32. */
function inFloat32Pair(
  g: Tensor,
  y: Tensor,
  f: (g: Tensor, y: Tensor) => Tensor,
): Tensor {
  return y.dtype === bfloat16
    ? cast(f(cast(g, float32), cast(y, float32)), bfloat16)
    : f(g, y);
}

/**
 * `torch.softmax(input, dim)`: exp(x) / sum(exp(x)) along dim.
 * @example torch.softmax(torch.tensor([[1, 2], [3, 5]], { dtype: torch.float32 }), 1)
 */
export function softmax(input: Tensor, ...args: unknown[]): Tensor {
  const { d, x } = prepare("softmax", input, args);
  const out = no_grad(() =>
    inFloat32(x, (x) => {
      if (x.dim() === 0) return x.mul(0).add(1);
      const e = x.sub(x.amax(d, true)).exp();
      return e.div(e.sum(d, true));
    })
  );
  // d softmax: y * (g - sum(g * y)).
  record({
    name: "SoftmaxBackward0",
    inputs: [input],
    outputs: [out],
    save: [out],
    backward: ([g], [y]) => [
      inFloat32Pair(g, y, (g, y) => y.mul(g.sub(g.mul(y).sum(d, true)))),
    ],
  });
  return out;
}

/**
 * `torch.log_softmax(input, dim)`: x - logsumexp(x) along dim (NaN along a row holding inf).
 * @example torch.log_softmax(torch.randn(2, 3), 1)
 */
export function log_softmax(input: Tensor, ...args: unknown[]): Tensor {
  const { d, x } = prepare("log_softmax", input, args);
  // As PyTorch's kernel: (x - max) - log(sum(exp(x - max))), with an infinite max left as it is,
  // so a row holding inf (or only -inf) is NaN throughout, not inf.
  const out = no_grad(() =>
    inFloat32(x, (x) => {
      if (x.dim() === 0) return x.mul(0);
      const shifted = x.sub(x.amax(d, true));
      return shifted.sub(shifted.exp().sum(d, true).log());
    })
  );
  // d log_softmax: g - exp(y) * sum(g).
  record({
    name: "LogSoftmaxBackward0",
    inputs: [input],
    outputs: [out],
    save: [out],
    backward: ([g], [y]) => [
      inFloat32Pair(g, y, (g, y) => g.sub(y.exp().mul(g.sum(d, true)))),
    ],
  });
  return out;
}
