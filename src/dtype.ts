// dtypes: names, storage arrays, and PyTorch's type-promotion rules.

import { RuntimeError } from "./errors.ts";

/** The name of a dtype, as `dtype.name` gives it: `"float32"`, `"int64"`, `"bool"`, ... */
export type DTypeName =
  | "float32"
  | "float64"
  | "float16"
  | "int64"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "bool"
  | "bfloat16"
  | "uint16"
  | "uint32"
  | "uint64"
  | "complex64"
  | "complex128";

/** The TypedArray that holds one dtype's elements on the CPU. */
export type StorageArray =
  | Float32Array
  | Float64Array
  | Float16Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

type ArrayCtor = {
  new (length: number): StorageArray;
  new (
    buffer: ArrayBufferLike,
    byteOffset?: number,
    length?: number,
  ): StorageArray;
  readonly BYTES_PER_ELEMENT: number;
};

/** A tensor element type, printed as PyTorch prints it: `torch.float32`. */
export class DType {
  /** The canonical name, without `torch.`: `"float32"`. */
  readonly name: DTypeName;
  /** `dtype.itemsize`: bytes per element. */
  readonly itemsize: number;
  /** `dtype.is_floating_point`: true for float16, bfloat16, float32 and float64. */
  readonly is_floating_point: boolean;
  /** `dtype.is_signed`: false for bool and the unsigned integers. */
  readonly is_signed: boolean;
  /** The legacy class name, e.g. `FloatTensor`. */
  readonly legacy: string;
  /**
   * The TypedArray constructor that stores this dtype on the CPU.
   *
   * @ignore
   */
  readonly array: ArrayCtor;
  /** Promotion category: 0 bool, 1 integer, 2 floating, 3 complex. */
  readonly category: 0 | 1 | 2 | 3;
  /** `dtype.is_complex`: true for complex64 and complex128. */
  readonly is_complex: boolean;

  /**
   * Internal: the dtypes are fixed; use `torch.float32` and the others.
   *
   * @ignore
   */
  constructor(
    name: DTypeName,
    array: ArrayCtor,
    legacy: string,
    category: 0 | 1 | 2 | 3,
    signed: boolean,
  ) {
    this.name = name;
    this.array = array;
    // A complex element is two of its array's components (real, imaginary).
    this.itemsize = array.BYTES_PER_ELEMENT * (category === 3 ? 2 : 1);
    this.is_complex = category === 3;
    this.legacy = legacy;
    this.category = category;
    this.is_floating_point = category === 2;
    this.is_signed = signed;
  }

  /** PyTorch's ScalarType name used in its error messages: "Float", "Long", "Bool". */
  get scalar_name(): string {
    return this.legacy.slice(0, -"Tensor".length);
  }

  /** Prints as PyTorch does: `torch.float32`. */
  toString(): string {
    return `torch.${this.name}`;
  }

