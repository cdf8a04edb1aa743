// Core tensor plumbing every op uses: allocation, casting copies, `out=` and in-place writes.

import { type DType, DTYPES, toDType } from "../dtype.ts";
import { AssertionError, RuntimeError } from "../errors.ts";
import { unknownDeviceMessage } from "../device.ts";
import { fromBf16, toBf16 } from "../bfloat16.ts";
import { broadcastStrides, sameShape } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { complexCopy, pairsOf } from "../complex.ts";
import { contiguousStrides as contiguousOf } from "../shape.ts";
import type { Backend, View } from "../backend/backend.ts";
import { cpu, findBackend } from "../backend/registry.ts";
import { hostElements } from "../host.ts";
import { checkInPlace } from "../autograd/functions.ts";
import { is_grad_enabled, no_grad } from "../autograd/grad_mode.ts";
import { record, setViewRegenerator } from "../autograd/record.ts";

/** The `out=` keyword of ops that can write their result into an existing tensor. */
export type OutOptions = { out?: Tensor };

/** PyTorch's ScalarType names, used in its error messages ("Float", "Long"). */
export function scalarTypeName(d: DType): string {
  return d.scalar_name;
}

/** Whether a result of dtype `from` may be written into `to` (no float → int, no → bool). */
export function canCast(from: DType, to: DType): boolean {
  if (from.is_complex && !to.is_complex) return false;
  if (from.is_floating_point && !to.is_floating_point && !to.is_complex) {
    return false;
  }
  if (from.name !== "bool" && to.name === "bool") return false;
  return true;
}

/**
 * A scalar as the dtype stores it: rounded to float32/float16/bfloat16, truncated (and wrapped)
 * for integers, 0/1 for bool.
 */
export function roundScalar(v: number | boolean, dtype: DType): number {
  const x = Number(v);
  switch (dtype.name) {
    case "float64":
    case "complex128":
      return x;
    case "float32":
    case "complex64":
      return Math.fround(x);
    case "bool":
      return x !== 0 ? 1 : 0;
    case "bfloat16":
      return fromBf16(toBf16(x));
    case "uint16":
    case "uint32":
    case "float16":
    case "int32":
    case "int16":
    case "int8":
    case "uint8": {
      const a = new dtype.array(1) as Float32Array;
      a[0] = x;
      return a[0];
    }
    default:
      return x !== x ? 0 : Math.trunc(x);
  }
}

/** The C++ type PyTorch names in a factory's overflow error (`full`, `fill_`). */
const CPP_TYPE: Record<string, string> = {
  int8: "int8_t",
  int16: "int16_t",
  int32: "int",
  int64: "int64_t",
  uint8: "uint8_t",
  uint16: "uint16_t",
  uint32: "uint32_t",
  uint64: "uint64_t",
  float16: "at::Half",
  bfloat16: "at::BFloat16",
  float32: "float",
  float64: "double",
};

/** The range of each integer dtype, and the largest finite value of each floating one. */
const INT_RANGE: Record<string, [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(1n << 63n), (1n << 63n) - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, (1n << 64n) - 1n],
};
/** The range of an integer dtype (undefined for bool and the floating ones). */
export function intRange(dtype: DType): [bigint, bigint] | undefined {
  return INT_RANGE[dtype.name];
}
const FLOAT_MAX: Record<string, number> = {
  float16: 65504,
  bfloat16: 3.3895313892515355e38,
  float32: 3.4028234663852886e38,
  float64: Number.MAX_VALUE,
};

/**
 * PyTorch's check of a Python scalar stored into a tensor (c10's `checked_convert`). An integer (a
 * BigInt, or an integral number within int64's range) must fit the integer type, except that a
 * negative one may wrap into an unsigned type down to -max; any other number must lie within the
 * type's range, and only floating types take infinity and NaN. `full`/`fill_` check floating
 * dtypes too and name the C++ type (`int64_t`); `torch.tensor` checks integer dtypes only and
 * names the dtype. A BigInt beyond 64 bits is PyTorch's `Overflow when unpacking long`.
 */
