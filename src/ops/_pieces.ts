// Multi-output views: unbind, split and chunk, each one autograd node over its pieces.

import { RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { parseArgs, required } from "./_args.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { cat, stack } from "./indexing.ts";
import { narrow, select } from "./_slicing.ts";

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
