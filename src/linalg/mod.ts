// `torch.linalg`: norms, det, inv, solve, cholesky, qr, eigh and svd over batches of matrices.
// Decompositions compute in float64 on the host (linalg/kernels.ts) through the counted fallback
// path, and return in the input's dtype and on its device; every backward is written with other
// ops (PyTorch's formulas), so gradients of gradients work too.

import { LinAlgError, RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { parseArgs } from "../ops/_args.ts";
import { fromHost, hostValues } from "../ops/_fallback.ts";
import { cast, dtypeArg } from "../ops/core.ts";
import { eye } from "../ops/creation.ts";
import { norm as torchNorm } from "../ops/_stats.ts";
import { broadcastShapes } from "../shape.ts";
import * as K from "./kernels.ts";

const prod = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const mT = (x: Tensor) => x.transpose(-2, -1);

/** Batch shape and matrix size of a (..., m, n) tensor, checked to be floating and ≥ 2-D. */
function matrices(op: string, A: Tensor, square = false) {
  if (A.dim() < 2) {
    throw new RuntimeError(
      `${op}: The input tensor A must have at least 2 dimensions.`,
    );
  }
  if (!A.dtype.is_floating_point) {
    throw new RuntimeError(
      `${op}: Expected a floating point or complex tensor as input. Got ${A.dtype.scalar_name}`,
    );
  }
  const m = A.size(-2), n = A.size(-1);
  if (square && m !== n) {
    throw new RuntimeError(
      `${op}: A must be batches of square matrices, but they are ${m} by ${n} matrices`,
    );
  }
  const batch = A.shape.slice(0, -2);
  return { batch, m, n, count: prod(batch) };
}

/** Each matrix of a batch as a host float64 matrix (one counted host read for the whole batch). */
function hostMatrices(op: string, A: Tensor): K.Mat[] {
  const m = A.size(-2), n = A.size(-1);
  const [all] = hostValues(op, A.detach());
  const out: K.Mat[] = [];
  for (let b = 0; b < all.length / (m * n || 1) && m * n > 0; b++) {
    out.push(K.mat(m, n, all.slice(b * m * n, (b + 1) * m * n)));
  }
  if (m * n === 0) {
    for (let b = 0; b < prod(A.shape.slice(0, -2)); b++) out.push(K.mat(m, n));
  }
  return out;
}

/** Host results (one Float64Array per batch item) as one tensor of `shape`, like `like`. */
function gather(parts: Float64Array[], shape: number[], like: Tensor): Tensor {
  const all = new Float64Array(prod(shape));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return fromHost(all, shape, like.dtype, like);
}

/** diag_embed for the last dim: (..., k) to (..., k, k). */
function diagEmbed(v: Tensor): Tensor {
  const k = v.size(-1);
  return v.unsqueeze(-1).mul(eye(k, { dtype: v.dtype, device: v.device }));
}

/** The PyTorch name of the i-th batch item's position, for messages: "(Batch element 2)". */
const batchNote = (count: number, b: number) =>
  count > 1 ? `(Batch element ${b}): ` : "";

// ------------------------------------------------------------------------------------------------
// Norms

type Ord = number | string | null;

/**
 * `linalg.vector_norm(x, ord = 2, dim = None, keepdim = false, { dtype })`: the ord-norm of the
 * elements over `dim` (all of them by default).
 */
export function vector_norm(x: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("linalg.vector_norm", args, ["ord", "dim", "keepdim"], {
    ord: 2 as number,
    dim: null as number | number[] | null,
    keepdim: false,
    dtype: undefined as unknown,
  });
  const dtype = dtypeArg(o.dtype);
  const input = dtype ? cast(x, dtype) : x;
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `linalg.vector_norm: Expected a floating point or complex tensor as input. Got ${input.dtype.scalar_name}`,
    );
  }
  const dims = o.dim === null
    ? Array.from({ length: input.dim() }, (_, i) => i)
    : typeof o.dim === "number"
    ? [o.dim]
    : o.dim;
  if (input.dim() === 0) return torchNorm(input, o.ord);
  return torchNorm(input, o.ord, dims, o.keepdim);
}

