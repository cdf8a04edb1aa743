// Reductions over dims (sum, mean, max with indices, var, norm, ...) and scans (cumsum, cumprod).
//
// Each reduction is one reduce (or arg-reduce) primitive over the input seen with the reduced dims
// last; kernels accumulate in double, at least as accurate as PyTorch's float32 accumulation.
// The shared machinery is in _rows.ts; var, std, norm and logsumexp in _stats.ts; scans in _scan.ts.

import { bool } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { get_printoptions } from "../print/options.ts";
import { Tensor } from "../tensor.ts";
import { complexReduce } from "../complex.ts";
import { dimList } from "./_args.ts";
import { deliver, dtypeArg, scalarTypeName } from "./core.ts";
import { applyBinary, type TensorOrScalar } from "./elementwise.ts";
import { flip } from "./views.ts";
import { cat, scatter } from "./indexing.ts";
import { propagate, record } from "../autograd/record.ts";
import {
  accumulateDtype,
  argRows,
  dimArgs,
  reduced,
  reduceRows,
  rowsOf,
  shareAmongTies,
} from "./_rows.ts";

export { logsumexp, norm, std, std_mean, var_, var_mean } from "./_stats.ts";
export { cumprod, cumsum } from "./_scan.ts";

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
  // PyTorch 0.3 returned a plain tuple, whose repr joins the two reprs: `(\n...\n, \n...\n)`.
  const print = () =>
    get_printoptions().style === "legacy"
      ? `(${values}, ${indices})`
      : `torch.return_types.${name}(\nvalues=${values},\nindices=${indices})`;
  const hidden = (value: unknown) => ({ value, enumerable: false });
  Object.defineProperties(pair, {
    values: hidden(values),
    indices: hidden(indices),
    [INSPECT]: hidden(print),
    [Symbol.for("Deno.customInspect")]: hidden(print),
    toString: hidden(print),
  });
  return pair;
}

/** For every element, the product of the others along `d` (exact with zeros, no division). */
function productOfOthers(x: Tensor, d: number): Tensor {
  const n = x._shape[d];
  const ones = x.narrow(d, 0, 1).mul(0).add(1);
  const exclusive = (t: Tensor) =>
    cat([ones, t.cumprod(d).narrow(d, 0, n - 1)], d);
  return exclusive(x).mul(flip(exclusive(flip(x, [d])), [d]));
}

/** `torch.sum(input, dim?, keepdim?, { dtype })`. */
export function sum(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("sum", args);
  if (input.dtype.is_complex) {
    if (o.dtype !== undefined && o.dtype !== null) {
      throw new RuntimeError(
        "sum(): dtype= is not supported for complex tensors yet",
      );
    }
    return deliver(
      complexReduce(
        "sum",
        input,
        dimList(o.dim) ?? null,
        o.keepdim,
      ),
      o.out,
    );
  }
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "sum");
  const node = o.dim === undefined || o.dim === null
    ? "SumBackward0"
    : "SumBackward1";
  return deliver(
    reduced(
      node,
      input,
      r,
      reduceRows("sum", r, input, accumulateDtype(input, o.dtype)),
      (g) => g,
      false,
    ),
    o.out,
  );
}

/** `torch.mean(input, dim?, keepdim?)`: floating inputs only, as PyTorch. */
export function mean(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("mean", args);
  if (input.dtype.is_complex) {
    if (o.dtype !== undefined && o.dtype !== null) {
      throw new RuntimeError(
        "mean(): dtype= is not supported for complex tensors yet",
      );
    }
    return deliver(
      complexReduce(
        "mean",
        input,
        dimList(o.dim) ?? null,
        o.keepdim,
      ),
      o.out,
    );
  }
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
  return deliver(
    reduced(
      node,
      input,
      r,
      reduceRows("mean", r, input, dtype),
      (g) => g.div(r.len),
      false,
    ),
    o.out,
  );
}

/** `torch.prod(input, dim?, keepdim?, { dtype })`: one dim at most, as PyTorch. */
export function prod(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("prod", args);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "prod");
  const whole = o.dim === undefined || o.dim === null;
  const others = (x: Tensor) =>
    whole
      ? productOfOthers(x.reshape(-1), 0).reshape(x._shape)
      : productOfOthers(x, r.dims[0]);
  return deliver(
    reduced(
      whole ? "ProdBackward0" : "ProdBackward1",
      input,
      r,
      reduceRows("prod", r, input, accumulateDtype(input, o.dtype)),
      (g, x) => (x.numel() === 0 ? g : g.mul(others(x))),
    ),
    o.out,
  );
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
    return reduced(
      name === "max" ? "MaxBackward1" : "MinBackward1",
      input,
      r,
      reduceRows(name, r, input, input.dtype),
      (g, x, y) => shareAmongTies(g, x, y, r),
    );
  }
  if (Array.isArray(o.dim)) {
    throw new TypeError(`${name}(): argument 'dim' must be int, not list`);
  }
  const r = rowsOf(input, [o.dim], o.keepdim, name);
  const [picked, indices] = argRows(
    name === "max" ? "argmax" : "argmin",
    r,
    input,
    true,
  );
  const values = picked!;
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

/** PyTorch's error for amax/amin over every dim (no dim, or `()`) of an empty tensor. */
function requireDimWhenEmpty(
  name: string,
  input: Tensor,
  dims: number[] | undefined,
): void {
  if ((!dims || dims.length === 0) && input.numel() === 0) {
    throw new RuntimeError(
      `${name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.`,
    );
  }
}

/** `torch.amax(input, dim = all, keepdim?)`: the max values only, over one or several dims. */
export function amax(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("amax", args);
  const dims = dimList(o.dim);
  requireDimWhenEmpty("amax", input, dims);
  const r = rowsOf(
    input,
    dims && dims.length ? dims : undefined,
    o.keepdim,
    "amax",
  );
  return deliver(
    reduced(
      "AmaxBackward0",
      input,
      r,
      reduceRows("max", r, input, input.dtype),
      (g, x, y) => shareAmongTies(g, x, y, r),
    ),
    o.out,
  );
}

/** `torch.amin(input, dim = all, keepdim?)`. */
export function amin(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("amin", args);
  const dims = dimList(o.dim);
  requireDimWhenEmpty("amin", input, dims);
  const r = rowsOf(
    input,
    dims && dims.length ? dims : undefined,
    o.keepdim,
    "amin",
  );
  return deliver(
    reduced(
      "AminBackward0",
      input,
      r,
      reduceRows("min", r, input, input.dtype),
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
      throw new IndexError(
        `${name}(): Expected reduction dim to be specified for input.numel() == 0.`,
      );
    }
    // The flat index: the input seen as one row.
    const flat = input.detach().reshape(-1);
    const r = rowsOf(flat, [0], false, name);
    const [, idx] = argRows(name, r, flat, false);
    const out = o.keepdim ? idx.reshape(input._shape.map(() => 1)) : idx;
    propagate([input], [out]);
    return out;
  }
  const r = rowsOf(input, [o.dim as number], o.keepdim, name);
  const [, out] = argRows(name, r, input, false);
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

function truth(name: "all" | "any", input: Tensor, args: unknown[]): Tensor {
  const o = dimArgs(name, args);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, name);
  // uint8 inputs give uint8 results in PyTorch, everything else bool.
  const out = reduceRows(
    name,
    r,
    input,
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
