// The count of host fallbacks, shared by the two places one can happen: an op with no primitive
// form yet (src/ops/_fallback.ts), and a device backend running a primitive it has no kernel for
// on the CPU's. Every use is counted by name, and `torch.backends.fallback.set_mode("error")` (or
// the environment variable FLAMBEAU_CPU_FALLBACK=error) makes a use off the CPU an error, as
// PyTorch's MPS fallback does without PYTORCH_ENABLE_MPS_FALLBACK.

import { envVar } from "./env.ts";
import { RuntimeError } from "../errors.ts";

/** "allow" runs fallbacks; "error" refuses them for tensors off the CPU. */
export type FallbackMode = "allow" | "error";

const uses = new Map<string, number>();
let mode: FallbackMode = initialMode();

function initialMode(): FallbackMode {
  return envVar("FLAMBEAU_CPU_FALLBACK") === "error" ? "error" : "allow";
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

/** Counts one fallback of `op`; raises in "error" mode when `device` (where it ran) is not the CPU. */
export function countFallback(op: string, device: string | null): void {
  uses.set(op, (uses.get(op) ?? 0) + 1);
  if (mode !== "error" || device === null || device === "cpu") return;
  throw new RuntimeError(
    `The operator '${op}' is not currently implemented for the ${device} device, and the CPU fallback is disabled (torch.backends.fallback.set_mode("error")).`,
  );
}
