// WebGPU kernels for convolution and pooling: conv2d and its two backward kernels, max pooling,
// and the plane scatter/gather its backward uses.
//
// Direct kernels, one invocation per output element in grid-stride loops (a dispatch dimension is
// capped at MAX_GROUPS workgroups); where the weights are few and their gradient sums over
// N·oh·ow long, each sum is split across a workgroup and folded in workgroup memory. Max pooling's
// gradient adds into its target atomically (overlapping windows share an argmax). Every operand is
// contiguous (the primitives' contract) and read from its view's offset. Floats compute in f32.

import { CONV_GEOM_FIELDS, type ConvGeom, type PoolGeom } from "../backend.ts";
import type { DeviceThread } from "./device.ts";
import { cached, type GView, MAX_GROUPS, type Prims, WG } from "./kernels.ts";
import {
  bindings,
  type Compute,
  computeOf,
  load,
  PRELUDE,
  store,
} from "./wgsl.ts";

export type ConvPrims = Pick<
  Prims,
  | "conv2d"
  | "conv2dBackwardInput"
  | "conv2dBackwardWeight"
  | "maxPool2d"
  | "scatterPlanes"
  | "gatherPlanes"
>;

/** Workgroups for `n` invocations of a grid-stride loop. */
const groupsFor = (n: number): [number, number, number] => [
  Math.min(Math.ceil(n / WG), MAX_GROUPS),
  1,
  1,
];

// ---------------------------------------------------------------------------------------------
// Convolution. Meta words: M[0] the number of outputs, M[1..16] the geometry (in the order of
// ../backend.ts's CONV_GEOM_FIELDS), then the offsets of the operands in binding order.

const CONV_OFFSETS = 1 + CONV_GEOM_FIELDS.length;

function convMeta(total: number, g: ConvGeom, views: GView[]): Uint32Array {
  const meta = new Uint32Array(CONV_OFFSETS + views.length);
  meta[0] = total;
  CONV_GEOM_FIELDS.forEach((f, i) => meta[1 + i] = g[f]);
  views.forEach((v, i) => meta[CONV_OFFSETS + i] = v.offset);
  return meta;
}

/** `let`s naming the geometry words, and the operands' offsets as `off0`, `off1`, ... */
function convLets(operands: number): string {
  const lines = CONV_GEOM_FIELDS.map((f, i) => `  let ${f} = M[${1 + i}u];`);
  for (let i = 0; i < operands; i++) {
    lines.push(`  let off${i} = M[${CONV_OFFSETS + i}u];`);
  }
  lines.push("  let Cg = C / G;", "  let Og = O / G;");
  return lines.join("\n");
}

/**
 * The main function's head for a grid-stride loop over `e < M[0]`. (A function: kernels.ts imports
 * this module, so its constants are not yet defined while this module is evaluated.)
 */
const gridMain = () =>
  `@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nw: vec3u) {`;

/**
 * out[n, o, y, x] = Σ_{c, i, j} w[o, c, i, j] · x[n, group(o)·Cg + c, y·sh − ph + i·dh, x·sw − pw +
 * j·dw] (+ bias[o], added to the sum in f32).
 */
