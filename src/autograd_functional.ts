// torch.autograd.functional: the Jacobian and Hessian of a function, one backward pass per output
// element (as PyTorch's default, non-vectorized mode).

import { RuntimeError } from "./errors.ts";
import type { Tensor } from "./tensor.ts";
import { enable_grad } from "./autograd/grad_mode.ts";
import { grad } from "./autograd/functions.ts";
import { stack } from "./ops/indexing.ts";
import { zeros } from "./ops/creation.ts";

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];
type Options = { create_graph?: boolean; strict?: boolean };

/** d out / d x as a tensor of shape out.shape + x.shape. */
function block(
  out: Tensor,
  x: Tensor,
  k: number,
  j: number,
  opts: Options,
): Tensor {
  const n = out.numel();
  const flat = out.reshape(-1);
  const rows: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const [g] = out.requires_grad
      ? grad(flat.index(i), [x], {
        retain_graph: true,
        create_graph: opts.create_graph ?? false,
        allow_unused: true,
      })
      : [null];
    if (!g && opts.strict) {
      throw new RuntimeError(
        `Output ${k} of the user-provided function is independent of input ${j}. This is not allowed in strict mode.`,
      );
    }
    rows.push(g ?? zeros(x._shape, { dtype: x.dtype, device: x.device }));
  }
  const joined = n === 0
    ? zeros([0, ...x._shape], { dtype: x.dtype, device: x.device })
    : stack(rows);
  return joined.reshape([...out._shape, ...x._shape]);
}

/**
 * `torch.autograd.functional.jacobian(func, inputs, create_graph = False, strict = False)`: the
 * Jacobian of func at inputs, `out.shape + in.shape` for each (output, input) pair: a tensor for
 * one input and one output, an array over the inputs (or outputs), or arrays of arrays.
 */
export function jacobian(
  func: Fn,
  inputs: Tensor | Tensor[],
  opts: Options = {},
): Tensor | Tensor[] | Tensor[][] {
  const single = !Array.isArray(inputs);
  const xs = (single ? [inputs as Tensor] : inputs as Tensor[]).map((x) =>
    x.detach().requires_grad_(true)
  );
  const raw = enable_grad(() => func(...xs));
  const oneOut = !Array.isArray(raw);
  const outs = oneOut ? [raw as Tensor] : raw as Tensor[];
  const table = outs.map((out, k) =>
    xs.map((x, j) => block(out, x, k, j, opts))
  );
  if (oneOut && single) return table[0][0];
  if (oneOut) return table[0];
  if (single) return table.map((r) => r[0]);
  return table;
}

/**
 * `torch.autograd.functional.hessian(func, inputs, create_graph = False, strict = False)`: the
 * Hessian of a scalar func, `in.shape + in.shape` (for several inputs, an array of arrays).
 */
export function hessian(
  func: (...inputs: Tensor[]) => Tensor,
  inputs: Tensor | Tensor[],
  opts: Options = {},
): Tensor | Tensor[][] {
  const single = !Array.isArray(inputs);
  const xs = single ? [inputs as Tensor] : inputs as Tensor[];
  const gradient = (...ys: Tensor[]): Tensor[] => {
    const out = func(...ys);
    if (out.numel() !== 1) {
      throw new RuntimeError(
        "The function given to hessian should return a single element Tensor",
      );
    }
    return grad(out, ys, { create_graph: true, allow_unused: true })
      .map((g, i) => g ?? ys[i].mul(0));
  };
  const table = jacobian(gradient, xs, opts) as Tensor[][];
  return single ? table[0][0] : table;
}
