// The op catalogue: builds the functional forms of table ops and every Tensor method (with the
// in-place `op_` twin) from the op declarations, so nothing is written twice.

import {
  bfloat16,
  bool,
  type DType,
  float16,
  float32,
  float64,
  int16,
  int32,
  int64,
  int8,
  uint8,
} from "../dtype.ts";
import { Tensor } from "../tensor.ts";
import { isOptions } from "./_args.ts";
import {
  bindCall,
  declare,
  IMPL,
  type MethodOf,
  signAll,
  SIGNATURE,
  type Signature,
  signatureOf,
  signedAs,
  type SignedTable,
  type TextOf,
} from "../signature.ts";
import { MAX, MEDIAN, TENSOR, TENSOR_CLASS, TORCH } from "./signatures.ts";
import * as cr from "./creation.ts";
import {
  assertNoOverlap,
  assignInPlace,
  cast,
  checkScalar,
  deliver,
  dtypeArg,
  isDeviceSpec,
  type OutOptions,
  resolveDevice,
  roundScalar,
  transfer,
} from "./core.ts";
import type { Backend } from "../backend/backend.ts";
import { cpu as cpuBackend } from "../backend/registry.ts";
import * as ew from "./elementwise.ts";
import * as red from "./reduce.ts";
import * as la from "./linalg.ts";
import * as ar from "./arrange.ts";
import * as es from "./einsum.ts";
import * as ix from "./indexing.ts";
import * as so from "./sorting.ts";
import * as vw from "./views.ts";
import * as rnd from "./random.ts";
import * as cx from "../complex.ts";
import * as act from "./activation.ts";
import { numpy } from "./ndarray.ts";
import * as autograd from "../autograd/functions.ts";
import { checkInPlace } from "../autograd/functions.ts";
import { record } from "../autograd/record.ts";
import { is_grad_enabled, no_grad } from "../autograd/grad_mode.ts";

/** A table-generated unary op such as `torch.exp(input, { out })`. */
export type Unary = (input: Tensor, opts?: OutOptions) => Tensor;
/** A table-generated binary op such as `torch.mul(input, other, { out })`; either side may be a number. */
export type Binary = (
  input: ew.TensorOrScalar,
  other: ew.TensorOrScalar,
  opts?: OutOptions,
) => Tensor;

/** The result delivered into `out`, unless the op already wrote it there. */
const into = (r: Tensor, out: Tensor | undefined) =>
  r === out ? r : deliver(r, out);

function makeUnary(name: ew.UnaryName): Unary {
  return (input, opts = {}) =>
    into(ew.applyUnary(name, input, opts.out), opts.out);
}

function makeBinary(name: ew.BinaryName): Binary {
  return (input, other, opts = {}) =>
    into(
      ew.applyBinary(name, input, other, 1, name, opts.out),
      opts.out,
    );
}

/**
 * In-place forms that can write straight into self (no autograd involved, same dtype and shape):
 * the optimizers' `p.add_(...)`, `buf.mul_(m)` then cost no temporary. The others, and these
 * when `canWriteInto` says no, compute a result and assign it.
 */
const DIRECT: Partial<
  Record<string, (self: Tensor, args: unknown[]) => Tensor>
