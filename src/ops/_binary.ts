// The binary elementwise table (kernels, promotion rules, gradients), applyBinary and recordBinary.

import {
  bool,
  type DType,
  get_default_dtype,
  isBarebonesUnsigned,
  result_type,
} from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { complexBinary } from "../complex.ts";
import type { BinaryOp, ViewOrScalar } from "../backend/backend.ts";
import {
  backendOf,
  broadcastView,
  canWriteInto,
  cast,
  roundScalar,
  scalarTensor,
} from "./core.ts";
import { where } from "./elementwise.ts";
import { checkUnsignedArithmetic, nodeName, zeroGrad } from "./_unary.ts";
import { propagate, record } from "../autograd/record.ts";
import { is_grad_enabled } from "../autograd/grad_mode.ts";

/** What a binary op returns: arithmetic in the promoted dtype, true division in a float, or bool. */
type BinaryResult = "arith" | "float" | "bool";

/**
 * One binary op: promotion rule, checks and gradients. The forward is each backend's kernel of the
 * same name (the CPU's expressions are in src/backend/cpu/maps.ts).
 */
interface BinaryDecl {
  result: BinaryResult;
  /** PyTorch computes comparisons in the promoted dtype; logical ops only look at truthiness. */
  castInputs?: boolean;
  /** Set when both-bool input is refused, with PyTorch's message. */
  noBool?: string;
  /** Set when one bool operand (a bool tensor or a JS boolean) is refused too, with PyTorch's message. */
  noBoolOperand?: string;
  /** Integer division by zero raises instead of returning garbage. */
  intZeroDivision?: boolean;
  /** Gradient for the first operand (g, a, b, output, alpha); called only when a requires grad. */
  da?: (
    g: Tensor,
    a: TensorOrScalar,
    b: TensorOrScalar,
    y: Tensor,
    alpha: number,
  ) => Tensor;
  /** Gradient for the second operand. */
  db?: (
    g: Tensor,
    a: TensorOrScalar,
    b: TensorOrScalar,
    y: Tensor,
    alpha: number,
  ) => Tensor;
  /**
   * What each gradient reads among a, b and the output. Only what the needed gradients read is
   * saved (and version-checked), as PyTorch does: `x * 2` saves nothing, `x * w` saves both.
   */
  uses?: { a?: readonly Slot[]; b?: readonly Slot[] };
  /** PyTorch's node name, when it depends on which operands are tensors. */
  node?: (a: TensorOrScalar, b: TensorOrScalar) => string;
}

export const isT = (v: TensorOrScalar | null): v is Tensor =>
  v instanceof Tensor;
type Slot = "a" | "b" | "y";

/** pow's gradients, as PyTorch's pow_backward_self / pow_backward_exponent. */
function powGradBase(g: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const base = a as Tensor;
  const dydx = isT(b)
    ? b.mul(base.pow(b.sub(1)))
    : Number(b) === 0
    ? base.mul(0)
    : base.pow(Number(b) - 1).mul(b);
  return isT(b) ? g.mul(where(b.eq(0), 0, dydx)) : g.mul(dydx);
}

function powGradExponent(
  g: Tensor,
  a: TensorOrScalar,
  _b: TensorOrScalar,
  y: Tensor,
): Tensor {
  // d/db a^b = a^b log(a), taken as 0 where a == 0 and b >= 0 (PyTorch's convention).
  if (!isT(a)) {
    return Number(a) === 0 ? g.mul(0) : g.mul(y.mul(Math.log(Number(a))));
  }
  const b = _b as Tensor;
  return g.mul(where(a.eq(0).logical_and(b.ge(0)), 0, y.mul(a.log())));
}

/** maximum/minimum: the gradient goes to the larger (smaller) operand, split evenly on ties. */
function extremeGrad(keepWhere: "gt" | "lt") {
  return (first: boolean) =>
  (g: Tensor, a: TensorOrScalar, b: TensorOrScalar) => {
    const [self, other] = first ? [a as Tensor, b] : [b as Tensor, a];
    const shared = where(self.eq(other), g.div(2), g);
    return where(
      keepWhere === "gt" ? self.lt(other) : self.gt(other),
      0,
      shared,
    );
  };
}
const maxGrad = extremeGrad("gt"), minGrad = extremeGrad("lt");

/** Every binary op of the table: the backends' binary primitives but the clamps. */
export type BinaryName = Exclude<
  BinaryOp,
  "clamp_min" | "clamp_max" | "threshold_backward"
>;

