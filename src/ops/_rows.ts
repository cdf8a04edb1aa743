// The row machinery every reduction shares: the input read with the reduced dims last, one row of
// doubles per output element, folded; the result built and its gradient expanded back.

import { type DType, int64 } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { readDoubles, writeDoubles } from "../backend/cpu/elementwise.ts";
import { parseArgs } from "./_args.ts";
import { dtypeArg } from "./core.ts";
import { permute } from "./views.ts";
import { record } from "../autograd/record.ts";

export type Rows = {
  rows: Float64Array;
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
  const p = rank === 0 ? x : permute(x, [...kept, ...red]);
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
    rows: readDoubles(p._operand(), p._shape),
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

/**
 * Builds a reduction's output and records its gradient: `grad` receives the output gradient and the
 * output, both expanded back to the input's shape, and the input.
 */
export function reduced(
  node: string,
  input: Tensor,
  r: Rows,
  values: Float64Array,
  dtype: DType,
  grad: (g: Tensor, x: Tensor, y: Tensor) => Tensor,
  saves = true,
): Tensor {
  const out = build(values, r.outShape, dtype);
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

export function build(
  values: Float64Array,
  shape: number[],
  dtype: DType,
): Tensor {
  const out = Tensor.empty(shape, dtype);
  writeDoubles(out._operand(), dtype.name, values, shape);
  return out;
}

export function fold(r: Rows, f: (row: Float64Array) => number): Float64Array {
  const out = new Float64Array(r.count);
  for (let i = 0; i < r.count; i++) {
    out[i] = f(r.rows.subarray(i * r.len, (i + 1) * r.len));
  }
  return out;
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

export function sumRow(row: Float64Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i];
  return s;
}