> = {
  ...Object.fromEntries(
    (Object.keys(ew.UNARY) as ew.UnaryName[]).map((n) => [
      n,
      (self: Tensor) => ew.applyUnary(n, self, self),
    ]),
  ),
  ...Object.fromEntries(
    ([
      "mul",
      "maximum",
      "minimum",
      "pow",
      "remainder",
      "fmod",
      "atan2",
    ] as const)
      .map((n) => [
        n,
        (self: Tensor, [other]: unknown[]) =>
          ew.applyBinary(n, self, other as ew.TensorOrScalar, 1, n, self),
      ]),
  ),
  ...Object.fromEntries(
    (["add", "sub"] as const).map((n) => [
      n,
      (self: Tensor, [other, opts]: unknown[]) => {
        const alpha = (opts as { alpha?: number } | undefined)?.alpha ?? 1;
        // A fractional alpha on integers is refused by the general path.
        if (alpha !== 1 && !self.dtype.is_floating_point) {
          return ew[n](self, other as ew.TensorOrScalar, { alpha });
        }
        return ew.applyBinary(
          n,
          self,
          other as ew.TensorOrScalar,
          alpha,
          n,
          self,
        );
      },
    ]),
  ),
  div: (self: Tensor, [other, opts]: unknown[]) =>
    opts === undefined
      ? ew.applyBinary("div", self, other as ew.TensorOrScalar, 1, "div", self)
      : ew.div(
        self,
        other as ew.TensorOrScalar,
        opts as { rounding_mode?: "trunc" | "floor" | null },
      ),
};

/** `torch.exp`, `torch.sin`, ...: one function per entry of the unary table. */
export const unaryFns = Object.fromEntries(
  (Object.keys(ew.UNARY) as ew.UnaryName[]).map((n) => [n, makeUnary(n)]),
) as Record<ew.UnaryName, Unary>;

type PlainBinary = Exclude<
  ew.BinaryName,
  "add" | "sub" | "div" | "div_trunc" | "div_floor"
>;

/** `torch.mul`, `torch.eq`, ...: one function per entry of the binary table (add/sub/div have options). */
export const binaryFns = Object.fromEntries(
  (Object.keys(ew.BINARY) as ew.BinaryName[]).filter((n) =>
    !["add", "sub", "div", "div_trunc", "div_floor"].includes(n)
  )
    .map((n) => [n, makeBinary(n)]),
) as Record<PlainBinary, Binary>;

/** `torch.floor_divide(a, b)`: division rounded down (PyTorch 1.13 semantics). */
export const floor_divide: Binary = (a, b, opts = {}): Tensor =>
  ew.div(a, b, { ...opts, rounding_mode: "floor" });

/** `torch.pow(self, exponent)`: self may be a number (`torch.pow(2, t)`). */
export const pow = binaryFns.pow;

// Conversions PyTorch offers as methods.
function to(self: Tensor, ...args: unknown[]): Tensor {
  let dtype: DType | undefined, copy = false, device: Backend | undefined;
  for (const a of args) {
    if (isOptions(a)) {
      dtype = dtypeArg(a.dtype) ?? dtype;
      copy = Boolean(a.copy);
      if (a.device !== undefined) device = resolveDevice(a.device);
    } else if (a instanceof Tensor) {
      dtype = a.dtype;
      device = a.storage.backend;
    } else if (isDeviceSpec(a)) device = resolveDevice(a);
    else dtype = dtypeArg(a);
  }
  const moved = device ? toDevice(self, device) : self;
  return castRecorded(moved, dtype ?? self.dtype, copy && moved === self);
}

/** x copied to another device; autograd brings the gradient back (ToCopyBackward0). */
export function toDevice(x: Tensor, backend: Backend): Tensor {
  if (x.storage.backend === backend) return x;
  const out = transfer(x, backend);
  const home = x.storage.backend;
  record({
    name: "ToCopyBackward0",
    inputs: [x],
    outputs: [out],
    backward: ([g]) => [toDevice(g, home)],
  });
  return out;
}

/** A dtype change or copy that autograd follows (ToCopyBackward0 / CloneBackward0). */
function castRecorded(self: Tensor, dtype: DType, copy = false): Tensor {
  const out = cast(self, dtype, copy);
  if (out === self) return out;
  const name = out.dtype === self.dtype ? "CloneBackward0" : "ToCopyBackward0";
  // The engine casts the gradient back to the input's dtype.
  record({ name, inputs: [self], outputs: [out], backward: ([g]) => [g] });
  return out;
}

/**
 * `x.fill_(v)`: a constant written in place. On a tensor with history, the fill is recorded
 * (FillBackward0) so that no gradient flows to what the tensor held before.
 */
