// Fill kernels for rand/uniform_, randn/normal_, randint/random_, randperm, bernoulli and exponential_.
// The normal kernels are in _normal.ts; dtype names, ranges and stores in _common.ts.

import { RuntimeError } from "../errors.ts";
import type { DTypeName, StorageArray } from "../dtype.ts";
import { fromBf16, toBf16 } from "../bfloat16.ts";
import { fma32, fma64 } from "./fma.ts";
import type { Generator } from "./generator.ts";
import {
  cfmt,
  DIGITS,
  FLOAT_MAX,
  floatStore,
  fr,
  INT_RANGE,
  intStore,
  META_NAME,
  requireFloat,
  SCALAR_NAME_OF,
} from "./_common.ts";

export { fill_normal, half_libm } from "./_normal.ts";

// ---------------------------------------------------------------------------------------------
// rand / uniform_

/**
 * `rand` / `uniform_(from, to)` for float32, float64, float16 and bfloat16 (the AVX2 build: `x*R + A`
 * fused).
 *
 * ```ts
 * const out = new Float32Array(4);
 * fill_uniform(new Generator().manual_seed(0), out, "float32"); // 0.4962566, 0.7682218, ...
 * ```
 */
export function fill_uniform(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  from = 0,
  to = 1,
): void {
  requireFloat(dtype, "check_uniform_bounds");
  if (!(from <= to)) {
    throw new RuntimeError(
      `uniform_ expects to return a [from, to) range, but found from=${
        cfmt(from)
      } > to=${cfmt(to)}`,
    );
  }
  if (to - from > FLOAT_MAX[dtype]!) {
    throw new RuntimeError(
      `uniform_ expects to-from <= std::numeric_limits<${
        SCALAR_NAME_OF(dtype)
      }>::max(), but found ` +
        `to=${cfmt(to)} and from=${
          cfmt(from)
        } which result in to-from to exceed the limit`,
    );
  }
  const n = out.length;
  if (dtype === "float64") {
    const o = out as Float64Array;
    const r = to - from;
    if (from === 0 && r === 1) {
      for (let k = 0; k < n; k++) o[k] = g.uniform_f64();
    } else for (let k = 0; k < n; k++) o[k] = fma64(g.uniform_f64(), r, from);
  } else if (dtype === "float32") {
    const o = out as Float32Array;
    const a = Math.fround(from), r = Math.fround(Math.fround(to) - a);
    for (let k = 0; k < n; k++) o[k] = fma32(g.uniform_f32(), r, a);
  } else if (dtype === "bfloat16") {
    // BFloat16 as Half below, with 8-bit uniforms (std::numeric_limits<BFloat16>::digits).
    const o = out as Uint16Array;
    const a = fromBf16(toBf16(from)), b = fromBf16(toBf16(to));
    const r = fromBf16(toBf16(b - a));
    for (let k = 0; k < n; k++) {
      o[k] = toBf16(fma32((g.next_u32() & 0xff) * 2 ** -8, r, a));
    }
  } else {
    // Half: 11-bit uniforms; the bounds and their difference are rounded to half, the
    // multiply-add runs in float32 (fused) and the float result is stored as half.
    const o = out as Float16Array;
    const h = new Float16Array(3);
    h[0] = Math.fround(from);
    h[1] = Math.fround(to);
    h[2] = h[1] - h[0];
    const a = h[0], r = h[2];
    for (let k = 0; k < n; k++) {
      o[k] = fma32((g.next_u32() & 0x7ff) * 2 ** -11, r, a);
    }
  }
}
// ---------------------------------------------------------------------------------------------
// randint / random_

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function toInt64(x: number | bigint, name: string): bigint {
  if (typeof x === "number" && !Number.isInteger(x)) {
    throw new TypeError(`random_: '${name}' must be an integer, got ${x}`);
  }
  const b = BigInt(x);
  if (b < I64_MIN || b > I64_MAX) {
    throw new RuntimeError(`random_: '${name}' must fit in int64, got ${b}`);
  }
  return b;
}

