// View ops: new shapes and strides over the same storage (no copy), and reshape's copying fallback.

import { IndexError, RuntimeError, ValueError } from "../errors.ts";
import {
  broadcastStrides,
  contiguousStrides,
  inferShape,
  wrapDim,
} from "../shape.ts";
import { Tensor } from "../tensor.ts";
import type { DType } from "../dtype.ts";
import { Storage } from "../storage.ts";
import { dimList, parseArgs, required, shapeArg } from "./_args.ts";
import { contiguous, dtypeArg, scalarTypeName } from "./core.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { copy } from "../backend/cpu/elementwise.ts";
import { cat, stack } from "./indexing.ts";

/** A tensor sharing x's storage with another shape, strides and offset. */
export function asStrided(
  x: Tensor,
  shape: number[],
  strides: number[],
  offset = x.storage_offset_,
): Tensor {
  const v = new Tensor(x.storage, shape, strides, offset, x.dtype);
  v._variable = x._variable;
  return v;
}

/** Records a view op: `backward` maps the view's gradient back to the input's shape. */
function viewOf(
  name: string,
  x: Tensor,
  out: Tensor,
  backward: (g: Tensor) => Tensor,
): Tensor {
  record({
    name,
    inputs: [x],
    outputs: [out],
    backward: ([g]) => [backward(g)],
  });
  return out;
}

/**
 * The gradient of a view that picks part of its input (narrow, select, slicing): zeros of the
 * input's shape with `g` written where the view looks. Differentiable, so that double backward
 * works: its own gradient is the same view of the incoming gradient.
 */
function embed(
  g: Tensor,
  shape: number[],
  pick: (t: Tensor) => Tensor,
): Tensor {
  const out = Tensor.empty(shape, g.dtype);
  const target = pick(out);
  copy(target._operand(), g.dtype.name, g._operand(), g._shape);
  record({
    name: "EmbedBackward0",
    inputs: [g],
    outputs: [out],
    backward: ([gg]) => [pick(gg)],
  });
  return out;
}

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
  const storage = new Storage(data, x.storage.device);
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

/** `x.permute(1, 0, 2)`: dims reordered. */
export function permute(x: Tensor, ...dims: (number | number[])[]): Tensor {
  const order = shapeArg("permute", dims);
  if (order.length !== x.dim()) {
    throw new RuntimeError(
      `permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = ${x.dim()} is not equal to len(dims) = ${order.length}`,
    );
  }
  const wrapped = order.map((d) => wrapDim(d, x.dim()));
  if (new Set(wrapped).size !== wrapped.length) {
    throw new RuntimeError("permute(): duplicate dims are not allowed.");
  }
  const out = asStrided(
    x,
    wrapped.map((d) => x._shape[d]),
    wrapped.map((d) => x._strides[d]),
  );
  const inverse = wrapped.map((_, i) => wrapped.indexOf(i));
  return viewOf("PermuteBackward0", x, out, (g) => g.permute(inverse));
}

/** `x.transpose(d0, d1)`: two dims swapped. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.dim() === 0) return asStrided(x, [], []);
  const a = wrapDim(dim0, x.dim()), b = wrapDim(dim1, x.dim());
  const shape = [...x._shape], strides = [...x._strides];
  [shape[a], shape[b]] = [shape[b], shape[a]];
  [strides[a], strides[b]] = [strides[b], strides[a]];
  return viewOf(
    "TransposeBackward0",
    x,
    asStrided(x, shape, strides),
    (g) => g.transpose(a, b),
  );
}

/** `torch.swapaxes(x, dim0, dim1)`: NumPy's name for `torch.transpose`. */
export const swapaxes: typeof transpose = transpose;
/** `torch.swapdims(x, dim0, dim1)`: an alias of `torch.transpose`. */
export const swapdims: typeof transpose = transpose;

/** `x.t()`: transpose of a matrix; vectors and scalars come back as they are. */
export function t(x: Tensor): Tensor {
  if (x.dim() > 2) {
    throw new RuntimeError(
      `t() expects a tensor with <= 2 dimensions, but self is ${x.dim()}D`,
    );
  }
  const out = x.dim() < 2
    ? asStrided(x, [...x._shape], [...x._strides])
    : no_grad(() => transpose(x, 0, 1));
  return viewOf("TBackward0", x, out, (g) => g.t());
}

