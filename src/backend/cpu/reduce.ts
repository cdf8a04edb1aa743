// CPU reductions. The input is walked in memory order whatever dims are reduced (dims sorted by
// stride), accumulating in doubles into one slot per output element: a reduced innermost row is
// folded with eight (four when strided) independent accumulators, a kept innermost row adds into
// a row of slots. So reducing the last dim and reducing an outer dim both stream memory.

import type { DTypeName, StorageArray } from "../../dtype.ts";
import type { ArgReduceOp, ReduceOp, View } from "../backend.ts";
import { compile, readAs } from "./_loops.ts";
import { copy } from "./maps.ts";
import { wasmSum8, wasmSum8On } from "./wasm_maps.ts";
import { BLOCK, inPlaceBlockSums } from "./inplace.ts";

type Arr = StorageArray;

/** How each reduction combines an accumulator s with a value v, and where it starts. */
const COMBINE: Record<ReduceOp, [(s: string, v: string) => string, number]> = {
  sum: [(s, v) => `${s} + ${v}`, 0],
  mean: [(s, v) => `${s} + ${v}`, 0],
  prod: [(s, v) => `${s} * ${v}`, 1],
  // NaN wins: once the accumulator is NaN no comparison replaces it.
  max: [(s, v) => `(${v} > ${s} || ${v} !== ${v} ? ${v} : ${s})`, -Infinity],
  min: [(s, v) => `(${v} < ${s} || ${v} !== ${v} ? ${v} : ${s})`, Infinity],
  all: [(s, v) => `(${v} !== 0 ? ${s} : 0)`, 1],
  any: [(s, v) => `(${v} !== 0 ? 1 : ${s})`, 0],
};

type Fold = (
  X: Arr,
  Xo: number,
  shape: readonly number[],
  xs: readonly number[],
  as: readonly number[],
  acc: Float64Array,
) => void;

const folds = new Map<string, Fold>();

/** Folds `len` contiguous elements of X from p into one value. */
type Row = (X: Arr, p: number, len: number) => number;

/**
 * The contiguous row's fold: eight independent accumulators, combined pairwise. A function of
 * its own, since V8 optimises a small loop function better than the same loop inside the walk
 * over the other dims, and indexing from the counter (q = p + 8j) better than stepping p: a 16M
 * float32 sum ran at 5.5 GB/s inside the walk, 7 to 8 alone, 9.4 alone and indexed (Deno;
 * Bun 13.8 in all three).
 */
function rowKernel(op: ReduceOp, dtype: DTypeName): Row {
  const c = COMBINE[op][0];
  const r = (i: string) => readAs(dtype, `X[${i}]`);
  const v = (k: number) => `v${k}`, s = (k: number) => `s${k}`;
  const eight = [0, 1, 2, 3, 4, 5, 6, 7];
  return compile<Row>(
    ["X", "p", "len"],
    `
// A counted main loop: V8 deoptimises a \`i + 7 < len\` one whose tail loop never ran.
let s0 = ${
      COMBINE[op][1]
    }, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
const m = len >> 3;
for (let j = 0; j < m; j++) {
  const q = p + (j << 3);
  ${eight.map((k) => `const ${v(k)} = ${r(k ? `q + ${k}` : "q")};`).join(" ")}
  ${eight.map((k) => `${s(k)} = ${c(s(k), v(k))};`).join(" ")}
}
p += m << 3;
for (let i = m * 8; i < len; i++, p++) { const v0 = ${r("p")}; s0 = ${
      c("s0", "v0")
    }; }
const s01 = ${c("s0", "s1")}, s23 = ${c("s2", "s3")}, s45 = ${
      c("s4", "s5")
    }, s67 = ${c("s6", "s7")};
const s03 = ${c("s01", "s23")}, s47 = ${c("s45", "s67")};
return ${c("s03", "s47")};`,
    {},
    `row|${op}|${dtype}`,
  );
}

/**
 * The contiguous row's fold for `op` on `dtype`. A float32 sum (or mean) of a long row goes
 * through the SIMD kernel (wasmSum8: the eight accumulators in doubles, the same additions in the
 * same order, so the same bits), the last n mod 8 floats and the combining as rowKernel's; and a
 * row longer than BLOCK (2^16) is summed a block at a time, each block's sum so (from zero) added
 * to the row's in order. Blocks let both threads sum a row that lies in a WebAssembly memory of
 * its own (inPlaceBlockSums) with the bits of one thread and of the copying and JavaScript paths;
 * they are also a step of pairwise summation (a block's error grows with 2^16 terms, not n).
 */
