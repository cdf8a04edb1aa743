// What the fill kernels share: PyTorch's dtype names and ranges, its error-message formatting, and
// the stores that cast results into each dtype's storage.

import { type DTypeName, DTYPES, type StorageArray } from "../dtype.ts";
import { toBf16 } from "../bfloat16.ts";

// PyTorch's names for dtypes in "not implemented for 'X'" and in TypeMeta ("out of bounds for X").
export const SCALAR_NAME_OF = (d: DTypeName): string => DTYPES[d].scalar_name;
export const META_NAME: Record<DTypeName, string> = {
  float32: "float",
  float64: "double",
  float16: "c10::Half",
  int64: "long int",
  int32: "int",
  int16: "short int",
  int8: "signed char",
  uint8: "unsigned char",
  bool: "bool",
  bfloat16: "c10::BFloat16",
  uint16: "unsigned short",
  uint32: "unsigned int",
  uint64: "unsigned long",
  complex64: "c10::complex<float>",
  complex128: "c10::complex<double>",
};
// Significand bits (std::numeric_limits<T>::digits) of the float dtypes.
export const DIGITS: Partial<Record<DTypeName, number>> = {
  float32: 24,
  float64: 53,
  float16: 11,
  bfloat16: 8,
};
export const FLOAT_MAX: Partial<Record<DTypeName, number>> = {
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
  float16: 65504,
  bfloat16: 3.3895313892515355e38,
};
export const INT_RANGE: Partial<Record<DTypeName, [bigint, bigint]>> = {
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  int32: [-(1n << 31n), (1n << 31n) - 1n],
  int16: [-32768n, 32767n],
  int8: [-128n, 127n],
  uint8: [0n, 255n],
  bool: [0n, 1n],
};

export function requireFloat(dtype: DTypeName, kernel: string): void {
  if (DIGITS[dtype] === undefined) {
    throw new TypeError(
      `"${kernel}" not implemented for '${SCALAR_NAME_OF(dtype)}'`,
    );
  }
}

/** A double formatted as C++ `ostream << double` does (6 significant digits, %g style). */
export function cfmt(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, e] = x.toExponential(5).split("e");
  const ex = Number(e);
  const trim = (s: string) => s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  if (ex < -4 || ex >= 6) {
    return `${trim(mant)}e${ex < 0 ? "-" : "+"}${
      String(Math.abs(ex)).padStart(2, "0")
    }`;
  }
  return trim(x.toFixed(5 - ex));
}

/**
 * Stores doubles the way `static_cast<scalar_t>(double)` does. Half has only a float constructor,
 * so a double reaches float16 through float32 first: two roundings, not one.
 */
export function floatStore(
  out: StorageArray,
  dtype: DTypeName,
): (k: number, v: number) => void {
  const o = out as Float64Array;
  if (dtype === "bfloat16") return (k, v) => o[k] = toBf16(v);
  return dtype === "float16"
    ? (k, v) => o[k] = Math.fround(v)
    : (k, v) => o[k] = v;
}

/** Stores a small integer (0/1 or a 32-bit value) into any dtype's storage. */
export function intStore(
  out: StorageArray,
  dtype: DTypeName,
): (k: number, v: number) => void {
  if (dtype === "int64") {
    const o = out as BigInt64Array;
    return (k, v) => o[k] = BigInt(v);
  }
  const o = out as Float64Array;
  if (dtype === "bool") return (k, v) => o[k] = v !== 0 ? 1 : 0;
  return dtype === "float16"
    ? (k, v) => o[k] = Math.fround(v)
    : (k, v) => o[k] = v;
}

export const fr = Math.fround;