/** `x.expand(4, -1)`: size-1 dims repeated without copying (stride 0); -1 keeps a size. */
export function expand(x: Tensor, ...sizes: (number | number[])[]): Tensor {
  const target = shapeArg("expand", sizes);
  if (target.length < x.dim()) {
    throw new RuntimeError(
      `expand(torch.FloatTensor{[${x._shape.join(", ")}]}, size=[${
        target.join(", ")
      }]): the number of sizes provided (${target.length}) must be greater or equal to the number of dimensions in the tensor (${x.dim()})`,
    );
  }
  const lead = target.length - x.dim();
  const shape = target.map((s, i) => {
    if (s !== -1) return s;
    if (i < lead) {
      throw new RuntimeError(
        `The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension ${i}`,
      );
    }
    return x._shape[i - lead];
  });
  // The engine sums the gradient back over the expanded dims.
  return viewOf(
    "ExpandBackward0",
    x,
    asStrided(x, shape, broadcastStrides(x._shape, x._strides, shape)),
    (g) => g,
  );
}

export function expand_as(x: Tensor, other: Tensor): Tensor {
  return expand(x, other._shape);
}

/** `x.narrow(dim, start, length)`: a contiguous range of one dim. */
export function narrow(
  x: Tensor,
  dim: number,
  start: number,
  length: number,
): Tensor {
  const d = wrapDim(dim, x.dim());
  const size = x._shape[d];
  if (start < -size || start > size) {
    throw new IndexError(
      `start out of range (expected to be in range of [${-size}, ${size}], but got ${start})`,
    );
  }
  const s = start < 0 ? start + size : start;
  if (length < 0 || s + length > size) {
    throw new RuntimeError(
      `start (${s}) + length (${length}) exceeds dimension size (${size}).`,
    );
  }
  return sliceDim(x, d, s, s + length, 1);
}

/** Elements start, start+step, ... (< stop) of dim d, as a view: Python's `x[..., start:stop:step]`. */
function sliceDim(
  x: Tensor,
  d: number,
  start: number,
  stop: number,
  step: number,
): Tensor {
  const len = stop > start ? Math.ceil((stop - start) / step) : 0;
  const shape = [...x._shape], strides = [...x._strides];
  shape[d] = len;
  strides[d] *= step;
  const out = asStrided(
    x,
    shape,
    strides,
    x.storage_offset_ + start * x._strides[d],
  );
  const inShape = [...x._shape];
  return viewOf(
    "SliceBackward0",
    x,
    out,
    (g) =>
      embed(
        g,
        inShape,
        (z) => no_grad(() => sliceDim(z, d, start, stop, step)),
      ),
  );
}

/** `x.select(dim, i)`: one index of a dim, which disappears. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.dim() === 0) {
    throw new IndexError("select() cannot be applied to a 0-dim tensor.");
  }
  const d = wrapDim(dim, x.dim());
  const size = x._shape[d];
  if (!Number.isInteger(index) || index < -size || index >= size) {
    throw new IndexError(
      `select(): index ${index} out of range for tensor of size [${
        x._shape.join(", ")
      }] at dimension ${d}`,
    );
  }
  const i = index < 0 ? index + size : index;
  const shape = [...x._shape], strides = [...x._strides];
  shape.splice(d, 1);
  strides.splice(d, 1);
  const out = asStrided(
    x,
    shape,
    strides,
    x.storage_offset_ + i * x._strides[d],
  );
  const inShape = [...x._shape];
  return viewOf(
    "SelectBackward0",
    x,
    out,
    (g) => embed(g, inShape, (z) => no_grad(() => select(z, d, i))),
  );
}

/**
 * Several views of x as one node (unbind, split): their gradients, zeros for unused pieces, are
 * joined back by `join`.
 */