function fillWith(self: Tensor, value: number | boolean): Tensor {
  checkScalar(value, self.dtype, "factory");
  const backend = self.storage.backend;
  const v = roundScalar(value, self.dtype);
  if (!self.dtype.is_complex && !(is_grad_enabled() && self.requires_grad)) {
    // Nothing to record: the value goes straight into self. (A constant of self's size and a
    // copy cost a new buffer's page faults: zero_() of 301k floats took 729 µs that way, 23 µs
    // this way.)
    checkInPlace(self, true);
    backend.ops.fill(self._view(), v, self._shape);
    self._bump();
    return self;
  }
  const constant = Tensor.empty(self._shape, self.dtype, backend);
  backend.ops.fill(constant._fillView(), v, self._shape);
  record({
    name: "FillBackward0",
    inputs: [self],
    outputs: [constant],
    backward: ([g]) => [g.mul(0)],
  });
  return assignInPlace(self, constant, false);
}

/**
 * The random in-place draws (`x.uniform_()`, ...) for autograd: the values drawn do not depend on
 * x, so x's gradient stops there (a node giving zeros, as PyTorch's UniformBackward0); through a
 * view, the base's history is rebased as for any in-place write.
 */
type Draw = (self: Tensor, ...args: unknown[]) => Tensor;
function drawInPlace(
  name: string | ((args: unknown[]) => string),
  draw: Draw,
): Draw {
  return (self, ...args) => {
    checkInPlace(self, true);
    draw(self, ...args);
    if (!is_grad_enabled()) return self;
    if (!self.requires_grad && !self._base?.requires_grad) return self;
    const drawn = no_grad(() => self.clone());
    record({
      name: typeof name === "string" ? name : name(args),
      inputs: [self],
      outputs: [drawn],
      backward: ([g]) => [g.mul(0)],
    });
    return assignInPlace(self, drawn, false);
  };
}