  /** Node's `console.log` hook: prints as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** `torch.float32` (alias `torch.float`): 32-bit IEEE float, the default dtype. */
export const float32: DType = new DType(
  "float32",
  Float32Array,
  "FloatTensor",
  2,
  true,
);
/** `torch.float64` (alias `torch.double`): 64-bit IEEE float. */
export const float64: DType = new DType(
  "float64",
  Float64Array,
  "DoubleTensor",
  2,
  true,
);
/** `torch.float16` (alias `torch.half`): 16-bit IEEE float, stored in a Float16Array. */
export const float16: DType = new DType(
  "float16",
  Float16Array,
  "HalfTensor",
  2,
  true,
);
/** `torch.int64` (alias `torch.long`): 64-bit integer, stored in a BigInt64Array; the dtype of integer data. */
export const int64: DType = new DType(
  "int64",
  BigInt64Array,
  "LongTensor",
  1,
  true,
);
/** `torch.int32` (alias `torch.int`): 32-bit integer. */
export const int32: DType = new DType(
  "int32",
  Int32Array,
  "IntTensor",
  1,
  true,
);
/** `torch.int16` (alias `torch.short`): 16-bit integer. */
export const int16: DType = new DType(
  "int16",
  Int16Array,
  "ShortTensor",
  1,
  true,
);
/** `torch.int8`: 8-bit signed integer. */
export const int8: DType = new DType("int8", Int8Array, "CharTensor", 1, true);
/** `torch.uint8`: 8-bit unsigned integer. */
export const uint8: DType = new DType(
  "uint8",
  Uint8Array,
  "ByteTensor",
  1,
  false,
);
/** `torch.bool`: true/false, stored as bytes. */
export const bool: DType = new DType(
  "bool",
  Uint8Array,
  "BoolTensor",
  0,
  false,
);
/**
 * `torch.bfloat16`: the upper 16 bits of a float32 (8 exponent bits, 7 mantissa bits), stored as
 * its bits in a Uint16Array. Kernels compute in float32 and round to nearest even, as PyTorch's
 * `c10::BFloat16` does.
 */
export const bfloat16: DType = new DType(
  "bfloat16",
  Uint16Array,
  "BFloat16Tensor",
  2,
  true,
);
/**
 * `torch.uint16`, with PyTorch 2.3's limited support: creation, casts, copies, comparisons,
 * printing, save/load; arithmetic raises, and promotion with another integer type raises.
 */
export const uint16: DType = new DType(
  "uint16",
  Uint16Array,
  "UInt16Tensor",
  1,
  false,
);
/** `torch.uint32`: support as `torch.uint16`'s. */
export const uint32: DType = new DType(
  "uint32",
  Uint32Array,
  "UInt32Tensor",
  1,
  false,
);
/** `torch.uint64`: support as `torch.uint16`'s; stored in a BigUint64Array. */
export const uint64: DType = new DType(
  "uint64",
  BigUint64Array,
  "UInt64Tensor",
  1,
  false,
);

/**
 * `torch.complex64` (alias `torch.cfloat`): a pair of float32s, real then imaginary, stored
 * interleaved in a Float32Array of twice the element count (NumPy's and PyTorch's layout).
 */
export const complex64: DType = new DType(
  "complex64",
  Float32Array,
  "ComplexFloatTensor",
  3,
  true,
);
/** `torch.complex128` (alias `torch.cdouble`): a pair of float64s, stored as complex64's. */
export const complex128: DType = new DType(
  "complex128",
  Float64Array,
  "ComplexDoubleTensor",
  3,
  true,
);

/** The complex dtype whose parts have dtype d (float64 → complex128, else complex64). */
export function toComplexType(d: DType): DType {
  if (d.is_complex) return d;
  return d === float64 ? complex128 : complex64;
}

/** The dtype of a complex dtype's parts (complex64 → float32); d itself when real. */
export function toRealType(d: DType): DType {
  if (d === complex64) return float32;
  if (d === complex128) return float64;
  return d;
}

// PyTorch's aliases.
/** `torch.float`: the same dtype as `torch.float32`. */
export const float: DType = float32;
/** `torch.double`: the same dtype as `torch.float64`. */
export const double: DType = float64;
/** `torch.half`: the same dtype as `torch.float16`. */
export const half: DType = float16;
/** `torch.long`: the same dtype as `torch.int64`. */
export const long: DType = int64;
/** `torch.int`: the same dtype as `torch.int32`. */
export const int: DType = int32;
/** `torch.short`: the same dtype as `torch.int16`. */
export const short: DType = int16;
/** `torch.cfloat`: the same dtype as `torch.complex64`. */
export const cfloat: DType = complex64;
/** `torch.cdouble`: the same dtype as `torch.complex128`. */
export const cdouble: DType = complex128;

export const DTYPES: Record<DTypeName, DType> = {
  float32,
  float64,
  float16,
  int64,
  int32,
  int16,
  int8,
  uint8,
  bool,
  bfloat16,
  uint16,
  uint32,
  uint64,
  complex64,
  complex128,
};

/** Accepts a DType or its name (`"float32"`, `"float"`, `"long"`, ...). */
export function toDType(d: DType | string): DType {
  if (d instanceof DType) return d;
  const name = d.startsWith("torch.") ? d.slice(6) : d;
  const alias: Record<string, DType> = {
    float,
    double,
    half,
    long,
    int,
    short,
    cfloat,
    cdouble,
  };
  const found = (DTYPES as Record<string, DType>)[name] ?? alias[name];
  if (!found) throw new TypeError(`unknown dtype: ${d}`);
  return found;
}

// Promotion lattice of PyTorch (c10/core/ScalarType.cpp) over our dtypes.
const ORDER: DTypeName[] = [
  "uint8",
  "int8",
  "int16",
  "int32",
  "int64",
  "float16",
  "float32",
  "float64",
  "bool",
  "bfloat16",
];
const u1 = "uint8", i1 = "int8", i2 = "int16", i4 = "int32", i8 = "int64";
const f2 = "float16", f4 = "float32", f8 = "float64", b1 = "bool";
const bf = "bfloat16";
const TABLE: DTypeName[][] = [
  /*         u1  i1  i2  i4  i8  f2  f4  f8  b1  bf */
  /* u1 */ [u1, i2, i2, i4, i8, f2, f4, f8, u1, bf],
  /* i1 */ [i2, i1, i2, i4, i8, f2, f4, f8, i1, bf],
  /* i2 */ [i2, i2, i2, i4, i8, f2, f4, f8, i2, bf],
  /* i4 */ [i4, i4, i4, i4, i8, f2, f4, f8, i4, bf],
  /* i8 */ [i8, i8, i8, i8, i8, f2, f4, f8, i8, bf],
  /* f2 */ [f2, f2, f2, f2, f2, f2, f4, f8, f2, f4],
  /* f4 */ [f4, f4, f4, f4, f4, f4, f4, f8, f4, f4],
  /* f8 */ [f8, f8, f8, f8, f8, f8, f8, f8, f8, f8],
  /* b1 */ [u1, i1, i2, i4, i8, f2, f4, f8, b1, bf],
  /* bf */ [bf, bf, bf, bf, bf, f4, f4, f8, bf, bf],
];

/** uint16, uint32 and uint64: the unsigned types PyTorch 2.3 added with "barebones" support. */
export function isBarebonesUnsigned(d: DType): boolean {
  return d === uint16 || d === uint32 || d === uint64;
}

/**
 * `torch.promote_types(a, b)`. As in PyTorch 2.3, uint16/32/64 promote only with themselves and
 * with floating types (to the floating type); any other pair raises PyTorch's error.
 */
export function promote_types(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a.is_complex || b.is_complex) {
    // The parts promote as reals (float16 and bfloat16 reach float32: no ComplexHalf here).
    const r = promote_types(toRealType(a), toRealType(b));
    return toComplexType(r.is_floating_point ? r : float32);
  }
  if (isBarebonesUnsigned(a) || isBarebonesUnsigned(b)) {
    if (a.is_floating_point) return a;
    if (b.is_floating_point) return b;
    throw new RuntimeError(
      `Promotion for uint16, uint32, uint64 types is not supported, attempted to promote ${a.scalar_name} and ${b.scalar_name}`,
    );
  }
  return DTYPES[TABLE[ORDER.indexOf(a.name)][ORDER.indexOf(b.name)]];
}

