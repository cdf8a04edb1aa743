// Creation: tensor() from JS data, empty/zeros/ones/full, ranges, eye, and the *_like forms.

import {
  bool,
  type DType,
  float32,
  float64,
  get_default_dtype,
  int16,
  int32,
  int64,
  int8,
  type StorageArray,
  toComplexType,
  toRealType,
  uint16,
  uint32,
  uint64,
  uint8,
} from "../dtype.ts";
import { Complex, complexCopy, pairsOf } from "../complex.ts";
import { RuntimeError } from "../errors.ts";
import type { DeviceLike } from "../device.ts";
import { contiguousStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import type { Backend } from "../backend/backend.ts";
import { cpu } from "../backend/registry.ts";
import { isOptions, parseArgs, required, shapeArg } from "./_args.ts";
import {
  cast,
  checkScalar,
  dtypeArg,
  intRange,
  resolveDevice,
  roundScalar,
  transfer,
} from "./core.ts";

/** Options every factory takes. */
export interface FactoryOptions {
  /** The dtype, or its name (`"float32"`, `"long"`); each factory documents its default. */
  dtype?: DType | string;
  /**
   * Where the tensor lives: `"cpu"` (the default), `"webgpu"` (`"cuda"` and `"cuda:0"` name it),
   * or another registered device type.
   */
  device?: DeviceLike;
  /** Makes the result a leaf that records autograd history. */
  requires_grad?: boolean;
}

/** Data `torch.tensor` accepts: nested arrays of numbers or booleans, TypedArrays, or a Tensor. */
export type TensorData =
  | number
  | boolean
  | bigint
  | ArrayLike<unknown>
  | Tensor;

/**
 * The backend a factory allocates on: the `device` option's (PyTorch's errors for an unknown or
 * unavailable one), else `fallback` (the CPU, or the source tensor's device for the *_like forms).
 */
export function factoryBackend(
  opts: { device?: unknown },
  fallback: Backend = cpu,
): Backend {
  return opts.device === undefined || opts.device === null
    ? fallback
    : resolveDevice(opts.device);
}

/**
 * Applies the factory options that are not about values: the device (a tensor made elsewhere is
 * copied there) and requires_grad.
 */
export function finishFactory(
  t: Tensor,
  opts: FactoryOptions,
  fallback?: Backend,
): Tensor {
  const backend = factoryBackend(opts, fallback ?? t.storage.backend);
  if (t.storage.backend !== backend) t = transfer(t, backend);
  if (opts.requires_grad) {
    if (!t.dtype.is_floating_point) {
      throw new RuntimeError(
        "Only Tensors of floating point and complex dtype can require gradients",
      );
    }
    t.requires_grad = true;
  }
  return t;
}

/**
 * A tensor of `shape` and `dtype` on `backend` holding row-major `values` (doubles, or BigInts for
 * int64): made on the host, converted by the CPU's copy, and written to the device. Creation from
 * JS data, not a fallback: nothing is counted.
 */
export function fromValues(
  values: ArrayLike<number> | BigInt64Array,
  shape: readonly number[],
  dtype: DType,
  backend: Backend = cpu,
): Tensor {
  const host = Tensor.empty(shape, dtype);
  if (host.numel() > 0) {
    // A typed array is read as its own dtype (the cast from it is exact where a double's is),
    // other values through doubles.
    const own = values instanceof BigInt64Array ? int64 : typedDtype(values);
    cpu.ops.copy(host._view(), {
      buffer: own
        ? values as StorageArray
        : Float64Array.from(values as ArrayLike<number>),
      dtype: own ? own.name : "float64",
      offset: 0,
      strides: contiguousStrides(shape),
    }, shape);
  }
  return backend === cpu ? host : transfer(host, backend);
}

const TYPED: [new (...a: never[]) => unknown, DType][] = [
  [Float32Array, float32],
  [Float64Array, float64],
  [Int32Array, int32],
  [Int16Array, int16],
  [Int8Array, int8],
  [Uint8Array, uint8],
  [Uint16Array, uint16],
  [Uint32Array, uint32],
  [BigInt64Array, int64],
  [BigUint64Array, uint64],
];

/** The dtype of a typed array's elements (BigInt arrays excepted); undefined for other data. */
function typedDtype(data: unknown): DType | undefined {
  if (!ArrayBuffer.isView(data)) return undefined;
  for (const [ctor, dt] of TYPED) {
    if (data instanceof ctor) {
      return dt === int64 || dt === uint64 ? undefined : dt;
    }
  }
  return undefined;
}

/** Walks nested data once: its shape, its values as doubles, and the dtype PyTorch would infer. */
function flattenData(
  data: unknown,
): {
  shape: number[];
  values: number[];
  inferred: DType;
  bigs: Map<number, bigint> | null;
  typed: boolean;
} {
  const shape: number[] = [];
  const values: number[] = [];
  // BigInt elements by position: int64/uint64 beyond 2^53 must not pass through a double.
  let bigs: Map<number, bigint> | null = null;
  let sawFloat = false, sawInt = false, sawBool = false;
  let typed: DType | undefined;
  const walk = (x: unknown, depth: number): void => {
    if (
      typeof x === "number" || typeof x === "boolean" || typeof x === "bigint"
    ) {
      if (depth !== shape.length) {
        throw new RuntimeError(
          `expected sequence of length ${
            shape[depth]
          } at dim ${depth} (got a number)`,
        );
      }
      if (typeof x === "boolean") sawBool = true;
      // An integral number beyond int64 is a float, as Python's 1e20 is.
      else if (typeof x === "bigint" || isInt64(x)) sawInt = true;
      else sawFloat = true;
      if (typeof x === "bigint") (bigs ??= new Map()).set(values.length, x);
      values.push(Number(x));
      return;
    }
    if (x instanceof Tensor) {
      walk(x.tolist(), depth);
      if (x.dtype.is_floating_point) sawFloat = true;
      return;
    }
    if (x === null || typeof x !== "object" || !("length" in x)) {
      throw new TypeError(
        `Could not infer dtype of ${x === null ? "null" : typeof x}`,
      );
    }
    const arr = x as ArrayLike<unknown>;
    for (const [ctor, dt] of TYPED) if (x instanceof ctor) typed ??= dt;
    if (depth === shape.length) shape.push(arr.length);
    else if (shape[depth] !== arr.length) {
      throw new RuntimeError(
        `expected sequence of length ${
          shape[depth]
        } at dim ${depth} (got ${arr.length})`,
      );
    }
    for (let i = 0; i < arr.length; i++) walk(arr[i], depth + 1);
  };
  walk(data, 0);
  const inferred = typed ??
    (sawFloat
      ? get_default_dtype()
      : sawInt
      ? int64
      : sawBool
      ? bool
      : get_default_dtype());
  return { shape, values, inferred, bigs, typed: typed !== undefined };
}

/**
 * `torch.tensor(data, { dtype, requires_grad })`: a new tensor holding a copy of `data`.
 * JavaScript has one number type, so `[1, 2]` infers int64 as PyTorch's `[1, 2]` does, and
 * `[1.0, 2.0]` does too: pass `{ dtype: torch.float32 }` for floats with integral values.
 * @example torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64 })
 */
export function tensor(data: TensorData, opts: FactoryOptions = {}): Tensor {
  if (data instanceof Tensor) {
    // A copy of the tensor's elements, exact in every dtype, on its device unless one is given.
    const dtype = dtypeArg(opts.dtype) ?? data.dtype;
    return finishFactory(
      cast(data.detach(), dtype, true),
      opts,
      data.storage.backend,
    );
  }
  const wanted = dtypeArg(opts.dtype);
  if (wanted?.is_complex || hasComplex(data)) {
    // Parts first, then one complex tensor: Complex elements give both, numbers a real part.
    const dtype = wanted ?? toComplexType(get_default_dtype());
    const part = (pick: (c: Complex) => number, other: (v: number) => number) =>
      tensor(mapLeaves(data, pick, other), { dtype: toRealType(dtype) });
    const re = part((c) => c.real, (v) => v);
    const im = part((c) => c.imag, () => 0);
    const out = Tensor.empty(re._shape, dtype);
    complexCopy(out, re);
    pairsOf(out).select(-1, 1).copy_(im);
    return finishFactory(out, opts);
  }
  const own = typedDtype(data);
  if (own) {
    // A flat typed array (a dataset's pixels): copied as it is, not walked element by element.
    const flat = data as unknown as ArrayLike<number>;
    const dtype = wanted ?? own;
    return finishFactory(
      fromValues(flat, [flat.length], dtype, factoryBackend(opts)),
      opts,
    );
  }
  const { shape, values, inferred, bigs, typed } = flattenData(data);
  const dtype = wanted ?? inferred;
  if (!typed) checkValues(values, bigs, dtype);
  const backend = factoryBackend(opts);
  return finishFactory(
    fromValues(
      exactBigInts(data, bigs, values, dtype) ?? values,
      shape,
      dtype,
      backend,
    ),
    opts,
  );
}

/** Whether nested data holds a Complex element. */
function hasComplex(data: unknown): boolean {
  if (data instanceof Complex) return true;
  return Array.isArray(data) && data.some(hasComplex);
}

/** Nested data with each Complex element mapped by `pick`, each number by `other`. */
function mapLeaves(
  data: unknown,
  pick: (c: Complex) => number,
  other: (v: number) => number,
): TensorData {
  if (data instanceof Complex) return pick(data);
  if (Array.isArray(data)) {
    return data.map((d) => mapLeaves(d, pick, other)) as TensorData;
  }
  if (typeof data === "number" || typeof data === "boolean") {
    return other(Number(data));
  }
  if (ArrayBuffer.isView(data)) {
    return Array.from(
      data as unknown as ArrayLike<number>,
      (v) => other(Number(v)),
    );
  }
  return data as TensorData;
}

/** An integral number that int64 holds (the rest are floats to `torch.tensor` and `full`). */
function isInt64(x: number): boolean {
  return Number.isInteger(x) && x >= -(2 ** 63) && x < 2 ** 63;
}

/** PyTorch's overflow check of the elements of a list stored into an integer dtype. */
function checkValues(
  values: number[],
  bigs: Map<number, bigint> | null,
  dtype: DType,
): void {
  const range = intRange(dtype);
  if (!range) return;
  // Values well inside the range (and exact as doubles) pass without the exact check.
  const lo = Math.max(Number(range[0]), -(2 ** 53));
  const hi = Math.min(Number(range[1]), 2 ** 53);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= lo && v <= hi && !bigs?.has(i)) continue;
    checkScalar(bigs?.get(i) ?? v, dtype, "tensor");
  }
}