/** Rounds an integer to `digits` significant bits, to nearest with ties to even (exact). */
function roundToDigits(x: bigint, digits: number): bigint {
  const neg = x < 0n;
  const m = neg ? -x : x;
  const shift = m.toString(2).length - digits;
  if (shift <= 0) return x;
  const sh = BigInt(shift), half = 1n << (sh - 1n);
  const rem = m & ((1n << sh) - 1n);
  let q = m >> sh;
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  return neg ? -(q << sh) : q << sh;
}

/**
 * static_cast<int64_t>(static_cast<scalar_t>(x)) for a float dtype. Half is reached through
 * float (two roundings); a value past the dtype's range becomes inf, and x86's cvtt* turns an
 * out-of-range conversion into INT64_MIN.
 */
function castThroughFloat(x: bigint, dtype: DTypeName): bigint {
  let r = roundToDigits(x, dtype === "float16" ? 24 : DIGITS[dtype]!);
  if (dtype === "float16") r = roundToDigits(r, 11);
  const tooBig = dtype === "float16"
    ? (r < 0n ? -r : r) > 65504n
    : r > I64_MAX || r < I64_MIN;
  return tooBig ? I64_MIN : r;
}

function bitLengthMinus1(x: bigint): number {
  return x === 0n ? 0 : x.toString(2).length - 1;
}

// update_from / update_to nudge integer bounds so that they survive the cast to a float dtype.
function updateFrom(from: bigint, dtype: DTypeName): bigint {
  const fp1 = castThroughFloat(BigInt.asIntN(64, from + 1n), dtype);
  if (fp1 >= from) return from;
  const n = bitLengthMinus1(
    BigInt.asIntN(64, from + 1n) < 0n ? -(from + 1n) : from + 1n,
  );
  return BigInt.asIntN(64, fp1 + (1n << BigInt(n - DIGITS[dtype]! + 1)));
}
function updateTo(to: bigint, dtype: DTypeName): bigint {
  const tm1 = castThroughFloat(BigInt.asIntN(64, to - 1n), dtype);
  if (tm1 < to) return to;
  const n = bitLengthMinus1(to - 1n < 0n ? -(to - 1n) : to - 1n);
  return BigInt.asIntN(64, tm1 - (1n << BigInt(n - DIGITS[dtype]! + 1)));
}

function checkInRange(from: bigint, toInc: bigint, dtype: DTypeName): void {
  const max = FLOAT_MAX[dtype];
  const [lo, hi] = max !== undefined ? [-max, max] : INT_RANGE[dtype]!;
  const within = (v: bigint) =>
    Number(v) >= Number(lo) && Number(v) <= Number(hi);
  const within64 = (v: bigint) => v >= BigInt(lo) && v <= BigInt(hi);
  const ok = max !== undefined ? within : within64;
  if (!ok(from)) {
    throw new RuntimeError(`from is out of bounds for ${META_NAME[dtype]}`);
  }
  if (!ok(toInc)) {
    throw new RuntimeError(`to - 1 is out of bounds for ${META_NAME[dtype]}`);
  }
}

/** Stores int64 results with static_cast<scalar_t>(int64_t) semantics. */
function int64Store(
  out: StorageArray,
  dtype: DTypeName,
): (k: number, v: bigint) => void {
  if (dtype === "int64") {
    const o = out as BigInt64Array;
    return (k, v) => o[k] = v;
  }
  const o = out as Float64Array;
  if (dtype === "bool") return (k, v) => o[k] = v !== 0n ? 1 : 0;
  if (dtype === "float64") return (k, v) => o[k] = Number(v); // Number(bigint) rounds once
  if (dtype === "float32" || dtype === "float16") {
    return (k, v) => o[k] = Number(roundToDigits(v, 24));
  }
  return (k, v) => o[k] = Number(BigInt.asIntN(32, v)); // the typed store wraps further
}

