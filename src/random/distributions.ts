// Fill kernels for rand/uniform_, randn/normal_, randint/random_, randperm, bernoulli and exponential_.

import { type DTypeName, DTYPES, type StorageArray } from "../dtype.ts";
import { fma32, fma64 } from "./fma.ts";
import type { Generator } from "./generator.ts";

// PyTorch's names for dtypes in "not implemented for 'X'" and in TypeMeta ("out of bounds for X").
const SCALAR_NAME_OF = (d: DTypeName): string => DTYPES[d].scalar_name;
const META_NAME: Record<DTypeName, string> = {
  float32: "float",
  float64: "double",
  float16: "c10::Half",
  int64: "long int",
  int32: "int",
  int16: "short int",
  int8: "signed char",
  uint8: "unsigned char",
  bool: "bool",
};
// Significand bits (std::numeric_limits<T>::digits) of the float dtypes.
const DIGITS: Partial<Record<DTypeName, number>> = {
  float32: 24,
  float64: 53,
  float16: 11,
};
const FLOAT_MAX: Partial<Record<DTypeName, number>> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
  float16: 65504,
};
const INT_RANGE: Partial<Record<DTypeName, [bigint, bigint]>> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int16: [-32768n, 32767n],
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  bool: [0n, 1n],
};

function requireFloat(dtype: DTypeName, kernel: string): void {
  if (DIGITS[dtype] === undefined) {
    throw new TypeError(
      `"${kernel}" not implemented for '${SCALAR_NAME_OF(dtype)}'`,
    );
  }
}

/** A double formatted as C++ `ostream << double` does (6 significant digits, %g style). */
function cfmt(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, e] = x.toExponential(5).split("e");
  const ex = Number(e);
  const trim = (s: string) => s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  if (ex < -4 || ex >= 6) {
    return `${trim(mant)}e${ex < 0 ? "-" : "+"}${
      String(Math.abs(ex)).padStart(2, "0")
    }`;
  }
  return trim(x.toFixed(5 - ex));
}

/**
 * Stores doubles the way `static_cast<scalar_t>(double)` does. Half has only a float constructor,
 * so a double reaches float16 through float32 first: two roundings, not one.
 */
function floatStore(
  out: StorageArray,
  dtype: DTypeName,
): (k: number, v: number) => void {
  const o = out as Float64Array;
  return dtype === "float16"
    ? (k, v) => o[k] = Math.fround(v)
    : (k, v) => o[k] = v;
}

/** Stores a small integer (0/1 or a 32-bit value) into any dtype's storage. */
function intStore(
  out: StorageArray,
  dtype: DTypeName,
): (k: number, v: number) => void {
  if (dtype === "int64") {
    const o = out as BigInt64Array;
    return (k, v) => o[k] = BigInt(v);
  }
  const o = out as Float64Array;
  if (dtype === "bool") return (k, v) => o[k] = v !== 0 ? 1 : 0;
  return dtype === "float16"
    ? (k, v) => o[k] = Math.fround(v)
    : (k, v) => o[k] = v;
}

// ---------------------------------------------------------------------------------------------
// rand / uniform_

