// The CPU's compute-bound kernels behind the primitive table: batched matmul, convolution, max
// pooling and plane maps. Float32 and float64 run in place on the storage; other dtypes go through
// a double copy (integer matmul, integer and bool plane maps, float16 where an op allows it).
// Pooling indices are int64, read and written in place as pairs of 32-bit words.

import type { StorageArray } from "../../dtype.ts";
import type { ConvGeom, PlaneMap, PoolGeom, View } from "../backend.ts";
import {
  convBackwardData,
  convBackwardWeight,
  convForward,
  type Dense,
  gatherPlanes as gatherPlanesKernel,
  mapAdjoint as mapAdjointKernel,
  mapForward as mapForwardKernel,
  maxPool2d as maxPoolKernel,
  scatterPlanes as scatterPlanesKernel,
} from "./conv.ts";
import { type Floats, gemmInto } from "./matmul.ts";
import { copy } from "./maps.ts";
import { int32Words } from "./_loops.ts";

type Arr = StorageArray;
type CpuView = View<Arr>;

const isFloat = (v: CpuView) => v.dtype === "float32" || v.dtype === "float64";

function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; acc *= shape[i], i--) {
    s[i] = acc;
  }
  return s;
}

/** x as a dense float array walked with its own strides: itself, or a double copy. */
function floats(x: CpuView, shape: readonly number[]): CpuView {
  if (isFloat(x)) return x;
  let n = 1;
  for (const d of shape) n *= d;
  const buffer = new Float64Array(n);
  const strides = contiguous(shape);
  copy({ buffer, dtype: "float64", offset: 0, strides }, x, shape);
  return { buffer, dtype: "float64", offset: 0, strides };
}

/** Runs `f` on a float target for out, storing back when out's dtype is not a float. */
function intoFloats(
  out: CpuView,
  shape: readonly number[],
  f: (o: CpuView) => void,
): void {
  if (isFloat(out)) return f(out);
  let n = 1;
  for (const d of shape) n *= d;
  const tmp: CpuView = {
    buffer: new Float64Array(n),
    dtype: "float64",
    offset: 0,
    strides: contiguous(shape),
  };
  f(tmp);
  copy(out, tmp, shape);
}

/** Offsets of every batch entry of a view over `batch` dims, in row-major order. */
function batchOffsets(
  batch: readonly number[],
  strides: readonly number[],
  offset: number,
): number[] {
  let offs = [offset];
  for (let d = 0; d < batch.length; d++) {
    const next: number[] = [];
    for (const o of offs) {
      for (let i = 0; i < batch[d]; i++) next.push(o + i * strides[d]);
    }
    offs = next;
  }
  return offs;
}

export function matmul(
  a: CpuView,
  b: CpuView,
  out: CpuView,
  batch: readonly number[],
  m: number,
  k: number,
  n: number,
): void {
  const r = batch.length;
  const A = floats(a, [...batch, m, k]), B = floats(b, [...batch, k, n]);
  intoFloats(out, [...batch, m, n], (o) => {
    const aOffs = batchOffsets(batch, A.strides.slice(0, r), A.offset);
    const bOffs = batchOffsets(batch, B.strides.slice(0, r), B.offset);
    for (let p = 0; p < aOffs.length; p++) {
      gemmInto(
        o.buffer as Floats,
        o.offset + p * m * n,
        A.buffer as Floats,
        aOffs[p],
        A.strides[r],
        A.strides[r + 1],
        B.buffer as Floats,
        bOffs[p],
        B.strides[r],
        B.strides[r + 1],
        m,
        k,
        n,
        false,
      );
    }
  });
}

const f = (v: CpuView) => v.buffer as Floats;

/** A contiguous operand walked as one flat run (its own strides may have any rank). */
const flat = (v: CpuView): CpuView => ({ ...v, strides: [1] });

/** Elements in a contiguous block of `shape`. */
const size = (...dims: number[]) => dims.reduce((x, y) => x * y, 1);

