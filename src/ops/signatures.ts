// The Python signatures of `torch.*` and of every Tensor method, declared once (see src/signature.ts):
// PyTorch 1.13's parameter names, order and keyword-only markers, with the types flambeau admits.
// A `torch.*` entry whose first parameter is `input` is also the Tensor method of that name.

const OUT = "out: Tensor? = None";
const FACTORY =
  "dtype: dtype? = None, device: device? = None, requires_grad: bool = False";
const RANDOM = `generator: Generator? = None, ${FACTORY}`;
const UNARY = `(input: Tensor, *, ${OUT})`;
const BINARY = `(input: Tensor|Number, other: Tensor|Number, *, ${OUT})`;
const COMPARE = BINARY;
const REDUCE =
  `(input: Tensor, dim: int|int[]? = None, keepdim: bool = False, *, dtype: dtype? = None, ${OUT})`;
const VAR = [
  "(input: Tensor, unbiased: bool)",
  `(input: Tensor, dim: int|int[]? = None, unbiased: bool? = None, keepdim: bool = False, *, correction: int? = None, ${OUT})`,
] as const;
const VAR_MEAN = [
  "(input: Tensor, unbiased: bool)",
  "(input: Tensor, dim: int|int[]? = None, unbiased: bool? = None, keepdim: bool = False, *, correction: int? = None)",
] as const;
export const MEDIAN = [
  "(input: Tensor)",
  "(input: Tensor, dim: int, keepdim: bool = False)",
] as const;
export const MAX = [
  "(input: Tensor)",
  "(input: Tensor, other: Tensor)",
  "(input: Tensor, dim: int, keepdim: bool = False)",
] as const;
/** A factory's two call forms: sizes spread, or one list. */
type Sized<E extends string> = readonly [
  `(*size: int|int[], ${E})`,
  `(size: int[], *, ${E})`,
];
const SIZED_FACTORY: Sized<typeof FACTORY> = [
  `(*size: int|int[], ${FACTORY})`,
  `(size: int[], *, ${FACTORY})`,
];
const SIZED_RANDOM: Sized<typeof RANDOM> = [
  `(*size: int|int[], ${RANDOM})`,
  `(size: int[], *, ${RANDOM})`,
];

/**
 * `torch.*` functions. Declarations are `text`, `[overloads]`, or `{ sig, emit: "positional" }` where
 * the implementation takes every parameter positionally (see Emit).
 */