/**
 * `random_()` (no bounds), `random_(to)` (one bound: `from` is then the exclusive upper bound),
 * `random_(from, to)` and `random_(from, null)` (up to the dtype's maximum), with PyTorch 1.13's
 * rule: two draws per element when the range is at least 2^32 for int64, float64 and float32.
 * Also `torch.randint(low, high, size)`.
 *
 * ```ts
 * const out = new BigInt64Array(8);
 * fill_random(new Generator().manual_seed(0), out, "int64", 0, 10); // 4, 9, 3, 0, 3, 9, 7, 3
 * ```
 */
export function fill_random(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  from?: number | bigint,
  to?: number | bigint | null,
): void {
  const n = out.length;
  if (from === undefined) return randomDefault(g, out, dtype);
  let lo = to === undefined ? 0n : toInt64(from, "from");
  const hi = to === undefined
    ? toInt64(from, "to")
    : to === null
    ? null
    : toInt64(to, "to");
  const isFloat = DIGITS[dtype] !== undefined;
  let range: bigint;
  if (hi !== null) {
    if (!(lo < hi)) {
      throw new RuntimeError(
        `random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`,
      );
    }
    let h = hi;
    if (isFloat) {
      lo = updateFrom(lo, dtype);
      h = updateTo(h, dtype);
      if (!(lo < h)) {
        throw new RuntimeError(
          `random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=${lo} >= to=${h}`,
        );
      }
    }
    checkInRange(lo, h - 1n, dtype);
    range = BigInt.asUintN(64, h - lo);
  } else if (lo !== I64_MIN) {
    let toInc: bigint;
    if (isFloat) {
      toInc = 1n << BigInt(DIGITS[dtype]!);
      lo = updateFrom(lo, dtype);
      if (!(lo < toInc)) {
        throw new RuntimeError(
          `random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but got from=${lo} > to_inc=${toInc}`,
        );
      }
    } else {
      toInc = INT_RANGE[dtype]![1];
    }
    checkInRange(lo, toInc, dtype);
    range = BigInt.asUintN(64, toInc - lo + 1n);
  } else {
    if (dtype !== "int64" && dtype !== "float64" && dtype !== "float32") {
      throw new TypeError(
        "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16",
      );
    }
    const store = int64Store(out, dtype);
    for (let k = 0; k < n; k++) store(k, BigInt.asIntN(64, g.random64()));
    return;
  }
  const wide = range >= 1n << 32n &&
    (dtype === "int64" || dtype === "float64" || dtype === "float32");
  if (!wide && lo > -(2n ** 52n) && lo < 2n ** 52n) {
    // Fast path: u32 % range + lo is exact in a Number, and float32 takes one rounding from it.
    const r = Number(range), base = Number(lo);
    const store = intStore(out, dtype);
    for (let k = 0; k < n; k++) store(k, (g.next_u32() % r) + base);
    return;
  }
  const store = int64Store(out, dtype);
  for (let k = 0; k < n; k++) {
    const v = wide ? g.random64() : BigInt(g.next_u32());
    store(k, BigInt.asIntN(64, (v % range) + lo));
  }
}

/** `random_()` without bounds: the dtype's whole non-negative range (+1 for floats, §5.2). */
function randomDefault(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
): void {
  const n = out.length;
  if (dtype === "int64") {
    const o = out as BigInt64Array;
    for (let k = 0; k < n; k++) o[k] = BigInt.asUintN(63, g.random64());
  } else if (dtype === "float64") {
    const o = out as Float64Array;
    const mod = (1n << 53n) + 1n;
    for (let k = 0; k < n; k++) o[k] = Number(g.random64() % mod);
  } else {
    const mod = {
      float32: 2 ** 24 + 1,
      float16: 2 ** 11 + 1,
      int32: 2 ** 31,
      int16: 2 ** 15,
      int8: 2 ** 7,
      uint8: 2 ** 8,
      bool: 2,
    }[dtype as "float32"]; // the other dtypes are refused before any draw
    const store = intStore(out, dtype);
    for (let k = 0; k < n; k++) store(k, g.next_u32() % mod);
  }
}

