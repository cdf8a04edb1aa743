// WebGPU kernels for the indexing primitives: plane maps (unfold, padding, resampling, average
// pooling) and their adjoints, index_select, index_add, gather and scatter.
//
// Plane maps are host geometry: each is uploaded once (idx, then w as f32 words) and kept per map
// object. The adjoint runs from the map's transpose, built on the host when first needed (for
// each input element, the taps that read it in ascending order), so each thread sums its own
// element's contributions in the CPU's order: no atomics, and deterministic.
//
// index_select, index_add, gather and scatter are one walk over the index's positions (as on the
// CPU, src/backend/cpu/indexing.ts): the indexed operand is seen with stride 0 along `dim`, and
// each position offsets it by `index * stride[dim]`. Accumulating walks (index_add, scatter
// "add") may hit a target more than once: int32 and int64 words add with atomicAdd, bools with
// atomicOr, floats (and int8/int16/uint8, whose sums wrap to their width) through a
// compare-exchange loop, so which order repeated float terms add in is the GPU's. A bad index is never followed; the lowest position holding one
// goes into a two-word flag buffer with atomicMin, a one-thread kernel then copies that index's
// value next to it, and the primitive reads both words back (one blocking read per call).

import type { DTypeName } from "../../dtype.ts";
import type { PlaneMap } from "../backend.ts";
import type { DeviceThread, GpuBuffer } from "./device.ts";
import {
  cached,
  type GView,
  MAX_GROUPS,
  numel,
  type Prims,
  WG,
  word,
} from "./kernels.ts";
import {
  AT,
  bindings,
  type Compute,
  computeOf,
  HEADER,
  load,
  PRELUDE,
  store,
} from "./wgsl.ts";

export type IndexPrims = Pick<
  Prims,
  | "mapForward"
  | "mapAdjoint"
  | "indexSelect"
  | "indexAdd"
  | "gather"
  | "scatter"
>;

const NONE = 0xffffffff;

const groups = (n: number): [number, number, number] => [
  Math.min(Math.ceil(n / WG), MAX_GROUPS),
  1,
  1,
];

const typed = (c: Compute) => (w: string) =>
  c === "f32" ? `bitcast<f32>(${w})` : `bitcast<i32>(${w})`;

// ---------------------------------------------------------------------------------------------
// Plane maps

/** A map's words on the device: idx, then w as f32 (forward); its transpose (adjoint). */
interface MapBuffers {
  forward?: GpuBuffer;
  transpose?: GpuBuffer;
}

/**
 * The transpose of a map: inSize + 1 offsets, then for each input element the taps q (indices
 * into idx and w, ascending) that read it. Offsets count from the start of the buffer.
 */
function transposeWords(map: PlaneMap): Uint32Array {
  const { inSize, idx } = map;
  const counts = new Uint32Array(inSize + 1);
  let nnz = 0;
  for (let q = 0; q < idx.length; q++) {
    const s = idx[q];
    if (s >= 0) {
      counts[s + 1]++;
      nnz++;
    }
  }
  const words = new Uint32Array(inSize + 1 + nnz);
  words[0] = inSize + 1;
  for (let s = 0; s < inSize; s++) words[s + 1] = words[s] + counts[s + 1];
  const next = words.slice(0, inSize);
  for (let q = 0; q < idx.length; q++) {
    const s = idx[q];
    if (s >= 0) words[next[s]++] = q;
  }
  return words;
}

function forwardWords(map: PlaneMap): Uint32Array {
  const n = map.idx.length;
  const words = new Uint32Array(map.w ? 2 * n : n);
  words.set(new Uint32Array(map.idx.buffer, map.idx.byteOffset, n));
  if (map.w) new Float32Array(words.buffer, 4 * n, n).set(map.w);
  return words;
}

/** The compute type of a map over `dtype`: weights and floats in f32, plain integer sums in i32. */
const mapCompute = (dtype: DTypeName, map: PlaneMap): Compute =>
  map.w ? "f32" : computeOf(dtype);

