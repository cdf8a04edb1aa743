// Elementwise ops, declared once in two tables (unary, binary); functions, methods, in-place and
// `out=` forms are generated from the tables.

import { bool, type DType, get_default_dtype, result_type } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes, broadcastStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import * as cpu from "../backend/cpu/elementwise.ts";
import { parseArgs } from "./_args.ts";
import { erf, pyMod, roundHalfEven } from "./_math.ts";
import { assignInPlace, cast, deliver, scalarTensor } from "./core.ts";
import { nonzero } from "./indexing.ts";

/** What a unary op returns: `float` promotes integers to the default float, `bool` is a predicate. */
type UnaryResult = "same" | "float" | "bool";

interface UnaryDecl {
  f: (x: number) => number;
  result: UnaryResult;
  /** Set when PyTorch refuses bool input, with its message. */
  noBool?: string;
}

const notForBool = (kernel: string) => `"${kernel}" not implemented for 'Bool'`;

/** The unary table: one line per op. */
export const UNARY = {
  neg: {
    f: (x) => -x,
    result: "same",
    noBool:
      "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  abs: { f: Math.abs, result: "same", noBool: notForBool("abs_cpu") },
  // torch.sign(nan) is 0 in 1.13, and sign(-0.0) is 0.
  sign: { f: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), result: "same" },
  exp: { f: Math.exp, result: "float" },
  log: { f: Math.log, result: "float" },
  log1p: { f: Math.log1p, result: "float" },
  expm1: { f: Math.expm1, result: "float" },
  sqrt: { f: Math.sqrt, result: "float" },
  rsqrt: { f: (x) => 1 / Math.sqrt(x), result: "float" },
  sin: { f: Math.sin, result: "float" },
  cos: { f: Math.cos, result: "float" },
  tan: { f: Math.tan, result: "float" },
  tanh: { f: Math.tanh, result: "float" },
  sigmoid: { f: (x) => 1 / (1 + Math.exp(-x)), result: "float" },
  erf: { f: erf, result: "float" },
  reciprocal: { f: (x) => 1 / x, result: "float" },
  floor: { f: Math.floor, result: "same", noBool: notForBool("floor_vml_cpu") },
  ceil: { f: Math.ceil, result: "same", noBool: notForBool("ceil_vml_cpu") },
  trunc: { f: Math.trunc, result: "same", noBool: notForBool("trunc_vml_cpu") },
  relu: {
    f: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x),
    result: "same",
    noBool: notForBool("clamp_min_scalar_cpu"),
  },
  logical_not: { f: (x) => (x === 0 ? 1 : 0), result: "bool" },
  isnan: { f: (x) => (x !== x ? 1 : 0), result: "bool" },
  isfinite: { f: (x) => (Number.isFinite(x) ? 1 : 0), result: "bool" },
  isinf: {
    f: (x) => (x === Infinity || x === -Infinity ? 1 : 0),
    result: "bool",
  },
} satisfies Record<string, UnaryDecl>;

export type UnaryName = keyof typeof UNARY;

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
}

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
export const BINARY = {
  add: { f: (a, b) => a + b, result: "arith" },
  sub: {
    f: (a, b) => a - b,
    result: "arith",
    noBool:
      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead.",
    noBoolOperand:
      "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.",
  },
  mul: { f: (a, b) => a * b, result: "arith" },
  div: { f: (a, b) => a / b, result: "float" },
  div_trunc: {
    f: (a, b) => Math.trunc(a / b),
    result: "arith",
    intZeroDivision: true,
  },
  div_floor: {
    f: (a, b) => Math.floor(a / b),
    result: "arith",
    intZeroDivision: true,
  },
  remainder: { f: pyMod, result: "arith", intZeroDivision: true },
  fmod: { f: (a, b) => a % b, result: "arith", intZeroDivision: true },
  pow: { f: Math.pow, int: intPow, result: "arith" },
  maximum: {
    f: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
    result: "arith",
  },
  minimum: {
    f: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
    result: "arith",
  },
  atan2: { f: Math.atan2, result: "float" },
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
} satisfies Record<string, BinaryDecl>;

export type BinaryName = keyof typeof BINARY;

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
  return out;
}

type OutOpt = { out?: Tensor };

/** `torch.add(input, other, { alpha, out })`: input + alpha * other. */
export function add(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOpt = {},
): Tensor {
  return deliver(withAlpha("add", input, other, opts.alpha), opts.out);
}

/** `torch.sub(input, other, { alpha, out })`: input - alpha * other. */
export function sub(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOpt = {},
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
  );
}

/** `torch.div(input, other, { rounding_mode, out })`: true division, or "trunc" / "floor". */
export function div(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { rounding_mode?: "trunc" | "floor" | null } & OutOpt = {},
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
  return deliver(r, o.out);
}

/** `torch.round(input, { decimals })`: half to even, as PyTorch. */
export function round(
  input: Tensor,
  opts: { decimals?: number } & OutOpt = {},
): Tensor {
  const d = opts.decimals ?? 0;
  if (d === 0) {
    if (input.dtype === bool) {
      throw new RuntimeError(notForBool("round_vml_cpu"));
    }
    if (!input.dtype.is_floating_point) {
      return deliver(cast(input, input.dtype, true), opts.out);
    }
    return deliver(mapSame(input, roundHalfEven), opts.out);
  }
  const scale = Math.pow(10, Math.abs(d));
  const f = d > 0
    ? (x: number) => roundHalfEven(x * scale) / scale
    : (x: number) => roundHalfEven(x / scale) * scale;
  return deliver(mapSame(input, f), opts.out);
}

function mapSame(x: Tensor, f: (v: number) => number): Tensor {
  const out = Tensor.empty(x._shape, x.dtype);
  cpu.unary(f, x._operand(), out._operand(), x._shape);
  return out;
}

/**
 * `torch.where(condition, input, other)`: elements of input where condition holds, else other.
 * `torch.where(condition)` alone is `torch.nonzero(condition, { as_tuple: true })`.
 */
export function where(condition: Tensor): Tensor[];
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
  return out;
}

/** Writes an op's result into `self`, for the generated `op_` methods. */
export function inPlace(self: Tensor, result: Tensor): Tensor {
  return assignInPlace(self, result);
}
