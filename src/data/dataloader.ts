// DataLoader: batches of a dataset in a sampler's order, merged by default_collate.

import { INSPECT, objectRepr } from "../repr.ts";
import { bool, float64, int64 } from "../dtype.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { tensor } from "../ops/creation.ts";
import { stack } from "../ops/indexing.ts";
import type { Generator } from "../random/generator.ts";
import { Tensor } from "../tensor.ts";
import { type DatasetLike, getItem, IterableDataset } from "./dataset.ts";
import {
  BatchSampler,
  drawSeed,
  RandomSampler,
  type Sampler,
  SequentialSampler,
} from "./sampler.ts";

/**
 * Merges a list of samples into a batch, as PyTorch's `default_collate`: tensors are stacked
 * along a new first dim; numbers become a tensor (int64 when every one is an integer, else
 * float64: JavaScript cannot tell `1.0` from `1`, so integral floats count as ints); bigints
 * become int64 and booleans bool; strings stay a list; arrays (tuples) and plain objects are
 * collated field by field.
 *
 * ```ts
 * default_collate([[torch.zeros(2), 0], [torch.ones(2), 1]]); // [Tensor [2, 2], tensor([0, 1])]
 * ```
 */
export function default_collate(batch: unknown[]): unknown {
  const elem = batch[0];
  if (elem instanceof Tensor) return stack(batch as Tensor[], 0);
  if (typeof elem === "number") {
    const nums = batch as number[];
    return tensor(nums, {
      dtype: nums.every(Number.isInteger) ? int64 : float64,
    });
  }
  if (typeof elem === "bigint") {
    return tensor(BigInt64Array.from(batch as bigint[]), { dtype: int64 });
  }
  if (typeof elem === "boolean") {
    return tensor(batch as boolean[], { dtype: bool });
  }
  if (typeof elem === "string" || elem === null || elem === undefined) {
    return batch;
  }
  if (ArrayBuffer.isView(elem)) {
    return stack(batch.map((b) => tensor(b as ArrayLike<number>)), 0);
  }
  if (Array.isArray(elem)) {
    const n = elem.length;
    if (batch.some((b) => (b as unknown[]).length !== n)) {
      throw new RuntimeError(
        "each element in list of batch should be of equal size",
      );
    }
    return elem.map((_, k) =>
      default_collate(batch.map((b) => (b as unknown[])[k]))
    );
  }
  if (typeof elem === "object") {
    return Object.fromEntries(
      Object.keys(elem).map((key) => [
        key,
        default_collate(batch.map((b) => (b as Record<string, unknown>)[key])),
      ]),
    );
  }
  throw new TypeError(
    `default_collate: batch must contain tensors, numbers, dicts or lists; found ${typeof elem}`,
  );
}

/** DataLoader options, PyTorch's keyword arguments (single-process: there is no `num_workers`). */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (1 by default); `null` yields samples one by one, uncollated. */
  batch_size?: number | null;
  /** A new random order every pass (PyTorch's RandomSampler, exactly). */
  shuffle?: boolean;
  /** Indices to load, in its order; exclusive with `shuffle`. */
  sampler?: Sampler<number>;
  /** Lists of indices, one per batch; exclusive with batch_size, shuffle, sampler and drop_last. */
  batch_sampler?: Iterable<number[]> & { length?: number };
  /** Drops the last batch when it is short. */
  drop_last?: boolean;
  /** Merges a list of samples into a batch (`default_collate` by default). */
  collate_fn?: (samples: T[]) => B;
  /** The generator the shuffle and the per-pass base seed draw from (the global one by default). */
  generator?: Generator;
}

/**
 * Iterates over a dataset in batches: `for (const [x, y] of loader)`. Single-process, so a
 * pass runs synchronously in the caller's thread. Each pass draws PyTorch's per-iterator base
 * seed (two draws) from the generator before its first batch, and a shuffling pass then draws
 * its RandomSampler seed, so with the same `torch.manual_seed` the batches are PyTorch's.
 *
 * ```ts
 * const loader = new DataLoader(new TensorDataset(x, y), { batch_size: 64, shuffle: true });
 * for (const [xb, yb] of loader) { ... }
 * loader.length; // the number of batches per pass
 * ```
 */
// deno-lint-ignore no-explicit-any
export class DataLoader<T = any, B = any> implements Iterable<B> {
  /** Python's repr, `<torch.utils.data.dataloader.DataLoader object>`, not the dataset. */
  [INSPECT](): string {
    return objectRepr(this, "torch.utils.data.dataloader", BUILTIN_LOADERS);
  }

