// Storage: the memory behind tensors, shared by every view of it, with a version counter.

import { type DType, type StorageArray } from "./dtype.ts";

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
    return new Storage(new dtype.array(n));
  }
}
