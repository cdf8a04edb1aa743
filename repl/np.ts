// `np`: just enough of NumPy for the tutorial's bridge section; arrays are Float64Arrays.

/** A NumPy-style array here: a Float64Array, which `torch.from_numpy` adopts without a copy. */
export type Array64 = Float64Array;

function filled(n: number, v: number): Array64 {
  return new Float64Array(n).fill(v);
}

function operand(x: ArrayLike<number> | number, i: number): number {
  return typeof x === "number" ? x : x[i];
}

function binary(
  f: (a: number, b: number) => number,
): (
  a: ArrayLike<number> | number,
  b: ArrayLike<number> | number,
  opts?: { out?: Array64 },
) => Array64 {
  return (a, b, opts = {}) => {
    const n = typeof a === "number"
      ? (b as ArrayLike<number>).length
      : a.length;
    // `out=` writes into the given array, so a tensor sharing its memory sees the change.
    const out = opts.out ?? new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = f(operand(a, i), operand(b, i));
    return out;
  };
}

/**
 * `np.ones(5)`, `np.zeros(5)`, `np.arange(5)`, `np.array([1, 2])`, and elementwise
 * `np.add` / `np.subtract` / `np.multiply` / `np.divide` with a scalar or an array of the same
 * length, each taking `{ out }` as NumPy's `out=`.
 *
 * @example const a = np.ones(5); np.add(a, 1, { out: a }); // a is [2, 2, 2, 2, 2]
 */
export const np = {
  ones: (n: number): Array64 => filled(n, 1),
  zeros: (n: number): Array64 => filled(n, 0),
  arange: (n: number): Array64 => Float64Array.from({ length: n }, (_, i) => i),
  array: (values: ArrayLike<number>): Array64 => Float64Array.from(values),
  add: binary((a, b) => a + b),
  subtract: binary((a, b) => a - b),
  multiply: binary((a, b) => a * b),
  divide: binary((a, b) => a / b),
};
