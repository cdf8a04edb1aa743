// The parts F.embedding and F.embedding_bag share: max_norm's in-place renormalisation, the row
// lookup with its gradient node, and the refusal of sparse gradients.

import { int64 } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { record } from "../autograd/record.ts";
import { where } from "../ops/elementwise.ts";
import { scatter_add } from "../ops/indexing.ts";
import { tensor } from "../ops/creation.ts";

/**
 * PyTorch's `embedding_renorm_`: each row of weight that indices name whose p-norm is above
 * max_norm is scaled, in place and without gradient, to max_norm (over 1 + 1e-7 of its norm).
 */
export function _embedding_renorm_(
  weight: Tensor,
  indices: Tensor,
  max_norm: number,
  norm_type: number,
): void {
  no_grad(() => {
    const ids = [
      ...new Set((indices.reshape(-1).tolist() as number[]).map(Number)),
    ].sort((a, b) => a - b);
    if (ids.length === 0) return;
    const idx = tensor(ids, { dtype: int64, device: weight.device });
    const rows = weight.index_select(0, idx);
    // PyTorch computes each row's norm in the weight's dtype and the scale in double.
    const norms = rows.norm(norm_type, 1).tolist() as number[];
    const scales = norms.map((n) => (n > max_norm ? max_norm / (n + 1e-7) : 1));
    if (scales.every((v) => v === 1)) return;
    const scale = tensor(scales, {
      dtype: weight.dtype,
      device: weight.device,
    });
    weight.index_copy_(0, idx, rows.mul(scale.unsqueeze(1)));
  });
}

/**
 * Rows of weight at the 1-D int64 idx, with EmbeddingBackward0: each picked row's gradient adds
 * into its weight row; the padding row (pad, or -1 for none) gets none; `scale[k]`, where given,
 * multiplies the gradient of pick k (scale_grad_by_freq). The result has the given batch shape.
 */
export function _embeddingRows(
  weight: Tensor,
  idx: Tensor,
  pad: number,
  scale: Tensor | null = null,
  shape: number[] = idx._shape,
): Tensor {
  const D = weight._shape[1];
  const out = no_grad(() => weight.index_select(0, idx).reshape([...shape, D]));
  record({
    name: "EmbeddingBackward0",
    inputs: [weight],
    outputs: [out],
    backward: ([g]) => {
      let rowsGrad = g.reshape(-1, D);
      if (scale) rowsGrad = rowsGrad.mul(scale.unsqueeze(1));
      if (pad >= 0) rowsGrad = where(idx.eq(pad).unsqueeze(1), 0, rowsGrad);
      const index = idx.unsqueeze(1).expand(rowsGrad._shape);
      const zeros = Tensor.empty(weight._shape, g.dtype, g.storage.backend);
      return [scatter_add(zeros, 0, index, rowsGrad)];
    },
  });
  return out;
}

/** How often each entry's value occurs among ids, for scale_grad_by_freq. */
export function frequencies(ids: number[]): number[] {
  const counts = new Map<number, number>();
  for (const v of ids) counts.set(v, (counts.get(v) ?? 0) + 1);
  return ids.map((v) => counts.get(v)!);
}

/** Sparse gradients need sparse tensors, which flambeau does not have. */
export function _refuseSparse(fn: string, sparse: boolean): void {
  if (sparse) {
    throw new RuntimeError(
      `${fn}: sparse=True asks for a sparse gradient, and flambeau has no sparse tensors; use sparse=False (the same values, dense)`,
    );
  }
}