function mapForward(
  t: DeviceThread,
  forward: (map: PlaneMap) => GpuBuffer,
  src: GView,
  dst: GView,
  planes: number,
  map: PlaneMap,
  fill: number,
): void {
  const total = planes * map.outSize;
  if (total === 0) return;
  const c = mapCompute(dst.dtype, map);
  const weighted = map.w !== undefined;
  const key = `mapf|${src.dtype}|${dst.dtype}|${c}|${weighted ? "w" : ""}`;
  // meta: total, outSize, taps, src offset, dst offset, inSize, fill in c, idx length (where w
  // starts)
  const meta = new Uint32Array(HEADER);
  meta[0] = total;
  meta[1] = map.outSize;
  meta[2] = map.taps;
  meta[3] = src.offset;
  meta[4] = dst.offset;
  meta[5] = map.inSize;
  meta[6] = word(fill, c);
  meta[7] = map.idx.length;
  const T = typed(c);
  const zero = c === "f32" ? "0.0" : "0";
  const source = () =>
    `${bindings(["D", "S", "G"])}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let total = M[0];
  let outSize = M[1];
  let taps = M[2];
  let fill = ${T("M[6]")};
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < total; i = i + step) {
    let p = i / outSize;
    let o = i - p * outSize;
    let si = M[3] + p * M[5];
    var acc: ${c} = ${zero};
    for (var q = o * taps; q < (o + 1u) * taps; q = q + 1u) {
      let s = bitcast<i32>(G[q]);
      var v: ${c} = fill;
      if (s >= 0) { v = ${load("S[si + u32(s)]", src.dtype, c)}; }
      acc = acc + ${weighted ? "bitcast<f32>(G[M[7] + q]) * v" : "v"};
    }
    D[M[4] + i] = ${store("acc", c, dst.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    meta,
    [dst.buffer, src.buffer, forward(map)],
    groups(total),
  );
}

function mapAdjoint(
  t: DeviceThread,
  forward: (map: PlaneMap) => GpuBuffer,
  transpose: (map: PlaneMap) => GpuBuffer,
  src: GView,
  dst: GView,
  planes: number,
  map: PlaneMap,
): void {
  const total = planes * map.inSize;
  if (total === 0 || map.outSize === 0) return;
  const c = mapCompute(dst.dtype, map);
  const weighted = map.w !== undefined;
  const key = `mapa|${src.dtype}|${dst.dtype}|${c}|${weighted ? "w" : ""}`;
  // meta: total, inSize, taps, src offset, dst offset, outSize, -, idx length (where w starts)
  const meta = new Uint32Array(HEADER);
  meta[0] = total;
  meta[1] = map.inSize;
  meta[2] = map.taps;
  meta[3] = src.offset;
  meta[4] = dst.offset;
  meta[5] = map.outSize;
  meta[7] = map.idx.length;
  const source = () =>
    `${bindings(weighted ? ["D", "S", "T", "G"] : ["D", "S", "T"])}
${PRELUDE}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let total = M[0];
  let inSize = M[1];
  let taps = M[2];
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < total; i = i + step) {
    let p = i / inSize;
    let s = i - p * inSize;
    let si = M[3] + p * M[5];
    let di = M[4] + i;
    var acc: ${c} = ${load("D[di]", dst.dtype, c)};
    for (var e = T[s]; e < T[s + 1u]; e = e + 1u) {
      let q = T[e];
      let v = ${load("S[si + q / taps]", src.dtype, c)};
      acc = acc + ${weighted ? "bitcast<f32>(G[M[7] + q]) * v" : "v"};
    }
    D[di] = ${store("acc", c, dst.dtype)};
  }
}`;
  t.run(
    cached(key, source),
    meta,
    // The forward words are bound only for their weights (WGSL drops an unused binding).
    weighted
      ? [dst.buffer, src.buffer, transpose(map), forward(map)]
      : [dst.buffer, src.buffer, transpose(map)],
    groups(total),
  );
}

// ---------------------------------------------------------------------------------------------
// Index walks

/** An operand of a walk: its view, and its strides over the walked shape. */
interface Operand {
  view: GView;
  strides: readonly number[];
}

/**
 * One walk over `shape` (the index's positions). `O` is written, `I` holds the indices, `X` is
 * read (or is a scalar). The indexed operand (X for gather, O for the scatters) comes with dim's
 * stride zeroed: each position adds `index * step` to it.
 */
interface Walk {
  kind: "gather" | "set" | "add";
  shape: readonly number[];
  O: Operand;
  I: Operand;
  X: Operand | number;
  size: number;
  step: number;
  /** Whether indices from -size count from the end; else only [0, size) is valid. */
  negative: boolean;
  alpha: number;
  /** Where the first bad position goes; null when the index was checked beforehand. */
  flag: GpuBuffer | null;
}

/** Strides with dim's set to 0, cut or padded to rank R. */
function without(
  strides: readonly number[],
  dim: number,
  R: number,
): number[] {
  return Array.from({ length: R }, (_, d) => (d === dim ? 0 : strides[d] ?? 0));
}

/** Whether `strides` walk `shape` in row-major order with no gaps (size-1 dims aside). */
function dense(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== s) return false;
    s *= shape[d];
  }
  return true;
}

/** Meta words of a walk: header, shape, then offset and strides of O, I and X (or the scalar). */
function walkMeta(w: Walk, c: Compute): Uint32Array {
  const { shape } = w;
  const R = shape.length;
  const span = 1 + R;
  const meta = new Uint32Array(HEADER + R + 3 * span);
  meta[0] = numel(shape);
  meta[1] = R;
  meta.set(shape, HEADER);
  let at = HEADER + R;
  const put = (slot: number, o: Operand) => {
    meta[slot] = at;
    meta[at] = o.view.offset;
    for (let d = 0; d < R; d++) meta[at + 1 + d] = o.strides[d];
    at += span;
  };
  put(2, w.O);
  put(3, w.I);
  if (typeof w.X === "number") {
    meta[4] = at;
    meta[at] = word(w.X, c);
  } else put(4, w.X);
  meta[5] = w.size;
  meta[6] = w.step;
  meta[7] = word(w.alpha, c);
  return meta;
}

/** The statement adding `v` (in c) into O[a] atomically. */
function atomicAdd(a: string, v: string, c: Compute, dtype: DTypeName): string {
  if (dtype === "int32" || dtype === "int64") {
    return `atomicAdd(&O[${a}], bitcast<u32>(${v}));`;
  }
  if (dtype === "bool") {
    return `atomicOr(&O[${a}], select(0u, 1u, ${v} != 0));`;
  }
  // float32 (and the narrow integers, whose sums wrap to their width): compare and exchange.
  return `loop {
        let old = atomicLoad(&O[${a}]);
        let nv = ${store(`${load("old", dtype, c)} + ${v}`, c, dtype)};
        if (atomicCompareExchangeWeak(&O[${a}], old, nv).exchanged) { break; }
      }`;
}

function walkSource(w: Walk, c: Compute): string {
  const { shape, O, I, X, kind } = w;
  const out = O.view.dtype;
  const addr = (slot: number, o: Operand) =>
    dense(shape, o.strides) ? `M[M[${slot}]] + i` : `at(M[${slot}], i)`;
  const T = typed(c);
  const scalar = typeof X === "number";
  const src = scalar ? null : X.view.dtype;
  // The source value at this position, in c (a scalar is held in meta in c).
  const value = scalar ? T("M[M[4]]") : load(`X[${addr(4, X)}]`, src!, c);
  let body: string;
  if (kind === "gather") {
    const read = `X[${addr(4, X as Operand)} + off]`;
    body = `O[${addr(2, O)}] = ${
      src === out ? read : store(load(read, src!, c), c, out)
    };`;
  } else if (kind === "set") {
    body = `O[${addr(2, O)} + off] = ${
      src === out ? `X[${addr(4, X as Operand)}]` : store(value, c, out)
    };`;
  } else {
    const v = w.alpha === 1 ? value : `${T("M[7]")} * ${value}`;
    body = `let val = ${v};
      ${atomicAdd(`${addr(2, O)} + off`, "val", c, out)}`;
  }
  const names = [
    ...(w.flag ? ["F"] : []),
    "O",
    "I",
    ...(scalar ? [] : ["X"]),
  ];
  const atomics = [
    ...(w.flag ? ["F"] : []),
    ...(kind === "add" ? ["O"] : []),
  ];
  return `${bindings(names, atomics)}
