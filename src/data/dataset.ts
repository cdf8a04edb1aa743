// Map-style datasets: the Dataset base class, TensorDataset, Subset, ConcatDataset and random_split.

import { INSPECT, objectRepr } from "../repr.ts";
import { ValueError } from "../errors.ts";
import { randperm } from "../ops/random.ts";
import { default_generator, type Generator } from "../random/generator.ts";
import type { Tensor } from "../tensor.ts";

/**
 * A map-style dataset: PyTorch's `__getitem__` is `get(index)` and `__len__` is `length`.
 * Subclasses define both; a plain array (or anything with `length` and numeric indices) is also
 * accepted wherever a dataset is, as a Python list is.
 *
 * ```ts
 * class Squares extends Dataset<number> {
 *   get length() { return 10; }
 *   get(i: number) { return i * i; }
 * }
 * ```
 */
export abstract class Dataset<T = unknown> {
  /** The sample at `index` (0 ≤ index < length). */
  abstract get(index: number): T;
  /** The number of samples. */
  abstract get length(): number;

  /** Python's repr, `<torch.utils.data.dataset.TensorDataset object>`, not every sample. */
  [INSPECT](): string {
    return objectRepr(this, "torch.utils.data.dataset", BUILTIN_DATASETS);
  }
}

/**
 * `IterableDataset()`: the base of iterable-style datasets, which yield their samples in order
 * (Python's `__iter__`) rather than by index; a DataLoader batches them as they come.
 *
 * ```ts
 * class Counter extends IterableDataset<number> {
 *   *[Symbol.iterator]() { for (let i = 0; i < 5; i++) yield i; }
 * }
 * ```
 */
export abstract class IterableDataset<T = unknown> implements Iterable<T> {
  /** One pass over the samples. */
  abstract [Symbol.iterator](): Iterator<T>;

  /** Python's repr, `<torch.utils.data.dataset.IterableDataset object>`. */
  [INSPECT](): string {
    return objectRepr(this, "torch.utils.data.dataset", BUILTIN_DATASETS);
  }
}

/**
 * What `get_worker_info()` returns inside a DataLoader worker: the worker's `id`, the loader's
 * `num_workers`, the worker's `seed` (the pass's base seed plus its id) and the `dataset`. Frozen,
 * as PyTorch's, and printed as `WorkerInfo(id=0, num_workers=2, seed=..., dataset=...)`.
 */
export class WorkerInfo {
  readonly id: number;
  readonly num_workers: number;
  readonly seed: bigint;
  readonly dataset: unknown;

  /** Made by the DataLoader for each of its workers. */
  constructor(id: number, num_workers: number, seed: bigint, dataset: unknown) {
    this.id = id;
    this.num_workers = num_workers;
    this.seed = seed;
    this.dataset = dataset;
    Object.freeze(this);
  }

  /** Python's repr. */
  toString(): string {
    return `WorkerInfo(id=${this.id}, num_workers=${this.num_workers}, seed=${this.seed}, dataset=${
      typeof (this.dataset as { [INSPECT]?: () => string })?.[INSPECT] ===
          "function"
        ? (this.dataset as { [INSPECT]: () => string })[INSPECT]()
        : String(this.dataset)
    })`;
  }

  /** Node's and Deno's console hooks. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

let currentWorker: WorkerInfo | null = null;

/**
 * `get_worker_info()`: the running worker's WorkerInfo while a DataLoader with num_workers > 0
 * loads (in the dataset's `get`/iterator, the collate_fn and the worker_init_fn), and None in the
 * main program.
 */
export function get_worker_info(): WorkerInfo | null {
  return currentWorker;
}

/** Internal: runs fn as worker `info` (get_worker_info() returns it meanwhile). */
export function _asWorker<R>(info: WorkerInfo, fn: () => R): R {
  const outer = currentWorker;
  currentWorker = info;
  try {
    return fn();
  } finally {
    currentWorker = outer;
  }
}

/** The datasets flambeau defines (a user's subclasses print as `__main__`'s). */
const BUILTIN_DATASETS = new Set<unknown>();

/** What DataLoader, Subset and random_split accept: a Dataset or an array-like of samples. */
export type DatasetLike<T> = Dataset<T> | ArrayLike<T>;

/** `dataset[index]` for a Dataset or an array-like. */
export function getItem<T>(dataset: DatasetLike<T>, index: number): T {
  return dataset instanceof Dataset
    ? dataset.get(index)
    : (dataset as ArrayLike<T>)[index];
}

/**
 * Samples are the i-th slices of each tensor along the first dim (PyTorch's TensorDataset).
 *
 * ```ts
 * const ds = new TensorDataset(torch.randn(100, 3), torch.randint(2, [100]));
 * const [x, y] = ds.get(0); // x: [3], y: a 0-d int64 tensor
 * ```
 */
export class TensorDataset extends Dataset<Tensor[]> {
  /** The tensors, all with the same first dim. */
  readonly tensors: Tensor[];

