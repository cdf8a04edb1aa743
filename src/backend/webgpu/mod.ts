// The WebGPU backend (design.md §4): buffers live on the device thread (device.ts), and each
// primitive records a WGSL dispatch (kernels.ts). Nothing waits for the GPU until data is read.

import { createRequire } from "node:module";
import type { Backend } from "../backend.ts";
import { DeviceThread, GpuBuffer } from "./device.ts";
import { checkDtype, fromWords, toWords } from "./dtypes.ts";
import { primitives } from "./kernels.ts";

export { GpuBuffer };

let thread: DeviceThread | undefined;
let probed = false;

/** The device thread, started on first use; undefined where no adapter can be had. */
export function deviceThread(): DeviceThread | undefined {
  if (probed) return thread;
  probed = true;
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  // Bun and Node have no built-in WebGPU: the optional npm package `webgpu` (Dawn) serves where
  // it is installed; without either, no device thread is started at all.
  if (!nav?.gpu && !resolves("webgpu")) return undefined;
  thread = DeviceThread.start();
  return thread;
}

/** Whether an npm package can be found from here (without loading it). */
function resolves(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** The WebGPU backend, or undefined where no adapter can be had. */
export function webgpuBackend(): Backend<GpuBuffer> | undefined {
  const t = deviceThread();
  if (!t) return undefined;
  return {
    name: "webgpu",
    float64: false,
    allocate(dtype, n) {
      checkDtype(dtype);
      return t.allocate(n);
    },
    free: (b) => t.free(b),
    write(b, dtype, offset, src) {
      if (src.length > 0) t.write(b, offset, toWords(dtype, src));
    },
    read: (b, dtype, offset, n) => fromWords(dtype, t.read(b, offset, n)),
    readAsync: async (b, dtype, offset, n) =>
      fromWords(dtype, await t.readAsync(b, offset, n)),
    ops: primitives(t),
  };
}
