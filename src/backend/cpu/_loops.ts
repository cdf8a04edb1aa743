// Loop generation for the CPU's elementwise kernels. Each (op, dtypes) pair gets its own function,
// compiled once from source at first use, so every loop is monomorphic in its arrays and the
// element expression is inlined: no closure runs per element. Three loop shapes are emitted: one
// flat loop when every operand is contiguous, a row walk over coalesced dims (the inner row may
// have any strides, stride 0 for broadcast dims), and for copies that transpose, 32×32 tiles.

import type { DTypeName, StorageArray } from "../../dtype.ts";
import { BF16_VALUES, toBf16 } from "../../bfloat16.ts";
import { RuntimeError } from "../../errors.ts";

/**
 * Merges adjacent dims that every operand walks as one (stride[i] == stride[i+1] * size[i+1]) and
 * drops size-1 dims, so a contiguous or broadcast-free problem becomes one long row.
 */
export function coalesce(
  shape: readonly number[],
  strides: (readonly number[])[],
): { dims: number[]; st: number[][] } {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < strides.length; k++) {
      merge = st[k][last] === strides[k][i] * shape[i];
    }
    if (merge) {
      dims[last] *= shape[i];
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][i];
    } else {
      dims.push(shape[i]);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][i]);
    }
  }
  return { dims, st };
}

/** Whether `strides` walk `shape` in row-major order without gaps (size-1 dims ignored). */
export function isContiguous(
  shape: readonly number[],
  strides: readonly number[],
): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/**
 * An array's memory as int32 words: float32 bits as they are, an int64 element as two (low word
 * first, the one the pooling index kernels read and write).
 */
export function int32Words(a: StorageArray): Int32Array {
  return a instanceof Int32Array
    ? a
    : new Int32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
}

/** Converts a double to an int64 the way a C cast does for values in range; NaN becomes 0. */
export function toBig(v: number): bigint {
  if (v !== v) return 0n;
  if (v === Infinity) return 9223372036854775807n;
  if (v === -Infinity) return -9223372036854775808n;
  return BigInt.asIntN(64, BigInt(Math.trunc(v)));
}

/**
 * Converts a float element to int64 as x86 does (and so PyTorch): NaN, infinities and values out
 * of range become INT64_MIN.
 */
export function f2i64(v: number): bigint {
  return v > -9223372036854775809 && v < 9223372036854775808
    ? BigInt(Math.trunc(v))
    : -9223372036854775808n;
}

/** Converts a double to a uint64 as a C cast does for values in range (wrapping); NaN becomes 0. */
export function toBigU(v: number): bigint {
  if (v !== v) return 0n;
  if (v === Infinity) return 18446744073709551615n;
  if (v === -Infinity) return 0n;
  return BigInt.asUintN(64, BigInt(Math.trunc(v)));
}

/**
 * An element as the kernel computes with it: a double. int64 and uint64 elements are BigInts,
 * bfloat16 elements are bits (widened by table).
 */
export function readAs(dtype: DTypeName, src: string): string {
  if (dtype === "int64" || dtype === "uint64") return `Number(${src})`;
  if (dtype === "bfloat16") return `BF16_VALUES[${src}]`;
  return src;
}

/**
 * A double stored into the dtype's array: int64 and uint64 as a C cast, bool as "nonzero",
 * bfloat16 rounded through float32 to nearest even (PyTorch computes bfloat16 ops in float32).
 */
export function storeAs(dtype: DTypeName, v: string): string {
  if (dtype === "int64") return `toBig(${v})`;
  if (dtype === "uint64") return `toBigU(${v})`;
  if (dtype === "bool") return `+((${v}) !== 0)`;
  if (dtype === "bfloat16") return `toBf16(${v})`;
  return v;
}

/**
 * A 64-bit integer element (a BigInt) as a number with the same low 32 bits, for stores into
 * narrower integer arrays (which wrap, as C casts do). Exact values pass as they are; only beyond
 * 2^53, where a double would lose the low bits, does it take the BigInt path.
 */
