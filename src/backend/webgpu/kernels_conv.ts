// WebGPU kernels for convolution and pooling: conv2d and its two backward kernels, max pooling,
// and the plane scatter/gather its backward uses.

import type { Primitives } from "../backend.ts";
import type { DeviceThread, GpuBuffer } from "./device.ts";
import { hosted } from "./hosted.ts";

type Prims = Primitives<GpuBuffer>;

export type ConvPrims = Pick<
  Prims,
  | "conv2d"
  | "conv2dBackwardInput"
  | "conv2dBackwardWeight"
  | "maxPool2d"
  | "scatterPlanes"
  | "gatherPlanes"
>;

/** The convolution and pooling primitives on the device thread `t`. */
export function convKernels(t: DeviceThread): ConvPrims {
  return {
    conv2d: hosted(t, "conv2d", [2]),
    conv2dBackwardInput: hosted(t, "conv2dBackwardInput", [2]),
    conv2dBackwardWeight: hosted(t, "conv2dBackwardWeight", [2]),
    maxPool2d: hosted(t, "maxPool2d", [3, 4]),
    scatterPlanes: hosted(t, "scatterPlanes", [4]),
    gatherPlanes: hosted(t, "gatherPlanes", [4]),
  };
}
