// Sorting along a dim: sort, topk, unique.

import { int64 } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { readDoubles, writeDoubles } from "../backend/cpu/elementwise.ts";
import { parseArgs } from "./_args.ts";
import { cast } from "./core.ts";
import { type ValuesIndices, valuesIndices } from "./reduce.ts";
import { permute } from "./views.ts";

/** Ascending order with NaN after every number, as PyTorch sorts. */
function ascending(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Runs `pick` on every row along `dim` (moved last): it returns the chosen positions of the row,
 * which become the values and int64 indices of the result, `k` per row.
 */
function alongDim(
  name: string,
  x: Tensor,
  dim: number,
  k: number,
  pick: (row: Float64Array) => number[],
): ValuesIndices {
  const rank = x.dim();
  const d = rank === 0 ? 0 : wrapDim(dim, rank);
  const order = [...Array(rank).keys()].filter((i) => i !== d).concat(
    rank ? [d] : [],
  );
  const p = rank ? permute(x, order) : x;
  const len = rank ? x._shape[d] : 1;
  const rows = readDoubles(p._operand(), p._shape);
  const count = len === 0 ? 0 : rows.length / len;
  const vals = new Float64Array(count * k), idx = new Float64Array(count * k);
  for (let r = 0; r < count; r++) {
    const row = rows.subarray(r * len, (r + 1) * len);
    pick(row).forEach((pos, j) => {
      vals[r * k + j] = row[pos];
      idx[r * k + j] = pos;
    });
  }
  const pshape = rank ? [...p._shape.slice(0, -1), k] : [];
  const inverse = order.map((_, i) => order.indexOf(i));
  const build = (v: Float64Array, dtype = x.dtype) => {
    const t = Tensor.empty(pshape, dtype);
    writeDoubles(t._operand(), dtype.name, v, pshape);
    return rank ? cast(permute(t, inverse), dtype, true) : t;
  };
  return valuesIndices(build(vals), build(idx, int64), name);
}

/** `torch.sort(input, dim = -1, descending = false, { stable })`: [values, indices]. */
export function sort(input: Tensor, ...args: unknown[]): ValuesIndices {
  const o = parseArgs("sort", args, ["dim", "descending"], {
    dim: -1,
    descending: false,
    stable: false,
  });
  const len = input.dim() ? input._shape[wrapDim(o.dim, input.dim())] : 1;
  return alongDim("sort", input, o.dim, len, (row) => {
    const pos = [...row.keys()];
    // Array.prototype.sort is stable, so equal keys keep their order either way.
    return pos.sort((
      i,
      j,
    ) => (o.descending
      ? ascending(row[j], row[i])
      : ascending(row[i], row[j]))
    );
  });
}

/** `torch.argsort(input, dim = -1, descending = false)`. */
export function argsort(input: Tensor, ...args: unknown[]): Tensor {
  return sort(input, ...args)[1];
}

/** `torch.topk(input, k, dim = -1, largest = true, sorted = true)`: [values, indices]. */
export function topk(
  input: Tensor,
  k: number,
  ...args: unknown[]
): ValuesIndices {
  const o = parseArgs("topk", args, ["dim", "largest", "sorted"], {
    dim: -1,
    largest: true,
    sorted: true,
  });
  const len = input.dim() ? input._shape[wrapDim(o.dim, input.dim())] : 1;
  if (!Number.isInteger(k) || k < 0 || k > len) {
    throw new RuntimeError("selected index k out of range");
  }
  return alongDim("topk", input, o.dim, k, (row) => {
    const pos = [...row.keys()];
    pos.sort((
      i,
      j,
    ) => (o.largest ? ascending(row[j], row[i]) : ascending(row[i], row[j])));
    return pos.slice(0, k);
  });
}

/**
 * `torch.unique(input, { sorted = true, return_inverse, return_counts, dim })`: the distinct values
 * in ascending order (flattened), with the inverse map and counts when asked.
 */
export function unique(input: Tensor, ...args: unknown[]): Tensor | Tensor[] {
  const o = parseArgs("unique", args, [
    "sorted",
    "return_inverse",
    "return_counts",
    "dim",
  ], {
    sorted: true,
    return_inverse: false,
    return_counts: false,
    dim: null as number | null,
  });
  if (o.dim !== null) {
    throw new RuntimeError("unique with dim is not supported yet");
  }
  const values = readDoubles(input._operand(), input._shape);
  const distinct = [...new Set(values)].sort(ascending);
  const where = new Map(distinct.map((v, i) => [v, i]));
  const out = Tensor.empty([distinct.length], input.dtype);
  writeDoubles(
    out._operand(),
    input.dtype.name,
    Float64Array.from(distinct),
    out._shape,
  );
  if (!o.return_inverse && !o.return_counts) return out;
  const result: Tensor[] = [out];
  if (o.return_inverse) {
    const inv = Tensor.empty(input._shape, int64);
    writeDoubles(
      inv._operand(),
      "int64",
      values.map((v) => where.get(v)!),
      input._shape,
    );
    result.push(inv);
  }
  if (o.return_counts) {
    const counts = new Float64Array(distinct.length);
    for (const v of values) counts[where.get(v)!]++;
    const c = Tensor.empty([distinct.length], int64);
    writeDoubles(c._operand(), "int64", counts, c._shape);
    result.push(c);
  }
  return result;
}