/**
 * `linalg.matrix_norm(A, ord = 'fro', dim = (-2, -1), keepdim = false, { dtype })`: 'fro', 'nuc',
 * ±inf (max/min row sum), ±1 (max/min column sum), ±2 (largest/smallest singular value).
 */
export function matrix_norm(A: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("linalg.matrix_norm", args, ["ord", "dim", "keepdim"], {
    ord: "fro" as Ord,
    dim: [-2, -1] as number[],
    keepdim: false,
    dtype: undefined as unknown,
  });
  const dtype = dtypeArg(o.dtype);
  const x = dtype ? cast(A, dtype) : A;
  if (x.dim() < 2) {
    throw new RuntimeError(
      "linalg.matrix_norm: The input tensor A must have at least 2 dimensions.",
    );
  }
  const nd = x.dim();
  const [r, c] = o.dim.map((d) => (d < 0 ? d + nd : d));
  if (r === c) {
    throw new RuntimeError(
      "linalg.matrix_norm: dims must be different. Got (" + o.dim.join(", ") +
        ")",
    );
  }
  const ord = o.ord;
  const squeeze = (t: Tensor) =>
    o.keepdim ? t : t.squeeze(Math.max(r, c)).squeeze(Math.min(r, c));
  if (ord === "fro") return torchNorm(x, 2, [r, c], o.keepdim);
  if (ord === "nuc" || ord === 2 || ord === -2) {
    // Singular values over the two dims, moved last.
    const rest = Array.from({ length: nd }, (_, d) => d).filter((d) =>
      d !== r && d !== c
    );
    const moved = x.permute([...rest, r, c]);
    const s = svdvals(moved);
    const v = ord === "nuc" ? s.sum(-1) : ord === 2 ? s.amax(-1) : s.amin(-1);
    if (!o.keepdim) return v;
    return v.unsqueeze(Math.min(r, c)).unsqueeze(Math.max(r, c));
  }
  if (ord === Infinity || ord === -Infinity || ord === 1 || ord === -1) {
    // inf: the largest row sum (sum over columns); 1: the largest column sum.
    const [sumDim, pickDim] = ord === 1 || ord === -1 ? [r, c] : [c, r];
    const sums = x.abs().sum(sumDim, { keepdim: true });
    const picked = ord > 0
      ? sums.amax(pickDim, true)
      : sums.amin(pickDim, true);
    return squeeze(picked);
  }
  throw new RuntimeError(
    `linalg.matrix_norm: Order ${ord} not supported.`,
  );
}

/**
 * `linalg.norm(A, ord = None, dim = None, keepdim = false, { dtype })`: a vector norm over one dim
 * (or every element when neither ord nor dim is given), a matrix norm over two.
 */
export function norm(A: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("linalg.norm", args, ["ord", "dim", "keepdim"], {
    ord: null as Ord,
    dim: null as number | number[] | null,
    keepdim: false,
    dtype: undefined as unknown,
  });
  const dims = o.dim === null
    ? null
    : typeof o.dim === "number"
    ? [o.dim]
    : o.dim;
  if (dims === null) {
    if (o.ord === null) {
      return vector_norm(A, 2, null, o.keepdim, { dtype: o.dtype });
    }
    if (A.dim() === 2) {
      return matrix_norm(A, o.ord, [-2, -1], o.keepdim, { dtype: o.dtype });
    }
    if (A.dim() === 1) {
      return vector_norm(A, o.ord as number, null, o.keepdim, {
        dtype: o.dtype,
      });
    }
    throw new RuntimeError(
      `linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A.dim()}D.`,
    );
  }
  if (dims.length === 1) {
    if (typeof o.ord === "string") {
      throw new RuntimeError(
        `linalg.vector_norm: Expected a numeric ord, got ${o.ord}`,
      );
    }
    return vector_norm(A, o.ord ?? 2, dims, o.keepdim, { dtype: o.dtype });
  }
  if (dims.length === 2) {
    return matrix_norm(A, o.ord ?? "fro", dims, o.keepdim, { dtype: o.dtype });
  }
  throw new RuntimeError(
    `linalg.norm: If dim is specified, it must be of length 1 or 2. Got [${
      dims.join(", ")
    }]`,
  );
}

