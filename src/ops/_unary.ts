// The unary elementwise table (one entry per op: kernel, result dtype, gradient) and applyUnary.

import {
  bool,
  type DType,
  get_default_dtype,
  isBarebonesUnsigned,
} from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { complexUnary, deliverComplex } from "../complex.ts";
import type { UnaryOp } from "../backend/backend.ts";
import { canWriteInto, cast } from "./core.ts";
import { thresholdBackward, where } from "./elementwise.ts";
import { is_grad_enabled } from "../autograd/grad_mode.ts";
import { propagate, record } from "../autograd/record.ts";

/** What a unary op returns: `float` promotes integers to the default float, `bool` is a predicate. */
type UnaryResult = "same" | "float" | "bool";

/**
 * One unary op: its result dtype and gradient. The forward is each backend's kernel of the same
 * name (the CPU's expressions are in src/backend/cpu/maps.ts).
 */
interface UnaryDecl {
  result: UnaryResult;
  /** Set when PyTorch refuses bool input, with its message. */
  noBool?: string;
  /** The input gradient from the output gradient g, the input x and the output y. */
  grad?: (g: Tensor, x: Tensor, y: Tensor) => Tensor;
  /** Which of x and y the gradient reads (saved for backward and version-checked). */
  uses?: "x" | "y";
  /** PyTorch's node name when it is not the capitalised op name + "Backward0". */
  node?: string;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

export const notForBool = (kernel: string) =>
  `"${kernel}" not implemented for 'Bool'`;

/** The gradient of a piecewise-constant op (sign, floor, ...): zero, but still part of the graph. */
export const zeroGrad = (g: Tensor) => g.mul(0);

/** PyTorch's node name for an op: `mul` → `MulBackward0`. */
export function nodeName(op: string, variant = 0): string {
  const key = variant === 0 ? op : `${op}/${variant}`;
  let name = NODE_NAMES.get(key);
  if (name === undefined) {
    name = `${op[0].toUpperCase()}${op.slice(1)}Backward${variant}`;
    NODE_NAMES.set(key, name);
  }
  return name;
}

/** nodeName's results, made once each (every recorded op asks). */
const NODE_NAMES = new Map<string, string>();

/** Every unary op of the table: the backends' unary primitives but `round` (which takes options). */
export type UnaryName = Exclude<UnaryOp, "round">;

export const UNARY: Record<UnaryName, UnaryDecl> = {
  neg: {
    result: "same",
    grad: (g) => g.neg(),
    noBool:
      "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  abs: {
    result: "same",
    noBool: notForBool("abs_cpu"),
    grad: (g, x) => g.mul(x.sign()),
    uses: "x",
  },
  // torch.sign(nan) is 0 in 1.13, and sign(-0.0) is 0.
  sign: {
    result: "same",
    grad: zeroGrad,
  },
  exp: {
    result: "float",
    grad: (g, _x, y) => g.mul(y),
    uses: "y",
  },
  log: { result: "float", grad: (g, x) => g.div(x), uses: "x" },
  log1p: {
    result: "float",
    grad: (g, x) => g.div(x.add(1)),
    uses: "x",
    node: "Log1PBackward0",
  },
  expm1: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.add(1)),
    uses: "y",
  },
  sqrt: {
    result: "float",
    grad: (g, _x, y) => g.div(y.mul(2)),
    uses: "y",
  },
  rsqrt: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.pow(3).mul(-0.5)),
    uses: "y",
  },
  sin: {
    result: "float",
    grad: (g, x) => g.mul(x.cos()),
    uses: "x",
  },
  cos: {
    result: "float",
    grad: (g, x) => g.mul(x.sin().neg()),
    uses: "x",
  },
  tan: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).add(1)),
    uses: "y",
  },
  tanh: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).neg().add(1)),
    uses: "y",
  },
  sigmoid: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.neg().add(1).mul(y)),
    uses: "y",
  },
  // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2)
  erf: {
    result: "float",
    grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)),
    uses: "x",
  },
  reciprocal: {
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).neg()),
    uses: "y",
  },
  floor: {
    result: "same",
    noBool: notForBool("floor_vml_cpu"),
    grad: zeroGrad,
  },
  ceil: {
    result: "same",
    noBool: notForBool("ceil_vml_cpu"),
    grad: zeroGrad,
  },
  trunc: {
    result: "same",
    noBool: notForBool("trunc_vml_cpu"),
    grad: zeroGrad,
  },
  relu: {
    result: "same",
    noBool: notForBool("clamp_min_scalar_cpu"),
    // PyTorch's threshold_backward: the gradient is stopped where the output is <= 0 (a NaN
    // output lets it through). One fused pass when no graph is recorded; for a double backward,
    // the same as a differentiable where.
    grad: (g, _x, y) =>
      is_grad_enabled() ? where(y.le(0), 0, g) : thresholdBackward(g, y),
    uses: "y",
  },
  logical_not: { result: "bool" },
  isnan: { result: "bool" },
  isfinite: { result: "bool" },
  isinf: {
    result: "bool",
  },
};