/**
 * The elements as int64 bits when the target is int64 or uint64 and the data holds BigInts (a
 * BigInt64Array, a BigUint64Array, or BigInts among integral numbers), so that values beyond 2^53
 * arrive exactly (uint64 takes the bits as an unsigned value, as a C cast does).
 */
function exactBigInts(
  data: unknown,
  bigs: Map<number, bigint> | null,
  values: number[],
  dtype: DType,
): BigInt64Array | undefined {
  if (dtype !== int64 && dtype !== uint64) return undefined;
  if (data instanceof BigInt64Array) return data;
  if (data instanceof BigUint64Array) {
    return new BigInt64Array(data.buffer, data.byteOffset, data.length);
  }
  if (!bigs || !values.every((v, i) => bigs.has(i) || Number.isInteger(v))) {
    return undefined;
  }
  return BigInt64Array.from(
    values,
    (v, i) => BigInt.asIntN(64, bigs.get(i) ?? BigInt(v)),
  );
}

/** Splits `(2, 3, { dtype })` or `([2, 3], { dtype })` into a shape and options. */
export function sizeAndOptions<O extends object>(
  fn: string,
  args: unknown[],
): [number[], O] {
  const last = args[args.length - 1];
  const opts = (isOptions(last) ? last : {}) as O;
  const dims = isOptions(last) ? args.slice(0, -1) : args;
  return [shapeArg(fn, dims), opts];
}

