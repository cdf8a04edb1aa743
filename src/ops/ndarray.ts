// Tensor.numpy(): a tensor's memory as an ndarray-like view, the way back of torch.from_numpy.

import type { StorageArray } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { ndarrayRepr, ndarrayStr } from "../print/numpy.ts";
import { get_printoptions } from "../print/options.ts";

/**
 * What `t.numpy()` returns: a view of the tensor's memory, with NumPy's printing (`array(...)`
 * where the prompt echoes it, `[...]` as a string): NumPy 1.13's under the legacy print style,
 * today's under the modern one. `torch.from_numpy` takes it back.
 */
export class NDArray {
  constructor(
    /** The tensor's whole storage (not a copy): int64 as BigInt64Array, bool as Uint8Array. */
    readonly data: StorageArray,
    /** The sizes. */
    readonly shape: number[],
    /** In elements, as `Tensor.stride()` (NumPy counts bytes). */
    readonly strides: number[],
    /** Where element [0, ..., 0] lies in `data`, in elements. */
    readonly offset: number,
    /** NumPy's name for the dtype: "float32", "int64", "bool", ... */
    readonly dtype: string,
  ) {}

  /** The number of dims, as NumPy's `a.ndim`. */
  get ndim(): number {
    return this.shape.length;
  }

  /** The number of elements, as NumPy's `a.size`. */
  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** `str(a)`: `[ 1.  2.  3.]` as NumPy 1.13 (the legacy print style), `[1. 2. 3.]` in modern. */
  toString(): string {
    noComplexPrint(this.dtype);
    return ndarrayStr(this, get_printoptions().style === "legacy");
  }

  /** `repr(a)`, which the REPL and `console.log` show: `array([ 1.,  2.])`, `array([1., 2.])`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    noComplexPrint(this.dtype);
    return ndarrayRepr(this, get_printoptions().style === "legacy");
  }
}

/** NumPy's complex printing is not reproduced: print the tensor instead. */
function noComplexPrint(dtype: string): void {
  if (dtype === "complex64" || dtype === "complex128") {
    throw new RuntimeError(
      `printing a ${dtype} ndarray is not supported: print torch.from_numpy(a) instead`,
    );
  }
}

/**
 * `t.numpy()`: the tensor's memory as an ndarray-like view (no copy; int64 as BigInt64Array, bool
 * as Uint8Array). Writes through either side are seen by the other.
 */
export function numpy(t: Tensor): NDArray {
  if (t.requires_grad) {
    throw new RuntimeError(
      "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.",
    );
  }
  if (t.storage.device !== "cpu") {
    throw new TypeError(
      `can't convert ${t.device} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.`,
    );
  }
  // NumPy has no bfloat16; PyTorch's numpy() raises this TypeError.
  if (t.dtype.name === "bfloat16") {
    throw new TypeError("Got unsupported ScalarType BFloat16");
  }
  // Give exactly the span of storage the view reaches, so a contiguous tensor's data is its elements.
  let lo = t.storage_offset_, hi = t.storage_offset_;
  const n = t.numel();
  for (let i = 0; i < t._shape.length && n > 0; i++) {
    const reach = t._strides[i] * (t._shape[i] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  // A complex tensor's storage holds parts: its span is twice as long.
  const k = t.dtype.is_complex ? 2 : 1;
  const data = t.storage.data.subarray(
    k * lo,
    k * (n > 0 ? hi + 1 : lo),
  ) as StorageArray;
  return new NDArray(
    data,
    [...t._shape],
    [...t._strides],
    t.storage_offset_ - lo,
    t.dtype.name,
  );
}
