// The device seam: what every backend provides (memory, and one kernel per primitive) and the
// primitive set itself. Ops in src/ops/ reach kernels only through this interface.
//
// The set is small and closed. `Primitives<B>` is an interface with every entry required, so a
// backend that lacks a kernel does not compile; composite ops (softmax, losses, optimizers' updates)
// are compositions of these and run on every device unchanged.

import type { DTypeName, StorageArray } from "../dtype.ts";

/** One operand of a kernel: a backend buffer walked with `strides` from `offset` (in elements). */
export interface View<B = unknown> {
  buffer: B;
  dtype: DTypeName;
  offset: number;
  strides: readonly number[];
}

/**
 * A scalar operand in place of a tensor: already rounded to the dtype the kernel computes in.
 * Scalars are passed by value so that `x + 1` allocates nothing and takes the broadcast fast path.
 */
export type ViewOrScalar<B = unknown> = View<B> | number;

/** Elementwise maps of one operand. Each computes in double and stores in the output's dtype. */
export type UnaryOp =
  | "neg"
  | "abs"
  | "sign"
  | "exp"
  | "log"
  | "log1p"
  | "expm1"
  | "sqrt"
  | "rsqrt"
  | "sin"
  | "cos"
  | "tan"
  | "tanh"
  | "sigmoid"
  | "erf"
  | "reciprocal"
  | "floor"
  | "ceil"
  | "trunc"
  | "relu"
  | "logical_not"
  | "isnan"
  | "isfinite"
  | "isinf"
  /** Half to even, at `param` decimals (0 when absent). */
  | "round";

/**
 * Elementwise maps of two operands (broadcast through stride-0 dims). Integer inputs take the
 * integer formula where it differs (pow, the divisions); integer division by zero is refused by
 * the caller. `clamp_min`/`clamp_max` keep a NaN input, ignore a bound that is not exceeded, and
 * give a NaN bound (the ops drop a NaN number bound first, as PyTorch ignores it).
 * `threshold_backward` is relu's gradient in one pass, as ATen's `threshold_backward(grad, out, 0)`:
 * `b <= 0 ? 0 : a` (a NaN in `b` lets the gradient through).
 */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "div_trunc"
  | "div_floor"
  | "remainder"
  | "fmod"
  | "pow"
  | "maximum"
  | "minimum"
  | "atan2"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logical_and"
  | "logical_or"
  | "logical_xor"
  | "clamp_min"
  | "clamp_max"
  | "threshold_backward";

/** Reductions that fold the trailing dims of the input into one value per output element. */
export type ReduceOp = "sum" | "mean" | "prod" | "max" | "min" | "all" | "any";

/** Index of the extreme along the trailing dim (NaN wins; first occurrence on ties). */
export type ArgReduceOp = "argmax" | "argmin";

/**
 * The geometry of a 2-D convolution as the kernels see it (1-D ones have height 1): N images of
 * C channels H×W, O output channels oh×ow, G groups, a kh×kw kernel with stride, padding and
 * dilation per axis.
 */
