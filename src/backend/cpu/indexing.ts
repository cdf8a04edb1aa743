// CPU index kernels: index_select, index_add, gather and scatter.
//
// All four are one walk: an elementwise loop (from _loops.ts) over the index's positions, with the
// indexed operand seen with stride 0 along `dim` and offset by `index * stride[dim]` per element.
// Gather-like kernels read at the indexed place; scatter-like ones write there. Each (kind,
// dtypes) pair compiles to its own monomorphic loop at first use. index_select and index_add take
// a 1-D index; it is checked once up front, then broadcast along `dim` like gather's.

import type { DTypeName, StorageArray } from "../../dtype.ts";
import type { View, ViewOrScalar } from "../backend.ts";
import {
  compile,
  elementwiseBody,
  type LoopOperand,
  readAs,
  storeAs,
  storedScalar,
} from "./_loops.ts";

type Arr = StorageArray;
type CpuView = View<Arr>;

const PARAMS = [
  "shape",
  "O",
  "Oo",
  "Os",
  "I",
  "Io",
  "Is",
  "X",
  "Xo",
  "Xs",
  "size",
  "step",
  "alpha",
];

type Walk = (
  shape: readonly number[],
  O: Arr,
  Oo: number,
  Os: readonly number[],
  I: Arr,
  Io: number,
  Is: readonly number[],
  X: Arr | number | bigint,
  Xo: number,
  Xs: readonly number[],
  size: number,
  step: number,
  alpha: number,
) => number | undefined;

const walks = new Map<string, Walk>();

/**
 * How the index element is read and checked. With `check`, an index outside [-size, size) is
 * returned from the kernel and a negative one counts from the end; without, the caller has
 * checked every index already.
 */
function indexRead(dtype: DTypeName, src: string, check: boolean): string {
  const v = `let v = ${readAs(dtype, src)};`;
  return check
    ? `${v} if (v < -size || v >= size) return v; if (v < 0) v += size;`
    : `${v} if (v < 0) v += size;`;
}

/** out[p] = X[p with dim replaced by index[p]]: the gather walk. */
function gatherWalk(
  out: DTypeName,
  idx: DTypeName,
  src: DTypeName,
  check: boolean,
): Walk {
  const key = `gather|${out}|${idx}|${src}|${check}`;
  let k = walks.get(key);
  if (k) return k;
  const operands: LoopOperand[] = [
    { name: "O", scalar: false },
    { name: "I", scalar: false },
    { name: "X", scalar: false },
  ];
  const raw = out === src;
  k = compile<Walk>(
    PARAMS,
    elementwiseBody(operands, (p) => {
      const read = `X[${p.X} + v * step]`;
      const value = raw ? read : storeAs(out, readAs(src, read));
      return `${indexRead(idx, `I[${p.I}]`, check)} O[${p.O}] = ${value};`;
    }),
    {},
    key,
  );
  walks.set(key, k);
  return k;
}

/**
 * O[p with dim replaced by index[p]] = S[p] ("set") or += alpha · S[p] ("add"): the scatter walk.
 * `src` is S's dtype, or null for a scalar (passed already in O's stored form).
 */
function scatterWalk(
  mode: "set" | "add",
  out: DTypeName,
  idx: DTypeName,
  src: DTypeName | null,
  unitAlpha: boolean,
  check: boolean,
): Walk {
  const key = `scatter|${mode}|${out}|${idx}|${src}|${unitAlpha}|${check}`;
  let k = walks.get(key);
  if (k) return k;
  const operands: LoopOperand[] = [
    { name: "O", scalar: false },
    { name: "I", scalar: false },
    { name: "X", scalar: src === null },
  ];
  // Same dtypes (or a scalar already in O's form) add and store as they are: BigInts stay exact,
  // integer stores wrap as C does, and bool adds are a logical or.
  // bfloat16 holds bits, which do not add: its sums go through readAs/storeAs.
  const raw = (src === null || src === out) &&
    !(mode === "add" && out === "bfloat16");
  const alphaBig = out === "int64" && !unitAlpha;
  const body = elementwiseBody(operands, (p) => {
    const target = `O[${p.O} + v * step]`;
    const s = src === null ? "X" : `X[${p.X}]`;
    let statement: string;
    if (mode === "set") {
      statement = `${target} = ${raw ? s : storeAs(out, readAs(src!, s))};`;
    } else if (raw) {
      const scaled = unitAlpha ? s : alphaBig ? `ab * ${s}` : `alpha * ${s}`;
      statement = out === "bool"
        ? `${target} = (${target} | ${s}) !== 0 ? 1 : 0;`
        : `${target} += ${scaled};`;
    } else {
      const a = readAs(out, target), b = src === null ? s : readAs(src, s);
      const sum = unitAlpha ? `${a} + ${b}` : `${a} + alpha * ${b}`;
      statement = `${target} = ${storeAs(out, sum)};`;
    }
    return `${indexRead(idx, `I[${p.I}]`, check)} ${statement}`;
  });
  k = compile<Walk>(
    PARAMS,
    (alphaBig ? "const ab = toBig(alpha);\n" : "") + body,
    {},
    key,
  );
  walks.set(key, k);
  return k;
}

