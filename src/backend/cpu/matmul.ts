// CPU matrix multiply: a strided GEMM with a 4×4 register block, on the storage's own typed arrays.
//
// Each 4×4 tile of the output is summed in 16 local doubles over the whole k range, so every
// element read from A or B feeds four multiply-adds and nothing is written until the end. Strides
// make transposed operands (x @ W.t(), col buffers read row-wise) free: no copies are made.

import { blas } from "./blas.ts";
import { getNumThreads, wasmGemm } from "./wasm_gemm.ts";
import { checkInterrupt } from "../../interrupt.ts";

/** Dense arrays a kernel may read and write directly (the float dtypes, and doubles for the rest). */
export type Floats = Float32Array | Float64Array;

/** Products smaller than this (m·n·k) stay in JavaScript: a foreign call or a packing costs more. */
const MIN_BLAS_WORK = 1 << 12;

/** Whether gemmInto hands an m×k by k×n product into `out`'s type to the system BLAS. */
export function blasTakes(
  out: Floats,
  m: number,
  k: number,
  n: number,
): boolean {
  return m * n * k >= MIN_BLAS_WORK && blas() !== undefined &&
    (out instanceof Float32Array || out instanceof Float64Array);
}

/**
 * The same product through the system BLAS when it is loaded and both operands are of out's
 * type with one unit stride each (row-major, or transposed and read in place); false otherwise.
 */
function viaBlas(
  out: Floats,
  oOff: number,
  a: ArrayLike<number>,
  aOff: number,
  as0: number,
  as1: number,
  b: ArrayLike<number>,
  bOff: number,
  bs0: number,
  bs1: number,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const lib = blas();
  if (!lib) return false;
  const T = out instanceof Float32Array ? Float32Array : Float64Array;
  if (!(a instanceof T) || !(b instanceof T)) return false;
  // A is m×k, B is k×n; a leading dimension must cover its row, except where there is one row.
  let ta: boolean, lda: number, tb: boolean, ldb: number;
  if (as1 === 1 && (m === 1 || as0 >= k)) {
    [ta, lda] = [false, m === 1 ? k : as0];
  } else if (as0 === 1 && (k === 1 || as1 >= m)) {
    [ta, lda] = [true, k === 1 ? m : as1];
  } else return false;
  if (bs1 === 1 && (k === 1 || bs0 >= n)) {
    [tb, ldb] = [false, k === 1 ? n : bs0];
  } else if (bs0 === 1 && (n === 1 || bs1 >= k)) {
    [tb, ldb] = [true, n === 1 ? k : bs1];
  } else return false;
  lib.useThreads(m * n * k >= BLAS_PARALLEL_MIN ? getNumThreads() : 1);
  const gemm = T === Float32Array ? lib.sgemm : lib.dgemm;
  // A long product runs in tiles of the output, so that an interrupt (Ctrl-C in the REPL) is
  // seen between them.
  const [rows, cols] = blasTiles(m, n, k);
  const depth = depthBlock(m, n, k, T.BYTES_PER_ELEMENT);
  const width = Math.min(cols, widthBlock(m, n, k));
  let calls = 0;
  for (let r0 = 0; r0 < m; r0 += rows) {
    const mb = Math.min(rows, m - r0);
    for (let q0 = 0; q0 < k; q0 += depth) {
      for (let j0 = 0; j0 < n; j0 += width) {
        if (calls++ > 0) checkInterrupt();
        gemm(
          ta,
          tb,
          mb,
          Math.min(width, n - j0),
          Math.min(depth, k - q0),
          (a as Floats).subarray(aOff + r0 * as0 + q0 * as1),
          lda,
          (b as Floats).subarray(bOff + q0 * bs0 + j0 * bs1),
          ldb,
          accumulate || q0 > 0 ? 1 : 0,
          out.subarray(oOff + r0 * n + j0),
          n,
        );
      }
    }
  }
  return true;
}

/**
 * How many of n's columns one BLAS call takes. A few rows with a short k against many columns (a
 * convolution's forward product W · columns with few output channels: LeNet's first layer at
 * batch 64 is 6×25 by 25×50176) ran about twice as fast in slices of 4096 columns: 556 against
 * 266 µs, and 60 against 49 for 8×9 by 9×20000 (OpenBLAS through ctypes, one thread). With 12
 * rows or more, or k from 150, slicing gained little or lost.
 */