function filled(
  shape: number[],
  value: number,
  opts: FactoryOptions,
  dtype: DType,
): Tensor {
  const backend = factoryBackend(opts);
  const t = Tensor.empty(shape, dtype, backend);
  if (value !== 0 && t.numel() > 0) {
    backend.ops.fill(t._fillView(), roundScalar(value, dtype), shape);
  }
  return finishFactory(t, opts);
}

/** `torch.empty(2, 3)`: uninitialised in PyTorch; here zero-filled, since JS memory starts at zero. */
export function empty(...args: (number | number[] | FactoryOptions)[]): Tensor {
  const [shape, opts] = sizeAndOptions<FactoryOptions>("empty", args);
  return filled(shape, 0, opts, dtypeArg(opts.dtype) ?? get_default_dtype());
}

/** `torch.zeros(2, 3, { dtype })`. */
export function zeros(...args: (number | number[] | FactoryOptions)[]): Tensor {
  const [shape, opts] = sizeAndOptions<FactoryOptions>("zeros", args);
  return filled(shape, 0, opts, dtypeArg(opts.dtype) ?? get_default_dtype());
}

/** `torch.ones(2, 3, { dtype })`. */
export function ones(...args: (number | number[] | FactoryOptions)[]): Tensor {
  const [shape, opts] = sizeAndOptions<FactoryOptions>("ones", args);
  return filled(shape, 1, opts, dtypeArg(opts.dtype) ?? get_default_dtype());
}