function pieces(
  name: string,
  x: Tensor,
  make: () => Tensor[],
  join: (grads: Tensor[]) => Tensor,
): Tensor[] {
  const out = no_grad(make);
  record({
    name,
    inputs: [x],
    outputs: out,
    backward: (grads) => [join(grads)],
  });
  return out;
}

/** `x.unbind(dim)`: every index of a dim, as a list of views. */
export function unbind(x: Tensor, dim = 0): Tensor[] {
  const d = wrapDim(dim, x.dim());
  return pieces(
    "UnbindBackward0",
    x,
    () => Array.from({ length: x._shape[d] }, (_, i) => select(x, d, i)),
    (grads) => stack(grads, d),
  );
}

/**
 * `x.split(size, dim = 0)` into pieces of `size` (the last may be smaller), or of the listed sizes.
 * The size is `split_size_or_sections` as a keyword (torch.split) or `split_size` (Tensor.split).
 */
export function split(x: Tensor, ...args: unknown[]): Tensor[] {
  const o = parseArgs("split", args, ["split_size_or_sections", "dim"], {
    split_size_or_sections: undefined as number | number[] | undefined,
    split_size: undefined as number | number[] | undefined,
    dim: 0,
  });
  const split_size_or_sections = required(
    "split",
    "split_size_or_sections",
    o.split_size_or_sections ?? o.split_size,
  );
  const d = wrapDim(o.dim, x.dim());
  const n = x._shape[d];
  if (Array.isArray(split_size_or_sections)) {
    const total = split_size_or_sections.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new RuntimeError(
        `split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=[${
          split_size_or_sections.join(", ")
        }]`,
      );
    }
    const sizes = split_size_or_sections;
    return pieces("SplitWithSizesBackward0", x, () => {
      let start = 0;
      return sizes.map((len) => {
        const piece = narrow(x, d, start, len);
        start += len;
        return piece;
      });
    }, (grads) => cat(grads, d));
  }
  const size = split_size_or_sections;
  if (!Number.isInteger(size) || size < 0) {
    throw new RuntimeError(
      `split expects split_size be non-negative, but got split_size=${size}`,
    );
  }
  if (size === 0) {
    if (n === 0) return [narrow(x, d, 0, 0)];
    throw new RuntimeError(
      `split_size can only be 0 if dimension size is 0, but got dimension size of ${n}`,
    );
  }
  return pieces("SplitBackward0", x, () => {
    const out: Tensor[] = [];
    for (let s = 0; s < n || (n === 0 && out.length === 0); s += size) {
      out.push(narrow(x, d, s, Math.min(size, n - s)));
    }
    return out;
  }, (grads) => cat(grads, d));
}

/** `x.chunk(chunks, dim = 0)`: at most `chunks` pieces of equal size (the last may be smaller). */
export function chunk(x: Tensor, ...args: unknown[]): Tensor[] {
  const o = parseArgs("chunk", args, ["chunks", "dim"], {
    chunks: undefined as number | undefined,
    dim: 0,
  });
  const chunks = required("chunk", "chunks", o.chunks);
  if (!Number.isInteger(chunks) || chunks <= 0) {
    throw new RuntimeError(
      "chunk expects `chunks` to be greater than 0, got: " + chunks,
    );
  }
  const d = wrapDim(o.dim, x.dim());
  const size = Math.ceil(x._shape[d] / chunks);
  return split(x, size === 0 ? 1 : size, d).slice(0, chunks);
}

/** `torch.flip(x, dims)`: a copy with the order of elements reversed along each of `dims`. */
export function flip(x: Tensor, dims: number | number[]): Tensor {
  const list = (typeof dims === "number" ? [dims] : dims).map((d) =>
    wrapDim(d, x.dim())
  );
  const strides = [...x._strides];
  let offset = x.storage_offset_;
  for (const d of list) {
    offset += (x._shape[d] - 1) * strides[d];
    strides[d] = -strides[d];
  }
  // A negative-stride view, copied, as PyTorch's flip returns new memory.
  const out = contiguous(
    asStrided(
      x.detach(),
      [...x._shape],
      strides,
      x._shape.some((s) => s === 0) ? x.storage_offset_ : offset,
    ),
  );
  return viewOf("FlipBackward0", x, out, (g) => flip(g, list));
}