export function checkScalar(
  v: number | boolean | bigint,
  dtype: DType,
  style: "factory" | "tensor",
): void {
  if (typeof v === "boolean") return;
  if (style === "tensor" && dtype.is_floating_point) return;
  if (
    typeof v === "bigint" &&
    (v < -(1n << 63n) || v >= 1n << (dtype.name === "uint64" ? 64n : 63n))
  ) {
    throw new RuntimeError("Overflow when unpacking long");
  }
  if (dtype.name === "bool") return;
  let fits = true;
  const range = INT_RANGE[dtype.name];
  if (range) {
    const [lo, hi] = range;
    if (
      typeof v === "bigint" || (Number.isInteger(v) && Math.abs(v) < 2 ** 63)
    ) {
      const b = BigInt(v);
      fits = b <= hi && (lo === 0n ? -b <= hi : b >= lo);
    } else {
      // Comparing as doubles, as C++ does; 2^63 and 2^64 are where the 64-bit types end.
      const x = v as number;
      fits = Number.isFinite(x) && x >= Number(lo) &&
        (hi > 1n << 53n ? x < Number(hi) : x <= Number(hi));
    }
  } else if (style === "factory" && dtype.name in FLOAT_MAX) {
    const x = Number(v);
    fits = !Number.isFinite(x) || Math.abs(x) <= FLOAT_MAX[dtype.name];
  }
  if (!fits) {
    const name = style === "factory" ? CPP_TYPE[dtype.name] : dtype.name;
    throw new RuntimeError(
      `value cannot be converted to type ${name} without overflow`,
    );
  }
}

/** A 0-d tensor holding `v` in `dtype` (rounded as the dtype stores it), on `backend` (the CPU). */
export function scalarTensor(
  v: number | boolean | bigint,
  dtype: DType,
  backend: Backend = cpu,
): Tensor {
  const t = Tensor.empty([], dtype, backend);
  if (typeof v === "bigint" && dtype.name === "uint64") {
    backend.write(
      t.storage.buffer,
      dtype.name,
      0,
      BigUint64Array.of(BigInt.asUintN(64, v)),
    );
  } else if (typeof v === "bigint") {
    backend.write(t.storage.buffer, dtype.name, 0, BigInt64Array.of(v));
  } else backend.ops.fill(t._fillView(), roundScalar(v, dtype), []);
  return t;
}

/** The backend every tensor among `values` lives on; PyTorch's error when they differ. */
export function backendOf(...values: unknown[]): Backend {
  let found: Backend | undefined;
  for (const v of values) {
    if (!(v instanceof Tensor)) continue;
    const b = v.storage.backend;
    if (found && b !== found) {
      // As PyTorch words it: the accelerator first, with its index ("cuda:0 and cpu").
      const [p, q] = found === cpu ? [b, found] : [found, b];
      const name = (x: Backend) => x === cpu ? "cpu" : `${x.name}:0`;
      throw new RuntimeError(
        `Expected all tensors to be on the same device, but found at least two devices, ${
          name(p)
        } and ${name(q)}!`,
      );
    }
    found = b;
  }
  return found ?? cpu;
}

/** x as a kernel operand walked over `shape` (broadcast dims get stride 0). */
export function broadcastView(x: Tensor, shape: readonly number[]): View {
  if (x.dtype.is_complex) x._view(); // raises: kernels take no complex operand
  return {
    buffer: x.storage.buffer,
    dtype: x.dtype.name,
    offset: x.storage_offset_,
    // Kernels never write strides, so a tensor already of the shape lends its own.
    strides: sameShape(x._shape, shape)
      ? x._strides
      : broadcastStrides(x._shape, x._strides, shape),
  };
}

/**
 * Raises `error(v)` for the first element where `mask` is true, v being `values` there (both
 * of one shape). On a device other than the CPU the check runs there and the error comes at the
 * next read, as CUDA's device-side asserts: a training step does not wait for it.
 */
export function assertNone(
  mask: Tensor,
  values: Tensor,
  error: (value: number) => Error,
): void {
  const backend = backendOf(mask, values);
  backend.ops.check(mask._view(), values._view(), mask._shape, error);
}

