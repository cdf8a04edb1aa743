// The registry: which backend serves each device type. The CPU is always there; others (WebGPU,
// a test backend) register themselves when they are loaded.

import type { Backend } from "./backend.ts";
import { cpuBackend } from "./cpu/mod.ts";

const backends = new Map<string, Backend>([["cpu", cpuBackend as Backend]]);

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

/** The backend serving a device type, or undefined when none is registered. */
export function findBackend(device: string): Backend | undefined {
  return backends.get(device);
}

/** The device types with a registered backend, the CPU first. */
export function registeredDevices(): string[] {
  return [...backends.keys()];
}
