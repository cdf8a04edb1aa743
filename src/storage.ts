// Storage: the memory behind tensors, shared by every view of it, with a version counter. It holds
// a buffer of its device's backend; on the CPU that buffer is the TypedArray itself, so
// `from_numpy` and the file loaders adopt foreign memory without copying.

import type { DType, StorageArray } from "./dtype.ts";
import { RuntimeError } from "./errors.ts";
import type { Backend } from "./backend/backend.ts";
import { cpu } from "./backend/registry.ts";

/** Where a storage lives: `"cpu"`, `"webgpu"`, or another registered device type. */
export type DeviceType = string;

export class Storage {
  /** The backend that owns `buffer` and runs kernels on it. */
  readonly backend: Backend;
  /** The backend's buffer: a TypedArray on the CPU, an opaque handle elsewhere. */
  readonly buffer: unknown;
  /** Bumped by every in-place write; autograd compares it with the value saved at record time. */
  version = 0;
  /** Set by `Tensor.dispose()`: the device memory is gone. */
  disposed = false;

  constructor(buffer: unknown, backend: Backend = cpu) {
    this.buffer = buffer;
    this.backend = backend;
  }

  /** The device type, as `tensor.device` reports it. */
  get device(): DeviceType {
    return this.backend.name;
  }

  /**
   * The elements of a CPU storage, in the dtype's TypedArray. Only the CPU-only paths (interop,
   * numpy) read it; on any other device this raises instead of handing out stale memory.
   */
  get data(): StorageArray {
    if (this.backend !== cpu) {
      throw new RuntimeError(
        `expected a CPU storage, but found one on ${this.backend.name}: copy the tensor with .cpu() first`,
      );
    }
    return this.buffer as StorageArray;
  }

  /** A zero-filled storage of n elements of dtype on `backend`. */
  static allocate(dtype: DType, n: number, backend: Backend = cpu): Storage {
    try {
      // A complex storage is its parts' array, twice as long (real, imaginary, real, ...).
      if (dtype.is_complex) {
        const part = dtype.name === "complex64" ? "float32" : "float64";
        return new Storage(backend.allocate(part, 2 * n), backend);
      }
      return new Storage(backend.allocate(dtype.name, n), backend);
    } catch (e) {
      // The runtime's RangeError says nothing about sizes; PyTorch's allocator error does.
      if (!(e instanceof RangeError)) throw e;
      throw new RuntimeError(
        `DefaultCPUAllocator: can't allocate memory: you tried to allocate ${
          BigInt(n) * BigInt(dtype.itemsize)
        } bytes.`,
      );
    }
  }
}
