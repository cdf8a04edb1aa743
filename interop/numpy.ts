// torch.from_numpy and Tensor.numpy(): tensors over foreign memory and back, sharing it, with the
// semantics of PyTorch's from_numpy (writes on either side are seen by the other).

import {
  type DType,
  DTYPES,
  type StorageArray,
  toDType,
} from "../src/dtype.ts";
import { RuntimeError } from "../src/errors.ts";
import { contiguousStrides } from "../src/shape.ts";
import { Storage } from "../src/storage.ts";
import { Tensor } from "../src/tensor.ts";
export { NDArray } from "../src/ops/ndarray.ts";

/** An ndarray as NumPy-minded JS libraries describe one (npyjs, scijs/ndarray, our own numpy()). */
export interface NDArrayLike {
  /** The elements, in a TypedArray (or any view; its element type gives the dtype). */
  data: ArrayBufferView;
  /** The sizes. */
  shape: readonly number[];
  /** In elements, as `Tensor.stride()`; scijs/ndarray spells it `stride`. */
  strides?: readonly number[];
  /** scijs/ndarray's spelling of `strides`. */
  stride?: readonly number[];
  /** In elements. */
  offset?: number;
  /** npyjs: column-major data. */
  fortranOrder?: boolean;
  /**
   * A dtype name to read the data as: needed for bool, which shares Uint8Array with uint8, and for
   * bfloat16, whose bits share Uint16Array with uint16.
   */
  dtype?: string;
}

const BY_ARRAY: [new (...a: never[]) => ArrayBufferView, DType][] = [
  [Float32Array, DTYPES.float32],
  [Float64Array, DTYPES.float64],
  [Float16Array, DTYPES.float16],
  [BigInt64Array, DTYPES.int64],
  [Int32Array, DTYPES.int32],
  [Int16Array, DTYPES.int16],
  [Int8Array, DTYPES.int8],
  [Uint8Array, DTYPES.uint8],
  [Uint16Array, DTYPES.uint16],
  [Uint32Array, DTYPES.uint32],
  [BigUint64Array, DTYPES.uint64],
];

function dtypeOfArray(data: ArrayBufferView, requested?: string): DType {
  const found = BY_ARRAY.find(([ctor]) => data instanceof ctor)?.[1];
  if (!found) {
    throw new TypeError(
      `can't convert ${data.constructor.name} to a tensor: the supported types are Float64Array, Float32Array, Float16Array, BigInt64Array, Int32Array, Int16Array, Int8Array, BigUint64Array, Uint32Array, Uint16Array and Uint8Array`,
    );
  }
  if (requested === undefined) return found;
  const want = toDType(requested);
  if (want.array !== found.array) {
    throw new TypeError(
      `dtype ${requested} does not match the data's ${data.constructor.name}`,
    );
  }
  return want;
}

/**
 * `torch.from_numpy(array)`: a tensor over the same memory, no copy. Takes a TypedArray (a 1-D
 * tensor) or an ndarray-like `{ data, shape, strides?, offset? }` (strides and offset in elements;
 * npyjs's `fortranOrder` and scijs/ndarray's `stride` are understood). Strided input becomes a
 * strided view.
 * @example
 * const a = new Float64Array(5).fill(1);
 * const b = torch.from_numpy(a);
 * a[0] = 2; // b[0] is 2 too
 */
export function from_numpy(array: ArrayBufferView | NDArrayLike): Tensor {
  const isView = ArrayBuffer.isView(array);
  const nd: NDArrayLike = isView
    ? {
      data: array as ArrayBufferView,
      shape: [(array as unknown as { length: number }).length],
    }
    : array as NDArrayLike;
  if (!nd || !ArrayBuffer.isView(nd.data) || !Array.isArray(nd.shape)) {
    throw new TypeError(
      "from_numpy expects a TypedArray or an object { data: TypedArray, shape: number[] }",
    );
  }
  const dtype = dtypeOfArray(nd.data, nd.dtype);
  const data = nd.data as StorageArray;
  const shape = [...nd.shape];
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RuntimeError(`invalid shape [${shape.join(", ")}]`);
  }
  const strides = [
    ...(nd.strides ?? nd.stride ??
      (nd.fortranOrder ? fortranStrides(shape) : contiguousStrides(shape))),
  ];
  if (strides.length !== shape.length) {
    throw new RuntimeError(
      `strides [${strides.join(", ")}] do not match shape [${
        shape.join(", ")
      }]`,
    );
  }
  const offset = nd.offset ?? 0;
  // Every element the view can reach must lie inside the data.
  let lo = offset, hi = offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) lo = hi = offset;
    const reach = strides[i] * (shape[i] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  const n = shape.reduce((a, b) => a * b, 1);
  // A complex array's data holds two parts per element.
  const elements = dtype.is_complex ? Math.floor(data.length / 2) : data.length;
  if (n > 0 && (lo < 0 || hi >= elements)) {
    throw new RuntimeError(
      `shape [${shape.join(", ")}] with strides [${
        strides.join(", ")
      }] and offset ${offset} reaches outside the data (${elements} elements)`,
    );
  }
  return new Tensor(new Storage(data), shape, strides, offset, dtype);
}

function fortranStrides(shape: number[]): number[] {
  const out: number[] = [];
  let s = 1;
  for (const d of shape) {
    out.push(s);
    s *= Math.max(d, 1);
  }
  return out;
}
