// The Tensor: storage + offset + shape + strides + dtype. Ops attach as methods (src/ops/methods.ts).

import { type DType, float32 } from "./dtype.ts";
import { RuntimeError, ValueError } from "./errors.ts";
import { Device } from "./device.ts";
import { fromBf16 } from "./bfloat16.ts";
import { contiguousStrides, numel, Size, wrapDim } from "./shape.ts";
import { Storage } from "./storage.ts";
import type { AccumulateGrad, Node } from "./autograd/node.ts";
import type { Backend, View } from "./backend/backend.ts";
import { hostDoubles, hostElements, hostViewAsync } from "./host.ts";
import type { TensorMethods } from "./ops/methods.ts";
import { formatTensor } from "./print/mod.ts";
import {
  type Complex,
  complexElements,
  imagPart,
  pairsOf,
  realPart,
} from "./complex.ts";

/**
 * A nested array of numbers or booleans, as `tolist()` returns and `tensor()` accepts; an int64 or
 * uint64 element beyond 2^53 is a BigInt, as `item()` gives it (a double would change it), and a
 * complex element a `Complex`.
 */
export type NestedList = number | boolean | bigint | Complex | NestedList[];

/** The methods generated from the op declarations (`x.add(y)`, `x.exp_()`, ...), merged into the class type. */
export interface Tensor extends TensorMethods {}

/**
 * A strided view of a storage. Views (view, transpose, narrow, slicing, ...) share the storage, so
 * an in-place write through one is seen by all.
 */
export class Tensor {
  /**
   * The shared memory this tensor views.
   *
   * @ignore
   */
  storage: Storage;
  /** Offset of element [0, ..., 0] into the storage, in elements. */
  storage_offset_: number;
  /** Internal: the sizes, as a plain array (`shape` wraps it in a `torch.Size`). */
  _shape: number[];
  /** Internal: the strides in elements, one per dim. */
  _strides: number[];
  /** The element type, e.g. `torch.float32`. */
  readonly dtype: DType;
  /** Set by `torch.autograd.Variable` (and on results of ops on one): legacy printing says `Variable containing:`. */
  _variable = false;
  /** For a view, the tensor whose storage it views (PyTorch's `_base`); null otherwise. */
  _base: Tensor | null = null;
  /** Set when a view of this tensor was taken while it required grad (see checkInPlace). */
  _hasGraphViews = false;
  /**
   * For a view, its base's `grad_fn` when the view's own was made: once an in-place write gives
   * the base a new one, the view's is made again from it at its next use (see rebaseView).
   */
  _baseNode: Node | null = null;
  /** The node that made this tensor, or null for a leaf. */
  grad_fn: Node | null = null;
  /** Which output of `grad_fn` this tensor is. */
  _output_nr = 0;
  /** The accumulated gradient of a leaf that requires grad (or of a tensor that called `retain_grad()`). */
  grad: Tensor | null = null;
  /** A leaf's own flag; non-leaves require grad because they have a `grad_fn`. */
  _requires_grad = false;
  /**
   * The AccumulateGrad node of a leaf, made once so that every use of the leaf shares it.
   *
   * @ignore
   */
  _accumulator: AccumulateGrad | undefined;

  /**
   * Internal: wraps a storage. Make tensors with `torch.tensor`, `torch.zeros`, ... instead.
   *
   * @ignore
   */
  constructor(
    storage: Storage,
    shape: number[],
    strides: number[],
    offset: number,
    dtype: DType,
  ) {
    this.storage = storage;
    this._shape = shape;
    this._strides = strides;
    this.storage_offset_ = offset;
    this.dtype = dtype;
  }

