// CPU elementwise kernels: copy with casting, fill, and the unary, binary and where maps. Each op
// is one expression over doubles; _loops.ts turns it into a loop per (op, dtypes) at first use.

import { type DTypeName, DTYPES, type StorageArray } from "../../dtype.ts";
import { RuntimeError } from "../../errors.ts";
import type { BinaryOp, UnaryOp, View, ViewOrScalar } from "../backend.ts";
import { erf, pyMod, roundHalfEven } from "../math.ts";
import {
  compile,
  elementwiseBody,
  flatBody,
  type Helpers,
  isContiguous,
  type LoopOperand,
  readAs,
  storeAs,
  storedScalar,
} from "./_loops.ts";
import {
  type RowValues,
  wasmExp32,
  wasmExp32On,
  wasmMap,
  wasmMapsOn,
  wasmMapsOp,
} from "./wasm_maps.ts";
import { contiguousStrides } from "../../shape.ts";
import { exp32 } from "./exp32.ts";
import { splitExp32 } from "./exp_split.ts";
import { inPlaceExp32, inPlaceMap } from "./inplace.ts";
import { mayBeInPlace } from "./wasm_storage.ts";
import { transposeCopy } from "./transpose.ts";

type Arr = StorageArray;
type CpuView = View<Arr>;
type Operand = ViewOrScalar<Arr>;

