// CPU kernels for convolution (im2col + GEMM), max pooling, and the linear "plane maps" behind
// unfold/fold, padding, average pooling and resampling.

import { type Floats, gemmInto } from "./matmul.ts";

/** Typed arrays the kernels walk (int64 data is converted to doubles by the caller). */
export type Dense =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/**
 * A linear map from one plane (the trailing dims of an input) to another, applied to every
 * leading index alike: out[t] = Σ_s w[t*taps + s] · in[idx[t*taps + s]], where idx -1 is a padding
 * tap (it reads `fill` in the forward map and is skipped by the adjoint). Without `w` every
 * weight is 1. Unfold, padding, nearest upsampling (1 tap), bilinear (4 taps) and average pooling
 * (a window of taps) are all such maps, so each gets its adjoint (its gradient) for free.
 */
export interface PlaneMap {
  inSize: number;
  outSize: number;
  taps: number;
  idx: Int32Array;
  w?: Float64Array;
}

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

/**
 * The geometry of one 2-D convolution (1-D is the H = 1 case), always seen from the forward
 * convolution: the "big" side has C channels of H×W, the "small" side O channels of oh×ow, and
 * the weight is [O, C/G, kh, kw]. A transposed convolution runs the same geometry backwards.
 */
export interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  oh: number;
  ow: number;
  G: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

const im2colCache = new Map<string, PlaneMap>();

/**
 * The im2col map of one channel: H×W → [kh*kw, oh*ow], row (i, j) of the columns holding the
 * input pixel each output position sees through kernel tap (i, j), or -1 in the zero padding.
 */
export function im2colMap(g: Omit<ConvGeom, "N" | "C" | "O" | "G">): PlaneMap {
  const key = [
    g.H,
    g.W,
    g.oh,
    g.ow,
    g.kh,
    g.kw,
    g.sh,
    g.sw,
    g.ph,
    g.pw,
    g.dh,
    g.dw,
  ].join();
  let map = im2colCache.get(key);
  if (map) return map;
  const L = g.oh * g.ow;
  const idx = new Int32Array(g.kh * g.kw * L);
  for (let i = 0; i < g.kh; i++) {
    for (let j = 0; j < g.kw; j++) {
      const row = (i * g.kw + j) * L;
      for (let y = 0; y < g.oh; y++) {
        const iy = y * g.sh - g.ph + i * g.dh;
        for (let x = 0; x < g.ow; x++) {
          const ix = x * g.sw - g.pw + j * g.dw;
          idx[row + y * g.ow + x] = iy < 0 || iy >= g.H || ix < 0 || ix >= g.W
            ? -1
            : iy * g.W + ix;
        }
      }
    }
  }
  map = { inSize: g.H * g.W, outSize: g.kh * g.kw * L, taps: 1, idx };
  if (im2colCache.size > 256) im2colCache.clear();
  im2colCache.set(key, map);
  return map;
}

function scratch(like: Floats, n: number): Floats {
  return like instanceof Float32Array
    ? new Float32Array(n)
    : new Float64Array(n);
}

/** small[n, o] = W_g · im2col(big[n, g]): the forward convolution (no bias). */
export function convForward(
  big: Floats,
  bigOff: number,
  w: Floats,
  wOff: number,
  small: Floats,
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
        (n * g.O + gr * Og) * L,
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

/** big[n, g] += col2im(W_gᵀ · small[n, g]): the transposed convolution (the input gradient). */
export function convBackwardData(
  small: Floats,
  smallOff: number,
  w: Floats,
  wOff: number,
  big: Floats,
  g: ConvGeom,
): void {
  const map = im2colMap(g);
  const Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
  const HW = g.H * g.W, L = g.oh * g.ow;
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
      mapAdjoint(cols, 0, big, (n * g.C + gr * Cg) * HW, Cg, map);
    }
  }
}

/** w[g] = Σ_n small[n, g] · im2col(big[n, g])ᵀ: the weight gradient. */
export function convBackwardWeight(
  big: Floats,
  bigOff: number,
  small: Floats,
  smallOff: number,
  w: Floats,
  g: ConvGeom,
): void {
  const map = im2colMap(g);
  const Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
  const HW = g.H * g.W, L = g.oh * g.ow;
  const cols = scratch(w, K * L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      mapForward(big, bigOff + (n * g.C + gr * Cg) * HW, cols, 0, Cg, map);
      gemmInto(
        w,
        gr * Og * K,
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

/** Window geometry of a 2-D pooling over planes of H×W. */
export interface PoolGeom {
  H: number;
  W: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/**
 * Max pooling with the argmax of each window (flat index into its H×W plane). As ATen's kernel:
 * the first maximum wins ties, NaN wins over everything, and an all -inf window points at its
 * first in-bounds element.
 */
export function maxPool2d(
  src: Floats,
  srcOff: number,
  planes: number,
  g: PoolGeom,
  out: Floats,
  indices: Int32Array,
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
        const o = p * L + y * g.ow + x;
        out[o] = best;
        indices[o] = arg;
      }
    }
  }
}

/** dst[p, indices[p, t]] += src[p, t]: the max-pool gradient, a scatter by the saved argmax. */
export function scatterPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  L: number,
  indices: Int32Array,
  dst: Floats,
  HW: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * L, d = p * HW, q = p * L;
    for (let t = 0; t < L; t++) dst[d + indices[q + t]] += src[s + t];
  }
}

/** dst[p, t] = src[p, indices[p, t]]: the adjoint of scatterPlanes (max pool's double backward). */
export function gatherPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  HW: number,
  indices: Int32Array,
  dst: Floats,
  L: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * HW, d = p * L;
    for (let t = 0; t < L; t++) dst[d + t] = src[s + indices[d + t]];
  }
}
