// nn.Parameter: a tensor that a Module registers as learnable (requires grad by default).

import { Tensor } from "../tensor.ts";

/**
 * `new nn.Parameter(tensor, requires_grad = true)`: shares the tensor's memory; modules find their
 * parameters by looking for these. Prints `Parameter containing:` in the legacy style.
 */
export class Parameter extends Tensor {
  constructor(data?: Tensor, requires_grad = true) {
    const t = data ?? Tensor.empty([0]);
    super(
      t.storage,
      [...t._shape],
      [...t._strides],
      t.storage_offset_,
      t.dtype,
    );
    this.requires_grad = requires_grad;
  }

  override _printWrapper(): "Parameter" {
    return "Parameter";
  }
}
