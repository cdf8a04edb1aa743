// The WebGPU primitive table: each primitive builds (once per key) a WGSL kernel from wgsl.ts's
// pieces, packs its shapes, strides and scalars into meta words, and records one dispatch. The
// elementwise maps, reductions and matmul are here; convolution and pooling in kernels_conv.ts,
// the indexing primitives in kernels_index.ts. Every primitive has a kernel: nothing here falls
// back to the host.

import type { DTypeName } from "../../dtype.ts";
import { RuntimeError } from "../../errors.ts";
import type {
  ArgReduceOp,
  BinaryOp,
  Primitives,
  ReduceOp,
  UnaryOp,
  View,
  ViewOrScalar,
} from "../backend.ts";
import type { DeviceThread, GpuBuffer } from "./device.ts";
import { convKernels } from "./kernels_conv.ts";
import { indexKernels } from "./kernels_index.ts";
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

export type GView = View<GpuBuffer>;
export type Operand = ViewOrScalar<GpuBuffer>;
export type Prims = Primitives<GpuBuffer>;

export const MAX_GROUPS = 65535;
export const WG = 256;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Whether a view walks its shape in memory order with no gaps (size-1 dims aside). */
export function contiguous(v: GView, shape: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && v.strides[d] !== s) return false;
    s *= shape[d];
  }
  return true;
}

const f32bits = new Float32Array(1), u32bits = new Uint32Array(f32bits.buffer);
/** The word holding scalar v in the compute type. */
export function word(v: number, c: Compute): number {
  if (c === "f32") {
    f32bits[0] = v;
    return u32bits[0];
  }
  if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
    if (Number.isInteger(v)) {
      throw new RuntimeError(
        `WebGPU computes integers in int32: the scalar ${v} is out of its range`,
      );
    }
    return Math.trunc(v) | 0;
  }
  return v | 0;
}

const scalarLoad = (w: string, c: Compute) =>
  c === "f32" ? `bitcast<f32>(${w})` : `bitcast<i32>(${w})`;

// ---------------------------------------------------------------------------------------------
// Elementwise

/** A kernel body: the expression of the inputs' values (in the compute type) and its type. */
type Expr = (v: string[], p: string) => [string, Compute];

const UNARY_F: Record<UnaryOp, (a: string, p: string) => [string, Compute]> = {
  neg: (a) => [`-${a}`, "f32"],
  abs: (a) => [`abs(${a})`, "f32"],
  sign: (a) => [`sign_(${a})`, "f32"],
  exp: (a) => [`exp(${a})`, "f32"],
  log: (a) => [`log(${a})`, "f32"],
  log1p: (a) => [`log1p_(${a})`, "f32"],
  expm1: (a) => [`expm1_(${a})`, "f32"],
  sqrt: (a) => [`sqrt(${a})`, "f32"],
  rsqrt: (a) => [`(1.0 / sqrt(${a}))`, "f32"],
  sin: (a) => [`sin(${a})`, "f32"],
  cos: (a) => [`cos(${a})`, "f32"],
  tan: (a) => [`tan(${a})`, "f32"],
  tanh: (a) => [`tanh_(${a})`, "f32"],
  sigmoid: (a) => [`sigmoid_(${a})`, "f32"],
  erf: (a) => [`erf_(${a})`, "f32"],
  reciprocal: (a) => [`(1.0 / ${a})`, "f32"],
  floor: (a) => [`floor(${a})`, "f32"],
  ceil: (a) => [`ceil(${a})`, "f32"],
  trunc: (a) => [`trunc(${a})`, "f32"],
  relu: (a) => [`select(${a}, 0.0, ${a} < 0.0)`, "f32"],
  logical_not: (a) => [`select(0, 1, iszero(${a}))`, "i32"],
  isnan: (a) => [`select(0, 1, isnan_(${a}))`, "i32"],
  isfinite: (a) => [
    `select(1, 0, isnan_(${a}) || isinf_(${a}))`,
    "i32",
  ],
  isinf: (a) => [`select(0, 1, isinf_(${a}))`, "i32"],
  round: (a, p) => [`round_(${a}, bitcast<i32>(${p}))`, "f32"],
};

/** Unary ops with an integer form; the others compute in f32 whatever the input. */
const UNARY_I: Partial<Record<UnaryOp, (a: string) => string>> = {
  neg: (a) => `-${a}`,
  abs: (a) => `abs(${a})`,
  sign: (a) => `sign(${a})`,
  floor: (a) => a,
  ceil: (a) => a,
  trunc: (a) => a,
  round: (a) => a,
  relu: (a) => `max(${a}, 0)`,
  logical_not: (a) => `select(0, 1, ${a} == 0)`,
  isnan: () => `0`,
  isfinite: () => `1`,
  isinf: () => `0`,
};

