// Heap growth per training step of a small MLP (issue 12 item 10): after warm-up the heap must be
// flat. Prints the heap after a full collection every WINDOW steps, and the bytes per step since.
//
//   deno run --v8-flags=--expose-gc bench/train_memory.ts [WINDOW]
//   bun --expose-gc bench/train_memory.ts [WINDOW]

import process from "node:process";
import * as torch from "../mod.ts";

const nn = torch.nn, F = torch.nn.functional;
const WINDOW = Number(process.argv[2] ?? 10000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error("run with --expose-gc (Deno: --v8-flags=--expose-gc)");
  process.exit(2);
}
const heap = () => {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
};

torch.manual_seed(0);
const net = new nn.Sequential(
  new nn.Linear(20, 64),
  new nn.ReLU(),
  new nn.Linear(64, 10),
);
const opt = new torch.optim.SGD(net.parameters(), { lr: 0.01 });
const x = torch.randn(32, 20), y = torch.randint(0, 10, [32]);
let prev = heap();
for (let step = 1; step <= 5 * WINDOW; step++) {
  opt.zero_grad();
  F.cross_entropy(net.forward(x) as torch.Tensor, y).backward();
  opt.step();
  if (step % WINDOW === 0) {
    const h = heap();
    console.log(
      `step ${step}: heap ${(h / 1024).toFixed(0)} KiB, ${
        ((h - prev) / WINDOW).toFixed(1)
      } B/step since step ${step - WINDOW}`,
    );
    prev = h;
  }
}