/**
 * `rand` / `uniform_(from, to)` for float32, float64 and float16 (the AVX2 build: `x*R + A` fused).
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
    throw new RangeError(
      `uniform_ expects to return a [from, to) range, but found from=${
        cfmt(from)
      } > to=${cfmt(to)}`,
    );
  }
  if (to - from > FLOAT_MAX[dtype]!) {
    throw new RangeError(
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
// randn / normal_

const f32b = new Float32Array(1);
const u32b = new Uint32Array(f32b.buffer);
function fromBits(b: number): number {
  u32b[0] = b;
  return f32b[0];
}

// Cephes single-precision constants of avx_mathfun.h, exactly as float32 bit patterns.
const SQRTHF = fromBits(0x3f3504f3);
const LOG_P = [
  0x3d9021bb,
  0xbdebd1b8,
  0x3def251a,
  0xbdfe5d4f,
  0x3e11e9bf,
  0xbe2aae50,
  0x3e4cceac,
  0xbe7ffffc,
  0x3eaaaaaa,
].map(fromBits);
const Q1 = fromBits(0xb95e8083), Q2 = fromBits(0x3f318000);
const FOPI = fromBits(0x3fa2f983);
const DP1 = fromBits(0xbf490000),
  DP2 = fromBits(0xb97da000),
  DP3 = fromBits(0xb3222169);
const S0 = fromBits(0xb94ca1f9),
  S1 = fromBits(0x3c08839e),
  S2 = fromBits(0xbe2aaaa3);
const C0 = fromBits(0x37ccf5ce),
  C1 = fromBits(0xbab6061a),
  C2 = fromBits(0x3d2aaaa5);
const TWO_PI_F = fromBits(0x40c90fdb);
const fr = Math.fround;

/** log256_ps lane by lane, for 2^-24 <= x <= 1 (no denormal clamp or NaN mask needed there). */
function logAvx(x: number): number {
  f32b[0] = x;
  const b = u32b[0];
  let e = fr(fr((b >>> 23) - 127) + 1);
  let m = fromBits((b & 0x007fffff) | 0x3f000000); // mantissa in [0.5, 1)
  if (m < SQRTHF) {
    e = fr(e - 1);
    m = fr(fr(m - 1) + m);
  } else {
    m = fr(m - 1);
  }
  const z = fr(m * m);
  let y = LOG_P[0];
  for (let i = 1; i < 9; i++) y = fma32(y, m, LOG_P[i]);
  y = fr(y * m);
  y = fma32(y, z, fr(e * Q1)); // the y*z product is the fused one, not e*Q1
  y = fma32(-z, 0.5, y);
  return fma32(e, Q2, fr(m + y));
}

let sinOut = 0, cosOut = 0;
/** sincos256_ps lane by lane for 0 <= x < 2π; results land in sinOut and cosOut. */
function sincosAvx(x: number): void {
  let j = Math.trunc(fr(x * FOPI));
  j = (j + 1) & ~1; // octant rounded up to even: 0, 2, 4, 6 or 8
  x = fma32(j, DP1, x);
  x = fma32(j, DP2, x);
  x = fma32(j, DP3, x);
  const z = fr(x * x);
  let pc = fr(fma32(fma32(C0, z, C1), z, C2) * z);
  pc = fr(fma32(pc, z, -fr(z * 0.5)) + 1);
  let ps = fr(fma32(fma32(S0, z, S1), z, S2) * z);
  ps = fma32(ps, x, x);
  let s = (j & 2) === 0 ? ps : pc;
  let c = (j & 2) === 0 ? pc : ps;
  if (j & 4) s = -s;
  if (((j - 2) & 4) === 0) c = -c;
  sinOut = s;
  cosOut = c;
}

/** normal_fill_16_AVX2: lane j (radius uniform) pairs with lane j+8 (angle uniform). */
function fill16Avx2(
  b: Float32Array,
  i: number,
  mean: number,
  std: number,
): void {
  for (let j = i; j < i + 8; j++) {
    const radius = fr(Math.sqrt(fr(-2 * logAvx(fr(1 - b[j])))));
    sincosAvx(fr(TWO_PI_F * b[j + 8]));
    b[j] = fma32(fr(radius * cosOut), std, mean);
    b[j + 8] = fma32(fr(radius * sinOut), std, mean);
  }
}

/** normal_fill_16<double>: double libm (JS Math may differ from glibc by 1 ulp, see §12.3). */
function fill16F64(
  b: Float64Array,
  i: number,
  mean: number,
  std: number,
): void {
  for (let j = i; j < i + 8; j++) {
    const radius = Math.sqrt(-2 * Math.log(1 - b[j]));
    const theta = 2 * Math.PI * b[j + 8];
    b[j] = fma64(radius * Math.cos(theta), std, mean);
    b[j + 8] = fma64(radius * Math.sin(theta), std, mean);
  }
}

