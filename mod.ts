// flambeau: PyTorch for TypeScript. `import * as torch from "./mod.ts"` gives the torch namespace.

import {
  type Binary,
  binaryFns,
  installMethods,
  type Unary,
  unaryFns,
} from "./src/ops/methods.ts";
import { Tensor as TensorClass } from "./src/tensor.ts";
import { type DType, result_type as resultTypeOf } from "./src/dtype.ts";

installMethods();

export type { NestedList } from "./src/tensor.ts";

/** The tensor type: `x: torch.Tensor`. As a value, `torch.Tensor` is the legacy constructor. */
export type Tensor = TensorClass;
/**
 * The Tensor class itself, exported under a second name for documentation only: `torch.Tensor`
 * cannot name it, since that value is the legacy constructor. Write `torch.Tensor` in your types.
 */
export type { Tensor as TensorInstance } from "./src/tensor.ts";
export type { Edge, Meta, Node } from "./src/autograd/node.ts";
export type { Binary, Unary } from "./src/ops/methods.ts";
export type { OutOptions } from "./src/ops/core.ts";
export type { TensorOrScalar } from "./src/ops/elementwise.ts";
export type { FactoryOptions, TensorData } from "./src/ops/creation.ts";
export type { RandomOptions } from "./src/ops/random.ts";
export type { Slice } from "./src/ops/views.ts";
export type { DTypeName, StorageArray } from "./src/dtype.ts";
export type { GradModeScope } from "./src/autograd/grad_mode.ts";
export type { PrintOptions, SetPrintOptions } from "./src/print/mod.ts";
export {
  BFloat16Tensor,
  BoolTensor,
  ByteTensor,
  CharTensor,
  DoubleTensor,
  FloatTensor,
  HalfTensor,
  IntTensor,
  type LegacyConstructor,
  LongTensor,
  ShortTensor,
  Tensor,
} from "./src/legacy.ts";

export {
  bfloat16,
  bool,
  double,
  DType as dtype,
  float,
  float16,
  float32,
  float64,
  get_default_dtype,
  half,
  int,
  int16,
  int32,
  int64,
  int8,
  long,
  promote_types,
  set_default_dtype,
  short,
  uint16,
  uint32,
  uint64,
  uint8,
} from "./src/dtype.ts";
export { FInfo, finfo, IInfo, iinfo } from "./src/dtype_info.ts";
export { Size } from "./src/shape.ts";
export { IndexError, RuntimeError, ValueError } from "./src/errors.ts";
export { get_printoptions, set_printoptions } from "./src/print/mod.ts";

export {
  arange,
  empty,
  empty_like,
  eye,
  full,
  full_like,
  linspace,
  ones,
  ones_like,
  tensor,
  zeros,
  zeros_like,
} from "./src/ops/creation.ts";
export {
  bernoulli,
  normal,
  rand,
  rand_like,
  randint,
  randn,
  randn_like,
  randperm,
} from "./src/ops/random.ts";
export {
  default_generator,
  Generator,
  get_rng_state,
  initial_seed,
  manual_seed,
  seed,
  set_rng_state,
} from "./src/random/generator.ts";

export {
  add,
  clamp,
  clamp as clip,
  div,
  div as divide,
  round,
  sub,
  sub as subtract,
  where,
} from "./src/ops/elementwise.ts";
// Unary ops take `(input, { out })`; the functions are generated from the op table in
// src/ops/elementwise.ts, and declared one by one here so that each carries its type and doc.
/** `torch.neg(input)`: -input, same dtype (bool input is an error, as in PyTorch). */
export const neg: Unary = unaryFns.neg;
/** `torch.abs(input)`: |input|, same dtype. */
export const abs: Unary = unaryFns.abs;
/** `torch.sign(input)`: -1, 0 or 1 elementwise, same dtype. */
export const sign: Unary = unaryFns.sign;
/**
 * `torch.exp(input)`: e^input; integer and bool inputs give the default float dtype.
 *
 * ```ts
 * torch.exp(torch.tensor([0, 1])); // [1, 2.7183]: integers promote to float32
 * ```
 */
