// The plain description of a tensor that the printers format (no dependency on the Tensor class).

import type { DTypeName } from "../dtype.ts";

/** What a printer needs to know about a tensor: dtype, shape, values and how it is wrapped. */
export interface PrintSource {
  /** the element type */
  dtype: DTypeName;
  /** sizes of each dimension; `[]` is a 0-d tensor */
  shape: readonly number[];
  /** all elements in row-major order; int64 may be bigint; for complex dtypes the real parts */
  values: ArrayLike<number | bigint>;
  /** for complex dtypes: the imaginary parts, in the same order */
  imag?: ArrayLike<number>;
  /**
   * "cpu" (default) | "webgpu" | "cuda" | "cuda:1" ... Non-CPU devices print as CUDA in legacy
   * (`torch.cuda.FloatTensor`, ` (GPU 0)`) and as `device='webgpu:0'` in modern.
   */
  device?: string;
  /** legacy: `Variable containing:` / `Parameter containing:`; modern: only Parameter shows */
  wrapper?: "Variable" | "Parameter";
  /** modern: `requires_grad=True` suffix when there is no grad_fn (defaults to true for Parameter) */
  requires_grad?: boolean;
  /** e.g. "MulBackward0" */
  grad_fn?: string;
}
