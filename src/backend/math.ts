// Scalar math JavaScript lacks (erf, rounding half to even, floor modulo), shared by the CPU kernels
// and nn.init.

/** erf(x) to about 1 ulp in double: Taylor series near 0, a continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0) return x; // keeps the sign of -0, as erf(-0) = -0
  const ax = Math.abs(x);
  if (ax < 1.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); used for |x| < 1.5, where cancellation stays small.
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return sum * 1.1283791670955126;
  }
  if (ax >= 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up.
  let f = ax;
  for (let k = 120; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / (f * 1.7724538509055159);
  return Math.sign(x) * (1 - erfc);
}

/** Rounds half to even, as PyTorch's `round` (nearbyint) does. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  // Math.round rounds halves up; pull exact .5 cases back to the even neighbour.
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r === 0 && x < 0 ? -0 : r;
}

/** Python's floor modulo: the result takes the divisor's sign. */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && (r < 0) !== (b < 0) ? r + b : r;
}
