// View ops: new shapes and strides over the same storage (no copy), and reshape's copying fallback.
// The shared primitives are in _view_core.ts; dim-reordering views in _permute.ts; narrow, select
// and index in _slicing.ts; unbind, split and chunk in _pieces.ts.

import { RuntimeError } from "../errors.ts";
import { contiguousStrides, inferShape, wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import type { DType } from "../dtype.ts";
import { Storage } from "../storage.ts";
import { cpu } from "../backend/registry.ts";
import { dimList, parseArgs, shapeArg } from "./_args.ts";
import { contiguous, dtypeArg, scalarTypeName } from "./core.ts";
import { asStrided, viewOf } from "./_view_core.ts";

export { asStrided } from "./_view_core.ts";
export {
  expand,
  expand_as,
  flip,
  permute,
  swapaxes,
  swapdims,
  t,
  transpose,
} from "./_permute.ts";
export { type Index, index, narrow, select, Slice, slice } from "./_slicing.ts";
export { chunk, split, unbind } from "./_pieces.ts";

/**
 * Strides for viewing x as `shape` without copying, or undefined when impossible (ATen's
 * computeStride: each run of old dims that merges into new dims must be contiguous in memory).
 */
function viewStrides(x: Tensor, shape: number[]): number[] | undefined {
  const oldShape = x._shape, oldStrides = x._strides;
  if (x.numel() <= 1) return contiguousStrides(shape);
  const out = new Array<number>(shape.length);
  let viewD = shape.length - 1;
  let chunkBase = oldStrides[oldStrides.length - 1];
  let tensorNumel = 1, viewNumel = 1;
  for (let d = oldShape.length - 1; d >= 0; d--) {
    tensorNumel *= oldShape[d];
    if (
      d === 0 ||
      (oldShape[d - 1] !== 1 && oldStrides[d - 1] !== tensorNumel * chunkBase)
    ) {
      while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkBase;
        viewNumel *= shape[viewD];
        viewD--;
      }
      if (viewNumel !== tensorNumel) return undefined;
      if (d > 0) {
        chunkBase = oldStrides[d - 1];
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  if (viewD !== -1) return undefined;
  return out;
}

/**
 * `x.view(2, -1)`: the same storage seen with another shape; fails where memory forbids it.
 * `x.view(torch.int32)`: the same bytes read as another dtype (see viewAsDtype).
 */
export function view(
  x: Tensor,
  ...shape: (number | number[] | DType | string)[]
): Tensor {
  if (shape.length === 1 && !Array.isArray(shape[0])) {
    const dtype = typeof shape[0] === "number" ? undefined : dtypeArg(shape[0]);
    if (dtype) return viewAsDtype(x, dtype);
  }
  const target = inferShape(
    shapeArg("view", shape as (number | number[])[]),
    x.numel(),
  );
  const strides = viewStrides(x, target);
  if (!strides) {
    throw new RuntimeError(
      "view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.",
    );
  }
  return viewOf(
    "ViewBackward0",
    x,
    asStrided(x, target, strides),
    (g) => g.reshape(x._shape),
  );
}

/**
 * `x.view(dtype)`: x's bytes reinterpreted, over the same ArrayBuffer (writes show through both).
 * With a different element size the last dim (stride 1) is split or merged, as PyTorch does.
 */
function viewAsDtype(x: Tensor, dtype: DType): Tensor {
  const from = x.dtype.itemsize, to = dtype.itemsize;
  let shape = [...x._shape], strides = [...x._strides];
  let offset = x.storage_offset_;
  const what = () =>
    `to view ${scalarTypeName(x.dtype)} as ${
      scalarTypeName(dtype)
    } (different element sizes)`;
  if (from !== to) {
    const last = x.dim() - 1;
    if (last < 0) throw new RuntimeError(`self.dim() cannot be 0 ${what()}`);
    if (strides[last] !== 1) {
      throw new RuntimeError(
        `self.stride(-1) must be 1 ${what()}, but got ${strides[last]}`,
      );
    }
    if (from > to) {
      const ratio = from / to;
      strides = strides.map((s, i) => (i === last ? 1 : s * ratio));
      shape[last] *= ratio;
      offset *= ratio;
    } else {
      const ratio = to / from;
      const check = (name: string, v: number) => {
        if (v % ratio !== 0) {
          throw new RuntimeError(
            `${name} must be divisible by ${ratio} ${what()}, but got ${v}`,
          );
        }
      };
      check("self.size(-1)", shape[last]);
      check("self.storage_offset()", offset);
      strides.slice(0, last).forEach((s, i) => check(`self.stride(${i})`, s));
      strides = strides.map((s, i) => (i === last ? 1 : s / ratio));
      shape = shape.map((s, i) => (i === last ? s / ratio : s));
      offset /= ratio;
    }
  }
  // Reinterpreting bytes needs the host's ArrayBuffer: only CPU storage has one to share.
  if (x.storage.backend !== cpu) {
    throw new RuntimeError(
      `view(dtype) reinterprets the bytes of CPU memory, but the tensor is on ${x.device}: copy it with .cpu() first`,
    );
  }
  const old = x.storage.data;
  if (old.byteOffset % to !== 0) {
    throw new RuntimeError(
      `cannot view ${x.dtype} memory at byte offset ${old.byteOffset} as ${dtype}: JavaScript typed arrays must be aligned to the element size`,
    );
  }
  const data = new dtype.array(
    old.buffer,
    old.byteOffset,
    Math.floor(old.byteLength / to),
  );
  const storage = new Storage(data, x.storage.backend);
  return new Tensor(storage, shape, strides, offset, dtype);
}

/** `x.reshape(...)`: a view when possible, otherwise a contiguous copy. */
export function reshape(x: Tensor, ...shape: (number | number[])[]): Tensor {
  const target = inferShape(shapeArg("reshape", shape), x.numel());
  const strides = viewStrides(x, target);
  const out = strides
    ? asStrided(x, target, strides)
    : asStrided(contiguous(x.detach()), target, contiguousStrides(target), 0);
  const name = strides ? "ReshapeAliasBackward0" : "UnsafeViewBackward0";
  return viewOf(name, x, out, (g) => g.reshape(x._shape));
}

export function view_as(x: Tensor, other: Tensor): Tensor {
  return view(x, other._shape);
}

export function reshape_as(x: Tensor, other: Tensor): Tensor {
  return reshape(x, other._shape);
}

/** `x.flatten(start_dim = 0, end_dim = -1)`. */
export function flatten(x: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("flatten", args, ["start_dim", "end_dim"], {
    start_dim: 0,
    end_dim: -1,
  });
  if (x.dim() === 0) return reshape(x, [1]);
  const s = wrapDim(o.start_dim, x.dim()), e = wrapDim(o.end_dim, x.dim());
  if (s > e) {
    throw new RuntimeError(
      "flatten() has invalid args: start_dim cannot come after end_dim",
    );
  }
  const shape = [
    ...x._shape.slice(0, s),
    x._shape.slice(s, e + 1).reduce((a, b) => a * b, 1),
    ...x._shape.slice(e + 1),
  ];
  return reshape(x, shape);
}

/** `x.unflatten(dim, sizes)`: splits one dim into several (one size may be -1). */
export function unflatten(x: Tensor, dim: number, sizes: number[]): Tensor {
  const d = wrapDim(dim, x.dim());
  if (sizes.length === 0) {
    throw new RuntimeError("unflatten: sizes must be non-empty");
  }
  let inner: number[];
  try {
    inner = inferShape(sizes, x._shape[d]);
  } catch (e) {
    // PyTorch rewords infer_size's size error, and wraps any other.
    const msg = (e as Error).message;
    throw new RuntimeError(
      msg.includes("is invalid for input of size")
        ? `unflatten: Provided sizes [${
          sizes.join(", ")
        }] don't multiply up to the size of dim ${d} (${
          x._shape[d]
        }) in the input tensor`
        : `unflatten got an unexpected error:\n${msg}`,
    );
  }
  return view(x, [...x._shape.slice(0, d), ...inner, ...x._shape.slice(d + 1)]);
}

/** `x.squeeze()` drops every size-1 dim; `x.squeeze(d)` only that one, if it has size 1. */
export function squeeze(x: Tensor, dim?: number | number[]): Tensor {
  const dims = dimList(dim)?.map((d) => wrapDim(d, x.dim()));
  const keep = x._shape.map((s, i) =>
    s !== 1 || (dims !== undefined && !dims.includes(i))
  );
  const out = asStrided(
    x,
    x._shape.filter((_, i) => keep[i]),
    x._strides.filter((_, i) => keep[i]),
  );
  return viewOf(
    dims ? "SqueezeBackward1" : "SqueezeBackward0",
    x,
    out,
    (g) => g.reshape(x._shape),
  );
}

/** `x.unsqueeze(d)`: a size-1 dim inserted at d (d may be x.dim()). */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = wrapDim(dim, x.dim() + 1);
  const shape = [...x._shape], strides = [...x._strides];
  const stride = d < x.dim() ? x._shape[d] * x._strides[d] : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, stride);
  return viewOf(
    "UnsqueezeBackward0",
    x,
    asStrided(x, shape, strides),
    (g) => g.squeeze(d),
  );
}
