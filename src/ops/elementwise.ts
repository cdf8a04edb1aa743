// Elementwise ops, declared once in two tables (unary, binary); functions, methods, in-place and
// `out=` forms are generated from the tables.

import { bool, type DType, get_default_dtype, result_type } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes, broadcastStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import * as cpu from "../backend/cpu/elementwise.ts";
import { parseArgs } from "./_args.ts";
import { erf, pyMod, roundHalfEven } from "./_math.ts";
import { cast, deliver, type OutOptions, scalarTensor } from "./core.ts";
import { nonzero } from "./indexing.ts";
import { propagate, record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";

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

const notForBool = (kernel: string) => `"${kernel}" not implemented for 'Bool'`;

/** The gradient of a piecewise-constant op (sign, floor, ...): zero, but still part of the graph. */
const zeroGrad = (g: Tensor) => g.mul(0);

/** PyTorch's node name for an op: `mul` → `MulBackward0`. */
function nodeName(op: string, variant = 0): string {
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

const isT = (v: TensorOrScalar | null): v is Tensor => v instanceof Tensor;
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

function asOperand(v: TensorOrScalar) {
  if (v instanceof Tensor) return { dtype: v.dtype, dim: v.dim() };
  if (typeof v === "number" || typeof v === "boolean") return v;
  throw new TypeError(
    `expected a Tensor or a number, but got ${v === null ? "null" : typeof v}`,
  );
}

function isBool(v: TensorOrScalar): boolean {
  return v instanceof Tensor ? v.dtype === bool : typeof v === "boolean";
}

function toTensor(v: TensorOrScalar, dtype: DType): Tensor {
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

/** `torch.add(input, other, { alpha, out })`: input + alpha * other. */
export function add(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOptions = {},
): Tensor {
  return deliver(withAlpha("add", input, other, opts.alpha), opts.out);
}

/** `torch.sub(input, other, { alpha, out })`: input - alpha * other. */
export function sub(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOptions = {},
): Tensor {
  return deliver(withAlpha("sub", input, other, opts.alpha), opts.out);
}

function withAlpha(
  name: "add" | "sub",
  a: TensorOrScalar,
  b: TensorOrScalar,
  alpha = 1,
): Tensor {
  if (alpha === 1) return applyBinary(name, a, b);
  const common = result_type(asOperand(a), asOperand(b));
  if (!common.is_floating_point && !Number.isInteger(alpha)) {
    throw new RuntimeError(
      "For integral input tensors, argument alpha must not be a floating point number.",
    );
  }
  const s = common.name === "float32" ? Math.fround(alpha) : alpha;
  return applyBinary(
    name,
    a,
    b,
    name === "add" ? (x, y) => x + s * y : (x, y) => x - s * y,
    alpha,
  );
}

/** `torch.div(input, other, { rounding_mode, out })`: true division, or "trunc" / "floor". */
export function div(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { rounding_mode?: "trunc" | "floor" | null } & OutOptions = {},
): Tensor {
  const mode = opts.rounding_mode ?? null;
  if (mode !== null && mode !== "trunc" && mode !== "floor") {
    throw new RuntimeError(
      `div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${
        String(mode)
      }'`,
    );
  }
  const name = mode === null
    ? "div"
    : mode === "trunc"
    ? "div_trunc"
    : "div_floor";
  return deliver(applyBinary(name, input, other), opts.out);
}

/** `torch.clamp(input, min, max)`: either bound may be null; bounds may be tensors. */
export function clamp(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("clamp", args, ["min", "max"], {
    min: null as TensorOrScalar | null,
    max: null as TensorOrScalar | null,
    out: undefined as Tensor | undefined,
  });
  if (o.min === null && o.max === null) {
    throw new RuntimeError(
      "torch.clamp: At least one of 'min' or 'max' must not be None",
    );
  }
  const { min, max } = o;
  const r = no_grad(() => clampValues(input, min, max));
  // The gradient passes to the input where it lies within the bounds, and to a tensor bound
  // where the input is beyond it (PyTorch's clamp_backward_min_max, ties go to the input).
  const tensorBounds = min instanceof Tensor || max instanceof Tensor;
  record({
    name: tensorBounds ? "ClampBackward0" : "ClampBackward1",
    inputs: [input, min, max],
    outputs: [r],
    save: [input, ...[min, max].filter(isT)],
    backward: ([g], [x]) => {
      const both = min !== null && max !== null;
      let keep: Tensor;
      if (min !== null && max !== null) keep = x.ge(min).logical_and(x.le(max));
      else keep = min !== null ? x.ge(min) : x.le(max!);
      const toMin = min !== null && isT(min)
        ? where(
          both
            ? x.lt(min).logical_and(applyBinary("lt", min, max!))
            : x.lt(min),
          g,
          0,
        )
        : undefined;
      const toMax = max !== null && isT(max)
        ? where(
          both ? x.gt(max).logical_or(applyBinary("lt", max, min!)) : x.gt(max),
          g,
          0,
        )
        : undefined;
      return [where(keep, g, 0), toMin, toMax];
    },
  });
  return deliver(r, o.out);
}

function clampValues(
  input: Tensor,
  min: TensorOrScalar | null,
  max: TensorOrScalar | null,
): Tensor {
  const o = { min, max };
  let r: Tensor = input;
  // PyTorch applies min first, then max, so max wins when min > max; NaN in input propagates.
  if (o.min !== null) {
    r = applyBinary(
      "maximum",
      r,
      o.min,
      (x, lo) => (x !== x ? x : x < lo ? lo : x),
    );
  }
  if (o.max !== null) {
    r = applyBinary(
      "minimum",
      r,
      o.max,
      (x, hi) => (x !== x ? x : x > hi ? hi : x),
    );
  }
  return r;
}

/** `torch.round(input, { decimals })`: half to even, as PyTorch. */
export function round(
  input: Tensor,
  opts: { decimals?: number } & OutOptions = {},
): Tensor {
  const d = opts.decimals ?? 0;
  if (d === 0) {
    if (input.dtype === bool) {
      throw new RuntimeError(notForBool("round_vml_cpu"));
    }
    if (!input.dtype.is_floating_point) {
      return deliver(cast(input, input.dtype, true), opts.out);
    }
    // round(x, decimals=0) is the decimals overload in PyTorch, with its own node name.
    const node = opts.decimals === undefined
      ? "RoundBackward0"
      : "RoundBackward1";
    return deliver(mapSame(input, roundHalfEven, node), opts.out);
  }
  const scale = Math.pow(10, Math.abs(d));
  const f = d > 0
    ? (x: number) => roundHalfEven(x * scale) / scale
    : (x: number) => roundHalfEven(x / scale) * scale;
  return deliver(mapSame(input, f, "RoundBackward1"), opts.out);
}

function mapSame(x: Tensor, f: (v: number) => number, node: string): Tensor {
  const out = Tensor.empty(x._shape, x.dtype);
  cpu.unary(f, x._operand(), out._operand(), x._shape);
  record({
    name: node,
    inputs: [x],
    outputs: [out],
    backward: ([g]) => [zeroGrad(g)],
  });
  return out;
}

/**
 * `torch.where(condition, input, other)`: elements of input where condition holds, else other.
 * `torch.where(condition)` alone is `torch.nonzero(condition, { as_tuple: true })`.
 */
export function where(condition: Tensor): Tensor[];
/**
 * `torch.where(condition, input, other)`: broadcasts the three and promotes input and other.
 *
 * ```ts
 * torch.where(torch.tensor([true, false]), 1, 0); // [1, 0]
 * ```
 */
export function where(
  condition: Tensor,
  input: TensorOrScalar,
  other: TensorOrScalar,
): Tensor;
export function where(
  condition: Tensor,
  input?: TensorOrScalar,
  other?: TensorOrScalar,
): Tensor | Tensor[] {
  if (input === undefined && other === undefined) {
    return nonzero(condition, { as_tuple: true }) as Tensor[];
  }
  if (input === undefined || other === undefined) {
    throw new TypeError(
      "where() received an invalid combination of arguments - got (Tensor, Tensor), but expected one of:\n" +
        " * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other)",
    );
  }
  if (condition.dtype !== bool && condition.dtype.name !== "uint8") {
    throw new RuntimeError(
      `where expected condition to be a boolean tensor, but got a tensor with dtype ${condition.dtype.scalar_name}`,
    );
  }
  const dtype = result_type(asOperand(input), asOperand(other));
  const x = toTensor(input, dtype), y = toTensor(other, dtype);
  const shape = broadcastShapes(condition._shape, x._shape, y._shape);
  const out = Tensor.empty(shape, dtype);
  const op = (t: Tensor) => ({
    data: t.storage.data,
    offset: t.storage_offset_,
    strides: broadcastStrides(t._shape, t._strides, shape),
  });
  cpu.ternary(
    (c, p, q) => (c !== 0 ? p : q),
    op(condition),
    op(x),
    op(y),
    out._operand(),
    shape,
  );
  record({
    name: "WhereBackward0",
    inputs: [condition, input, other],
    outputs: [out],
    save: [condition],
    backward: ([g], [c]) => [undefined, where(c, g, 0), where(c, 0, g)],
  });
  return out;
}
