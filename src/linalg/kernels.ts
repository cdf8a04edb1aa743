// The host kernels behind torch.linalg: LU with partial pivoting, Cholesky, Householder QR, the
// symmetric eigenproblem (cyclic Jacobi) and the SVD (one-sided Jacobi), on row-major float64
// matrices. They follow LAPACK's conventions where those fix the result (the pivot order, QR's
// signs, ascending eigenvalues, descending singular values); the signs of eigen- and singular
// vectors, which LAPACK leaves to its algorithm, are normalised here as documented in the README.

/** A row-major m×n float64 matrix. */
export interface Mat {
  m: number;
  n: number;
  a: Float64Array;
}

/** An m×n matrix over `a` (zeros when none is given). */
export function mat(m: number, n: number, a?: Float64Array): Mat {
  return { m, n, a: a ?? new Float64Array(m * n) };
}

/**
 * LU with partial pivoting (LAPACK getrf): P·A = L·U with L unit lower triangular. `piv[k]` is the
 * row swapped with k at step k; `zeroAt` is the first (0-based) k where U[k][k] is exactly zero, or
 * -1. `sign` is the permutation's parity.
 */
export function lu(
  A: Mat,
): { lu: Float64Array; piv: number[]; sign: number; zeroAt: number } {
  const n = A.n, a = A.a.slice();
  const piv: number[] = [];
  let sign = 1, zeroAt = -1;
  for (let k = 0; k < n; k++) {
    let p = k, best = Math.abs(a[k * n + k]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k]);
      if (v > best) [p, best] = [i, v];
    }
    piv.push(p);
    if (p !== k) {
      sign = -sign;
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j];
        a[k * n + j] = a[p * n + j];
        a[p * n + j] = t;
      }
    }
    const d = a[k * n + k];
    if (d === 0) {
      if (zeroAt < 0) zeroAt = k;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (a[i * n + k] /= d);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return { lu: a, piv, sign, zeroAt };
}

/** det(A) from its LU factors. */
export function det(A: Mat): number {
  const { lu: a, sign } = lu(A);
  let d = sign;
  for (let k = 0; k < A.n; k++) d *= a[k * A.n + k];
  return d;
}

/** Solves A X = B (B is n×r) from A's LU factors; null when U has a zero on its diagonal. */
export function luSolve(A: Mat, B: Mat): { x: Mat; zeroAt: number } {
  const n = A.n, r = B.n;
  const { lu: a, piv, zeroAt } = lu(A);
  const x = B.a.slice();
  if (zeroAt >= 0) return { x: mat(n, r, x), zeroAt };
  for (let k = 0; k < n; k++) {
    const p = piv[k];
    if (p !== k) {
      for (let j = 0; j < r; j++) {
        const t = x[k * r + j];
        x[k * r + j] = x[p * r + j];
        x[p * r + j] = t;
      }
    }
  }
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < i; k++) {
      const f = a[i * n + k];
      if (f !== 0) {
        for (let j = 0; j < r; j++) x[i * r + j] -= f * x[k * r + j];
      }
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let k = i + 1; k < n; k++) {
      const f = a[i * n + k];
      if (f !== 0) {
        for (let j = 0; j < r; j++) x[i * r + j] -= f * x[k * r + j];
      }
    }
    const d = a[i * n + i];
    for (let j = 0; j < r; j++) x[i * r + j] /= d;
  }
  return { x: mat(n, r, x), zeroAt: -1 };
}

/** Lower Cholesky factor of the lower triangle of A, or the 1-based order of the failing minor. */
export function cholesky(A: Mat): { l: Mat; failedAt: number } {
  const n = A.n, l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = A.a[j * n + j];
    for (let k = 0; k < j; k++) s -= l[j * n + k] * l[j * n + k];
    if (!(s > 0)) return { l: mat(n, n, l), failedAt: j + 1 };
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A.a[i * n + j];
      for (let k = 0; k < j; k++) t -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = t / d;
    }
  }
  return { l: mat(n, n, l), failedAt: 0 };
}

/**
 * Householder QR as LAPACK's geqrf + orgqr: each reflector maps the column to β·e₁ with
 * β = -sign(α)·‖x‖, so R's diagonal takes the opposite sign of the pivot column's leading entry.
 * Returns Q (m×m when `complete`, else m×k) and R (its rows to match), k = min(m, n).
 */
export function qr(A: Mat, complete: boolean): { q: Mat; r: Mat } {
  const { m, n } = A, k = Math.min(m, n);
  const a = A.a.slice();
  const vs: Float64Array[] = [], taus: number[] = [];
  for (let j = 0; j < k; j++) {
    const alpha = a[j * n + j];
    let xnorm = 0;
    for (let i = j + 1; i < m; i++) xnorm = Math.hypot(xnorm, a[i * n + j]);
    const v = new Float64Array(m);
    if (xnorm === 0) {
      vs.push(v);
      taus.push(0);
      continue;
    }
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
    const tau = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    v[j] = 1;
    for (let i = j + 1; i < m; i++) v[i] = a[i * n + j] * scale;
    // Apply H = I - τ v vᵀ to the trailing columns.
    for (let c = j; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i] * a[i * n + c];
      s *= tau;
      for (let i = j; i < m; i++) a[i * n + c] -= s * v[i];
    }
    a[j * n + j] = beta;
    for (let i = j + 1; i < m; i++) a[i * n + j] = 0;
    vs.push(v);
    taus.push(tau);
  }
  const qc = complete ? m : k;
  // Q = H₁ H₂ … H_k applied to the first qc columns of the identity, last reflector first.
  const q = new Float64Array(m * qc);
  for (let i = 0; i < Math.min(m, qc); i++) q[i * qc + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j], tau = taus[j];
    if (tau === 0) continue;
    for (let c = 0; c < qc; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i] * q[i * qc + c];
      s *= tau;
      for (let i = j; i < m; i++) q[i * qc + c] -= s * v[i];
    }
  }
  const rr = complete ? m : k;
  const r = new Float64Array(rr * n);
  for (let i = 0; i < Math.min(rr, m); i++) {
    for (let c = i; c < n; c++) r[i * n + c] = a[i * n + c];
  }
  return { q: mat(m, qc, q), r: mat(rr, n, r) };
}

