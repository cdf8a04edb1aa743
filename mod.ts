// flambeau: PyTorch for TypeScript. `import * as torch from "./mod.ts"` gives the torch namespace.

import { binaryFns, installMethods, unaryFns } from "./src/ops/methods.ts";
import { Tensor as TensorClass } from "./src/tensor.ts";
import { type DType, result_type as resultTypeOf } from "./src/dtype.ts";

installMethods();

export type { NestedList } from "./src/tensor.ts";

/** The tensor type: `x: torch.Tensor`. As a value, `torch.Tensor` is the legacy constructor. */
export type Tensor = TensorClass;
export {
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
  uint8,
} from "./src/dtype.ts";
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
export const {
  neg,
  abs,
  sign,
  exp,
  log,
  log1p,
  expm1,
  sqrt,
  rsqrt,
  sin,
  cos,
  tan,
  tanh,
  sigmoid,
  erf,
  reciprocal,
  floor,
  ceil,
  trunc,
  relu,
  logical_not,
  isnan,
  isfinite,
  isinf,
} = unaryFns;
export const {
  mul,
  remainder,
  fmod,
  pow,
  maximum,
  minimum,
  atan2,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  logical_and,
  logical_or,
  logical_xor,
} = binaryFns;
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

export * as nn from "./src/nn/mod.ts";
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

/** `torch.cuda`: CUDA is spelled WebGPU here; no device is available until the WebGPU backend lands. */
export const cuda = {
  is_available: (): boolean => false,
  device_count: (): number => 0,
};
