// Spread and size reductions: var, std (with their _mean forms), norm and logsumexp.

import { get_default_dtype } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { dimList, parseArgs } from "./_args.ts";
import { deliver, dtypeArg, scalarTypeName } from "./core.ts";
import { where } from "./elementwise.ts";
import { mean } from "./reduce.ts";
import {
  build,
  dimArgs,
  fold,
  reduced,
  rowsOf,
  shareAmongTies,
  sumRow,
} from "./_rows.ts";

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
  const means = fold(r, (row) => sumRow(row) / row.length);
  const variance = fold(r, (row) => {
    const m = sumRow(row) / row.length;
    let ss = 0;
    for (let i = 0; i < row.length; i++) ss += (row[i] - m) * (row[i] - m);
    return ss / Math.max(row.length - correction, 0);
  });
  const result = (values: Float64Array) =>
    build(values, r.outShape, input.dtype);
  const n = r.len - correction;
  // d var / dx = 2 (x - mean) / (N - correction); d std = d var / (2 std).
  const centered = (x: Tensor) => x.sub(x.mean(r.dims, { keepdim: true }));
  const varOut = () =>
    reduced(
      "VarBackward0",
      input,
      r,
      variance,
      input.dtype,
      (g, x) => g.mul(centered(x)).mul(2 / n),
    );
  const stdOut = () =>
    reduced(
      "StdBackward0",
      input,
      r,
      variance.map(Math.sqrt),
      input.dtype,
      (g, x, y) => g.mul(centered(x)).div(y.mul(n)),
    );
  return { out: o.out, result, means, variance, varOut, stdOut };
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
  const f = (row: Float64Array): number => {
    if (p === Infinity) {
      return row.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
    }
    if (p === -Infinity) {
      return row.reduce((a, v) => Math.min(a, Math.abs(v)), Infinity);
    }
    if (p === 0) return row.reduce((a, v) => a + (v !== 0 ? 1 : 0), 0);
    if (p === 2) return Math.sqrt(row.reduce((a, v) => a + v * v, 0));
    return Math.pow(
      row.reduce((a, v) => a + Math.pow(Math.abs(v), p), 0),
      1 / p,
    );
  };
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
    reduced("NormBackward1", input, r, fold(r, f), dtype, grad),
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
      fold(r, (row) => {
        let m = -Infinity;
        for (const v of row) if (v > m) m = v;
        if (m === -Infinity || m === Infinity) {
          return m === Infinity ? Infinity : Math.log(0);
        }
        let s = 0;
        for (const v of row) s += Math.exp(v - m);
        return m + Math.log(s);
      }),
      dtype,
      (g, x, y) => g.mul(x.sub(y).exp()),
    ),
    o.out,
  );
}