/** Strides with the one along `dim` set to 0 (the walk adds index · stride itself). */
function without(strides: readonly number[], dim: number): number[] {
  return strides.map((s, i) => (i === dim ? 0 : s));
}

/**
 * A 1-D (or 0-d) index read once into doubles and seen over `shape` (stride 1 along `dim`, 0
 * elsewhere), so the walk reads no BigInt per element. Also checks every element against
 * [lo, size), returning the first one outside.
 */
function indexAlong(
  index: CpuView,
  shape: readonly number[],
  dim: number,
  lo: number,
  size: number,
): { values: Float64Array; strides: number[]; bad: number | undefined } {
  const stride = index.strides[0] ?? 0;
  const n = shape[dim];
  const I = index.buffer;
  const values = new Float64Array(n);
  for (let i = 0, at = index.offset; i < n; i++, at += stride) {
    const v = Number(I[at]);
    if (v < lo || v >= size) {
      return { values, strides: [], bad: v };
    }
    values[i] = v;
  }
  const strides = shape.map((_, i) => (i === dim ? 1 : 0));
  return { values, strides, bad: undefined };
}

/** out = x with dim `dim` picked at the 1-D `index` of `length` (all of it in [0, size)). */
export function indexSelect(
  x: CpuView,
  xShape: readonly number[],
  dim: number,
  index: CpuView,
  length: number,
  out: CpuView,
): number | undefined {
  const size = xShape[dim];
  const shape = [...xShape];
  shape[dim] = length;
  const { values, strides, bad } = indexAlong(index, shape, dim, 0, size);
  if (bad !== undefined) return bad;
  return gatherWalk(out.dtype, "float64", x.dtype, false)(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    values,
    0,
    strides,
    x.buffer,
    x.offset,
    without(x.strides, dim),
    size,
    x.strides[dim],
    1,
  );
}

/** out[.., index[i], ..] += alpha · src[.., i, ..] along dim (negative indices from the end). */
export function indexAdd(
  out: CpuView,
  outShape: readonly number[],
  dim: number,
  index: CpuView,
  src: CpuView,
  srcShape: readonly number[],
  alpha: number,
): number | undefined {
  const size = outShape[dim];
  const { values, strides, bad } = indexAlong(
    index,
    srcShape,
    dim,
    -size,
    size,
  );
  if (bad !== undefined) return bad;
  return scatterWalk(
    "add",
    out.dtype,
    "float64",
    src.dtype,
    alpha === 1,
    false,
  )(
    srcShape,
    out.buffer,
    out.offset,
    without(out.strides, dim),
    values,
    0,
    strides,
    src.buffer,
    src.offset,
    src.strides,
    size,
    out.strides[dim],
    alpha,
  );
}

/** out[p] = x[p with dim replaced by index[p]] over index's `shape`. */
export function gather(
  x: CpuView,
  xShape: readonly number[],
  dim: number,
  index: CpuView,
  out: CpuView,
  shape: readonly number[],
): number | undefined {
  return gatherWalk(out.dtype, index.dtype, x.dtype, true)(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    index.buffer,
    index.offset,
    index.strides,
    x.buffer,
    x.offset,
    without(x.strides, dim),
    xShape[dim] ?? 1,
    x.strides[dim] ?? 0,
    1,
  );
}

/** out[p with dim replaced by index[p]] = src[p], or += src[p], over index's `shape`. */
export function scatter(
  mode: "set" | "add",
  out: CpuView,
  outShape: readonly number[],
  dim: number,
  index: CpuView,
  src: ViewOrScalar<Arr>,
  shape: readonly number[],
): number | undefined {
  const scalar = typeof src === "number";
  // A scalar is stored as the output keeps it: a BigInt for int64, 0/1 for bool, bfloat16 bits
  // (but a bfloat16 sum takes the value).
  const value = !scalar
    ? src.buffer
    : mode === "add" && out.dtype === "bfloat16"
    ? src
    : storedScalar(out.dtype, src);
  return scatterWalk(
    mode,
    out.dtype,
    index.dtype,
    scalar ? null : src.dtype,
    true,
    true,
  )(
    shape,
    out.buffer,
    out.offset,
    without(out.strides, dim),
    index.buffer,
    index.offset,
    index.strides,
    value,
    scalar ? 0 : src.offset,
    scalar ? [] : src.strides,
    outShape[dim] ?? 1,
    out.strides[dim] ?? 0,
    1,
  );
}

/** Raises error(v) at the first position (row-major over shape) where mask is nonzero. */
export function check(
  mask: CpuView,
  values: CpuView,
  shape: readonly number[],
  error: (value: number) => Error,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let pm = mask.offset, pv = values.offset;
    for (let d = 0; d < shape.length; d++) {
      pm += idx[d] * mask.strides[d];
      pv += idx[d] * values.strides[d];
    }
    if (Number(mask.buffer[pm]) !== 0) throw error(Number(values.buffer[pv]));
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}
