// The float32 exp of the CPU's kernels (maps.ts, and the same steps four lanes at a time in
// wasm_maps.ts's exp32Code).

// exp(x) = 2^k · (1 + r + r²·q(r)) with k = round(x·log2 e) and r = x − k·ln 2 (ln 2 in two
// parts, C1 + C2, C1 short enough that k·C1 is exact), |r| <= ln2/2, q a degree-5 polynomial
// (Cephes' expf coefficients). Every step is one float32 operation, with no fused multiply-add, so
// that the JavaScript form here (each operation rounded by Math.fround, which gives float32's
// result to the bit: a double holds the exact sum or product of two floats) and the SIMD form give
// the same bits. Against the correctly rounded result: within one ulp, and equal for 99.2% of the
// inputs in range (every 997th float32 bit pattern compared with Math.exp rounded to float32).
export const EXP_LOG2E = Math.fround(Math.LOG2E);
/** 1.5 · 2^23: float32 t + M − M is t rounded to an integer, which t + M holds in its low bits. */
export const EXP_ROUND = 12582912;
export const EXP_C1 = 0.693359375, EXP_C2 = Math.fround(-2.12194440e-4);
/** q(r)'s coefficients, highest degree first. */
export const EXP_POLY = [
  1.9875691500e-4,
  1.3981999507e-3,
  8.3334519073e-3,
  4.1665795894e-2,
  1.6666665459e-1,
  5.0000001201e-1,
].map(Math.fround);
/**
 * The inputs taken here: EXP_LOW < x < EXP_HIGH, where 2^k is a normal float32 (-126 <= k <=
 * 127) and the result finite. Others (NaN, overflow, results below float32's normal range) take
 * Math.exp, rounded to float32 by the caller's store.
 */
export const EXP_LOW = -87.5, EXP_HIGH = 88.25; // both float32 values, so either compare agrees

const POW2 = new Float64Array(254);
for (let k = -126; k <= 127; k++) POW2[k + 126] = 2 ** k;
const [Q0, Q1, Q2, Q3, Q4, Q5] = EXP_POLY;

/**
 * exp for kernels whose result is float32 (see above). An input that is not a float32 value (a
 * float64 tensor's, exp'd into a float32 out=) takes Math.exp, as float64's exp then cast.
 */
export function exp32(x: number): number {
  const f = Math.fround;
  if (!(x > EXP_LOW && x < EXP_HIGH) || f(x) !== x) return Math.exp(x);
  const t = f(f(x * EXP_LOG2E) + EXP_ROUND), k = t - EXP_ROUND;
  const r = f(f(x - k * EXP_C1) - f(k * EXP_C2)), z = f(r * r);
  let q = f(f(Q0 * r) + Q1);
  q = f(f(q * r) + Q2);
  q = f(f(q * r) + Q3);
  q = f(f(q * r) + Q4);
  q = f(f(q * r) + Q5);
  return f(f(f(f(q * z) + r) + 1) * POW2[k + 126]);
}
