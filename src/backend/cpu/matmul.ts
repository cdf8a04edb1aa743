// CPU matrix multiply: batched row-major GEMM with a double accumulator row (i-k-j order, so the
// inner loop walks both B and the accumulator contiguously).

/** out[b] = a[b] (m×k) · b[b] (k×n) for `batch` contiguous matrices, as doubles. */
export function gemm(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  batch: number,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(batch * m * n);
  for (let p = 0; p < batch; p++) {
    const aBase = p * m * k, bBase = p * k * n, oBase = p * m * n;
    for (let i = 0; i < m; i++) {
      const row = oBase + i * n;
      for (let q = 0; q < k; q++) {
        const av = a[aBase + i * k + q];
        if (av === 0) continue;
        const bRow = bBase + q * n;
        for (let j = 0; j < n; j++) out[row + j] += av * b[bRow + j];
      }
    }
  }
  return out;
}