/** The implementation of every `torch.*` function declared in TORCH. */
const TORCH_IMPLS = {
  ...unaryFns,
  ...binaryFns,
  multiply: binaryFns.mul,
  greater: binaryFns.gt,
  less: binaryFns.lt,
  floor_divide,
  add: ew.add,
  sub: ew.sub,
  subtract: ew.sub,
  div: ew.div,
  divide: ew.div,
  clamp: ew.clamp,
  clip: ew.clamp,
  round: ew.round,
  sum: red.sum,
  mean: red.mean,
  prod: red.prod,
  amax: red.amax,
  amin: red.amin,
  argmax: red.argmax,
  argmin: red.argmin,
  all: red.all,
  any: red.any,
  std: red.std,
  var: red.var_,
  std_mean: red.std_mean,
  var_mean: red.var_mean,
  norm: red.norm,
  logsumexp: red.logsumexp,
  cumsum: red.cumsum,
  cumprod: red.cumprod,
  softmax: act.softmax,
  log_softmax: act.log_softmax,
  matmul: la.matmul,
  mm: la.mm,
  bmm: la.bmm,
  mv: la.mv,
  dot: la.dot,
  outer: la.outer,
  flip: ar.flip,
  roll: ar.roll,
  tril: ar.tril,
  triu: ar.triu,
  tile: ar.tile,
  square: ar.square,
  lerp: ar.lerp,
  addcmul: ar.addcmul,
  addcdiv: ar.addcdiv,
  addmm: ar.addmm,
  isclose: ar.isclose,
  broadcast_to: ar.broadcast_to,
  broadcast_tensors: ar.broadcast_tensors,
  diag: ar.diag,
  baddbmm: ar.baddbmm,
  tensor_split: ar.tensor_split,
  meshgrid: ar.meshgrid,
  index_add: ix.index_add,
  index_copy: ar.index_copy,
  index_put: ar.index_put,
  index_fill: ar.index_fill,
  take: ar.take,
  kthvalue: so.kthvalue,
  mode: so.mode,
  repeat_interleave: ar.repeat_interleave,
  cdist: ar.cdist,
  complex: cx.complex,
  polar: cx.polar,
  view_as_real: cx.view_as_real,
  view_as_complex: cx.view_as_complex,
  conj: cx.conj,
  conj_physical: cx.conj_physical,
  angle: cx.angle,
  sgn: cx.sgn,
  real: cx.real,
  imag: cx.imag,
  is_complex: cx.is_complex,
  einsum: es.einsum,
  cosine_similarity: ar.cosine_similarity,
  bincount: ar.bincount,
  histc: ar.histc,
  cat: ix.cat,
  concat: ix.concat,
  stack: ix.stack,
  gather: ix.gather,
  scatter: ix.scatter,
  scatter_add: ix.scatter_add,
  index_select: ix.index_select,
  masked_fill: ix.masked_fill,
  masked_select: ix.masked_select,
  nonzero: ix.nonzero,
  allclose: ix.allclose,
  equal: ix.equal,
  where: ew.where,
  sort: so.sort,
  argsort: so.argsort,
  topk: so.topk,
  unique: so.unique,
  chunk: vw.chunk,
  flatten: vw.flatten,
  narrow: vw.narrow,
  permute: vw.permute,
  reshape: vw.reshape,
  select: vw.select,
  split: vw.split,
  squeeze: vw.squeeze,
  swapaxes: vw.swapaxes,
  swapdims: vw.swapdims,
  t: vw.t,
  transpose: vw.transpose,
  unbind: vw.unbind,
  unflatten: vw.unflatten,
  unsqueeze: vw.unsqueeze,
  tensor: cr.tensor,
  empty: cr.empty,
  zeros: cr.zeros,
  ones: cr.ones,
  full: cr.full,
  empty_like: cr.empty_like,
  zeros_like: cr.zeros_like,
  ones_like: cr.ones_like,
  full_like: cr.full_like,
  arange: cr.arange,
  linspace: cr.linspace,
  eye: cr.eye,
  rand: rnd.rand,
  randn: rnd.randn,
  randint: rnd.randint,
  randperm: rnd.randperm,
  rand_like: rnd.rand_like,
  randn_like: rnd.randn_like,
  bernoulli: rnd.bernoulli,
  multinomial: rnd.multinomial,
  poisson: rnd.poisson,
  normal: rnd.normal,
};

/** `torch.*`: every function of TORCH behind its declaration. */
export const torchFns: SignedTable<typeof TORCH, typeof TORCH_IMPLS> = signAll(
  "torch",
  TORCH,
  TORCH_IMPLS,
);

/** `torch.max` and `torch.min` keep their overloaded types (a tensor, or values and indices). */
export const max: typeof red.max = signedAs("torch.max", MAX, red.max);
/** See `max`. */
export const min: typeof red.min = signedAs("torch.min", MAX, red.min);
/** `torch.median`: of all elements (a tensor), or `[values, indices]` along a dim. */
export const median: typeof so.median = signedAs(
  "torch.median",
  MEDIAN,
  so.median,
);
/** `torch.where(condition)` gives indices, `where(condition, input, other)` a tensor. */
export const where: typeof ew.where = signedAs(
  "torch.where",
  TORCH.where,
  ew.where,
);

