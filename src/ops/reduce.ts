// Reductions over dims (sum, mean, max with indices, var, norm, ...) and scans (cumsum, cumprod).
//
// Each reduction reads the input, reduced dims last, into one row of doubles per output element and
// folds each row; accumulating in double is at least as accurate as PyTorch's float32 accumulation.

import { bool, type DType, get_default_dtype, int64 } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { readDoubles, writeDoubles } from "../backend/cpu/elementwise.ts";
import { dimList, parseArgs } from "./_args.ts";
import { cast, deliver, dtypeArg, scalarTypeName } from "./core.ts";
import { applyBinary, type TensorOrScalar } from "./elementwise.ts";
import { flip, permute } from "./views.ts";
import { cat, scatter } from "./indexing.ts";
import { where } from "./elementwise.ts";
import { arange } from "./creation.ts";
import { propagate, record } from "../autograd/record.ts";

/** A tuple result with PyTorch's field names, e.g. `const [values, indices] = x.max(1)`. */
export type ValuesIndices = [Tensor, Tensor] & {
  values: Tensor;
  indices: Tensor;
};

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Builds the [values, indices] pair that max, min, sort and topk return; it prints as PyTorch's
 * `torch.return_types.max(values=..., indices=...)`.
 */
export function valuesIndices(
  values: Tensor,
  indices: Tensor,
  name = "max",
): ValuesIndices {
  const pair = [values, indices] as ValuesIndices;
  const hidden = (value: unknown) => ({ value, enumerable: false });
  Object.defineProperties(pair, {
    values: hidden(values),
    indices: hidden(indices),
    [INSPECT]: hidden(() =>
      `torch.return_types.${name}(\nvalues=${values},\nindices=${indices})`
    ),
  });
  return pair;
}