// ------------------------------------------------------------------------------------------------
// det, slogdet, inv, solve

/** `linalg.det(A)`: the determinant of each matrix, (..., n, n) to (...). */
export function det(A: Tensor): Tensor {
  const { batch } = matrices("linalg.det", A, true);
  const out = gather(
    hostMatrices("linalg.det", A).map((a) => Float64Array.of(K.det(a))),
    batch,
    A,
  );
  // d det / dA = det · A⁻ᵀ.
  record({
    name: "LinalgDetBackward0",
    inputs: [A],
    outputs: [out],
    backward: ([g]) => [
      g.mul(out).unsqueeze(-1).unsqueeze(-1).mul(mT(inv(A))),
    ],
  });
  return out;
}

/** `linalg.slogdet(A)`: the sign and log|det| of each matrix. */
export function slogdet(A: Tensor): [Tensor, Tensor] {
  const { batch } = matrices("linalg.slogdet", A, true);
  const dets = hostMatrices("linalg.slogdet", A).map((a) => K.det(a));
  const sign = gather(dets.map((d) => Float64Array.of(Math.sign(d))), batch, A);
  const logabs = gather(
    dets.map((d) => Float64Array.of(Math.log(Math.abs(d)))),
    batch,
    A,
  );
  record({
    name: "LinalgSlogdetBackward0",
    inputs: [A],
    outputs: [logabs],
    backward: ([g]) => [g.unsqueeze(-1).unsqueeze(-1).mul(mT(inv(A)))],
  });
  return [sign, logabs];
}

function singular(count: number, b: number, k: number) {
  return new LinAlgError(
    `linalg.inv: ${batchNote(count, b)}The diagonal element ${
      k + 1
    } is zero, the inversion could not be completed because the input matrix is singular.`,
  );
}

/** `linalg.inv(A)`: the inverse of each matrix; a singular one raises PyTorch's error. */
export function inv(A: Tensor): Tensor {
  const { n, count } = matrices("linalg.inv", A, true);
  const I = K.mat(n, n);
  for (let i = 0; i < n; i++) I.a[i * n + i] = 1;
  const parts = hostMatrices("linalg.inv", A).map((a, b) => {
    const { x, zeroAt } = K.luSolve(a, I);
    if (zeroAt >= 0) throw singular(count, b, zeroAt);
    return x.a;
  });
  const out = gather(parts, [...A.shape], A);
  // d(A⁻¹) = -A⁻¹ dA A⁻¹, so gA = -A⁻ᵀ g A⁻ᵀ.
  record({
    name: "LinalgInvExBackward0",
    inputs: [A],
    outputs: [out],
    backward: ([g]) => [mT(out).matmul(g).matmul(mT(out)).neg()],
  });
  return out;
}

/**
 * `linalg.solve(A, B, { left = true })`: X with A X = B (or X A = B with left = false). B is a
 * batch of matrices, or of vectors when it has one dim fewer than A; batch dims broadcast.
 */