function unaryResultType(decl: UnaryDecl, x: Tensor): DType {
  if (decl.result === "bool") return bool;
  if (decl.result === "float" && !x.dtype.is_floating_point) {
    return get_default_dtype();
  }
  if (decl.noBool && x.dtype === bool) throw new RuntimeError(decl.noBool);
  return x.dtype;
}

/**
 * PyTorch 2.3 gives uint16/32/64 creation, copies, casts and comparisons, but no arithmetic
 * kernels; flambeau raises the same error rather than computing uint64 in doubles (inexact
 * beyond 2^53). Convert first (`x.to(torch.int64)`, `x.double()`) to compute.
 */
export function checkUnsignedArithmetic(op: string, ...xs: unknown[]): void {
  for (const x of xs) {
    if (x instanceof Tensor && isBarebonesUnsigned(x.dtype)) {
      throw new RuntimeError(
        `"${op}" not implemented for '${x.dtype.scalar_name}'`,
      );
    }
  }
}

/**
 * Applies a unary op from the table: the one place unary results are computed. With `into` (an
 * out= tensor or self for in-place) the result is written there when `canWriteInto` allows, and
 * `into` is returned; otherwise a new tensor.
 */
export function applyUnary(
  name: UnaryName,
  x: Tensor,
  into?: Tensor,
): Tensor {
  if (x.dtype.is_complex) {
    if (into === x && name === "abs") {
      throw new RuntimeError(
        "In-place abs is not supported for complex tensors.",
      );
    }
    return deliverComplex(complexUnary(name, x), into);
  }
  const decl: UnaryDecl = UNARY[name];
  if (decl.result !== "bool") checkUnsignedArithmetic(name, x);
  const dtype = unaryResultType(decl, x);
  // Predicates read the input as it is; the others compute in the result dtype.
  const input = decl.result === "bool" ? x : cast(x, dtype);
  const backend = x.storage.backend;
  if (canWriteInto(into, x._shape, dtype, backend, [x])) {
    backend.ops.unary(name, input._view(), into._view(), x._shape);
    into._bump();
    return into;
  }
  const out = Tensor.empty(x._shape, dtype, backend);
  backend.ops.unary(name, input._view(), out._view(), out._shape);
  const grad = decl.grad;
  if (!grad) {
    propagate([x], [out]);
    return out;
  }
  record({
    name: decl.node ?? nodeName(name),
    inputs: [x],
    outputs: [out],
    save: decl.uses === "x" ? [x] : decl.uses === "y" ? [out] : [],
    backward: (
      [g],
      saved,
    ) => [
      grad(
        g,
        decl.uses === "x" ? saved[0] : x,
        decl.uses === "y" ? saved[0] : out,
      ),
    ],
  });
  return out;
}