const cmp = (o: string) => (v: string[]): [string, Compute] => [
  `select(0, 1, ${v[0]} ${o} ${v[1]})`,
  "i32",
];

const BINARY_F: Record<BinaryOp, Expr> = {
  add: (v, p) => [`(${v[0]} + bitcast<f32>(${p}) * ${v[1]})`, "f32"],
  sub: (v, p) => [`(${v[0]} - bitcast<f32>(${p}) * ${v[1]})`, "f32"],
  mul: (v) => [`(${v[0]} * ${v[1]})`, "f32"],
  div: (v) => [`(${v[0]} / ${v[1]})`, "f32"],
  div_trunc: (v) => [`trunc(${v[0]} / ${v[1]})`, "f32"],
  div_floor: (v) => [`floor(${v[0]} / ${v[1]})`, "f32"],
  remainder: (v) => [`remainder_(${v[0]}, ${v[1]})`, "f32"],
  fmod: (v) => [`fmod_(${v[0]}, ${v[1]})`, "f32"],
  pow: (v) => [`pow_(${v[0]}, ${v[1]})`, "f32"],
  maximum: (v) => [`fmax_(${v[0]}, ${v[1]})`, "f32"],
  minimum: (v) => [`fmin_(${v[0]}, ${v[1]})`, "f32"],
  atan2: (v) => [`atan2(${v[0]}, ${v[1]})`, "f32"],
  eq: cmp("=="),
  ne: (v) => [`select(1, 0, ${v[0]} == ${v[1]})`, "i32"],
  lt: cmp("<"),
  le: cmp("<="),
  gt: cmp(">"),
  ge: cmp(">="),
  logical_and: (v) => [
    `select(0, 1, !iszero(${v[0]}) && !iszero(${v[1]}))`,
    "i32",
  ],
  logical_or: (v) => [
    `select(0, 1, !iszero(${v[0]}) || !iszero(${v[1]}))`,
    "i32",
  ],
  logical_xor: (v) => [
    `select(0, 1, iszero(${v[0]}) != iszero(${v[1]}))`,
    "i32",
  ],
  clamp_min: (v) => [
    `select(select(${v[0]}, ${v[1]}, ${v[0]} < ${v[1]} || isnan_(${v[1]})), ${
      v[0]
    }, isnan_(${v[0]}))`,
    "f32",
  ],
  clamp_max: (v) => [
    `select(select(${v[0]}, ${v[1]}, ${v[0]} > ${v[1]} || isnan_(${v[1]})), ${
      v[0]
    }, isnan_(${v[0]}))`,
    "f32",
  ],
  threshold_backward: (v) => [
    `select(${v[0]}, 0.0, ${v[1]} <= 0.0 && !isnan_(${v[1]}))`,
    "f32",
  ],
};

const BINARY_I: Record<BinaryOp, Expr> = {
  add: (v, p) => [`(${v[0]} + bitcast<i32>(${p}) * ${v[1]})`, "i32"],
  sub: (v, p) => [`(${v[0]} - bitcast<i32>(${p}) * ${v[1]})`, "i32"],
  mul: (v) => [`(${v[0]} * ${v[1]})`, "i32"],
  div: (v) => [`(f32(${v[0]}) / f32(${v[1]}))`, "f32"],
  div_trunc: (v) => [`select(0, ${v[0]} / ${v[1]}, ${v[1]} != 0)`, "i32"],
  div_floor: (v) => [`idiv_floor(${v[0]}, ${v[1]})`, "i32"],
  remainder: (v) => [`iremainder(${v[0]}, ${v[1]})`, "i32"],
  fmod: (v) => [`select(0, ${v[0]} % ${v[1]}, ${v[1]} != 0)`, "i32"],
  pow: (v) => [`ipow(${v[0]}, ${v[1]})`, "i32"],
  maximum: (v) => [`max(${v[0]}, ${v[1]})`, "i32"],
  minimum: (v) => [`min(${v[0]}, ${v[1]})`, "i32"],
  atan2: (v) => [`atan2(f32(${v[0]}), f32(${v[1]}))`, "f32"],
  eq: cmp("=="),
  ne: cmp("!="),
  lt: cmp("<"),
  le: cmp("<="),
  gt: cmp(">"),
  ge: cmp(">="),
  logical_and: (v) => [`select(0, 1, ${v[0]} != 0 && ${v[1]} != 0)`, "i32"],
  logical_or: (v) => [`select(0, 1, ${v[0]} != 0 || ${v[1]} != 0)`, "i32"],
  logical_xor: (v) => [`select(0, 1, (${v[0]} != 0) != (${v[1]} != 0))`, "i32"],
  clamp_min: (v) => [`max(${v[0]}, ${v[1]})`, "i32"],
  clamp_max: (v) => [`min(${v[0]}, ${v[1]})`, "i32"],
  threshold_backward: (v) => [`select(${v[0]}, 0, ${v[1]} <= 0)`, "i32"],
};

