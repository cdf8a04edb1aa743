// Spread and size reductions: var, std (with their _mean forms), norm and logsumexp. Each is a
// composition of primitives computed in float64 (as the first wave's double rows were), recorded
// as one node with PyTorch's name and gradient.

import { float64, get_default_dtype } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { dimList, parseArgs } from "./_args.ts";
import { cast, deliver, dtypeArg, scalarTypeName } from "./core.ts";
import { where } from "./elementwise.ts";
import { mean } from "./reduce.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { dimArgs, reduced, rowsOf, shareAmongTies } from "./_rows.ts";

/** input's values in float64 (where its device has float64), outside the graph. */
const doubles = (input: Tensor) =>
  cast(
    input.detach(),
    input.storage.backend.float64 === false ? input.dtype : float64,
  );

function varArgs(fn: string, input: Tensor, args: unknown[]) {
  // PyTorch's legacy form var(input, unbiased: bool) is accepted too.
  const legacy = typeof args[0] === "boolean";
  const o = parseArgs(fn, legacy ? args.slice(1) : args, [
    "dim",
    "unbiased",
    "keepdim",
  ], {
    dim: undefined as number | number[] | undefined | null,
    unbiased: legacy ? args[0] as boolean : undefined as boolean | undefined,
    keepdim: false,
    correction: undefined as number | undefined,
    out: undefined as Tensor | undefined,
  });
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `${
        fn === "var" || fn === "std" ? "std and var" : fn
      } only support floating point and complex dtypes`,
    );
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  const r = rowsOf(input, dimList(o.dim), o.keepdim, fn);
  const variance = no_grad(() => {
    const x = doubles(input);
    const d = x.sub(x.mean(r.dims, { keepdim: true }));
    return d.mul(d).sum(r.dims, { keepdim: r.keepdim }).div(
      Math.max(r.len - correction, 0),
    );
  });
  const n = r.len - correction;
  // d var / dx = 2 (x - mean) / (N - correction); d std = d var / (2 std).
  const centered = (x: Tensor) => x.sub(x.mean(r.dims, { keepdim: true }));
  const varOut = () =>
    reduced(
      "VarBackward0",
      input,
      r,
      cast(variance, input.dtype),
      (g, x) => g.mul(centered(x)).mul(2 / n),
    );
  const stdOut = () =>
    reduced(
      "StdBackward0",
      input,
      r,
      cast(no_grad(() => variance.sqrt()), input.dtype),
      (g, x, y) => g.mul(centered(x)).div(y.mul(n)),
    );
  return { out: o.out, varOut, stdOut };
}

/** `torch.var(input, dim?, { correction = 1, unbiased, keepdim })`. */
export function var_(input: Tensor, ...args: unknown[]): Tensor {
  const { out, varOut } = varArgs("var", input, args);
  return deliver(varOut(), out);
}

/** `torch.std(input, dim?, { correction = 1, unbiased, keepdim })`. */
export function std(input: Tensor, ...args: unknown[]): Tensor {
  const { out, stdOut } = varArgs("std", input, args);
  return deliver(stdOut(), out);
}

/**
 * `torch.var_mean(input, dim?, { correction = 1, unbiased, keepdim })`: [var, mean] in one pass.
 * @example const [v, m] = torch.var_mean(x, 1);
 */
export function var_mean(input: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const { varOut } = varArgs("var_mean", input, args);
  return [varOut(), mean(input, ...meanArgs(args))];
}

/** `torch.std_mean(input, dim?, { correction = 1, unbiased, keepdim })`: [std, mean]. */
export function std_mean(input: Tensor, ...args: unknown[]): [Tensor, Tensor] {
  const { stdOut } = varArgs("std_mean", input, args);
  return [stdOut(), mean(input, ...meanArgs(args))];
}

/** The arguments of var_mean/std_mean that mean takes too (dim and keepdim). */
function meanArgs(args: unknown[]): unknown[] {
  const legacy = typeof args[0] === "boolean";
  const o = parseArgs("var_mean", legacy ? args.slice(1) : args, [
    "dim",
    "unbiased",
    "keepdim",
  ], {
    dim: undefined as number | number[] | undefined | null,
    unbiased: undefined as boolean | undefined,
    keepdim: false,
    correction: undefined as number | undefined,
    out: undefined as Tensor | undefined,
  });
  return [{ dim: o.dim, keepdim: o.keepdim }];
}

/** `torch.norm(input, p = "fro", dim?, keepdim?)`: vector p-norms, inf and -inf included. */
export function norm(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("norm", args, ["p", "dim", "keepdim"], {
    p: "fro" as number | "fro",
    dim: undefined as number | number[] | undefined | null,
    keepdim: false,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `norm(): input dtype should be either floating point or complex. Got ${
        scalarTypeName(input.dtype)
      } instead.`,
    );
  }
  const p = o.p === "fro" ? 2 : o.p;
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "norm");
  const dims = r.dims, keepdim = r.keepdim;
  const values = no_grad(() => {
    const x = doubles(input);
    if (p === Infinity) return x.abs().amax(dims, keepdim);
    if (p === -Infinity) return x.abs().amin(dims, keepdim);
    if (p === 0) return cast(x.ne(0), x.dtype).sum(dims, { keepdim });
    if (p === 2) return x.mul(x).sum(dims, { keepdim }).sqrt();
    return x.abs().pow(p).sum(dims, { keepdim }).pow(1 / p);
  });
  // d|x|_p / dx = x |x|^(p-2) / |x|_p^(p-1); inf-norms share among the extreme |x|, as PyTorch.
  const grad = (g: Tensor, x: Tensor, y: Tensor): Tensor => {
    if (p === 0) return g.mul(0);
    if (p === 1) return g.mul(x.sign());
    if (p === Infinity || p === -Infinity) {
      return shareAmongTies(g, x.abs(), y, r).mul(x.sign());
    }
    if (p === 2) return where(y.eq(0), 0, g.mul(x).div(y));
    return where(
      y.eq(0),
      0,
      g.mul(x).mul(x.abs().pow(p - 2)).div(y.pow(p - 1)),
    );
  };
  const dtype = dtypeArg(o.dtype) ?? input.dtype;
  return deliver(
    reduced("NormBackward1", input, r, cast(values, dtype), grad),
    o.out,
  );
}

/** `torch.logsumexp(input, dim, keepdim?)`: log(sum(exp(x))) without overflow. */
export function logsumexp(input: Tensor, ...args: unknown[]): Tensor {
  const o = dimArgs("logsumexp", args);
  if (o.dim === undefined || o.dim === null) {
    throw new TypeError("logsumexp() missing required argument 'dim'");
  }
  const r = rowsOf(input, dimList(o.dim), o.keepdim, "logsumexp");
  const dtype = input.dtype.is_floating_point
    ? input.dtype
    : get_default_dtype();
  return deliver(
    reduced(
      "LogsumexpBackward0",
      input,
      r,
      no_grad(() => {
        const x = doubles(input);
        // An empty row sums to 0, whose log is -inf.
        if (r.len === 0) {
          return cast(x.sum(r.dims, { keepdim: r.keepdim }).log(), dtype);
        }
        // Shifting by the max keeps exp in range; an infinite max shifts by 0 instead.
        const m = x.amax(r.dims, true);
        const shift = where(m.isinf(), 0, m);
        const s = x.sub(shift).exp().sum(r.dims, { keepdim: true }).log();
        return cast(s.add(shift).reshape(r.outShape), dtype);
      }),
      (g, x, y) => g.mul(x.sub(y).exp()),
    ),
    o.out,
  );
}
