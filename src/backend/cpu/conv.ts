// CPU kernels for convolution (im2col + GEMM), max pooling, and the linear "plane maps" behind
// unfold/fold, padding, average pooling and resampling. The geometry (ConvGeom, PoolGeom, PlaneMap
// and the im2col map) is the backend-neutral description in ../backend.ts and ../geometry.ts.

import type { ConvGeom, PlaneMap, PoolGeom } from "../backend.ts";
import { im2colMap } from "../geometry.ts";
import { type Floats, gemmInto } from "./matmul.ts";

/** Typed arrays the kernels walk (int64 data is converted to doubles by the caller). */
export type Dense =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** dst[p, t] = map(src[p, :])[t] for `planes` contiguous planes. */
export function mapForward(
  src: Dense,
  srcOff: number,
  dst: Dense,
  dstOff: number,
  planes: number,
  map: PlaneMap,
  fill = 0,
): void {
  const { inSize, outSize, taps, idx, w } = map;
  for (let p = 0; p < planes; p++) {
    const si = srcOff + p * inSize, di = dstOff + p * outSize;
    if (taps === 1 && !w) {
      for (let t = 0; t < outSize; t++) {
        const s = idx[t];
        dst[di + t] = s < 0 ? fill : src[si + s];
      }
      continue;
    }
    for (let t = 0, q = 0; t < outSize; t++) {
      let acc = 0;
      for (const e = q + taps; q < e; q++) {
        const s = idx[q];
        const v = s < 0 ? fill : src[si + s];
        acc += w ? w[q] * v : v;
      }
      dst[di + t] = acc;
    }
  }
}

/** dst[p, :] += mapᵀ(src[p, :]): the adjoint, i.e. the gradient of mapForward. */
export function mapAdjoint(
  src: Dense,
  srcOff: number,
  dst: Dense,
  dstOff: number,
  planes: number,
  map: PlaneMap,
): void {
  const { inSize, outSize, taps, idx, w } = map;
  for (let p = 0; p < planes; p++) {
    const si = srcOff + p * outSize, di = dstOff + p * inSize;
    for (let t = 0, q = 0; t < outSize; t++) {
      const g = src[si + t];
      for (const e = q + taps; q < e; q++) {
        const s = idx[q];
        if (s >= 0) dst[di + s] += w ? w[q] * g : g;
      }
    }
  }
}

function scratch(like: Floats, n: number): Floats {
  return like instanceof Float32Array
    ? new Float32Array(n)
    : new Float64Array(n);
}

/** small[n, o] = W_g · im2col(big[n, g]): the forward convolution (no bias), over small. */
export function convForward(
  big: Floats,
  bigOff: number,
  w: Floats,
  wOff: number,
  small: Floats,
  smallOff: number,
  g: ConvGeom,
): void {
  const map = im2colMap(g);
  const Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
  const HW = g.H * g.W, L = g.oh * g.ow;
  const cols = scratch(small, K * L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      mapForward(big, bigOff + (n * g.C + gr * Cg) * HW, cols, 0, Cg, map);
      gemmInto(
        small,
        smallOff + (n * g.O + gr * Og) * L,
        w,
        wOff + gr * Og * K,
        K,
        1,
        cols,
        0,
        L,
        1,
        Og,
        K,
        L,
        false,
      );
    }
  }
}

/** big[n, g] = col2im(W_gᵀ · small[n, g]): the transposed convolution (the input gradient), over big. */
export function convBackwardData(
  small: Floats,
  smallOff: number,
  w: Floats,
  wOff: number,
  big: Floats,
  bigOff: number,
  g: ConvGeom,
): void {
  const map = im2colMap(g);
  const Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
  const HW = g.H * g.W, L = g.oh * g.ow;
  // col2im accumulates overlapping taps, so the target starts from zeros.
  big.fill(0, bigOff, bigOff + g.N * g.C * HW);
  const cols = scratch(big, K * L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      gemmInto(
        cols,
        0,
        w,
        wOff + gr * Og * K,
        1,
        K,
        small,
        smallOff + (n * g.O + gr * Og) * L,
        L,
        1,
        K,
        Og,
        L,
        false,
      );
      mapAdjoint(cols, 0, big, bigOff + (n * g.C + gr * Cg) * HW, Cg, map);
    }
  }
}

