// The CPU's helper thread. It instantiates the im2col module over the main thread's shared memory
// (wasm_conv.ts), then runs what the main thread hands it: a share of a float32 convolution
// (conv.ts's splitShare), its own columns and products, while the main thread runs the other; the
// blocks of a large float32 exp (exp_split.ts); or the blocks of an exp or a map over the tensors'
// own memories, which its message port hands it (inplace.ts). After a job it watches for the next
// one for 0.2 ms, then sleeps in Atomics.wait (a wake costs about 30 µs back to back; polling
// without end took CPU time from the calling thread on the 2-core VM and made a training step
// slower). It never returns to its event loop, and it is unref'd, so a process ends without
// waiting for it.

import {
  type MessagePort,
  parentPort,
  receiveMessageOnPort,
} from "node:worker_threads";
import { adoptMemory, Ctl } from "./wasm_conv.ts";
import { runJob } from "./conv.ts";
import { EXP_JOB, runExpJob } from "./exp_split.ts";
import { INPLACE_JOB, runInPlaceJob } from "./inplace.ts";

/**
 * How long the helper watches for its next job after each one before sleeping in Atomics.wait (a
 * wake from there took 20 to 170 µs). LeNet's second layer at batch 64, called back to back on two
 * threads: median 0.329 → 0.300 ms; LeNet's training step at batch 64 unchanged (median 4.123 →
 * 4.071 ms, mean 4.445 → 4.437), at batch 16, whose convolutions stay on one thread, 1.453 → 1.466
 * (one process, 0 and 200 µs alternating). Earlier, a helper that polled without end made a
 * training step slower.
 */
const SPIN_MS = 0.2;
const pause = (Atomics as { pause?: () => void }).pause;

parentPort!.once("message", (m: {
  ctl: SharedArrayBuffer;
  memory: WebAssembly.Memory;
  port: MessagePort;
}) => {
  const ctl = new Int32Array(m.ctl);
  // Read synchronously: this thread never returns to its event loop.
  const port = { receive: () => receiveMessageOnPort(m.port)?.message };
  try {
    adoptMemory(m.memory);
    Atomics.store(ctl, Ctl.Ready, 1);
  } catch {
    Atomics.store(ctl, Ctl.Ready, -1);
  }
  Atomics.notify(ctl, Ctl.Ready);
  if (Atomics.load(ctl, Ctl.Ready) !== 1) return;
  let seen = 0;
  for (;;) {
    // A while awake first: the next share of back-to-back convolutions comes within it.
    for (const t = performance.now(); performance.now() - t < SPIN_MS;) {
      if (Atomics.load(ctl, Ctl.Request) !== seen) break;
      pause?.();
    }
    Atomics.wait(ctl, Ctl.Request, seen);
    const request = Atomics.load(ctl, Ctl.Request);
    if (request === seen) continue;
    seen = request;
    try {
      const kind = ctl[Ctl.Job];
      if (kind === EXP_JOB) runExpJob(m.memory, ctl);
      else if (kind === INPLACE_JOB) runInPlaceJob(ctl, request, port);
      else runJob(new Float32Array(m.memory.buffer), ctl);
      Atomics.store(ctl, Ctl.Failed, 0);
    } catch {
      Atomics.store(ctl, Ctl.Failed, 1);
    }
    Atomics.store(ctl, Ctl.Done, request);
    Atomics.notify(ctl, Ctl.Done);
  }
});
