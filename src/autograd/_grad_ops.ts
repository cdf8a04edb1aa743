// The two tensor computations the engine itself needs, written with Tensor methods so that the
// autograd layer does not import the ops layer above it.

import type { Tensor } from "../tensor.ts";

/** a + b for gradient accumulation; out of place, since buffers may share memory with saved values. */
export function accumulate(
  a: Tensor,
  b: Tensor,
  _createGraph: boolean,
): Tensor {
  return a.add(b);
}

/**
 * Sums a gradient down to `shape`, undoing broadcasting: the one place where broadcast dims
 * (leading ones, and size-1 dims that were expanded) are reduced.
 */
export function reduceTo(
  g: Tensor,
  shape: readonly number[],
  error: () => Error,
): Tensor {
  const lead = g.dim() - shape.length;
  if (lead < 0) throw error();
  const dims: number[] = [];
  for (let i = 0; i < g.dim(); i++) {
    if (i < lead) dims.push(i);
    else if (shape[i - lead] === 1 && g._shape[i] !== 1) dims.push(i);
    else if (shape[i - lead] !== g._shape[i]) throw error();
  }
  const summed = dims.length ? g.sum(dims, { keepdim: true }) : g;
  return summed.reshape([...shape]);
}