function conv2d(
  t: DeviceThread,
  x: GView,
  w: GView,
  bias: GView | null,
  out: GView,
  g: ConvGeom,
): void {
  const total = g.N * g.O * g.oh * g.ow;
  if (total === 0) return;
  const c: Compute = "f32";
  const key = `conv|fwd|${x.dtype}|${w.dtype}|${bias?.dtype}|${out.dtype}`;
  const result = bias ? `acc + ${load("B[off3 + o]", bias.dtype, c)}` : "acc";
  const views = bias ? [out, x, w, bias] : [out, x, w];
  const source = () =>
    `${bindings(bias ? ["Y", "X", "K", "B"] : ["Y", "X", "K"])}
${PRELUDE}
${gridMain()}
${convLets(views.length)}
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {
    let xo = e % ow;
    let yo = (e / ow) % oh;
    let o = (e / (ow * oh)) % O;
    let n = e / (ow * oh * O);
    let xb = off1 + (n * C + (o / Og) * Cg) * H * W;
    let kb = off2 + o * Cg * kh * kw;
    let iy0 = i32(yo * sh) - i32(ph);
    let ix0 = i32(xo * sw) - i32(pw);
    var acc = 0.0;
    for (var ci = 0u; ci < Cg; ci = ci + 1u) {
      for (var i = 0u; i < kh; i = i + 1u) {
        let iy = iy0 + i32(i * dh);
        if (iy < 0 || iy >= i32(H)) { continue; }
        let xr = xb + (ci * H + u32(iy)) * W;
        let kr = kb + (ci * kh + i) * kw;
        for (var j = 0u; j < kw; j = j + 1u) {
          let ix = ix0 + i32(j * dw);
          if (ix < 0 || ix >= i32(W)) { continue; }
          acc = acc + ${load("X[xr + u32(ix)]", x.dtype, c)} * ${
      load("K[kr + j]", w.dtype, c)
    };
        }
      }
    }
    Y[off0 + e] = ${store(result, c, out.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    convMeta(total, g, views),
    views.map((v) => v.buffer),
    groupsFor(total),
  );
}

/**
 * gx[n, c, h, x] = Σ_{o in c's group, i, j} w[o, c mod Cg, i, j] · gy[n, o, y, x'] over the taps
 * with h = y·sh − ph + i·dh (and likewise across): each input element gathers the outputs it fed,
 * so nothing accumulates across invocations.
 */
function conv2dBackwardInput(
  t: DeviceThread,
  gy: GView,
  w: GView,
  gx: GView,
  g: ConvGeom,
): void {
  const total = g.N * g.C * g.H * g.W;
  if (total === 0) return;
  const c: Compute = "f32";
  const key = `conv|bwi|${gy.dtype}|${w.dtype}|${gx.dtype}`;
  const source = () =>
    `${bindings(["DX", "DY", "K"])}
${PRELUDE}
${gridMain()}
${convLets(3)}
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {
    let xi = e % W;
    let hi = (e / W) % H;
    let ch = (e / (W * H)) % C;
    let n = e / (W * H * C);
    let gr = ch / Cg;
    let cl = ch % Cg;
    let ty0 = i32(hi) + i32(ph);
    let tx0 = i32(xi) + i32(pw);
    var acc = 0.0;
    for (var i = 0u; i < kh; i = i + 1u) {
      let ty = ty0 - i32(i * dh);
      if (ty < 0 || ty % i32(sh) != 0) { continue; }
      let y = u32(ty) / sh;
      if (y >= oh) { continue; }
      for (var j = 0u; j < kw; j = j + 1u) {
        let tx = tx0 - i32(j * dw);
        if (tx < 0 || tx % i32(sw) != 0) { continue; }
        let x = u32(tx) / sw;
        if (x >= ow) { continue; }
        for (var ol = 0u; ol < Og; ol = ol + 1u) {
          let o = gr * Og + ol;
          acc = acc + ${
      load("DY[off1 + ((n * O + o) * oh + y) * ow + x]", gy.dtype, c)
    } * ${load("K[off2 + ((o * Cg + cl) * kh + i) * kw + j]", w.dtype, c)};
        }
      }
    }
    DX[off0 + e] = ${store("acc", c, gx.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    convMeta(total, g, [gx, gy, w]),
    [gx.buffer, gy.buffer, w.buffer],
    groupsFor(total),
  );
}

/** Terms of the weight gradient's sum up to which one invocation folds a weight alone. */
const PER_THREAD_TERMS = 64;
/**
 * Weights from which one invocation per weight fills the device anyway: a workgroup per weight
 * then only idles most of its invocations (llvmpipe ran a 73728-weight gradient of 81 terms each
 * 30 times slower split than not).
 */
const PER_THREAD_WEIGHTS = 16384;

/**
 * gw[o, c, i, j] = Σ_{n, y, x} gy[n, o, y, x] · x[n, group(o)·Cg + c, y·sh − ph + i·dh, x·sw − pw
 * + j·dw]. When the weights are few and their sums long, each sum is split across a workgroup
 * and folded in workgroup memory.
 */
function conv2dBackwardWeight(
  t: DeviceThread,
  x: GView,
  gy: GView,
  gw: GView,
  g: ConvGeom,
): void {
  const total = g.O * (g.C / g.G) * g.kh * g.kw;
  if (total === 0) return;
  const c: Compute = "f32";
  const terms = g.N * g.oh * g.ow;
  const perThread = terms <= PER_THREAD_TERMS || total >= PER_THREAD_WEIGHTS;
  const key = `conv|bww|${x.dtype}|${gy.dtype}|${gw.dtype}|${
    perThread ? "t" : "w"
  }`;
  // The term q of weight e's sum (both u32 expressions); needs o, cl, i, j, iy0, ix0 of e.
  const term = `{
      let xo = q % ow;
      let yo = (q / ow) % oh;
      let n = q / (ow * oh);
      let iy = i32(yo * sh) + iy0;
      let ix = i32(xo * sw) + ix0;
      if (iy >= 0 && iy < i32(H) && ix >= 0 && ix < i32(W)) {
        s = s + ${
    load("DY[off2 + ((n * O + o) * oh + yo) * ow + xo]", gy.dtype, c)
  } * ${
    load(
      "X[off1 + ((n * C + gr * Cg + cl) * H + u32(iy)) * W + u32(ix)]",
      x.dtype,
      c,
    )
  };
      }
    }`;
  const decompose = `
    let j = e % kw;
    let i = (e / kw) % kh;
    let cl = (e / (kw * kh)) % Cg;
    let o = e / (kw * kh * Cg);
    let gr = o / Og;
    let iy0 = i32(i * dh) - i32(ph);
    let ix0 = i32(j * dw) - i32(pw);
    let terms = N * oh * ow;`;
  const source = () => {
    const head = `${bindings(["DW", "X", "DY"])}
${PRELUDE}`;
    if (perThread) {
      return `${head}
${gridMain()}
${convLets(3)}
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {${decompose}
    var s = 0.0;
    for (var q = 0u; q < terms; q = q + 1u) ${term}
    DW[off0 + e] = ${store("s", c, gw.dtype)};
  }
}`;
    }
    return `${head}
var<workgroup> part: array<f32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
${convLets(3)}
  for (var e = wid.x; e < M[0]; e = e + nw.x) {${decompose}
    var s = 0.0;
    for (var q = lid.x; q < terms; q = q + ${WG}u) ${term}
    part[lid.x] = s;
    workgroupBarrier();
    for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
      if (lid.x < h) { part[lid.x] = part[lid.x] + part[lid.x + h]; }
      workgroupBarrier();
    }
    if (lid.x == 0u) {
      let s0 = part[0];
      DW[off0 + e] = ${store("s0", c, gw.dtype)};
    }
    workgroupBarrier();
  }
}`;
  };
  t.run(
    cached(key, source),
    convMeta(total, g, [gw, x, gy]),
    [gw.buffer, x.buffer, gy.buffer],
    perThread ? groupsFor(total) : [Math.min(total, MAX_GROUPS), 1, 1],
  );
}

// ---------------------------------------------------------------------------------------------
// Pooling

const POOL_FIELDS = [
  "H",
  "W",
  "oh",
  "ow",
  "kh",
  "kw",
  "sh",
  "sw",
  "ph",
  "pw",
  "dh",
  "dw",
] as const;

/**
 * Each window's maximum and its flat index in the plane, as the CPU's kernel: the window is
 * clipped to the plane, NaN replaces the running maximum every time (the last NaN wins), else
 * only a greater value does (the first maximum wins ties), and an all −inf window points at its
 * first in-bounds element.
 */
function maxPool2d(
  t: DeviceThread,
  x: GView,
  planes: number,
  g: PoolGeom,
  out: GView,
  indices: GView,
): void {
  const total = planes * g.oh * g.ow;
  if (total === 0) return;
  const c: Compute = "f32";
  const meta = new Uint32Array(1 + POOL_FIELDS.length + 3);
  meta[0] = total;
  POOL_FIELDS.forEach((f, i) => meta[1 + i] = g[f]);
  const offs = 1 + POOL_FIELDS.length;
  [out, indices, x].forEach((v, i) => meta[offs + i] = v.offset);
  const key = `pool|max|${x.dtype}|${out.dtype}|${indices.dtype}`;
  // Geometry as i32: the window's corners may lie in the padding.
  const lets = POOL_FIELDS.map((f, i) => `  let ${f} = i32(M[${1 + i}u]);`)
    .join("\n");
  const source = () =>
    `${bindings(["V", "I", "X"])}
${PRELUDE}
${gridMain()}
${lets}
  let offV = M[${offs}u];
  let offI = M[${offs + 1}u];
  let offX = M[${offs + 2}u];
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {
    let xo = i32(e % u32(ow));
    let yo = i32((e / u32(ow)) % u32(oh));
    let p = e / u32(ow * oh);
    let base = offX + p * u32(H * W);
    var h0 = yo * sh - ph;
    let h1 = min(h0 + (kh - 1) * dh + 1, H);
    while (h0 < 0) { h0 = h0 + dh; }
    var w0 = xo * sw - pw;
    let w1 = min(w0 + (kw - 1) * dw + 1, W);
    while (w0 < 0) { w0 = w0 + dw; }
    var best = -inf_();
    var arg = h0 * W + w0;
    for (var iy = h0; iy < h1; iy = iy + dh) {
      for (var ix = w0; ix < w1; ix = ix + dw) {
        let k = iy * W + ix;
        let v = ${load("X[base + u32(k)]", x.dtype, c)};
        if (isnan_(v) || (!isnan_(best) && v > best)) {
          best = v;
          arg = k;
        }
      }
    }
    V[offV + e] = ${store("best", c, out.dtype)};
    I[offI + e] = ${store("arg", "i32", indices.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    meta,
    [out.buffer, indices.buffer, x.buffer],
    groupsFor(total),
  );
}

/**
 * dst[p, indices[p, t]] += src[p, t]. Overlapping windows share an argmax, so the adds are
 * atomic: a compare-exchange loop on the destination word. An index outside [0, HW) is skipped.
 */
function scatterPlanes(
  t: DeviceThread,
  src: GView,
  indices: GView,
  planes: number,
  L: number,
  dst: GView,
  HW: number,
): void {
  const total = planes * L;
  if (total === 0) return;
  const c = computeOf(dst.dtype);
  const meta = new Uint32Array([
    total,
    L,
    HW,
    dst.offset,
    indices.offset,
    src.offset,
  ]);
  const key = `planes|scatter|${src.dtype}|${indices.dtype}|${dst.dtype}`;
  const source = () =>
    `${bindings(["D", "I", "S"], ["D"])}
${PRELUDE}
${gridMain()}
  let L = M[1];
  let HW = M[2];
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {
    let k = u32(${load("I[M[4] + e]", indices.dtype, "i32")});
    if (k >= HW) { continue; }
    let at = M[3] + (e / L) * HW + k;
    let v = ${load("S[M[5] + e]", src.dtype, c)};
    var old = atomicLoad(&D[at]);
    loop {
      let r = atomicCompareExchangeWeak(&D[at], old, ${
      store(`${load("old", dst.dtype, c)} + v`, c, dst.dtype)
    });
      if (r.exchanged) { break; }
      old = r.old_value;
    }
  }
}`;
  t.run(
    cached(key, source),
    meta,
    [dst.buffer, indices.buffer, src.buffer],
    groupsFor(total),
  );
}

/** dst[p, t] = src[p, indices[p, t]]; an index outside [0, HW) reads 0. */
function gatherPlanes(
  t: DeviceThread,
  src: GView,
  indices: GView,
  planes: number,
  HW: number,
  dst: GView,
  L: number,
): void {
  const total = planes * L;
  if (total === 0) return;
  const c = computeOf(dst.dtype);
  const meta = new Uint32Array([
    total,
    L,
    HW,
    dst.offset,
    indices.offset,
    src.offset,
  ]);
  const key = `planes|gather|${src.dtype}|${indices.dtype}|${dst.dtype}`;
  const zero = c === "f32" ? "0.0" : "0";
  const source = () =>
    `${bindings(["D", "I", "S"])}
${PRELUDE}
${gridMain()}
  let L = M[1];
  let HW = M[2];
  let step = nw.x * ${WG}u;
  for (var e = gid.x; e < M[0]; e = e + step) {
    let k = u32(${load("I[M[4] + e]", indices.dtype, "i32")});
    var v: ${c} = ${zero};
    if (k < HW) { v = ${load("S[M[5] + (e / L) * HW + k]", src.dtype, c)}; }
    D[M[3] + e] = ${store("v", c, dst.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    meta,
    [dst.buffer, indices.buffer, src.buffer],
    groupsFor(total),
  );
}

// ---------------------------------------------------------------------------------------------

/** The convolution and pooling primitives on the device thread `t`. */
export function convKernels(t: DeviceThread): ConvPrims {
  return {
    conv2d: (x, w, bias, out, g) => conv2d(t, x, w, bias, out, g),
    conv2dBackwardInput: (gy, w, gx, g) => conv2dBackwardInput(t, gy, w, gx, g),
    conv2dBackwardWeight: (x, gy, gw, g) =>
      conv2dBackwardWeight(t, x, gy, gw, g),
    maxPool2d: (x, planes, g, out, indices) =>
      maxPool2d(t, x, planes, g, out, indices),
    scatterPlanes: (src, indices, planes, L, dst, HW) =>
      scatterPlanes(t, src, indices, planes, L, dst, HW),
    gatherPlanes: (src, indices, planes, HW, dst, L) =>
      gatherPlanes(t, src, indices, planes, HW, dst, L),
  };
}