/** `torch.full([2, 3], 7)`: the dtype follows the fill value (bool, int64 or float) unless given. */
export function full(
  size: number[],
  fill_value: number | boolean | bigint,
  opts: FactoryOptions = {},
): Tensor {
  const inferred = typeof fill_value === "boolean"
    ? bool
    : typeof fill_value === "bigint" || isInt64(fill_value)
    ? int64
    : get_default_dtype();
  const dtype = dtypeArg(opts.dtype) ?? inferred;
  checkScalar(fill_value, dtype, "factory");
  return filled(shapeArg("full", [size]), Number(fill_value), opts, dtype);
}

/** x's dtype and device unless opts say otherwise. */
function likeOpts(
  x: Tensor,
  opts: FactoryOptions,
): FactoryOptions & { dtype: DType } {
  return {
    ...opts,
    dtype: dtypeArg(opts.dtype) ?? x.dtype,
    device: opts.device ?? x.device,
  };
}

/** `torch.empty_like(x)`: x's shape and dtype (unless opts say otherwise); zero-filled here. */
export function empty_like(x: Tensor, opts: FactoryOptions = {}): Tensor {
  return zeros(x._shape, likeOpts(x, opts));
}

/** `torch.zeros_like(x)`: zeros of x's shape and dtype (unless opts say otherwise). */
export function zeros_like(x: Tensor, opts: FactoryOptions = {}): Tensor {
  return zeros(x._shape, likeOpts(x, opts));
}

/** `torch.ones_like(x)`: ones of x's shape and dtype (unless opts say otherwise). */
export function ones_like(x: Tensor, opts: FactoryOptions = {}): Tensor {
  return ones(x._shape, likeOpts(x, opts));
}

/** `torch.full_like(x, fill_value)`: fill_value in x's shape and dtype (unless opts say otherwise). */
export function full_like(
  x: Tensor,
  fill_value: number | boolean,
  opts: FactoryOptions = {},
): Tensor {
  return full(x._shape, fill_value, likeOpts(x, opts));
}

