// `torch.webgpu` (and `torch.cuda`, its alias): whether the device exists, its name, waiting for
// it, and its memory counters. The device thread starts on the first question.

import { findBackend } from "./registry.ts";
import { deviceThread } from "./webgpu/mod.ts";

/** Whether a WebGPU adapter was found (starts the device thread the first time). */
export function is_available(): boolean {
  return findBackend("webgpu") !== undefined;
}

/** 1 where WebGPU is available, else 0. */
export function device_count(): number {
  return is_available() ? 1 : 0;
}

function thread() {
  const t = is_available() ? deviceThread() : undefined;
  if (!t) {
    throw new Error(
      'Torch not compiled with CUDA enabled (flambeau\'s "cuda" is WebGPU, and no WebGPU adapter was found)',
    );
  }
  return t;
}

/** The adapter's name, as the runtime reports it. */
export function get_device_name(): string {
  return thread().adapter.name;
}

/** Blocks until the GPU has finished all the work recorded so far. */
export function synchronize(): void {
  thread().synchronize();
}

/** Bytes held by tensors on the device now. */
export function memory_allocated(): number {
  return is_available() ? thread().allocated : 0;
}

/** The most bytes held by tensors at once since the start or the last reset. */
export function max_memory_allocated(): number {
  return is_available() ? thread().peak : 0;
}

/** Starts the peak count again from the bytes held now. */
export function reset_peak_memory_stats(): void {
  if (is_available()) thread().peak = thread().allocated;
}

/** Gives the device's cached, unused buffers back to the driver. */
export function empty_cache(): void {
  if (is_available()) thread().emptyCache();
}

/**
 * Internal, for tests: records one dispatch of a WGSL compute shader (entry point `main`, no
 * bindings but the meta words) and waits for it, raising whatever the device reports.
 *
 * @ignore
 */
export function _runKernel(wgsl: string): void {
  const t = thread();
  t.run({ key: `test|${wgsl}`, wgsl }, new Uint32Array(1), [], [1, 1, 1]);
  t.synchronize();
}

/**
 * Internal, for tests: how many times the main thread has waited for the device so far.
 *
 * @ignore
 */
export function _waits(): number {
  return thread().waits;
}
