// Views of part of a dim: narrow, select, and `x.index(...)` with Python's slices (Slice, slice()).

import { IndexError, RuntimeError, ValueError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { asStrided, embed, viewOf } from "./_view_core.ts";
import { unsqueeze } from "./views.ts";

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
