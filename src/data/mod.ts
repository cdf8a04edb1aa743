// `torch.utils.data`: datasets, samplers, the DataLoader and random_split, each behind its PyTorch
// signature (they keep their generic TypeScript types: `DataLoader<T, B>`).

import { bindMethods, signedAs, signedClassAs } from "../signature.ts";
import * as ds from "./dataset.ts";
import * as sm from "./sampler.ts";
import * as dl from "./dataloader.ts";

export type { DatasetLike } from "./dataset.ts";
export type { RandomSamplerOptions } from "./sampler.ts";
export type { DataLoaderOptions } from "./dataloader.ts";

const P = "torch.utils.data";

/** `Dataset()`: the base of map-style datasets (`get(index)` and `length`). */
export const Dataset: typeof ds.Dataset = signedClassAs(
  `${P}.Dataset`,
  "()",
  ds.Dataset,
);
export type Dataset<T = unknown> = ds.Dataset<T>;
/** `TensorDataset(*tensors)`. */
export const TensorDataset: typeof ds.TensorDataset = signedClassAs(
  `${P}.TensorDataset`,
  "(*tensors: Tensor)",
  ds.TensorDataset,
);
export type TensorDataset = ds.TensorDataset;
/** `Subset(dataset, indices)`. */
export const Subset: typeof ds.Subset = signedClassAs(
  `${P}.Subset`,
  "(dataset: object, indices: any)",
  ds.Subset,
);
export type Subset<T = unknown> = ds.Subset<T>;
/** `ConcatDataset(datasets)`. */
export const ConcatDataset: typeof ds.ConcatDataset = signedClassAs(
  `${P}.ConcatDataset`,
  "(datasets: object[])",
  ds.ConcatDataset,
);
export type ConcatDataset<T = unknown> = ds.ConcatDataset<T>;
/** `random_split(dataset, lengths, generator = default_generator)`. */
export const random_split: typeof ds.random_split = signedAs(
  `${P}.random_split`,
  {
    sig: "(dataset: object, lengths: float[], generator: Generator? = None)",
    emit: "positional",
  },
  ds.random_split,
);
/** `IterableDataset()`: the base of iterable-style datasets (`[Symbol.iterator]`). */
export const IterableDataset: typeof ds.IterableDataset = signedClassAs(
  `${P}.IterableDataset`,
  "()",
  ds.IterableDataset,
);
export type IterableDataset<T = unknown> = ds.IterableDataset<T>;
/** `get_worker_info()`: the running DataLoader worker's WorkerInfo, or None in the main program. */
export const get_worker_info: typeof ds.get_worker_info = signedAs(
  `${P}.get_worker_info`,
  "()",
  ds.get_worker_info,
);
/** `Sampler(data_source = None)`: the base of samplers (`[Symbol.iterator]`, `length`). */
export const Sampler: typeof sm.Sampler = signedClassAs(
  `${P}.Sampler`,
  "(data_source: iterable? = None)",
  sm.Sampler,
);
export type Sampler<T = number> = sm.Sampler<T>;
/** `WeightedRandomSampler(weights, num_samples, replacement = True, generator = None)`. */
export const WeightedRandomSampler: typeof sm.WeightedRandomSampler =
  signedClassAs(
    `${P}.WeightedRandomSampler`,
    {
      sig:
        "(weights: any, num_samples: int, replacement: bool = True, generator: Generator? = None)",
      emit: "positional",
    },
    sm.WeightedRandomSampler,
  );
export type WeightedRandomSampler = sm.WeightedRandomSampler;
/** `SequentialSampler(data_source)`. */
export const SequentialSampler: typeof sm.SequentialSampler = signedClassAs(
  `${P}.SequentialSampler`,
  "(data_source: object)",
  sm.SequentialSampler,
);
export type SequentialSampler = sm.SequentialSampler;
/** `RandomSampler(data_source, replacement = False, num_samples = None, generator = None)`. */
export const RandomSampler: typeof sm.RandomSampler = signedClassAs(
  `${P}.RandomSampler`,
  "(data_source: object, replacement: bool = False, num_samples: int? = None, generator: Generator? = None)",
  sm.RandomSampler,
);
export type RandomSampler = sm.RandomSampler;
/** `SubsetRandomSampler(indices, generator = None)`. */
export const SubsetRandomSampler: typeof sm.SubsetRandomSampler = signedClassAs(
  `${P}.SubsetRandomSampler`,
  {
    sig: "(indices: any, generator: Generator? = None)",
    emit: "positional",
  },
  sm.SubsetRandomSampler,
);
export type SubsetRandomSampler = sm.SubsetRandomSampler;
/** `BatchSampler(sampler, batch_size, drop_last)`. */
export const BatchSampler: typeof sm.BatchSampler = signedClassAs(
  `${P}.BatchSampler`,
  "(sampler: iterable, batch_size: int, drop_last: bool)",
  sm.BatchSampler,
);
export type BatchSampler = sm.BatchSampler;
/**
 * `DataLoader(dataset, batch_size = 1, shuffle = None, sampler = None, batch_sampler = None,
 * num_workers = 0, collate_fn = None, pin_memory = False, drop_last = False, timeout = 0,
 * worker_init_fn = None, multiprocessing_context = None, generator = None, *, prefetch_factor = 2,
 * persistent_workers = False)`: workers are emulated in the caller's thread with PyTorch's seeds,
 * order and get_worker_info(), so the batches are those of PyTorch's worker processes.
 */
export const DataLoader: typeof dl.DataLoader = signedClassAs(
  `${P}.DataLoader`,
  "(dataset: object, batch_size: int? = 1, shuffle: bool? = None, sampler: iterable? = None, batch_sampler: iterable? = None, num_workers: int = 0, collate_fn: callable? = None, pin_memory: bool = False, drop_last: bool = False, timeout: float = 0, worker_init_fn: callable? = None, multiprocessing_context: any = None, generator: Generator? = None, *, prefetch_factor: int = 2, persistent_workers: bool = False)",
  dl.DataLoader,
);
// deno-lint-ignore no-explicit-any
export type DataLoader<T = any, B = any> = dl.DataLoader<T, B>;
/** `default_collate(batch)`. */
export const default_collate: typeof dl.default_collate = signedAs(
  `${P}.default_collate`,
  "(batch: any[])",
  dl.default_collate,
);

// Map-style datasets' `get(index)` (Python's `dataset[index]`), bound where each defines it.
for (const cls of [ds.TensorDataset, ds.Subset, ds.ConcatDataset]) {
  bindMethods(cls, P, { get: "(self: object, index: int)" });
}
