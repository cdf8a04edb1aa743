// What every reduction shares: the input seen with the reduced dims last, one reduce primitive
// call into a contiguous result, and its gradient expanded back to the input's shape.

import { type DType, int64 } from "../dtype.ts";
import type { ArgReduceOp, ReduceOp } from "../backend/backend.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { fromHost } from "./_fallback.ts";
import { parseArgs } from "./_args.ts";
import { dtypeArg } from "./core.ts";
import { record } from "../autograd/record.ts";

export type Rows = {
  /** The permutation that puts the reduced dims last. */
  order: number[];
  count: number;
  len: number;
  outShape: number[];
  keptShape: number[];
  /** The reduced dims, ascending, and whether they were kept: to expand gradients back. */
  dims: number[];
  keepdim: boolean;
  inShape: number[];
};

/** Reads x with the reduced dims last: `count` rows of `len` doubles each. */
export function rowsOf(
  x: Tensor,
  dims: number[] | undefined,
  keepdim: boolean,
  name: string,
): Rows {
  const rank = x.dim();
  // An empty dim list (`x.sum(())`) reduces every dim, as no dim at all does.
  if (dims?.length === 0) dims = undefined;
  const reduced = new Set(
    (dims ?? [...Array(rank).keys()]).map((d) => wrapDim(d, rank)),
  );
  if (dims && reduced.size !== dims.length) {
    throw new RuntimeError(
      `dim ${
        [...dims].find((d, i) => dims.indexOf(d) !== i)
      } appears multiple times in the list of dims`,
    );
  }
  const kept = [...Array(rank).keys()].filter((d) => !reduced.has(d));
  const red = [...Array(rank).keys()].filter((d) => reduced.has(d));
  const keptShape = kept.map((d) => x._shape[d]);
  const len = red.reduce((a, d) => a * x._shape[d], 1);
  const count = keptShape.reduce((a, b) => a * b, 1);
  if (
    len === 0 &&
    ["max", "min", "amax", "amin", "argmax", "argmin"].includes(name) &&
    count > 0
  ) {
    throw new IndexError(
      `${name}(): Expected reduction dim ${
        dims ? [...reduced][0] : ""
      } to have non-zero size.`.replace("dim  to", "dim to"),
    );
  }
  const outShape = keepdim
    ? x._shape.map((s, d) => (reduced.has(d) ? 1 : s))
    : keptShape;
  return {
    order: [...kept, ...red],
    count,
    len,
    outShape,
    keptShape,
    dims: red,
    keepdim,
    inShape: [...x._shape],
  };
}

/** A reduced tensor brought back to the input's shape: reduced dims restored, then expanded. */
export function expandBack(t: Tensor, r: Rows): Tensor {
  let e = t;
  if (!r.keepdim) { for (const d of r.dims) e = e.unsqueeze(d); }
  return e.expand(r.inShape);
}

/** x (of the reduction's input shape) folded by `op` over the reduced dims into a new `dtype` tensor. */
export function reduceRows(
  op: ReduceOp,
  r: Rows,
  x: Tensor,
  dtype: DType,
): Tensor {
  const backend = x.storage.backend;
  const out = Tensor.empty(r.outShape, dtype, backend);
  backend.ops.reduce(
    op,
    { ...x._view(), strides: r.order.map((d) => x._strides[d]) },
    r.order.map((d) => x._shape[d]),
    r.dims.length,
    out._view(),
  );
  return out;
}

/** The index (and value) of the extreme along the one reduced dim: [values, indices]. */
export function argRows(
  op: ArgReduceOp,
  r: Rows,
  x: Tensor,
  withValues: boolean,
): [Tensor | null, Tensor] {
  const backend = x.storage.backend;
  const indices = Tensor.empty(r.outShape, int64, backend);
  const values = withValues ? Tensor.empty(r.outShape, x.dtype, backend) : null;
  // A 0-d input is one row of one element.
  const scalar = x.dim() === 0;
  backend.ops.argReduce(
    op,
    {
      ...x._view(),
      strides: scalar ? [0] : r.order.map((d) => x._strides[d]),
    },
    scalar ? [1] : r.order.map((d) => x._shape[d]),
    indices._view(),
    values?._view() ?? null,
  );
  return [values, indices];
}

/**
 * Records a reduction's output: `grad` receives the output gradient and the output, both expanded
 * back to the input's shape, and the input.
 */
export function reduced(
  node: string,
  input: Tensor,
  r: Rows,
  out: Tensor,
  grad: (g: Tensor, x: Tensor, y: Tensor) => Tensor,
  saves = true,
): Tensor {
  // sum and mean read neither input nor output: they save nothing, as in PyTorch.
  record({
    name: node,
    inputs: [input],
    outputs: [out],
    save: saves ? [input, out] : [],
    backward: (
      [g],
      [x, y],
    ) => [grad(expandBack(g, r), x, y && expandBack(y, r))],
  });
  return out;
}

/** Sum of the gradient over ties: each of k tied extremes gets 1/k of it (PyTorch's convention). */
export function shareAmongTies(
  g: Tensor,
  x: Tensor,
  y: Tensor,
  r: Rows,
): Tensor {
  // A NaN extreme takes the gradient at the NaN positions, as PyTorch.
  const mask = x.eq(y).logical_or(x.isnan().logical_and(y.isnan()));
  return g.mul(mask).div(mask.sum(r.dims, { keepdim: true }));
}

/** A tensor of row-major doubles (host fallbacks that have no primitive yet). */
export function build(
  values: Float64Array,
  shape: number[],
  dtype: DType,
  like?: Tensor,
): Tensor {
  return fromHost(values, shape, dtype, like);
}

export function dimArgs(fn: string, args: unknown[]) {
  return parseArgs(fn, args, ["dim", "keepdim"], {
    dim: undefined as number | number[] | undefined | null,
    keepdim: false,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
}

/** Integer and bool inputs sum and multiply in int64, as PyTorch. */
export function accumulateDtype(x: Tensor, requested: unknown): DType {
  return dtypeArg(requested) ?? (x.dtype.is_floating_point ? x.dtype : int64);
}
