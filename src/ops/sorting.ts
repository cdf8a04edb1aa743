// Sorting along a dim: sort, topk, unique. There is no sorting primitive yet: the order is found
// on the host through the counted fallback, and the values are then picked on the tensor's device
// (gather, index_select), so they keep their exact dtype values.

import { int64 } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { fromHost, hostValues } from "./_fallback.ts";
import { isOptions, parseArgs, required } from "./_args.ts";
import { cast } from "./core.ts";
import { type ValuesIndices, valuesIndices } from "./reduce.ts";
import { permute } from "./views.ts";
import { record } from "../autograd/record.ts";
import { gather, index_select, scatter } from "./indexing.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { introsort, type Less, nthElement, partialSort } from "./_stl.ts";

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
  nodeName: string,
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
  const p = rank ? permute(x.detach(), order) : x;
  const len = rank ? x._shape[d] : 1;
  const [rows] = hostValues(name, p);
  const count = len === 0 ? 0 : rows.length / len;
  const idx = new Float64Array(count * k);
  for (let r = 0; r < count; r++) {
    const row = rows.subarray(r * len, (r + 1) * len);
    pick(row).forEach((pos, j) => (idx[r * k + j] = pos));
  }
  const pshape = rank ? [...p._shape.slice(0, -1), k] : [];
  const inverse = order.map((_, i) => order.indexOf(i));
  const picked = fromHost(idx, pshape, int64, x);
  const indices = rank ? cast(permute(picked, inverse), int64, true) : picked;
  const values = no_grad(() =>
    rank ? gather(x.detach(), d, indices) : cast(x.detach(), x.dtype, true)
  );
  const inShape = [...x._shape];
  // Each value's gradient goes back to the position it came from.
  record({
    name: nodeName,
    inputs: [x],
    outputs: [values],
    save: [indices],
    backward: (
      [g],
      [i],
    ) => [
      rank
        ? scatter(Tensor.empty(inShape, g.dtype, g.storage.backend), d, i, g)
        : g,
    ],
  });
  return valuesIndices(values, indices, name);
}

