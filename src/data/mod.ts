// `torch.utils.data`: datasets and the DataLoader.
export {};
