// Backward through long chains: time per node should stay flat as the chain grows (linear time),
// and the same chain in PyTorch (when /usr/bin/python3 has torch) is measured in the same run.
//
//   deno run --allow-run --allow-env bench/autograd_chain.ts      (or: bun bench/autograd_chain.ts)

import { spawnSync } from "node:child_process";
import * as torch from "../mod.ts";

const SIZES = [10_000, 50_000, 100_000, 200_000];

function ours(n: number): { forward: number; backward: number } {
  const x = torch.tensor([1], { dtype: torch.float64, requires_grad: true });
  let t0 = performance.now();
  let y = x;
  for (let i = 0; i < n; i++) y = y.mul(1.0000001).add(1e-9);
  const forward = performance.now() - t0;
  t0 = performance.now();
  y.backward();
  return { forward, backward: performance.now() - t0 };
}

function pytorch(n: number): { forward: number; backward: number } | undefined {
  const script = `
import time, torch
x = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
t0 = time.perf_counter(); y = x
for i in range(${n}): y = y.mul(1.0000001).add(1e-9)
f = time.perf_counter() - t0; t0 = time.perf_counter(); y.backward()
print(f * 1000, (time.perf_counter() - t0) * 1000)`;
  const r = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const [forward, backward] = r.stdout.trim().split(" ").map(Number);
  return { forward, backward };
}

ours(2_000); // warm up the JIT
console.log(
  "nodes      ours fwd/bwd ms   us/node bwd   pytorch fwd/bwd ms   bwd ratio (ours/pytorch)",
);
for (const n of SIZES) {
  const a = ours(n);
  const p = pytorch(n);
  const nodes = 2 * n;
  const ratio = p ? (a.backward / p.backward).toFixed(2) : "n/a";
  console.log(
    `${String(nodes).padEnd(10)} ${a.forward.toFixed(0).padStart(6)} / ${
      a.backward.toFixed(0).padEnd(6)
    }   ${(1000 * a.backward / nodes).toFixed(2).padStart(8)}      ${
      p
        ? `${p.forward.toFixed(0).padStart(6)} / ${
          p.backward.toFixed(0).padEnd(6)
        }`
        : "   (no torch)    "
    }     ${ratio}`,
  );
}
