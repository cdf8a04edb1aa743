// The fused updates PyTorch's optimizers call (addcmul_, addcdiv_), in ATen's order of operations.

import type { Tensor } from "../tensor.ts";

/** `self.addcmul_(t1, t2, value)`: self + (value * t1) * t2, as ATen's CPU kernel orders it. */
export function addcmul_(
  self: Tensor,
  t1: Tensor,
  t2: Tensor,
  value = 1,
): Tensor {
  return self.add_(value === 1 ? t1.mul(t2) : t1.mul(value).mul(t2));
}

/** `self.addcdiv_(t1, t2, value)`: self + (value * t1) / t2, as ATen's CPU kernel orders it. */
export function addcdiv_(
  self: Tensor,
  t1: Tensor,
  t2: Tensor,
  value = 1,
): Tensor {
  return self.add_(value === 1 ? t1.div(t2) : t1.mul(value).div(t2));
}

/** A float32 `step` counter tensor, as PyTorch 1.13 keeps for Adam, AdamW and Adagrad. */
export function stepCounter(t: Tensor): number {
  t.add_(1);
  return t.item() as number;
}