function widthBlock(m: number, n: number, k: number): number {
  return m <= 8 && k <= 64 && n >= 8192 ? 4096 : n;
}

/**
 * How much of k one BLAS call takes. A product with a tiny output and a long k (a convolution's
 * weight gradient, dY · columnsᵀ: LeNet's first layer at batch 64 is 6×50176 by 50176×25) runs
 * several times faster in slices of k whose two panels stay in a core's cache, each added to the
 * last: OpenBLAS took 1191 µs for that product whole and 261 µs in slices of 4096 (through
 * ctypes, one thread; 154 against 36 µs at k = 8192, 2297 against 1627 for 20×20 at k = 100000).
 * Outputs beyond 400 elements gained nothing or lost (16×150 at k = 6400: 489 against 505 µs),
 * and keep k whole.
 */
function depthBlock(m: number, n: number, k: number, bytes: number): number {
  if (m * n > 400 || k < 8192) return k;
  // The largest power of two in [1024, 4096] whose panels fit in 512 KiB.
  let depth = 4096;
  while (depth > 1024 && (m + n) * depth * bytes > 1 << 19) depth /= 2;
  return depth;
}

/**
 * Products smaller than this (multiply-adds) run on one OpenBLAS thread. A parallel call leaves
 * OpenBLAS's threads spinning (sched_yield) for a while, which on two cores takes the CPU from the
 * next small op: the MNIST job ran 10% faster (12.8 s to 11.5 s) with these kept on one thread.
 */
const BLAS_PARALLEL_MIN = 1 << 24;

/**
 * Multiply-adds per BLAS call in a long product (about 25 to 45 ms on two cores here), the most
 * an interrupt waits for.
 */
const BLAS_TILE_WORK = 2 ** 32;

/**
 * The rows and columns of out one BLAS call takes: all of it up to BLAS_TILE_WORK multiply-adds,
 * beyond that square-ish tiles of a multiple of 64 each way. Every call packs its rows of A and
 * its columns of B again, so thin bands cost (the bands of rows before, of 2^28 multiply-adds or
 * 64 rows, against these tiles, medians on two threads): 1024² 11.6 → 10.9 ms (B was packed four
 * times), 2048² 145 → 196 GFLOP/s, 4096² 138 → 196, 8000×200×8000 155 → 185.
 */
function blasTiles(m: number, n: number, k: number): [number, number] {
  const per = BLAS_TILE_WORK / Math.max(1, k); // output elements a call may take
  if (m * n <= per) return [m, n];
  const side = Math.max(64, Math.round(Math.sqrt(per) / 64) * 64);
  const rows = Math.min(m, side);
  return [rows, Math.min(n, Math.max(64, Math.floor(per / rows / 64) * 64))];
}

/** A kernel that may take a product gemmInto was given: true when it did, false to pass it on. */
type FastGemm = (...args: Parameters<typeof gemmInto>) => boolean;

/** Tried in order for products of MIN_BLAS_WORK or more: the system BLAS, then WebAssembly SIMD. */
const FAST_PATHS: FastGemm[] = [viaBlas, wasmGemm];

/**
 * out[oOff + i*n + j] (+)= Σ_q A(i, q) · B(q, j) for i < m, j < n, q < k, where
 * A(i, q) = a[aOff + i*as0 + q*as1] and B(q, j) = b[bOff + q*bs0 + j*bs1].
 * With `accumulate` the products are added to what `out` holds; otherwise they replace it.
 */
