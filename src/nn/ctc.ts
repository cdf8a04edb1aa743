// Connectionist temporal classification: `F.ctc_loss`, as PyTorch 1.13's CPU kernel computes it.
// The forward (alpha) and backward (beta) recursions run in float64 on the host, in log space,
// through the counted fallback; the gradient with respect to log_probs is PyTorch's own formula,
// exp(lp) - exp(log Σ αβ + nll - lp), which presumes (as PyTorch's does) that log_probs come from
// log_softmax. Its backward is that saved gradient times the output's, so there is no double
// backward, as in PyTorch.

import { RuntimeError, ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { parseArgs } from "../ops/_args.ts";
import { fromHost, hostValues } from "../ops/_fallback.ts";

const NEG_INF = -Infinity;

function logAdd(a: number, b: number): number {
  if (a === NEG_INF) return b;
  if (b === NEG_INF) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

function lengthsOf(v: unknown, what: string): number[] {
  if (v instanceof Tensor) return (v.tolist() as number[]).map(Number);
  if (Array.isArray(v)) return v.map(Number);
  if (typeof v === "number") return [v];
  throw new TypeError(`ctc_loss(): ${what} must be a tensor or a list of ints`);
}

/**
 * `F.ctc_loss(log_probs, targets, input_lengths, target_lengths, blank = 0, reduction = 'mean',
 * zero_infinity = false)`: log_probs (T, N, C) or (T, C); targets (N, S) padded or concatenated.
 */
export function ctc_loss(
  log_probs: Tensor,
  targets: Tensor,
  input_lengths: unknown,
  target_lengths: unknown,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "ctc_loss",
    args,
    ["blank", "reduction", "zero_infinity"],
    {
      blank: 0,
      reduction: "mean",
      zero_infinity: false,
    },
  );
  if (!["mean", "sum", "none"].includes(o.reduction)) {
    throw new ValueError(`${o.reduction} is not a valid value for reduction`);
  }
  const unbatched = log_probs.dim() === 2;
  const lp = unbatched ? log_probs.unsqueeze(1) : log_probs;
  if (lp.dim() !== 3) {
    throw new RuntimeError(
      `ctc_loss(): log_probs must be 2-D (T, C) or 3-D (T, N, C), got ${log_probs.dim()}-D`,
    );
  }
  const [T, N, C] = lp._shape;
  const inLens = lengthsOf(input_lengths, "input_lengths");
  const tgLens = lengthsOf(target_lengths, "target_lengths");
  if (inLens.length !== N || tgLens.length !== N) {
    throw new RuntimeError(
      `input_lengths must be of size batch_size (${N}) and target_lengths too`,
    );
  }
  const [probs, tgt] = hostValues("ctc_loss", lp.detach(), targets.detach());
  // (N, S) padded targets, or all of them concatenated (one sequence when unbatched).
  const padded = targets.dim() === 2;
  const stride = padded ? targets.size(-1) : 0;
  let offset = 0;
  const losses = new Float64Array(N);
  const grad = new Float64Array(T * N * C);
  for (let n = 0; n < N; n++) {
    const Tn = inLens[n], S = tgLens[n];
    if (Tn > T) {
      throw new RuntimeError(
        `Expected input_lengths to have value at most ${T}, but got value ${Tn} (while checking arguments for ctc_loss_cpu)`,
      );
    }
    const labels: number[] = [];
    for (let k = 0; k < S; k++) {
      labels.push(tgt[padded ? n * stride + k : offset + k]);
    }
    if (!padded) offset += S;
    const L = 2 * S + 1;
    const lab = (s: number) => (s % 2 === 0 ? o.blank : labels[(s - 1) / 2]);
    const at = (t: number, c: number) => probs[(t * N + n) * C + c];
    const alpha = new Float64Array(Tn * L).fill(NEG_INF);
    const beta = new Float64Array(Tn * L).fill(NEG_INF);
    if (Tn > 0) {
      alpha[0] = at(0, o.blank);
      if (L > 1) alpha[1] = at(0, lab(1));
      for (let t = 1; t < Tn; t++) {
        for (let s = 0; s < L; s++) {
          let a = alpha[(t - 1) * L + s];
          if (s > 0) a = logAdd(a, alpha[(t - 1) * L + s - 1]);
          if (s > 1 && lab(s) !== o.blank && lab(s) !== lab(s - 2)) {
            a = logAdd(a, alpha[(t - 1) * L + s - 2]);
          }
          alpha[t * L + s] = a === NEG_INF ? NEG_INF : a + at(t, lab(s));
        }
      }
      const last = (Tn - 1) * L;
      beta[last + L - 1] = at(Tn - 1, o.blank);
      if (L > 1) beta[last + L - 2] = at(Tn - 1, lab(L - 2));
      for (let t = Tn - 2; t >= 0; t--) {
        for (let s = 0; s < L; s++) {
          let b = beta[(t + 1) * L + s];
          if (s < L - 1) b = logAdd(b, beta[(t + 1) * L + s + 1]);
          if (s < L - 2 && lab(s) !== o.blank && lab(s) !== lab(s + 2)) {
            b = logAdd(b, beta[(t + 1) * L + s + 2]);
          }
          beta[t * L + s] = b === NEG_INF ? NEG_INF : b + at(t, lab(s));
        }
      }
    }
    const ll = Tn === 0 ? (S === 0 ? 0 : NEG_INF) : logAdd(
      alpha[(Tn - 1) * L + L - 1],
      L > 1 ? alpha[(Tn - 1) * L + L - 2] : NEG_INF,
    );
    let nll = -ll;
    const infinite = nll === Infinity;
    if (infinite && o.zero_infinity) nll = 0;
    losses[n] = nll;
    // PyTorch's gradient of nll with respect to log_probs (zero past the input's length).
    for (let t = 0; t < Tn; t++) {
      const lcab = new Float64Array(C).fill(NEG_INF);
      for (let s = 0; s < L; s++) {
        lcab[lab(s)] = logAdd(lcab[lab(s)], alpha[t * L + s] + beta[t * L + s]);
      }
      for (let c = 0; c < C; c++) {
        const l = at(t, c);
        const g = Math.exp(l) - Math.exp(lcab[c] + nll - l);
        grad[(t * N + n) * C + c] = infinite && o.zero_infinity ? 0 : g;
      }
    }
  }
  // The reduction, and the factor each sample's gradient takes from it.
  const scale = tgLens.map((l) => Math.max(l, 1));
  let out: Tensor;
  if (o.reduction === "none") {
    out = fromHost(losses, unbatched ? [] : [N], log_probs.dtype, log_probs);
  } else if (o.reduction === "sum") {
    out = fromHost(
      [losses.reduce((a, b) => a + b, 0)],
      [],
      log_probs.dtype,
      log_probs,
    );
  } else {
    const mean = losses.reduce((a, b, n) => a + b / scale[n], 0) / N;
    out = fromHost([mean], [], log_probs.dtype, log_probs);
  }
  const gradT = fromHost(grad, [T, N, C], log_probs.dtype, log_probs);
  record({
    name: "CtcLossBackward0",
    inputs: [log_probs],
    outputs: [out],
    backward: ([g]) => {
      // Per-sample weights of the incoming gradient: (N, 1) broadcast over (T, N, C).
      let w: Tensor;
      if (o.reduction === "none") {
        w = unbatched ? g.reshape([1]) : g;
      } else if (o.reduction === "sum") {
        w = g.reshape([1]).expand(N);
      } else {
        const f = fromHost(scale.map((s) => 1 / (s * N)), [N], g.dtype, g);
        w = g.reshape([1]).mul(f);
      }
      const full = gradT.mul(w.reshape([1, N, 1]));
      return [unbatched ? full.squeeze(1) : full];
    },
  });
  return out;
}