function rowFor(op: ReduceOp, dtype: DTypeName): Row {
  const js = rowKernel(op, dtype);
  if (dtype !== "float32" || (op !== "sum" && op !== "mean")) return js;
  const s = new Float64Array(8);
  /** A row's sum from its eight accumulators (at s[k]): its last n mod 8 floats, then pairwise. */
  const combine = (
    s: Float64Array,
    k: number,
    X: Arr,
    p: number,
    len: number,
  ) => {
    let s0 = s[k];
    for (let i = len & ~7; i < len; i++) s0 += X[p + i] as number;
    const s01 = s0 + s[k + 1],
      s23 = s[k + 2] + s[k + 3],
      s45 = s[k + 4] + s[k + 5],
      s67 = s[k + 6] + s[k + 7];
    return (s01 + s23) + (s45 + s67);
  };
  /** A block's sum (or a row's, up to BLOCK), of a row of `row` elements. */
  const block = (X: Arr, p: number, len: number, row = len) => {
    if (!wasmSum8On(len)) return js(X, p, len);
    s.fill(0);
    wasmSum8(X as Float32Array, p, len, s, row);
    return combine(s, 0, X, p, len);
  };
  return (X, p, len) => {
    if (len <= BLOCK) return block(X, p, len);
    const sums = wasmSum8On(len)
      ? inPlaceBlockSums(X as Float32Array, p, len)
      : null;
    let total = 0;
    for (let at = 0, k = 0; at < len; at += BLOCK, k += 8) {
      const n = Math.min(BLOCK, len - at);
      total += sums ? combine(sums, k, X, p + at, n) : block(X, p + at, n, len);
    }
    return total;
  };
}

function foldKernel(op: ReduceOp, dtype: DTypeName): Fold {
  const key = `${op}|${dtype}`;
  let k = folds.get(key);
  if (k) return k;
  const c = COMBINE[op][0];
  const r = (i: string) => readAs(dtype, `X[${i}]`);
  k = compile<Fold>(
    ["X", "Xo", "shape", "xs", "as", "acc"],
    `
for (let i = 0; i < shape.length; i++) if (shape[i] === 0) return;
const cz = coalesce(shape, [as, xs]);
const dims = cz.dims, st = cz.st, r = dims.length;
if (r === 0) { acc[0] = ${c("acc[0]", r("Xo"))}; return; }
const inner = r - 1, len = dims[inner], ta = st[0][inner], tx = st[1][inner];
const count = new Array(r).fill(0);
let pa = 0, px = Xo;
for (;;) {
  if (ta === 0 && tx === 1) {
    const a = acc[pa], s = row(X, px, len);
    acc[pa] = ${c("a", "s")};
  } else if (ta === 0) {
    let s0 = ${COMBINE[op][1]}, s1 = s0, s2 = s0, s3 = s0;
    const m = len >> 2, t2 = 2 * tx, t3 = 3 * tx, t4 = 4 * tx;
    let ix = px;
    for (let j = 0; j < m; j++, ix += t4) {
      const v0 = ${r("ix")}, v1 = ${r("ix + tx")}, v2 = ${r("ix + t2")}, v3 = ${
      r("ix + t3")
    };
      s0 = ${c("s0", "v0")}; s1 = ${c("s1", "v1")}; s2 = ${
      c("s2", "v2")
    }; s3 = ${c("s3", "v3")};
    }
    for (let i = m * 4; i < len; i++, ix += tx) { const v0 = ${r("ix")}; s0 = ${
      c("s0", "v0")
    }; }
    const a = acc[pa], s01 = ${c("s0", "s1")}, s23 = ${c("s2", "s3")}, s = ${
      c("s01", "s23")
    };
    acc[pa] = ${c("a", "s")};
  } else {
    for (let i = 0, ia = pa, ix = px; i < len; i++, ia += ta, ix += tx) {
      const v = ${r("ix")}, a = acc[ia];
      acc[ia] = ${c("a", "v")};
    }
  }
  let d = inner - 1;
  for (; d >= 0; d--) {
    count[d]++; pa += st[0][d]; px += st[1][d];
    if (count[d] < dims[d]) break;
    pa -= st[0][d] * dims[d]; px -= st[1][d] * dims[d]; count[d] = 0;
  }
  if (d < 0) return;
}`,
    { row: rowFor(op, dtype) },
    `fold|${key}`,
  );
  folds.set(key, k);
  return k;
}