const INPUT_NAMES = ["A", "B", "C"];

/**
 * Records out = expr(inputs) over `shape`. Each input is a view (read through its strides) or a
 * scalar already in the compute type; `param` is one more word for the expression (alpha, the
 * decimals of round).
 */
function elementwise(
  t: DeviceThread,
  name: string,
  expr: Expr,
  compute: Compute,
  out: GView,
  inputs: Operand[],
  shape: readonly number[],
  param = 0,
): void {
  const n = numel(shape);
  if (n === 0) return;
  const rank = shape.length;
  const outC = contiguous(out, shape);
  const layout = inputs.map((v) =>
    typeof v === "number"
      ? "s"
      : `${v.dtype}${contiguous(v, shape) ? "c" : "g"}`
  );
  const key = `ew|${name}|${compute}|${out.dtype}${outC ? "c" : "g"}|${
    layout.join(",")
  }`;
  const views = inputs.filter((v): v is GView => typeof v !== "number");
  // meta: header, shape, then offset and strides of out and each view, then one word per input
  // (the scalars) and the parameter.
  const span = 1 + rank;
  const words = HEADER + rank + span * (1 + views.length) + inputs.length + 1;
  const meta = new Uint32Array(words);
  meta[0] = n;
  meta[1] = rank;
  meta.set(shape, HEADER);
  let at = HEADER + rank;
  const put = (v: GView) => {
    const base = at;
    meta[at] = v.offset;
    meta.set(v.strides, at + 1);
    at += span;
    return base;
  };
  meta[2] = put(out);
  let k = 3;
  for (const v of views) meta[k++] = put(v);
  const scalars = at;
  meta[6] = scalars;
  inputs.forEach((v, i) => {
    if (typeof v === "number") meta[scalars + i] = word(v, compute);
  });
  meta[scalars + inputs.length] = param;
  const source = () => {
    let view = 0;
    const loads = inputs.map((v, i) => {
      if (typeof v === "number") {
        return scalarLoad(`M[M[6] + ${i}u]`, compute);
      }
      const slot = 3 + view, nameV = INPUT_NAMES[view++];
      const idx = contiguous(v, shape)
        ? `M[M[${slot}]] + i`
        : `at(M[${slot}], i)`;
      return load(`${nameV}[${idx}]`, v.dtype, compute);
    });
    const [e, rc] = expr(
      loads.map((_, i) => `v${i}`),
      `M[M[6] + ${inputs.length}u]`,
    );
    const outIdx = outC ? `M[M[2]] + i` : `at(M[2], i)`;
    return `${bindings(["O", ...INPUT_NAMES.slice(0, views.length)])}
${PRELUDE}
${AT}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let n = M[0];
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < n; i = i + step) {
${loads.map((l, i) => `    let v${i} = ${l};`).join("\n")}
    O[${outIdx}] = ${store(e, rc, out.dtype)};
  }
}`;
  };
  t.run(
    cached(key, source),
    meta,
    [out.buffer, ...views.map((v) => v.buffer)],
    [Math.min(Math.ceil(n / WG), MAX_GROUPS), 1, 1],
  );
}

const sources = new Map<string, { key: string; wgsl: string }>();
export function cached(
  key: string,
  make: () => string,
): { key: string; wgsl: string } {
  let s = sources.get(key);
  if (!s) sources.set(key, s = { key, wgsl: make() });
  return s;
}

const isFloatOperand = (v: Operand) =>
  typeof v === "number" ? !Number.isInteger(v) : v.dtype === "float32";

// ---------------------------------------------------------------------------------------------
// Reductions

const REDUCE_INIT: Record<ReduceOp, [string, string]> = {
  // [f32, i32]
  sum: ["0.0", "0"],
  mean: ["0.0", "0"],
  prod: ["1.0", "1"],
  max: ["-inf_()", "(-2147483647 - 1)"],
  min: ["inf_()", "2147483647"],
  all: ["1", "1"],
  any: ["0", "0"],
};

function reduceCombine(op: ReduceOp, c: Compute, s: string, v: string): string {
  switch (op) {
    case "sum":
    case "mean":
      return `${s} + ${v}`;
    case "prod":
      return `${s} * ${v}`;
    case "max":
      return c === "f32"
        ? `select(${s}, ${v}, ${v} > ${s} || isnan_(${v}))`
        : `max(${s}, ${v})`;
    case "min":
      return c === "f32"
        ? `select(${s}, ${v}, ${v} < ${s} || isnan_(${v}))`
        : `min(${s}, ${v})`;
    case "all":
      return `select(0, ${s}, ${v} != 0)`;
    case "any":
      return `select(${s}, 1, ${v} != 0)`;
  }
}

