// Interop: .npy/.npz, Apache Arrow, safetensors and PyTorch checkpoints, as namespaces.

export { from_numpy, type NDArray, type NDArrayLike } from "./numpy.ts";
/** `.npy` files: views into the file's bytes. */
export * as npy from "./npy.ts";
/** `.npz` archives. */
export * as npz from "./npz.ts";
/** Apache Arrow vectors, tables and IPC. */
export * as arrow from "./arrow.ts";
/** safetensors files. */
export * as safetensors from "./safetensors.ts";
/** PyTorch checkpoints (`torch.load` / `torch.save`). */
export * as checkpoint from "./checkpoint.ts";