  /** The dataset batches are drawn from. */
  // Typed as a map-style dataset, as most loaders are (`loader.dataset.length`); an
  // IterableDataset is kept here as given, and has a length only if it defines one.
  readonly dataset: DatasetLike<T>;
  /** Samples per batch; null when batches come from `batch_sampler` or auto-batching is off. */
  readonly batch_size: number | null;
  /** Whether the short last batch is dropped. */
  readonly drop_last: boolean;
  /** The sample order: SequentialSampler, RandomSampler (shuffle) or the caller's. */
  readonly sampler: Sampler<number>;
  /** Lists of indices, one per batch (a BatchSampler over `sampler` unless given). */
  readonly batch_sampler: (Iterable<number[]> & { length?: number }) | null;
  /** Merges the samples of a batch. */
  readonly collate_fn: (samples: T[]) => B;
  /** The generator for shuffling and base seeds; the global one when undefined. */
  readonly generator: Generator | undefined;

  /** Checks the options as PyTorch does (sampler and shuffle are exclusive, ...). */
  constructor(
    dataset: DatasetLike<T> | IterableDataset<T>,
    opts: DataLoaderOptions<T, B> = {},
  ) {
    this.dataset = dataset as DatasetLike<T>;
    this.generator = opts.generator;
    let batch_size = opts.batch_size === undefined ? 1 : opts.batch_size;
    let drop_last = opts.drop_last ?? false;
    const shuffle = opts.shuffle ?? false;
    if (dataset instanceof IterableDataset) {
      // Samples come in the dataset's own order: there is nothing to sample or shuffle.
      for (
        const [name, v] of [["shuffle", opts.shuffle], [
          "sampler",
          opts.sampler,
        ], [
          "batch_sampler",
          opts.batch_sampler,
        ]] as const
      ) {
        if (v !== undefined && v !== null && v !== false) {
          throw new ValueError(
            `DataLoader with IterableDataset: expected unspecified ${name} option, but got ${name}=${
              v === true
                ? "True"
                : Array.isArray(v)
                ? `[${v.join(", ")}]`
                : String(v)
            }`,
          );
        }
      }
    }
    if (opts.sampler && shuffle) {
      throw new ValueError("sampler option is mutually exclusive with shuffle");
    }
    if (opts.batch_sampler) {
      if (batch_size !== 1 || shuffle || opts.sampler || drop_last) {
        throw new ValueError(
          "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last",
        );
      }
      batch_size = null;
      drop_last = false;
    } else if (batch_size === null && drop_last) {
      throw new ValueError(
        "batch_size=None option disables auto-batching and is mutually exclusive with drop_last",
      );
    }
    this.sampler = opts.sampler ??
      (shuffle
        ? new RandomSampler(dataset as DatasetLike<T>, {
          generator: opts.generator,
        })
        : new SequentialSampler(dataset as DatasetLike<T>));
    this.batch_size = batch_size;
    this.drop_last = drop_last;
    this.batch_sampler = opts.batch_sampler ??
      (batch_size === null
        ? null
        : new BatchSampler(this.sampler, batch_size, drop_last));
    this.collate_fn = opts.collate_fn ??
      (batch_size === null && !opts.batch_sampler
        ? ((s: T[]) => s[0] as unknown as B)
        : (default_collate as (s: T[]) => B));
  }

  /** The number of batches per pass (samples when batch_size is null). */
  get length(): number {
    if (this.dataset instanceof IterableDataset) {
      const n = (this.dataset as { length?: number }).length;
      if (n === undefined) {
        throw new TypeError(
          `object of type '${this.dataset.constructor.name}' has no len()`,
        );
      }
      if (this.batch_size === null) return n;
      return this.drop_last
        ? Math.floor(n / this.batch_size)
        : Math.ceil(n / this.batch_size);
    }
    const src = this.batch_sampler ?? this.sampler;
    if (src.length === undefined) {
      throw new TypeError("the sampler has no length");
    }
    return src.length;
  }

  /** One pass. The base seed is drawn here, eagerly, as PyTorch draws it in `iter(loader)`. */
  [Symbol.iterator](): Iterator<B> {
    drawSeed(this.generator);
    return this.#batches();
  }

  *#batches(): IterableIterator<B> {
    if (this.dataset instanceof IterableDataset) {
      const it = this.dataset as Iterable<T>;
      if (this.batch_size === null) {
        for (const x of it) yield this.collate_fn([x]);
        return;
      }
      let batch: T[] = [];
      for (const x of it) {
        batch.push(x);
        if (batch.length === this.batch_size) {
          yield this.collate_fn(batch);
          batch = [];
        }
      }
      if (batch.length > 0 && !this.drop_last) yield this.collate_fn(batch);
      return;
    }
    if (this.batch_sampler === null) {
      for (const i of this.sampler) {
        yield this.collate_fn([getItem(this.dataset as DatasetLike<T>, i)]);
      }
      return;
    }
    for (const indices of this.batch_sampler) {
      yield this.collate_fn(
        indices.map((i) => getItem(this.dataset as DatasetLike<T>, i)),
      );
    }
  }
}

const BUILTIN_LOADERS = new Set<unknown>([DataLoader]);
