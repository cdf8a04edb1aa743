// flambeau: PyTorch for TypeScript. `import * as torch from "./mod.ts"` gives the torch namespace.

import { installMethods, torchFns } from "./src/ops/methods.ts";
import type { Tensor as TensorClass } from "./src/tensor.ts";
import { signedAs } from "./src/signature.ts";

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
/** The `ctx` of a `torch.autograd.Function`'s forward and backward. */
export type { FunctionCtx } from "./src/autograd/function.ts";
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
  cdouble,
  cfloat,
  complex128,
  complex64,
  double,
  DType as dtype,
  float,
  float16,
  float32,
  float64,
  half,
  int,
  int16,
  int32,
  int64,
  int8,
  long,
  short,
  uint16,
  uint32,
  uint64,
  uint8,
} from "./src/dtype.ts";
export { FInfo, IInfo } from "./src/dtype_info.ts";
export { Size } from "./src/shape.ts";
export { IndexError, RuntimeError, ValueError } from "./src/errors.ts";

// The `torch.*` functions, each bound through its Python signature (src/ops/signatures.ts): every
// parameter positionally or by name in a trailing options object, as PyTorch binds it.
export const tensor = torchFns.tensor;
export const empty = torchFns.empty;
export const zeros = torchFns.zeros;
export const ones = torchFns.ones;
export const full = torchFns.full;
export const empty_like = torchFns.empty_like;
export const zeros_like = torchFns.zeros_like;
export const ones_like = torchFns.ones_like;
export const full_like = torchFns.full_like;
export const arange = torchFns.arange;
export const linspace = torchFns.linspace;
export const eye = torchFns.eye;
export const rand = torchFns.rand;
export const randn = torchFns.randn;
export const randint = torchFns.randint;
export const randperm = torchFns.randperm;
export const rand_like = torchFns.rand_like;
export const randn_like = torchFns.randn_like;
export const bernoulli = torchFns.bernoulli;
export const multinomial = torchFns.multinomial;
export const poisson = torchFns.poisson;
export const normal = torchFns.normal;
export const add = torchFns.add;
export const sub = torchFns.sub;
export const subtract = torchFns.subtract;
export const div = torchFns.div;
export const divide = torchFns.divide;
export const clamp = torchFns.clamp;
export const clip = torchFns.clip;
export const round = torchFns.round;
export const floor_divide = torchFns.floor_divide;
export const sum = torchFns.sum;
export const mean = torchFns.mean;
export const prod = torchFns.prod;
export const amax = torchFns.amax;
export const amin = torchFns.amin;
export const argmax = torchFns.argmax;
export const argmin = torchFns.argmin;
export const all = torchFns.all;
export const any = torchFns.any;
export const std = torchFns.std;
export const std_mean = torchFns.std_mean;
export const var_mean = torchFns.var_mean;
export const norm = torchFns.norm;
export const logsumexp = torchFns.logsumexp;
export const cumsum = torchFns.cumsum;
export const cumprod = torchFns.cumprod;
export const softmax = torchFns.softmax;
export const log_softmax = torchFns.log_softmax;
export const matmul = torchFns.matmul;
export const mm = torchFns.mm;
export const bmm = torchFns.bmm;
export const mv = torchFns.mv;
export const dot = torchFns.dot;
export const outer = torchFns.outer;
export const flip = torchFns.flip;
export const roll = torchFns.roll;
export const tril = torchFns.tril;
export const triu = torchFns.triu;
export const tile = torchFns.tile;
export const square = torchFns.square;
export const lerp = torchFns.lerp;
export const addcmul = torchFns.addcmul;
export const addcdiv = torchFns.addcdiv;
export const addmm = torchFns.addmm;
export const isclose = torchFns.isclose;
export const broadcast_to = torchFns.broadcast_to;
export const broadcast_tensors = torchFns.broadcast_tensors;
export const diag = torchFns.diag;
export const baddbmm = torchFns.baddbmm;
export const tensor_split = torchFns.tensor_split;
export const meshgrid = torchFns.meshgrid;
export const index_add = torchFns.index_add;
export const index_copy = torchFns.index_copy;
export const index_put = torchFns.index_put;
export const index_fill = torchFns.index_fill;
export const take = torchFns.take;
export const kthvalue = torchFns.kthvalue;
export const mode = torchFns.mode;
export const repeat_interleave = torchFns.repeat_interleave;
export const cdist = torchFns.cdist;
export const complex = torchFns.complex;
export const polar = torchFns.polar;
export const view_as_real = torchFns.view_as_real;
export const view_as_complex = torchFns.view_as_complex;
export const conj = torchFns.conj;
export const conj_physical = torchFns.conj_physical;
export const angle = torchFns.angle;
export const sgn = torchFns.sgn;
export const real = torchFns.real;
export const imag = torchFns.imag;
export const is_complex = torchFns.is_complex;
/** A complex number: what `item()` and `tolist()` give for complex elements; `torch.tensor` takes it. */
export { Complex } from "./src/complex.ts";
export const einsum = torchFns.einsum;
export const cosine_similarity = torchFns.cosine_similarity;
export const bincount = torchFns.bincount;
export const histc = torchFns.histc;
/** `torch.pi`: π, as Python's math.pi. */
export const pi: number = Math.PI;
export const cat = torchFns.cat;
export const concat = torchFns.concat;
export const stack = torchFns.stack;
export const gather = torchFns.gather;
export const scatter = torchFns.scatter;
export const scatter_add = torchFns.scatter_add;
export const index_select = torchFns.index_select;
export const masked_fill = torchFns.masked_fill;
export const masked_select = torchFns.masked_select;
export const nonzero = torchFns.nonzero;
export const allclose = torchFns.allclose;
export const equal = torchFns.equal;
export const sort = torchFns.sort;
export const argsort = torchFns.argsort;
export const topk = torchFns.topk;
export const unique = torchFns.unique;
export const chunk = torchFns.chunk;
export const flatten = torchFns.flatten;
export const narrow = torchFns.narrow;
export const permute = torchFns.permute;
export const reshape = torchFns.reshape;
export const select = torchFns.select;
export const split = torchFns.split;
export const squeeze = torchFns.squeeze;
export const swapaxes = torchFns.swapaxes;
export const swapdims = torchFns.swapdims;
export const t = torchFns.t;
export const transpose = torchFns.transpose;
export const unbind = torchFns.unbind;
export const unflatten = torchFns.unflatten;
export const unsqueeze = torchFns.unsqueeze;
const var_ = torchFns.var;
export { var_ as var };
export { max, median, min, where } from "./src/ops/methods.ts";
export type { ValuesIndices } from "./src/ops/reduce.ts";
export type { Index } from "./src/ops/views.ts";
/** `torch.greater`: `gt`. */
export const greater = torchFns.greater;
/** `torch.less`: `lt`. */
export const less = torchFns.less;
/** `torch.multiply`: `mul`. */
export const multiply = torchFns.multiply;

