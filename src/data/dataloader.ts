// DataLoader: batches of a dataset in a sampler's order, merged by default_collate.

import { INSPECT, objectRepr } from "../repr.ts";
import { bool, float64, int64 } from "../dtype.ts";
import { AssertionError, RuntimeError, ValueError } from "../errors.ts";
import { tensor } from "../ops/creation.ts";
import { stack } from "../ops/indexing.ts";
import type { Generator } from "../random/generator.ts";
import { Tensor } from "../tensor.ts";
import { default_generator } from "../random/generator.ts";
import {
  _asWorker,
  type DatasetLike,
  getItem,
  IterableDataset,
  WorkerInfo,
} from "./dataset.ts";
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

/** DataLoader options, PyTorch's keyword arguments. */
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
  /**
   * Workers, each with PyTorch's seed (the pass's base seed plus its id), its own random stream and
   * its own copy of the dataset's properties, taking batches in turn; they run in this thread,
   * one batch at a time, so the batches are those PyTorch's worker processes give.
   */
  num_workers?: number;
  /** Called as `worker_init_fn(worker_id)` in each worker when it starts. */
  worker_init_fn?: ((worker_id: number) => void) | null;
  /** Batches loaded ahead per worker in PyTorch; accepted with workers, and checked. */
  prefetch_factor?: number;
  /** Keeps the workers (their random streams and dataset copies) from one pass to the next. */
  persistent_workers?: boolean;
  /** Accepted: memory here is what it is. */
  pin_memory?: boolean;
  /** Seconds to wait for a worker's batch; checked, never reached (workers answer in turn). */
  timeout?: number;
  /** Accepted: there are no processes to start. */
  multiprocessing_context?: unknown;
}

/** An emulated worker: its info, its random state and its copy of the dataset's own properties. */
interface LoaderWorker {
  info: WorkerInfo;
  rng: Uint8Array;
  props: Record<string, unknown> | null;
}

/** The dataset's own enumerable properties (a worker's copy of them); null for an array. */
function snapshot(ds: unknown): Record<string, unknown> | null {
  if (
    typeof ds !== "object" || ds === null || Array.isArray(ds) ||
    ArrayBuffer.isView(ds) || Object.isFrozen(ds)
  ) return null;
  return { ...(ds as Record<string, unknown>) };
}

/** Puts a snapshot's properties back on the dataset (and removes ones added since). */
function restore(ds: unknown, props: Record<string, unknown> | null): void {
  if (props === null) return;
  const o = ds as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(k in props)) delete o[k];
  Object.assign(o, props);
}

/** A worker's answer when its iterable dataset is exhausted. */
const STOP = Symbol("stop");