/** `torch.sort(input, dim = -1, descending = false, { stable })`: [values, indices]. */
export function sort(input: Tensor, ...args: unknown[]): ValuesIndices {
  const o = parseArgs("sort", args, ["dim", "descending"], {
    dim: -1,
    descending: false,
    stable: false,
  });
  const len = input.dim() ? input._shape[wrapDim(o.dim, input.dim())] : 1;
  // sort(stable=...) is a separate overload in PyTorch, with its own node name.
  const node = args.some((a) => isOptions(a) && "stable" in a)
    ? "SortBackward1"
    : "SortBackward0";
  return alongDim("sort", node, input, o.dim, len, (row) => {
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

/**
 * `torch.topk(input, k, dim = -1, largest = true, sorted = true)`: [values, indices]. Ties come out
 * in the order PyTorch's CPU kernel leaves them: it selects with std::nth_element (std::partial_sort
 * when k is small against the row), then sorts the first k - 1 with std::sort, none of them stable.
 */
export function topk(input: Tensor, ...args: unknown[]): ValuesIndices {
  const o = parseArgs("topk", args, ["k", "dim", "largest", "sorted"], {
    k: undefined as number | undefined,
    dim: -1,
    largest: true,
    sorted: true,
  });
  const k = required("topk", "k", o.k);
  const len = input.dim() ? input._shape[wrapDim(o.dim, input.dim())] : 1;
  if (!Number.isInteger(k) || k < 0 || k > len) {
    throw new RuntimeError("selected index k out of range");
  }
  return alongDim("topk", "TopkBackward0", input, o.dim, k, (row) => {
    if (k === 0) return [];
    // NaN ranks above every number, as in NumPy.
    const before: Less<number> = o.largest
      ? (i, j) => (row[i] !== row[i] && row[j] === row[j]) || row[i] > row[j]
      : (i, j) => (row[i] === row[i] && row[j] !== row[j]) || row[i] < row[j];
    const pos = [...row.keys()];
    if (k * 64 <= pos.length) partialSort(pos, 0, k, pos.length, before);
    else {
      nthElement(pos, 0, k - 1, pos.length, before);
      if (o.sorted) introsort(pos, 0, k - 1, before);
    }
    return pos.slice(0, k);
  });
}

/** Sorted distinct slices of `input` along `dim`, for `unique(..., { dim })`. */
function uniqueDim(
  input: Tensor,
  dim: number,
): { out: Tensor; inverse: number[]; counts: number[] } {
  const d = wrapDim(dim, input.dim());
  const n = input._shape[d];
  const others = [...Array(input.dim()).keys()].filter((i) => i !== d);
  const moved = permute(input.detach(), [d, ...others]);
  const [flat] = hostValues("unique", moved);
  const width = n === 0 ? 0 : flat.length / n;
  const slice = (i: number) => flat.subarray(i * width, (i + 1) * width);
  const compare = (i: number, j: number) => {
    const a = slice(i), b = slice(j);
    for (let e = 0; e < width; e++) {
      const c = ascending(a[e], b[e]);
      if (c !== 0) return c;
    }
    return 0;
  };
  const order = [...Array(n).keys()].sort(compare);
  const firsts: number[] = [], counts: number[] = [];
  const inverse = new Array<number>(n);
  order.forEach((i, r) => {
    if (r === 0 || compare(order[r - 1], i) !== 0) {
      firsts.push(i);
      counts.push(0);
    }
    inverse[i] = firsts.length - 1;
    counts[counts.length - 1]++;
  });
  const picks = fromHost(firsts, [firsts.length], int64, input);
  return { out: index_select(input, d, picks), inverse, counts };
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
    const { out, inverse, counts } = uniqueDim(input, o.dim);
    return withExtras(out, o, inverse, counts);
  }
  const [values] = hostValues("unique", input);
  const distinct = [...new Set(values)].sort(ascending);
  const where = new Map(distinct.map((v, i) => [v, i]));
  // Each distinct value is picked from its first occurrence, on the device and exactly.
  const firsts = new Float64Array(distinct.length).fill(-1);
  values.forEach((v, i) => {
    const at = where.get(v)!;
    if (firsts[at] < 0) firsts[at] = i;
  });
  const out = no_grad(() =>
    index_select(
      input.detach().reshape(-1),
      0,
      fromHost(firsts, [firsts.length], int64, input),
    )
  );
  const inverse = Array.from(values, (v) => where.get(v)!);
  const counts = new Array<number>(distinct.length).fill(0);
  for (const v of values) counts[where.get(v)!]++;
  return withExtras(out, o, inverse, counts, input._shape);
}

/** unique's result: the values alone, or with the inverse map and counts that were asked for. */
function withExtras(
  out: Tensor,
  o: { return_inverse: boolean; return_counts: boolean },
  inverse: number[],
  counts: number[],
  inverseShape = [inverse.length],
): Tensor | Tensor[] {
  if (!o.return_inverse && !o.return_counts) return out;
  const int64Tensor = (values: number[], shape: number[]) =>
    fromHost(values, shape, int64, out);
  const result: Tensor[] = [out];
  if (o.return_inverse) result.push(int64Tensor(inverse, inverseShape));
  if (o.return_counts) result.push(int64Tensor(counts, [counts.length]));
  return result;
}

/** Position of the k-th smallest (0-based) of a row, NaN counting as larger than every number. */
function kthPosition(row: Float64Array, k: number): number {
  const pos = [...row.keys()];
  pos.sort((i, j) => ascending(row[i], row[j]) || i - j);
  return pos[k];
}

/** The median's position in a row: a NaN's (the first) if there is one, else the lower median. */
function medianPosition(row: Float64Array): number {
  for (let i = 0; i < row.length; i++) if (row[i] !== row[i]) return i;
  return kthPosition(row, (row.length - 1) >> 1);
}

/** One value per row along dim, with its index; `node` gets the gradient back to that position. */
function selectAlong(
  name: string,
  node: string,
  x: Tensor,
  dim: number,
  keepdim: boolean,
  pick: (row: Float64Array) => number,
): ValuesIndices {
  const rank = x.dim();
  const d = rank === 0 ? 0 : wrapDim(dim, rank);
  if (rank > 0 && x._shape[d] === 0) {
    throw new IndexError(
      `${name}(): Expected reduction dim ${d} to have non-zero size.`,
    );
  }
  const [v1, i1] = no_grad(() =>
    alongDim(name, node, x, d, 1, (row) => [pick(row)])
  );
  const squeeze = rank > 0 && !keepdim;
  const values = squeeze ? v1.squeeze(d) : v1;
  const indices = squeeze ? i1.squeeze(d) : i1;
  const inShape = [...x._shape];
  record({
    name: node,
    inputs: [x],
    outputs: [values],
    save: [indices],
    backward: ([g], [i]) => [
      rank === 0 ? g : scatter(
        Tensor.empty(inShape, g.dtype, g.storage.backend).fill_(0),
        d,
        squeeze ? i.unsqueeze(d) : i,
        squeeze ? g.unsqueeze(d) : g,
      ),
    ],
  });
  return valuesIndices(values, indices, name);
}

/**
 * `torch.kthvalue(input, k, dim = -1, keepdim = false)`: the k-th smallest value along dim (k from
 * 1) and its index, as `[values, indices]`.
 */
export function kthvalue(
  input: Tensor,
  k: number,
  ...args: unknown[]
): ValuesIndices {
  const o = parseArgs("kthvalue", args, ["dim", "keepdim"], {
    dim: -1,
    keepdim: false,
  });
  const d = input.dim() ? wrapDim(o.dim, input.dim()) : 0;
  const len = input.dim() ? input._shape[d] : 1;
  if (!(k >= 1 && k <= len)) {
    throw new IndexError(
      `kthvalue(): selected number k out of range for dimension ${d}`,
    );
  }
  return selectAlong(
    "kthvalue",
    "KthvalueBackward0",
    input,
    o.dim,
    o.keepdim,
    (row) => kthPosition(row, k - 1),
  );
}

/** `torch.median(input)`: the lower median of all elements (NaN if there is one). */
export function median(input: Tensor): Tensor;
/** `torch.median(input, dim, keepdim = false)`: `[values, indices]` along dim. */
export function median(
  input: Tensor,
  dim: number,
  keepdim?: boolean | { keepdim?: boolean },
): ValuesIndices;
export function median(
  input: Tensor,
  ...args: unknown[]
): Tensor | ValuesIndices {
  if (
    args.length === 0 ||
    (args.length === 1 && isOptions(args[0]) && !("dim" in args[0]))
  ) {
    if (input.numel() === 0) {
      throw new IndexError(
        "median() input tensor cannot be empty",
      );
    }
    const flat = input.reshape(-1);
    const [, i] = no_grad(() =>
      alongDim(
        "median",
        "MedianBackward0",
        flat,
        0,
        1,
        (r) => [medianPosition(r)],
      )
    );
    const value = no_grad(() => flat.index_select(0, i).reshape([]));
    const n = input.numel(), shape = [...input._shape];
    record({
      name: "MedianBackward0",
      inputs: [input],
      outputs: [value],
      save: [i],
      backward: ([g], [idx]) => [
        scatter(
          Tensor.empty([n], g.dtype, g.storage.backend).fill_(0),
          0,
          idx,
          g.reshape(1),
        ).reshape(shape),
      ],
    });
    return value;
  }
  const o = parseArgs("median", args, ["dim", "keepdim"], {
    dim: undefined as number | undefined,
    keepdim: false,
  });
  return selectAlong(
    "median",
    "MedianBackward1",
    input,
    required("median", "dim", o.dim),
    o.keepdim,
    medianPosition,
  );
}

/** The mode's position in a row: the most frequent value (the smallest among ties), last occurrence. */
function modePosition(row: Float64Array): number {
  const count = new Map<number, number>();
  for (const v of row) count.set(v, (count.get(v) ?? 0) + 1);
  let best = NaN, bestCount = -1;
  for (const [v, c] of count) {
    if (c > bestCount || (c === bestCount && ascending(v, best) < 0)) {
      best = v;
      bestCount = c;
    }
  }
  return best !== best
    ? row.findLastIndex((v) => v !== v)
    : row.lastIndexOf(best);
}

/**
 * `torch.mode(input, dim = -1, keepdim = false)`: the most frequent value along dim (the smallest
 * among ties) and the index of its last occurrence, as `[values, indices]`.
 */
export function mode(input: Tensor, ...args: unknown[]): ValuesIndices {
  const o = parseArgs("mode", args, ["dim", "keepdim"], {
    dim: -1,
    keepdim: false,
  });
  return selectAlong(
    "mode",
    "ModeBackward0",
    input,
    o.dim,
    o.keepdim,
    modePosition,
  );
}