export const exp: Unary = unaryFns.exp;
/** `torch.log(input)`: natural logarithm; integers give the default float dtype. */
export const log: Unary = unaryFns.log;
/** `torch.log1p(input)`: log(1 + input), accurate for small input. */
export const log1p: Unary = unaryFns.log1p;
/** `torch.expm1(input)`: e^input - 1, accurate for small input. */
export const expm1: Unary = unaryFns.expm1;
/** `torch.sqrt(input)`: square root; negative input gives NaN. */
export const sqrt: Unary = unaryFns.sqrt;
/** `torch.rsqrt(input)`: 1 / sqrt(input). */
export const rsqrt: Unary = unaryFns.rsqrt;
/** `torch.sin(input)`: sine, in radians. */
export const sin: Unary = unaryFns.sin;
/** `torch.cos(input)`: cosine, in radians. */
export const cos: Unary = unaryFns.cos;
/** `torch.tan(input)`: tangent, in radians. */
export const tan: Unary = unaryFns.tan;
/** `torch.tanh(input)`: hyperbolic tangent. */
export const tanh: Unary = unaryFns.tanh;
/** `torch.sigmoid(input)`: 1 / (1 + e^-input). */
export const sigmoid: Unary = unaryFns.sigmoid;
/** `torch.erf(input)`: the Gauss error function. */
export const erf: Unary = unaryFns.erf;
/** `torch.reciprocal(input)`: 1 / input; integers give the default float dtype. */
export const reciprocal: Unary = unaryFns.reciprocal;
/** `torch.floor(input)`: rounds down, keeping the dtype. */
export const floor: Unary = unaryFns.floor;
/** `torch.ceil(input)`: rounds up, keeping the dtype. */
export const ceil: Unary = unaryFns.ceil;
/** `torch.trunc(input)`: rounds towards zero, keeping the dtype. */
export const trunc: Unary = unaryFns.trunc;
/**
 * `torch.relu(input)`: max(input, 0), keeping the dtype.
 *
 * ```ts
 * torch.relu(torch.tensor([-1, 2])); // [0, 2], still int64
 * ```
 */
export const relu: Unary = unaryFns.relu;
/** `torch.logical_not(input)`: a bool tensor, true where input is zero. */
export const logical_not: Unary = unaryFns.logical_not;
/** `torch.isnan(input)`: a bool tensor, true where input is NaN. */
export const isnan: Unary = unaryFns.isnan;
/** `torch.isfinite(input)`: a bool tensor, true where input is neither infinite nor NaN. */
export const isfinite: Unary = unaryFns.isfinite;
/** `torch.isinf(input)`: a bool tensor, true where input is +inf or -inf. */
export const isinf: Unary = unaryFns.isinf;
// Binary ops take `(input, other, { out })`, broadcast, and promote dtypes as PyTorch does.
/**
 * `torch.mul(input, other)` (alias `multiply`): elementwise product, broadcasting and promoting dtypes.
 *
 * ```ts
 * torch.mul(torch.tensor([1, 2]), 3); // [3, 6]
 * ```
 */
export const mul: Binary = binaryFns.mul;
/** `torch.remainder(input, other)`: Python's modulus; the result takes the sign of `other`. */
export const remainder: Binary = binaryFns.remainder;
/** `torch.fmod(input, other)`: C's fmod; the result takes the sign of `input`. */
export const fmod: Binary = binaryFns.fmod;
/** `torch.pow(input, exponent)`: either may be a number (`torch.pow(2, t)`); integer powers stay integers. */
export const pow: Binary = binaryFns.pow;
/** `torch.maximum(input, other)`: elementwise maximum, propagating NaN. */
export const maximum: Binary = binaryFns.maximum;
/** `torch.minimum(input, other)`: elementwise minimum, propagating NaN. */
export const minimum: Binary = binaryFns.minimum;
/** `torch.atan2(input, other)`: atan(input / other) in the correct quadrant; integers give floats. */
export const atan2: Binary = binaryFns.atan2;
/**
 * `torch.eq(input, other)`: a bool tensor, true where input == other (broadcasting).
 *
 * ```ts
 * torch.eq(torch.tensor([1, 2]), 2); // [false, true], dtype bool
 * ```
 */