// Unary ops take `(input, { out })`; the functions are generated from the op table in
// src/ops/elementwise.ts, and declared one by one here so that each carries its type and doc.
/** `torch.neg(input)`: -input, same dtype (bool input is an error, as in PyTorch). */
export const neg = torchFns.neg;
/** `torch.abs(input)`: |input|, same dtype. */
export const abs = torchFns.abs;
/** `torch.sign(input)`: -1, 0 or 1 elementwise, same dtype. */
export const sign = torchFns.sign;
/**
 * `torch.exp(input)`: e^input; integer and bool inputs give the default float dtype.
 *
 * ```ts
 * torch.exp(torch.tensor([0, 1])); // [1, 2.7183]: integers promote to float32
 * ```
 */
export const exp = torchFns.exp;
/** `torch.log(input)`: natural logarithm; integers give the default float dtype. */
export const log = torchFns.log;
/** `torch.log1p(input)`: log(1 + input), accurate for small input. */
export const log1p = torchFns.log1p;
/** `torch.expm1(input)`: e^input - 1, accurate for small input. */
export const expm1 = torchFns.expm1;
/** `torch.sqrt(input)`: square root; negative input gives NaN. */
export const sqrt = torchFns.sqrt;
/** `torch.rsqrt(input)`: 1 / sqrt(input). */
export const rsqrt = torchFns.rsqrt;
/** `torch.sin(input)`: sine, in radians. */
export const sin = torchFns.sin;
/** `torch.cos(input)`: cosine, in radians. */
export const cos = torchFns.cos;
/** `torch.tan(input)`: tangent, in radians. */
export const tan = torchFns.tan;
/** `torch.tanh(input)`: hyperbolic tangent. */
export const tanh = torchFns.tanh;
/** `torch.sigmoid(input)`: 1 / (1 + e^-input). */
export const sigmoid = torchFns.sigmoid;
/** `torch.erf(input)`: the Gauss error function. */
export const erf = torchFns.erf;
/** `torch.reciprocal(input)`: 1 / input; integers give the default float dtype. */
export const reciprocal = torchFns.reciprocal;
/** `torch.floor(input)`: rounds down, keeping the dtype. */
export const floor = torchFns.floor;
/** `torch.ceil(input)`: rounds up, keeping the dtype. */
export const ceil = torchFns.ceil;
/** `torch.trunc(input)`: rounds towards zero, keeping the dtype. */
export const trunc = torchFns.trunc;
/**
 * `torch.relu(input)`: max(input, 0), keeping the dtype.
 *
 * ```ts
 * torch.relu(torch.tensor([-1, 2])); // [0, 2], still int64
 * ```
 */
