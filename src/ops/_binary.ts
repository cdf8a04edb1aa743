// The binary elementwise table (kernels, promotion rules, gradients), applyBinary and recordBinary.

import { bool, type DType, get_default_dtype, result_type } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes, broadcastStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import * as cpu from "../backend/cpu/elementwise.ts";
import { pyMod } from "./_math.ts";
import { cast, scalarTensor } from "./core.ts";
import { where } from "./elementwise.ts";
import { nodeName, zeroGrad } from "./_unary.ts";
import { propagate, record } from "../autograd/record.ts";

/** What a binary op returns: arithmetic in the promoted dtype, true division in a float, or bool. */
type BinaryResult = "arith" | "float" | "bool";

interface BinaryDecl {
  f: (a: number, b: number) => number;
  /** An integer version where the float formula would be wrong (division, powers). */
  int?: (a: number, b: number) => number;
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

function intPow(a: number, b: number): number {
  if (b < 0) {
    if (a === 1) return 1;
    if (a === -1) return b % 2 === 0 ? 1 : -1;
    throw new RuntimeError(
      "Integers to negative integer powers are not allowed.",
    );
  }
  return Math.pow(a, b);
}

/** The binary table: one line per op. */
/** Every binary op; the table below must have exactly these keys. */
export type BinaryName =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "div_trunc"
  | "div_floor"
  | "remainder"
  | "fmod"
  | "pow"
  | "maximum"
  | "minimum"
  | "atan2"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logical_and"
  | "logical_or"
  | "logical_xor";

export const BINARY: Record<BinaryName, BinaryDecl> = {
  add: {
    f: (a, b) => a + b,
    result: "arith",
    da: (g) => g,
    db: (g, _a, _b, _y, alpha) => (alpha === 1 ? g : g.mul(alpha)),
  },
  sub: {
    f: (a, b) => a - b,
    result: "arith",
    da: (g) => g,
    db: (g, _a, _b, _y, alpha) => g.mul(-alpha),
    noBool:
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    noBoolOperand:
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  mul: {
    f: (a, b) => a * b,
    result: "arith",
    da: (g, _a, b) => g.mul(b),
    db: (g, a) => g.mul(a),
    uses: { a: ["b"], b: ["a"] },
  },
  div: {
    f: (a, b) => a / b,
    result: "float",
    da: (g, _a, b) => g.div(b),
    db: (g, a, b) => g.mul(a).div((b as Tensor).mul(b)).neg(),
    uses: { a: ["b"], b: ["a", "b"] },
  },
  div_trunc: {
    f: (a, b) => Math.trunc(a / b),
    result: "arith",
    intZeroDivision: true,
    da: zeroGrad,
    db: zeroGrad,
    node: () => "DivBackward2",
  },
  div_floor: {
    f: (a, b) => Math.floor(a / b),
    result: "arith",
    intZeroDivision: true,
    da: zeroGrad,
    db: zeroGrad,
    node: () => "DivBackward2",
  },
  remainder: {
    f: pyMod,
    result: "arith",
    intZeroDivision: true,
    da: (g) => g,
    db: (g, a, b) => g.mul(applyBinary("div_floor", a, b)).neg(),
    uses: { b: ["a", "b"] },
    node: (_a, b) => (isT(b) ? "RemainderBackward1" : "RemainderBackward0"),
  },
  fmod: {
    f: (a, b) => a % b,
    result: "arith",
    intZeroDivision: true,
    da: (g) => g,
    db: (g, a, b) => g.mul(applyBinary("div_trunc", a, b)).neg(),
    uses: { b: ["a", "b"] },
    node: (_a, b) => (isT(b) ? "FmodBackward1" : "FmodBackward0"),
  },
  pow: {
    f: Math.pow,
    int: intPow,
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
    f: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
    result: "arith",
    da: maxGrad(true),
    db: maxGrad(false),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  minimum: {
    f: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
    result: "arith",
    da: minGrad(true),
    db: minGrad(false),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  // d atan2(a, b) = (b da - a db) / (a^2 + b^2)
  atan2: {
    f: Math.atan2,
    result: "float",
    da: (g, a, b) =>
      g.mul(b).div((a as Tensor).mul(a).add((b as Tensor).mul(b))),
    db: (g, a, b) =>
      g.mul(a).neg().div((a as Tensor).mul(a).add((b as Tensor).mul(b))),
    uses: { a: ["a", "b"], b: ["a", "b"] },
  },
  eq: { f: (a, b) => (a === b ? 1 : 0), result: "bool", castInputs: true },
  ne: { f: (a, b) => (a !== b ? 1 : 0), result: "bool", castInputs: true },
  lt: { f: (a, b) => (a < b ? 1 : 0), result: "bool", castInputs: true },
  le: { f: (a, b) => (a <= b ? 1 : 0), result: "bool", castInputs: true },
  gt: { f: (a, b) => (a > b ? 1 : 0), result: "bool", castInputs: true },
  ge: { f: (a, b) => (a >= b ? 1 : 0), result: "bool", castInputs: true },
  logical_and: { f: (a, b) => (a !== 0 && b !== 0 ? 1 : 0), result: "bool" },
  logical_or: { f: (a, b) => (a !== 0 || b !== 0 ? 1 : 0), result: "bool" },
  logical_xor: {
    f: (a, b) => ((a !== 0) !== (b !== 0) ? 1 : 0),
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

/** Applies a binary op from the table with broadcasting and PyTorch's type promotion. */
export function applyBinary(
  name: BinaryName,
  a: TensorOrScalar,
  b: TensorOrScalar,
  f?: (x: number, y: number) => number,
  alpha = 1,
): Tensor {
  const decl: BinaryDecl = BINARY[name];
  const common = result_type(asOperand(a), asOperand(b));
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
  const x = compute
    ? toTensor(a, compute)
    : toTensor(a, a instanceof Tensor ? a.dtype : common);
  const y = compute
    ? toTensor(b, compute)
    : toTensor(b, b instanceof Tensor ? b.dtype : common);
  const shape = broadcastShapes(x._shape, y._shape);
  const integral = compute !== undefined && !compute.is_floating_point;
  if (integral && decl.intZeroDivision && y.eq(0).any().item()) {
    throw new RuntimeError("ZeroDivisionError");
  }
  let fn = f ?? (integral && decl.int ? decl.int : decl.f);
  if (outDtype === bool && decl.result !== "bool") {
    const g = fn;
    fn = (p, q) => (g(p, q) !== 0 ? 1 : 0);
  }
  const out = Tensor.empty(shape, outDtype);
  cpu.binary(
    fn,
    {
      data: x.storage.data,
      offset: x.storage_offset_,
      strides: broadcastStrides(x._shape, x._strides, shape),
    },
    {
      data: y.storage.data,
      offset: y.storage_offset_,
      strides: broadcastStrides(y._shape, y._strides, shape),
    },
    out._operand(),
    shape,
  );
  recordBinary(name, decl, a, b, out, alpha);
  return out;
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
  if (!da || !db) {
    propagate([a, b], [out]);
    return;
  }
  const needA = isT(a) && a.requires_grad, needB = isT(b) && b.requires_grad;
  const wanted = [
    ...(needA ? decl.uses?.a ?? [] : []),
    ...(needB ? decl.uses?.b ?? [] : []),
  ];
  // Saved in the fixed order a, b, y: the order `get` below reads them back.
  const uses = (["a", "b", "y"] as const).filter((k) => wanted.includes(k));
  const slots = { a, b, y: out } as const;
  const saved = uses.map((k) => slots[k]).filter(isT);
  record({
    name: decl.node?.(a, b) ?? nodeName(name),
    inputs: [a, b],
    outputs: [out],
    save: saved,
    backward: ([g], unpacked) => {
      // Tensors come back from the saved list (version-checked); scalars are constants.
      let k = 0;
      const get = (
        key: "a" | "b" | "y",
      ) => (uses.includes(key) && isT(slots[key]) ? unpacked[k++] : slots[key]);
      const [sa, sb, sy] = [get("a"), get("b"), get("y")] as [
        TensorOrScalar,
        TensorOrScalar,
        Tensor,
      ];
      return [
        needA ? da(g, sa, sb, sy, alpha) : undefined,
        needB ? db(g, sa, sb, sy, alpha) : undefined,
      ];
    },
  });
}