/** The implementation of every Tensor-only method declared in TENSOR (self first). */
const TENSOR_IMPLS = {
  true_divide: (a: Tensor, b: ew.TensorOrScalar): Tensor => ew.div(a, b),
  repeat: ar.repeat,
  unfold: ar.unfold,
  new_zeros: ar.new_zeros,
  new_ones: ar.new_ones,
  new_empty: ar.new_empty,
  new_full: ar.new_full,
  new_tensor: ar.new_tensor,
  where: (
    self: Tensor,
    condition: Tensor,
    other: ew.TensorOrScalar,
  ): Tensor => ew.where(condition, self, other),
  view: vw.view,
  view_as: vw.view_as,
  reshape_as: vw.reshape_as,
  expand: vw.expand,
  expand_as: vw.expand_as,
  index: vw.index,
  to,
  type_as: (self: Tensor, other: Tensor): Tensor =>
    castRecorded(self, other.dtype),
  float: (self: Tensor): Tensor => castRecorded(self, float32),
  double: (self: Tensor): Tensor => castRecorded(self, float64),
  half: (self: Tensor): Tensor => castRecorded(self, float16),
  bfloat16: (self: Tensor): Tensor => castRecorded(self, bfloat16),
  long: (self: Tensor): Tensor => castRecorded(self, int64),
  int: (self: Tensor): Tensor => castRecorded(self, int32),
  short: (self: Tensor): Tensor => castRecorded(self, int16),
  char: (self: Tensor): Tensor => castRecorded(self, int8),
  byte: (self: Tensor): Tensor => castRecorded(self, uint8),
  bool: (self: Tensor): Tensor => castRecorded(self, bool),
  contiguous: (
    self: Tensor,
  ): Tensor => (self.is_contiguous()
    ? self
    : castRecorded(self, self.dtype, true)),
  clone: (self: Tensor): Tensor => castRecorded(self, self.dtype, true),
  /** `x.cpu()`: x itself on the CPU, else a copy there. */
  cpu: (self: Tensor): Tensor => toDevice(self, cpuBackend),
  /** `x.cuda()`: a copy on the WebGPU device (`"cuda"` is its alias). */
  cuda: (self: Tensor): Tensor => toDevice(self, resolveDevice("cuda")),
  numpy,
  /** `x.copy_(src)`: src's values (broadcast and cast to x's dtype) written into x; differentiable. */
  copy_: (self: Tensor, src: Tensor): Tensor => {
    assertNoOverlap(self, [src]);
    return assignInPlace(
      self,
      cast(vw.expand(src, self._shape), self.dtype),
      false,
    );
  },
  /** `x.fill_(v)`: every element set to v. */
  fill_: (self: Tensor, value: number | boolean | Tensor): Tensor =>
    fillWith(self, value instanceof Tensor ? value.item() : value),
  zero_: (self: Tensor): Tensor => fillWith(self, 0),
  backward: autograd.backward,
  retain_grad: (self: Tensor): void => autograd.retain_grad(self),
  register_hook: (
    self: Tensor,
    hook: (grad: Tensor) => Tensor | void,
  ): { remove(): void } => autograd.register_hook(self, hook),
  requires_grad_: autograd.requires_grad_,
  uniform_: drawInPlace("UniformBackward0", rnd.uniform_) as Draw,
  normal_: drawInPlace("NormalBackward0", rnd.normal_) as Draw,
  random_: drawInPlace("RandomBackward0", rnd.random_) as Draw,
  bernoulli_: drawInPlace(
    (args) =>
      args[0] instanceof Tensor ? "BernoulliBackward1" : "BernoulliBackward2",
    rnd.bernoulli_,
  ) as Draw,
  exponential_: drawInPlace("ExponentialBackward0", rnd.exponential_) as Draw,
  squeeze_: (self: Tensor, dim?: number): Tensor =>
    becomeView(self, vw.squeeze(self, dim)),
  unsqueeze_: (self: Tensor, dim: number): Tensor =>
    becomeView(self, vw.unsqueeze(self, dim)),
  t_: (self: Tensor): Tensor => becomeView(self, vw.t(self)),
  transpose_: (self: Tensor, a: number, b: number): Tensor =>
    becomeView(self, vw.transpose(self, a, b)),
};

const tensorFns: SignedTable<typeof TENSOR, typeof TENSOR_IMPLS> = signAll(
  "Tensor",
  TENSOR,
  TENSOR_IMPLS,
);