  /** Throws unless every tensor has the same size along dim 0. */
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0 || tensors.some((t) => t.dim() === 0)) {
      throw new ValueError("TensorDataset needs tensors with at least one dim");
    }
    const n = tensors[0].size(0);
    if (tensors.some((t) => t.size(0) !== n)) {
      throw new ValueError("Size mismatch between tensors");
    }
    this.tensors = tensors;
  }

  /** The number of samples. */
  get length(): number {
    return this.tensors[0].size(0);
  }

  /** The `index`-th slice of each tensor (views, no copy). */
  get(index: number): Tensor[] {
    return this.tensors.map((t) => t.select(0, index));
  }
}

/**
 * The samples of `dataset` at `indices`, in that order (PyTorch's Subset).
 *
 * ```ts
 * const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * ```
 */
export class Subset<T> extends Dataset<T> {
  /** The whole dataset. */
  readonly dataset: DatasetLike<T>;
  /** The indices into `dataset`, in this subset's order. */
  readonly indices: number[];

  /** The subset of `dataset` at `indices`. */
  constructor(dataset: DatasetLike<T>, indices: ArrayLike<number>) {
    super();
    this.dataset = dataset;
    this.indices = Array.from(indices);
  }

  /** The number of samples. */
  get length(): number {
    return this.indices.length;
  }

  /** The sample at `index` of this dataset. */
  get(index: number): T {
    return getItem(this.dataset, this.indices[index]);
  }
}

/**
 * Datasets one after the other (PyTorch's ConcatDataset); negative indices count from the end.
 *
 * ```ts
 * const both = new ConcatDataset([trainA, trainB]);
 * ```
 */
export class ConcatDataset<T> extends Dataset<T> {
  /** The datasets, in order. */
  readonly datasets: DatasetLike<T>[];
  /** Running totals of the lengths: where each dataset ends. */
  readonly cumulative_sizes: number[];

  /** Joins non-empty list of datasets. */
  constructor(datasets: DatasetLike<T>[]) {
    super();
    if (datasets.length === 0) {
      throw new ValueError("datasets should not be an empty iterable");
    }
    this.datasets = datasets;
    let total = 0;
    this.cumulative_sizes = datasets.map((d) => (total += d.length));
  }

  /** The number of samples. */
  get length(): number {
    return this.cumulative_sizes[this.cumulative_sizes.length - 1];
  }

  /** The sample at `index` of this dataset. */
  get(index: number): T {
    if (index < 0) {
      if (-index > this.length) {
        throw new ValueError(
          "absolute value of index should not exceed dataset length",
        );
      }
      index += this.length;
    }
    const k = this.cumulative_sizes.findIndex((c) => index < c);
    if (k < 0) {
      throw new RangeError(
        `index ${index} is out of range for a dataset of length ${this.length}`,
      );
    }
    return getItem(
      this.datasets[k],
      index - (k === 0 ? 0 : this.cumulative_sizes[k - 1]),
    );
  }
}

// The lengths random_split uses for fractions (PyTorch 1.13): floor(n · frac) each, then the
// remainder handed out one by one, round-robin from the first split.
function splitLengths(n: number, lengths: number[]): number[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  // Python's math.isclose(sum, 1) with its default rel_tol of 1e-9.
  if (
    !(Math.abs(total - 1) <= 1e-9 * Math.max(Math.abs(total), 1) && total <= 1)
  ) {
    return lengths;
  }
  const out = lengths.map((frac, i) => {
    if (frac < 0 || frac > 1) {
      throw new ValueError(`Fraction at index ${i} is not between 0 and 1`);
    }
    return Math.floor(n * frac);
  });
  const remainder = n - out.reduce((a, b) => a + b, 0);
  for (let i = 0; i < remainder; i++) out[i % out.length] += 1;
  out.forEach((len, i) => {
    if (len === 0) {
      console.warn(
        `Length of split at index ${i} is 0. This might result in an empty dataset.`,
      );
    }
  });
  return out;
}

/**
 * Splits a dataset into non-overlapping Subsets of the given lengths, or of the given fractions
 * (summing to 1), with PyTorch 1.13's algorithm: one `randperm` of the total drawn from `generator`
 * (the global generator by default), cut in order. Same seed, same split as PyTorch.
 *
 * ```ts
 * const [train, test] = random_split(ds, [0.8, 0.2], new torch.Generator().manual_seed(42));
 * ```
 */
export function random_split<T>(
  dataset: DatasetLike<T>,
  lengths: number[],
  generator: Generator = default_generator,
): Subset<T>[] {
  const sizes = splitLengths(dataset.length, lengths);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== dataset.length) {
    throw new ValueError(
      "Sum of input lengths does not equal the length of the input dataset!",
    );
  }
  const indices = randperm(total, { generator }).tolist() as number[];
  let offset = 0;
  return sizes.map((len) =>
    new Subset(dataset, indices.slice(offset, offset += len))
  );
}

for (const c of [TensorDataset, Subset, ConcatDataset]) BUILTIN_DATASETS.add(c);