let defaultDType: DType = float32;

/** `torch.get_default_dtype()`: the dtype of floats made from JS numbers. */
export function get_default_dtype(): DType {
  return defaultDType;
}

/** `torch.set_default_dtype(d)`: float32 or float64 only, as in PyTorch. */
export function set_default_dtype(d: DType | string): void {
  const t = toDType(d);
  if (!t.is_floating_point) {
    throw new TypeError(
      "only floating-point types are supported as the default type",
    );
  }
  defaultDType = t;
}

/** An operand for `result_type`: a tensor's dtype and rank, or a JS scalar. */
export type Operand = { dtype: DType; dim: number } | number | boolean | bigint;

/**
 * PyTorch's result_type: tensors with dimensions outrank 0-d tensors, which outrank scalars; a
 * lower-priority operand only matters when its category is higher (bool < integer < floating).
 * A float scalar counts as the default dtype, an integer scalar as int64.
 */
export function result_type(...operands: Operand[]): DType {
  let dim: DType | undefined,
    zero: DType | undefined,
    scalar: DType | undefined;
  const join = (a: DType | undefined, b: DType) => a ? promote_types(a, b) : b;
  for (const o of operands) {
    if (typeof o !== "object") scalar = join(scalar, scalarDType(o));
    else if (o.dim > 0) dim = join(dim, o.dtype);
    else zero = join(zero, o.dtype);
  }
  return combine(dim, combine(zero, scalar)) ?? defaultDType;
}

// ATen's combine_categories: keep the higher-priority dtype unless the lower one is of a higher
// category.
function combine(
  higher: DType | undefined,
  lower: DType | undefined,
): DType | undefined {
  if (!higher) return lower;
  if (!lower || higher.is_complex) return higher;
  // A complex operand of lower priority keeps a floating higher one's precision.
  if (lower.is_complex) {
    return higher.is_floating_point ? toComplexType(higher) : lower;
  }
  if (higher.is_floating_point) return higher;
  if (higher === bool || lower.is_floating_point) {
    return promote_types(higher, lower);
  }
  return higher;
}

/** The dtype PyTorch gives a bare scalar: bool, int64, or the default float. */
export function scalarDType(v: number | boolean | bigint): DType {
  if (typeof v === "boolean") return bool;
  if (typeof v === "bigint") return int64;
  return Number.isInteger(v) ? int64 : defaultDType;
}
