// The unary elementwise table (one entry per op: kernel, result dtype, gradient) and applyUnary.

import { bool, type DType, get_default_dtype } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import * as cpu from "../backend/cpu/elementwise.ts";
import { erf } from "./_math.ts";
import { cast } from "./core.ts";
import { where } from "./elementwise.ts";
import { propagate, record } from "../autograd/record.ts";

/** What a unary op returns: `float` promotes integers to the default float, `bool` is a predicate. */
type UnaryResult = "same" | "float" | "bool";

interface UnaryDecl {
  f: (x: number) => number;
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
  return `${op[0].toUpperCase()}${op.slice(1)}Backward${variant}`;
}

/** The unary table: one line per op. */
/** Every unary op; the table below must have exactly these keys. */
export type UnaryName =
  | "neg"
  | "abs"
  | "sign"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "sigmoid"
  | "erf"
  | "reciprocal"
  | "floor"
  | "ceil"
  | "trunc"
  | "relu"
  | "logical_not"
  | "isnan"
  | "isfinite"
  | "isinf";

export const UNARY: Record<UnaryName, UnaryDecl> = {
  neg: {
    f: (x) => -x,
    result: "same",
    grad: (g) => g.neg(),
    noBool:
      "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  abs: {
    f: Math.abs,
    result: "same",
    noBool: notForBool("abs_cpu"),
    grad: (g, x) => g.mul(x.sign()),
    uses: "x",
  },
  // torch.sign(nan) is 0 in 1.13, and sign(-0.0) is 0.
  sign: {
    f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
    result: "same",
    grad: zeroGrad,
  },
  exp: {
    f: Math.exp,
    result: "float",
    grad: (g, _x, y) => g.mul(y),
    uses: "y",
  },
  log: { f: Math.log, result: "float", grad: (g, x) => g.div(x), uses: "x" },
  log1p: {
    f: Math.log1p,
    result: "float",
    grad: (g, x) => g.div(x.add(1)),
    uses: "x",
    node: "Log1PBackward0",
  },
  expm1: {
    f: Math.expm1,
    result: "float",
    grad: (g, _x, y) => g.mul(y.add(1)),
    uses: "y",
  },
  sqrt: {
    f: Math.sqrt,
    result: "float",
    grad: (g, _x, y) => g.div(y.mul(2)),
    uses: "y",
  },
  rsqrt: {
    f: (x) => 1 / Math.sqrt(x),
    result: "float",
    grad: (g, _x, y) => g.mul(y.pow(3).mul(-0.5)),
    uses: "y",
  },
  sin: {
    f: Math.sin,
    result: "float",
    grad: (g, x) => g.mul(x.cos()),
    uses: "x",
  },
  cos: {
    f: Math.cos,
    result: "float",
    grad: (g, x) => g.mul(x.sin().neg()),
    uses: "x",
  },
  tan: {
    f: Math.tan,
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).add(1)),
    uses: "y",
  },
  tanh: {
    f: Math.tanh,
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).neg().add(1)),
    uses: "y",
  },
  sigmoid: {
    f: (x) => 1 / (1 + Math.exp(-x)),
    result: "float",
    grad: (g, _x, y) => g.mul(y.neg().add(1).mul(y)),
    uses: "y",
  },
  // d/dx erf(x) = 2/sqrt(pi) * exp(-x^2)
  erf: {
    f: erf,
    result: "float",
    grad: (g, x) => g.mul(x.mul(x).neg().exp().mul(TWO_OVER_SQRT_PI)),
    uses: "x",
  },
  reciprocal: {
    f: (x) => 1 / x,
    result: "float",
    grad: (g, _x, y) => g.mul(y.mul(y).neg()),
    uses: "y",
  },
  floor: {
    f: Math.floor,
    result: "same",
    noBool: notForBool("floor_vml_cpu"),
    grad: zeroGrad,
  },
  ceil: {
    f: Math.ceil,
    result: "same",
    noBool: notForBool("ceil_vml_cpu"),
    grad: zeroGrad,
  },
  trunc: {
    f: Math.trunc,
    result: "same",
    noBool: notForBool("trunc_vml_cpu"),
    grad: zeroGrad,
  },
  relu: {
    f: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x),
    result: "same",
    noBool: notForBool("clamp_min_scalar_cpu"),
    // PyTorch's threshold_backward: the gradient passes where the output is positive.
    grad: (g, _x, y) => where(y.gt(0), g, 0),
    uses: "y",
  },
  logical_not: { f: (x) => (x === 0 ? 1 : 0), result: "bool" },
  isnan: { f: (x) => (x !== x ? 1 : 0), result: "bool" },
  isfinite: { f: (x) => (Number.isFinite(x) ? 1 : 0), result: "bool" },
  isinf: {
    f: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
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

/** Applies a unary op from the table: the one place unary results are computed. */
export function applyUnary(name: UnaryName, x: Tensor): Tensor {
  const decl: UnaryDecl = UNARY[name];
  const dtype = unaryResultType(decl, x);
  // Predicates read the input as it is; the others compute in the result dtype.
  const input = decl.result === "bool" ? x : cast(x, dtype);
  const out = Tensor.empty(x._shape, dtype);
  cpu.unary(decl.f, input._operand(), out._operand(), out._shape);
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
