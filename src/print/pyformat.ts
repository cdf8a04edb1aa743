// Exact emulation of Python's float formatting (`format(v, "{w}.{p}f")`, `"{w}.{p}e"`) and `center`.

// Python rounds the exact binary value to nearest with ties to even. JavaScript's toFixed and
// toExponential are also exact except on ties, which they round away from zero; so we use them as a
// fast path, detect exact ties cheaply, and fall back to BigInt arithmetic on the binary value.

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);

/** Splits a finite x >= 0 into [m, k] with x = m * 2^k exactly. */
function decompose(x: number): [bigint, number] {
  F64[0] = x;
  const bits = U64[0];
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & 0xfffffffffffffn;
  if (biased === 0) return [frac, -1074]; // subnormal
  return [frac | 0x10000000000000n, biased - 1075];
}

/** round(num / den) with ties to even, for num >= 0, den > 0. */
function roundDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = 2n * (num - q * den);
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

/** x * 10^d as the exact rational num/den. */
function scaled(x: number, d: number): [bigint, bigint] {
  const [m, k] = decompose(x);
  let num = k >= 0 ? m << BigInt(k) : m;
  let den = k >= 0 ? 1n : 1n << BigInt(-k);
  if (d >= 0) num *= 10n ** BigInt(d);
  else den *= 10n ** BigInt(-d);
  return [num, den];
}

/** Exact `%.{p}f` digits of a finite x >= 0 (no sign). */
export function exactFixed(x: number, p: number): string {
  const [num, den] = scaled(x, p);
  const digits = roundDiv(num, den).toString();
  if (p === 0) return digits;
  const padded = digits.padStart(p + 1, "0");
  return padded.slice(0, -p) + "." + padded.slice(-p);
}

/** Exact `%.{p}e` significand digits (p + 1 of them) and decimal exponent of a finite x > 0. */
export function exactExpDigits(x: number, p: number): [string, number] {
  const lo = 10n ** BigInt(p), hi = lo * 10n;
  let e = Math.floor(Math.log10(x)); // an estimate; corrected below when off by one
  for (;;) {
    const [num, den] = scaled(x, p - e);
    const n = roundDiv(num, den);
    if (n >= hi) e++;
    else if (n < lo) e--;
    else return [n.toString(), e];
  }
}

// A tie at 10^-d (d >= 0) means x = (2n+1) / (2^(d+1) 5^d); since x is dyadic, 5^d divides 2n+1,
// so x * 2^(d+1) is an odd integer. The product is exact (a power of two), and an overflow to
// Infinity only happens for huge even integers, which are never ties.
function isTie(x: number, d: number): boolean {
  const t = x * 2 ** (d + 1);
  return Number.isInteger(t) && t % 2 === 1;
}

function negative(v: number): boolean {
  return v < 0 || Object.is(v, -0);
}

function nonFinite(v: number): string | undefined {
  if (Number.isNaN(v)) return "nan"; // Python prints nan without a sign, whatever its sign bit
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return undefined;
}

/** Python `format(v, "{width}.{prec}f")`: right-aligned, never truncated. */
export function formatFixed(v: number, prec: number, width = 0): string {
  let s = nonFinite(v);
  if (s === undefined) {
    const x = Math.abs(v);
    // toFixed switches to exponent form at 1e21 and only allows 100 digits.
    const body = prec <= 100 && x < 1e21 && !isTie(x, prec)
      ? x.toFixed(prec)
      : exactFixed(x, prec);
    s = negative(v) ? "-" + body : body;
  }
  return s.padStart(width);
}

/** Python `format(v, "{width}.{prec}e")`: `d.ddddde±XX`, exponent of at least two digits. */
export function formatExp(v: number, prec: number, width = 0): string {
  let s = nonFinite(v);
  if (s === undefined) {
    const x = Math.abs(v);
    let digits: string, e: number;
    if (x === 0) {
      digits = "0".repeat(prec + 1);
      e = 0;
    } else {
      [digits, e] = fastExp(x, prec) ?? exactExpDigits(x, prec);
    }
    const mant = prec > 0 ? digits[0] + "." + digits.slice(1) : digits;
    const exp = (e < 0 ? "-" : "+") + String(Math.abs(e)).padStart(2, "0");
    s = (negative(v) ? "-" : "") + mant + "e" + exp;
  }
  return s.padStart(width);
}

// toExponential's digits, unless the value might be a tie. A tie that carries into the next power
// of ten (9.5 -> 1e+01) rounds up under both rules, so checking at the printed exponent suffices.
function fastExp(x: number, p: number): [string, number] | undefined {
  if (p > 100) return undefined;
  const s = x.toExponential(p);
  const at = s.indexOf("e");
  const e = Number(s.slice(at + 1));
  const d = p - e;
  // For d < 0 a tie needs an integer x; those few go the exact way.
  if (d >= 0 ? isTie(x, d) : Number.isInteger(x)) return undefined;
  return [s.slice(0, at).replace(".", ""), e];
}

/**
 * Python `format(v, spec)` for the float specs the printers use: `"{w}.{p}f"` or `"{w}.{p}e"`.
 *
 * @example pyformat(1.03125, "7.4f") // " 1.0312"
 */
export function pyformat(v: number, spec: string): string {
  const m = /^(\d*)\.(\d+)([fe])$/.exec(spec);
  if (!m) throw new TypeError(`unsupported format spec: '${spec}'`);
  const width = m[1] === "" ? 0 : Number(m[1]);
  const prec = Number(m[2]);
  return m[3] === "f" ? formatFixed(v, prec, width) : formatExp(v, prec, width);
}

/**
 * Python `format(s, "^w")`: the extra space of an odd padding goes on the right.
 *
 * @example center("⋮", 7) // "   ⋮   "
 */
export function center(s: string, w: number): string {
  const pad = w - s.length;
  if (pad <= 0) return s;
  const left = Math.floor(pad / 2);
  return " ".repeat(left) + s + " ".repeat(pad - left);
}
