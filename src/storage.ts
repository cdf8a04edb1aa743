// Storage: the memory behind tensors, shared by every view of it, with a version counter.

import { type DType, type StorageArray } from "./dtype.ts";
import { RuntimeError } from "./errors.ts";

/** Where a storage lives. Only the CPU exists until the WebGPU device thread lands. */
export type DeviceType = "cpu" | "webgpu";

export class Storage {
  /** The elements, in the dtype's TypedArray; views index into it with offset and strides. */
  readonly data: StorageArray;
  readonly device: DeviceType;
  /** Bumped by every in-place write; autograd compares it with the value saved at record time. */
  version = 0;

  constructor(data: StorageArray, device: DeviceType = "cpu") {
    this.data = data;
    this.device = device;
  }

  static allocate(dtype: DType, n: number): Storage {
    try {
      return new Storage(new dtype.array(n));
    } catch (e) {
      // The runtime's RangeError says nothing about sizes; PyTorch's allocator error does.
      if (!(e instanceof RangeError)) throw e;
      throw new RuntimeError(
        `DefaultCPUAllocator: can't allocate memory: you tried to allocate ${
          n * dtype.itemsize
        } bytes.`,
      );
    }
  }
}