  /** A new contiguous tensor of `shape`, zero-filled, on the CPU or the given backend. */
  static empty(
    shape: readonly number[],
    dtype: DType = float32,
    backend?: Backend,
  ): Tensor {
    for (const d of shape) {
      if (d < 0) {
        throw new RuntimeError(
          `Trying to create tensor with negative dimension ${d}: [${
            shape.join(", ")
          }]`,
        );
      }
    }
    const n = numel(shape);
    if (n * dtype.itemsize > Number.MAX_SAFE_INTEGER) {
      checkStorageSize(shape, dtype);
    }
    return new Tensor(
      Storage.allocate(dtype, n, backend),
      [...shape],
      contiguousStrides(shape),
      0,
      dtype,
    );
  }

  /** Whether autograd records operations on this tensor: a leaf's flag, or true when it has a grad_fn. */
  get requires_grad(): boolean {
    return this._requires_grad || this.grad_fn !== null;
  }

  set requires_grad(flag: boolean) {
    if (this.grad_fn !== null) {
      if (flag) return;
      throw new RuntimeError(
        "you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().",
      );
    }
    if (flag && !this.dtype.is_floating_point && !this.dtype.is_complex) {
      throw new RuntimeError(
        "only Tensors of floating point and complex dtype can require gradients",
      );
    }
    this._requires_grad = flag;
  }

  /** True for tensors made by the user rather than by a recorded op. */
  get is_leaf(): boolean {
    return this.grad_fn === null;
  }

  /** A tensor sharing this one's storage, cut off from the graph (`x.detach()`). */
  detach(): Tensor {
    return new Tensor(
      this.storage,
      [...this._shape],
      [...this._strides],
      this.storage_offset_,
      this.dtype,
    );
  }

  /** `x.detach_()`: makes this tensor a leaf that does not require grad. */
  detach_(): this {
    this.grad_fn = null;
    this._requires_grad = false;
    return this;
  }

  /** `x.data`: the same values, without autograd history (shares storage; prints without `Variable`). */
  get data(): Tensor {
    return this.detach();
  }

  /** `x.data = t`: this tensor now views t's storage, shape and dtype. */
  set data(t: Tensor) {
    this.storage = t.storage;
    this._shape = [...t._shape];
    this._strides = [...t._strides];
    this.storage_offset_ = t.storage_offset_;
    (this as { dtype: DType }).dtype = t.dtype;
  }

  /** `x.T`: the dims in reverse order (a view: `permute(n-1, ..., 0)`). */
  get T(): Tensor {
    return this.permute([...Array(this.dim()).keys()].reverse());
  }

  /** `x.mT`: the last two dims swapped (a view), for a matrix or a batch of them. */
  get mT(): Tensor {
    if (this.dim() < 2) {
      throw new RuntimeError(
        `tensor.mT is only supported on matrices or batches of matrices. Got ${this.dim()}-D tensor.`,
      );
    }
    return this.transpose(-2, -1);
  }

  /** `x.shape`, a `torch.Size`. */
  get shape(): Size {
    return new Size(this._shape);
  }

