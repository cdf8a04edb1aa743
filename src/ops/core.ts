// Core tensor plumbing every op uses: allocation, casting copies, `out=` and in-place writes.

import { type DType, DTYPES, toDType } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastStrides, sameShape } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import * as cpu from "../backend/cpu/elementwise.ts";
import { checkInPlace } from "../autograd/functions.ts";
import { is_grad_enabled, no_grad } from "../autograd/grad_mode.ts";

/** The `out=` keyword of ops that can write their result into an existing tensor. */
export type OutOptions = { out?: Tensor };

/** PyTorch's ScalarType names, used in its error messages ("Float", "Long"). */
export function scalarTypeName(d: DType): string {
  return d.scalar_name;
}

/** Whether a result of dtype `from` may be written into `to` (no float → int, no → bool). */
export function canCast(from: DType, to: DType): boolean {
  if (from.is_floating_point && !to.is_floating_point) return false;
  if (from.name !== "bool" && to.name === "bool") return false;
  return true;
}

/** A 0-d tensor holding `v` in `dtype` (rounded as the dtype stores it). */
export function scalarTensor(
  v: number | boolean | bigint,
  dtype: DType,
): Tensor {
  const t = Tensor.empty([], dtype);
  if (t.storage.data instanceof BigInt64Array) {
    t.storage.data[0] = typeof v === "bigint"
      ? v
      : BigInt(Math.trunc(Number(v)));
  } else if (dtype.name === "bool") t.storage.data[0] = v ? 1 : 0;
  else t.storage.data[0] = Number(v);
  return t;
}

/** Copies `src` into `dst`, broadcasting `src` and casting its dtype. */
export function copyInto(dst: Tensor, src: Tensor): Tensor {
  const shape = dst._shape;
  const strides = broadcastStrides(src._shape, src._strides, shape);
  cpu.copy(dst._operand(), dst.dtype.name, {
    data: src.storage.data,
    offset: src.storage_offset_,
    strides,
  }, shape);
  dst._bump();
  return dst;
}

/** `x.to(dtype)` without the argument parsing: the same tensor when nothing changes. */
export function cast(x: Tensor, dtype: DType, copy = false): Tensor {
  if (x.dtype === dtype && !copy) return x;
  const out = Tensor.empty(x._shape, dtype);
  copyInto(out, x);
  out.storage.version = 0;
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
  checkInPlace(self);
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
  if (node) {
    self.grad_fn = node;
    self._output_nr = result._output_nr;
  }
  if (result._variable) self._variable = true;
  return self;
}

/** Gives `t` a new shape over fresh storage when its element count differs (out= resizing). */
function resizeInPlace(t: Tensor, shape: readonly number[]): void {
  const fresh = Tensor.empty(shape, t.dtype);
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