export const TORCH = {
  // Elementwise, from the op tables.
  neg: UNARY,
  abs: UNARY,
  sign: UNARY,
  exp: UNARY,
  log: UNARY,
  log1p: UNARY,
  expm1: UNARY,
  sqrt: UNARY,
  rsqrt: UNARY,
  sin: UNARY,
  cos: UNARY,
  tan: UNARY,
  tanh: UNARY,
  sigmoid: UNARY,
  erf: UNARY,
  reciprocal: UNARY,
  floor: UNARY,
  ceil: UNARY,
  trunc: UNARY,
  relu: "(input: Tensor)",
  logical_not: UNARY,
  isnan: "(input: Tensor)",
  isfinite: "(input: Tensor)",
  isinf: "(input: Tensor)",
  mul: BINARY,
  multiply: BINARY,
  remainder: BINARY,
  fmod: BINARY,
  pow: `(input: Tensor|Number, exponent: Tensor|Number, *, ${OUT})`,
  maximum: BINARY,
  minimum: BINARY,
  atan2: BINARY,
  eq: COMPARE,
  ne: COMPARE,
  lt: COMPARE,
  less: COMPARE,
  le: COMPARE,
  gt: COMPARE,
  greater: COMPARE,
  ge: COMPARE,
  logical_and: BINARY,
  logical_or: BINARY,
  logical_xor: BINARY,
  floor_divide: BINARY,
  add:
    `(input: Tensor|Number, other: Tensor|Number, *, alpha: Number = 1, ${OUT})`,
  sub:
    `(input: Tensor|Number, other: Tensor|Number, *, alpha: Number = 1, ${OUT})`,
  subtract:
    `(input: Tensor|Number, other: Tensor|Number, *, alpha: Number = 1, ${OUT})`,
  div:
    `(input: Tensor|Number, other: Tensor|Number, *, rounding_mode: str? = None, ${OUT})`,
  divide:
    `(input: Tensor|Number, other: Tensor|Number, *, rounding_mode: str? = None, ${OUT})`,
  clamp:
    `(input: Tensor, min: Tensor|Number? = None, max: Tensor|Number? = None, *, ${OUT})`,
  clip:
    `(input: Tensor, min: Tensor|Number? = None, max: Tensor|Number? = None, *, ${OUT})`,
  round: `(input: Tensor, *, decimals: int = 0, ${OUT})`,
  // Reductions.
  sum: REDUCE,
  mean: REDUCE,
  prod:
    `(input: Tensor, dim: int? = None, keepdim: bool = False, *, dtype: dtype? = None, ${OUT})`,
  amax:
    `(input: Tensor, dim: int|int[] = (), keepdim: bool = False, *, ${OUT})`,
  amin:
    `(input: Tensor, dim: int|int[] = (), keepdim: bool = False, *, ${OUT})`,
  argmax: "(input: Tensor, dim: int? = None, keepdim: bool = False)",
  argmin: "(input: Tensor, dim: int? = None, keepdim: bool = False)",
  all:
    `(input: Tensor, dim: int|int[]? = None, keepdim: bool = False, *, ${OUT})`,
  any:
    `(input: Tensor, dim: int|int[]? = None, keepdim: bool = False, *, ${OUT})`,
  std: VAR,
  var: VAR,
  std_mean: VAR_MEAN,
  var_mean: VAR_MEAN,
  norm:
    `(input: Tensor, p: Number|str? = 'fro', dim: int|int[]? = None, keepdim: bool = False, ${OUT}, dtype: dtype? = None)`,
  logsumexp:
    `(input: Tensor, dim: int|int[], keepdim: bool = False, *, ${OUT})`,
  cumsum: `(input: Tensor, dim: int, *, dtype: dtype? = None, ${OUT})`,
  cumprod: `(input: Tensor, dim: int, *, dtype: dtype? = None, ${OUT})`,
  softmax: "(input: Tensor, dim: int, dtype: dtype? = None)",
  log_softmax: "(input: Tensor, dim: int, dtype: dtype? = None)",
  // Linear algebra.
  matmul: `(input: Tensor, other: Tensor, *, ${OUT})`,
  mm: `(input: Tensor, mat2: Tensor, *, ${OUT})`,
  bmm: `(input: Tensor, mat2: Tensor, *, ${OUT})`,
  mv: `(input: Tensor, vec: Tensor, *, ${OUT})`,
  dot: `(input: Tensor, tensor: Tensor, *, ${OUT})`,
  outer: `(input: Tensor, vec2: Tensor, *, ${OUT})`,
  flip: "(input: Tensor, dims: int|int[])",
  roll: "(input: Tensor, shifts: int|int[], dims: int|int[]? = None)",
  tril: `(input: Tensor, diagonal: int = 0, *, ${OUT})`,
  triu: `(input: Tensor, diagonal: int = 0, *, ${OUT})`,
  tile: "(input: Tensor, dims: int[])",
  square: UNARY,
  lerp: `(input: Tensor, end: Tensor, weight: Tensor|Number, *, ${OUT})`,
  addcmul:
    `(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Number = 1, ${OUT})`,
  addcdiv:
    `(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Number = 1, ${OUT})`,
  addmm:
    `(input: Tensor, mat1: Tensor, mat2: Tensor, *, beta: Number = 1, alpha: Number = 1, ${OUT})`,
  isclose:
    "(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False)",
  broadcast_to: "(input: Tensor, size: int[])",
  broadcast_tensors: {
    sig: "(*tensors: Tensor|Tensor[])",
    emit: "positional",
  },
  diag: `(input: Tensor, diagonal: int = 0, *, ${OUT})`,
  baddbmm:
    `(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: Number = 1, alpha: Number = 1, ${OUT})`,
  tensor_split: "(input: Tensor, indices_or_sections: int|int[], dim: int = 0)",
  meshgrid: "(*tensors: Tensor|Tensor[], indexing: str? = None)",
  index_add:
    `(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Number = 1)`,
  index_copy: "(input: Tensor, dim: int, index: Tensor, source: Tensor)",
  index_put: {
    sig:
      "(input: Tensor, indices: Tensor[], values: Tensor, accumulate: bool = False)",
    emit: "positional",
  },
  index_fill: "(input: Tensor, dim: int, index: Tensor, value: Tensor|Number)",
  take: "(input: Tensor, index: Tensor)",
  einsum: {
    sig: "(equation: str, *operands: Tensor|Tensor[])",
    emit: "positional",
  },
  cosine_similarity:
    "(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-08)",
  bincount: "(input: Tensor, weights: Tensor? = None, minlength: int = 0)",
  histc:
    `(input: Tensor, bins: int = 100, min: Number = 0, max: Number = 0, *, ${OUT})`,
  repeat_interleave:
    "(input: Tensor, repeats: Tensor|int, dim: int? = None, *, output_size: int? = None)",
  mode: "(input: Tensor, dim: int = -1, keepdim: bool = False)",
  cdist: "(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str? = None)",
  // Complex numbers.
  complex: `(real: Tensor, imag: Tensor, *, ${OUT})`,
  polar: `(abs: Tensor, angle: Tensor, *, ${OUT})`,
  view_as_real: "(input: Tensor)",
  view_as_complex: "(input: Tensor)",
  conj: "(input: Tensor)",
  conj_physical: `(input: Tensor, *, ${OUT})`,
  angle: `(input: Tensor, *, ${OUT})`,
  sgn: `(input: Tensor, *, ${OUT})`,
  real: "(input: Tensor)",
  imag: "(input: Tensor)",
  is_complex: "(input: Tensor)",
  kthvalue: "(input: Tensor, k: int, dim: int = -1, keepdim: bool = False)",
  // Indexing, joining, sorting.
  cat: `(tensors: Tensor[], dim: int = 0, *, ${OUT})`,
  concat: `(tensors: Tensor[], dim: int = 0, *, ${OUT})`,
  stack: `(tensors: Tensor[], dim: int = 0, *, ${OUT})`,
  gather: `(input: Tensor, dim: int, index: Tensor, *, ${OUT})`,
  scatter: [
    "(input: Tensor, dim: int, index: Tensor, src: Tensor)",
    "(input: Tensor, dim: int, index: Tensor, value: Number)",
  ],
  scatter_add: "(input: Tensor, dim: int, index: Tensor, src: Tensor)",
  index_select: `(input: Tensor, dim: int, index: Tensor, *, ${OUT})`,
  masked_fill: "(input: Tensor, mask: Tensor, value: Tensor|Number)",
  masked_select: `(input: Tensor, mask: Tensor, *, ${OUT})`,
  nonzero: `(input: Tensor, *, as_tuple: bool = False, ${OUT})`,
  allclose:
    "(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False)",
  equal: "(input: Tensor, other: Tensor)",
  where: {
    sig: [
      "(condition: Tensor)",
      "(condition: Tensor, input: Tensor|Number, other: Tensor|Number)",
    ],
    emit: "positional",
  },
  sort:
    "(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool? = None)",
  argsort:
    "(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False)",
  topk:
    "(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True)",
  unique:
    "(input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: int? = None)",
  // Views.
  chunk: "(input: Tensor, chunks: int, dim: int = 0)",
  flatten: "(input: Tensor, start_dim: int = 0, end_dim: int = -1)",
  narrow: "(input: Tensor, dim: int, start: int, length: int)",
  permute: {
    sig: ["(input: Tensor, dims: int[])", "(input: Tensor, *dims: int)"],
    emit: "positional",
  },
  reshape: {
    sig: ["(input: Tensor, shape: int[])", "(input: Tensor, *shape: int)"],
    emit: "positional",
  },
  select: "(input: Tensor, dim: int, index: int)",
  split: "(input: Tensor, split_size_or_sections: int|int[], dim: int = 0)",
  squeeze: {
    sig: "(input: Tensor, dim: int|int[]? = None)",
    emit: "positional",
  },
  swapaxes: "(input: Tensor, axis0: int, axis1: int)",
  swapdims: "(input: Tensor, dim0: int, dim1: int)",
  t: "(input: Tensor)",
  transpose: "(input: Tensor, dim0: int, dim1: int)",
  unbind: { sig: "(input: Tensor, dim: int = 0)", emit: "positional" },
  unflatten: "(input: Tensor, dim: int, sizes: int[])",
  unsqueeze: "(input: Tensor, dim: int)",
  // Creation.
  tensor: `(data: any, *, ${FACTORY})`,
  empty: SIZED_FACTORY,
  zeros: SIZED_FACTORY,
  ones: SIZED_FACTORY,
  full: `(size: int[], fill_value: Number, *, ${FACTORY})`,
  empty_like: `(input: Tensor, *, ${FACTORY})`,
  zeros_like: `(input: Tensor, *, ${FACTORY})`,
  ones_like: `(input: Tensor, *, ${FACTORY})`,
  full_like: `(input: Tensor, fill_value: Number, *, ${FACTORY})`,
  arange: {
    sig: [
      `(end: Number, *, ${FACTORY})`,
      `(start: Number, end: Number, step: Number = 1, *, ${FACTORY})`,
    ],
    emit: "positional",
  },
  linspace: `(start: Number, end: Number, steps: int, *, ${FACTORY})`,
  eye: { sig: `(n: int, m: int? = None, *, ${FACTORY})`, emit: "positional" },
  // Random.
  rand: SIZED_RANDOM,
  randn: SIZED_RANDOM,
  randint: {
    sig: [
      `(high: int, size: int[], *, ${RANDOM})`,
      `(low: int, high: int, size: int[], *, ${RANDOM})`,
    ],
    emit: "positional",
  },
  randperm: `(n: int, *, ${RANDOM})`,
  rand_like: `(input: Tensor, *, ${RANDOM})`,
  randn_like: `(input: Tensor, *, ${RANDOM})`,
  bernoulli:
    "(input: Tensor, p: float? = None, *, generator: Generator? = None)",
  multinomial:
    "(input: Tensor, num_samples: int, replacement: bool = False, *, generator: Generator? = None)",
  poisson: "(input: Tensor, generator: Generator? = None)",
  normal: {
    sig: [
      "(mean: Tensor|float, std: Tensor|float, *, generator: Generator? = None)",
      `(mean: float, std: float, size: int[], *, ${RANDOM})`,
    ],
    emit: "positional",
  },
} as const;