/** `torch.*` functions that are also Tensor methods (the tensor is their `input`). */
const SHARED = [
  ...(Object.keys(ew.UNARY) as ew.UnaryName[]),
  ...(Object.keys(binaryFns) as PlainBinary[]),
  "add",
  "sub",
  "subtract",
  "multiply",
  "div",
  "divide",
  "floor_divide",
  "greater",
  "less",
  "clamp",
  "clip",
  "round",
  "sum",
  "softmax",
  "log_softmax",
  "mean",
  "prod",
  "amax",
  "amin",
  "argmax",
  "argmin",
  "std",
  "var",
  "norm",
  "logsumexp",
  "all",
  "any",
  "cumsum",
  "cumprod",
  "matmul",
  "mm",
  "bmm",
  "mv",
  "dot",
  "outer",
  "flip",
  "roll",
  "tril",
  "triu",
  "tile",
  "square",
  "lerp",
  "addcmul",
  "addcdiv",
  "addmm",
  "isclose",
  "broadcast_to",
  "diag",
  "baddbmm",
  "tensor_split",
  "index_add",
  "index_copy",
  "index_put",
  "index_fill",
  "take",
  "kthvalue",
  "mode",
  "repeat_interleave",
  "bincount",
  "histc",
  "gather",
  "scatter",
  "scatter_add",
  "index_select",
  "masked_fill",
  "masked_select",
  "nonzero",
  "allclose",
  "equal",
  "sort",
  "argsort",
  "topk",
  "unique",
  "reshape",
  "flatten",
  "unflatten",
  "squeeze",
  "unsqueeze",
  "permute",
  "transpose",
  "swapaxes",
  "t",
  "narrow",
  "select",
  "unbind",
  "split",
  "chunk",
  "bernoulli",
  "multinomial",
  "conj",
  "conj_physical",
  "angle",
  "sgn",
] as const satisfies readonly (keyof typeof torchFns)[];

type Shared = Pick<typeof torchFns, typeof SHARED[number]>;

/** Methods whose first parameter is the tensor, keyed by method name. */
const METHOD_FNS: Shared & typeof tensorFns = {
  ...Object.fromEntries(SHARED.map((n) => [n, torchFns[n]])) as Shared,
  ...tensorFns,
};

/** Ops with an in-place `op_` method: the result is written back into the tensor. */
type InPlaceUnary = Exclude<ew.UnaryName, "isnan" | "isfinite" | "isinf">;
const IN_PLACE_MORE = [
  "add",
  "sub",
  "subtract",
  "multiply",
  "div",
  "divide",
  "true_divide",
  "floor_divide",
  "clamp",
  "clip",
  "round",
  "masked_fill",
  "scatter",
  "scatter_add",
  "cumsum",
  "cumprod",
  "tril",
  "triu",
  "square",
  "lerp",
  "addcmul",
  "addcdiv",
  "addmm",
  "baddbmm",
  "index_add",
  "index_copy",
  "index_put",
  "index_fill",
] as const;
const IN_PLACE: readonly (
  | InPlaceUnary
  | PlainBinary
  | typeof IN_PLACE_MORE[number]
)[] = [
  ...(Object.keys(ew.UNARY) as ew.UnaryName[]).filter((n): n is InPlaceUnary =>
    !["isnan", "isfinite", "isinf"].includes(n)
  ),
  ...(Object.keys(binaryFns) as PlainBinary[]),
  ...IN_PLACE_MORE,
];

type InPlaceName = typeof IN_PLACE[number];
type SharedName = typeof SHARED[number];
type TextOfMethod<K> = K extends SharedName ? TextOf<typeof TORCH[K]>
  : K extends keyof typeof TENSOR ? TextOf<typeof TENSOR[K]>
  : never;
type MethodFn<K extends keyof typeof METHOD_FNS> = MethodOf<
  TextOfMethod<K>,
  ReturnType<typeof METHOD_FNS[K]>
>;

/**
 * Every generated Tensor method, typed from its declaration without the tensor itself.
 *
 * @ignore
 */
export type TensorMethods =
  & { [K in Exclude<keyof typeof METHOD_FNS, "register_hook">]: MethodFn<K> }
  & { [K in InPlaceName as `${K}_`]: MethodFn<K> }
  & {
    max: MaxMethod;
    min: MaxMethod;
    median: MedianMethod;
    /** `t.register_hook(hook)`: hook(grad) may return a replacement; see autograd/functions.ts. */
    register_hook(
      hook: (grad: Tensor) => Tensor | void,
    ): { remove(): void };
  };

