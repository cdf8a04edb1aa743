// Exact fused multiply-add for float32 and float64 (a*b+c with one rounding), as AVX2's vfmadd.

const f64 = new Float64Array(1);
const u32of64 = new Uint32Array(f64.buffer);
const f32 = new Float32Array(1);
const u32of32 = new Uint32Array(f32.buffer);
// Little-endian hosts keep the low word of a double first; check once rather than assume.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** The float32 next to `r` in the direction of `toward` (r != toward, r finite). */
function neighbour32(r: number, toward: number): number {
  if (r === 0) return toward > 0 ? 2 ** -149 : -(2 ** -149);
  f32[0] = r;
  // Moving away from zero increments the magnitude bits, towards zero decrements them.
  u32of32[0] += (toward > r) === (r > 0) ? 1 : -1;
  return f32[0];
}

/**
 * fma32(a, b, c) for float32 inputs held in doubles. The product is exact in double (48 bits), so
 * only the sum rounds twice: first to double (s, with error e from TwoSum), then to float32. That
 * double rounding is wrong only when s lands exactly on a float32 midpoint and e is non-zero; then
 * the sign of e decides which neighbour the exact value is closer to.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bb = s - p;
  const e = (p - (s - bb)) + (c - bb);
  const r = Math.fround(s);
  if (e === 0 || r === s || !Number.isFinite(s)) return r;
  const nb = neighbour32(r, s);
  if ((r + nb) / 2 !== s) return r;
  return (e > 0) === (nb > r) ? nb : r;
}

// Veltkamp splitting constant 2^27 + 1: a double splits into two 26-bit halves.
const SPLIT = 134217729;

/** The double next to s in the direction of `up`, by stepping the 64-bit pattern (s != 0). */
function stepDouble(s: number, up: boolean): number {
  f64[0] = s;
  const away = up === (s > 0);
  let lo = u32of64[LO];
  let hi = u32of64[HI];
  if (away) {
    lo = (lo + 1) >>> 0;
    if (lo === 0) hi = (hi + 1) >>> 0;
  } else {
    if (lo === 0) hi = (hi - 1) >>> 0;
    lo = (lo - 1) >>> 0;
  }
  u32of64[LO] = lo;
  u32of64[HI] = hi;
  return f64[0];
}

/** x + y rounded to odd: if inexact, the neighbour of the true sum whose last bit is 1. */
function addRoundToOdd(x: number, y: number): number {
  const s = x + y;
  const bb = s - x;
  const e = (x - (s - bb)) + (y - bb);
  if (e === 0) return s;
  f64[0] = s;
  if (u32of64[LO] & 1) return s;
  // s has an even last bit, so the odd candidate is its neighbour on the side of the error.
  return stepDouble(s, e > 0);
}

/** 2^-k < |x| < 2^k: far enough from overflow and from subnormal error terms. */
function inRange(x: number, k: number): boolean {
  const ax = Math.abs(x);
  return ax < 2 ** k && ax > 2 ** -k;
}

/**
 * fma64(a, b, c) = a*b + c rounded once. Boldo and Melquiond's emulation: the product and the
 * sum are split exactly (TwoProduct, TwoSum), the two low parts are added with rounding to odd,
 * and the final round-to-nearest then sees the sticky information it needs. This is exact as long
 * as nothing overflows or underflows, which the magnitude guard below ensures; other inputs go
 * through the BigInt reference.
 */
export function fma64(a: number, b: number, c: number): number {
  const uh = a * b;
  if (uh === 0 || c === 0) return uh + c;
  if (
    !(inRange(uh, 800) && inRange(c, 800) && inRange(a, 600) && inRange(b, 600))
  ) {
    return fma64_exact(a, b, c);
  }
  // TwoProduct by Veltkamp/Dekker: uh + ul == a*b exactly.
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const ul = ((ah * bh - uh) + ah * bl + al * bh) + al * bl;
  // TwoSum: th + tl == c + uh exactly.
  const th = c + uh;
  const bv = th - c;
  const tl = (c - (th - bv)) + (uh - bv);
  return th + addRoundToOdd(tl, ul);
}

/** Splits a finite non-zero double into an integer mantissa and a power-of-two exponent. */
function decompose(x: number): [bigint, number] {
  f64[0] = x;
  const hi = u32of64[HI], lo = u32of64[LO];
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) m |= 1n << 52n;
  const exp = (biased === 0 ? 1 : biased) - 1075;
  return [hi >>> 31 ? -m : m, exp];
}

/**
 * Reference fma64 in exact integer arithmetic: a*b + c as an integer times a power of two, then
 * one round-to-nearest-even. Slow; used for extreme magnitudes and to test the fast path.
 */
export function fma64_exact(a: number, b: number, c: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(c)) {
    return a * b + c;
  }
  if (a === 0 || b === 0 || c === 0) return a * b + c;
  const [ma, ea] = decompose(a),
    [mb, eb] = decompose(b),
    [mc, ec] = decompose(c);
  const ep = ea + eb;
  const e0 = Math.min(ep, ec);
  const sum = ((ma * mb) << BigInt(ep - e0)) + (mc << BigInt(ec - e0));
  if (sum === 0n) return 0; // exact cancellation gives +0 in round-to-nearest
  return roundBigScaled(sum, e0);
}

/** Rounds the exact value n * 2^e to the nearest double, ties to even (subnormals included). */
function roundBigScaled(n: bigint, e: number): number {
  const neg = n < 0n;
  let m = neg ? -n : n;
  const bits = m.toString(2).length;
  // Keep 53 significant bits, or fewer where the result falls in the subnormal range (2^-1074).
  let shift = Math.max(bits - 53, -1074 - e);
  if (shift > 0) {
    const sh = BigInt(shift);
    const rem = m & ((1n << sh) - 1n);
    const half = 1n << (sh - 1n);
    m >>= sh;
    if (rem > half || (rem === half && (m & 1n) === 1n)) m += 1n;
  } else {
    shift = 0;
  }
  // m has at most 54 bits here, so Number(m) is exact; scaling by powers of two is exact too
  // unless it overflows, which is then the correctly rounded infinity.
  let v = Number(m);
  let k = e + shift;
  while (k > 0) {
    const step = Math.min(k, 1000);
    v *= 2 ** step;
    k -= step;
  }
  while (k < 0) {
    const step = Math.max(k, -1000);
    v *= 2 ** step;
    k -= step;
  }
  return neg ? -v : v;
}