/** A contiguous copy of x on `backend` (x itself when it is already there). */
export function transfer(x: Tensor, backend: Backend): Tensor {
  if (x.storage.backend === backend) return x;
  if (x.dtype.is_complex) {
    const p = transfer(pairsOf(x), backend);
    return new Tensor(
      p.storage,
      [...x._shape],
      contiguousOf(x._shape),
      0,
      x.dtype,
    );
  }
  const out = Tensor.empty(x._shape, x.dtype, backend);
  if (x.numel() > 0) {
    backend.write(out.storage.buffer, x.dtype.name, 0, hostElements(x));
  }
  return out;
}

/**
 * Whether an op may write its result straight into `into` (its `out=` tensor, or self for an
 * in-place op) instead of a new tensor that is then copied: same device, dtype and shape, no
 * autograd involved, and every input that shares into's memory reads exactly the element it
 * writes. When false the caller takes the general path, which raises PyTorch's errors.
 */
export function canWriteInto(
  into: Tensor | undefined,
  shape: readonly number[],
  dtype: DType,
  backend: Backend,
  inputs: readonly unknown[],
): into is Tensor {
  if (!(into instanceof Tensor)) return false;
  assertNoOverlap(into, inputs);
  if (into.storage.backend !== backend) return false;
  if (into.dtype !== dtype || !sameShape(into._shape, shape)) return false;
  const grad = is_grad_enabled();
  if (grad && into.requires_grad) return false;
  for (const t of inputs) {
    if (!(t instanceof Tensor)) continue;
    if (grad && t.requires_grad) return false;
    if (t.storage !== into.storage || t === into) continue;
    if (
      t.storage_offset_ !== into.storage_offset_ ||
      !sameShape(t._shape, into._shape) ||
      !sameShape(t._strides, into._strides)
    ) return false;
  }
  return true;
}

const INTERNAL_OVERLAP =
  "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.";
const PARTIAL_OVERLAP =
  "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.";

/**
 * PyTorch's checks before an op writes into an existing tensor (in place, out=, copy_): the
 * written-to tensor may not repeat an element (a stride-0 dim, as an expanded tensor has), and an
 * input that shares its memory must read exactly the elements written (the same tensor, or the
 * same range with the same strides) or none of them. As in PyTorch, layouts too irregular to decide
 * cheaply (not dense) pass.
 */
export function assertNoOverlap(out: Tensor, inputs: readonly unknown[]): void {
  if (out.numel() <= 1) return;
  const dense = isNonOverlappingAndDense(out);
  if (!dense) {
    for (let i = 0; i < out._shape.length; i++) {
      if (out._strides[i] === 0 && out._shape[i] > 1) {
        throw new RuntimeError(INTERNAL_OVERLAP);
      }
    }
    return;
  }
  for (const t of inputs) {
    if (
      !(t instanceof Tensor) || t === out || t.storage !== out.storage ||
      t.numel() === 0 || !isNonOverlappingAndDense(t)
    ) continue;
    const aBegin = out.storage_offset_, aEnd = aBegin + out.numel();
    const bBegin = t.storage_offset_, bEnd = bBegin + t.numel();
    if (aBegin === bBegin && aEnd === bEnd) {
      if (!sameShape(out._strides, t._strides)) {
        throw new RuntimeError(PARTIAL_OVERLAP);
      }
    } else if (aBegin < bEnd && bBegin < aEnd) {
      throw new RuntimeError(PARTIAL_OVERLAP);
    }
  }
}