  /** `x.size()` gives the `torch.Size`; `x.size(d)` one dimension (negative d counts from the end). */
  size(): Size;
  /** `x.size(dim)`: the size of one dimension. */
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return new Size(this._shape);
    return this._shape[wrapDim(dim, this._shape.length)];
  }

  /** `x.stride()` in elements, or one dimension's stride. */
  stride(): number[];
  /** `x.stride(dim)`: one dimension's stride, in elements. */
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this._strides];
    return this._strides[wrapDim(dim, this._strides.length)];
  }

  /** `x.storage_offset()`: where element [0, ..., 0] lies in the storage, in elements. */
  storage_offset(): number {
    return this.storage_offset_;
  }

  /** `x.dim()`: the number of dimensions (0 for a scalar tensor). */
  dim(): number {
    return this._shape.length;
  }

  /** `x.ndim`: the number of dimensions, as `x.dim()`. */
  get ndim(): number {
    return this._shape.length;
  }

  /** `x.numel()`: the number of elements. */
  numel(): number {
    return numel(this._shape);
  }

  /** `x.nelement()`: an alias of `numel()`. */
  nelement(): number {
    return this.numel();
  }

  /** `x.element_size()`: bytes per element (4 for float32). */
  element_size(): number {
    return this.dtype.itemsize;
  }

  /**
   * `x.device`: a `torch.device`, `device(type='cpu')` or the device of the backend that holds the
   * storage (index 0). It reads as its string: `${x.device}` is `"cpu"`, and `x.device == "cpu"`.
   */
  get device(): Device {
    const type = this.storage.device;
    return new Device(type, type === "cpu" ? null : 0);
  }

  /** `x.is_cuda`: whether the tensor lives off the CPU (on WebGPU, which `"cuda"` names). */
  get is_cuda(): boolean {
    return this.storage.device !== "cpu";
  }

  /** `x.is_floating_point()`: whether the dtype is float16, float32 or float64. */
  is_floating_point(): boolean {
    return this.dtype.is_floating_point;
  }

  /** True when the elements lie in row-major order without gaps (size-1 dims are ignored). */
  is_contiguous(): boolean {
    let expected = 1;
    for (let i = this._shape.length - 1; i >= 0; i--) {
      if (this._shape[i] === 1) continue;
      if (this._strides[i] !== expected) return false;
      expected *= this._shape[i];
    }
    return true;
  }

  /**
   * This tensor as a kernel operand: its backend buffer, dtype, offset and strides.
   *
   * @ignore
   */
  _view(): View {
    if (this.dtype.is_complex) {
      // Kernels compute on reals: a complex op goes through view_as_real (src/complex.ts).
      throw new RuntimeError(
        `this operation is not implemented for '${this.dtype.scalar_name}' tensors`,
      );
    }
    return {
      buffer: this.storage.buffer,
      dtype: this.dtype.name,
      offset: this.storage_offset_,
      strides: this._strides,
    };
  }

  /**
   * The operand a fill kernel writes a real constant through: the tensor itself, or for a complex
   * tensor its real parts (a fresh complex tensor's imaginary parts are already zero).
   *
   * @ignore
   */
  _fillView(): View {
    if (!this.dtype.is_complex) return this._view();
    const p = pairsOf(this);
    return {
      buffer: this.storage.buffer,
      dtype: p.dtype.name,
      offset: p.storage_offset_,
      strides: p._strides.slice(0, -1),
    };
  }

  /** `x.is_complex()`: whether the dtype is complex64 or complex128. */
  is_complex(): boolean {
    return this.dtype.is_complex;
  }

  /** `z.real`: the real parts, a view (a real tensor is its own real part, as in PyTorch). */
  get real(): Tensor {
    return this.dtype.is_complex ? realPart(this) : this;
  }

  /** `z.imag`: the imaginary parts of a complex tensor, a view. */
  get imag(): Tensor {
    return imagPart(this);
  }

  /** Marks an in-place write, for autograd's version check. */
  _bump(): void {
    this.storage.version++;
  }

  /** `x._version`: how many in-place writes the storage has seen. */
  get _version(): number {
    return this.storage.version;
  }

  /**
   * The single value of a one-element tensor, as Python's `t.item()`: a number for floating and
   * integer dtypes (`loss.item().toFixed(4)`), `true`/`false` for bool, and for int64 a BigInt only
   * where a number would not hold the value exactly (beyond ±2^53). TypeScript cannot see a
   * tensor's dtype, so the type says number; name the other kinds where they are expected:
   * `mask.any().item<boolean>()`.
   */
  item(): number;
  item<T extends number | boolean | bigint>(): T;
  item(): number | boolean | bigint {
    const n = this.numel();
    if (n !== 1) throw new ValueError(ONE_ELEMENT);
    if (this.dtype.is_complex) {
      // TypeScript's type says number; a complex element is a Complex (`{ real, imag }`).
      return complexElements(this)[0] as unknown as number;
    }
    const { backend, buffer } = this.storage;
    const v = backend.read(buffer, this.dtype.name, this.storage_offset_, 1)[0];
    if (this.dtype.name === "bool") return v !== 0;
    if (this.dtype.name === "bfloat16") return fromBf16(v as number);
    if (typeof v === "bigint") {
      const x = Number(v);
      return Number.isSafeInteger(x) ? x : v;
    }
    return v;
  }

  /**
   * JavaScript's operators (`x * 2`, `t > 0.5`, `loss + 1`) read a one-element tensor as its number,
   * as Python's `float(t)`; any other tensor raises instead of computing garbage: elementwise
   * arithmetic is `x.mul(2)`, `t.gt(0.5)`. String conversion (`${t}`, `String(t)`) prints.
   */
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    if (this.numel() !== 1) {
      throw new ValueError(
        ONE_ELEMENT +
          " (a JavaScript operator such as * + - / < > converts a tensor to a number: for " +
          "elementwise arithmetic use the methods, x.mul(y), x.add(y), x.sub(y), x.div(y), x.lt(y), x.gt(y); " +
          "to print, String(x) or `${x}`)",
      );
    }
    if (this.dtype.is_complex) {
      // Python's float(z) of a complex value raises too; a Complex would become NaN.
      throw new TypeError("can't convert complex to float");
    }
    return Number(this.item<number | boolean | bigint>());
  }

  /** `len(t)`: the size of dim 0; a 0-d tensor has none. */
  get length(): number {
    if (this._shape.length === 0) throw new TypeError("len() of a 0-d tensor");
    return this._shape[0];
  }

  /** `for (const row of t)`: the slices along dim 0, as Python's `for row in t`. */
  *[Symbol.iterator](): Iterator<Tensor> {
    if (this._shape.length === 0) {
      throw new TypeError("iteration over a 0-d tensor");
    }
    for (let i = 0; i < this._shape[0]; i++) yield this.select(0, i);
  }

  /**
   * `await x.cpu_async()`: x on the CPU without blocking the event loop while a device finishes
   * (x itself when it is on the CPU). `cpu()`, `item()` and `tolist()` block instead, as PyTorch's.
   */
  async cpu_async(): Promise<Tensor> {
    if (this.storage.device === "cpu") return this;
    if (this.dtype.is_complex) {
      // Through the pairs: a real tensor whose last dim (stride 1) holds each element's parts.
      const p = await pairsOf(this).cpu_async();
      return new Tensor(
        p.storage,
        [...this._shape],
        p._strides.slice(0, -1).map((st) => st / 2),
        p.storage_offset_ / 2,
        this.dtype,
      );
    }
    const v = await hostViewAsync(this);
    return new Tensor(
      new Storage(v.buffer),
      [...this._shape],
      [...this._strides],
      v.offset,
      this.dtype,
    );
  }

  /** `await x.item_async()`: `item()` without blocking the event loop. */
  async item_async(): Promise<number> {
    return (await this.cpu_async()).item();
  }

  /** `await x.tolist_async()`: `tolist()` without blocking the event loop. */
  async tolist_async(): Promise<NestedList> {
    return (await this.cpu_async()).tolist();
  }

  /**
   * Gives the device memory behind this tensor back now, instead of when the garbage collector
   * finds it unreachable (a no-op on the CPU, whose memory the collector owns). Every view of the
   * same storage loses it too; using any of them afterwards raises. `using t = ...` calls it at
   * the end of the scope.
   */
  dispose(): void {
    const s = this.storage;
    if (s.device === "cpu" || s.disposed) return;
    s.disposed = true;
    s.backend.free(s.buffer);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  /**
   * Nested arrays of numbers (booleans for bool tensors), as PyTorch's `tolist()`; int64 and uint64
   * elements beyond 2^53 are BigInts, exact.
   */
  tolist(): NestedList {
    if (this.dtype.is_complex) {
      const flat = complexElements(this);
      let q = 0;
      const nest = (d: number): unknown =>
        d === this._shape.length
          ? flat[q++]
          : Array.from({ length: this._shape[d] }, () => nest(d + 1));
      return nest(0) as NestedList;
    }
    const isBool = this.dtype.name === "bool";
    // 64-bit integers are read once, as they are (a device read is a synchronous round trip).
    const big = this.dtype.name === "int64" || this.dtype.name === "uint64"
      ? hostElements(this) as BigInt64Array | BigUint64Array
      : undefined;
    const flat = big ? Float64Array.from(big, Number) : hostDoubles(this);
    let p = 0;
    const build = (d: number): NestedList => {
      if (d === this._shape.length) {
        const v = flat[p++];
        if (big && !Number.isSafeInteger(v)) return big[p - 1] as bigint;
        return isBool ? v !== 0 : v;
      }
      const out: NestedList[] = [];
      for (let i = 0; i < this._shape[d]; i++) out.push(build(d + 1));
      return out;
    };
    return build(0);
  }

  /**
   * `x.type()` gives the legacy type name, `"torch.FloatTensor"`; `x.type(t)` converts to the dtype
   * of a legacy constructor (`torch.DoubleTensor`), a dtype, or a type name.
   */
  type(): string;
  /** `x.type(torch.DoubleTensor)`: a copy converted to that dtype (x itself when it already has it). */
  type(to: DType | string | { dtype: DType }): Tensor;
  type(to?: DType | string | { dtype: DType }): string | Tensor {
    if (to === undefined) return legacyTypeName(this);
    if (typeof to === "string") {
      const m = /^torch\.(?:cuda\.)?(\w+Tensor)$/.exec(to);
      const dtype = m ? LEGACY_NAMES.get(m[1]) : undefined;
      if (!dtype) throw new ValueError(`invalid type: '${to}'`);
      return this.to(dtype);
    }
    return this.to("name" in to ? to : to.dtype);
  }

  /** The tensor printed as PyTorch prints it, in the style `torch.set_printoptions` selects. */
  toString(): string {
    if (this.dtype.is_complex) {
      const parts = complexElements(this);
      return formatTensor({
        dtype: this.dtype.name,
        shape: this._shape,
        values: parts.map((c) => c.real),
        imag: parts.map((c) => c.imag),
        device: this.storage.device,
        wrapper: this._printWrapper(),
        requires_grad: this.requires_grad,
        grad_fn: this.grad_fn?._name,
      });
    }
    return formatTensor({
      dtype: this.dtype.name,
      shape: this._shape,
      values: this.dtype.name === "int64" || this.dtype.name === "uint64"
        ? hostElements(this) as BigInt64Array | BigUint64Array
        : hostDoubles(this),
      device: this.storage.device,
      wrapper: this._printWrapper(),
      requires_grad: this.requires_grad,
      grad_fn: this.grad_fn?._name,
    });
  }

  /** Legacy printing's wrapper line; Parameter overrides it. */
  _printWrapper(): "Variable" | "Parameter" | undefined {
    return this._variable || this.requires_grad ? "Variable" : undefined;
  }

  /** Node's `console.log` hook: prints as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  /** Deno's `console.log` hook: prints as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** PyTorch's error when a storage's size in bytes does not fit in an int64. */
function checkStorageSize(shape: readonly number[], dtype: DType): void {
  let bytes = BigInt(dtype.itemsize);
  for (const d of shape) bytes *= BigInt(d);
  if (bytes > 0x7fffffffffffffffn) {
    throw new RuntimeError(
      `Storage size calculation overflowed with sizes=[${
        shape.map((d) => BigInt(d)).join(", ")
      }]`,
    );
  }
}

const ONE_ELEMENT =
  "only one element tensors can be converted to Python scalars";

const LEGACY_NAMES = new Map<string, DType>();

/** Registers the dtype behind each legacy class name (`FloatTensor` → float32). */
export function registerLegacyName(name: string, dtype: DType): void {
  LEGACY_NAMES.set(name, dtype);
}

function legacyTypeName(t: Tensor): string {
  return `torch.${t.storage.device === "cpu" ? "" : "cuda."}${t.dtype.legacy}`;
}
