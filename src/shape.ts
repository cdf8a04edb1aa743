// Shapes: torch.Size, broadcasting, strides and dimension wrapping.

import { IndexError, RuntimeError } from "./errors.ts";

/** `torch.Size`: an array of numbers that prints as `torch.Size([2, 3, 4])`. */
export class Size extends Array<number> {
  /** `Size.of(2, 3)` or `new Size([2, 3])`. */
  constructor(dims: readonly number[] | number = []) {
    super();
    if (typeof dims === "number") this.length = dims; // Array species construction
    else for (const d of dims) this.push(d);
  }
  /** Derived arrays (`map`, `slice`, ...) are plain arrays, not Sizes. */
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /** Number of elements: the product of the sizes. */
  numel(): number {
    let n = 1;
    for (const d of this) n *= d;
    return n;
  }
  /** Prints as PyTorch does: `torch.Size([2, 3])`. */
  override toString(): string {
    return `torch.Size([${this.join(", ")}])`;
  }
  /** Node's `console.log` hook: prints as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return strides;
}

/** Wraps a possibly negative dim into [0, rank), with PyTorch's error when out of range. */
export function wrapDim(dim: number, rank: number): number {
  const r = Math.max(rank, 1);
  if (!Number.isInteger(dim) || dim < -r || dim >= r) {
    throw new IndexError(
      `Dimension out of range (expected to be in range of [${-r}, ${
        r - 1
      }], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + r : dim;
}

/** The broadcast shape of several shapes, or PyTorch's size-mismatch error. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  // The common case, equal shapes, allocates nothing new to compare.
  if (shapes.length === 2 && sameShape(shapes[0], shapes[1])) {
    return [...shapes[0]];
  }
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (let k = 0; k < shapes.length; k++) {
    const s = shapes[k];
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else {
        // PyTorch names the first operand "a" and reports the dim counted from the right end.
        throw new RuntimeError(
          `The size of tensor a (${
            out[o]
          }) must match the size of tensor b (${d}) at non-singleton dimension ${o}`,
        );
      }
    }
  }
  return out;
}

/** Strides that read a tensor of `shape`/`strides` as if it had `target` shape (0 on broadcast dims). */
export function broadcastStrides(
  shape: readonly number[],
  strides: readonly number[],
  target: readonly number[],
): number[] {
  const out = new Array<number>(target.length).fill(0);
  const lead = target.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === target[lead + i]) {
      out[lead + i] = shape[i] === 1 ? 0 : strides[i];
    } else if (shape[i] !== 1) {
      throw new RuntimeError(
        `The expanded size of the tensor (${
          target[lead + i]
        }) must match the existing size (${
          shape[i]
        }) at non-singleton dimension ${lead + i}.  Target sizes: [${
          target.join(", ")
        }].  Tensor sizes: [${shape.join(", ")}]`,
      );
    }
  }
  return out;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Checks a requested shape: non-negative integers, at most one -1, which is inferred. */
export function inferShape(shape: readonly number[], n: number): number[] {
  let infer = -1, known = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (d === -1) {
      if (infer >= 0) {
        throw new RuntimeError("only one dimension can be inferred");
      }
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RuntimeError(`invalid shape dimension ${d}`);
    } else known *= d;
  }
  const out = [...shape];
  // ATen's infer_size: with a -1, n must be a multiple of the known sizes; when n and the known
  // sizes are both zero, every value of the -1 fits, which PyTorch calls ambiguous.
  if (n === known || (infer >= 0 && known > 0 && n % known === 0)) {
    if (infer >= 0) {
      if (known === 0) {
        throw new RuntimeError(
          `cannot reshape tensor of 0 elements into shape [${
            shape.join(", ")
          }] because the unspecified dimension size -1 can be any value and is ambiguous`,
        );
      }
      out[infer] = n / known;
    }
    return out;
  }
  throw new RuntimeError(
    `shape '[${shape.join(", ")}]' is invalid for input of size ${n}`,
  );
}