${PRELUDE}
${AT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let n = M[0];
  let size = i32(M[5]);
  let lo = ${w.negative ? "-size" : "0"};
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < n; i = i + step) {
    var v = bitcast<i32>(I[${addr(3, I)}]);
    if (v < lo || v >= size) {
      ${w.flag ? "atomicMin(&F[0], i);" : ""}
      continue;
    }
    if (v < 0) { v = v + size; }
    let off = u32(v) * M[6];
    ${body}
  }
}`;
}

/** Records a walk; its meta words (for `resolve`). */
function walk(t: DeviceThread, w: Walk): Uint32Array {
  const c = computeOf(w.O.view.dtype);
  const layout = (o: Operand) =>
    `${o.view.dtype}${dense(w.shape, o.strides) ? "c" : "g"}`;
  const key = `walk|${w.kind}|${layout(w.O)}|${layout(w.I)}|${
    typeof w.X === "number" ? "s" : layout(w.X)
  }|${w.negative ? "n" : ""}|${w.flag ? "f" : ""}|${w.alpha === 1 ? "" : "a"}`;
  const meta = walkMeta(w, c);
  t.run(
    cached(key, () => walkSource(w, c)),
    meta,
    [
      ...(w.flag ? [w.flag] : []),
      w.O.view.buffer,
      w.I.view.buffer,
      ...(typeof w.X === "number" ? [] : [w.X.view.buffer]),
    ],
    groups(meta[0]),
  );
  return meta;
}

/** Records the first position of a 1-D index (of `length`) outside [lo, size) into the flag. */
function check1d(
  t: DeviceThread,
  flag: GpuBuffer,
  index: GView,
  length: number,
  size: number,
  negative: boolean,
): Uint32Array {
  const meta = new Uint32Array(HEADER + 1 + 2 * 3);
  meta[0] = length;
  meta[1] = 1;
  meta[HEADER] = length;
  meta[3] = HEADER + 1;
  meta[HEADER + 1] = index.offset;
  meta[HEADER + 2] = index.strides[0] ?? 0;
  meta[5] = size;
  const key = `check1d|${negative ? "n" : ""}`;
  const source = () =>
    `${bindings(["F", "I"], ["F"])}
