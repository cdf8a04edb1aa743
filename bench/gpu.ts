// The WebGPU device's throughput: matmul (fp32 GFLOP/s), elementwise add and sum (GB/s), and the
// tutorial's LeNet training step (images/s), with the CPU measured in the same run beside it.
//
//   deno run -A bench/gpu.ts            (all sizes: matmul 1024-4096, add/sum 16M and 256M,
//                                        LeNet at batch 64 and 512)
//   deno run -A bench/gpu.ts --quick    (the small sizes only, for a software adapter)
//
// GPU timings: each workload runs once to compile its kernels, then `reps` times back to back;
// the time is from the first call until torch.webgpu.synchronize() returns, divided by reps, so
// that the GPU's queue is full, as in a training loop. On Mesa's llvmpipe (CI) the numbers only
// show that the path works; ../shared/gpu/ runs this on a real GPU.
//
//   GB/s: add reads two inputs and writes one (3 · 4 · N bytes), sum reads one (4 · N bytes).

import { parseArgs } from "node:util";
import * as torch from "../mod.ts";
import { Net } from "../tests/_support/lenet.ts";

const { values } = parseArgs({
  args: (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? [],
  options: { quick: { type: "boolean" } },
});
const quick = values.quick ?? false;

if (!torch.webgpu.is_available()) {
  console.log(
    "no WebGPU adapter: nothing to measure (Deno with a GPU driver, or Mesa's mesa-vulkan-drivers)",
  );
  Deno.exit(0);
}

/** Seconds per call of fn on `device`, over `reps` calls after one warm-up call. */
function time(device: string, reps: number, fn: () => unknown): number {
  fn();
  if (device !== "cpu") torch.webgpu.synchronize();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  if (device !== "cpu") torch.webgpu.synchronize();
  return (performance.now() - t0) / 1000 / reps;
}

type Row = { workload: string; unit: string; gpu: number; cpu?: number };
const rows: Row[] = [];

for (const n of quick ? [256, 1024] : [1024, 2048, 4096]) {
  const a = torch.randn(n, n), b = torch.randn(n, n);
  const ga = a.cuda(), gb = b.cuda();
  const flops = 2 * n ** 3;
  const gpu = flops / time("webgpu", quick ? 3 : 10, () => ga.matmul(gb)) /
    1e9;
  const cpu = n <= 1024
    ? flops / time("cpu", 1, () => a.matmul(b)) / 1e9
    : undefined;
  rows.push({ workload: `matmul ${n}`, unit: "GFLOP/s", gpu, cpu });
}

for (const n of quick ? [1 << 24] : [1 << 24, 1 << 28]) {
  const label = n === 1 << 24 ? "16M" : "256M";
  const x = torch.randn(n), y = torch.randn(n);
  const gx = x.cuda(), gy = y.cuda();
  const reps = quick ? 3 : 20;
  rows.push({
    workload: `add ${label}`,
    unit: "GB/s",
    gpu: (12 * n) / time("webgpu", reps, () => gx.add(gy)) / 1e9,
    cpu: n === 1 << 24
      ? (12 * n) / time("cpu", 3, () => x.add(y)) / 1e9
      : undefined,
  });
  rows.push({
    workload: `sum ${label}`,
    unit: "GB/s",
    gpu: (4 * n) / time("webgpu", reps, () => gx.sum()) / 1e9,
    cpu: n === 1 << 24
      ? (4 * n) / time("cpu", 3, () => x.sum()) / 1e9
      : undefined,
  });
  for (const t of [x, y, gx, gy]) t.dispose();
}

for (const batch of quick ? [64] : [64, 512]) {
  const rate = (device: string, reps: number) => {
    torch.manual_seed(0);
    const net = new Net().to(device);
    const opt = new torch.optim.SGD(net.parameters(), {
      lr: 0.01,
      momentum: 0.9,
    });
    const x = torch.randn(batch, 1, 32, 32, { device });
    const y = torch.randint(0, 10, [batch], { device });
    return batch / time(device, reps, () => {
      opt.zero_grad();
      torch.nn.functional.cross_entropy(net(x), y).backward();
      opt.step();
    });
  };
  rows.push({
    workload: `LeNet train step, batch ${batch}`,
    unit: "images/s",
    gpu: rate("webgpu", quick ? 3 : 20),
    cpu: rate("cpu", 3),
  });
}

const fmt = (v: number | undefined) =>
  v === undefined ? "—" : v >= 100 ? v.toFixed(0) : v.toPrecision(3);
console.log(
  `WebGPU: ${torch.webgpu.get_device_name()}; Deno ${Deno.version.deno}\n`,
);
console.log("| workload | unit | webgpu | cpu (same run) |");
console.log("|---|---|---:|---:|");
for (const r of rows) {
  console.log(
    `| ${r.workload} | ${r.unit} | ${fmt(r.gpu)} | ${fmt(r.cpu)} |`,
  );
}
