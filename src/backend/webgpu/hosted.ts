// The host path for a primitive with no WebGPU kernel: the CPU's kernel runs on host copies of
// the buffers, and the outputs are written back. Each use is counted as a fallback
// (src/backend/fallback.ts), so that it shows up in the counts and can be refused.

import type { DTypeName, StorageArray } from "../../dtype.ts";
import type { Primitives, View } from "../backend.ts";
import { cpuBackend } from "../cpu/mod.ts";
import { countFallback } from "../fallback.ts";
import type { DeviceThread, GpuBuffer } from "./device.ts";
import { fromWords, toWords } from "./dtypes.ts";

type Prims = Primitives<GpuBuffer>;
type GView = View<GpuBuffer>;
type AnyFn = (...args: unknown[]) => unknown;

function isView(v: unknown): v is GView {
  return typeof v === "object" && v !== null && "buffer" in v &&
    "strides" in v;
}

/** Runs the CPU's kernel on host copies; the arguments at `outs` are written back. */
export function hosted<K extends keyof Prims>(
  t: DeviceThread,
  name: K,
  outs: number[],
): Prims[K] {
  const kernel = cpuBackend.ops[name] as unknown as AnyFn;
  return ((...args: unknown[]) => {
    countFallback(`webgpu:${name}`, "webgpu");
    const hosts = new Map<
      GpuBuffer,
      { dtype: DTypeName; data: StorageArray }
    >();
    const host = (v: GView) => {
      let h = hosts.get(v.buffer);
      if (!h) {
        h = {
          dtype: v.dtype,
          data: fromWords(v.dtype, t.read(v.buffer, 0, v.buffer.words)),
        };
        hosts.set(v.buffer, h);
      }
      return { ...v, buffer: h.data };
    };
    const r = kernel(...args.map((a) => (isView(a) ? host(a) : a)));
    for (const i of outs) {
      const v = args[i] as GView;
      const h = hosts.get(v.buffer)!;
      t.write(v.buffer, 0, toWords(h.dtype, h.data));
    }
    return r;
  }) as unknown as Prims[K];
}