export const eq: Binary = binaryFns.eq;
/** `torch.ne(input, other)`: a bool tensor, true where input != other. */
export const ne: Binary = binaryFns.ne;
/** `torch.lt(input, other)` (alias `less`): a bool tensor, true where input < other. */
export const lt: Binary = binaryFns.lt;
/** `torch.le(input, other)`: a bool tensor, true where input <= other. */
export const le: Binary = binaryFns.le;
/** `torch.gt(input, other)` (alias `greater`): a bool tensor, true where input > other. */
export const gt: Binary = binaryFns.gt;
/** `torch.ge(input, other)`: a bool tensor, true where input >= other. */
export const ge: Binary = binaryFns.ge;
/** `torch.logical_and(input, other)`: a bool tensor, true where both are nonzero. */
export const logical_and: Binary = binaryFns.logical_and;
/** `torch.logical_or(input, other)`: a bool tensor, true where either is nonzero. */
export const logical_or: Binary = binaryFns.logical_or;
/** `torch.logical_xor(input, other)`: a bool tensor, true where exactly one is nonzero. */
export const logical_xor: Binary = binaryFns.logical_xor;
export { gt as greater, lt as less, mul as multiply };
export { floor_divide } from "./src/ops/methods.ts";

export {
  all,
  amax,
  amin,
  any,
  argmax,
  argmin,
  cumprod,
  cumsum,
  logsumexp,
  max,
  mean,
  min,
  norm,
  prod,
  std,
  std_mean,
  sum,
  type ValuesIndices,
  var_ as var,
  var_mean,
} from "./src/ops/reduce.ts";
export { bmm, dot, matmul, mm, mv, outer } from "./src/ops/linalg.ts";
export { log_softmax, softmax } from "./src/ops/activation.ts";
export {
  allclose,
  cat,
  concat,
  equal,
  gather,
  index_select,
  masked_fill,
  masked_select,
  nonzero,
  scatter,
  scatter_add,
  stack,
} from "./src/ops/indexing.ts";
export { argsort, sort, topk, unique } from "./src/ops/sorting.ts";
export {
  chunk,
  flatten,
  type Index,
  narrow,
  permute,
  reshape,
  select,
  slice,
  split,
  squeeze,
  swapaxes,
  swapdims,
  t,
  transpose,
  unbind,
  unflatten,
  unsqueeze,
} from "./src/ops/views.ts";

/** `torch.nn`: modules, layers, losses, `functional` (F), `init` and `utils`. */
export * as nn from "./src/nn/mod.ts";
/** `torch.optim`: optimizers (SGD, Adam, ...) and `lr_scheduler`. */
export * as optim from "./src/optim/mod.ts";
import * as data from "./src/data/mod.ts";

/** `torch.utils`: `torch.utils.data` (Dataset, DataLoader, random_split). */
export const utils = { data };

export { from_numpy, type NDArray, type NDArrayLike } from "./interop/numpy.ts";
export { load, save } from "./interop/checkpoint.ts";
export { load_npy } from "./interop/npy.ts";

/** `torch.is_tensor(x)`. */
export function is_tensor(x: unknown): x is TensorClass {
  return x instanceof TensorClass;
}

/** `torch.numel(x)`. */
export function numel(x: TensorClass): number {
  return x.numel();
}

/** `torch.result_type(a, b)`: the dtype an arithmetic op on a and b returns. */
export function result_type(
  a: TensorClass | number | boolean,
  b: TensorClass | number | boolean,
): DType {
  const op = (v: TensorClass | number | boolean) =>
    v instanceof TensorClass ? { dtype: v.dtype, dim: v.dim() } : v;
  return resultTypeOf(op(a), op(b));
}

export {
  enable_grad,
  is_grad_enabled,
  no_grad,
  set_grad_enabled,
} from "./src/autograd/grad_mode.ts";
import * as autogradFns from "./src/autograd/functions.ts";
import * as gradMode from "./src/autograd/grad_mode.ts";
import { gradcheck } from "./src/autograd/gradcheck.ts";