const h1 = new Float16Array(1);
/** half(float(x)): a double reaching c10::Half through its float constructor. */
function toHalf(x: number): number {
  h1[0] = fr(x);
  return h1[0];
}

// glibc's logf/sinf/cosf are not correctly rounded. The float16 path feeds them only 2048 inputs
// each (u = k/2048), so the inputs where glibc differs from f32(fn) are listed here as k:bits,
// from tests/fixtures/gen_rng.py, which also records all 3 x 2048 results for the test.
function fixes(list: string): Map<number, number> {
  return new Map(
    list.split(" ").map((e) => {
      const [k, bits] = e.split(":");
      return [Number(k), fromBits(parseInt(bits, 16))];
    }),
  );
}
const LOGF_FIX = fixes(
  "26:bc5154e4 27:bc596fbd 38:bc996d88 42:bca9bf1f 99:bd4af219 111:bd643e23 365:be48ff24 " +
    "441:be785082 1110:bf47e708 1134:bf4e89b0 1500:bfa8bf7c",
);
const SINF_FIX = fixes(
  "51:3e1f98c2 88:3e88937e 111:3eab0603 126:3ec0fc5e 182:3f07adb3 197:3f117f03 228:3f24dcc4 " +
    "270:3f3c960e 789:3f291fb2 806:3f1ec248 858:3ef966c7 935:3e89c6ab 955:3e575ede " +
    "968:3e2e23f2 988:3de18602 1076:be225250 1093:be57636f 1198:bf02572f 1221:bf117f7e " +
    "1245:bf20b750 1277:bf3360fa 1821:bf246157 1919:bec5b6f3 1978:be5856d5 1979:be5856d5 " +
    "2003:be0d86fb",
);
const COSF_FIX = fixes(
  "275:3f2a2789 292:3f1fef0d 311:3f140e37 325:3f0af2a9 335:3f046049 416:3e949442 " +
    "421:3e8ce7d3 568:be2ea587 585:be639685 587:be696f18 666:bee8de70 674:bef45ec3 " +
    "695:bf086bb2 702:bf0d0af8 767:bf3488a4 1353:bf07fe54 1354:bf07fe54 1355:bf07252c " +
    "1608:3e60abc2 1623:3e879e64 1624:3e879e64 1649:3eadbcb1 1691:3eea3534 1768:3f2786ee " +
    "1769:3f2786ee 1773:3f2a87f5 1774:3f2a87f5",
);

/**
 * glibc's float `logf(1 - k/2048)`, `sinf(θk)` or `cosf(θk)` with θk = half(f32(2π·k/2048)):
 * the only libm calls of the float16 normal path. Internal; exported for the tests.
 */
export function half_libm(fn: "log" | "sin" | "cos", k: number): number {
  if (fn === "log") return LOGF_FIX.get(k) ?? fr(Math.log(1 - k / 2048));
  const theta = toHalf(2 * Math.PI * (k / 2048));
  if (fn === "sin") return SINF_FIX.get(k) ?? fr(Math.sin(theta));
  return COSF_FIX.get(k) ?? fr(Math.cos(theta));
}

/**
 * normal_fill_16<Half>: every Half operand widens to float, libm runs in float (logf, cosf,
 * sinf), and each Half local (radius, theta, the result) rounds back to half.
 */
function fill16F16(
  b: Float16Array,
  i: number,
  mean: number,
  std: number,
): void {
  for (let j = i; j < i + 8; j++) {
    const radius = toHalf(Math.sqrt(fr(-2 * half_libm("log", b[j] * 2048))));
    const k = b[j + 8] * 2048;
    b[j] = fma32(fr(radius * half_libm("cos", k)), std, mean);
    b[j + 8] = fma32(fr(radius * half_libm("sin", k)), std, mean);
  }
}