export function solve(A: Tensor, B: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("linalg.solve", args, [], { left: true });
  if (!o.left) return mT(solve(mT(A), mT(B)));
  const { n } = matrices("linalg.solve", A, true);
  if (B.dtype !== A.dtype) {
    throw new RuntimeError(
      `linalg.solve: Expected A and B to have the same dtype, but found A of type ${A.dtype.scalar_name} and B of type ${B.dtype.scalar_name} instead`,
    );
  }
  const vector = B.dim() === 1 ||
    (B.dim() === A.dim() - 1 &&
      B.shape.every((s, i) => s === A.shape[i]));
  const Bm = vector ? B.unsqueeze(-1) : B;
  if (Bm.size(-2) !== n) {
    throw new RuntimeError(
      `linalg.solve: Incompatible shapes of A and B for the equation AX = B (${
        A.shape.slice(-2).join("x")
      } and ${Bm.shape.slice(-2).join("x")})`,
    );
  }
  const batch = broadcastShapes(A.shape.slice(0, -2), Bm.shape.slice(0, -2));
  const r = Bm.size(-1);
  const Ab = A.expand([...batch, n, n]), Bb = Bm.expand([...batch, n, r]);
  const as = hostMatrices("linalg.solve", Ab),
    bs = hostMatrices("linalg.solve", Bb);
  const parts = as.map((a, b) => {
    const { x, zeroAt } = K.luSolve(a, bs[b]);
    if (zeroAt >= 0) {
      throw new LinAlgError(
        `torch.linalg.solve: ${
          batchNote(as.length, b)
        }The solver failed because the input matrix is singular.`,
      );
    }
    return x.a;
  });
  const X = gather(parts, [...batch, n, r], A);
  const out = vector ? X.squeeze(-1) : X;
  // gB = A⁻ᵀ g, gA = -gB Xᵀ (each summed back over broadcast batch dims by the engine's callers).
  record({
    name: "LinalgSolveExBackward0",
    inputs: [A, B],
    outputs: [out],
    backward: ([g]) => {
      const gm = vector ? g.unsqueeze(-1) : g;
      const gB = solve(mT(Ab), gm);
      const gA = gB.matmul(mT(X)).neg();
      return [
        sumTo(gA, A.shape),
        sumTo(vector ? gB.squeeze(-1) : gB, B.shape),
      ];
    },
  });
  return out;
}

/** Sums a gradient over the leading batch dims it was broadcast along, down to `shape`. */
function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  let t = g;
  while (t.dim() > shape.length) t = t.sum(0);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1 && t.size(i) !== 1) t = t.sum(i, { keepdim: true });
  }
  return t;
}

// ------------------------------------------------------------------------------------------------
// Decompositions

/** `linalg.cholesky(A, { upper = false })`: L with A = L Lᵀ (or U = Lᵀ), from A's lower triangle. */
export function cholesky(A: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("linalg.cholesky", args, [], { upper: false });
  const { n, count } = matrices("linalg.cholesky", A, true);
  const parts = hostMatrices("linalg.cholesky", A).map((a, b) => {
    const { l, failedAt } = K.cholesky(a);
    if (failedAt > 0) {
      throw new LinAlgError(
        `linalg.cholesky: ${
          batchNote(count, b)
        }The factorization could not be completed because the input is not positive-definite (the leading minor of order ${failedAt} is not positive-definite).`,
      );
    }
    return l.a;
  });
  const L = gather(parts, [...A.shape], A);
  const out = o.upper ? mT(L).contiguous() : L;
  // Murray (2016): gA = ½ (S + Sᵀ), S = L⁻ᵀ Φ(Lᵀ gL) L⁻¹, Φ: lower triangle, diagonal halved.
  record({
    name: "LinalgCholeskyExBackward0",
    inputs: [A],
    outputs: [out],
    backward: ([g]) => {
      const gL = o.upper ? mT(g) : g;
      const eyeN = eye(n, { dtype: A.dtype, device: A.device });
      let phi = mT(L).matmul(gL).tril();
      phi = phi.sub(phi.mul(eyeN).mul(0.5));
      const Linv = inv(L);
      const S = mT(Linv).matmul(phi).matmul(Linv);
      return [S.add(mT(S)).mul(0.5)];
    },
  });
  return out;
}

/**
 * `linalg.qr(A, mode = 'reduced')`: Q with orthonormal columns and upper triangular R, A = Q R;
 * 'complete' gives a square Q, 'r' only R (Q empty). R's diagonal signs are LAPACK's.
 */
