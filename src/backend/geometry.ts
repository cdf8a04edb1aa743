// Host-side geometry for the dense primitives: plane maps are descriptions of which input elements
// each output element reads, built once on the host (and cached), then handed to any backend's
// mapForward/mapAdjoint or used inside its convolution kernels. Nothing here touches a buffer.

import type { ConvGeom, PlaneMap } from "./backend.ts";

/** The window part of a convolution's geometry: one H×W channel and its oh×ow outputs. */
export type WindowGeom = Omit<ConvGeom, "N" | "C" | "O" | "G">;

const im2colCache = new Map<string, PlaneMap>();

/**
 * For kernel column j, the output columns [x0, x1) whose input column x·sw − pw + j·dw lies inside
 * [0, W): outside that run a row of im2col is padding.
 */
export function tapSpan(g: WindowGeom, j: number): [number, number] {
  const shift = j * g.dw - g.pw;
  const x0 = Math.max(0, Math.ceil(-shift / g.sw));
  const x1 = Math.min(g.ow, Math.floor((g.W - 1 - shift) / g.sw) + 1);
  return [x0, Math.max(x0, x1)];
}

/**
 * The im2col map of one channel: H×W → [kh*kw, oh*ow], row (i, j) of the columns holding the
 * input pixel each output position sees through kernel tap (i, j), or -1 in the zero padding.
 * Maps are cached by geometry, so a backend may key uploads on the returned object.
 */
export function im2colMap(g: WindowGeom): PlaneMap {
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