export const BINARY: Record<BinaryName, BinaryDecl> = {
  add: {
    result: "arith",
    da: (g) => g,
    db: (g, _a, _b, _y, alpha) => (alpha === 1 ? g : g.mul(alpha)),
  },
  sub: {
    result: "arith",
    da: (g) => g,
    db: (g, _a, _b, _y, alpha) => g.mul(-alpha),
    noBool:
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    noBoolOperand:
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  mul: {
    result: "arith",
    da: (g, _a, b) => g.mul(b),
    db: (g, a) => g.mul(a),
    uses: { a: ["b"], b: ["a"] },
  },
  div: {
    result: "float",
    da: (g, _a, b) => g.div(b),
    db: (g, a, b) => g.mul(a).div((b as Tensor).mul(b)).neg(),
    uses: { a: ["b"], b: ["a", "b"] },
  },
  div_trunc: {
    result: "arith",
    intZeroDivision: true,
    da: zeroGrad,
    db: zeroGrad,
    node: () => "DivBackward2",
  },
  div_floor: {
    result: "arith",
    intZeroDivision: true,
    da: zeroGrad,
    db: zeroGrad,
    node: () => "DivBackward2",
  },
  remainder: {
    result: "arith",
    intZeroDivision: true,
    da: (g) => g,
    db: (g, a, b) => g.mul(applyBinary("div_floor", a, b)).neg(),
    uses: { b: ["a", "b"] },
    node: (_a, b) => (isT(b) ? "RemainderBackward1" : "RemainderBackward0"),
  },
  fmod: {
    result: "arith",
    intZeroDivision: true,
    da: (g) => g,
    db: (g, a, b) => g.mul(applyBinary("div_trunc", a, b)).neg(),
    uses: { b: ["a", "b"] },
    node: (_a, b) => (isT(b) ? "FmodBackward1" : "FmodBackward0"),
  },
  pow: {
    result: "arith",
    da: powGradBase,
    db: powGradExponent,
    uses: { a: ["a", "b"], b: ["a", "b", "y"] },
    node: (
      a,
      b,
    ) => (!isT(a) ? "PowBackward2" : isT(b) ? "PowBackward1" : "PowBackward0"),
  },
  maximum: {
    result: "arith",
    da: maxGrad(true),
    db: maxGrad(false),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  minimum: {
    result: "arith",
    da: minGrad(true),
    db: minGrad(false),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
  atan2: {
    result: "float",
    da: (g, a, b) =>
      g.mul(b).div((a as Tensor).mul(a).add((b as Tensor).mul(b))),
    db: (g, a, b) =>
      g.mul(a).neg().div((a as Tensor).mul(a).add((b as Tensor).mul(b))),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  eq: { result: "bool", castInputs: true },
  ne: { result: "bool", castInputs: true },
  lt: { result: "bool", castInputs: true },
  le: { result: "bool", castInputs: true },
  gt: { result: "bool", castInputs: true },
  ge: { result: "bool", castInputs: true },
  logical_and: { result: "bool" },
  logical_or: { result: "bool" },
  logical_xor: {
    result: "bool",
  },
};

/** A tensor operand or a JS scalar, as PyTorch's binary ops accept. */
export type TensorOrScalar = Tensor | number | boolean;

export function asOperand(v: TensorOrScalar) {
  if (v instanceof Tensor) return { dtype: v.dtype, dim: v.dim() };
  if (typeof v === "number" || typeof v === "boolean") return v;
  throw new TypeError(
    `expected a Tensor or a number, but got ${v === null ? "null" : typeof v}`,
  );
}

function isBool(v: TensorOrScalar): boolean {
  return v instanceof Tensor ? v.dtype === bool : typeof v === "boolean";
}

export function toTensor(v: TensorOrScalar, dtype: DType): Tensor {
  return v instanceof Tensor ? cast(v, dtype) : scalarTensor(v, dtype);
}

/**
 * Applies a binary op from the table with broadcasting and PyTorch's type promotion. `kernel`
 * runs a different primitive under the same rules (clamp's bounds); `alpha` scales b in add/sub.
 * With `into` (an out= tensor, or self for in-place) the result is written there when
 * `canWriteInto` allows, and `into` is returned; otherwise a new tensor.
 */
export function applyBinary(
  name: BinaryName,
  a: TensorOrScalar,
  b: TensorOrScalar,
  alpha = 1,
  kernel: BinaryOp = name,
  into?: Tensor,
): Tensor {
  if (
    (a instanceof Tensor && a.dtype.is_complex) ||
    (b instanceof Tensor && b.dtype.is_complex)
  ) {
    return complexBinary(kernel === name ? name : kernel, a, b, alpha, into);
  }
  const decl: BinaryDecl = BINARY[name];
  const common = result_type(asOperand(a), asOperand(b));
  if (decl.result !== "bool" && isBarebonesUnsigned(common)) {
    checkUnsignedArithmetic(name, a, b);
  }
  if (decl.noBool && common === bool) throw new RuntimeError(decl.noBool);
  if (decl.noBoolOperand && (isBool(a) || isBool(b))) {
    throw new RuntimeError(decl.noBoolOperand);
  }
  const outDtype = decl.result === "bool"
    ? bool
    : decl.result === "float" && !common.is_floating_point
    ? get_default_dtype()
    : common;
  const compute = decl.result === "bool" && !decl.castInputs
    ? undefined
    : decl.result === "float"
    ? outDtype
    : common;
  const backend = backendOf(...hostScalarsAside(a, b));
  const operand = (v: TensorOrScalar): Tensor | number => {
    if (v instanceof Tensor) {
      // A 0-d CPU tensor beside a tensor on another device enters as a scalar, as in PyTorch.
      if (v.storage.backend !== backend) {
        return roundScalar(v.item(), compute ?? v.dtype);
      }
      return compute ? cast(v, compute) : v;
    }
    return roundScalar(v, compute ?? common);
  };
  const x = operand(a), y = operand(b);
  const shape = broadcastShapes(shapeOf(x), shapeOf(y));
  const integral = compute !== undefined && !compute.is_floating_point;
  if (
    integral && decl.intZeroDivision &&
    (y instanceof Tensor ? y.eq(0).any().item() : y === 0)
  ) {
    throw new RuntimeError("ZeroDivisionError");
  }
  const view = (v: Tensor | number): ViewOrScalar =>
    v instanceof Tensor ? broadcastView(v, shape) : v;
  // alpha is a scalar of the compute dtype, as PyTorch's Vectorized<scalar_t>(alpha): rounded to
  // float32 or bfloat16 (the product and sum then round once).
  const s = alpha !== 1 &&
      (common.name === "float32" || common.name === "bfloat16")
    ? roundScalar(alpha, common)
    : alpha;
  if (
    into !== undefined &&
    canWriteInto(into, shape, outDtype, backend, [a, b, x, y])
  ) {
    backend.ops.binary(kernel, view(x), view(y), into._view(), shape, s);
    into._bump();
    return into;
  }
  const out = Tensor.empty(shape, outDtype, backend);
  backend.ops.binary(kernel, view(x), view(y), out._view(), shape, s);
  recordBinary(name, decl, a, b, out, alpha);
  return out;
}

const NO_DIMS: number[] = [];
const shapeOf = (
  v: Tensor | number,
) => (v instanceof Tensor ? v._shape : NO_DIMS);

/** The tensors whose device decides where an op runs: 0-d CPU tensors defer to the others. */
function hostScalarsAside(a: TensorOrScalar, b: TensorOrScalar): unknown[] {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) return [a, b];
  if (a.storage.device === b.storage.device) return [a];
  if (a.dim() === 0 && a.storage.device === "cpu") return [b];
  if (b.dim() === 0 && b.storage.device === "cpu") return [a];
  return [a, b];
}

/** Links a binary op's output to its tensor operands, saving what its gradients read. */
function recordBinary(
  name: string,
  decl: BinaryDecl,
  a: TensorOrScalar,
  b: TensorOrScalar,
  out: Tensor,
  alpha: number,
): void {
  const { da, db } = decl;
  const needA = isT(a) && a.requires_grad, needB = isT(b) && b.requires_grad;
  if (!da || !db || !(needA || needB) || !is_grad_enabled()) {
    propagate([a, b], [out]);
    return;
  }
  // What the needed gradients read; saved in the fixed order a, b, y, as backward reads them.
  const ua = needA ? decl.uses?.a : undefined,
    ub = needB ? decl.uses?.b : undefined;
  const wants = (k: "a" | "b" | "y") =>
    (ua !== undefined && ua.includes(k)) ||
    (ub !== undefined && ub.includes(k));
  const keepA = isT(a) && wants("a"), keepB = isT(b) && wants("b");
  const keepY = wants("y");
  const saved: Tensor[] = [];
  if (keepA) saved.push(a);
  if (keepB) saved.push(b);
  if (keepY) saved.push(out);
  record({
    name: decl.node?.(a, b) ?? nodeName(name),
    inputs: [a, b],
    outputs: [out],
    save: saved,
    backward: ([g], unpacked) => {
      // Tensors come back from the saved list (version-checked); scalars are constants.
      let k = 0;
      const sa = keepA ? unpacked[k++] : a;
      const sb = keepB ? unpacked[k++] : b;
      const sy = keepY ? unpacked[k++] : out;
      return [
        needA ? da(g, sa, sb, sy, alpha) : undefined,
        needB ? db(g, sa, sb, sy, alpha) : undefined,
      ];
    },
  });
}
