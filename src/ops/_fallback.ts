// The one path by which an op with no primitive form yet computes on the host: it reads its
// inputs' values to the CPU, computes there, and its result goes back to the inputs' device. Every
// use is counted by op name, and `torch.backends.fallback.set_mode("error")` (or the environment
// variable FLAMBEAU_CPU_FALLBACK=error) makes a use off the CPU an error, as PyTorch's MPS
// fallback does without PYTORCH_ENABLE_MPS_FALLBACK.

import type { DType } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { cpu } from "../backend/registry.ts";
import { hostDoubles } from "../host.ts";
import { contiguousStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { transfer } from "./core.ts";

/** "allow" runs fallbacks; "error" refuses them for tensors off the CPU. */
export type FallbackMode = "allow" | "error";

const uses = new Map<string, number>();
let mode: FallbackMode = initialMode();

function initialMode(): FallbackMode {
  try {
    const env = (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process?.env;
    return env?.FLAMBEAU_CPU_FALLBACK === "error" ? "error" : "allow";
  } catch {
    return "allow";
  }
}

/** Sets whether host fallbacks off the CPU run ("allow", the default) or raise ("error"). */
export function set_mode(m: FallbackMode): void {
  if (m !== "allow" && m !== "error") {
    throw new TypeError(
      `fallback mode must be "allow" or "error", got ${String(m)}`,
    );
  }
  mode = m;
}

/** The current fallback mode. */
export function get_mode(): FallbackMode {
  return mode;
}

/** How often each op took the host fallback since the last reset, by op name. */
export function counts(): Record<string, number> {
  return Object.fromEntries(uses);
}

/** The total number of host fallbacks since the last reset. */
export function total(): number {
  let n = 0;
  for (const v of uses.values()) n += v;
  return n;
}

/** Forgets the counts. */
export function reset(): void {
  uses.clear();
}

/** Counts one fallback of `op` over `inputs`; raises in "error" mode when one is off the CPU. */
export function enterFallback(op: string, inputs: readonly unknown[]): void {
  uses.set(op, (uses.get(op) ?? 0) + 1);
  if (mode !== "error") return;
  for (const t of inputs) {
    if (t instanceof Tensor && t.storage.backend !== cpu) {
      throw new RuntimeError(
        `The operator '${op}' is not currently implemented for the ${t.device.type} device, and the CPU fallback is disabled (torch.backends.fallback.set_mode("error")).`,
      );
    }
  }
}

/** Each input's elements as row-major doubles on the host, counted as one fallback of `op`. */
export function hostValues(op: string, ...inputs: Tensor[]): Float64Array[] {
  enterFallback(op, inputs);
  return inputs.map((t) => hostDoubles(t));
}

/** A tensor of `shape` and `dtype` holding row-major `values`, on the device of `like`. */
export function fromHost(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  like?: Tensor,
): Tensor {
  const host = Tensor.empty(shape, dtype);
  const buffer = values instanceof Float64Array
    ? values
    : Float64Array.from(values);
  cpu.ops.copy(host._view(), {
    buffer,
    dtype: "float64",
    offset: 0,
    strides: contiguousStrides(shape),
  }, shape);
  return like ? transfer(host, like.storage.backend) : host;
}