export const relu = torchFns.relu;
/** `torch.logical_not(input)`: a bool tensor, true where input is zero. */
export const logical_not = torchFns.logical_not;
/** `torch.isnan(input)`: a bool tensor, true where input is NaN. */
export const isnan = torchFns.isnan;
/** `torch.isfinite(input)`: a bool tensor, true where input is neither infinite nor NaN. */
export const isfinite = torchFns.isfinite;
/** `torch.isinf(input)`: a bool tensor, true where input is +inf or -inf. */
export const isinf = torchFns.isinf;
// Binary ops take `(input, other, { out })`, broadcast, and promote dtypes as PyTorch does.
/**
 * `torch.mul(input, other)` (alias `multiply`): elementwise product, broadcasting and promoting dtypes.
 *
 * ```ts
 * torch.mul(torch.tensor([1, 2]), 3); // [3, 6]
 * ```
 */
export const mul = torchFns.mul;
/** `torch.remainder(input, other)`: Python's modulus; the result takes the sign of `other`. */
export const remainder = torchFns.remainder;
/** `torch.fmod(input, other)`: C's fmod; the result takes the sign of `input`. */
export const fmod = torchFns.fmod;
/** `torch.pow(input, exponent)`: either may be a number (`torch.pow(2, t)`); integer powers stay integers. */
export const pow = torchFns.pow;
/** `torch.maximum(input, other)`: elementwise maximum, propagating NaN. */
export const maximum = torchFns.maximum;
/** `torch.minimum(input, other)`: elementwise minimum, propagating NaN. */
export const minimum = torchFns.minimum;
/** `torch.atan2(input, other)`: atan(input / other) in the correct quadrant; integers give floats. */
export const atan2 = torchFns.atan2;
/**
 * `torch.eq(input, other)`: a bool tensor, true where input == other (broadcasting).
 *
 * ```ts
 * torch.eq(torch.tensor([1, 2]), 2); // [false, true], dtype bool
 * ```
 */
