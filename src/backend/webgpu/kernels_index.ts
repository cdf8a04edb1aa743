// WebGPU kernels for the indexing primitives: plane maps (unfold, padding, resampling, average
// pooling) and their adjoints, index_select, index_add, gather and scatter.

import type { Primitives } from "../backend.ts";
import type { DeviceThread, GpuBuffer } from "./device.ts";
import { hosted } from "./hosted.ts";

type Prims = Primitives<GpuBuffer>;

export type IndexPrims = Pick<
  Prims,
  | "mapForward"
  | "mapAdjoint"
  | "indexSelect"
  | "indexAdd"
  | "gather"
  | "scatter"
>;

/** The indexing primitives on the device thread `t`. */
export function indexKernels(t: DeviceThread): IndexPrims {
  return {
    mapForward: hosted(t, "mapForward", [1]),
    mapAdjoint: hosted(t, "mapAdjoint", [1]),
    indexSelect: hosted(t, "indexSelect", [5]),
    indexAdd: hosted(t, "indexAdd", [0]),
    gather: hosted(t, "gather", [4]),
    scatter: hosted(t, "scatter", [1]),
  };
}