export function conv2d(
  x: CpuView,
  w: CpuView,
  bias: CpuView | null,
  out: CpuView,
  g: ConvGeom,
) {
  const X = floats(flat(x), [size(g.N, g.C, g.H, g.W)]);
  const Wt = floats(flat(w), [size(g.O, g.C / g.G, g.kh, g.kw)]);
  const B = bias && floats(flat(bias), [g.O]);
  intoFloats(
    flat(out),
    [size(g.N, g.O, g.oh, g.ow)],
    (o) =>
      convForward(
        f(X),
        X.offset,
        f(Wt),
        Wt.offset,
        B && f(B).subarray(B.offset, B.offset + g.O),
        f(o),
        o.offset,
        g,
      ),
  );
}

export function conv2dBackwardInput(
  gy: CpuView,
  w: CpuView,
  gx: CpuView,
  g: ConvGeom,
) {
  const GY = floats(flat(gy), [size(g.N, g.O, g.oh, g.ow)]);
  const Wt = floats(flat(w), [size(g.O, g.C / g.G, g.kh, g.kw)]);
  intoFloats(
    flat(gx),
    [size(g.N, g.C, g.H, g.W)],
    (o) =>
      convBackwardData(f(GY), GY.offset, f(Wt), Wt.offset, f(o), o.offset, g),
  );
}

export function conv2dBackwardWeight(
  x: CpuView,
  gy: CpuView,
  gw: CpuView,
  g: ConvGeom,
) {
  const X = floats(flat(x), [size(g.N, g.C, g.H, g.W)]);
  const GY = floats(flat(gy), [size(g.N, g.O, g.oh, g.ow)]);
  intoFloats(
    flat(gw),
    [size(g.O, g.C / g.G, g.kh, g.kw)],
    (o) =>
      convBackwardWeight(f(X), X.offset, f(GY), GY.offset, f(o), o.offset, g),
  );
}

export function maxPool2d(
  x: CpuView,
  planes: number,
  g: PoolGeom,
  out: CpuView,
  indices: CpuView,
): void {
  const X = floats(flat(x), [planes * g.H * g.W]);
  intoFloats(flat(out), [planes * g.oh * g.ow], (o) =>
    maxPoolKernel(
      f(X),
      X.offset,
      planes,
      g,
      f(o),
      o.offset,
      int32Words(indices.buffer),
      indices.offset,
    ));
}

export function scatterPlanes(
  src: CpuView,
  indices: CpuView,
  planes: number,
  L: number,
  dst: CpuView,
  HW: number,
): void {
  const S = floats(flat(src), [planes * L]);
  const into = (o: CpuView) =>
    scatterPlanesKernel(
      f(S),
      S.offset,
      planes,
      L,
      int32Words(indices.buffer),
      indices.offset,
      f(o),
      o.offset,
      HW,
    );
  // The scatter accumulates, so a non-float target is read into the scratch first.
  if (isFloat(dst)) into(dst);
  else {
    const D = floats(flat(dst), [planes * HW]);
    into(D);
    copy(flat(dst), D, [planes * HW]);
  }
}

export function gatherPlanes(
  src: CpuView,
  indices: CpuView,
  planes: number,
  HW: number,
  dst: CpuView,
  L: number,
): void {
  const S = floats(flat(src), [planes * HW]);
  intoFloats(flat(dst), [planes * L], (o) =>
    gatherPlanesKernel(
      f(S),
      S.offset,
      planes,
      HW,
      int32Words(indices.buffer),
      indices.offset,
      f(o),
      o.offset,
      L,
    ));
}

export function mapForward(
  src: CpuView,
  dst: CpuView,
  planes: number,
  map: PlaneMap,
  fill: number,
): void {
  const s = floats(flat(src), [planes * map.inSize]);
  intoFloats(flat(dst), [planes * map.outSize], (o) =>
    mapForwardKernel(
      s.buffer as Dense,
      s.offset,
      o.buffer as Dense,
      o.offset,
      planes,
      map,
      fill,
    ));
}

export function mapAdjoint(
  src: CpuView,
  dst: CpuView,
  planes: number,
  map: PlaneMap,
): void {
  const s = floats(flat(src), [planes * map.outSize]);
  // The adjoint accumulates into dst, so a non-float target is read into the scratch first.
  const into = (o: CpuView) =>
    mapAdjointKernel(
      s.buffer as Dense,
      s.offset,
      o.buffer as Dense,
      o.offset,
      planes,
      map,
    );
  if (isFloat(dst)) into(dst);
  else {
    const D = floats(flat(dst), [planes * map.inSize]);
    into(D);
    copy(flat(dst), D, [planes * map.inSize]);
  }
}
