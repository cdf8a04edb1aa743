// Reading a tensor's elements on the host: the one path printing, `item()`, `tolist()` and the
// CPU-fallback ops take. On the CPU it reads the storage in place; on another device it copies the
// span the tensor reaches to the host first (a synchronous read).

import type { DType, StorageArray } from "./dtype.ts";
import type { View } from "./backend/backend.ts";
import { cpu } from "./backend/registry.ts";
import type { Storage } from "./storage.ts";
import { RuntimeError } from "./errors.ts";

/** What a host read needs of a tensor (Tensor satisfies it). */
export interface StridedLike {
  storage: Storage;
  storage_offset_: number;
  _shape: number[];
  _strides: number[];
  dtype: DType;
}

function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; acc *= shape[i], i--) {
    s[i] = acc;
  }
  return s;
}

/** The span of storage elements t reaches: [lo, lo + n); n is 0 for an empty tensor. */
function span(t: StridedLike): { lo: number; n: number } {
  let lo = t.storage_offset_, hi = t.storage_offset_, empty = false;
  t._shape.forEach((n, i) => {
    if (n === 0) empty = true;
    const reach = t._strides[i] * (n - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  return { lo, n: empty ? 0 : hi - lo + 1 };
}

/** A CPU view of t's elements: t's own memory on the CPU, else a host copy of the span it reaches. */
export function hostView(t: StridedLike): View<StorageArray> {
  const { storage, dtype } = t;
  if (dtype.is_complex) {
    throw new RuntimeError(
      `this operation is not implemented for '${dtype.scalar_name}' tensors`,
    );
  }
  if (storage.backend === cpu) {
    return {
      buffer: storage.buffer as StorageArray,
      dtype: dtype.name,
      offset: t.storage_offset_,
      strides: t._strides,
    };
  }
  const { lo, n } = span(t);
  const buffer = n === 0
    ? new dtype.array(0)
    : storage.backend.read(storage.buffer, dtype.name, lo, n);
  return {
    buffer,
    dtype: dtype.name,
    offset: t.storage_offset_ - lo,
    strides: t._strides,
  };
}

/** As hostView, reading without blocking the caller. */
export async function hostViewAsync(
  t: StridedLike,
): Promise<View<StorageArray>> {
  const { storage, dtype } = t;
  if (storage.backend === cpu || dtype.is_complex) return hostView(t);
  const { lo, n } = span(t);
  const buffer = n === 0
    ? new dtype.array(0)
    : await storage.backend.readAsync(storage.buffer, dtype.name, lo, n);
  return {
    buffer,
    dtype: dtype.name,
    offset: t.storage_offset_ - lo,
    strides: t._strides,
  };
}

/** t's elements in row-major order in the dtype's own array (a fresh copy). */
export function hostElements(t: StridedLike): StorageArray {
  let n = 1;
  for (const d of t._shape) n *= d;
  const buffer = new t.dtype.array(n);
  cpu.ops.copy(
    {
      buffer,
      dtype: t.dtype.name,
      offset: 0,
      strides: contiguousStrides(t._shape),
    },
    hostView(t),
    t._shape,
  );
  return buffer;
}

/** t's elements in row-major order as doubles (int64 beyond 2^53 rounds; bool as 0/1). */
export function hostDoubles(t: StridedLike): Float64Array {
  let n = 1;
  for (const d of t._shape) n *= d;
  const buffer = new Float64Array(n);
  cpu.ops.copy(
    {
      buffer,
      dtype: "float64",
      offset: 0,
      strides: contiguousStrides(t._shape),
    },
    hostView(t),
    t._shape,
  );
  return buffer;
}