export const eq = torchFns.eq;
/** `torch.ne(input, other)`: a bool tensor, true where input != other. */
export const ne = torchFns.ne;
/** `torch.lt(input, other)` (alias `less`): a bool tensor, true where input < other. */
export const lt = torchFns.lt;
/** `torch.le(input, other)`: a bool tensor, true where input <= other. */
export const le = torchFns.le;
/** `torch.gt(input, other)` (alias `greater`): a bool tensor, true where input > other. */
export const gt = torchFns.gt;
/** `torch.ge(input, other)`: a bool tensor, true where input >= other. */
export const ge = torchFns.ge;
/** `torch.logical_and(input, other)`: a bool tensor, true where both are nonzero. */
export const logical_and = torchFns.logical_and;
/** `torch.logical_or(input, other)`: a bool tensor, true where either is nonzero. */
export const logical_or = torchFns.logical_or;
/** `torch.logical_xor(input, other)`: a bool tensor, true where exactly one is nonzero. */
export const logical_xor = torchFns.logical_xor;

/** `torch.nn`: modules, layers, losses, `functional` (F), `init` and `utils`. */
export * as nn from "./src/nn/mod.ts";
/** `torch.linalg`: norms, det, inv, solve, cholesky, qr, eigh, svd (with gradients). */
export { linalg } from "./src/linalg/torch.ts";
/** `torch.fft`: fft, ifft, rfft, irfft, fftn, ifftn, fft2, ifft2, rfftn, irfftn, rfft2, irfft2 and helpers. */
export { fft } from "./src/fft/torch.ts";
/** torchvision's datasets (MNIST, FashionMNIST, CIFAR10 from local files) and transforms. */
export * as vision from "./src/vision/index.ts";
/** `torch.optim`: optimizers (SGD, Adam, ...) and `lr_scheduler`. */
export * as optim from "./src/optim/mod.ts";
import * as data from "./src/data/mod.ts";

/** `torch.utils`: `torch.utils.data` (Dataset, DataLoader, random_split). */
export const utils = { data };

export { NDArray } from "./interop/numpy.ts";
export type { NDArrayLike } from "./interop/numpy.ts";
export {
  autograd,
  default_generator,
  device,
  enable_grad,
  finfo,
  from_numpy,
  Generator,
  get_default_dtype,
  get_num_threads,
  get_printoptions,
  get_rng_state,
  iinfo,
  inference_mode,
  initial_seed,
  is_anomaly_enabled,
  is_grad_enabled,
  is_tensor,
  load,
  load_npy,
  manual_seed,
  no_grad,
  numel,
  promote_types,
  result_type,
  save,
  seed,
  set_default_dtype,
  set_grad_enabled,
  set_num_threads,
  set_printoptions,
  set_rng_state,
  slice,
} from "./src/torch_misc.ts";

import * as webgpuApi from "./src/backend/webgpu.ts";

/** What `torch.webgpu` and its alias `torch.cuda` offer. */
export interface WebGPUModule {
  is_available(): boolean;
  device_count(): number;
  get_device_name(device?: unknown): string;
  synchronize(device?: unknown): void;
  memory_allocated(device?: unknown): number;
  max_memory_allocated(device?: unknown): number;
  reset_peak_memory_stats(device?: unknown): void;
  empty_cache(): void;
}

/**
 * `torch.webgpu`: the WebGPU device (design.md §4). `is_available()` looks for an adapter the
 * first time it is asked (Deno's built-in WebGPU; none under Bun and Node), starting the device
 * thread.
 */