/** Folds the last `reduced` dims of x into the contiguous `out`, one value per leading index. */
export function reduce(
  op: ReduceOp,
  x: View<Arr>,
  shape: readonly number[],
  reduced: number,
  out: View<Arr>,
): void {
  const lead = shape.length - reduced;
  let count = 1, len = 1, repeat = 1;
  // A reduced dim of stride 0 (an expanded tensor) repeats every value it meets: fold it once and
  // scale, so that `ones(1).expand(2 ** 40).sum()` is one step, not 2^40.
  let walked = shape;
  for (let i = 0; i < shape.length; i++) {
    if (i < lead) count *= shape[i];
    else len *= shape[i];
    if (i >= lead && x.strides[i] === 0 && shape[i] > 1) {
      if (walked === shape) walked = [...shape];
      repeat *= shape[i];
      (walked as number[])[i] = 1;
    }
  }
  shape = walked;
  const acc = new Float64Array(count).fill(COMBINE[op][1]);
  // Slot strides: contiguous over the kept dims, 0 over the reduced ones.
  const as = new Array<number>(shape.length).fill(0);
  for (let i = lead - 1, s = 1; i >= 0; s *= shape[i], i--) as[i] = s;
  // Walk x in memory order: dims by decreasing stride (stable, so ties keep logical order).
  const order = [...shape.keys()].sort((p, q) =>
    Math.abs(x.strides[q]) - Math.abs(x.strides[p])
  );
  foldKernel(op, x.dtype)(
    x.buffer,
    x.offset,
    order.map((d) => shape[d]),
    order.map((d) => x.strides[d]),
    order.map((d) => as[d]),
    acc,
  );
  if (repeat !== 1 && (op === "sum" || op === "mean")) {
    for (let i = 0; i < count; i++) acc[i] *= repeat;
  } else if (repeat !== 1 && op === "prod") {
    for (let i = 0; i < count; i++) acc[i] = Math.pow(acc[i], repeat);
  }
  if (op === "mean") { for (let i = 0; i < count; i++) acc[i] /= len; }
  // out is contiguous: walk it as one row whatever its rank.
  copy(
    { ...out, strides: [1] },
    { buffer: acc, dtype: "float64", offset: 0, strides: [1] },
    [count],
  );
}

type ArgKernel = (
  X: Arr,
  Xo: number,
  shape: readonly number[],
  xs: readonly number[],
  I: BigInt64Array,
  Io: number,
  V: Arr | null,
  Vo: number,
) => void;

const argKernels = new Map<string, ArgKernel>();

function argKernel(op: ArgReduceOp, dtype: DTypeName): ArgKernel {
  const key = `${op}|${dtype}`;
  let k = argKernels.get(key);
  if (k) return k;
  const better = op === "argmax" ? ">" : "<";
  k = compile<ArgKernel>(
    ["X", "Xo", "shape", "xs", "I", "Io", "V", "Vo"],
    `
const r = shape.length, len = shape[r - 1], tx = xs[r - 1];
let count = 1;
for (let i = 0; i < r - 1; i++) count *= shape[i];
if (count === 0 || len === 0) return;
const pos = new Array(r).fill(0);
let px = Xo;
for (let j = 0; j < count; j++) {
  // The first NaN wins; otherwise the first occurrence of the extreme.
  let best = 0, b = ${readAs(dtype, "X[px]")};
  if (b === b) {
    for (let i = 1, ix = px + tx; i < len; i++, ix += tx) {
      const v = ${readAs(dtype, "X[ix]")};
      if (v !== v) { best = i; break; }
      if (v ${better} b) { best = i; b = v; }
    }
  }
  I[Io + j] = BigInt(best);
  if (V !== null) V[Vo + j] = X[px + best * tx];
  let d = r - 2;
  for (; d >= 0; d--) {
    pos[d]++; px += xs[d];
    if (pos[d] < shape[d]) break;
    px -= xs[d] * shape[d]; pos[d] = 0;
  }
}`,
    {},
    `arg|${key}`,
  );
  argKernels.set(key, k);
  return k;
}

/** For each leading index of x, the position of the extreme along the last dim (and its value). */
export function argReduce(
  op: ArgReduceOp,
  x: View<Arr>,
  shape: readonly number[],
  indices: View<Arr>,
  values: View<Arr> | null,
): void {
  argKernel(op, x.dtype)(
    x.buffer,
    x.offset,
    shape,
    x.strides,
    indices.buffer as BigInt64Array,
    indices.offset,
    values?.buffer ?? null,
    values?.offset ?? 0,
  );
}
