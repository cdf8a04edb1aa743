// torch.finfo and torch.iinfo: the numerical properties of the floating and integer dtypes.

import { type DType, get_default_dtype, toDType } from "./dtype.ts";
import { formatExp, formatFixed } from "./print/pyformat.ts";

/** C's `%g` (6 significant digits, ties to even as glibc prints), as PyTorch's reprs use it. */
function cfmt(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, e] = formatExp(x, 5).split("e");
  const ex = Number(e);
  const trim = (s: string) => s.includes(".") ? s.replace(/\.?0+$/, "") : s;
  if (ex < -4 || ex >= 6) {
    return `${trim(mant)}e${ex < 0 ? "-" : "+"}${
      String(Math.abs(ex)).padStart(2, "0")
    }`;
  }
  return trim(formatFixed(x, 5 - ex));
}

// bits, eps, max, smallest normal, resolution (10^-floor(digits10)): std::numeric_limits' values.
const FLOATS: Record<string, [number, number, number, number, number]> = {
  float32: [32, 2 ** -23, 3.4028234663852886e38, 2 ** -126, 1e-6],
  float64: [64, 2 ** -52, Number.MAX_VALUE, 2 ** -1022, 1e-15],
  float16: [16, 2 ** -10, 65504, 2 ** -14, 1e-3],
  bfloat16: [16, 2 ** -7, 3.3895313892515355e38, 2 ** -126, 1e-2],
};

/** What `torch.finfo(dtype)` holds. */
export class FInfo {
  /** Bits per element. */
  readonly bits: number;
  /** The difference between 1 and the next representable value. */
  readonly eps: number;
  /** The largest finite value. */
  readonly max: number;
  /** The most negative finite value (-max). */
  readonly min: number;
  /** The smallest positive normal value. */
  readonly tiny: number;
  /** The same as `tiny`. */
  readonly smallest_normal: number;
  /** The approximate decimal resolution: 10^-digits10. */
  readonly resolution: number;
  /** The dtype's name: `"float32"`. */
  readonly dtype: string;

  /** @ignore */
  constructor(d: DType) {
    const row = FLOATS[d.name];
    if (!row) {
      throw new TypeError(
        "torch.finfo() requires a floating point input type. Use torch.iinfo to handle 'torch.finfo'",
      );
    }
    [this.bits, this.eps, this.max, this.tiny, this.resolution] = row;
    this.min = -this.max;
    this.smallest_normal = this.tiny;
    this.dtype = d.name;
  }

  /** PyTorch's repr: `finfo(resolution=1e-06, min=-3.40282e+38, ...)`. */
  toString(): string {
    return `finfo(resolution=${cfmt(this.resolution)}, min=${
      cfmt(this.min)
    }, max=${cfmt(this.max)}, eps=${cfmt(this.eps)}, smallest_normal=${
      cfmt(this.smallest_normal)
    }, tiny=${cfmt(this.tiny)}, dtype=${this.dtype})`;
  }

  /** Node's `console.log` hook: prints as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** What `torch.iinfo(dtype)` holds; 64-bit limits are BigInts (a double cannot hold them). */
export class IInfo {
  /** Bits per element. */
  readonly bits: number;
  /** The smallest value. */
  readonly min: number | bigint;
  /** The largest value. */
  readonly max: number | bigint;
  /** The dtype's name: `"int32"`. */
  readonly dtype: string;

  /** @ignore */
  constructor(d: DType) {
    if (d.is_floating_point) {
      throw new TypeError(
        "torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'",
      );
    }
    if (d.name === "bool") {
      throw new TypeError("torch.bool is not supported by torch.iinfo");
    }
    const bits = d.itemsize * 8;
    const lo = d.is_signed ? -(2n ** BigInt(bits - 1)) : 0n;
    const hi = d.is_signed
      ? 2n ** BigInt(bits - 1) - 1n
      : 2n ** BigInt(bits) - 1n;
    this.bits = bits;
    this.min = bits === 64 ? lo : Number(lo);
    this.max = bits === 64 ? hi : Number(hi);
    this.dtype = d.name;
  }

  /** PyTorch's repr: `iinfo(min=-128, max=127, dtype=int8)`. */
  toString(): string {
    return `iinfo(min=${cfmt(Number(this.min))}, max=${
      cfmt(Number(this.max))
    }, dtype=${this.dtype})`;
  }

  /** Node's `console.log` hook: prints as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/**
 * `torch.finfo(dtype = default dtype)`: eps, max, min, tiny, resolution and bits of a floating dtype.
 * @example torch.finfo(torch.bfloat16).eps // 0.0078125
 */
export function finfo(dtype?: DType | string): FInfo {
  return new FInfo(dtype === undefined ? get_default_dtype() : toDType(dtype));
}

/**
 * `torch.iinfo(dtype)`: min, max and bits of an integer dtype (BigInts for the 64-bit ones).
 * @example torch.iinfo(torch.uint16).max // 65535
 */
export function iinfo(dtype: DType | string): IInfo {
  return new IInfo(toDType(dtype));
}