export const webgpu: WebGPUModule = {
  is_available: signedAs(
    "torch.webgpu.is_available",
    "()",
    webgpuApi.is_available,
  ),
  device_count: signedAs(
    "torch.webgpu.device_count",
    "()",
    webgpuApi.device_count,
  ),
  get_device_name: signedAs(
    "torch.webgpu.get_device_name",
    "(device: device? = None)",
    (_device?: unknown) => webgpuApi.get_device_name(),
  ),
  synchronize: signedAs(
    "torch.webgpu.synchronize",
    "(device: device? = None)",
    (_device?: unknown) => webgpuApi.synchronize(),
  ),
  memory_allocated: signedAs(
    "torch.webgpu.memory_allocated",
    "(device: device? = None)",
    (_device?: unknown) => webgpuApi.memory_allocated(),
  ),
  max_memory_allocated: signedAs(
    "torch.webgpu.max_memory_allocated",
    "(device: device? = None)",
    (_device?: unknown) => webgpuApi.max_memory_allocated(),
  ),
  reset_peak_memory_stats: signedAs(
    "torch.webgpu.reset_peak_memory_stats",
    "(device: device? = None)",
    (_device?: unknown) => webgpuApi.reset_peak_memory_stats(),
  ),
  empty_cache: signedAs(
    "torch.webgpu.empty_cache",
    "()",
    webgpuApi.empty_cache,
  ),
};

/** `torch.cuda`: CUDA is spelled WebGPU here (`"cuda"` is an alias of `"webgpu"`); see `torch.webgpu`. */
export const cuda: WebGPUModule = webgpu;

import * as fallback from "./src/ops/_fallback.ts";
import {
  blasInfo,
  type BlasMode,
  findBackend,
  registerBackend,
  registeredDevices,
  setBlas,
  setSimd,
  type SimdMode,
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
  /**
   * The CPU's matrix products (matmul, linear, convolution): OpenBLAS through the runtime's FFI
   * where it loads (Deno needs --allow-ffi), else, in float32, a WebAssembly SIMD kernel, else
   * JavaScript. `info()` says which; `set_blas("off" | "openblas" | "auto")` forces the BLAS
   * either way (FLAMBEAU_BLAS=off in the environment), `set_simd("off" | "auto")` the SIMD
   * kernel (FLAMBEAU_SIMD=off).
   */
  cpu: {
    info(): ReturnType<typeof blasInfo>;
    set_blas(mode: BlasMode): void;
    set_simd(mode: SimdMode): void;
  };
} = {
  fallback: {
    counts: signedAs("torch.backends.fallback.counts", "()", fallback.counts),
    total: signedAs("torch.backends.fallback.total", "()", fallback.total),
    reset: signedAs("torch.backends.fallback.reset", "()", fallback.reset),
    set_mode: signedAs(
      "torch.backends.fallback.set_mode",
      "(mode: str)",
      fallback.set_mode,
    ),
    get_mode: signedAs(
      "torch.backends.fallback.get_mode",
      "()",
      fallback.get_mode,
    ),
  },
  register: signedAs(
    "torch.backends.register",
    "(backend: object)",
    registerBackend,
  ),
  unregister: signedAs(
    "torch.backends.unregister",
    "(name: str)",
    unregisterBackend,
  ),
  find: signedAs("torch.backends.find", "(device: str)", findBackend),
  devices: signedAs("torch.backends.devices", "()", registeredDevices),
  cudnn: {
    enabled: true,
    benchmark: false,
    deterministic: false,
    allow_tf32: true,
    is_available: signedAs(
      "torch.backends.cudnn.is_available",
      "()",
      (): boolean => false,
    ),
  },
  cpu: {
    info: signedAs("torch.backends.cpu.info", "()", blasInfo),
    set_blas: signedAs("torch.backends.cpu.set_blas", "(mode: str)", setBlas),
    set_simd: signedAs("torch.backends.cpu.set_simd", "(mode: str)", setSimd),
  },
  mps: {
    is_available: signedAs(
      "torch.backends.mps.is_available",
      "()",
      (): boolean => false,
    ),
    is_built: signedAs(
      "torch.backends.mps.is_built",
      "()",
      (): boolean => false,
    ),
  },
};

export { Device } from "./src/device.ts";
export type { DeviceLike } from "./src/device.ts";