/**
 * `torch.arange(end)`, `arange(start, end, step = 1)`: int64 when every bound is an integer,
 * else the default float; element i is `start + i * step` computed in double.
 */
export function arange(...args: (number | FactoryOptions)[]): Tensor {
  const opts =
    (isOptions(args[args.length - 1]) ? args.pop() : {}) as FactoryOptions;
  const nums = args as number[];
  if (nums.length < 1 || nums.length > 3) {
    throw new TypeError("arange() takes 1 to 3 positional arguments");
  }
  let [start, end, step] = nums.length === 1
    ? [0, nums[0], 1]
    : [nums[0], nums[1], nums[2] ?? 1];
  const dtype = dtypeArg(opts.dtype) ??
    (nums.every(Number.isInteger) ? int64 : get_default_dtype());
  if (!dtype.is_floating_point) {
    [start, end, step] = [start, end, step].map(Math.trunc);
  }
  if (step === 0) throw new RuntimeError("step must be nonzero");
  if (![start, end].every(Number.isFinite)) {
    throw new RuntimeError("unsupported range: " + start + " -> " + end);
  }
  if ((step > 0 && end < start) || (step < 0 && end > start)) {
    throw new RuntimeError(
      "upper bound and larger bound inconsistent with step sign",
    );
  }
  const n = Math.ceil((end - start) / step);
  let values: Float64Array;
  try {
    values = new Float64Array(n);
  } catch (e) {
    // Too long to build: the allocation of the result says so in PyTorch's words.
    if (e instanceof RangeError) Tensor.empty([n], dtype, factoryBackend(opts));
    throw e;
  }
  for (let i = 0; i < n; i++) values[i] = start + i * step;
  return finishFactory(
    fromValues(values, [n], dtype, factoryBackend(opts)),
    opts,
  );
}

/**
 * `torch.linspace(start, end, steps, { dtype })`: evenly spaced, filled from both ends as PyTorch
 * does; one step gives `[start]`.
 * @example torch.linspace(0, 1, { steps: 5 })
 */
export function linspace(...args: unknown[]): Tensor {
  const o = parseArgs("linspace", args, ["start", "end", "steps"], {
    start: undefined as number | undefined,
    end: undefined as number | undefined,
    steps: undefined as number | undefined,
    dtype: undefined as FactoryOptions["dtype"],
    device: undefined as string | undefined,
    requires_grad: false,
  });
  const start = required("linspace", "start", o.start);
  const end = required("linspace", "end", o.end);
  const steps = required("linspace", "steps", o.steps);
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RuntimeError("number of steps must be non-negative");
  }
  const dtype = dtypeArg(o.dtype) ?? get_default_dtype();
  const values = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    values[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  }
  if (steps === 1) values[0] = start;
  return finishFactory(
    fromValues(values, [steps], dtype, factoryBackend(o)),
    o,
  );
}

/** `torch.eye(n, m = n)`: ones on the diagonal. */
export function eye(
  n: number,
  m?: number | FactoryOptions,
  opts: FactoryOptions = {},
): Tensor {
  if (isOptions(m)) [m, opts] = [undefined, m as FactoryOptions];
  const cols = (m as number | undefined) ?? n;
  if (n < 0 || cols < 0) {
    throw new RuntimeError(
      `n must be greater or equal to 0, got ${n < 0 ? n : cols}`,
    );
  }
  const t = zeros([n, cols], {
    dtype: dtypeArg(opts.dtype) ?? get_default_dtype(),
    device: opts.device,
  });
  // The diagonal is a strided view of the storage: one fill.
  const k = Math.min(n, cols);
  if (k > 0) {
    t.storage.backend.ops.fill(
      { ...t._view(), strides: [cols + 1] },
      1,
      [k],
    );
  }
  return finishFactory(t, opts);
}
