// The registry: which backend serves each device type. The CPU is always there; WebGPU is looked
// for the first time a tensor is put on it (or `torch.webgpu.is_available()` asks); others (a test
// backend) register themselves when they are loaded.

import type { Backend } from "./backend.ts";
import { cpuBackend } from "./cpu/mod.ts";
import { webgpuBackend } from "./webgpu/mod.ts";

const backends = new Map<string, Backend>([["cpu", cpuBackend as Backend]]);

/** Device types whose backend is made on first use; undefined when the machine has none. */
const lazy = new Map<string, () => Backend | undefined>([
  ["webgpu", () => webgpuBackend() as Backend | undefined],
]);

/** The CPU backend: the reference every other device is tested against, and the host for reads. */
export const cpu: Backend = cpuBackend as Backend;

/** Makes `backend` serve device type `backend.name` (replacing any earlier one of that name). */
export function registerBackend(backend: Backend): void {
  backends.set(backend.name, backend);
}

/** Removes a device type registered earlier (tests use this to clean up); the CPU stays. */
export function unregisterBackend(name: string): void {
  if (name !== "cpu") backends.delete(name);
}

/** The backend serving a device type, or undefined when none is registered or can be had. */
export function findBackend(device: string): Backend | undefined {
  const found = backends.get(device);
  if (found) return found;
  const make = lazy.get(device);
  if (!make) return undefined;
  lazy.delete(device); // looked for once
  const made = make();
  if (made) backends.set(device, made);
  return made;
}

/** The device types with a registered backend, the CPU first. */
export function registeredDevices(): string[] {
  return [...backends.keys()];
}

/** What the CPU's matrix products run on (the system BLAS or JavaScript), and forcing it. */
export { blasInfo, type BlasMode, setBlas } from "./cpu/blas.ts";
export {
  getNumThreads,
  setNumThreads,
  setSimd,
  type SimdMode,
} from "./cpu/wasm_gemm.ts";
