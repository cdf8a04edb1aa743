// A helper thread of the CPU's WebAssembly matrix kernel (wasm_gemm.ts): it instantiates the
// same module over the same shared memory, then runs the share of each product the main thread
// hands it. The main thread writes the kernel's arguments into the control words, bumps the
// request counter and wakes it; it answers by storing that counter into the done word. It never
// returns to its event loop, so it costs nothing between products (it sleeps in Atomics.wait);
// it is unref'd, so a process ends without waiting for it.

import { parentPort } from "node:worker_threads";
import { Slot } from "./gemm_slots.ts";
import { instantiate } from "./wasm.ts";

parentPort!.once("message", (m: {
  control: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  bytes: Uint8Array<ArrayBuffer>;
}) => {
  const s = new Int32Array(m.control);
  const gemm = instantiate(m.bytes, m.memory).gemm as (
    ...args: number[]
  ) => void;
  Atomics.store(s, Slot.Ready, 1);
  Atomics.notify(s, Slot.Ready);
  let seen = 0;
  for (;;) {
    Atomics.wait(s, Slot.Request, seen);
    const request = Atomics.load(s, Slot.Request);
    if (request === seen) continue;
    seen = request;
    gemm(
      s[Slot.Args],
      s[Slot.Args + 1],
      s[Slot.Args + 2],
      s[Slot.Args + 3],
      s[Slot.Args + 4],
      s[Slot.Args + 5],
      s[Slot.Args + 6],
      s[Slot.Args + 7],
    );
    Atomics.store(s, Slot.Done, request);
    Atomics.notify(s, Slot.Done);
  }
});
