// optim.LBFGS: limited-memory BFGS over all parameters as one flat vector, with PyTorch 1.13's
// two-loop recursion, stopping rules and optional strong-Wolfe line search. `step(closure)` calls
// the closure (which recomputes the loss and its gradients) as often as the iteration needs.

import type { Tensor } from "../tensor.ts";
import { cat } from "../ops/indexing.ts";
import { zeros } from "../ops/creation.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { enable_grad, no_grad } from "../autograd/grad_mode.ts";
import { type Closure, Optimizer, type Params } from "./optimizer.ts";

/** LBFGS's hyperparameters, in PyTorch 1.13's order. */
export interface LBFGSOptions {
  /** Learning rate (the step length without a line search). */
  lr: number;
  /** Iterations per `step()`. */
  max_iter: number;
  /** Closure evaluations per `step()` (default max_iter · 5/4). */
  max_eval: number | null;
  /** Stop when every gradient element is within this of 0. */
  tolerance_grad: number;
  /** Stop when the loss or the parameters change by less than this. */
  tolerance_change: number;
  /** How many past updates approximate the inverse Hessian. */
  history_size: number;
  /** null, or "strong_wolfe". */
  line_search_fn: string | null;
}

/** PyTorch's `_cubic_interpolate`: the minimiser of the cubic through two points and slopes. */
function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 ** 2 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const min = x1 <= x2
      ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
      : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(min, lo), hi);
  }
  return (lo + hi) / 2;
}

type Evaluate = (t: number) => [number, Tensor];

/** PyTorch's `_strong_wolfe` line search along d from the current point. */
function strongWolfe(
  evaluate: Evaluate,
  t: number,
  d: Tensor,
  f: number,
  g: Tensor,
  gtd: number,
  c1 = 1e-4,
  c2 = 0.9,
  toleranceChange = 1e-9,
  maxLs = 25,
): [number, Tensor, number, number] {
  const dNorm = d.abs().max().item() as number;
  g = g.clone();
  let [fNew, gNew] = evaluate(t);
  let evals = 1;
  let gtdNew = gNew.dot(d).item() as number;
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false, iter = 0;
  let bracket: number[] = [],
    bf: number[] = [],
    bg: Tensor[] = [],
    bgtd: number[] = [];
  while (iter < maxLs) {
    if (fNew > f + c1 * t * gtd || (iter > 1 && fNew >= fPrev)) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [
        gPrev,
        gNew.clone(),
      ], [
        gtdPrev,
        gtdNew,
      ]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bf, bg] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [
        gPrev,
        gNew.clone(),
      ], [
        gtdPrev,
        gtdNew,
      ]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev), maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [
      minStep,
      maxStep,
    ]);
    tPrev = tmp;
    fPrev = fNew;
    gPrev = gNew.clone();
    gtdPrev = gtdNew;
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = gNew.dot(d).item() as number;
    iter++;
  }
  if (iter === maxLs) [bracket, bf, bg] = [[0, t], [f, fNew], [g, gNew]];

  let insufProgress = false;
  let [low, high] = bf[0] <= bf[bf.length - 1] ? [0, 1] : [1, 0];
  while (!done && iter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(
      bracket[0],
      bf[0],
      bgtd[0],
      bracket[1],
      bf[1],
      bgtd[1],
    );
    const bMax = Math.max(...bracket), bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else insufProgress = true;
    } else insufProgress = false;
    [fNew, gNew] = evaluate(t);
    evals++;
    gtdNew = gNew.dot(d).item() as number;
    iter++;
    if (fNew > f + c1 * t * gtd || fNew >= bf[low]) {
      bracket[high] = t;
      bf[high] = fNew;
      bg[high] = gNew.clone();
      bgtd[high] = gtdNew;
      [low, high] = bf[0] <= bf[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) done = true;
      else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        bracket[high] = bracket[low];
        bf[high] = bf[low];
        bg[high] = bg[low];
        bgtd[high] = bgtd[low];
      }
      bracket[low] = t;
      bf[low] = fNew;
      bg[low] = gNew.clone();
      bgtd[low] = gtdNew;
    }
  }
  return [bf[low], bg[low], bracket[low], evals];
}

