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
  assertNoOverlap,
  assignInPlace,
  cast,
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
import * as ix from "./indexing.ts";
import * as so from "./sorting.ts";
import * as vw from "./views.ts";
import * as rnd from "./random.ts";
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

const castTo = (d: DType) => (self: Tensor) => castRecorded(self, d);

/**
 * `x.fill_(v)`: a constant written in place. On a tensor with history, the fill is recorded
 * (FillBackward0) so that no gradient flows to what the tensor held before.
 */
function fillWith(self: Tensor, value: number | boolean): Tensor {
  const backend = self.storage.backend;
  const constant = Tensor.empty(self._shape, self.dtype, backend);
  backend.ops.fill(
    constant._view(),
    roundScalar(value, self.dtype),
    self._shape,
  );
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
function drawInPlace(
  name: string | ((args: unknown[]) => string),
  draw: (self: Tensor, ...args: unknown[]) => Tensor,
): (self: Tensor, ...args: unknown[]) => Tensor {
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

/** Methods whose first parameter is the tensor, keyed by method name. */
const METHOD_FNS = {
  ...unaryFns,
  ...binaryFns,
  add: ew.add,
  sub: ew.sub,
  subtract: ew.sub,
  multiply: binaryFns.mul,
  div: ew.div,
  divide: ew.div,
  true_divide: (a: Tensor, b: ew.TensorOrScalar) => ew.div(a, b),
  floor_divide,
  greater: binaryFns.gt,
  less: binaryFns.lt,
  clamp: ew.clamp,
  clip: ew.clamp,
  round: ew.round,
  where: (self: Tensor, condition: Tensor, other: ew.TensorOrScalar) =>
    ew.where(condition, self, other),
  sum: red.sum,
  softmax: act.softmax,
  log_softmax: act.log_softmax,
  mean: red.mean,
  prod: red.prod,
  amax: red.amax,
  amin: red.amin,
  argmax: red.argmax,
  argmin: red.argmin,
  std: red.std,
  var: red.var_,
  norm: red.norm,
  logsumexp: red.logsumexp,
  all: red.all,
  any: red.any,
  cumsum: red.cumsum,
  cumprod: red.cumprod,
  matmul: la.matmul,
  mm: la.mm,
  bmm: la.bmm,
  mv: la.mv,
  dot: la.dot,
  outer: la.outer,
  gather: ix.gather,
  scatter: ix.scatter,
  scatter_add: ix.scatter_add,
  index_select: ix.index_select,
  masked_fill: ix.masked_fill,
  masked_select: ix.masked_select,
  nonzero: ix.nonzero,
  allclose: ix.allclose,
  equal: ix.equal,
  sort: so.sort,
  argsort: so.argsort,
  topk: so.topk,
  unique: so.unique,
  view: vw.view,
  view_as: vw.view_as,
  reshape: vw.reshape,
  reshape_as: vw.reshape_as,
  flatten: vw.flatten,
  unflatten: vw.unflatten,
  squeeze: vw.squeeze,
  unsqueeze: vw.unsqueeze,
  permute: vw.permute,
  transpose: vw.transpose,
  swapaxes: vw.transpose,
  t: vw.t,
  expand: vw.expand,
  expand_as: vw.expand_as,
  narrow: vw.narrow,
  select: vw.select,
  unbind: vw.unbind,
  split: vw.split,
  chunk: vw.chunk,
  index: vw.index,
  to,
  type_as: (self: Tensor, other: Tensor) => castRecorded(self, other.dtype),
  float: castTo(float32),
  double: castTo(float64),
  half: castTo(float16),
  bfloat16: castTo(bfloat16),
  long: castTo(int64),
  int: castTo(int32),
  short: castTo(int16),
  char: castTo(int8),
  byte: castTo(uint8),
  bool: castTo(bool),
  contiguous: (
    self: Tensor,
  ) => (self.is_contiguous() ? self : castRecorded(self, self.dtype, true)),
  clone: (self: Tensor) => castRecorded(self, self.dtype, true),
  /** `x.cpu()`: x itself on the CPU, else a copy there. */
  cpu: (self: Tensor) => toDevice(self, cpuBackend),
  /** `x.cuda()`: a copy on the WebGPU device (`"cuda"` is its alias). */
  cuda: (self: Tensor) => toDevice(self, resolveDevice("cuda")),
  numpy,
  /** `x.copy_(src)`: src's values (broadcast and cast) written into x. */
  /** `x.copy_(src)`: src's values (broadcast and cast to x's dtype) written into x; differentiable. */
  copy_: (self: Tensor, src: Tensor) => {
    assertNoOverlap(self, [src]);
    return assignInPlace(
      self,
      cast(vw.expand(src, self._shape), self.dtype),
      false,
    );
  },
  /** `x.fill_(v)`: every element set to v. */
  fill_: (self: Tensor, value: number | boolean | Tensor) =>
    fillWith(self, value instanceof Tensor ? value.item() : value),
  zero_: (self: Tensor) => fillWith(self, 0),
  backward: autograd.backward,
  retain_grad: (self: Tensor) => autograd.retain_grad(self),
  requires_grad_: autograd.requires_grad_,
  uniform_: drawInPlace("UniformBackward0", rnd.uniform_),
  normal_: drawInPlace("NormalBackward0", rnd.normal_),
  random_: drawInPlace("RandomBackward0", rnd.random_),
  bernoulli_: drawInPlace(
    (args) =>
      args[0] instanceof Tensor ? "BernoulliBackward1" : "BernoulliBackward2",
    rnd.bernoulli_,
  ),
  exponential_: drawInPlace("ExponentialBackward0", rnd.exponential_),
  bernoulli: rnd.bernoulli,
};

/** Ops with an in-place `op_` method: the result is written back into the tensor. */
const IN_PLACE = [
  ...(Object.keys(ew.UNARY) as ew.UnaryName[]).filter((n) =>
    !["isnan", "isfinite", "isinf"].includes(n)
  ),
  ...(Object.keys(binaryFns) as PlainBinary[]),
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
] as const;

type Fns = typeof METHOD_FNS;
type DropSelf<F> = F extends (self: Tensor, ...rest: infer A) => infer R
  ? (...rest: A) => R
  : F extends (self: ew.TensorOrScalar, ...rest: infer A) => infer R
    ? (...rest: A) => R
  : never;
type InPlaceName = typeof IN_PLACE[number];

/**
 * Every generated Tensor method, typed from the function it wraps.
 *
 * @ignore
 */
export type TensorMethods =
  & { [K in Exclude<keyof Fns, "where">]: DropSelf<Fns[K]> }
  & { [K in InPlaceName as `${K}_`]: DropSelf<Fns[K]> }
  & {
    where(condition: Tensor, other: ew.TensorOrScalar): Tensor;
    max: MaxMethod;
    min: MaxMethod;
    squeeze_(dim?: number): Tensor;
    unsqueeze_(dim: number): Tensor;
    t_(): Tensor;
    transpose_(dim0: number, dim1: number): Tensor;
  };

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

/** Installs the methods on Tensor.prototype; called once by the module that defines the ops. */
export function installMethods(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const fns = METHOD_FNS as unknown as Record<
    string,
    (self: Tensor, ...a: unknown[]) => unknown
  >;
  for (const [name, fn] of Object.entries(fns)) {
    proto[name] = function (this: Tensor, ...args: unknown[]) {
      return fn(this, ...args);
    };
  }
  for (const name of IN_PLACE) {
    const fn = fns[name];
    const direct = DIRECT[name];
    proto[`${name}_`] = direct
      ? function (this: Tensor, ...args: unknown[]) {
        // With autograd involved the direct form declines and assignInPlace rebases (below).
        checkInPlace(this, true);
        assertNoOverlap(this, args);
        const r = direct(this, args);
        if (r !== this) return assignInPlace(this, r);
        // As assignInPlace does: writing a Variable's values makes a Variable (legacy printing).
        for (const a of args) {
          if (a instanceof Tensor && a._variable) this._variable = true;
        }
        return this;
      }
      : function (this: Tensor, ...args: unknown[]) {
        assertNoOverlap(this, args);
        return assignInPlace(this, fn(this, ...args) as Tensor);
      };
  }
  proto.max = function (this: Tensor, ...args: unknown[]) {
    return (red.max as (...a: unknown[]) => unknown)(this, ...args);
  };
  proto.min = function (this: Tensor, ...args: unknown[]) {
    return (red.min as (...a: unknown[]) => unknown)(this, ...args);
  };
  proto.squeeze_ = function (this: Tensor, dim?: number) {
    return becomeView(this, vw.squeeze(this, dim));
  };
  proto.unsqueeze_ = function (this: Tensor, dim: number) {
    return becomeView(this, vw.unsqueeze(this, dim));
  };
  proto.t_ = function (this: Tensor) {
    return becomeView(this, vw.t(this));
  };
  proto.transpose_ = function (this: Tensor, a: number, b: number) {
    return becomeView(this, vw.transpose(this, a, b));
  };
}