${AT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let n = M[0];
  let size = i32(M[5]);
  let lo = ${negative ? "-size" : "0"};
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < n; i = i + step) {
    let v = bitcast<i32>(I[at(M[3], i)]);
    if (v < lo || v >= size) { atomicMin(&F[0], i); }
  }
}`;
  t.run(cached(key, source), meta, [flag, index.buffer], groups(length));
  return meta;
}

/** Where a walk's meta (or check1d's) locates the index: F[1] = the index at position F[0]. */
function resolve(
  t: DeviceThread,
  flag: GpuBuffer,
  index: GView,
  meta: Uint32Array,
): void {
  const source = () =>
    `${bindings(["F", "I"])}
${AT}
@compute @workgroup_size(1)
fn main() {
  let p = F[0];
  if (p != 0xffffffffu) { F[1] = I[at(M[3], p)]; }
}`;
  t.run(cached("resolve", source), meta, [flag, index.buffer], [1, 1, 1]);
}

// ---------------------------------------------------------------------------------------------

/** The indexing primitives on the device thread `t`. */
export function indexKernels(t: DeviceThread): IndexPrims {
  const maps = new WeakMap<PlaneMap, MapBuffers>();
  const entry = (map: PlaneMap) => {
    let e = maps.get(map);
    if (!e) maps.set(map, e = {});
    return e;
  };
  const upload = (words: Uint32Array) => {
    const b = t.allocate(words.length);
    t.write(b, 0, words);
    return b;
  };
  const forward = (map: PlaneMap) => {
    const e = entry(map);
    return e.forward ??= upload(forwardWords(map));
  };
  const transpose = (map: PlaneMap) => {
    const e = entry(map);
    return e.transpose ??= upload(transposeWords(map));
  };

  let flagBuffer: GpuBuffer | undefined;
  /** The flag, reset: no bad position yet. */
  const flag = () => {
    flagBuffer ??= t.allocate(2);
    t.write(flagBuffer, 0, Uint32Array.of(NONE, 0));
    return flagBuffer;
  };
  /** The bad index the flag holds, if any (one blocking read). */
  const bad = (f: GpuBuffer): number | undefined => {
    const r = t.read(f, 0, 2);
    return r[0] === NONE ? undefined : r[1] | 0;
  };
  /** A 1-D index's strides seen over `shape`: its own along dim, 0 elsewhere. */
  const along = (index: GView, shape: readonly number[], dim: number) =>
    shape.map((_, d) => (d === dim ? index.strides[0] ?? 0 : 0));

  return {
    mapForward: (src, dst, planes, map, fill) =>
      mapForward(t, forward, src, dst, planes, map, fill),
    mapAdjoint: (src, dst, planes, map) =>
      mapAdjoint(t, forward, transpose, src, dst, planes, map),

    indexSelect(x, xShape, dim, index, length, out) {
      if (length === 0) return undefined;
      const size = xShape[dim];
      const shape = [...xShape];
      shape[dim] = length;
      const f = flag();
      const meta = check1d(t, f, index, length, size, false);
      walk(t, {
        kind: "gather",
        shape,
        O: { view: out, strides: out.strides },
        I: { view: index, strides: along(index, shape, dim) },
        X: { view: x, strides: without(x.strides, dim, shape.length) },
        size,
        step: x.strides[dim],
        negative: false,
        alpha: 1,
        flag: null,
      });
      resolve(t, f, index, meta);
      return bad(f);
    },

    indexAdd(out, outShape, dim, index, src, srcShape, alpha) {
      const length = srcShape[dim];
      if (length === 0) return undefined;
      const size = outShape[dim];
      const f = flag();
      const meta = check1d(t, f, index, length, size, true);
      walk(t, {
        kind: "add",
        shape: srcShape,
        O: { view: out, strides: without(out.strides, dim, srcShape.length) },
        I: { view: index, strides: along(index, srcShape, dim) },
        X: { view: src, strides: src.strides },
        size,
        step: out.strides[dim],
        negative: true,
        alpha,
        flag: null,
      });
      resolve(t, f, index, meta);
      return bad(f);
    },

    gather(x, xShape, dim, index, out, shape, checked) {
      if (numel(shape) === 0) return undefined;
      const R = shape.length;
      const f = checked ? null : flag();
      const w: Walk = {
        kind: "gather",
        shape,
        O: { view: out, strides: out.strides },
        I: { view: index, strides: index.strides },
        X: { view: x, strides: without(x.strides, dim, R) },
        size: xShape[dim] ?? 1,
        step: x.strides[dim] ?? 0,
        negative: true,
        alpha: 1,
        flag: f,
      };
      const meta = walk(t, w);
      if (!f) return undefined;
      resolve(t, f, index, meta);
      return bad(f);
    },

    scatter(mode, out, outShape, dim, index, src, shape, checked) {
      if (numel(shape) === 0) return undefined;
      const R = shape.length;
      const f = checked ? null : flag();
      const w: Walk = {
        kind: mode,
        shape,
        O: { view: out, strides: without(out.strides, dim, R) },
        I: { view: index, strides: index.strides },
        X: typeof src === "number" ? src : { view: src, strides: src.strides },
        size: outShape[dim] ?? 1,
        step: out.strides[dim] ?? 0,
        negative: true,
        alpha: 1,
        flag: f,
      };
      const meta = walk(t, w);
      if (!f) return undefined;
      resolve(t, f, index, meta);
      return bad(f);
    },
  };
}