/** Whether t's elements fill a gap-free block of memory once each, in some dim order. */
function isNonOverlappingAndDense(t: Tensor): boolean {
  const shape = t._shape, strides = t._strides;
  let expected = 1, contiguous = true;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 0) return true;
    if (shape[i] === 1) continue;
    if (strides[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  if (contiguous) return true;
  const dims = shape.map((_, i) => i).filter((i) => shape[i] !== 1)
    .sort((a, b) => strides[a] - strides[b]);
  let need = 1;
  for (const d of dims) {
    if (strides[d] !== need) return false;
    need *= shape[d];
  }
  return true;
}

/** Copies `src` into `dst`, broadcasting `src` and casting its dtype (across devices too). */
export function copyInto(dst: Tensor, src: Tensor): Tensor {
  const backend = dst.storage.backend;
  const from = transfer(src, backend);
  if (dst.dtype.is_complex || from.dtype.is_complex) {
    complexCopy(dst, from);
    dst._bump();
    return dst;
  }
  backend.ops.copy(dst._view(), broadcastView(from, dst._shape), dst._shape);
  dst._bump();
  return dst;
}

/** `x.to(dtype)` without the argument parsing: the same tensor when nothing changes. */
export function cast(x: Tensor, dtype: DType, copy = false): Tensor {
  if (x.dtype === dtype && !copy) return x;
  const out = Tensor.empty(x._shape, dtype, x.storage.backend);
  if (dtype.is_complex || x.dtype.is_complex) {
    complexCopy(out, x);
    return out;
  }
  x.storage.backend.ops.copy(out._view(), x._view(), x._shape);
  return out;
}

/** A contiguous tensor with x's values: x itself when already contiguous. */
export function contiguous(x: Tensor): Tensor {
  return x.is_contiguous() ? x : cast(x, x.dtype, true);
}

/** Resolves a dtype given as a DType, a name, or a legacy constructor. */
export function dtypeArg(d: unknown): DType | undefined {
  if (d === undefined || d === null) return undefined;
  if (
    typeof d === "string" ||
    d instanceof Object.getPrototypeOf(DTYPES.float32).constructor
  ) {
    return toDType(d as DType | string);
  }
  if (typeof d === "function" && "dtype" in d) {
    return (d as unknown as { dtype: DType }).dtype;
  }
  throw new TypeError(`expected a dtype, but got ${String(d)}`);
}

/**
 * Delivers an op's result: into `out` when given (PyTorch resizes an empty `out`, checks the cast,
 * and returns `out`), else the result itself.
 */
export function deliver(result: Tensor, out: Tensor | undefined): Tensor {
  if (!out) return result;
  if (!(out instanceof Tensor)) {
    throw new TypeError("argument 'out' must be a Tensor");
  }
  if (is_grad_enabled() && (result.requires_grad || out.requires_grad)) {
    throw new RuntimeError(
      "functions with out=... arguments don't support automatic differentiation, but one of the arguments requires grad.",
    );
  }
  if (!canCast(result.dtype, out.dtype)) {
    throw new RuntimeError(
      `result type ${
        scalarTypeName(result.dtype)
      } can't be cast to the desired output type ${scalarTypeName(out.dtype)}`,
    );
  }
  if (!sameShape(out._shape, result._shape)) {
    if (out.numel() !== 0 && out.numel() !== result.numel()) {
      throw new RuntimeError(
        `output with shape [${
          out._shape.join(", ")
        }] doesn't match the broadcast shape [${result._shape.join(", ")}]`,
      );
    }
    // An out tensor with the wrong shape is resized in place, as PyTorch does (with a warning there).
    resizeInPlace(out, result._shape);
  }
  return copyInto(out, result);
}

/**
 * Writes an op's result into `self` for the in-place `op_` forms. For autograd, `self` takes over
 * the result's graph node; if that node saved `self` itself, it keeps a copy of the old values.
 */
export function assignInPlace(
  self: Tensor,
  result: Tensor,
  checkCast = true,
): Tensor {
  checkInPlace(self, true);
  if (!sameShape(self._shape, result._shape)) {
    throw new RuntimeError(
      `output with shape [${
        self._shape.join(", ")
      }] doesn't match the broadcast shape [${result._shape.join(", ")}]`,
    );
  }
  if (checkCast && !canCast(result.dtype, self.dtype)) {
    throw new RuntimeError(
      `result type ${
        scalarTypeName(result.dtype)
      } can't be cast to the desired output type ${scalarTypeName(self.dtype)}`,
    );
  }
  const node = result.grad_fn;
  if (node?.saves(self)) {
    node.replaceSaved(
      self,
      no_grad(() => cast(self, self.dtype, true)),
    );
  }
  no_grad(() => copyInto(self, result));
  if (node && self._base && is_grad_enabled()) {
    rebaseView(self, result);
  } else if (node) {
    self.grad_fn = node;
    self._output_nr = result._output_nr;
  }
  if (result._variable) self._variable = true;
  return self;
}

/**
 * After `view` (of a base) was overwritten with `result`, as PyTorch's CopySlices: the base's new
 * node takes the base's old gradient with the view's part zeroed, and gives that part to `result`;
 * the view's own node becomes a view of the new base. Other views of the base are remade the same
 * way at their next use (edgeOf).
 */
function rebaseView(view: Tensor, result: Tensor): void {
  const base = view._base!;
  const part = partOfBase(view);
  record({
    name: "CopySlices",
    inputs: [base, result],
    outputs: [base],
    backward: ([g]) => {
      const rest = g.contiguous() === g ? g.clone() : g.contiguous();
      const hole = part(rest);
      rest.storage.backend.ops.fill(hole._view(), 0, hole._shape);
      return [rest, part(g.contiguous()).clone()];
    },
  });
  regenerateView(view);
}

/** Remakes `view`'s node as a view of its base's current node. */
function regenerateView(view: Tensor): void {
  const base = view._base!;
  const part = partOfBase(view);
  view._baseNode = base.grad_fn;
  record({
    name: "AsStridedBackward0",
    inputs: [base],
    outputs: [view],
    backward: ([g]) => {
      const whole = Tensor.empty(base._shape, g.dtype, g.storage.backend);
      whole.storage.backend.ops.fill(whole._view(), 0, whole._shape);
      copyInto(part(whole), g);
      return [whole];
    },
  });
}

setViewRegenerator((view) => {
  if (view._base!.requires_grad) regenerateView(view);
  else view._baseNode = view._base!.grad_fn;
});

/**
 * Where `view` lies in a contiguous tensor of its base's shape: a function from such a tensor to
 * the same part of it. The base must be contiguous (every base that ops make is).
 */
function partOfBase(view: Tensor): (t: Tensor) => Tensor {
  const base = view._base!;
  if (!base.is_contiguous()) {
    throw new RuntimeError(
      "an in-place operation on a view of a non-contiguous tensor that requires grad is not supported yet in flambeau; use the out-of-place op",
    );
  }
  const shape = [...view._shape], strides = [...view._strides];
  const offset = view.storage_offset_ - base.storage_offset_;
  return (t) =>
    new Tensor(t.storage, shape, strides, t.storage_offset_ + offset, t.dtype);
}

/** Gives `t` a new shape over fresh storage when its element count differs (out= resizing). */
function resizeInPlace(t: Tensor, shape: readonly number[]): void {
  const fresh = Tensor.empty(shape, t.dtype, t.storage.backend);
  if (t.numel() === fresh.numel() && t.is_contiguous()) {
    t._shape = [...shape];
    t._strides = fresh._strides;
    return;
  }
  t.storage = fresh.storage;
  t._shape = fresh._shape;
  t._strides = fresh._strides;
  t.storage_offset_ = 0;
}

/**
 * The backend a device argument names: `"cpu"`, `"webgpu"`, `"cuda"` (an alias of `"webgpu"`),
 * any registered device type, each optionally with `:0`, or a tensor's `device` string.
 */
export function resolveDevice(device: unknown): Backend {
  const spec = String(device);
  const m = /^([A-Za-z_]\w*)(?::(\d+))?$/.exec(spec);
  const type = m?.[1] === "cuda" ? "webgpu" : m?.[1];
  const backend = type === undefined ? undefined : findBackend(type);
  if (!m || !backend) {
    if (type === "webgpu") {
      // PyTorch's words where CUDA is missing; "cuda" is WebGPU here, so say what was looked for.
      throw new AssertionError(
        `Torch not compiled with CUDA enabled (flambeau's "cuda" is WebGPU, and no WebGPU adapter was found: torch.cuda.is_available() is false)`,
      );
    }
    throw new RuntimeError(unknownDeviceMessage(spec));
  }
  if (m[2] !== undefined && m[2] !== "0") {
    throw new RuntimeError(
      `Invalid device ordinal ${m[2]}: only ${type}:0 exists`,
    );
  }
  return backend;
}

/** Whether `v` reads as a device (any string that is not a dtype name, or `{ type }`). */
export function isDeviceSpec(v: unknown): boolean {
  if (typeof v === "object" && v !== null && "type" in v) return true;
  if (typeof v !== "string") return false;
  try {
    toDType(v);
    return false;
  } catch {
    return true;
  }
}