/** Tensor methods with no `torch.*` function of the same meaning (`self` is the tensor). */
export const TENSOR = {
  true_divide: "(self: Tensor, other: Tensor|Number)",
  where: "(self: Tensor, condition: Tensor, other: Tensor|Number)",
  view: { sig: "(self: Tensor, *size: int|int[]|dtype)", emit: "positional" },
  view_as: "(self: Tensor, other: Tensor)",
  reshape_as: "(self: Tensor, other: Tensor)",
  expand: { sig: "(self: Tensor, *size: int|int[])", emit: "positional" },
  expand_as: "(self: Tensor, other: Tensor)",
  index: { sig: "(self: Tensor, *indices: any)", emit: "positional" },
  // The implementation tells a dtype from a device by value, as PyTorch's overloads do.
  to: [
    "(self: Tensor, dtype: dtype, non_blocking: bool = False, copy: bool = False)",
    "(self: Tensor, device: device? = None, dtype: dtype? = None, non_blocking: bool = False, copy: bool = False)",
    "(self: Tensor, other: Tensor, non_blocking: bool = False, copy: bool = False)",
  ],
  type_as: "(self: Tensor, other: Tensor)",
  float: "(self: Tensor)",
  double: "(self: Tensor)",
  half: "(self: Tensor)",
  long: "(self: Tensor)",
  int: "(self: Tensor)",
  short: "(self: Tensor)",
  char: "(self: Tensor)",
  byte: "(self: Tensor)",
  bool: "(self: Tensor)",
  contiguous: "(self: Tensor)",
  clone: "(self: Tensor)",
  cpu: "(self: Tensor)",
  cuda: "(self: Tensor)",
  numpy: "(self: Tensor)",
  copy_: "(self: Tensor, src: Tensor)",
  fill_: "(self: Tensor, value: Tensor|Number)",
  zero_: "(self: Tensor)",
  backward: {
    sig:
      "(self: Tensor, gradient: Tensor? = None, retain_graph: bool? = None, create_graph: bool = False, inputs: Tensor[]? = None)",
    emit: 2,
  },
  retain_grad: "(self: Tensor)",
  register_hook: "(self: Tensor, hook: callable)",
  requires_grad_: {
    sig: "(self: Tensor, requires_grad: bool = True)",
    emit: "positional",
  },
  uniform_:
    "(self: Tensor, from: float = 0, to: float = 1, *, generator: Generator? = None)",
  normal_:
    "(self: Tensor, mean: float = 0, std: float = 1, *, generator: Generator? = None)",
  random_:
    "(self: Tensor, from: int? = None, to: int? = None, *, generator: Generator? = None)",
  exponential_:
    "(self: Tensor, lambd: float = 1, *, generator: Generator? = None)",
  bernoulli_:
    "(self: Tensor, p: Tensor|float = 0.5, *, generator: Generator? = None)",
  squeeze_: { sig: "(self: Tensor, dim: int? = None)", emit: "positional" },
  unsqueeze_: "(self: Tensor, dim: int)",
  t_: "(self: Tensor)",
  transpose_: "(self: Tensor, dim0: int, dim1: int)",
  repeat: { sig: "(self: Tensor, *sizes: int|int[])", emit: "positional" },
  unfold: "(self: Tensor, dimension: int, size: int, step: int)",
  new_zeros: `(self: Tensor, *size: int|int[], ${FACTORY})`,
  new_ones: `(self: Tensor, *size: int|int[], ${FACTORY})`,
  new_empty: `(self: Tensor, *size: int|int[], ${FACTORY})`,
  new_full: `(self: Tensor, size: int[], fill_value: Number, *, ${FACTORY})`,
  new_tensor: `(self: Tensor, data: any, *, ${FACTORY})`,
} as const;

/** Methods the Tensor class defines itself (tensor.ts); bound in place by installMethods. */
export const TENSOR_CLASS = {
  detach: "(self: Tensor)",
  detach_: "(self: Tensor)",
  size: "(self: Tensor, dim: int? = None)",
  stride: "(self: Tensor, dim: int? = None)",
  storage_offset: "(self: Tensor)",
  dim: "(self: Tensor)",
  numel: "(self: Tensor)",
  nelement: "(self: Tensor)",
  element_size: "(self: Tensor)",
  is_floating_point: "(self: Tensor)",
  is_complex: "(self: Tensor)",
  is_contiguous: "(self: Tensor)",
  item: "(self: Tensor)",
  tolist: "(self: Tensor)",
  cpu_async: "(self: Tensor)",
  item_async: "(self: Tensor)",
  tolist_async: "(self: Tensor)",
  dispose: "(self: Tensor)",
  type: "(self: Tensor, dtype: any = None, non_blocking: bool = False)",
} as const;
