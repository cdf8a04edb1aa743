// Tensor printing: PyTorch 0.3's legacy format (the default) and torch 1.13's modern repr.

import { formatLegacy } from "./legacy.ts";
import { formatModern } from "./modern.ts";
import { type PrintOptions, resolveOptions } from "./options.ts";
import type { PrintSource } from "./types.ts";

export { formatLegacy } from "./legacy.ts";
export { formatModern } from "./modern.ts";
export {
  get_printoptions,
  type PrintOptions,
  set_printoptions,
  type SetPrintOptions,
} from "./options.ts";
export { center, formatExp, formatFixed, pyformat } from "./pyformat.ts";
export type { PrintSource } from "./types.ts";
export type { DTypeName } from "../dtype.ts";

/**
 * Formats a tensor in `opts.style`, else the current style from `set_printoptions`.
 *
 * @example formatTensor({ dtype: "int64", shape: [2], values: [1n, 2n] }, { style: "modern" })
 * // "tensor([1, 2])"
 */
export function formatTensor(
  src: PrintSource,
  opts?: Partial<PrintOptions>,
): string {
  const style = resolveOptions(opts).style;
  // PyTorch 0.3 had no complex tensors: they print as today's PyTorch prints them.
  return style === "modern" || src.imag
    ? formatModern(src, opts)
    : formatLegacy(src, opts);
}

/**
 * `str(torch.Size(shape))`.
 *
 * @example formatSize([2, 3, 4]) // "torch.Size([2, 3, 4])"
 */
export function formatSize(shape: readonly number[]): string {
  return `torch.Size([${shape.join(", ")}])`;
}
