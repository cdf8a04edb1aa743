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
import { gather, indexAdd, indexSelect, scatter } from "./indexing.ts";

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
};

/** The CPU backend. */
export const cpuBackend: Backend<StorageArray> = {
  name: "cpu",
  allocate: (dtype: DTypeName, n: number) => new DTYPES[dtype].array(n),
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
