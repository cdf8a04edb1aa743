// A helper thread of the CPU's WebAssembly matrix kernel (wasm_gemm.ts): it instantiates the
// kernel over the same shared memory (built for its own scratch there), then runs the share of
// each product the main thread hands it, k block by k block. The main thread writes the kernel's
// arguments into the control words, bumps the request counter and wakes it; it answers by storing
// that counter into the done word. It never returns to its event loop, so it costs nothing between
// products (it sleeps in Atomics.wait); it is unref'd, so a process ends without waiting for it.

import { parentPort } from "node:worker_threads";
import { type Kernel, overK, Slot } from "./gemm_slots.ts";
import { instantiate } from "./wasm.ts";

parentPort!.once("message", (m: {
  control: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  bytes: Uint8Array<ArrayBuffer>;
  kb: number;
}) => {
  const s = new Int32Array(m.control);
  const gemm = instantiate(m.bytes, m.memory).gemm as Kernel;
  Atomics.store(s, Slot.Ready, 1);
  Atomics.notify(s, Slot.Ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(s, Slot.Request, seen);
    const request = Atomics.load(s, Slot.Request);
    if (request === seen) continue;
    seen = request;
    overK(gemm, m.kb, s.subarray(Slot.Args, Slot.Args + 10));
    Atomics.store(s, Slot.Done, request);
    Atomics.notify(s, Slot.Done);
  }
});
