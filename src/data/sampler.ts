// Samplers: the index orders a DataLoader walks (sequential, PyTorch-exact random, batches).

import { ValueError } from "../errors.ts";
import { multinomial, randint, randperm } from "../ops/random.ts";
import { float64 } from "../dtype.ts";
import { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { default_generator, Generator } from "../random/generator.ts";

/**
 * `Sampler(data_source = None)`: the base of samplers, anything that yields indices, with `length`
 * when it is known. Subclass it and define `[Symbol.iterator]` (Python's `__iter__`).
 *
 * ```ts
 * class Evens extends Sampler { *[Symbol.iterator]() { for (let i = 0; i < 10; i += 2) yield i; } }
 * ```
 */
export abstract class Sampler<T = number> implements Iterable<T> {
  /** The data source is PyTorch's optional argument, unused by the base. */
  constructor(_data_source?: unknown) {}

  /** One pass. */
  abstract [Symbol.iterator](): Iterator<T>;
}

/** A sampler's `length`, where it is known (Python's `len(sampler)`). */
export interface Sampler<T = number> {
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
export class SequentialSampler extends Sampler<number> {
  /** The dataset (only its length is read). */
  readonly data_source: { length: number };

  /** Walks `data_source` in order. */
  constructor(data_source: { length: number }) {
    super();
    this.data_source = data_source;
  }

  /** The number of indices (or batches) per pass. */
  override get length(): number {
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
export class RandomSampler extends Sampler<number> {
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
    super();
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
  override get length(): number {
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
export class SubsetRandomSampler extends Sampler<number> {
  /** The indices to permute. */
  readonly indices: number[];
  /** The generator to draw from; the global one when undefined. */
  readonly generator: Generator | undefined;

  /** Samples `indices` in a random order each pass. */
  constructor(indices: ArrayLike<number>, generator?: Generator) {
    super();
    this.indices = Array.from(indices);
    this.generator = generator;
  }

  /** The number of indices (or batches) per pass. */
  override get length(): number {
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
export class BatchSampler extends Sampler<number[]> {
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
    super();
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
  override get length(): number {
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

/**
 * `WeightedRandomSampler(weights, num_samples, replacement = true, generator = None)`: indices
 * drawn with probabilities proportional to `weights`, as `torch.multinomial` draws them.
 *
 * ```ts
 * [...new WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5)];
 * ```
 */
export class WeightedRandomSampler extends Sampler<number> {
  /** The weights, as float64 (PyTorch's `torch.as_tensor(weights, dtype=torch.double)`). */
  readonly weights: Tensor;
  readonly num_samples: number;
  readonly replacement: boolean;
  /** The generator to draw from; the global one when undefined. */
  readonly generator: Generator | undefined;

  constructor(
    weights: ArrayLike<number> | Tensor,
    num_samples: number,
    replacement = true,
    generator?: Generator,
  ) {
    super();
    if (
      typeof num_samples !== "number" || !Number.isInteger(num_samples) ||
      num_samples <= 0
    ) {
      throw new ValueError(
        `num_samples should be a positive integer value, but got num_samples=${num_samples}`,
      );
    }
    if (typeof replacement !== "boolean") {
      throw new ValueError(
        `replacement should be a boolean value, but got replacement=${replacement}`,
      );
    }
    const w = weights instanceof Tensor
      ? weights.to(float64)
      : tensor(Array.from(weights), { dtype: float64 });
    if (w.dim() !== 1) {
      throw new ValueError(
        `weights should be a 1d sequence but given weights have shape (${
          w.shape.join(", ")
        }${w.dim() === 1 ? "," : ""})`,
      );
    }
    this.weights = w;
    this.num_samples = num_samples;
    this.replacement = replacement;
    this.generator = generator;
  }

  /** The number of indices per pass. */
  override get length(): number {
    return this.num_samples;
  }

  /** One pass. */
  *[Symbol.iterator](): Iterator<number> {
    const drawn = multinomial(
      this.weights,
      this.num_samples,
      this.replacement,
      {
        generator: this.generator,
      },
    );
    yield* drawn.tolist() as number[];
  }
}