/**
 * `torch.autograd`: `Variable` (PyTorch 0.3's wrapper), `grad`, `backward`, and the grad-mode
 * switches.
 */
export const autograd = {
  Variable: autogradFns.Variable,
  grad: autogradFns.grad,
  gradcheck,
  /** `torch.autograd.backward(tensors, grad_tensors)`. */
  backward(
    tensors: TensorClass | TensorClass[],
    grad_tensors?: TensorClass | (TensorClass | undefined)[] | null,
    opts: autogradFns.BackwardOptions = {},
  ): void {
    const ts = Array.isArray(tensors) ? tensors : [tensors];
    const gs = grad_tensors == null
      ? []
      : Array.isArray(grad_tensors)
      ? grad_tensors
      : [grad_tensors];
    // One sweep per root keeps the engine single-rooted; the graph must be kept between them.
    ts.forEach((t, i) =>
      autogradFns.backward(t, gs[i], {
        ...opts,
        retain_graph: i < ts.length - 1 ? true : opts.retain_graph,
      })
    );
  },
  no_grad: gradMode.no_grad,
  enable_grad: gradMode.enable_grad,
  set_grad_enabled: gradMode.set_grad_enabled,
};

/**
 * `torch.webgpu`: the WebGPU device. Its backend (design.md §4, the device thread) is the next wave, so
 * `is_available()` is false even where the runtime has an adapter: no tensor can live there yet.
 */
export const webgpu: { is_available(): boolean; device_count(): number } = {
  is_available: (): boolean => false,
  device_count: (): number => 0,
};

/** `torch.cuda`: CUDA is spelled WebGPU here (`"cuda"` is an alias of `"webgpu"`); see `torch.webgpu`. */
export const cuda: { is_available(): boolean; device_count(): number } = webgpu;

import * as fallback from "./src/ops/_fallback.ts";
import {
  findBackend,
  registerBackend,
  registeredDevices,
  unregisterBackend,
} from "./src/backend/registry.ts";
export type {
  Backend,
  BinaryOp,
  Primitives,
  ReduceOp,
  UnaryOp,
  View,
} from "./src/backend/backend.ts";

/**
 * `torch.backends`: the device seam. `fallback` counts the ops that ran on the host for want of a
 * primitive (and can refuse them off the CPU); `register` plugs a device backend in.
 *
 * ```ts
 * torch.backends.fallback.set_mode("error"); // no silent host round trips off the CPU
 * torch.backends.fallback.counts();          // { sort: 2, ... }
 * ```
 */
export const backends: {
  fallback: {
    counts(): Record<string, number>;
    total(): number;
    reset(): void;
    set_mode(m: "allow" | "error"): void;
    get_mode(): "allow" | "error";
  };
  register: typeof registerBackend;
  unregister: typeof unregisterBackend;
  find: typeof findBackend;
  devices: typeof registeredDevices;
  /**
   * PyTorch's cuDNN flags, which real scripts set (`torch.backends.cudnn.benchmark = true`): kept so
   * those lines run; nothing here uses cuDNN, so they change nothing.
   */
  cudnn: {
    enabled: boolean;
    benchmark: boolean;
    deterministic: boolean;
    allow_tf32: boolean;
    is_available(): boolean;
  };
  /** `torch.backends.mps`: Apple's Metal device, which flambeau does not have. */
  mps: { is_available(): boolean; is_built(): boolean };
} = {
  fallback: {
    counts: fallback.counts,
    total: fallback.total,
    reset: fallback.reset,
    set_mode: fallback.set_mode,
    get_mode: fallback.get_mode,
  },
  register: registerBackend,
  unregister: unregisterBackend,
  find: findBackend,
  devices: registeredDevices,
  cudnn: {
    enabled: true,
    benchmark: false,
    deterministic: false,
    allow_tf32: true,
    is_available: (): boolean => false,
  },
  mps: { is_available: (): boolean => false, is_built: (): boolean => false },
};

export { Device, device } from "./src/device.ts";
export type { DeviceLike } from "./src/device.ts";
