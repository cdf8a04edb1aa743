// `torch.utils.data`: datasets, samplers, the DataLoader and random_split.

export {
  ConcatDataset,
  Dataset,
  type DatasetLike,
  random_split,
  Subset,
  TensorDataset,
} from "./dataset.ts";
export {
  BatchSampler,
  RandomSampler,
  type RandomSamplerOptions,
  type Sampler,
  SequentialSampler,
  SubsetRandomSampler,
} from "./sampler.ts";
export {
  DataLoader,
  type DataLoaderOptions,
  default_collate,
} from "./dataloader.ts";
