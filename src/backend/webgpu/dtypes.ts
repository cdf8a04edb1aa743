// How dtypes live on the WebGPU device: every element is one 32-bit word. float32, int32, bool,
// uint8, int8 and int16 are exact; int64 lives as int32 on the GPU (an upload of a value outside
// int32's range raises, and arithmetic wraps at 32 bits); float64, float16, bfloat16 and the wide
// unsigned types have no WGSL type here, and putting them on the device raises, as PyTorch's MPS
// device does for float64.

import { type DTypeName, DTYPES, type StorageArray } from "../../dtype.ts";
import { RuntimeError } from "../../errors.ts";

/** The dtypes a tensor on the WebGPU device may have. */
export const WEBGPU_DTYPES: ReadonlySet<DTypeName> = new Set<DTypeName>([
  "float32",
  "int32",
  "int64",
  "int16",
  "int8",
  "uint8",
  "bool",
]);

export function checkDtype(dtype: DTypeName): void {
  if (WEBGPU_DTYPES.has(dtype)) return;
  const name = DTYPES[dtype].toString();
  throw new TypeError(
    dtype === "float64"
      ? "Cannot convert a WebGPU Tensor to float64 dtype as WebGPU doesn't support float64. Please use float32 instead."
      : `${name} is not supported on the WebGPU device (it supports float32, int32, int64 as int32, int16, int8, uint8 and bool)`,
  );
}

/** The 32-bit words that hold `src` (of `dtype`) on the device. */
export function toWords(dtype: DTypeName, src: StorageArray): Uint32Array {
  switch (dtype) {
    case "float32":
    case "int32":
      // A copy: the batch is posted later, and the caller may write to src meanwhile.
      return new Uint32Array(
        src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength),
      );
    case "int64": {
      const s = src as BigInt64Array, out = new Int32Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const v = s[i];
        if (v > 2147483647n || v < -2147483648n) {
          throw new RuntimeError(
            `WebGPU holds int64 as int32: the value ${v} is out of its range (put int64 data beyond 2^31 on the CPU)`,
          );
        }
        out[i] = Number(v);
      }
      return new Uint32Array(out.buffer);
    }
    default: {
      const out = new Int32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
      return new Uint32Array(out.buffer);
    }
  }
}

/** The dtype's CPU array holding the device's words. */
export function fromWords(dtype: DTypeName, w: Uint32Array): StorageArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(w.buffer, w.byteOffset, w.length);
    case "int32":
      return new Int32Array(w.buffer, w.byteOffset, w.length);
    case "int64": {
      const s = new Int32Array(w.buffer, w.byteOffset, w.length);
      const out = new BigInt64Array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = BigInt(s[i]);
      return out;
    }
    default: {
      const s = new Int32Array(w.buffer, w.byteOffset, w.length);
      const out = new DTYPES[dtype].array(s.length);
      for (let i = 0; i < s.length; i++) out[i] = s[i];
      return out;
    }
  }
}