export interface ConvGeom {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  oh: number;
  ow: number;
  G: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/** ConvGeom's fields in one fixed order, for kernels that pass a geometry as a row of integers. */
export const CONV_GEOM_FIELDS = [
  "N",
  "C",
  "H",
  "W",
  "O",
  "oh",
  "ow",
  "G",
  "kh",
  "kw",
  "sh",
  "sw",
  "ph",
  "pw",
  "dh",
  "dw",
] as const satisfies readonly (keyof ConvGeom)[];

/**
 * A linear map from one plane (the trailing dims of an input) to another, applied to every
 * leading index alike: out[t] = Σ_s w[t*taps + s] · in[idx[t*taps + s]], where idx −1 is a
 * padding tap (it reads `fill` in the forward map and is skipped by the adjoint); without `w`
 * every weight is 1. Unfold, padding, nearest and bilinear resampling and average pooling are all
 * such maps, so each gets its adjoint (its gradient) from the same description. Maps are geometry,
 * made on the host; a device backend uploads and caches them.
 */
export interface PlaneMap {
  inSize: number;
  outSize: number;
  taps: number;
  idx: Int32Array;
  w?: Float64Array;
}

/** Max-pooling windows over H×W planes. */
export interface PoolGeom {
  H: number;
  W: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

/** Every primitive a backend implements. Shapes are the output's unless said otherwise. */
export interface Primitives<B> {
  /** dst = src, converting the dtype as PyTorch's `copy_` (to bool: nonzero is true). */
  copy(dst: View<B>, src: View<B>, shape: readonly number[]): void;
  /** Every element of dst set to `value` (already rounded to dst's dtype). */
  fill(dst: View<B>, value: number, shape: readonly number[]): void;
  unary(
    op: UnaryOp,
    x: View<B>,
    out: View<B>,
    shape: readonly number[],
    param?: number,
  ): void;
  /** out = a op b; `alpha` scales b for add and sub. */
  binary(
    op: BinaryOp,
    a: ViewOrScalar<B>,
    b: ViewOrScalar<B>,
    out: View<B>,
    shape: readonly number[],
    alpha?: number,
  ): void;
  /** out = cond ? a : b (cond is bool or uint8). */
  where(
    cond: View<B>,
    a: ViewOrScalar<B>,
    b: ViewOrScalar<B>,
    out: View<B>,
    shape: readonly number[],
  ): void;
  /**
   * Folds the last `reduced` dims of x (of `shape`) into a contiguous `out` holding one value per
   * combination of the leading dims. Accumulates in double. Bool results for all/any.
   */
  reduce(
    op: ReduceOp,
    x: View<B>,
    shape: readonly number[],
    reduced: number,
    out: View<B>,
  ): void;
  /** Index (int64) of the extreme along the last dim of x, one per leading position; optionally its value. */
  argReduce(
    op: ArgReduceOp,
    x: View<B>,
    shape: readonly number[],
    indices: View<B>,
    values: View<B> | null,
  ): void;
  /**
   * out[..., m, n] = a[..., m, k] · b[..., k, n] over `batch` leading dims (a and b may broadcast
   * with stride 0); a transposed operand is a view with swapped strides, read in place. out is
   * contiguous. Float dtypes compute in their own precision's accumulator (double).
   */
  matmul(
    a: View<B>,
    b: View<B>,
    out: View<B>,
    batch: readonly number[],
    m: number,
    k: number,
    n: number,
  ): void;
  /**
   * out[N, O, oh, ow] = conv(x[N, C, H, W], w[O, C/G, kh, kw]) (+ bias[o] where a bias [O] is
   * given); all contiguous.
   */
  conv2d(
    x: View<B>,
    w: View<B>,
    bias: View<B> | null,
    out: View<B>,
    g: ConvGeom,
  ): void;
  /** gx[N, C, H, W] = the adjoint of conv2d in x, applied to gy[N, O, oh, ow]. */
  conv2dBackwardInput(gy: View<B>, w: View<B>, gx: View<B>, g: ConvGeom): void;
  /** gw[O, C/G, kh, kw] = the adjoint of conv2d in w, applied to gy, for input x. */
  conv2dBackwardWeight(
    x: View<B>,
    gy: View<B>,
    gw: View<B>,
    g: ConvGeom,
  ): void;
  /**
   * Max pooling of `planes` contiguous H×W planes: values, and each window's argmax as a flat
   * index into its plane (int64). NaN wins; the first maximum wins ties.
   */
  maxPool2d(
    x: View<B>,
    planes: number,
    g: PoolGeom,
    out: View<B>,
    indices: View<B>,
  ): void;
  /** dst[p, indices[p, t]] += src[p, t] for `planes` planes (src and indices of L, dst of HW each). */
  scatterPlanes(
    src: View<B>,
    indices: View<B>,
    planes: number,
    L: number,
    dst: View<B>,
    HW: number,
  ): void;
  /** dst[p, t] = src[p, indices[p, t]]: the adjoint of scatterPlanes. */
  gatherPlanes(
    src: View<B>,
    indices: View<B>,
    planes: number,
    HW: number,
    dst: View<B>,
    L: number,
  ): void;
  /** dst[p] = map(src[p]) for `planes` contiguous planes; padding taps read `fill`. */
  mapForward(
    src: View<B>,
    dst: View<B>,
    planes: number,
    map: PlaneMap,
    fill: number,
  ): void;
  /** dst[p] += mapᵀ(src[p]): the adjoint of mapForward (dst zeroed by the caller). */
  mapAdjoint(src: View<B>, dst: View<B>, planes: number, map: PlaneMap): void;
  /**
   * out = x with dim `dim` (of x's `xShape`) picked at the 1-D int64 `index` of `length`
   * elements. Returns the first index outside [0, size), in which case out is left unspecified;
   * undefined when all are valid.
   */
  indexSelect(
    x: View<B>,
    xShape: readonly number[],
    dim: number,
    index: View<B>,
    length: number,
    out: View<B>,
  ): number | undefined;
  /**
   * out[.., index[i], ..] += alpha · src[.., i, ..] along `dim`. Returns the first index outside
   * [-size, size) (negative ones count from the end), or undefined.
   */
  indexAdd(
    out: View<B>,
    outShape: readonly number[],
    dim: number,
    index: View<B>,
    src: View<B>,
    srcShape: readonly number[],
    alpha: number,
  ): number | undefined;
  /**
   * out[p] = x[p with dim replaced by index[p]] over `shape` (index's). `xShape` is x's. Returns
   * the first index outside [-size, size), or undefined. `checked` says the caller has already
   * found every index in range: a device whose check costs a synchronous read may skip it (an
   * index out of range must still write nothing out of bounds).
   */
  gather(
    x: View<B>,
    xShape: readonly number[],
    dim: number,
    index: View<B>,
    out: View<B>,
    shape: readonly number[],
    checked?: boolean,
  ): number | undefined;
  /**
   * out[p with dim replaced by index[p]] = src[p] ("set") or += src[p] ("add"), over `shape`
   * (index's); src is a view walked over that shape, or a scalar. Returns the first index outside
   * [-size, size), or undefined. `checked` as for gather.
   */
  scatter(
    mode: "set" | "add",
    out: View<B>,
    outShape: readonly number[],
    dim: number,
    index: View<B>,
    src: ViewOrScalar<B>,
    shape: readonly number[],
    checked?: boolean,
  ): number | undefined;
  /**
   * Raises `error(v)` for the first position (row-major over `shape`) where `mask` is true, v
   * being `values` there. A device may raise it at its next read instead, as CUDA's device-side
   * asserts do, so that nothing waits for a check by itself.
   */
  check(
    mask: View<B>,
    values: View<B>,
    shape: readonly number[],
    error: (value: number) => Error,
  ): void;
}

/** A device's implementation: memory plus the primitive table. */
export interface Backend<B = unknown> {
  /** The device type this backend serves: `"cpu"`, `"webgpu"`, ... */
  readonly name: string;
  /**
   * False where the device has no float64 (WebGPU): compositions that widen to float64 for
   * accuracy (var, std, norm, logsumexp) compute in the input's dtype there. True when absent.
   */
  readonly float64?: boolean;
  /** A zero-filled buffer of n elements of dtype. */
  allocate(dtype: DTypeName, n: number): B;
  /** Gives the buffer's memory back (a no-op where the garbage collector owns it). */
  free(buffer: B): void;
  /** Copies `src` into the buffer from element `offset`; src's type matches the dtype. */
  write(buffer: B, dtype: DTypeName, offset: number, src: StorageArray): void;
  /**
   * n elements of the buffer from `offset`, in the dtype's TypedArray. Synchronous; on the CPU it
   * is a view of the buffer itself (no copy), elsewhere a fresh copy.
   */
  read(buffer: B, dtype: DTypeName, offset: number, n: number): StorageArray;
  /** As `read`, without blocking the caller. */
  readAsync(
    buffer: B,
    dtype: DTypeName,
    offset: number,
    n: number,
  ): Promise<StorageArray>;
  /** The kernels. */
  readonly ops: Primitives<B>;
}
