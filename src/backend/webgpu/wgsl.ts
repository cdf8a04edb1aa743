// WGSL for the WebGPU kernels, generated on the main thread per (primitive, op, dtypes, layout)
// and sent to the device thread the first time its key is used.
//
// Every element on the GPU is one 32-bit word (dtypes.ts): float32 is an f32; the integer dtypes
// and bool are i32 words (int8/int16/uint8 wrapped to their width on every store, bool 0 or 1,
// int64 narrowed to int32 on upload). Buffers are bound as `array<u32>` and read through
// bitcasts, so one binding layout serves every dtype. Kernels compute in f32 (float) or i32.
//
// NaN tests look at the bits: WGSL lets a compiler assume NaN away in comparisons.

import type { DTypeName } from "../../dtype.ts";

/** The type a kernel computes in. */
export type Compute = "f32" | "i32";

export const computeOf = (dtype: DTypeName): Compute =>
  dtype === "float32" ? "f32" : "i32";

/** Reads word `w` (a u32 expression) as the compute type of `dtype`, converted to `to`. */
export function load(w: string, dtype: DTypeName, to: Compute): string {
  const from = computeOf(dtype);
  const v = from === "f32" ? `bitcast<f32>(${w})` : `bitcast<i32>(${w})`;
  return from === to ? v : to === "f32" ? `f32(${v})` : `f2i(${v})`;
}

/** The word that stores value `v` (of compute type `from`) as `dtype`. */
export function store(v: string, from: Compute, dtype: DTypeName): string {
  if (dtype === "float32") {
    return from === "f32" ? `bitcast<u32>(${v})` : `bitcast<u32>(f32(${v}))`;
  }
  if (dtype === "bool") {
    return from === "f32"
      ? `select(0u, 1u, !iszero(${v}))`
      : `select(0u, 1u, (${v}) != 0)`;
  }
  const i = from === "f32" ? `f2i(${v})` : `(${v})`;
  switch (dtype) {
    case "int8":
      return `bitcast<u32>((${i} << 24u) >> 24u)`;
    case "int16":
      return `bitcast<u32>((${i} << 16u) >> 16u)`;
    case "uint8":
      return `bitcast<u32>(${i} & 255)`;
    default:
      return `bitcast<u32>(${i})`;
  }
}

/** Helpers every kernel may call; WGSL drops the unused ones. */
export const PRELUDE = /* wgsl */ `
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn iszero(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0u; }
fn nan_() -> f32 { return bitcast<f32>(0x7fc00000u); }
fn inf_() -> f32 { return bitcast<f32>(0x7f800000u); }
// float to int as x86 converts: truncation, and the "integer indefinite" for NaN and overflow.
fn f2i(x: f32) -> i32 {
  if (isnan_(x) || x >= 2147483648.0 || x < -2147483648.0) { return i32(-2147483647) - 1; }
  return i32(x);
}
fn signbit(x: f32) -> f32 { return bitcast<f32>(bitcast<u32>(x) & 0x80000000u); }
fn log1p_(x: f32) -> f32 {
  if (isinf_(x)) { return select(nan_(), x, x > 0.0); }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  if (abs(x) < 1e-5) { return x * (1.0 + 0.5 * x); }
  if (x > 88.8) { return inf_(); }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn tanh_(x: f32) -> f32 {
  if (isnan_(x) || iszero(x)) { return x; }
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}
fn sigmoid_(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); }
  let e = exp(x);
  return e / (1.0 + e);
}
// erf by Abramowitz and Stegun 7.1.26 refined (|error| < 1.2e-7).
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) < 1e-4) { return x * 1.1283791671; }
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
    t * (-0.82215223 + t * 0.17087277)))))))));
  return select(1.0 - r, r - 1.0, x < 0.0);
}
// sign(nan) and sign(-0) are +0, as in PyTorch 1.13.
fn sign_(x: f32) -> f32 {
  if (isnan_(x) || iszero(x)) { return 0.0; }
  return select(1.0, -1.0, (bitcast<u32>(x) & 0x80000000u) != 0u);
}
fn round_(x: f32, d: i32) -> f32 {
  if (d == 0) { return round(x); }
  var s = 1.0;
  for (var k = 0; k < abs(d); k = k + 1) { s = s * 10.0; }
  return select(round(x / s) * s, round(x * s) / s, d > 0);
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  if (a == 0.0) { return select(0.0, inf_(), b < 0.0); }
  let m = pow(abs(a), b);
  if (a > 0.0) { return m; }
  if (trunc(b) != b) { return nan_(); }
  let odd = abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  return select(m, -m, odd);
}
fn ipow(a: i32, b: i32) -> i32 {
  if (b < 0) { if (a == 1) { return 1; } if (a == -1) { return select(-1, 1, (b & 1) == 0); } return 0; }
  var r = 1; var x = a; var e = b;
  loop { if (e == 0) { break; } if ((e & 1) == 1) { r = r * x; } x = x * x; e = e >> 1u; }
  return r;
}
fn fmax_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } return select(b, a, a > b); }
fn fmin_(a: f32, b: f32) -> f32 { if (isnan_(a) || isnan_(b)) { return nan_(); } return select(b, a, a < b); }
fn fmod_(a: f32, b: f32) -> f32 {
  if (iszero(b) || isinf_(a) || isnan_(a) || isnan_(b)) { return nan_(); }
  if (isinf_(b)) { return a; }
  let r = a - b * trunc(a / b);
  // A zero remainder keeps the dividend's sign, as C's fmod.
  return select(r, signbit(a), iszero(r));
}
fn remainder_(a: f32, b: f32) -> f32 {
  let r = fmod_(a, b);
  if (!iszero(r) && ((r < 0.0) != (b < 0.0))) { return r + b; }
  return r;
}
fn idiv_floor(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) { return q - 1; }
  return q;
}
fn iremainder(a: i32, b: i32) -> i32 {
  if (b == 0) { return 0; }
  let r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) { return r + b; }
  return r;
}
`;

/** The header every elementwise and reduction kernel's meta words start with. */
export const HEADER = 8;

/**
 * `fn at(base, i)`: the word index of element i (row-major over the shape at M[HEADER..]) of the
 * operand whose offset and strides start at meta word `base`.
 */
export const AT = /* wgsl */ `
fn at(base: u32, i: u32) -> u32 {
  var rem = i;
  var off = M[base];
  var d = M[1];
  loop {
    if (d == 0u) { break; }
    d = d - 1u;
    let s = M[${HEADER}u + d];
    off = off + (rem % s) * M[base + 1u + d];
    rem = rem / s;
  }
  return off;
}
`;

/** The bindings: meta words at 0, then `names` in order, all read_write (aliasing is allowed). */
export function bindings(names: string[], atomic: string[] = []): string {
  const lines = [
    "@group(0) @binding(0) var<storage, read> M: array<u32>;",
  ];
  names.forEach((n, i) =>
    lines.push(
      `@group(0) @binding(${i + 1}) var<storage, read_write> ${n}: array<${
        atomic.includes(n) ? "atomic<u32>" : "u32"
      }>;`,
    )
  );
  return lines.join("\n");
}
