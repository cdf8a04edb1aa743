// The view primitives the view ops share: a tensor over the same storage, a recorded view, and
// the gradient of a view that picks part of its input.

import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { is_grad_enabled } from "../autograd/grad_mode.ts";

/** A tensor sharing x's storage with another shape, strides and offset. */
export function asStrided(
  x: Tensor,
  shape: number[],
  strides: number[],
  offset = x.storage_offset_,
): Tensor {
  const v = new Tensor(x.storage, shape, strides, offset, x.dtype);
  v._variable = x._variable;
  v._base = x._base ?? x;
  v._baseNode = v._base.grad_fn;
  if (x.requires_grad && is_grad_enabled()) v._base._hasGraphViews = true;
  return v;
}

/** Records a view op: `backward` maps the view's gradient back to the input's shape. */
export function viewOf(
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
export function embed(
  g: Tensor,
  shape: number[],
  pick: (t: Tensor) => Tensor,
): Tensor {
  const backend = g.storage.backend;
  const out = Tensor.empty(shape, g.dtype, backend);
  const target = pick(out);
  backend.ops.copy(target._view(), g._view(), g._shape);
  record({
    name: "EmbedBackward0",
    inputs: [g],
    outputs: [out],
    backward: ([gg]) => [pick(gg)],
  });
  return out;
}
