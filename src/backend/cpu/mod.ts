// The CPU backend: buffers are the dtype's TypedArrays (so foreign memory is adopted without a
// copy), and the primitive table is filled from the kernel modules beside this one.

import { type DTypeName, DTYPES, type StorageArray } from "../../dtype.ts";
import type { Backend, Primitives } from "../backend.ts";
import { binary, copy, fill, unary, where } from "./maps.ts";
import { argReduce, reduce } from "./reduce.ts";
import {
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  gatherPlanes,
  mapAdjoint,
  mapForward,
  matmul,
  maxPool2d,
  scatterPlanes,
} from "./dense.ts";
import { check, gather, indexAdd, indexSelect, scatter } from "./indexing.ts";
import { checkInterrupt } from "../../interrupt.ts";
import { WASM_STORAGE_MIN_BYTES, wasmFloats } from "./wasm_storage.ts";

const ops: Primitives<StorageArray> = {
  copy,
  fill,
  unary,
  binary,
  where,
  reduce,
  argReduce,
  matmul,
  conv2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2d,
  scatterPlanes,
  gatherPlanes,
  mapForward,
  mapAdjoint,
  indexSelect,
  indexAdd,
  gather,
  scatter,
  check,
};

// Small buffers are carved out of shared 256 KiB slabs under V8 (Deno), where a TypedArray of its
// own costs an off-heap allocation (measured: 2.2 µs for one float, 5.4 µs for 4096) and a view of
// a slab 0.04 µs and 1.5 µs. JavaScriptCore (Bun) allocates arrays of their own about as fast as
// views, and once large tensors have lived its collector makes slab views costly (a 64x64 mul
// that records a graph node: 36 µs per call with slabs, 8 µs without), so Bun gets no slabs.
// Slabs are only ever bumped, never reused, so every buffer starts zeroed; a slab is freed by the
// garbage collector once no buffer in it is alive.
const SLAB_BYTES = 1 << 18;
const SMALL_BYTES = "Bun" in globalThis ? 0 : 1 << 14;
let slab = new ArrayBuffer(0);
let used = 0;

function allocate(dtype: DTypeName, n: number): StorageArray {
  // Every op allocates its result: the one place an interrupt is seen between any two ops.
  checkInterrupt();
  const array = DTYPES[dtype].array;
  const bytes = n * array.BYTES_PER_ELEMENT;
  if (bytes >= WASM_STORAGE_MIN_BYTES && dtype === "float32") {
    const floats = wasmFloats(n);
    if (floats) return floats;
  }
  if (bytes > SMALL_BYTES) return new array(n);
  used = (used + 7) & ~7;
  if (used + bytes > slab.byteLength) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new array(slab, used, n);
  used += bytes;
  return out;
}

/** The CPU backend. */
export const cpuBackend: Backend<StorageArray> = {
  name: "cpu",
  allocate,
  free: () => {},
  write(buffer, _dtype, offset, src) {
    (buffer as Float32Array).set(src as Float32Array, offset);
  },
  read: (buffer, _dtype, offset, n) => buffer.subarray(offset, offset + n),
  readAsync(buffer, _dtype, offset, n) {
    return Promise.resolve(buffer.subarray(offset, offset + n));
  },
  ops,
};