type Rows = {
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
function rowsOf(
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
function expandBack(t: Tensor, r: Rows): Tensor {
  let e = t;
  if (!r.keepdim) { for (const d of r.dims) e = e.unsqueeze(d); }
  return e.expand(r.inShape);
}

/**
 * Builds a reduction's output and records its gradient: `grad` receives the output gradient and the
 * output, both expanded back to the input's shape, and the input.
 */
function reduced(
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
function shareAmongTies(g: Tensor, x: Tensor, y: Tensor, r: Rows): Tensor {
  // A NaN extreme takes the gradient at the NaN positions, as PyTorch.
  const mask = x.eq(y).logical_or(x.isnan().logical_and(y.isnan()));
  return g.mul(mask).div(mask.sum(r.dims, { keepdim: true }));
}

/** For every element, the product of the others along `d` (exact with zeros, no division). */
function productOfOthers(x: Tensor, d: number): Tensor {
  const n = x._shape[d];
  const ones = x.narrow(d, 0, 1).mul(0).add(1);
  const exclusive = (t: Tensor) =>
    cat([ones, t.cumprod(d).narrow(d, 0, n - 1)], d);
  return exclusive(x).mul(flip(exclusive(flip(x, [d])), [d]));
}

function build(values: Float64Array, shape: number[], dtype: DType): Tensor {
  const out = Tensor.empty(shape, dtype);
  writeDoubles(out._operand(), dtype.name, values, shape);
  return out;
}

function fold(r: Rows, f: (row: Float64Array) => number): Float64Array {
  const out = new Float64Array(r.count);
  for (let i = 0; i < r.count; i++) {
    out[i] = f(r.rows.subarray(i * r.len, (i + 1) * r.len));
  }
  return out;
}

function dimArgs(fn: string, args: unknown[]) {
  return parseArgs(fn, args, ["dim", "keepdim"], {
    dim: undefined as number | number[] | undefined | null,
    keepdim: false,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
}

/** Integer and bool inputs sum and multiply in int64, as PyTorch. */
function accumulateDtype(x: Tensor, requested: unknown): DType {
  return dtypeArg(requested) ?? (x.dtype.is_floating_point ? x.dtype : int64);
}

function sumRow(row: Float64Array): number {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i];
  return s;
}

/** `torch.sum(input, dim?, keepdim?, { dtype })`. */
export function sum(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("sum", args);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "sum");
  const node = o.dim === undefined || o.dim === null
    ? "SumBackward0"
    : "SumBackward1";
  return deliver(
    reduced(
      node,
      input,
      r,
      fold(r, sumRow),
      accumulateDtype(input, o.dtype),
      (g) => g,
      false,
    ),
    o.out,
  );
}

/** `torch.mean(input, dim?, keepdim?)`: floating inputs only, as PyTorch. */
export function mean(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("mean", args);
  const dtype = dtypeArg(o.dtype) ?? input.dtype;
  if (!dtype.is_floating_point) {
    throw new RuntimeError(
      `mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${
        scalarTypeName(dtype)
      }`,
    );
  }
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "mean");
  const node = o.dim === undefined || o.dim === null
    ? "MeanBackward0"
    : "MeanBackward1";
  const values = fold(r, (row) => sumRow(row) / row.length);
  return deliver(
    reduced(node, input, r, values, dtype, (g) => g.div(r.len), false),
    o.out,
  );
}

/** `torch.prod(input, dim?, keepdim?, { dtype })`: one dim at most, as PyTorch. */
export function prod(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("prod", args);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "prod");
  const whole = o.dim === undefined || o.dim === null;
  const values = fold(r, (row) => row.reduce((a, b) => a * b, 1));
  const others = (x: Tensor) =>
    whole
      ? productOfOthers(x.reshape(-1), 0).reshape(x._shape)
      : productOfOthers(x, r.dims[0]);
  return deliver(
    reduced(
      whole ? "ProdBackward0" : "ProdBackward1",
      input,
      r,
      values,
      accumulateDtype(input, o.dtype),
      (g, x) => (x.numel() === 0 ? g : g.mul(others(x))),
    ),
    o.out,
  );
}

/** Index of the max (or min) of a row; NaN wins, the first occurrence on ties. */
function argExtreme(row: Float64Array, max: boolean): number {
  let best = 0;
  for (let i = 0; i < row.length; i++) {
    const v = row[i], b = row[best];
    if (v !== v) return i;
    if (max ? v > b : v < b) best = i;
  }
  return best;
}

function extreme(
  name: "max" | "min",
  input: Tensor,
  args: unknown[],
): Tensor | ValuesIndices {
  if (args[0] instanceof Tensor) {
    return applyBinary(
      name === "max" ? "maximum" : "minimum",
      input,
      args[0] as TensorOrScalar,
    );
  }
  const o = dimArgs(name, args);
  if (o.dim === undefined || o.dim === null) {
    if (input.numel() === 0) {
      throw new RuntimeError(
        `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
      );
    }
    const r = rowsOf(input, undefined, false, name);
    const values = fold(r, (row) => row[argExtreme(row, name === "max")]);
    return reduced(
      name === "max" ? "MaxBackward1" : "MinBackward1",
      input,
      r,
      values,
      input.dtype,
      (g, x, y) => shareAmongTies(g, x, y, r),
    );
  }
  if (Array.isArray(o.dim)) {
    throw new TypeError(`${name}(): argument 'dim' must be int, not list`);
  }
  const r = rowsOf(input, [o.dim], o.keepdim, name);
  const idx = fold(r, (row) => argExtreme(row, name === "max"));
  const vals = new Float64Array(r.count);
  for (let i = 0; i < r.count; i++) vals[i] = r.rows[i * r.len + idx[i]];
  const values = build(vals, r.outShape, input.dtype);
  const indices = build(idx, r.outShape, int64);
  const d = r.dims[0];
  // The gradient of each extreme goes to the position its index names.
  record({
    name: name === "max" ? "MaxBackward0" : "MinBackward0",
    inputs: [input],
    outputs: [values],
    save: [indices],
    backward: ([g], [i]) => {
      if (input.dim() === 0) return [g];
      const keep = (t: Tensor) => (r.keepdim ? t : t.unsqueeze(d));
      return [scatter(input.detach().mul(0), d, keep(i), keep(g))];
    },
  });
  return valuesIndices(values, indices, name);
}

/** `torch.max(x)` (a 0-d tensor), `torch.max(x, dim, keepdim?)` ([values, indices]), `torch.max(a, b)`. */
export function max(input: Tensor): Tensor;
/** `torch.max(a, b)`: the elementwise maximum, as `torch.maximum`. */
export function max(input: Tensor, other: Tensor): Tensor;
/** `torch.max(x, dim, keepdim = false)`: `[values, indices]` along dim (also `.values`, `.indices`). */
export function max(
  input: Tensor,
  dim: number,
  keepdim?: boolean | { keepdim?: boolean },
): ValuesIndices;
/** `torch.max(x, { dim, keepdim })`: the keyword form of `torch.max(x, dim, keepdim)`. */
export function max(
  input: Tensor,
  opts: { dim: number; keepdim?: boolean },
): ValuesIndices;
export function max(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme("max", input, args);
}

/** `torch.min`: as `torch.max`. */
export function min(input: Tensor): Tensor;
/** `torch.min(a, b)`: the elementwise minimum, as `torch.minimum`. */
export function min(input: Tensor, other: Tensor): Tensor;
/** `torch.min(x, dim, keepdim = false)`: `[values, indices]` along dim (also `.values`, `.indices`). */
export function min(
  input: Tensor,
  dim: number,
  keepdim?: boolean | { keepdim?: boolean },
): ValuesIndices;
/** `torch.min(x, { dim, keepdim })`: the keyword form of `torch.min(x, dim, keepdim)`. */
export function min(
  input: Tensor,
  opts: { dim: number; keepdim?: boolean },
): ValuesIndices;
export function min(input: Tensor, ...args: unknown[]): Tensor | ValuesIndices {
  return extreme("min", input, args);
}

/** `torch.amax(input, dim = all, keepdim?)`: the max values only, over one or several dims. */
export function amax(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("amax", args);
  const dims = dimList(o.dim);
  const r = rowsOf(
    input,
    dims && dims.length ? dims : undefined,
    o.keepdim,
    "amax",
  );
  const values = fold(r, (row) => row[argExtreme(row, true)]);
  return deliver(
    reduced(
      "AmaxBackward0",
      input,
      r,
      values,
      input.dtype,
      (g, x, y) => shareAmongTies(g, x, y, r),
    ),
    o.out,
  );
}

/** `torch.amin(input, dim = all, keepdim?)`. */
export function amin(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("amin", args);
  const dims = dimList(o.dim);
  const r = rowsOf(
    input,
    dims && dims.length ? dims : undefined,
    o.keepdim,
    "amin",
  );
  const values = fold(r, (row) => row[argExtreme(row, false)]);
  return deliver(
    reduced(
      "AminBackward0",
      input,
      r,
      values,
      input.dtype,
      (g, x, y) => shareAmongTies(g, x, y, r),
    ),
    o.out,
  );
}

function argOp(
  name: "argmax" | "argmin",
  input: Tensor,
  args: unknown[],
): Tensor {
  const o = dimArgs(name, args);
  if (o.dim === undefined || o.dim === null) {
    if (input.numel() === 0) {
      throw new RuntimeError(
        `${name}(): Expected reduction dim to be specified for input.numel() == 0.`,
      );
    }
    const r = rowsOf(input, undefined, false, name);
    const idx = fold(r, (row) => argExtreme(row, name === "argmax"));
    const out = build(idx, o.keepdim ? input._shape.map(() => 1) : [], int64);
    propagate([input], [out]);
    return out;
  }
  const r = rowsOf(input, [o.dim as number], o.keepdim, name);
  const out = build(
    fold(r, (row) => argExtreme(row, name === "argmax")),
    r.outShape,
    int64,
  );
  propagate([input], [out]);
  return out;
}

/** `torch.argmax(input, dim?, keepdim?)`: the flat index when no dim is given. */
export function argmax(input: Tensor, ...args: unknown[]): Tensor {
  return argOp("argmax", input, args);
}

/** `torch.argmin(input, dim?, keepdim?)`. */
export function argmin(input: Tensor, ...args: unknown[]): Tensor {
  return argOp("argmin", input, args);
}

function varArgs(fn: string, input: Tensor, args: unknown[]) {
  // PyTorch's legacy form var(input, unbiased: bool) is accepted too.
  const legacy = typeof args[0] === "boolean";
  const o = parseArgs(fn, legacy ? args.slice(1) : args, [
    "dim",
    "unbiased",
    "keepdim",
  ], {
    dim: undefined as number | number[] | undefined | null,
    unbiased: legacy ? args[0] as boolean : undefined as boolean | undefined,
    keepdim: false,
    correction: undefined as number | undefined,
    out: undefined as Tensor | undefined,
  });
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `${
        fn === "var" || fn === "std" ? "std and var" : fn
      } only support floating point and complex dtypes`,
    );
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, fn);
  const means = fold(r, (row) => sumRow(row) / row.length);
  const variance = fold(r, (row) => {
    const m = sumRow(row) / row.length;
    let ss = 0;
    for (let i = 0; i < row.length; i++) ss += (row[i] - m) * (row[i] - m);
    return ss / Math.max(row.length - correction, 0);
  });
  const result = (values: Float64Array) =>
    build(values, r.outShape, input.dtype);
  const n = r.len - correction;
  // d var / dx = 2 (x - mean) / (N - correction); d std = d var / (2 std).
  const centered = (x: Tensor) => x.sub(x.mean(r.dims, { keepdim: true }));
  const varOut = () =>
    reduced(
      "VarBackward0",
      input,
      r,
      variance,
      input.dtype,
      (g, x) => g.mul(centered(x)).mul(2 / n),
    );
  const stdOut = () =>
    reduced(
      "StdBackward0",
      input,
      r,
      variance.map(Math.sqrt),
      input.dtype,
      (g, x, y) => g.mul(centered(x)).div(y.mul(n)),
    );
  return { out: o.out, result, means, variance, varOut, stdOut };
}

/** `torch.var(input, dim?, { correction = 1, unbiased, keepdim })`. */
export function var_(input: Tensor, ...args: unknown[]): Tensor {
  const { out, varOut } = varArgs("var", input, args);
  return deliver(varOut(), out);
}

/** `torch.std(input, dim?, { correction = 1, unbiased, keepdim })`. */
export function std(input: Tensor, ...args: unknown[]): Tensor {
  const { out, stdOut } = varArgs("std", input, args);
  return deliver(stdOut(), out);
}

/**
 * `torch.var_mean(input, dim?, { correction = 1, unbiased, keepdim })`: [var, mean] in one pass.
 * @example const [v, m] = torch.var_mean(x, 1);
 */
export function var_mean(input: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const { varOut } = varArgs("var_mean", input, args);
  return [varOut(), mean(input, ...meanArgs(args))];
}

/** `torch.std_mean(input, dim?, { correction = 1, unbiased, keepdim })`: [std, mean]. */
export function std_mean(input: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const { stdOut } = varArgs("std_mean", input, args);
  return [stdOut(), mean(input, ...meanArgs(args))];
}

/** The arguments of var_mean/std_mean that mean takes too (dim and keepdim). */
function meanArgs(args: unknown[]): unknown[] {
  const legacy = typeof args[0] === "boolean";
  const o = parseArgs("var_mean", legacy ? args.slice(1) : args, [
    "dim",
    "unbiased",
    "keepdim",
  ], {
    dim: undefined as number | number[] | undefined | null,
    unbiased: undefined as boolean | undefined,
    keepdim: false,
    correction: undefined as number | undefined,
    out: undefined as Tensor | undefined,
  });
  return [{ dim: o.dim, keepdim: o.keepdim }];
}

/** `torch.norm(input, p = "fro", dim?, keepdim?)`: vector p-norms, inf and -inf included. */
export function norm(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("norm", args, ["p", "dim", "keepdim"], {
    p: "fro" as number | "fro",
    dim: undefined as number | number[] | undefined | null,
    keepdim: false,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `norm(): input dtype should be either floating point or complex. Got ${
        scalarTypeName(input.dtype)
      } instead.`,
    );
  }
  const p = o.p === "fro" ? 2 : o.p;
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "norm");
  const f = (row: Float64Array): number => {
    if (p === Infinity) {
      return row.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    }
    if (p === -Infinity) {
      return row.reduce((a, v) => Math.min(a, Math.abs(v)), Infinity);
    }
    if (p === 0) return row.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
    if (p === 2) return Math.sqrt(row.reduce((a, v) => a + v * v, 0));
    return Math.pow(
      row.reduce((a, v) => a + Math.pow(Math.abs(v), p), 0),
      1 / p,
    );
  };
  // d|x|_p / dx = x |x|^(p-2) / |x|_p^(p-1); inf-norms share among the extreme |x|, as PyTorch.
  const grad = (g: Tensor, x: Tensor, y: Tensor): Tensor => {
    if (p === 0) return g.mul(0);
    if (p === 1) return g.mul(x.sign());
    if (p === Infinity || p === -Infinity) {
      return shareAmongTies(g, x.abs(), y, r).mul(x.sign());
    }
    if (p === 2) return where(y.eq(0), 0, g.mul(x).div(y));
    return where(
      y.eq(0),
      0,
      g.mul(x).mul(x.abs().pow(p - 2)).div(y.pow(p - 1)),
    );
  };
  const dtype = dtypeArg(o.dtype) ?? input.dtype;
  return deliver(
    reduced("NormBackward1", input, r, fold(r, f), dtype, grad),
    o.out,
  );
}

/** `torch.logsumexp(input, dim, keepdim?)`: log(sum(exp(x))) without overflow. */
export function logsumexp(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("logsumexp", args);
  if (o.dim === undefined || o.dim === null) {
    throw new TypeError("logsumexp() missing required argument 'dim'");
  }
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "logsumexp");
  const dtype = input.dtype.is_floating_point
    ? input.dtype
    : get_default_dtype();
  return deliver(
    reduced(
      "LogsumexpBackward0",
      input,
      r,
      fold(r, (row) => {
        let m = -Infinity;
        for (const v of row) if (v > m) m = v;
        if (m === -Infinity || m === Infinity) {
          return m === Infinity ? Infinity : Math.log(0);
        }
        let s = 0;
        for (const v of row) s += Math.exp(v - m);
        return m + Math.log(s);
      }),
      dtype,
      (g, x, y) => g.mul(x.sub(y).exp()),
    ),
    o.out,
  );
}

function truth(name: "all" | "any", input: Tensor, args: unknown[]): Tensor {
  const o = dimArgs(name, args);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, name);
  const f = name === "all"
    ? (row: Float64Array) => (row.every((v) => v !== 0) ? 1 : 0)
    : (row: Float64Array) => (row.some((v) => v !== 0) ? 1 : 0);
  // uint8 inputs give uint8 results in PyTorch, everything else bool.
  const out = build(
    fold(r, f),
    r.outShape,
    input.dtype.name === "uint8" ? input.dtype : bool,
  );
  propagate([input], [out]);
  return deliver(out, o.out);
}

/** `torch.all(input, dim?, keepdim?)`. */
export function all(input: Tensor, ...args: unknown[]): Tensor {
  return truth("all", input, args);
}

/** `torch.any(input, dim?, keepdim?)`. */
export function any(input: Tensor, ...args: unknown[]): Tensor {
  return truth("any", input, args);
}

function scan(
  name: "cumsum" | "cumprod",
  input: Tensor,
  args: unknown[],
): Tensor {
  const o = parseArgs(name, args, ["dim"], {
    dim: undefined as number | undefined,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
  if (o.dim === undefined) {
    throw new TypeError(`${name}() missing required argument 'dim'`);
  }
  const rank = input.dim();
  const d = wrapDim(o.dim, rank);
  const order = [...Array(rank).keys()].filter((k) => k !== d).concat(
    rank ? [d] : [],
  );
  const p = rank ? permute(input, order) : input;
  const vals = readDoubles(p._operand(), p._shape);
  const len = rank ? input._shape[d] : 1;
  for (let start = 0; start < vals.length; start += len) {
    for (let i = start + 1; i < start + len; i++) {
      vals[i] = name === "cumsum"
        ? vals[i - 1] + vals[i]
        : vals[i - 1] * vals[i];
    }
  }
  const dtype = accumulateDtype(input, o.dtype);
  const permuted = build(vals, p._shape, dtype);
  const inverse = order.map((_, k) => order.indexOf(k));
  const result = rank
    ? cast(permute(permuted, inverse), dtype, true)
    : permuted;
  // cumsum's gradient is the reversed cumulative sum of g; cumprod's (without zeros in x) is the
  // reversed cumulative sum of g * y, divided by x.
  const reverseCumsum = (t: Tensor) =>
    rank ? flip(flip(t, [d]).cumsum(d), [d]) : t;
  record({
    name: name === "cumsum" ? "CumsumBackward0" : "CumprodBackward0",
    inputs: [input],
    outputs: [result],
    save: name === "cumsum" ? [] : [input, result],
    backward: ([g], saved) =>
      name === "cumsum"
        ? [reverseCumsum(g)]
        : [cumprodGrad(g, saved[0], saved[1], d)],
  });
  return deliver(result, o.out);
}

/**
 * cumprod's gradient: sum over k >= i of g_k * y_k / x_i, or, where x has zeros, the same sum with
 * each product recomputed without x_i (exact, O(n^2) along the dim).
 */
function cumprodGrad(g: Tensor, x: Tensor, y: Tensor, d: number): Tensor {
  if (x.dim() === 0) return g;
  const rev = (t: Tensor) => flip(flip(t, [d]).cumsum(d), [d]);
  if (!x.eq(0).any().item()) return rev(g.mul(y)).div(x);
  const n = x._shape[d];
  const position = arange(n).reshape(x._shape.map((s, k) => (k === d ? s : 1)));
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const withoutI = where(position.eq(i), 1, x);
    parts.push(
      g.mul(withoutI.cumprod(d)).narrow(d, i, n - i).sum(d, { keepdim: true }),
    );
  }
  return cat(parts, d);
}

/** `torch.cumsum(input, dim, { dtype })`. */
export function cumsum(input: Tensor, ...args: unknown[]): Tensor {
  return scan("cumsum", input, args);
}

/** `torch.cumprod(input, dim, { dtype })`. */
export function cumprod(input: Tensor, ...args: unknown[]): Tensor {
  return scan("cumprod", input, args);
}