/** `torch.slice(start, stop, step)`: a range for `x.index(...)`, as Python's `start:stop:step`. */
export class Slice {
  /** The first index, or null for the start of the dim (negative counts from the end). */
  readonly start: number | null;
  /** The index to stop before, or null for the end of the dim. */
  readonly stop: number | null;
  /** The stride, at least 1 (PyTorch has no negative steps). */
  readonly step: number;
  /** `new Slice(start, stop, step)`, as `torch.slice(start, stop, step)`. */
  constructor(
    start: number | null = null,
    stop: number | null = null,
    step = 1,
  ) {
    if (step <= 0) throw new ValueError("step must be greater than zero");
    this.start = start;
    this.stop = stop;
    this.step = step;
  }
}

/**
 * `torch.slice(start, stop, step)`: Python's `start:stop:step`, for `x.index(...)`.
 *
 * ```ts
 * const x = torch.arange(6);
 * x.index(torch.slice(1, null, 2)); // [1, 3, 5], a view of x
 * ```
 */
export function slice(
  start: number | null = null,
  stop: number | null = null,
  step = 1,
): Slice {
  return new Slice(start, stop, step);
}

/** One index for `x.index(...)`: an int, a slice (`"1:3"`, `":"`, `"::2"`, `slice()`), null (new axis) or "...". */
export type Index = number | string | null | Slice;

function parseSlice(s: string): Slice {
  const parts = s.split(":").map((p) => p.trim());
  if (parts.length < 2 || parts.length > 3) {
    throw new IndexError(`invalid index: '${s}'`);
  }
  const num = (p: string | undefined) => {
    if (p === undefined || p === "") return null;
    const v = Number(p);
    if (!Number.isInteger(v)) throw new IndexError(`invalid index: '${s}'`);
    return v;
  };
  return new Slice(num(parts[0]), num(parts[1]), num(parts[2]) ?? 1);
}

/**
 * `x.index(0, "1:3", null, "...")` is Python's `x[0, 1:3, None, ...]`: integers select, slices
 * narrow with a step, null adds a dim, "..." stands for the dims not named. Always a view.
 */
export function index(x: Tensor, ...indices: Index[]): Tensor {
  const consumed = indices.filter((i) => i !== null && i !== "...").length;
  if (consumed > x.dim()) {
    throw new IndexError(`too many indices for tensor of dimension ${x.dim()}`);
  }
  // The first "..." stands for the dims not named; PyTorch expands any later one to no dims.
  const expanded: Index[] = [];
  let seenEllipsis = false;
  for (const i of indices) {
    if (i !== "...") expanded.push(i);
    else if (!seenEllipsis) {
      seenEllipsis = true;
      for (let k = 0; k < x.dim() - consumed; k++) expanded.push(":");
    }
  }
  // Applied one index at a time with the view ops, so autograd sees SelectBackward0 etc. as PyTorch.
  let t = x, d = 0;
  for (const raw of expanded) {
    if (raw === null) {
      t = unsqueeze(t, d++);
      continue;
    }
    const size = t._shape[d];
    if (typeof raw === "number") {
      if (!Number.isInteger(raw) || raw < -size || raw >= size) {
        throw new IndexError(
          `index ${raw} is out of bounds for dimension ${d} with size ${size}`,
        );
      }
      t = select(t, d, raw);
      continue;
    }
    const sl = typeof raw === "string" ? parseSlice(raw) : raw;
    const clampIdx = (v: number | null, dflt: number) => {
      if (v === null) return dflt;
      const w = v < 0 ? v + size : v;
      return Math.min(Math.max(w, 0), size);
    };
    const start = clampIdx(sl.start, 0), stop = clampIdx(sl.stop, size);
    // A full slice is no-op in PyTorch too (it returns a plain alias).
    if (!(start === 0 && stop === size && sl.step === 1)) {
      t = sliceDim(t, d, start, Math.max(stop, start), sl.step);
    }
    d++;
  }
  return t === x ? asStrided(x, [...x._shape], [...x._strides]) : t;
}