interface MedianMethod {
  (): Tensor;
  (dim: number, keepdim?: boolean | { keepdim?: boolean }): red.ValuesIndices;
  (opts: { dim: number; keepdim?: boolean }): red.ValuesIndices;
}

interface MaxMethod {
  (): Tensor;
  (other: Tensor): Tensor;
  (dim: number, keepdim?: boolean | { keepdim?: boolean }): red.ValuesIndices;
  (opts: { dim: number; keepdim?: boolean }): red.ValuesIndices;
}

/** Re-points a tensor at a view of itself, for the in-place view methods (`t_`, `unsqueeze_`). */
function becomeView(self: Tensor, v: Tensor): Tensor {
  self._shape = v._shape;
  self._strides = v._strides;
  self.storage_offset_ = v.storage_offset_;
  return self;
}

/** A method calling `fn` with the tensor first, carrying fn's declaration. */
function method(
  fn: (self: Tensor, ...a: unknown[]) => unknown,
  sig: Signature,
  body?: (this: Tensor, ...args: unknown[]) => unknown,
) {
  // The implementation is called directly: one frame and one argument list fewer per method call.
  const impl = ((fn as unknown as { [IMPL]?: unknown })[IMPL] ?? fn) as (
    ...a: unknown[]
  ) => unknown;
  const m = body ?? function (this: Tensor, ...args: unknown[]) {
    args.unshift(this);
    return impl(...bindCall(sig, args));
  };
  Object.defineProperty(m, SIGNATURE, { value: sig });
  return m;
}

/** Installs the methods on Tensor.prototype; called once by the module that defines the ops. */
export function installMethods(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const fns = METHOD_FNS as unknown as Record<
    string,
    (self: Tensor, ...a: unknown[]) => unknown
  >;
  for (const [name, fn] of Object.entries(fns)) {
    proto[name] = method(fn, signatureOf(fn)!);
  }
  for (const name of IN_PLACE) {
    const fn = fns[name];
    const sig = signatureOf(fn)!;
    const direct = DIRECT[name];
    proto[`${name}_`] = method(
      fn,
      sig,
      direct
        ? function (this: Tensor, ...args: unknown[]) {
          // With autograd involved the direct form declines and assignInPlace rebases (below).
          checkInPlace(this, true);
          const bound = bindCall(sig, [this, ...args]).slice(1);
          assertNoOverlap(this, bound);
          const r = direct(this, bound);
          if (r !== this) return assignInPlace(this, r);
          // As assignInPlace does: writing a Variable's values makes a Variable (legacy printing).
          for (const a of bound) {
            if (a instanceof Tensor && a._variable) this._variable = true;
          }
          return this;
        }
        : function (this: Tensor, ...args: unknown[]) {
          assertNoOverlap(this, args);
          return assignInPlace(this, fn(this, ...args) as Tensor);
        },
    );
  }
  // The class's own methods (size, item, ...) keep their code and types; calls are bound all the same.
  for (const [name, text] of Object.entries(TENSOR_CLASS)) {
    const own = proto[name] as (...a: unknown[]) => unknown;
    const sig = declare(`Tensor.${name}`, text, { emit: "positional" });
    proto[name] = method(own, sig, function (this: Tensor, ...args: unknown[]) {
      // No parameter of these is required: a call without arguments binds as it stands.
      if (args.length === 0) return own.call(this);
      return own.apply(this, bindCall(sig, [this, ...args]).slice(1));
    });
  }
  for (
    const [name, fn] of [["max", max], ["min", min], [
      "median",
      median,
    ]] as const
  ) {
    proto[name] = method(
      fn as (self: Tensor, ...a: unknown[]) => unknown,
      signatureOf(fn)!,
    );
  }
}
