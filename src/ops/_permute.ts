// Views that reorder or repeat dims (permute, transpose, t, expand) and flip, their copying cousin.

import { RuntimeError } from "../errors.ts";
import { broadcastStrides, wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { shapeArg } from "./_args.ts";
import { contiguous } from "./core.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { asStrided, viewOf } from "./_view_core.ts";

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