/**
 * Iterates over a dataset in batches: `for (const [x, y] of loader)`. A pass runs synchronously
 * in the caller's thread, with `num_workers` emulated there (see the option). Each pass draws PyTorch's per-iterator base
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
  /** How many workers load batches in turn (0: the main program loads them). */
  readonly num_workers: number;
  /** Called in each worker as it starts. */
  readonly worker_init_fn: ((worker_id: number) => void) | null;
  /** PyTorch's prefetch_factor (2 by default). */
  readonly prefetch_factor: number;
  /** Whether workers live from one pass to the next. */
  readonly persistent_workers: boolean;
  /** Whether batches would be pinned (they are returned as they are). */
  readonly pin_memory: boolean;
  /** The timeout in seconds (0: none). */
  readonly timeout: number;
  #workers: LoaderWorker[] | null = null;

  /** Checks the options as PyTorch does (sampler and shuffle are exclusive, ...). */
  constructor(
    dataset: DatasetLike<T> | IterableDataset<T>,
    opts: DataLoaderOptions<T, B> = {},
  ) {
    const num_workers = opts.num_workers ?? 0;
    const timeout = opts.timeout ?? 0;
    const prefetch_factor = opts.prefetch_factor ?? 2;
    if (num_workers < 0) {
      throw new ValueError(
        "num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.",
      );
    }
    if (timeout < 0) {
      throw new ValueError("timeout option should be non-negative");
    }
    if (num_workers === 0 && prefetch_factor !== 2) {
      throw new ValueError(
        "prefetch_factor option could only be specified in multiprocessing.let num_workers > 0 to enable multiprocessing.",
      );
    }
    if (!(prefetch_factor > 0)) throw new AssertionError("");
    if (opts.persistent_workers && num_workers === 0) {
      throw new ValueError("persistent_workers option needs num_workers > 0");
    }
    this.num_workers = num_workers;
    this.worker_init_fn = opts.worker_init_fn ?? null;
    this.prefetch_factor = prefetch_factor;
    this.persistent_workers = opts.persistent_workers ?? false;
    this.pin_memory = opts.pin_memory ?? false;
    this.timeout = timeout;
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

  /**
   * One pass. The base seed is drawn here, eagerly, as PyTorch draws it in `iter(loader)`; with
   * persistent workers only the first pass draws it (PyTorch keeps that iterator).
   */
  [Symbol.iterator](): Iterator<B> {
    if (this.num_workers === 0) {
      drawSeed(this.generator);
      return this.#batches();
    }
    if (!this.persistent_workers || this.#workers === null) {
      this.#workers = this.#startWorkers(drawSeed(this.generator));
    }
    return this.#workerBatches(this.#workers);
  }

  /**
   * PyTorch's worker start: worker w seeds the global generator with base + w, takes a copy of the
   * dataset and runs worker_init_fn(w); the main program's random state is left as it was.
   */
  #startWorkers(base: bigint): LoaderWorker[] {
    const mainRng = default_generator.get_state();
    const mainProps = snapshot(this.dataset);
    const workers: LoaderWorker[] = [];
    try {
      for (let w = 0; w < this.num_workers; w++) {
        const seed = base + BigInt(w);
        default_generator.manual_seed(seed);
        restore(this.dataset, mainProps);
        const info = new WorkerInfo(w, this.num_workers, seed, this.dataset);
        const init = this.worker_init_fn;
        if (init) _asWorker(info, () => init(w));
        workers.push({
          info,
          rng: default_generator.get_state(),
          props: snapshot(this.dataset),
        });
      }
    } finally {
      restore(this.dataset, mainProps);
      default_generator.set_state(mainRng);
    }
    return workers;
  }

  /** fn run as worker w: its random state, its dataset properties, its get_worker_info(). */
  #inWorker<R>(w: LoaderWorker, fn: () => R): R {
    const mainRng = default_generator.get_state();
    const mainProps = snapshot(this.dataset);
    default_generator.set_state(w.rng);
    restore(this.dataset, w.props);
    try {
      return _asWorker(w.info, fn);
    } finally {
      w.rng = default_generator.get_state();
      w.props = snapshot(this.dataset);
      restore(this.dataset, mainProps);
      default_generator.set_state(mainRng);
    }
  }

  /**
   * A pass with workers, in PyTorch's order: batch k of a map-style dataset is loaded by worker
   * k % num_workers (the sampler runs in the main program); with an IterableDataset each worker
   * iterates the dataset itself and the workers take turns, an exhausted one dropping out.
   */
  *#workerBatches(workers: LoaderWorker[]): IterableIterator<B> {
    const W = workers.length;
    const ds: unknown = this.dataset;
    if (ds instanceof IterableDataset) {
      const its = workers.map((w) =>
        this.#inWorker(w, () => (ds as Iterable<T>)[Symbol.iterator]())
      );
      const active = workers.map(() => true);
      for (let w = 0; active.some((a) => a); w = (w + 1) % W) {
        if (!active[w]) continue;
        const batch = this.#inWorker(workers[w], () => {
          const size = this.batch_size ?? 1;
          const data: T[] = [];
          while (data.length < size) {
            const r = its[w].next();
            if (r.done) break;
            data.push(r.value);
          }
          if (data.length === 0 || (this.drop_last && data.length < size)) {
            return STOP;
          }
          return this.collate_fn(data);
        });
        if (batch === STOP) active[w] = false;
        else yield batch;
      }
      return;
    }
    const source: Iterable<number[]> = this.batch_sampler ??
      (function* (sampler: Iterable<number>) {
        for (const i of sampler) yield [i];
      })(this.sampler);
    let k = 0;
    for (const indices of source) {
      yield this.#inWorker(
        workers[k++ % W],
        () =>
          this.collate_fn(
            indices.map((i) => getItem(this.dataset as DatasetLike<T>, i)),
          ),
      );
    }
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