/** w[g] = Σ_n small[n, g] · im2col(big[n, g])ᵀ: the weight gradient, over w. */
export function convBackwardWeight(
  big: Floats,
  bigOff: number,
  small: Floats,
  smallOff: number,
  w: Floats,
  wOff: number,
  g: ConvGeom,
): void {
  const map = im2colMap(g);
  const Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
  const HW = g.H * g.W, L = g.oh * g.ow;
  if (g.N === 0) w.fill(0, wOff, wOff + g.O * K);
  const cols = scratch(w, K * L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      mapForward(big, bigOff + (n * g.C + gr * Cg) * HW, cols, 0, Cg, map);
      gemmInto(
        w,
        wOff + gr * Og * K,
        small,
        smallOff + (n * g.O + gr * Og) * L,
        L,
        1,
        cols,
        0,
        1,
        L,
        Og,
        L,
        K,
        n > 0,
      );
    }
  }
}

/**
 * Max pooling with the argmax of each window (flat index into its H×W plane). As ATen's kernel:
 * the first maximum wins ties, NaN wins over everything, and an all -inf window points at its
 * first in-bounds element. The indices are int64, written as little-endian pairs of 32-bit words
 * (`words` views the int64 buffer; `idxOff` counts int64 elements).
 */
export function maxPool2d(
  src: Floats,
  srcOff: number,
  planes: number,
  g: PoolGeom,
  out: Floats,
  outOff: number,
  words: Int32Array,
  idxOff: number,
): void {
  const HW = g.H * g.W, L = g.oh * g.ow;
  for (let p = 0; p < planes; p++) {
    const base = srcOff + p * HW;
    for (let y = 0; y < g.oh; y++) {
      let h0 = y * g.sh - g.ph;
      const h1 = Math.min(h0 + (g.kh - 1) * g.dh + 1, g.H);
      while (h0 < 0) h0 += g.dh;
      for (let x = 0; x < g.ow; x++) {
        let w0 = x * g.sw - g.pw;
        const w1 = Math.min(w0 + (g.kw - 1) * g.dw + 1, g.W);
        while (w0 < 0) w0 += g.dw;
        let best = -Infinity, arg = h0 * g.W + w0;
        for (let iy = h0; iy < h1; iy += g.dh) {
          const row = iy * g.W;
          for (let ix = w0; ix < w1; ix += g.dw) {
            const v = src[base + row + ix];
            // NaN replaces the running max every time, so the last NaN wins (as ATen).
            if (v > best || v !== v) {
              best = v;
              arg = row + ix;
            }
          }
        }
        const o = p * L + y * g.ow + x, q = 2 * (idxOff + o);
        out[outOff + o] = best;
        words[q] = arg;
        words[q + 1] = 0;
      }
    }
  }
}

/**
 * dst[p, indices[p, t]] += src[p, t]: the max-pool gradient, a scatter by the saved argmax. The
 * indices are int64 as in maxPool2d (low words read; pooling indices are small and ≥ 0).
 */
export function scatterPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  L: number,
  words: Int32Array,
  idxOff: number,
  dst: Floats,
  dstOff: number,
  HW: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * L, d = dstOff + p * HW, q = 2 * (idxOff + p * L);
    for (let t = 0; t < L; t++) dst[d + words[q + 2 * t]] += src[s + t];
  }
}

/** dst[p, t] = src[p, indices[p, t]]: the adjoint of scatterPlanes (max pool's double backward). */
export function gatherPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  HW: number,
  words: Int32Array,
  idxOff: number,
  dst: Floats,
  dstOff: number,
  L: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * HW, d = dstOff + p * L, q = 2 * (idxOff + p * L);
    for (let t = 0; t < L; t++) dst[d + t] = src[s + words[q + 2 * t]];
  }
}