export function qr(A: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const o = parseArgs("linalg.qr", args, ["mode"], { mode: "reduced" });
  if (!["reduced", "complete", "r"].includes(o.mode)) {
    throw new RuntimeError(
      `qr received unrecognized mode '${o.mode}' but expected one of 'reduced' (default), 'r', or 'complete'`,
    );
  }
  const { batch, m, n } = matrices("linalg.qr", A);
  const complete = o.mode === "complete";
  const res = hostMatrices("linalg.qr", A).map((a) => K.qr(a, complete));
  const k = Math.min(m, n), qc = complete ? m : k;
  const Q = gather(res.map((r) => r.q.a), [...batch, m, qc], A);
  const R = gather(res.map((r) => r.r.a), [...batch, complete ? m : k, n], A);
  record({
    name: "LinalgQrBackward0",
    inputs: [A],
    outputs: o.mode === "r" ? [R] : [Q, R],
    backward: (grads) => {
      const [gQ, gR] = o.mode === "r" ? [undefined, grads[0]] : grads;
      if (o.mode === "r") {
        throw new RuntimeError(
          "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.",
        );
      }
      if (m < n || (complete && m > n)) {
        throw new RuntimeError(
          "The QR decomposition is not differentiable when mode='complete' and nrows > ncols.",
        );
      }
      // m ≥ n: M = R gRᵀ - gQᵀ Q; gA = (gQ + Q copyltu(M)) R⁻ᵀ.
      const zQ = gQ ?? Q.mul(0), zR = gR ?? R.mul(0);
      const M = R.matmul(mT(zR)).sub(mT(zQ).matmul(Q));
      const low = M.tril(-1);
      const eyeK = eye(k, { dtype: A.dtype, device: A.device });
      const sym = low.add(mT(low)).add(M.mul(eyeK));
      const b = zQ.add(Q.matmul(sym));
      return [mT(solve(R, mT(b)))];
    },
  });
  return [o.mode === "r" ? gather([], [0], A) : Q, R];
}

/**
 * `linalg.eigh(A, UPLO = 'L')`: eigenvalues ascending and orthonormal eigenvectors (columns) of
 * each symmetric matrix, from the triangle UPLO names. Each eigenvector's largest entry is
 * positive (LAPACK leaves the sign to its algorithm).
 */
export function eigh(A: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const o = parseArgs("linalg.eigh", args, ["UPLO"], { UPLO: "L" });
  if (o.UPLO !== "L" && o.UPLO !== "U") {
    throw new RuntimeError(
      `Expected UPLO argument to be 'L' or 'U', but got ${o.UPLO}`,
    );
  }
  const { batch, n } = matrices("linalg.eigh", A, true);
  const res = hostMatrices("linalg.eigh", A).map((a) =>
    K.eigh(a, o.UPLO as "L" | "U")
  );
  const L = gather(res.map((r) => r.w), [...batch, n], A);
  const V = gather(res.map((r) => r.v.a), [...batch, n, n], A);
  record({
    name: "LinalgEighBackward0",
    inputs: [A],
    outputs: [L, V],
    backward: ([gL, gV]) => [eighBackward(L, V, gL, gV)],
  });
  return [L, V];
}

/** gA = V (diag(gL) + skew(Vᵀ gV)/2 ∘ F) Vᵀ with F_ij = 1/(λ_j − λ_i), as PyTorch's eig backward. */
function eighBackward(
  L: Tensor,
  V: Tensor,
  gL: Tensor | undefined,
  gV: Tensor | undefined,
): Tensor {
  const n = L.size(-1);
  const eyeN = eye(n, { dtype: L.dtype, device: L.device });
  let inner = gL ? diagEmbed(gL) : V.mul(0);
  if (gV) {
    const VtgV = mT(V).matmul(gV);
    const skew = VtgV.sub(mT(VtgV)).mul(0.5);
    const E = L.unsqueeze(-2).sub(L.unsqueeze(-1)).add(eyeN);
    inner = inner.add(skew.div(E).mul(eyeN.neg().add(1)));
  }
  return V.matmul(inner).matmul(mT(V));
}

/** `linalg.eigvalsh(A, UPLO = 'L')`: the eigenvalues of each symmetric matrix, ascending. */
export function eigvalsh(A: Tensor, ...args: unknown[]): Tensor {
  return eigh(A, ...args)[0];
}

/**
 * `linalg.svd(A, full_matrices = true)`: U, S (descending) and Vh with A = U diag(S) Vh. Each right
 * singular vector's largest entry is positive (U's columns follow).
 */