// ---------------------------------------------------------------------------------------------
// randperm, bernoulli, exponential, dropout

/**
 * `torch.randperm(n)`: a forward Fisher–Yates shuffle with one 32-bit draw per step (n-1 draws).
 *
 * ```ts
 * randperm(new Generator().manual_seed(0), 8); // 4, 0, 7, 3, 2, 5, 1, 6
 * ```
 */
export function randperm(g: Generator, n: number): Float64Array {
  if (!Number.isInteger(n) || n < 0) {
    throw new RuntimeError(
      `Trying to create tensor with negative dimension ${n}: [${n}]`,
    );
  }
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  for (let i = 0; i < n - 1; i++) {
    const z = g.next_u32() % (n - i);
    const t = r[i];
    r[i] = r[i + z];
    r[i + z] = t;
  }
  return r;
}

/** `bernoulli_(p)` for a float p without MKL: a 53-bit uniform compared in double, any dtype. */
export function fill_bernoulli_scalar(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  p: number,
): void {
  if (!(p >= 0 && p <= 1)) {
    throw new RuntimeError(
      `bernoulli_ expects p to be in [0, 1], but got p=${cfmt(p)}`,
    );
  }
  const store = intStore(out, dtype);
  for (let k = 0, n = out.length; k < n; k++) {
    store(k, g.uniform_f64() < p ? 1 : 0);
  }
}

/**
 * `bernoulli(P)` / `bernoulli_(P)`: P already broadcast to the output's element order. P's dtype
 * picks the draw: float64 P uses 53-bit uniforms, any other a 24-bit float uniform against f32(P).
 */
export function fill_bernoulli_tensor(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  probs: ArrayLike<number>,
  probsIsFloat64: boolean,
): void {
  const n = out.length;
  if (probs.length !== n) {
    throw new RuntimeError(
      `bernoulli: expected ${n} probabilities, got ${probs.length}`,
    );
  }
  for (let k = 0; k < n; k++) {
    if (!(probs[k] >= 0 && probs[k] <= 1)) {
      throw new RuntimeError(
        "Expected p_in >= 0 && p_in <= 1 to be true, but got false.",
      );
    }
  }
  const store = intStore(out, dtype);
  if (probsIsFloat64) {
    for (let k = 0; k < n; k++) store(k, g.uniform_f64() < probs[k] ? 1 : 0);
  } else {
    for (let k = 0; k < n; k++) {
      store(k, g.uniform_f32() < fr(probs[k]) ? 1 : 0);
    }
  }
}

/** `exponential_(lambd)`: `(-1/λ)·log(1-u)` in double with a 53-bit u, then cast. */
export function fill_exponential(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  lambd = 1,
): void {
  requireFloat(dtype, "exponential_cpu");
  if (!(lambd >= 0)) {
    throw new RuntimeError(
      `exponential_ expects lambda >= 0.0, but found lambda=${cfmt(lambd)}`,
    );
  }
  const store = floatStore(out, dtype);
  const c = -1 / lambd;
  for (let k = 0, n = out.length; k < n; k++) {
    store(k, c * Math.log(1 - g.uniform_f64()));
  }
}

/**
 * The factor that training-mode dropout multiplies kept elements by: 1/(1-p), and for float32 the
 * division itself runs in float32 on f32(1-p), which is not the same as rounding 1/(1-p).
 */
export function dropout_mask_scale(p: number, isFloat64: boolean): number {
  if (p === 1) return 0;
  const keep = 1 - p;
  return isFloat64 ? 1 / keep : fr(1 / fr(keep));
}