/**
 * `randn` / `normal_(mean, std)` for float32, float64 and float16. Contiguous outputs of 16 or more
 * elements take the vectorised Box–Muller path (16 fresh uniforms re-fill the last 16 outputs when
 * n % 16 != 0); anything else takes the scalar path with the generator's cached second normal.
 *
 * ```ts
 * const out = new Float32Array(16);
 * fill_normal(new Generator().manual_seed(0), out, "float32"); // -1.1258398, -1.1523602, ...
 * ```
 */
export function fill_normal(
  g: Generator,
  out: StorageArray,
  dtype: DTypeName,
  mean = 0,
  std = 1,
  contiguous = true,
): void {
  requireFloat(dtype, "normal_kernel_cpu");
  if (!(std >= 0)) {
    throw new RangeError(
      `normal expects std >= 0.0, but found std ${cfmt(std)}`,
    );
  }
  const n = out.length;
  if (n < 16 || !contiguous) {
    const store = floatStore(out, dtype);
    for (let k = 0; k < n; k++) store(k, g.normal_double(mean, std));
    return;
  }
  if (dtype === "float32") {
    const o = out as Float32Array;
    const m = fr(mean), s = fr(std);
    for (let k = 0; k < n; k++) o[k] = g.uniform_f32();
    for (let i = 0; i + 16 <= n; i += 16) fill16Avx2(o, i, m, s);
    if (n % 16 !== 0) {
      const tail = o.subarray(n - 16);
      for (let k = 0; k < 16; k++) tail[k] = g.uniform_f32();
      fill16Avx2(tail, 0, m, s);
    }
  } else if (dtype === "float64") {
    const o = out as Float64Array;
    for (let k = 0; k < n; k++) o[k] = g.uniform_f64();
    for (let i = 0; i + 16 <= n; i += 16) fill16F64(o, i, mean, std);
    if (n % 16 !== 0) {
      const tail = o.subarray(n - 16);
      for (let k = 0; k < 16; k++) tail[k] = g.uniform_f64();
      fill16F64(tail, 0, mean, std);
    }
  } else {
    const o = out as Float16Array;
    const m = toHalf(mean), s = toHalf(std);
    for (let k = 0; k < n; k++) o[k] = (g.next_u32() & 0x7ff) * 2 ** -11;
    for (let i = 0; i + 16 <= n; i += 16) fill16F16(o, i, m, s);
    if (n % 16 !== 0) {
      const tail = o.subarray(n - 16);
      for (let k = 0; k < 16; k++) tail[k] = (g.next_u32() & 0x7ff) * 2 ** -11;
      fill16F16(tail, 0, m, s);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// randint / random_

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

function toInt64(x: number | bigint, name: string): bigint {
  if (typeof x === "number" && !Number.isInteger(x)) {
    throw new RangeError(`random_: '${name}' must be an integer, got ${x}`);
  }
  const b = BigInt(x);
  if (b < I64_MIN || b > I64_MAX) {
    throw new RangeError(`random_: '${name}' must fit in int64, got ${b}`);
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
    throw new RangeError(`from is out of bounds for ${META_NAME[dtype]}`);
  }
  if (!ok(toInc)) {
    throw new RangeError(`to - 1 is out of bounds for ${META_NAME[dtype]}`);
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
      throw new RangeError(
        `random_ expects 'from' to be less than 'to', but got from=${lo} >= to=${hi}`,
      );
    }
    let h = hi;
    if (isFloat) {
      lo = updateFrom(lo, dtype);
      h = updateTo(h, dtype);
      if (!(lo < h)) {
        throw new RangeError(
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
        throw new RangeError(
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
    }[dtype];
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
    throw new RangeError(
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
    throw new RangeError(
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
    throw new RangeError(
      `bernoulli: expected ${n} probabilities, got ${probs.length}`,
    );
  }
  for (let k = 0; k < n; k++) {
    if (!(probs[k] >= 0 && probs[k] <= 1)) {
      throw new RangeError(
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
    throw new RangeError(
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