/** Rounds half to even at `decimals` places, as `torch.round(x, decimals=d)`. */
function roundTo(x: number, decimals: number): number {
  if (decimals === 0) return roundHalfEven(x);
  const scale = Math.pow(10, Math.abs(decimals));
  return decimals > 0
    ? roundHalfEven(x * scale) / scale
    : roundHalfEven(x / scale) * scale;
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

// Data-dependent choices are made without a branch: on signed data a branch per element is
// mispredicted half the time, which costs six times the loop (measured: x.gt(0) of 301k random
// floats, 1.65 ms with `a > b ? 1 : 0`, 0.28 ms with `+(a > b)`). A choice between two values
// writes both into SEL and reads back the one its 0/1 index names.
const SEL = new Float64Array(2);

const HELPERS = { erf, pyMod, roundTo, intPow, exp32, RuntimeError, SEL };

/** Each unary op as an expression of `a` (and `P`, its parameter). */
const UNARY: Record<UnaryOp, string> = {
  neg: "-a",
  abs: "Math.abs(a)",
  // torch.sign(nan) is 0 in 1.13, and sign(-0.0) is 0.
  sign: "(+(a > 0) - +(a < 0))",
  exp: "Math.exp(a)",
  log: "Math.log(a)",
  log1p: "Math.log1p(a)",
  expm1: "Math.expm1(a)",
  sqrt: "Math.sqrt(a)",
  rsqrt: "1 / Math.sqrt(a)",
  sin: "Math.sin(a)",
  cos: "Math.cos(a)",
  tan: "Math.tan(a)",
  tanh: "Math.tanh(a)",
  sigmoid: "1 / (1 + Math.exp(-a))",
  erf: "erf(a)",
  reciprocal: "1 / a",
  floor: "Math.floor(a)",
  ceil: "Math.ceil(a)",
  trunc: "Math.trunc(a)",
  // NaN and -0 pass through relu, as in PyTorch.
  relu: "(SEL[0] = a, SEL[1] = 0, SEL[+(a < 0)])",
  logical_not: "+(a === 0)",
  isnan: "+(a !== a)",
  isfinite: "+(a - a === 0)",
  isinf: "+(Math.abs(a) === Infinity)",
  round: "roundTo(a, P)",
};

/** Each binary op as an expression of `a` and `b` (`P` is add's and sub's alpha). */
const BINARY: Record<BinaryOp, string> = {
  add: "a + P * b",
  sub: "a - P * b",
  mul: "a * b",
  div: "a / b",
  div_trunc: "Math.trunc(a / b)",
  div_floor: "Math.floor(a / b)",
  remainder: "pyMod(a, b)",
  fmod: "a % b",
  pow: "Math.pow(a, b)",
  maximum: "(SEL[0] = b, SEL[1] = a, SEL[+(a > b) | +(a !== a)])",
  minimum: "(SEL[0] = b, SEL[1] = a, SEL[+(a < b) | +(a !== a)])",
  atan2: "Math.atan2(a, b)",
  eq: "+(a === b)",
  ne: "+(a !== b)",
  lt: "+(a < b)",
  le: "+(a <= b)",
  gt: "+(a > b)",
  ge: "+(a >= b)",
  logical_and: "(+(a !== 0) & +(b !== 0))",
  logical_or: "(+(a !== 0) | +(b !== 0))",
  logical_xor: "(+(a !== 0) ^ +(b !== 0))",
  // A NaN input stays; a bound applies where it is exceeded, and where it is NaN (a tensor bound's
  // NaN is the result, as PyTorch's; the op drops a NaN number bound before it comes here).
  clamp_min: "(SEL[0] = a, SEL[1] = b, SEL[+(a < b) | +(b !== b)])",
  clamp_max: "(SEL[0] = a, SEL[1] = b, SEL[+(a > b) | +(b !== b)])",
  threshold_backward: "(SEL[0] = a, SEL[1] = 0, SEL[+(b <= 0)])",
};

/** Integer formulas where the float one would be wrong. */
const BINARY_INT: Partial<Record<BinaryOp, string>> = {
  pow: "intPow(a, b)",
  div_trunc: "(b === 0 ? 0 : Math.trunc(a / b))",
  div_floor: "(b === 0 ? 0 : Math.floor(a / b))",
  maximum: "(SEL[0] = b, SEL[1] = a, SEL[+(a > b)])",
  minimum: "(SEL[0] = b, SEL[1] = a, SEL[+(a < b)])",
};

/** Cache keys of the four variants of each binary kernel (integer or float formula, alpha or not). */
const keys = (suffix: string) =>
  Object.fromEntries(
    (Object.keys(BINARY) as BinaryOp[]).map((op) => [op, `${op}${suffix}`]),
  ) as Record<BinaryOp, string>;
const FLOAT = keys(":f"), FLOAT_ALPHA = keys(":fa");
const INT = keys(":i"), INT_ALPHA = keys(":ia");

const PARAMS = [
  "shape",
  "O",
  "Oo",
  "Os",
  "A",
  "Ao",
  "As",
  "B",
  "Bo",
  "Bs",
  "C",
  "Co",
  "Cs",
  "P",
];

type Kernel = (
  shape: readonly number[],
  O: Arr,
  Oo: number,
  Os: readonly number[],
  A: Arr | number,
  Ao: number,
  As: readonly number[],
  B?: Arr | number,
  Bo?: number,
  Bs?: readonly number[],
  C?: Arr | number,
  Co?: number,
  Cs?: readonly number[],
  P?: number,
) => void;

/** Compiled kernels, by key, then output dtype, then each input's dtype ("" for a scalar). */
type Cache = Map<string, Cache | Kernel>;
const kernels: Cache = new Map();

type Flat = (
  ...args: [...Parameters<Kernel>, number]
) => void;

/**
 * The kernel computing `expr()` of the inputs (named a, b, c) into an output of dtype `out`;
 * each input is an array of its dtype or, for null, a scalar. The lookup builds no string: this
 * runs on every op call.
 */
function kernel(
  key: string,
  expr: () => string,
  out: DTypeName,
  inputs: (DTypeName | null)[],
  options: { raw?: boolean; tiled?: boolean; helpers?: () => Helpers } = {},
): Kernel {
  let level = kernels;
  for (let i = -1; i < inputs.length; i++) {
    const part = i < 0 ? key : inputs[i] ?? "";
    let next = level.get(part) as Cache | undefined;
    if (!next) level.set(part, next = new Map());
    level = next;
  }
  let k = level.get(out) as Kernel | undefined;
  if (k) return k;
  const names = ["A", "B", "C"];
  const operands: LoopOperand[] = [{ name: "O", scalar: false }];
  inputs.forEach((d, i) =>
    operands.push({ name: names[i], scalar: d === null })
  );
  const element = (idx: Record<string, string>) => {
    const reads = inputs.map((d, i) => {
      const v = names[i].toLowerCase();
      if (d === null) return `const ${v} = ${names[i]};`;
      const src = `${names[i]}[${idx[names[i]]}]`;
      return `const ${v} = ${options.raw ? src : readAs(d, src)};`;
    });
    const value = options.raw ? expr() : storeAs(out, expr());
    return `${reads.join(" ")} O[${idx.O}] = ${value};`;
  };
  const helpers = { ...HELPERS, ...options.helpers?.() };
  const name = [key, ...inputs.map((d) => d ?? "scalar"), out].join("_");
  const flat = compile<Flat>(
    [...PARAMS, "N"],
    flatBody(operands, element),
    helpers,
    `${name}_flat`,
  );
  const strided = compile<Kernel>(
    PARAMS,
    elementwiseBody(operands, element, {
      tiled: options.tiled,
      strided: true,
    }),
    helpers,
    `${name}_strided`,
  );
  // The dispatcher is generated too, so each kernel's call sites stay monomorphic.
  const contiguous = ["O", ...names.filter((_, i) => inputs[i] !== null)]
    .slice(0, 1 + inputs.length)
    .map((x) => `isContiguous(shape, ${x}s)`).join(" && ");
  const args = PARAMS.join(", ");
  k = compile<Kernel>(
    PARAMS,
    `let n = 1;
for (let i = 0; i < shape.length; i++) n *= shape[i];
if (${contiguous}) flat(${args}, n);
else strided(${args});`,
    { flat, strided },
    name,
  );
  level.set(out, k);
  return k;
}

/** A scalar operand's slot: the value, and a dummy offset and strides. */
function unpack(x: Operand): [Arr | number, number, readonly number[]] {
  return typeof x !== "object" ? [x, 0, []] : [x.buffer, x.offset, x.strides];
}

const dtypeOf = (x: Operand) => (typeof x !== "object" ? null : x.dtype);

/** dst = src, converting as PyTorch's copy_. */
export function copy(
  dst: CpuView,
  src: CpuView,
  shape: readonly number[],
): void {
  // bool and uint8 share Uint8Array, bfloat16 and uint16 Uint16Array: those are not the same values.
  const same = dst.dtype === src.dtype ||
    !BITS.has(dst.dtype) && !BITS.has(src.dtype) &&
      sameArrayType(dst.buffer, src.buffer);
  if (
    same && isContiguous(shape, dst.strides) &&
    isContiguous(shape, src.strides)
  ) {
    let n = 1;
    for (const d of shape) n *= d;
    (dst.buffer as Float32Array).set(
      (src.buffer as Float32Array).subarray(src.offset, src.offset + n),
      dst.offset,
    );
    return;
  }
  if (transposeCopy(dst, src, shape)) return;
  // Same dtype copies the elements as they are (int64 stays BigInt, exactly), and so do int64 and
  // uint64 between them (two's complement, as C casts); else read and store convert (to bool:
  // nonzero).
  const raw = dst.dtype === src.dtype;
  const big = BIG.has(dst.dtype) && BIG.has(src.dtype);
  // From a 64-bit integer to a narrower one: the low bits, as a C cast keeps them (through a
  // double, values beyond 2^53 would lose them); the typed array's store wraps to its width.
  const narrow = BIG.has(src.dtype) && NARROW_INTS.has(dst.dtype);
  // From a float to a signed or narrow integer: x86's conversion, which PyTorch's numbers are.
  // NaN, infinities and values out of range give int64's (or int32's) minimum, and the narrow
  // types keep int32's low bits.
  const x86 = FLOATS.has(src.dtype) && X86_INTS.has(dst.dtype);
  kernel(
    raw
      ? "copy"
      : big
      ? "cast64"
      : narrow
      ? "castLow"
      : x86
      ? "castX86"
      : "cast",
    () =>
      big
        ? `BigInt.as${dst.dtype === "int64" ? "Int" : "Uint"}N(64, a)`
        : narrow
        ? "low32(a)"
        : x86 && dst.dtype === "int64"
        ? `f2i64(${readAs(src.dtype, "a")})`
        : x86
        ? "(a > -2147483649 && a < 2147483648 ? a : -2147483648)"
        : "a",
    dst.dtype,
    [src.dtype],
    {
      raw: raw || big || narrow || (x86 && dst.dtype === "int64"),
      tiled: true,
    },
  )(
    shape,
    dst.buffer,
    dst.offset,
    dst.strides,
    src.buffer,
    src.offset,
    src.strides,
  );
}

/** dtypes whose array holds a representation, not the value (so no plain array copy across). */
const BITS = new Set<DTypeName>(["bool", "bfloat16"]);
const BIG = new Set<DTypeName>(["int64", "uint64"]);
const NARROW_INTS = new Set<DTypeName>([
  "int32",
  "int16",
  "int8",
  "uint8",
  "uint16",
  "uint32",
]);
const X86_INTS = new Set<DTypeName>([
  "int64",
  "int32",
  "int16",
  "int8",
  "uint8",
  "uint16",
]);
const FLOATS = new Set<DTypeName>([
  "float16",
  "bfloat16",
  "float32",
  "float64",
]);

function sameArrayType(a: Arr, b: Arr): boolean {
  return Object.getPrototypeOf(a) === Object.getPrototypeOf(b);
}

/** Every element of dst set to value. */
export function fill(
  dst: CpuView,
  value: number,
  shape: readonly number[],
): void {
  const v = storedScalar(dst.dtype, value);
  if (isContiguous(shape, dst.strides)) {
    let n = 1;
    for (const d of shape) n *= d;
    (dst.buffer as Float32Array).fill(v as number, dst.offset, dst.offset + n);
    return;
  }
  kernel("fill", () => "a", dst.dtype, [null], { raw: true })(
    shape,
    dst.buffer,
    dst.offset,
    dst.strides,
    v as number,
    0,
    [],
  );
}

export function unary(
  op: UnaryOp,
  x: CpuView,
  out: CpuView,
  shape: readonly number[],
  param = 0,
): void {
  const n = count(shape);
  if (
    op === "relu" && out.dtype === "float32" && x.dtype === "float32" &&
    n >= 1024 && isContiguous(shape, out.strides) &&
    isContiguous(shape, x.strides)
  ) {
    const o = out.buffer as Float32Array, a = x.buffer as Float32Array;
    if (
      mayBeInPlace(n) && wasmMapsOn() &&
      inPlaceMap(op, o, out.offset, a, x.offset, null, 0, n)
    ) return;
    if (wasmMapsOp(op, n)) {
      wasmMap(op, o, out.offset, a, x.offset, null, 0, n);
    } else relu32(out.buffer, out.offset, x.buffer, x.offset, n);
    return;
  }
  const f32 = op === "exp" && out.dtype === "float32";
  if (f32 && x.dtype === "float32" && wasmExp32On(n)) {
    exp32Lanes(x, out, shape, n);
    return;
  }
  kernel(f32 ? "exp32" : op, () => f32 ? "exp32(a)" : UNARY[op], out.dtype, [
    x.dtype,
  ])(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    x.buffer,
    x.offset,
    x.strides,
    undefined,
    0,
    [],
    undefined,
    0,
    [],
    param,
  );
}

/**
 * float32 exp through the SIMD kernel (wasmExp32), which gives exp32's bits four times as fast
 * as its JavaScript form (25 ns an element under V8): a strided operand goes through a
 * contiguous copy.
 */
function exp32Lanes(
  x: CpuView,
  out: CpuView,
  shape: readonly number[],
  n: number,
): void {
  const flat = contiguousStrides(shape);
  const dense = (v: CpuView): CpuView =>
    isContiguous(shape, v.strides) ? v : {
      buffer: new Float32Array(n),
      dtype: "float32",
      offset: 0,
      strides: flat,
    };
  const src = dense(x), dst = dense(out);
  if (src !== x) copy(src, x, shape);
  const O = dst.buffer as Float32Array, A = src.buffer as Float32Array;
  if (
    !(mayBeInPlace(n) && inPlaceExp32(O, dst.offset, A, src.offset, n)) &&
    !splitExp32(O, dst.offset, A, src.offset, n)
  ) {
    wasmExp32(O, dst.offset, A, src.offset, n);
  }
  if (dst !== out) copy(out, dst, shape);
}

function count(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/**
 * relu of a large contiguous float32 tensor on the bits, branch-free: with signs at random the
 * compare-and-select form mispredicts half its branches (1.2 GB/s against 12). An element is
 * zeroed when it is below zero: sign set, magnitude nonzero (-0 stays, as in PyTorch) and at
 * most infinity's (NaN stays).
 */
function relu32(O: Arr, Oo: number, A: Arr, Ao: number, n: number): void {
  const o = new Int32Array(O.buffer, O.byteOffset + 4 * Oo, n);
  const a = new Int32Array(A.buffer, A.byteOffset + 4 * Ao, n);
  for (let i = 0; i < n; i++) {
    // bits + 0x7fffffff (mod 2^32) maps the negative floats, 0x80000001 to 0xff800000 (-inf), to
    // 0 to 0x7f7fffff; the comparison's 0 or 1, less 1, is the mask that keeps the rest.
    const bits = a[i];
    o[i] = bits & (+(((bits + 0x7fffffff) >>> 0) < 0x7f800000) - 1);
  }
}

export function binary(
  op: BinaryOp,
  a: Operand,
  b: Operand,
  out: CpuView,
  shape: readonly number[],
  alpha = 1,
): void {
  const compute = dtypeOf(a) ?? dtypeOf(b);
  if (compute !== null && BIG.has(compute) && COMPARE.has(op)) {
    compareBig(op, a, b, out, shape);
    return;
  }
  if (float32Map(op, a, b, out, shape, alpha)) return;
  const integral = compute !== null && !FLOATS.has(compute);
  const [A, Ao, As] = unpack(a), [B, Bo, Bs] = unpack(b);
  const variant = integral
    ? (alpha === 1 ? INT : INT_ALPHA)
    : (alpha === 1 ? FLOAT : FLOAT_ALPHA);
  kernel(
    variant[op],
    () => {
      const expr = (integral && BINARY_INT[op]) || BINARY[op];
      return alpha === 1 ? expr.replace("P * b", "b") : expr;
    },
    out.dtype,
    [dtypeOf(a), dtypeOf(b)],
  )(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    A,
    Ao,
    As,
    B,
    Bo,
    Bs,
    undefined,
    0,
    [],
    alpha,
  );
}

/**
 * A binary op of contiguous float32 tensors of one shape (or a tensor and a scalar that float32
 * holds exactly, so that the lanes compute what the JavaScript kernel's doubles round to), through
 * the WebAssembly SIMD maps where they take it; false when it is not theirs.
 */
function float32Map(
  op: BinaryOp,
  a: Operand,
  b: Operand,
  out: CpuView,
  shape: readonly number[],
  alpha: number,
): boolean {
  if (
    out.dtype !== "float32" || typeof a !== "object" || a.dtype !== "float32" ||
    (typeof b === "object" ? b.dtype !== "float32" : Math.fround(b) !== b)
  ) {
    return false;
  }
  const n = count(shape);
  const perRow = typeof b === "object" && !isContiguous(shape, b.strides);
  if (
    alpha === 1 && !perRow && mayBeInPlace(n) && wasmMapsOn() &&
    isContiguous(shape, out.strides) && isContiguous(shape, a.strides) &&
    inPlaceMap(
      op,
      out.buffer as Float32Array,
      out.offset,
      a.buffer as Float32Array,
      a.offset,
      typeof b === "object" ? b.buffer as Float32Array : b,
      typeof b === "object" ? b.offset : 0,
      n,
    )
  ) {
    return true;
  }
  if (
    !wasmMapsOp(op, n, alpha, perRow, typeof b !== "object") ||
    !isContiguous(shape, out.strides) ||
    !isContiguous(shape, a.strides)
  ) {
    return false;
  }
  const B = typeof b !== "object"
    ? b
    : !perRow
    ? b.buffer as Float32Array
    : rowValues(b, shape);
  if (B === null) return false;
  wasmMap(
    op as Parameters<typeof wasmMap>[0],
    out.buffer as Float32Array,
    out.offset,
    a.buffer as Float32Array,
    a.offset,
    B,
    typeof b === "object" ? b.offset : 0,
    n,
    alpha,
  );
  return true;
}

/**
 * b's value for each row of `shape`'s trailing dims along which b is broadcast (stride 0), when
 * those rows hold at least 16 elements (a channel bias added to N×C×H×W); null otherwise.
 */
function rowValues(b: CpuView, shape: readonly number[]): RowValues | null {
  let k = shape.length, L = 1;
  while (k > 0 && (b.strides[k - 1] === 0 || shape[k - 1] === 1)) {
    L *= shape[--k];
  }
  if (L < 16) return null;
  const rows = count(shape) / L, values = new Float32Array(rows);
  const B = b.buffer as Float32Array, index = new Array(k).fill(0);
  for (let r = 0, at = b.offset; r < rows; r++) {
    values[r] = B[at];
    for (let d = k - 1; d >= 0; d--) {
      at += b.strides[d];
      if (++index[d] < shape[d]) break;
      at -= b.strides[d] * shape[d];
      index[d] = 0;
    }
  }
  return { values, L };
}

const COMPARE = new Set<BinaryOp>(["eq", "ne", "lt", "le", "gt", "ge"]);

/**
 * Comparisons of int64 and uint64 compare the BigInts themselves: through doubles, values beyond
 * 2^53 that differ would compare equal. Both operands have the same dtype (the op casts them);
 * an integer scalar becomes a BigInt.
 */
function compareBig(
  op: BinaryOp,
  a: Operand,
  b: Operand,
  out: CpuView,
  shape: readonly number[],
): void {
  const big = (v: Operand) =>
    typeof v === "number" ? BigInt(Math.trunc(v)) as unknown as number : v;
  const [A, Ao, As] = unpack(big(a)), [B, Bo, Bs] = unpack(big(b));
  kernel(`${op}:big`, () => BINARY[op], out.dtype, [dtypeOf(a), dtypeOf(b)], {
    raw: true,
  })(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    A,
    Ao,
    As,
    B,
    Bo,
    Bs,
    undefined,
    0,
    [],
  );
}

export function where(
  cond: CpuView,
  a: Operand,
  b: Operand,
  out: CpuView,
  shape: readonly number[],
): void {
  // Scalars are stored as they are, so an int64 result takes them as BigInts, bfloat16 as bits.
  const big = (v: Operand) =>
    typeof v === "number" ? storedScalar(out.dtype, v) as number : v;
  const [B, Bo, Bs] = unpack(big(a)), [C, Co, Cs] = unpack(big(b));
  // The selected value is stored as it is: where's operands already have the result's dtype.
  // Chosen without a branch (see SEL), through a pair of the result's own array type.
  kernel(
    "where",
    () => "(PICK[1] = b, PICK[0] = c, PICK[+(a !== 0)])",
    out.dtype,
    [
      cond.dtype,
      dtypeOf(a),
      dtypeOf(b),
    ],
    { raw: true, helpers: () => ({ PICK: new DTYPES[out.dtype].array(2) }) },
  )(
    shape,
    out.buffer,
    out.offset,
    out.strides,
    cond.buffer,
    cond.offset,
    cond.strides,
    B,
    Bo,
    Bs,
    C,
    Co,
    Cs,
  );
}