export function svd(A: Tensor, ...args: unknown[]): [Tensor, Tensor, Tensor] {
  const o = parseArgs("linalg.svd", args, ["full_matrices"], {
    full_matrices: true,
    driver: null as string | null,
  });
  const { batch, m, n } = matrices("linalg.svd", A);
  const k = Math.min(m, n), full = o.full_matrices;
  const res = hostMatrices("linalg.svd", A).map((a) => K.svd(a, full));
  const uc = full ? m : k, vc = full ? n : k;
  // V's first vc columns, transposed: Vh.
  const vh = res.map((r) => {
    const out = new Float64Array(vc * n);
    for (let c = 0; c < vc; c++) {
      for (let i = 0; i < n; i++) out[c * n + i] = r.v.a[i * r.v.n + c];
    }
    return out;
  });
  const us = res.map((r) => {
    const out = new Float64Array(m * uc);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < uc; c++) out[i * uc + c] = r.u.a[i * r.u.n + c];
    }
    return out;
  });
  const U = gather(us, [...batch, m, uc], A);
  const S = gather(res.map((r) => r.s.slice(0, k)), [...batch, k], A);
  const Vh = gather(vh, [...batch, vc, n], A);
  record({
    name: "LinalgSvdBackward0",
    inputs: [A],
    outputs: [U, S, Vh],
    // With full matrices only the first min(m, n) singular vectors enter, as in PyTorch.
    backward: ([gU, gS, gVh]) => [svdBackward(U, S, Vh, gU, gS, gVh, full)],
  });
  return [U, S, Vh];
}

/**
 * Townsend's SVD derivative (real case): with J = Uᵀ gU, K = V ᵀgV and F_ij = 1/(s_j² − s_i²),
 * gA = U [(F∘(J − Jᵀ)) S + diag(gS) + S (F∘(K − Kᵀ))] Vᵀ + (I − UUᵀ) gU S⁻¹ Vᵀ + U S⁻¹ gVᵀ (I − VVᵀ).
 */
function svdBackward(
  U0: Tensor,
  S: Tensor,
  Vh0: Tensor,
  gU0: Tensor | undefined,
  gS: Tensor | undefined,
  gVh0: Tensor | undefined,
  full: boolean,
): Tensor {
  const k = S.size(-1);
  // With full matrices (square A) only the first k columns carry the decomposition.
  const U = full ? U0.narrow(-1, 0, k) : U0;
  const Vh = full ? Vh0.narrow(-2, 0, k) : Vh0;
  const gU = gU0 && full ? gU0.narrow(-1, 0, k) : gU0;
  const gVh = gVh0 && full ? gVh0.narrow(-2, 0, k) : gVh0;
  const V = mT(Vh);
  const eyeK = eye(k, { dtype: S.dtype, device: S.device });
  const Sd = diagEmbed(S);
  let inner = gS ? diagEmbed(gS) : Sd.mul(0);
  const S2 = S.mul(S);
  const F = S2.unsqueeze(-2).sub(S2.unsqueeze(-1)).add(eyeK).reciprocal()
    .mul(eyeK.neg().add(1));
  const Sinv = diagEmbed(S.reciprocal());
  let gA: Tensor | null = null;
  if (gU) {
    const J = mT(U).matmul(gU);
    inner = inner.add(F.mul(J.sub(mT(J))).matmul(Sd));
    const m = U.size(-2);
    const proj = eye(m, { dtype: S.dtype, device: S.device }).sub(
      U.matmul(mT(U)),
    );
    gA = proj.matmul(gU).matmul(Sinv).matmul(Vh);
  }
  if (gVh) {
    const gV = mT(gVh);
    const Kt = mT(V).matmul(gV);
    inner = inner.add(Sd.matmul(F.mul(Kt.sub(mT(Kt)))));
    const n = V.size(-2);
    const proj = eye(n, { dtype: S.dtype, device: S.device }).sub(
      V.matmul(Vh),
    );
    const t = U.matmul(Sinv).matmul(mT(gV)).matmul(proj);
    gA = gA ? gA.add(t) : t;
  }
  const core = U.matmul(inner).matmul(Vh);
  return gA ? gA.add(core) : core;
}

/** `linalg.svdvals(A)`: the singular values, descending. */
export function svdvals(
  A: Tensor,
  _opts: { driver?: string | null } = {},
): Tensor {
  return svd(A, false)[1];
}
