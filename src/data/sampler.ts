// Samplers: the index orders a DataLoader walks (sequential, PyTorch-exact random, batches).

import { ValueError } from "../errors.ts";
import { randint, randperm } from "../ops/random.ts";
import { default_generator, Generator } from "../random/generator.ts";

/** Anything that yields indices (PyTorch's Sampler); `length` when it is known. */
export interface Sampler<T = number> extends Iterable<T> {
  readonly length?: number;
}

/**
 * `torch.empty((), dtype=torch.int64).random_(generator=g).item()`, the seed PyTorch draws for a
 * RandomSampler without a generator and for each DataLoader iterator. int64 `random_()` is
 * `random64() % 2^63` (two 32-bit draws); it is read as a BigInt here because `item()` returns a
 * Number, which would lose the low bits that seed the engine.
 */
export function drawSeed(generator?: Generator): bigint {
  return (generator ?? default_generator).random64() & ((1n << 63n) - 1n);
}

/**
 * 0, 1, ..., n - 1 in order.
 *
 * ```ts
 * [...new SequentialSampler([10, 20, 30])]; // [0, 1, 2]
 * ```
 */
export class SequentialSampler implements Sampler<number> {
  /** The dataset (only its length is read). */
  readonly data_source: { length: number };

  /** Walks `data_source` in order. */
  constructor(data_source: { length: number }) {
    this.data_source = data_source;
  }

  /** The number of indices (or batches) per pass. */
  get length(): number {
    return this.data_source.length;
  }

  /** One pass. */
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.data_source.length; i++) yield i;
  }
}

/** Options of RandomSampler, as PyTorch's keyword arguments. */
export interface RandomSamplerOptions {
  replacement?: boolean;
  num_samples?: number;
  generator?: Generator;
}

/**
 * A random order, drawn exactly as PyTorch 1.13's RandomSampler draws it. Without a generator,
 * each pass draws a seed from the global generator and permutes with a fresh Generator seeded
 * with it; with one, each pass calls `randperm(n, { generator })`. With `replacement`, indices
 * come from `randint(n)` in chunks of 32.
 *
 * ```ts
 * torch.manual_seed(0);
 * [...new RandomSampler(range)]; // the order PyTorch gives after torch.manual_seed(0)
 * ```
 */
export class RandomSampler implements Sampler<number> {
  /** The dataset (only its length is read). */
  readonly data_source: { length: number };
  readonly replacement: boolean;
  /** The generator to draw from; the global one when undefined. */
  readonly generator: Generator | undefined;
  readonly #numSamples: number | undefined;

  constructor(
    data_source: { length: number },
    opts: RandomSamplerOptions = {},
  ) {
    this.data_source = data_source;
    this.replacement = opts.replacement ?? false;
    this.generator = opts.generator;
    this.#numSamples = opts.num_samples;
    const n = this.num_samples;
    if (!Number.isInteger(n) || n <= 0) {
      throw new ValueError(
        `num_samples should be a positive integer value, but got num_samples=${n}`,
      );
    }
  }

  /** The number of indices a pass yields (the dataset's length by default). */
  get num_samples(): number {
    return this.#numSamples ?? this.data_source.length;
  }

  /** The number of indices (or batches) per pass. */
  get length(): number {
    return this.num_samples;
  }

  /** One pass. */
  *[Symbol.iterator](): Iterator<number> {
    const n = this.data_source.length;
    const generator = this.generator ?? new Generator().manual_seed(drawSeed());
    const m = this.num_samples;
    if (this.replacement) {
      const draw = (k: number) =>
        randint(n, [k], { generator }).tolist() as number[];
      for (let i = 0; i < Math.floor(m / 32); i++) yield* draw(32);
      yield* draw(m % 32);
    } else {
      const perm = () => randperm(n, { generator }).tolist() as number[];
      for (let i = 0; i < Math.floor(m / n); i++) yield* perm();
      yield* perm().slice(0, m % n);
    }
  }
}

/**
 * The given indices in a random order (`randperm(len(indices), generator)` per pass).
 *
 * ```ts
 * const sampler = new SubsetRandomSampler([0, 2, 4, 6]);
 * ```
 */
export class SubsetRandomSampler implements Sampler<number> {
  /** The indices to permute. */
  readonly indices: number[];
  /** The generator to draw from; the global one when undefined. */
  readonly generator: Generator | undefined;

  /** Samples `indices` in a random order each pass. */
  constructor(indices: ArrayLike<number>, generator?: Generator) {
    this.indices = Array.from(indices);
    this.generator = generator;
  }

  /** The number of indices (or batches) per pass. */
  get length(): number {
    return this.indices.length;
  }

  /** One pass. */
  *[Symbol.iterator](): Iterator<number> {
    const order = randperm(this.indices.length, { generator: this.generator })
      .tolist() as number[];
    for (const i of order) yield this.indices[i];
  }
}

/**
 * Groups another sampler's indices into lists of `batch_size`; the short last batch is kept
 * unless `drop_last`.
 *
 * ```ts
 * [...new BatchSampler(new SequentialSampler(range(5)), 2, false)]; // [[0, 1], [2, 3], [4]]
 * ```
 */
export class BatchSampler implements Sampler<number[]> {
  /** The sampler whose indices are grouped. */
  readonly sampler: Iterable<number> & { length?: number };
  /** Indices per batch. */
  readonly batch_size: number;
  /** Whether a short last batch is dropped. */
  readonly drop_last: boolean;

  /** Throws unless batch_size is a positive integer. */
  constructor(
    sampler: Iterable<number> & { length?: number },
    batch_size: number,
    drop_last: boolean,
  ) {
    if (!Number.isInteger(batch_size) || batch_size <= 0) {
      throw new ValueError(
        `batch_size should be a positive integer value, but got batch_size=${batch_size}`,
      );
    }
    this.sampler = sampler;
    this.batch_size = batch_size;
    this.drop_last = drop_last;
  }

  /** The number of indices (or batches) per pass. */
  get length(): number {
    const n = this.sampler.length;
    if (n === undefined) throw new TypeError("the sampler has no length");
    return this.drop_last
      ? Math.floor(n / this.batch_size)
      : Math.ceil(n / this.batch_size);
  }

  /** One pass: lists of indices. */
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batch_size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.drop_last) yield batch;
  }
}