/** The value of element word `w` as the accumulator sees it (all/any test truthiness). */
function reduceValue(op: ReduceOp, w: string, dtype: DTypeName, c: Compute) {
  if (op === "all" || op === "any") {
    return computeOf(dtype) === "f32"
      ? `select(1, 0, iszero(${load(w, dtype, "f32")}))`
      : `${load(w, dtype, "i32")}`;
  }
  return load(w, dtype, c);
}

/** Rows at least this long, when there are few, are split across workgroups (two passes). */
const SPLIT_ROW = 1 << 16;

function reduce(
  t: DeviceThread,
  op: ReduceOp,
  x: GView,
  shape: readonly number[],
  reduced: number,
  out: GView,
  /** Pass 2 of a split reduction: the original rows' repeat and length, for the finish. */
  over?: { repeat: number; len: number },
): void {
  const rank = shape.length;
  const outer = numel(shape.slice(0, rank - reduced));
  let len = numel(shape.slice(rank - reduced));
  if (outer === 0) return;
  const finalOut = out;
  // A reduced dim of stride 0 (an expanded tensor) repeats every value it meets: as on the CPU,
  // it is folded once and the result scaled.
  let repeat = 1;
  const walked = [...shape];
  for (let i = rank - reduced; i < rank; i++) {
    if (x.strides[i] === 0 && shape[i] > 1) {
      repeat *= shape[i];
      walked[i] = 1;
    }
  }
  shape = walked;
  const inner = numel(shape.slice(rank - reduced));
  const logical = op === "all" || op === "any";
  const c: Compute = logical
    ? "i32"
    : x.dtype === "float32" || out.dtype === "float32"
    ? "f32"
    : "i32";
  if (over) {
    repeat = over.repeat;
    len = over.len;
  }
  // Few long rows (a full sum): one workgroup per row would leave the GPU idle, so pass 1 folds
  // `parts` slices of each row in parallel into partials, and pass 2 folds those.
  const parts = !over && outer <= 64 && inner >= SPLIT_ROW
    ? Math.min(1024, Math.ceil(inner / 8192))
    : 1;
  const split = parts > 1;
  let partials: GpuBuffer | undefined;
  if (split) {
    partials = t.allocate(outer * parts);
    out = {
      buffer: partials,
      dtype: c === "f32" ? "float32" : "int32",
      offset: 0,
      strides: [1],
    };
  }
  const xc = contiguous(x, shape);
  const perThread = !split && inner <= 64;
  const key = `red|${op}|${x.dtype}${xc ? "c" : "g"}|${out.dtype}|${
    split ? "s" : perThread ? "t" : "w"
  }`;
  const meta = new Uint32Array(HEADER + rank + 1 + rank + 1);
  meta[0] = outer;
  meta[1] = rank;
  meta[4] = inner;
  meta[5] = repeat;
  meta[7] = len;
  meta.set(shape, HEADER);
  meta[2] = HEADER + rank;
  meta[HEADER + rank] = x.offset;
  meta.set(x.strides, HEADER + rank + 1);
  meta[3] = HEADER + 2 * rank + 1;
  meta[meta[3]] = out.offset;
  if (split) {
    meta[5] = Math.ceil(inner / parts); // each part's slice of a row
    meta[6] = parts;
  }
  const init = REDUCE_INIT[op][c === "f32" ? 0 : 1];
  const T = c;
  const xIdx = xc ? `M[M[2]] + L` : `at(M[2], L)`;
  const value = reduceValue(op, `X[${xIdx}]`, x.dtype, c);
  // Float sums go by blocks of 64 terms (the CPU accumulates in double, and a long float32 row
  // summed term by term drifts; compensated summation is undone by llvmpipe's optimiser).
  const blocked = (op === "sum" || op === "mean") && c === "f32";
  const accumulate = blocked
    ? `comp = comp + ${value}; cnt = cnt + 1u; if (cnt == 64u) { s = s + comp; comp = 0.0; cnt = 0u; }`
    : `s = ${reduceCombine(op, c, "s", value)};`;
  const settle = blocked ? "s = s + comp;" : "";
  const finish = (s: string) =>
    split
      ? s // a partial: pass 2 finishes
      : op === "mean"
      ? `select(${s} * f32(M[5]) / f32(M[7]), nan_(), M[7] == 0u)`
      : op === "sum"
      ? `${s} * ${c}(M[5])`
      : op === "prod" && c === "f32"
      ? `pow_(${s}, f32(M[5]))`
      : op === "prod"
      ? `ipow(${s}, i32(M[5]))`
      : s;
  const source = () => {
    const head = `${bindings(["O", "X"])}
${PRELUDE}
${AT}`;
    if (perThread) {
      return `${head}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let outer = M[0];
  let inner = M[4];
  let step = nw.x * ${WG}u;
  for (var o = g.x; o < outer; o = o + step) {
    var s: ${T} = ${init};
    var comp: ${T} = ${init};
    var cnt = 0u;
    for (var j = 0u; j < inner; j = j + 1u) {
      let L = o * inner + j;
      ${accumulate}
    }
    ${settle}
    O[M[M[3]] + o] = ${store(finish("s"), c, out.dtype)};
  }
}`;
    }
    return `${head}
var<workgroup> part: array<${T}, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
  let outer = M[0];
  let inner = M[4];
${
      split
        ? `  for (var q = wid.x; q < outer * M[6]; q = q + nw.x) {
    let o = q / M[6];
    let lo = (q % M[6]) * M[5];
    let hi = min(lo + M[5], inner);`
        : `  for (var o = wid.x; o < outer; o = o + nw.x) {
    let lo = 0u;
    let hi = inner;`
    }
    var s: ${T} = ${init};
    var comp: ${T} = ${init};
    var cnt = 0u;
    for (var j = lo + lid.x; j < hi; j = j + ${WG}u) {
      let L = o * inner + j;
      ${accumulate}
    }
    ${settle}
    part[lid.x] = s;
    workgroupBarrier();
    for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
      if (lid.x < w) {
        let a = part[lid.x];
        let b = part[lid.x + w];
        part[lid.x] = ${reduceCombine(op, c, "a", "b")};
      }
      workgroupBarrier();
    }
    if (lid.x == 0u) {
      let s0 = part[0];
      O[${split ? "q" : "M[M[3]] + o"}] = ${store(finish("s0"), c, out.dtype)};
    }
    workgroupBarrier();
  }
}`;
  };
  t.run(
    cached(key, source),
    meta,
    [out.buffer, x.buffer],
    [
      Math.min(
        split ? outer * parts : perThread ? Math.ceil(outer / WG) : outer,
        MAX_GROUPS,
      ),
      1,
      1,
    ],
  );
  if (partials) {
    reduce(
      t,
      op,
      { buffer: partials, dtype: out.dtype, offset: 0, strides: [parts, 1] },
      [outer, parts],
      1,
      finalOut,
      { repeat, len },
    );
    t.free(partials);
  }
}

function argReduce(
  t: DeviceThread,
  op: ArgReduceOp,
  x: GView,
  shape: readonly number[],
  indices: GView,
  values: GView | null,
): void {
  const rank = shape.length;
  const inner = shape[rank - 1] ?? 1;
  const outer = numel(shape.slice(0, -1));
  if (outer === 0 || inner === 0) return;
  const c = computeOf(x.dtype);
  const xc = contiguous(x, shape);
  const key = `arg|${op}|${x.dtype}${xc ? "c" : "g"}|${values ? "v" : ""}`;
  const meta = new Uint32Array(HEADER + 2 * rank + 3);
  meta[0] = outer;
  meta[1] = rank;
  meta[4] = inner;
  meta.set(shape, HEADER);
  meta[2] = HEADER + rank;
  meta[HEADER + rank] = x.offset;
  meta.set(x.strides, HEADER + rank + 1);
  meta[3] = HEADER + 2 * rank + 1;
  meta[meta[3]] = indices.offset;
  meta[meta[3] + 1] = values ? values.offset : 0;
  const gt = op === "argmax" ? ">" : "<";
  const nan = (v: string) => (c === "f32" ? `isnan_(${v})` : "false");
  // Whether (v, i) beats (bv, bi): NaN wins, then the extreme, then the lower index.
  const better = (v: string, i: string, bv: string, bi: string) =>
    `(${bi} == 0xffffffffu || (${nan(v)} && !${nan(bv)}) || (!${
      nan(bv)
    } && ${v} ${gt} ${bv}) || (((${v} == ${bv}) || (${nan(v)} && ${
      nan(bv)
    })) && ${i} < ${bi}))`;
  const xIdx = xc ? `M[M[2]] + L` : `at(M[2], L)`;
  const source = () =>
    `${bindings(values ? ["I", "X", "V"] : ["I", "X"])}
${PRELUDE}
${AT}
var<workgroup> pv: array<${c}, ${WG}>;
var<workgroup> pi: array<u32, ${WG}>;
@compute @workgroup_size(${WG})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
  let outer = M[0];
  let inner = M[4];
  for (var o = wid.x; o < outer; o = o + nw.x) {
    var bv: ${c} = ${c === "f32" ? "0.0" : "0"};
    var bi = 0xffffffffu;
    for (var j = lid.x; j < inner; j = j + ${WG}u) {
      let L = o * inner + j;
      let v = ${load(`X[${xIdx}]`, x.dtype, c)};
      if (${better("v", "j", "bv", "bi")}) { bv = v; bi = j; }
    }
    pv[lid.x] = bv;
    pi[lid.x] = bi;
    workgroupBarrier();
    for (var w = ${WG / 2}u; w > 0u; w = w >> 1u) {
      if (lid.x < w) {
        let v = pv[lid.x + w];
        let i = pi[lid.x + w];
        let cv = pv[lid.x];
        let ci = pi[lid.x];
        if (i != 0xffffffffu && ${
      better("v", "i", "cv", "ci")
    }) { pv[lid.x] = v; pi[lid.x] = i; }
      }
      workgroupBarrier();
    }
    if (lid.x == 0u) {
      I[M[M[3]] + o] = pi[0];
${
      values
        ? `      V[M[M[3] + 1u] + o] = ${store("pv[0]", c, values.dtype)};`
        : ""
    }
    }
    workgroupBarrier();
  }
}`;
  t.run(
    cached(key, source),
    meta,
    values ? [indices.buffer, x.buffer, values.buffer] : [
      indices.buffer,
      x.buffer,
    ],
    [Math.min(outer, MAX_GROUPS), 1, 1],
  );
}

// ---------------------------------------------------------------------------------------------
// Matmul: 16x16 tiles through workgroup memory, each thread one output.

const TILE = 16;
/** Both matmul kernels' reading of their meta words (see matmul): sizes, bases and strides. */
const MATMUL_META = `  let m = M[0];
  let k = M[4];
  let n = M[5];
  let br = M[1];
  let pa = M[2];
  let pb = M[3];
  let sam = M[pa + 1u + br];
  let sak = M[pa + 2u + br];
  let sbk = M[pb + 1u + br];
  let sbn = M[pb + 2u + br];`;

/** The blocked kernel's output tile: 16x16 threads, each 4x4 outputs, over k in steps of 16. */
const BLOCK = 64;

/**
 * Matmul for outputs of at least 64x64: each workgroup computes a 64x64 tile, each thread 4x4 of
 * it (rows lid.y + 16i, columns lid.x + 16j), from 16-deep slices of A and B staged in
 * workgroup memory; each thread loads 4 elements of each slice.
 */
function blockedMatmul(
  c: Compute,
  ad: DTypeName,
  bd: DTypeName,
  od: DTypeName,
): string {
  const zero = c === "f32" ? "0.0" : "0";
  return `${bindings(["O", "A", "B"])}
${PRELUDE}
${AT}
var<workgroup> sa: array<array<${c}, ${BLOCK}>, ${TILE}>;
var<workgroup> sb: array<array<${c}, ${BLOCK}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
${MATMUL_META}
  let row0 = wid.y * ${BLOCK}u;
  let col0 = wid.x * ${BLOCK}u;
  let tid = lid.y * ${TILE}u + lid.x;
  for (var z = wid.z; z < M[7]; z = z + nw.z) {
    let oa = at(pa, z);
    let ob = at(pb, z);
    var acc: array<array<${c}, 4>, 4>;
    for (var i = 0u; i < 4u; i = i + 1u) {
      for (var j = 0u; j < 4u; j = j + 1u) { acc[i][j] = ${zero}; }
    }
    for (var t0 = 0u; t0 < k; t0 = t0 + ${TILE}u) {
      for (var q = 0u; q < 4u; q = q + 1u) {
        let e = tid + q * 256u;
        // A's slice: 64 rows x 16 ks; B's: 16 ks x 64 columns.
        let ar = e / ${TILE}u;
        let ak = e % ${TILE}u;
        var va: ${c} = ${zero};
        if (row0 + ar < m && t0 + ak < k) {
          va = ${load(`A[oa + (row0 + ar) * sam + (t0 + ak) * sak]`, ad, c)};
        }
        sa[ak][ar] = va;
        let bk = e / ${BLOCK}u;
        let bc = e % ${BLOCK}u;
        var vb: ${c} = ${zero};
        if (t0 + bk < k && col0 + bc < n) {
          vb = ${load(`B[ob + (t0 + bk) * sbk + (col0 + bc) * sbn]`, bd, c)};
        }
        sb[bk][bc] = vb;
      }
      workgroupBarrier();
      for (var kk = 0u; kk < ${TILE}u; kk = kk + 1u) {
        var ra: array<${c}, 4>;
        var rb: array<${c}, 4>;
        for (var i = 0u; i < 4u; i = i + 1u) {
          ra[i] = sa[kk][lid.y + ${TILE}u * i];
          rb[i] = sb[kk][lid.x + ${TILE}u * i];
        }
        for (var i = 0u; i < 4u; i = i + 1u) {
          for (var j = 0u; j < 4u; j = j + 1u) {
            acc[i][j] = acc[i][j] + ra[i] * rb[j];
          }
        }
      }
      workgroupBarrier();
    }
    let base = M[M[6]] + z * m * n;
    for (var i = 0u; i < 4u; i = i + 1u) {
      let r = row0 + lid.y + ${TILE}u * i;
      for (var j = 0u; j < 4u; j = j + 1u) {
        let col = col0 + lid.x + ${TILE}u * j;
        if (r < m && col < n) {
          O[base + r * n + col] = ${store("acc[i][j]", c, od)};
        }
      }
    }
  }
}`;
}

function matmul(
  t: DeviceThread,
  a: GView,
  b: GView,
  out: GView,
  batch: readonly number[],
  m: number,
  k: number,
  n: number,
): void {
  const count = numel(batch);
  if (count === 0 || m === 0 || n === 0) return;
  const c = computeOf(out.dtype);
  const br = batch.length;
  // meta: header, batch shape, then A (offset, batch strides, row, col), B (same), O offset.
  const meta = new Uint32Array(HEADER + br + 2 * (br + 3) + 1);
  meta[0] = m;
  meta[1] = br;
  meta[4] = k;
  meta[5] = n;
  meta[7] = count;
  meta.set(batch, HEADER);
  let at = HEADER + br;
  for (const [slot, v] of [[2, a], [3, b]] as const) {
    meta[slot] = at;
    meta[at] = v.offset;
    meta.set(v.strides.slice(0, br), at + 1);
    meta[at + 1 + br] = v.strides[br];
    meta[at + 2 + br] = v.strides[br + 1];
    at += br + 3;
  }
  meta[6] = at;
  meta[at] = out.offset;
  const zero = c === "f32" ? "0.0" : "0";
  if (m >= BLOCK && n >= BLOCK) {
    t.run(
      cached(
        `mm64|${a.dtype}|${b.dtype}|${out.dtype}`,
        () => blockedMatmul(c, a.dtype, b.dtype, out.dtype),
      ),
      meta,
      [out.buffer, a.buffer, b.buffer],
      [
        Math.ceil(n / BLOCK),
        Math.ceil(m / BLOCK),
        Math.min(count, MAX_GROUPS),
      ],
    );
    return;
  }
  const key = `mm|${a.dtype}|${b.dtype}|${out.dtype}`;
  const source = () =>
    `${bindings(["O", "A", "B"])}
${PRELUDE}
${AT}
var<workgroup> ta: array<array<${c}, ${TILE}>, ${TILE}>;
var<workgroup> tb: array<array<${c}, ${TILE}>, ${TILE}>;
@compute @workgroup_size(${TILE}, ${TILE})
fn main(@builtin(local_invocation_id) lid: vec3u, @builtin(workgroup_id) wid: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
${MATMUL_META}
  let row = wid.y * ${TILE}u + lid.y;
  let col = wid.x * ${TILE}u + lid.x;
  for (var z = wid.z; z < M[7]; z = z + nw.z) {
    // The batch index z, decomposed over the batch shape, gives each operand's base.
    let oa = at(pa, z);
    let ob = at(pb, z);
    var acc: ${c} = ${zero};
    for (var t0 = 0u; t0 < k; t0 = t0 + ${TILE}u) {
      let ka = t0 + lid.x;
      let kb = t0 + lid.y;
      var va: ${c} = ${zero};
      var vb: ${c} = ${zero};
      if (row < m && ka < k) { va = ${
      load(`A[oa + row * sam + ka * sak]`, a.dtype, c)
    }; }
      if (kb < k && col < n) { vb = ${
      load(`B[ob + kb * sbk + col * sbn]`, b.dtype, c)
    }; }
      ta[lid.y][lid.x] = va;
      tb[lid.y][lid.x] = vb;
      workgroupBarrier();
      for (var q = 0u; q < ${TILE}u; q = q + 1u) {
        acc = acc + ta[lid.y][q] * tb[q][lid.x];
      }
      workgroupBarrier();
    }
    if (row < m && col < n) {
      O[M[M[6]] + z * m * n + row * n + col] = ${store("acc", c, out.dtype)};
    }
  }
}`;
  t.run(
    cached(key, source),
    meta,
    [out.buffer, a.buffer, b.buffer],
    [Math.ceil(n / TILE), Math.ceil(m / TILE), Math.min(count, MAX_GROUPS)],
  );
}

// ---------------------------------------------------------------------------------------------
// Device-side asserts

/**
 * Records in an assert slot the first position where mask is nonzero and the value there; the
 * device thread raises the error at its next read (DeviceThread.assertSlot).
 */
function check(
  t: DeviceThread,
  mask: GView,
  values: GView,
  shape: readonly number[],
  error: (value: number) => Error,
): void {
  const n = numel(shape);
  if (n === 0) return;
  const float = values.dtype === "float32";
  const slot = t.assertSlot((w) => {
    if (!float) return error(w | 0);
    u32bits[0] = w;
    return error(f32bits[0]);
  });
  const rank = shape.length;
  const meta = new Uint32Array(HEADER + 3 * rank + 2);
  meta[0] = n;
  meta[1] = rank;
  meta[4] = slot.at;
  meta.set(shape, HEADER);
  let at = HEADER + rank;
  for (const [k, v] of [[2, mask], [3, values]] as const) {
    meta[k] = at;
    meta[at] = v.offset;
    meta.set(v.strides, at + 1);
    at += rank + 1;
  }
  // WGSL drops unused bindings from an "auto" layout: each kernel declares only what it reads.
  const head = (names: string[]) =>
    `${bindings(names, ["A"])}
${AT}`;
  t.run(
    cached(
      "check",
      () =>
        `${head(["A", "K"])}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let n = M[0];
  let step = nw.x * ${WG}u;
  for (var i = g.x; i < n; i = i + step) {
    if (K[at(M[2], i)] != 0u) { atomicMin(&A[M[4]], i); }
  }
}`,
    ),
    meta,
    [slot.buffer, mask.buffer],
    [Math.min(Math.ceil(n / WG), MAX_GROUPS), 1, 1],
  );
  t.run(
    cached(
      "check-value",
      () =>
        `${head(["A", "V"])}
@compute @workgroup_size(1)
fn main() {
  let i = atomicLoad(&A[M[4]]);
  if (i != 0xffffffffu) { atomicStore(&A[M[4] + 1u], V[at(M[3], i)]); }
}`,
    ),
    meta,
    [slot.buffer, values.buffer],
    [1, 1, 1],
  );
}

// ---------------------------------------------------------------------------------------------

/** The primitive table on the device thread `t`. */
export function primitives(t: DeviceThread): Prims {
  /**
   * Integers to a negative integer power raise, as on the CPU, unless the base is 1 or -1: the
   * offending places are marked and folded on the device, then one word is read.
   */
  const checkIntPow = (a: Operand, b: Operand, shape: readonly number[]) => {
    const n = numel(shape);
    if (n === 0) return;
    const marks = t.allocate(n), any = t.allocate(1);
    const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
    const markView: GView = {
      buffer: marks,
      dtype: "bool",
      offset: 0,
      strides,
    };
    elementwise(
      t,
      "powcheck",
      (
        v,
      ) => [
        `select(0, 1, ${v[1]} < 0 && ${v[0]} != 1 && ${v[0]} != -1)`,
        "i32",
      ],
      "i32",
      markView,
      [a, b],
      shape,
    );
    reduce(t, "any", markView, shape, shape.length, {
      buffer: any,
      dtype: "bool",
      offset: 0,
      strides: [1],
    });
    const found = t.read(any, 0, 1)[0] !== 0;
    t.free(marks);
    t.free(any);
    if (found) {
      throw new RuntimeError(
        "Integers to negative integer powers are not allowed.",
      );
    }
  };
  return {
    copy(dst, src, shape) {
      const c = computeOf(src.dtype);
      elementwise(t, "copy", (v) => [v[0], c], c, dst, [src], shape);
    },
    fill(dst, value, shape) {
      const c = computeOf(dst.dtype);
      elementwise(
        t,
        "fill",
        (v) => [v[0], c],
        c,
        dst,
        [value],
        shape,
      );
    },
    unary(op, x, out, shape, param) {
      const intForm = computeOf(x.dtype) === "i32" ? UNARY_I[op] : undefined;
      if (intForm) {
        elementwise(
          t,
          `u:${op}`,
          (v) => [intForm(v[0]), "i32"],
          "i32",
          out,
          [x],
          shape,
        );
        return;
      }
      const f = UNARY_F[op];
      elementwise(
        t,
        `u:${op}`,
        (v, p) => f(v[0], p),
        "f32",
        out,
        [x],
        shape,
        param ?? 0,
      );
    },
    binary(op, a, b, out, shape, alpha = 1) {
      const float = isFloatOperand(a) || isFloatOperand(b) ||
        (out.dtype === "float32" && op !== "eq" && op !== "ne" &&
          !["lt", "le", "gt", "ge"].includes(op));
      const compute: Compute = float ? "f32" : "i32";
      if (
        compute === "i32" && op === "pow" &&
        (typeof b !== "number" || b < 0)
      ) {
        checkIntPow(a, b, shape);
      }
      const expr = (float ? BINARY_F : BINARY_I)[op];
      elementwise(
        t,
        `b:${op}`,
        expr,
        compute,
        out,
        [a, b],
        shape,
        word(alpha, compute),
      );
    },
    where(cond, a, b, out, shape) {
      const c = computeOf(out.dtype);
      elementwise(
        t,
        "where",
        (v) => [`select(${v[2]}, ${v[1]}, ${v[0]} != 0)`, c],
        c,
        out,
        [cond, a, b],
        shape,
      );
    },
    reduce: (op, x, shape, reduced, out) =>
      reduce(t, op, x, shape, reduced, out),
    argReduce: (op, x, shape, indices, values) =>
      argReduce(t, op, x, shape, indices, values),
    matmul: (a, b, out, batch, m, k, n) => matmul(t, a, b, out, batch, m, k, n),
    ...convKernels(t),
    ...indexKernels(t),
    check: (mask, values, shape, error) => check(t, mask, values, shape, error),
  };
}