export function low32(a: bigint): number {
  const v = Number(a);
  return v < 9007199254740992 && v > -9007199254740992
    ? v
    : Number(BigInt.asUintN(32, a));
}

/** A JS number in the form the dtype's array holds: BigInt, 0/1, bfloat16 bits, or itself. */
export function storedScalar(dtype: DTypeName, v: number): number | bigint {
  if (dtype === "int64") return toBig(v);
  if (dtype === "uint64") return toBigU(v);
  if (dtype === "bool") return v !== 0 ? 1 : 0;
  if (dtype === "bfloat16") return toBf16(v);
  return v;
}

/** What generated kernels may call besides Math. */
export interface Helpers {
  [name: string]: unknown;
}

const BASE_HELPERS: Helpers = {
  coalesce,
  isContiguous,
  toBig,
  toBigU,
  f2i64,
  low32,
  toBf16,
  BF16_VALUES,
  RuntimeError,
};

/** Compiles `body` into a function of `params`, with `helpers` in scope. */
export function compile<F>(
  params: string[],
  body: string,
  helpers: Helpers = {},
  name = "kernel",
): F {
  const all = { ...BASE_HELPERS, ...helpers };
  const names = Object.keys(all);
  // The name shows in profiles and traces: what each generated loop computes, and on what.
  const fn = name.replace(/[^A-Za-z0-9_$]/g, "_");
  const make = new Function(
    ...names,
    `"use strict"; return function ${fn}(${params.join(", ")}) {\n${body}\n};`,
  );
  return make(...names.map((n) => all[n])) as F;
}

/** One operand of a generated elementwise loop: an array walked by strides, or a scalar value. */
export interface LoopOperand {
  /** The name of its array (or scalar) parameter; offset and strides are `${name}o`, `${name}s`. */
  name: string;
  scalar: boolean;
}

/**
 * The body of the contiguous form of an elementwise kernel: one flat loop over `N` elements
 * (every array operand contiguous), with a form of its own for operands that all start at 0. Kept apart from the strided form because JavaScriptCore
 * optimises a small loop function far better than the same loop inside a large one (measured:
 * 1.7 µs against 4.2 µs for a 4096-element multiply under Bun).
 */
export function flatBody(
  operands: LoopOperand[],
  element: (idx: Record<string, string>) => string,
): string {
  const arrays = operands.filter((o) => !o.scalar);
  const idx = Object.fromEntries(arrays.map((o) => [o.name, `${o.name}o + i`]));
  const zero = Object.fromEntries(arrays.map((o) => [o.name, "i"]));
  // V8 runs the loop indexed by i alone close to twice as fast as the offset form (add of 16M:
  // 19 against 11 GB/s), and almost every tensor starts at offset 0. That loop is unrolled by
  // eight: a multiply of 4096 floats took 5.7 µs rolled, 3.5 unrolled under Deno (5.1 and 1.8
  // under Bun), 16M elements 11 against 12.5 GB/s (13 against 17).
  const at = (k: number) =>
    Object.fromEntries(arrays.map((o) => [o.name, k === 0 ? "i" : `i + ${k}`]));
  const eight = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => `{ ${element(at(k))} }`);
  return `if (${arrays.map((o) => `${o.name}o === 0`).join(" && ")}) {
  const m = N - (N & 7);
  let i = 0;
  for (; i < m; i += 8) { ${eight.join(" ")} }
  for (; i < N; i++) { ${element(zero)} }
  return;
}
for (let i = 0; i < N; i++) { ${element(idx)} }`;
}

/**
 * The body of an elementwise kernel over `shape` writing `out` (an array operand) from `inputs`.
 * `element(idx)` gives the statement that computes one element, given for each array operand the
 * name of its index variable (scalars are read by name).
 */