/** What LBFGS keeps between steps (on its first parameter, as PyTorch). */
interface LBFGSState {
  func_evals: number;
  n_iter: number;
  d?: Tensor;
  t?: number;
  old_dirs?: Tensor[];
  old_stps?: Tensor[];
  ro?: number[];
  H_diag?: number;
  prev_flat_grad?: Tensor;
  prev_loss?: number;
  al?: number[];
}

/**
 * `optim.LBFGS(params, { lr = 1, max_iter = 20, max_eval = max_iter·5/4, tolerance_grad = 1e-7,
 * tolerance_change = 1e-9, history_size = 100, line_search_fn = null })`. One parameter group
 * only, as in PyTorch; `step(closure)` needs the closure.
 * @example
 * const opt = new optim.LBFGS(model.parameters(), { line_search_fn: "strong_wolfe" });
 * opt.step(() => { opt.zero_grad(); const loss = lossFn(); loss.backward(); return loss; });
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  readonly #params: Tensor[];

  /** Checks the hyperparameters as PyTorch does and builds the one parameter group. */
  constructor(
    params: Params<LBFGSOptions>,
    options: Partial<LBFGSOptions> = {},
  ) {
    const max_iter = options.max_iter ?? 20;
    super(params, {
      lr: options.lr ?? 1,
      max_iter,
      max_eval: options.max_eval ?? Math.floor((max_iter * 5) / 4),
      tolerance_grad: options.tolerance_grad ?? 1e-7,
      tolerance_change: options.tolerance_change ?? 1e-9,
      history_size: options.history_size ?? 100,
      line_search_fn: options.line_search_fn ?? null,
    });
    if (this.param_groups.length !== 1) {
      throw new ValueError(
        "LBFGS doesn't support per-parameter options (parameter groups)",
      );
    }
    this.#params = this.param_groups[0].params;
  }

  #gatherFlatGrad(): Tensor {
    return cat(
      this.#params.map((p) =>
        p.grad
          ? p.grad.reshape(-1)
          : zeros([p.numel()], { dtype: p.dtype, device: p.device })
      ),
      0,
    );
  }

  #addGrad(step: number, update: Tensor): void {
    let offset = 0;
    for (const p of this.#params) {
      const n = p.numel();
      p.add_(update.narrow(0, offset, n).view_as(p), { alpha: step });
      offset += n;
    }
  }

  /** One LBFGS step: up to max_iter iterations, each evaluating the closure. */
  step(closure?: Closure): Tensor | number | undefined {
    if (!closure) {
      throw new TypeError(
        "step() missing 1 required positional argument: 'closure'",
      );
    }
    this._step_count++;
    return no_grad(() => this.#run(closure));
  }

  #run(closure: Closure): Tensor | number {
    const value = (v: Tensor | number) =>
      typeof v === "number" ? v : v.item() as number;
    const evaluate = () => value(enable_grad(closure));
    const group = this.param_groups[0];
    const { lr, max_iter, tolerance_grad, tolerance_change, history_size } =
      group;
    const max_eval = group.max_eval as number;
    const lineSearch = group.line_search_fn;
    const raw = this._state(this.#params[0]) as unknown as LBFGSState;
    raw.func_evals ??= 0;
    raw.n_iter ??= 0;
    const state = raw;

    const origLoss = enable_grad(closure);
    let loss = value(origLoss);
    let currentEvals = 1;
    state.func_evals += 1;
    let flatGrad = this.#gatherFlatGrad();
    // PyTorch keeps ys, ro, H_diag, al and the first t as 0-d tensors of the parameters' dtype:
    // in float32, each is rounded there.
    const round = flatGrad.dtype.name === "float32"
      ? Math.fround
      : (x: number) => x;
    let optCond = (flatGrad.abs().max().item() as number) <= tolerance_grad;
    if (optCond) return origLoss;

    let d = state.d, t = state.t;
    let oldDirs = state.old_dirs, oldStps = state.old_stps, ro = state.ro;
    let H = state.H_diag, prevFlatGrad = state.prev_flat_grad;
    let prevLoss = state.prev_loss;
    let n = 0;
    while (n < max_iter) {
      n++;
      state.n_iter++;
      if (state.n_iter === 1) {
        d = flatGrad.neg();
        oldDirs = [];
        oldStps = [];
        ro = [];
        H = 1;
      } else {
        const y = flatGrad.sub(prevFlatGrad!);
        const s = d!.mul(t!);
        const ys = y.dot(s).item() as number;
        if (ys > 1e-10) {
          if (oldDirs!.length === history_size) {
            oldDirs!.shift();
            oldStps!.shift();
            ro!.shift();
          }
          oldDirs!.push(y);
          oldStps!.push(s);
          ro!.push(round(1 / ys));
          H = round(ys / (y.dot(y).item() as number));
        }
        const num = oldDirs!.length;
        state.al ??= Array(history_size).fill(0);
        const al = state.al;
        const q = flatGrad.neg();
        for (let i = num - 1; i >= 0; i--) {
          al[i] = round((oldStps![i].dot(q).item() as number) * ro![i]);
          q.add_(oldDirs![i], { alpha: -al[i] });
        }
        const r = q.mul(H!);
        d = r;
        for (let i = 0; i < num; i++) {
          const be = round((oldDirs![i].dot(r).item() as number) * ro![i]);
          r.add_(oldStps![i], { alpha: round(al[i] - be) });
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;
      if (state.n_iter === 1) {
        // Python's min(1., tensor) keeps the tensor when it is smaller; then t is one too.
        const inv = round(1 / (flatGrad.abs().sum().item() as number));
        t = inv < 1 ? round(inv * lr) : lr;
      } else t = lr;
      const gtd = flatGrad.dot(d!).item() as number;
      if (gtd > -tolerance_change) break;

      let lsEvals = 0;
      if (lineSearch !== null) {
        if (lineSearch !== "strong_wolfe") {
          throw new RuntimeError("only 'strong_wolfe' is supported");
        }
        const x0 = this.#params.map((p) => p.clone());
        const dir = d!;
        const evalAt: Evaluate = (step) => {
          this.#addGrad(step, dir);
          const value = evaluate();
          const grad = this.#gatherFlatGrad();
          this.#params.forEach((p, i) => p.copy_(x0[i]));
          return [value, grad];
        };
        [loss, flatGrad, t, lsEvals] = strongWolfe(
          evalAt,
          t,
          dir,
          loss,
          flatGrad,
          gtd,
        );
        this.#addGrad(t, dir);
        optCond = (flatGrad.abs().max().item() as number) <= tolerance_grad;
      } else {
        this.#addGrad(t, d!);
        if (n !== max_iter) {
          loss = evaluate();
          flatGrad = this.#gatherFlatGrad();
          optCond = (flatGrad.abs().max().item() as number) <= tolerance_grad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      state.func_evals += lsEvals;
      if (n === max_iter) break;
      if (currentEvals >= max_eval) break;
      if (optCond) break;
      if ((d!.mul(t).abs().max().item() as number) <= tolerance_change) break;
      if (Math.abs(loss - prevLoss!) < tolerance_change) break;
    }
    Object.assign(state, {
      d,
      t,
      old_dirs: oldDirs,
      old_stps: oldStps,
      ro,
      H_diag: H,
      prev_flat_grad: prevFlatGrad,
      prev_loss: prevLoss,
    });
    return origLoss;
  }
}