/** Flips each column of v (n×k) so that its entry of largest magnitude is positive. */
function normaliseColumns(
  v: Float64Array,
  rows: number,
  cols: number,
): boolean[] {
  const flipped: boolean[] = [];
  for (let c = 0; c < cols; c++) {
    let best = 0, at = 0;
    for (let i = 0; i < rows; i++) {
      const x = Math.abs(v[i * cols + c]);
      if (x > best + 1e-12 * best) [best, at] = [x, i];
    }
    const flip = v[at * cols + c] < 0;
    if (flip) {
      for (let i = 0; i < rows; i++) v[i * cols + c] = -v[i * cols + c];
    }
    flipped.push(flip);
  }
  return flipped;
}

/**
 * The symmetric eigenproblem by cyclic Jacobi rotations on the triangle `uplo` names: eigenvalues
 * ascending, eigenvectors as columns, each with its largest entry positive.
 */
export function eigh(A: Mat, uplo: "L" | "U"): { w: Float64Array; v: Mat } {
  const n = A.n, a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const lower = uplo === "L" ? i >= j : i <= j;
      a[i * n + j] = lower ? A.a[i * n + j] : A.a[j * n + i];
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const x = a[i * n + j] * a[i * n + j];
        total += x;
        if (i !== j) off += x;
      }
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) /
          (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((x, y) => a[x * n + x] - a[y * n + y]);
  const w = Float64Array.from(order, (i) => a[i * n + i]);
  const vs = new Float64Array(n * n);
  order.forEach((src, c) => {
    for (let i = 0; i < n; i++) vs[i * n + c] = v[i * n + src];
  });
  normaliseColumns(vs, n, n);
  return { w, v: mat(n, n, vs) };
}

/** Extends k orthonormal columns of u (rows×k) to `to` columns with Gram-Schmidt on e₁, e₂, …. */
function complete(
  u: Float64Array,
  rows: number,
  k: number,
  to: number,
): Float64Array {
  const out = new Float64Array(rows * to);
  for (let i = 0; i < rows; i++) {
    for (let c = 0; c < k; c++) out[i * to + c] = u[i * k + c];
  }
  let c = k;
  for (let e = 0; e < rows && c < to; e++) {
    const x = new Float64Array(rows);
    x[e] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < c; j++) {
        let d = 0;
        for (let i = 0; i < rows; i++) d += out[i * to + j] * x[i];
        for (let i = 0; i < rows; i++) x[i] -= d * out[i * to + j];
      }
    }
    let nrm = 0;
    for (let i = 0; i < rows; i++) nrm = Math.hypot(nrm, x[i]);
    if (nrm < 1e-8) continue;
    for (let i = 0; i < rows; i++) out[i * to + c] = x[i] / nrm;
    c++;
  }
  return out;
}

/**
 * The SVD A = U·diag(S)·Vᵀ by one-sided Jacobi: singular values descending; each right singular
 * vector's largest entry positive (U's columns follow). With `full`, U is m×m and V n×n.
 */
export function svd(
  A: Mat,
  full: boolean,
): { u: Mat; s: Float64Array; v: Mat } {
  const { m, n } = A;
  if (m < n) {
    // A = U S Vᵀ ⟺ Aᵀ = V S Uᵀ.
    const t = new Float64Array(n * m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) t[j * m + i] = A.a[i * n + j];
    }
    const r = svd(mat(n, m, t), full);
    return { u: r.v, s: r.s, v: r.u };
  }
  const w = A.a.slice(), v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0, beta = 0, gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p], y = w[i * n + q];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma === 0) {
          continue;
        }
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) /
          (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        for (let i = 0; i < m; i++) {
          const x = w[i * n + p], y = w[i * n + q];
          w[i * n + p] = c * x - s * y;
          w[i * n + q] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = v[i * n + p], y = v[i * n + q];
          v[i * n + p] = c * x - s * y;
          v[i * n + q] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, c) => {
    let s = 0;
    for (let i = 0; i < m; i++) s = Math.hypot(s, w[i * n + c]);
    return s;
  });
  const order = Array.from({ length: n }, (_, i) => i)
    .sort((x, y) => norms[y] - norms[x]);
  const s = Float64Array.from(order, (i) => norms[i]);
  const vs = new Float64Array(n * n), us = new Float64Array(m * n);
  order.forEach((src, c) => {
    for (let i = 0; i < n; i++) vs[i * n + c] = v[i * n + src];
    for (let i = 0; i < m; i++) {
      us[i * n + c] = s[c] > 0 ? w[i * n + src] / s[c] : 0;
    }
  });
  const flipped = normaliseColumns(vs, n, n);
  flipped.forEach((f, c) => {
    if (f) { for (let i = 0; i < m; i++) us[i * n + c] = -us[i * n + c]; }
  });
  // Columns for zero singular values, and the full basis, by completion.
  const rank = s.findIndex((x) => !(x > 1e-300));
  const k = rank < 0 ? n : rank;
  const uk = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let c = 0; c < k; c++) uk[i * k + c] = us[i * n + c];
  }
  const u = complete(uk, m, k, full ? m : n);
  return { u: mat(m, full ? m : n, u), s, v: mat(n, n, vs) };
}