export function elementwiseBody(
  operands: LoopOperand[],
  element: (idx: Record<string, string>) => string,
  options: { tiled?: boolean; strided?: boolean } = {},
): string {
  const arrays = operands.filter((o) => !o.scalar);
  const stridesList = arrays.map((o) => `${o.name}s`).join(", ");
  const flatIdx = Object.fromEntries(
    arrays.map((o) => [o.name, `${o.name}o + i`]),
  );
  const flat = options.strided ? "" : `
if (${arrays.map((o) => `isContiguous(shape, ${o.name}s)`).join(" && ")}) {
  for (let i = 0; i < n; i++) { ${element(flatIdx)} }
  return;
}`;
  const rowIdx = Object.fromEntries(arrays.map((o) => [o.name, `i${o.name}`]));
  const init = arrays.map((o) => `i${o.name} = p${o.name}`).join(", ");
  const step = arrays.map((o) => `i${o.name} += t${o.name}`).join(", ");
  const advance = (d: string) =>
    arrays.map((o, k) => `p${o.name} += st[${k}][${d}];`).join(" ");
  const rewind = (d: string) =>
    arrays.map((o, k) => `p${o.name} -= st[${k}][${d}] * dims[${d}];`).join(
      " ",
    );
  const tiled = options.tiled && arrays.length === 2
    ? tiledLoop(arrays[0].name, arrays[1].name, element)
    : "";
  return `
let n = 1;
for (let i = 0; i < shape.length; i++) n *= shape[i];
if (n === 0) return;${flat}
const c = coalesce(shape, [${stridesList}]);
const dims = c.dims, st = c.st, r = dims.length;
${arrays.map((o) => `let p${o.name} = ${o.name}o;`).join(" ")}
if (r === 0) { const i = 0; ${
    element(Object.fromEntries(arrays.map((o) => [o.name, `p${o.name}`])))
  } return; }
${tiled}
const inner = r - 1, len = dims[inner];
${arrays.map((o, k) => `const t${o.name} = st[${k}][inner];`).join(" ")}
const count = new Array(r).fill(0);
for (;;) {
  for (let i = 0, ${init}; i < len; i++, ${step}) { ${element(rowIdx)} }
  let d = inner - 1;
  for (; d >= 0; d--) {
    count[d]++; ${advance("d")}
    if (count[d] < dims[d]) break;
    ${rewind("d")} count[d] = 0;
  }
  if (d < 0) return;
}`;
}

/**
 * A transposing copy (one operand's innermost stride is 1 and the other's is not, but its
 * second-innermost is) walks 32×32 tiles, so both sides stay in cache.
 */
function tiledLoop(
  o: string,
  a: string,
  element: (idx: Record<string, string>) => string,
): string {
  return `
if (r >= 2 && ((st[0][r - 1] === 1 && st[1][r - 1] !== 1 && st[1][r - 2] === 1) ||
    (st[1][r - 1] === 1 && st[0][r - 1] !== 1 && st[0][r - 2] === 1))) {
  const d0 = dims[r - 2], d1 = dims[r - 1];
  const o0 = st[0][r - 2], o1 = st[0][r - 1], a0 = st[1][r - 2], a1 = st[1][r - 1];
  const outer = r - 2, count = new Array(r).fill(0);
  for (;;) {
    for (let b0 = 0; b0 < d0; b0 += 32) {
      const e0 = Math.min(b0 + 32, d0);
      for (let b1 = 0; b1 < d1; b1 += 32) {
        const e1 = Math.min(b1 + 32, d1);
        for (let i0 = b0; i0 < e0; i0++) {
          let i${o} = p${o} + i0 * o0 + b1 * o1, i${a} = p${a} + i0 * a0 + b1 * a1;
          for (let i = b1; i < e1; i++, i${o} += o1, i${a} += a1) { ${
    element({ [o]: `i${o}`, [a]: `i${a}` })
  } }
        }
      }
    }
    let d = outer - 1;
    for (; d >= 0; d--) {
      count[d]++; p${o} += st[0][d]; p${a} += st[1][d];
      if (count[d] < dims[d]) break;
      p${o} -= st[0][d] * dims[d]; p${a} -= st[1][d] * dims[d]; count[d] = 0;
    }
    if (d < 0) return;
  }
}`;
}
