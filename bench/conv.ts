// LeNet forward + backward at batch 64 (the PyTorch tutorial's net on 32x32 inputs), built from
// plain ops, against the same net in PyTorch (when /usr/bin/python3 has torch) in the same run.
//
//   deno run --allow-run --allow-env bench/conv.ts      (or: bun bench/conv.ts)

import { spawnSync } from "node:child_process";
import * as torch from "../mod.ts";
import { conv2d } from "../src/ops/conv.ts";
import { max_pool2d } from "../src/ops/pool.ts";

// The best of ROUNDS rounds of STEPS steps: the machine may be shared, and the minimum is the
// measure least disturbed by other load (the same rule for both sides). PyTorch runs on one
// thread, as we do: with two OpenMP threads on a busy 2-core machine it slows down 30-fold.
const BATCH = 64, STEPS = 10, ROUNDS = 5;

const param = (...shape: number[]) =>
  torch.randn(shape).mul(0.1).requires_grad_();
const P = {
  c1w: param(6, 1, 5, 5),
  c1b: param(6),
  c2w: param(16, 6, 5, 5),
  c2b: param(16),
  f1w: param(120, 400),
  f1b: param(120),
  f2w: param(84, 120),
  f2b: param(84),
  f3w: param(10, 84),
  f3b: param(10),
};

function step(x: torch.Tensor, target: torch.Tensor): void {
  let h = max_pool2d(conv2d(x, P.c1w, P.c1b).relu(), 2) as torch.Tensor;
  h = max_pool2d(conv2d(h, P.c2w, P.c2b).relu(), 2) as torch.Tensor;
  h = h.view(-1, 400);
  h = h.matmul(P.f1w.t()).add(P.f1b).relu();
  h = h.matmul(P.f2w.t()).add(P.f2b).relu();
  h = h.matmul(P.f3w.t()).add(P.f3b);
  const loss = h.log_softmax(1).mul(target).sum().div(-BATCH);
  loss.backward();
  for (const p of Object.values(P)) p.grad = null;
}

function ours(): number {
  const x = torch.randn(BATCH, 1, 32, 32);
  const target = torch.zeros(BATCH, 10);
  for (let i = 0; i < BATCH; i++) target.storage.data[i * 10 + (i % 10)] = 1;
  for (let i = 0; i < 3; i++) step(x, target); // warm up the JIT
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < STEPS; i++) step(x, target);
    best = Math.min(best, (performance.now() - t0) / STEPS);
  }
  return best;
}

function pytorch(): number | undefined {
  const script = `
import time, torch, torch.nn.functional as F
torch.set_num_threads(1)
p = lambda *s: (torch.randn(*s) * 0.1).requires_grad_()
c1w, c1b, c2w, c2b = p(6, 1, 5, 5), p(6), p(16, 6, 5, 5), p(16)
f1w, f1b, f2w, f2b, f3w, f3b = p(120, 400), p(120), p(84, 120), p(84), p(10, 84), p(10)
x = torch.randn(${BATCH}, 1, 32, 32); y = torch.arange(${BATCH}) % 10
def step():
    h = F.max_pool2d(F.relu(F.conv2d(x, c1w, c1b)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, c2w, c2b)), 2).view(-1, 400)
    h = F.linear(F.relu(F.linear(F.relu(F.linear(h, f1w, f1b)), f2w, f2b)), f3w, f3b)
    F.cross_entropy(h, y).backward()
for _ in range(3): step()
best = float("inf")
for _ in range(${ROUNDS}):
    t0 = time.perf_counter()
    for _ in range(${STEPS}): step()
    best = min(best, (time.perf_counter() - t0) * 1000 / ${STEPS})
print(best)`;
  const r = spawnSync("/usr/bin/python3", ["-c", script], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  return Number(r.stdout.trim());
}

const a = ours();
const p = pytorch();
const rate = (ms: number) => (1000 * BATCH / ms).toFixed(0);
console.log(
  `LeNet forward+backward, batch ${BATCH}, float32, best of ${ROUNDS} rounds of ${STEPS} steps`,
);
console.log(`ours:    ${a.toFixed(1)} ms/batch  ${rate(a)} images/s`);
console.log(
  p === undefined
    ? "pytorch: (no torch)"
    : `pytorch: ${p.toFixed(1)} ms/batch  ${rate(p)} images/s  (ours/pytorch ${
      (a / p).toFixed(1)
    }x)`,
);