export function gemmInto(
  out: Floats,
  oOff: number,
  a: ArrayLike<number>,
  aOff: number,
  as0: number,
  as1: number,
  b: ArrayLike<number>,
  bOff: number,
  bs0: number,
  bs1: number,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): void {
  if (m * n * k >= MIN_BLAS_WORK) {
    for (const fast of FAST_PATHS) {
      if (
        fast(
          out,
          oOff,
          a,
          aOff,
          as0,
          as1,
          b,
          bOff,
          bs0,
          bs1,
          m,
          k,
          n,
          accumulate,
        )
      ) {
        return;
      }
    }
  }
  const m4 = m - (m % 4), n4 = n - (n % 4);
  for (let i = 0; i < m4; i += 4) {
    const ar = aOff + i * as0;
    const o0 = oOff + i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
    for (let j = 0; j < n4; j += 4) {
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
      let pa = ar, pb = bOff + j * bs1;
      for (let q = 0; q < k; q++, pa += as1, pb += bs0) {
        const a0 = a[pa], a1 = a[pa + as0];
        const a2 = a[pa + 2 * as0], a3 = a[pa + 3 * as0];
        const b0 = b[pb], b1 = b[pb + bs1];
        const b2 = b[pb + 2 * bs1], b3 = b[pb + 3 * bs1];
        c00 += a0 * b0;
        c01 += a0 * b1;
        c02 += a0 * b2;
        c03 += a0 * b3;
        c10 += a1 * b0;
        c11 += a1 * b1;
        c12 += a1 * b2;
        c13 += a1 * b3;
        c20 += a2 * b0;
        c21 += a2 * b1;
        c22 += a2 * b2;
        c23 += a2 * b3;
        c30 += a3 * b0;
        c31 += a3 * b1;
        c32 += a3 * b2;
        c33 += a3 * b3;
      }
      if (accumulate) {
        out[o0 + j] += c00;
        out[o0 + j + 1] += c01;
        out[o0 + j + 2] += c02;
        out[o0 + j + 3] += c03;
        out[o1 + j] += c10;
        out[o1 + j + 1] += c11;
        out[o1 + j + 2] += c12;
        out[o1 + j + 3] += c13;
        out[o2 + j] += c20;
        out[o2 + j + 1] += c21;
        out[o2 + j + 2] += c22;
        out[o2 + j + 3] += c23;
        out[o3 + j] += c30;
        out[o3 + j + 1] += c31;
        out[o3 + j + 2] += c32;
        out[o3 + j + 3] += c33;
      } else {
        out[o0 + j] = c00;
        out[o0 + j + 1] = c01;
        out[o0 + j + 2] = c02;
        out[o0 + j + 3] = c03;
        out[o1 + j] = c10;
        out[o1 + j + 1] = c11;
        out[o1 + j + 2] = c12;
        out[o1 + j + 3] = c13;
        out[o2 + j] = c20;
        out[o2 + j + 1] = c21;
        out[o2 + j + 2] = c22;
        out[o2 + j + 3] = c23;
        out[o3 + j] = c30;
        out[o3 + j + 1] = c31;
        out[o3 + j + 2] = c32;
        out[o3 + j + 3] = c33;
      }
    }
    // Leftover columns: four rows at a time, one column.
    for (let j = n4; j < n; j++) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let pa = ar, pb = bOff + j * bs1;
      for (let q = 0; q < k; q++, pa += as1, pb += bs0) {
        const bv = b[pb];
        c0 += a[pa] * bv;
        c1 += a[pa + as0] * bv;
        c2 += a[pa + 2 * as0] * bv;
        c3 += a[pa + 3 * as0] * bv;
      }
      if (accumulate) {
        out[o0 + j] += c0;
        out[o1 + j] += c1;
        out[o2 + j] += c2;
        out[o3 + j] += c3;
      } else {
        out[o0 + j] = c0;
        out[o1 + j] = c1;
        out[o2 + j] = c2;
        out[o3 + j] = c3;
      }
    }
  }
  // Leftover rows: one row, four columns at a time, then single columns.
  for (let i = m4; i < m; i++) {
    const ar = aOff + i * as0, o = oOff + i * n;
    for (let j = 0; j < n4; j += 4) {
      let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      let pa = ar, pb = bOff + j * bs1;
      for (let q = 0; q < k; q++, pa += as1, pb += bs0) {
        const av = a[pa];
        c0 += av * b[pb];
        c1 += av * b[pb + bs1];
        c2 += av * b[pb + 2 * bs1];
        c3 += av * b[pb + 3 * bs1];
      }
      if (accumulate) {
        out[o + j] += c0;
        out[o + j + 1] += c1;
        out[o + j + 2] += c2;
        out[o + j + 3] += c3;
      } else {
        out[o + j] = c0;
        out[o + j + 1] = c1;
        out[o + j + 2] = c2;
        out[o + j + 3] = c3;
      }
    }
    for (let j = n4; j < n; j++) {
      let c = 0;
      let pa = ar, pb = bOff + j * bs1;
      for (let q = 0; q < k; q++, pa += as1, pb += bs0) c += a[pa] * b[pb];
      if (accumulate) out[o + j] += c;
      else out[o + j] = c;
    }
  }
}
