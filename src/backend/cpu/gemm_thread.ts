// A helper thread of the CPU's WebAssembly matrix kernel (wasm_gemm.ts): it instantiates the
// module over the same shared memory (built for its own scratch there), then takes its part of
// each block the caller opens to it (gemm_slots.ts). The caller writes the block's words, opens
// this helper's gate, bumps its request counter and wakes it; the helper joins through the gate
// (unless the caller closed it first: the block was done without it), works, and stores the
// request's number into its done word. It never returns to its event loop, so it costs nothing
// between products (it sleeps in Atomics.wait); it is unref'd, so a process ends without waiting.

import { parentPort } from "node:worker_threads";
import { Helper, type Kernels, work } from "./gemm_slots.ts";
import { instantiate } from "./wasm.ts";

/**
 * After a block the helper watches for the next for this long before it sleeps, as the
 * convolutions' helper does: back-to-back 256² products on two threads, interleaved in one process
 * with the code before it, 25th percentile 58 GFLOP/s against 40 to 48.
 */
const SPIN_MS = 0.2;
const pause = (Atomics as { pause?: () => void }).pause;

parentPort!.once("message", (m: {
  control: SharedArrayBuffer;
  job: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  bytes: Uint8Array<ArrayBuffer>;
  kb: number;
}) => {
  const s = new Int32Array(m.control), job = new Int32Array(m.job);
  const kernels = instantiate(m.bytes, m.memory) as unknown as Kernels;
  Atomics.store(s, Helper.Ready, 1);
  Atomics.notify(s, Helper.Ready);
  let seen = 0;
  for (;;) {
    for (const t = performance.now(); performance.now() - t < SPIN_MS;) {
      if (Atomics.load(s, Helper.Request) !== seen) break;
      pause?.();
    }
    Atomics.wait(s, Helper.Request, seen);
    const request = Atomics.load(s, Helper.Request);
    if (request === seen) continue;
    seen = request;
    if (Atomics.compareExchange(s, Helper.Gate, request, -1) !== request) {
      continue;
    }
    work(kernels, job, m.kb);
    Atomics.store(s, Helper.Done, request);
    Atomics.notify(s, Helper.Done);
  }
});
