// Elementwise, reduction, copy and per-op-overhead benchmarks, float32, in one table against
// TensorFlow.js (its `cpu` and `wasm` backends) and PyTorch (1 and 2 threads), all in the same run.
//
//   npm run bench                                             (installs bench/'s peers, then Deno)
//   deno run --allow-read --allow-run --allow-env bench/ops.ts           (or: bun bench/ops.ts)
//
// TensorFlow.js comes from bench/package.json (`cd bench && npm install`), so that the root
// install stays lean; without it the tfjs columns say so and the rest still runs. PyTorch runs
// in /usr/bin/python3 through bench/ops_pytorch.py, and is skipped, visibly, without torch.
//
// Workloads (N = 16M = 2^24 elements, all float32, inputs standard normal): add, mul (two N
// inputs), exp, relu, sum (to a scalar) of one N input, transpose-copy of a 4096x4096 matrix, and
// a 1024x1024 matmul (GFLOP/s; flambeau's goes to OpenBLAS where it is loaded, see
// torch.backends.cpu.info()).
// Every workload that writes an N-element result is timed two or three ways:
//
//   out=      into an output allocated once beforehand: `torch.add(a, b, { out: o })`, ...,
//             transpose-copy as `o.copy_(m.t())`; PyTorch the same with `out=` and `copy_`
//             (its relu has no out=: `torch.clamp_min(a, 0, out=o)`, the kernel torch.relu
//             calls). TensorFlow.js has no out=: its cells say "—".
//   in place  `a.add_(b)`, `a.mul_(c)` on tensors kept for that (they are mutated; c is ±1 so
//             that repeated mul_ neither overflows nor sinks into denormals). Not tfjs.
//   new       a new output per call, as a user's first line would: `torch.add(a, b)`, ...,
//             `m.t().contiguous()` (tfjs: `tf.transpose(m)`, which always materializes).
//
// On this VM a new 64 MiB output costs ~200 ms of page faults on its first touch, in every
// library that asks the OS for it (flambeau, tfjs cpu and PyTorch alike), which swamps the
// kernels: the "new" rows are marked page-fault bound, their target cell shows the GB/s
// those page faults alone would allow, and the targets are judged on the out= and in-place
// rows. The "page faults" row measures that floor (a fresh N-element Float32Array /
// torch.empty filled once, less a fill of one already touched; the least of 5 tries). tfjs
// wasm allocates from its own heap and reuses it after dispose(), so its "new" rows pay no
// page faults and compare with the out= rows. Each is reported as ms per call and as
//
//   GB/s = (bytes read + bytes written) / time, with 1 GB = 1e9 bytes:
//     add, mul: 3 * 4 * N bytes  (two inputs read, one output written)
//     exp, relu, transpose-copy: 2 * 4 * N bytes  (one read, one written)
//     sum: 4 * N bytes  (the scalar written is not counted)
//
// Then two per-op overheads in µs per call (flambeau's measured first, and again last with the
// large tensors alive, since a collector may slow small allocations then): `torch.add(a, b)` of
// two 1-element tensors, and `a.mul(b)` of two 64x64 where `a` requires grad (so each call records a graph node). TensorFlow.js
// has no per-tensor autograd: its 64x64 row is a plain `tf.mul`. TensorFlow.js results are freed
// with dispose() inside the timed call (that is how its memory is managed); ours and PyTorch's
// are left to the garbage collector / refcount.
//
// Timing: a single call is timed, after warm-up (at least one call, more until WARMUP_MS);
// then MIN_REPS to MAX_REPS calls (stopping once BUDGET_MS is spent past MIN_REPS) and the
// median is reported. Per-op overheads: loops sized to about LOOP_MS each, the median of
// LOOP_REPS loops. Ratio columns: our time / the peer's time (the peer's GB/s / ours); above 1
// means we are slower. Flambeau's elementwise rows run on one thread (torch.set_num_threads(1));
// its products without a BLAS, its convolution, its LeNet step and second exp and sum rows on
// every core (rows ⁷, ⁸, ⁹, ¹⁰). The
// conv2d row is LeNet's second layer at batch 64, the LeNet row one SGD step of the tutorial's
// net at batch 64, both in images/s. The wasm backend of TensorFlow.js runs its
// SIMD build on one thread under Deno and Bun: tfjs turns the threaded build off whenever it
// sees Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false when `IS_NODE`), and forcing it on fails
// (the pthread worker is a blob: URL that node:worker_threads refuses). setThreadsCount(2) is
// still asked for, and the thread count the backend reports is printed.

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";
import { unaryFns } from "../src/ops/methods.ts";

const N = 1 << 24, SIDE = 4096, MM = 1024;
const WARMUP_MS = 300, MIN_REPS = 5, MAX_REPS = 15, BUDGET_MS = 1500;
/**
 * The LeNet step's warm-up, on both sides: a training job runs its step for minutes, and the step
 * speeds up over its first seconds (medians of half-second windows from the start of a process:
 * 7.5k, 8.6k, 10.4k, 12.0k, 14.0k, then 15.7k to 16.4k images/s from 3 s on; Bun alike; the same
 * with V8's WebAssembly baseline compiler off, so not the modules' tiering).
 */
const TRAIN_WARMUP_MS = 4000;
const LOOP_MS = 100, LOOP_REPS = 7;
const WASM_THREADS = 2;

type Kind = "bw" | "us" | "ms" | "flops" | "images";
interface Workload {
  key: string;
  label: string;
  kind: Kind; // "bw": ms per call shown with GB/s; "flops": with GFLOP/s; "images": with images/s; "us": µs per call; "ms": a plain duration
  bytes?: number; // bytes read + written, for "bw"; floating-point operations, for "flops"; images per call, for "images"
  target?: { op: ">=" | "<="; value: number }; // GB/s for "bw", µs for "us"
  fresh?: true; // a new output per call: page-fault bound, not judged against the target
}

const ge = (value: number) => ({ op: ">=" as const, value });
const bw = (
  key: string,
  label: string,
  bytes: number,
  target?: number,
): Workload => ({
  key,
  label,
  kind: "bw",
  bytes,
  ...(target === undefined ? { fresh: true } : { target: ge(target) }),
});

const WORKLOADS: Workload[] = [
  bw("add_out", "add 16M, out=", 12 * N, 12),
  bw("add_inplace", "add 16M, a.add_(b)", 12 * N, 12),
  bw("add", "add 16M, new ²", 12 * N),
  bw("mul_out", "mul 16M, out=", 12 * N, 12),
  bw("mul_inplace", "mul 16M, a.mul_(c)", 12 * N, 12),
  bw("mul", "mul 16M, new ²", 12 * N),
  bw("exp_out", "exp 16M, out=", 8 * N, 1.5),
  // Issue 14's goal, on every core (the other elementwise rows: one thread, issue 10's goals).
  bw("exp_out_threads", "exp 16M, out=, all cores ⁹", 8 * N, 8),
  bw("exp", "exp 16M, new ²", 8 * N),
  bw("relu_out", "relu 16M, out= ³", 8 * N, 12),
  bw("relu", "relu 16M, new ²", 8 * N),
  bw("sum", "sum 16M", 4 * N, 15),
  // Issue 14's goal for sums, on every core.
  bw("sum_threads", "sum 16M, all cores ¹⁰", 4 * N, 40),
  bw("transpose_out", "transpose-copy 4096², out=", 8 * SIDE * SIDE, 3),
  bw("transpose", "transpose-copy 4096², new ²", 8 * SIDE * SIDE),
  {
    key: "matmul",
    label: "matmul 1024² ⁶",
    kind: "flops",
    bytes: 2 * MM ** 3,
    // Issue 14's goals: 170 through a system BLAS, 100 without one.
    target: {
      op: ">=",
      value: torch.backends.cpu.info().matmul === "openblas" ? 170 : 100,
    },
  },
  {
    key: "matmul_wasm",
    label: "matmul 1024², no BLAS ⁷",
    kind: "flops",
    bytes: 2 * MM ** 3,
    target: { op: ">=", value: 100 },
  },
  {
    key: "conv",
    label: "conv2d 64x6x14x14 * 16x6x5x5 ⁸",
    kind: "images",
    bytes: 64,
    target: { op: ">=", value: 300_000 },
  },
  {
    key: "lenet",
    label: "LeNet train step, batch 64 ⁸",
    kind: "images",
    bytes: 64,
    target: { op: ">=", value: 12_000 },
  },
  { key: "pages", label: "page faults, new 64 MiB ⁴", kind: "ms" },
  {
    key: "add1",
    label: "add 1-elem",
    kind: "us",
    target: { op: "<=", value: 1.5 },
  },
  {
    key: "mul64grad",
    label: "mul 64x64, grad ¹",
    kind: "us",
    target: { op: "<=", value: 5 },
  },
  { key: "add1_loaded", label: "add 1-elem, 448 MiB alive ⁵", kind: "us" },
  {
    key: "mul64grad_loaded",
    label: "mul 64x64, grad, 448 MiB alive ⁵",
    kind: "us",
  },
];

/** ms (for "bw") or µs (for "us") per workload key; a string says why a column is empty. */
type Results = Record<string, number>;
interface Column {
  name: string;
  results: Results | string;
}

// ---------------------------------------------------------------------------------------------
// Timing (bench/ops_pytorch.py mirrors these two)

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median ms of single calls, after warm-up. */
function timeCall(fn: () => void, warmupMs = WARMUP_MS): number {
  let start = performance.now();
  fn();
  while (performance.now() - start < warmupMs) fn();
  const times: number[] = [];
  start = performance.now();
  while (
    times.length < MAX_REPS &&
    (times.length < MIN_REPS || performance.now() - start < BUDGET_MS)
  ) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Median µs per call of loops sized to take about LOOP_MS each. */
function timeLoop(fn: () => void): number {
  let n = 1, ms: number;
  for (;;) { // calibration doubles as warm-up
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    ms = performance.now() - t0;
    if (ms >= LOOP_MS / 4) break;
    n *= 4;
  }
  n = Math.max(1, Math.round(n * LOOP_MS / ms));
  const perCall: number[] = [];
  for (let r = 0; r < LOOP_REPS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    perCall.push((performance.now() - t0) * 1000 / n);
  }
  return median(perCall);
}

// ---------------------------------------------------------------------------------------------
// flambeau

/** ms for a fresh N-element Float32Array, first touched, less a fill of one already touched:
 * the cost of the page faults every "new output" pays on this machine. The least of 5 tries
 * each, as this is a floor (a busy machine only adds to it). */
function freshPages(): number {
  const fill = (v: Float32Array, x: number) => {
    const t = performance.now();
    v.fill(x);
    return performance.now() - t;
  };
  const tries = [0, 1, 2, 3, 4];
  const fresh = Math.min(...tries.map(() => fill(new Float32Array(N), 1)));
  const v = new Float32Array(N).fill(1);
  return fresh - Math.min(...tries.map(() => fill(v, 2)));
}

const CORES = torch.get_num_threads();

/** One training step of the tutorial's LeNet at batch 64: forward, cross-entropy, backward, SGD. */
function lenetStep(): () => void {
  const { nn, optim } = torch;
  const F = nn.functional;
  class Net extends nn.Module {
    conv1 = new nn.Conv2d(1, 6, 5);
    conv2 = new nn.Conv2d(6, 16, 5);
    fc1 = new nn.Linear(400, 120);
    fc2 = new nn.Linear(120, 84);
    fc3 = new nn.Linear(84, 10);
    forward(x: torch.Tensor): torch.Tensor {
      x = F.max_pool2d(F.relu(this.conv1(x)), 2) as torch.Tensor;
      x = (F.max_pool2d(F.relu(this.conv2(x)), 2) as torch.Tensor).view(
        -1,
        400,
      );
      return this.fc3(F.relu(this.fc2(F.relu(this.fc1(x)))));
    }
  }
  const net = new Net();
  const opt = new optim.SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const x = torch.randn(64, 1, 32, 32), y = torch.arange(64).remainder(10);
  return () => {
    opt.zero_grad();
    F.cross_entropy(net(x), y).backward();
    opt.step();
  };
}

function flambeau(): Results {
  // Elementwise rows on one thread, as the targets are set (the products below say).
  torch.set_num_threads(1);
  torch.manual_seed(0);
  const out: Results = {};
  // The per-op overheads first, before any large tensor exists, and again at the end with the
  // seven 64 MiB tensors below alive (⁵): a runtime's collector may slow small allocations
  // when much large-array memory is alive (JavaScriptCore does).
  const s1 = torch.randn(1), s2 = torch.randn(1);
  const g = torch.randn(64, 64).requires_grad_(), h = torch.randn(64, 64);
  out.add1 = timeLoop(() => torch.add(s1, s2));
  out.mul64grad = timeLoop(() => g.mul(h));
  // The products, the convolution and the training step next, also before the 64 MiB tensors
  // exist: with those alive, every new output of a few MiB may cost the collector a full pass.
  // The products on every core, as their footnotes say (left on the elementwise rows' one
  // thread, OpenBLAS ran this one at 85 GFLOP/s, against 175 to 181 on two).
  torch.set_num_threads(CORES);
  const ma = torch.randn(MM, MM), mb = torch.randn(MM, MM);
  out.matmul = timeCall(() => ma.matmul(mb));
  // Without the system BLAS: the WebAssembly SIMD kernel, on every core (its helper threads are
  // up by the time the warm-up ends).
  const blasMode = torch.backends.cpu.info().mode;
  torch.backends.cpu.set_blas("off");
  const t0 = performance.now();
  while (
    torch.backends.cpu.info().simd_threads < CORES &&
    performance.now() - t0 < 3000
  ) ma.matmul(mb);
  out.matmul_wasm = timeCall(() => ma.matmul(mb));
  torch.set_num_threads(1);
  torch.backends.cpu.set_blas(blasMode);
  // The convolution and the training step as a program runs them: every core, the BLAS if loaded.
  torch.set_num_threads(CORES);
  const cx = torch.randn(64, 6, 14, 14), cw = torch.randn(16, 6, 5, 5);
  out.conv = timeCall(() => torch.nn.functional.conv2d(cx, cw));
  out.lenet = timeCall(lenetStep(), TRAIN_WARMUP_MS);
  const x = torch.randn(N), y = torch.randn(N), o = torch.empty(N);
  const into = (f: () => torch.Tensor) => () => {
    if (f() !== o) throw new Error("an out= call returned a new tensor");
  };
  out.exp_out_threads = timeCall(into(() => torch.exp(x, { out: o })));
  out.sum_threads = timeCall(() => torch.sum(x));
  torch.set_num_threads(1);
  out.add_out = timeCall(into(() => torch.add(x, y, { out: o })));
  out.mul_out = timeCall(into(() => torch.mul(x, y, { out: o })));
  out.exp_out = timeCall(into(() => torch.exp(x, { out: o })));
  // torch.relu has no out= (PyTorch's side times clamp_min(a, 0, out=o)); the relu kernel's out
  // path is timed through the table's unbound function.
  out.relu_out = timeCall(into(() => unaryFns.relu(x, { out: o })));
  const a = x.clone(), c = torch.sign(y); // c is ±1: a.mul_(c) keeps |a|
  out.add_inplace = timeCall(() => a.add_(y));
  out.mul_inplace = timeCall(() => a.mul_(c));
  out.add = timeCall(() => torch.add(x, y));
  out.mul = timeCall(() => torch.mul(x, y));
  out.exp = timeCall(() => torch.exp(x));
  out.relu = timeCall(() => torch.relu(x));
  out.sum = timeCall(() => torch.sum(x));
  const m = torch.randn(SIDE, SIDE), mo = torch.empty(SIDE, SIDE);
  out.transpose_out = timeCall(() => mo.copy_(m.t()));
  out.transpose = timeCall(() => m.t().contiguous());
  out.pages = freshPages();
  out.add1_loaded = timeLoop(() => torch.add(s1, s2));
  out.mul64grad_loaded = timeLoop(() => g.mul(h));
  return out;
}

/** The SIMD kernel's flavour (the no-BLAS matmul row's footnote). */
function describeSimd(): string {
  const s = torch.backends.cpu.info().simd;
  return s === "relaxed"
    ? "relaxed SIMD, fused multiply-add"
    : s ?? "no SIMD here: JavaScript";
}

/** What flambeau's matrix products ran on (the matmul row's footnote). */
function describeBlas(): string {
  const i = torch.backends.cpu.info();
  return i.matmul === "openblas"
    ? `OpenBLAS (${i.library}, ${i.threads} threads)`
    : i.matmul === "webassembly"
    ? "its WebAssembly SIMD kernel (OpenBLAS was not loaded; one thread here)"
    : "its JavaScript kernel (one thread; OpenBLAS was not loaded)";
}

// ---------------------------------------------------------------------------------------------
// TensorFlow.js, imported dynamically (through a variable, so that `deno check` does not need
// bench/node_modules) and typed by the little of its API used here.

interface TfTensor {
  dispose(): void;
}
interface Tf {
  version_core: string;
  setBackend(name: string): Promise<boolean>;
  getBackend(): string;
  enableProdMode(): void;
  tensor(values: Float32Array, shape: number[], dtype: "float32"): TfTensor;
  add(a: TfTensor, b: TfTensor): TfTensor;
  mul(a: TfTensor, b: TfTensor): TfTensor;
  exp(a: TfTensor): TfTensor;
  relu(a: TfTensor): TfTensor;
  sum(a: TfTensor): TfTensor;
  transpose(a: TfTensor): TfTensor;
  matMul(a: TfTensor, b: TfTensor): TfTensor;
  conv2d(x: TfTensor, w: TfTensor, strides: number, pad: "valid"): TfTensor;
}
interface TfWasm {
  version_wasm: string;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

async function importTf(): Promise<{ tf: Tf; wasm: TfWasm } | string> {
  const specs = [
    "@tensorflow/tfjs-core",
    "@tensorflow/tfjs-backend-cpu",
    "@tensorflow/tfjs-backend-wasm",
  ];
  try {
    const [tf, , wasm] = await Promise.all(specs.map((s) => import(s)));
    return { tf: tf as Tf, wasm: wasm as TfWasm };
  } catch (e) {
    console.error(
      `TensorFlow.js not found (${String(e).split("\n")[0]}).\n` +
        "  Install the bench's peers with: cd bench && npm install   (npm run bench does this)\n" +
        "  Going on without the tfjs columns.\n",
    );
    return "(not installed)";
  }
}

/** Uniform in [-2, 2): the values do not matter to the timings, only that exp stays finite. */
function noise(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s / 2 ** 30 - 2;
  }
  return v;
}

async function tfColumn(tf: Tf, backend: string): Promise<Results | string> {
  try {
    if (!(await tf.setBackend(backend))) return `(${backend}: no backend)`;
  } catch (e) {
    return `(${backend}: ${String(e).split("\n")[0]})`;
  }
  const out: Results = {};
  const call = (f: () => TfTensor) => () => f().dispose();
  const x = tf.tensor(noise(N, 1), [N], "float32");
  const y = tf.tensor(noise(N, 2), [N], "float32");
  out.add = timeCall(call(() => tf.add(x, y)));
  out.mul = timeCall(call(() => tf.mul(x, y)));
  out.exp = timeCall(call(() => tf.exp(x)));
  out.relu = timeCall(call(() => tf.relu(x)));
  out.sum = timeCall(call(() => tf.sum(x)));
  out.sum_threads = out.sum;
  x.dispose(), y.dispose();
  const m = tf.tensor(noise(SIDE * SIDE, 3), [SIDE, SIDE], "float32");
  out.transpose = timeCall(call(() => tf.transpose(m)));
  m.dispose();
  const ma = tf.tensor(noise(MM * MM, 8), [MM, MM], "float32");
  const mb = tf.tensor(noise(MM * MM, 9), [MM, MM], "float32");
  out.matmul = timeCall(call(() => tf.matMul(ma, mb)));
  out.matmul_wasm = out.matmul;
  ma.dispose(), mb.dispose();
  // NHWC, tfjs's layout: the same convolution as flambeau's NCHW one.
  const cx = tf.tensor(noise(64 * 14 * 14 * 6, 10), [64, 14, 14, 6], "float32");
  const cw = tf.tensor(noise(5 * 5 * 6 * 16, 11), [5, 5, 6, 16], "float32");
  out.conv = timeCall(call(() => tf.conv2d(cx, cw, 1, "valid")));
  cx.dispose(), cw.dispose();
  const s1 = tf.tensor(noise(1, 4), [1], "float32");
  const s2 = tf.tensor(noise(1, 5), [1], "float32");
  out.add1 = timeLoop(call(() => tf.add(s1, s2)));
  const g = tf.tensor(noise(64 * 64, 6), [64, 64], "float32");
  const h = tf.tensor(noise(64 * 64, 7), [64, 64], "float32");
  out.mul64grad = timeLoop(call(() => tf.mul(g, h)));
  for (const t of [s1, s2, g, h]) t.dispose();
  return out;
}

// ---------------------------------------------------------------------------------------------
// PyTorch

function pytorch(threads: number[]): { version?: string; columns: Column[] } {
  const names = threads.map((t) => `torch ${t} thr`);
  const empty = (why: string) => ({
    columns: names.map((name) => ({ name, results: why })),
  });
  const cfg = {
    threads,
    n: N,
    side: SIDE,
    mm: MM,
    warmup_ms: WARMUP_MS,
    train_warmup_ms: TRAIN_WARMUP_MS,
    min_reps: MIN_REPS,
    max_reps: MAX_REPS,
    budget_ms: BUDGET_MS,
    loop_ms: LOOP_MS,
    loop_reps: LOOP_REPS,
  };
  const script = fileURLToPath(new URL("./ops_pytorch.py", import.meta.url));
  const r = spawnSync("/usr/bin/python3", [script, JSON.stringify(cfg)], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.error) return empty("(no /usr/bin/python3)");
  if (r.status !== 0) {
    if (/No module named .?torch/.test(r.stderr)) return empty("(no torch)");
    console.error(`bench/ops_pytorch.py failed:\n${r.stderr.slice(-2000)}`);
    return empty("(failed)");
  }
  const parsed = JSON.parse(r.stdout) as {
    torch: string;
    results: Record<string, Results>;
  };
  return {
    version: parsed.torch,
    columns: threads.map((t, i) => ({
      name: names[i],
      results: parsed.results[String(t)],
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// The table

function runtimeName(): string {
  const g = globalThis as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
  };
  if (g.Bun) return `Bun ${g.Bun.version}`;
  if (g.Deno) return `Deno ${g.Deno.version.deno}`;
  return "unknown runtime";
}

const gbs = (w: Workload, ms: number) => w.bytes! / (ms * 1e6);
const fix = (v: number, width: number) =>
  (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)).padStart(
    width,
  );

function cell(w: Workload, v: number): string {
  if (w.kind === "bw") return `${fix(gbs(w, v), 6)} GB/s ${fix(v, 6)} ms`;
  if (w.kind === "images") {
    return `${(w.bytes! * 1000 / v).toFixed(0).padStart(7)} img/s ${
      fix(v, 6)
    } ms`;
  }
  if (w.kind === "flops") {
    return `${fix(gbs(w, v), 6)} GFLOP/s ${fix(v, 6)} ms`;
  }
  return w.kind === "us" ? `${fix(v, 6)} µs` : `${fix(v, 6)} ms`;
}

/** The goal and pass/FAIL; for a "new output" row, the GB/s its page faults alone would allow. */
function targetCell(w: Workload, v: number | undefined, pages: number): string {
  if (w.fresh) {
    return `page-fault bound (≈ ${fix(gbs(w, pages), 4).trim()} GB/s)`;
  }
  if (!w.target) return "";
  const unit = w.kind === "bw"
    ? "GB/s"
    : w.kind === "flops"
    ? "GFLOP/s"
    : w.kind === "images"
    ? "img/s"
    : "µs";
  const goal = `${w.target.op === ">=" ? "≥" : "≤"} ${w.target.value} ${unit}`;
  if (v === undefined) return goal;
  const x = w.kind === "bw" || w.kind === "flops"
    ? gbs(w, v)
    : w.kind === "images"
    ? w.bytes! * 1000 / v
    : v;
  const pass = w.target.op === ">=" ? x >= w.target.value : x <= w.target.value;
  return `${goal.padEnd(11)} ${pass ? "pass" : "FAIL"}`;
}

function table(ours: Results, peers: Column[]): string {
  const header = [
    "workload",
    "flambeau",
    "target",
    ...peers.map((p) => p.name),
  ];
  const rows = WORKLOADS.map((w) => [
    w.label,
    cell(w, ours[w.key]),
    targetCell(w, ours[w.key], ours.pages),
    ...peers.map((p) => {
      if (typeof p.results === "string") return p.results;
      const v = p.results[w.key];
      if (v === undefined) return "—";
      return w.kind === "ms"
        ? cell(w, v)
        : `${cell(w, v)} ${fix(ours[w.key] / v, 5)}x`;
    }),
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length))
  );
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

// ---------------------------------------------------------------------------------------------

const t0 = performance.now();
const notes: string[] = [];
const log = (s: string) =>
  console.error(`[${((performance.now() - t0) / 1000).toFixed(1)} s] ${s}`);

log("flambeau ...");
const ours = flambeau();

const peers: Column[] = [];
const tfm = await importTf();
if (typeof tfm === "string") {
  peers.push({ name: "tfjs cpu", results: tfm }, {
    name: "tfjs wasm",
    results: tfm,
  });
  notes.push("TensorFlow.js columns: run `cd bench && npm install` first");
} else {
  const { tf, wasm } = tfm;
  tf.enableProdMode(); // also silences the "install tfjs-node" banner
  log("tfjs cpu ...");
  peers.push({ name: "tfjs cpu", results: await tfColumn(tf, "cpu") });
  log("tfjs wasm ...");
  wasm.setThreadsCount(WASM_THREADS);
  const results = await tfColumn(tf, "wasm");
  let name = "tfjs wasm";
  if (typeof results !== "string") {
    const n = wasm.getThreadsCount();
    name += ` ${n} thr`;
    if (n !== WASM_THREADS) {
      notes.push(
        `tfjs wasm: asked for ${WASM_THREADS} threads, runs on ${n} (the threaded build is off under Node-like runtimes)`,
      );
    }
  }
  peers.push({ name, results });
  notes.push(`TensorFlow.js ${tf.version_core} (wasm ${wasm.version_wasm})`);
}

log("PyTorch ...");
const py = pytorch([1, 2]);
peers.push(...py.columns);
if (py.version) notes.push(`PyTorch ${py.version} (/usr/bin/python3)`);
log("done");
const pages = ours.pages;
notes.push(
  `A new 64 MiB output costs ${
    pages.toFixed(1)
  } ms of page faults here (flambeau's ` +
    `column; PyTorch's measure torch.empty) before any arithmetic: without buffer reuse, add ` +
    `and mul cannot pass ${
      fix(gbs(WORKLOADS[0], pages), 4).trim()
    } GB/s, nor exp, relu and ` +
    `transpose-copy ${fix(8 * N / (pages * 1e6), 4).trim()} GB/s`,
);

console.log(
  `\nflambeau float32 (elementwise rows on one thread), on ${runtimeName()}; median of ${MIN_REPS}-${MAX_REPS} calls ` +
    `after warm-up (per-op rows: median of ${LOOP_REPS} loops of ~${LOOP_MS} ms)`,
);
console.log(
  "GB/s = (bytes read + written) / time; ratio = flambeau's time / the peer's (above 1: flambeau slower)",
);
console.log(
  'Targets are judged on the out= and in-place rows; the "new" rows are page-fault bound here\n',
);
console.log(table(ours, peers));
console.log(
  [
    "",
    "¹ a.mul(b), a requires grad (records a graph node); tfjs: a plain tf.mul of 64x64 (no per-tensor autograd)",
    "² a new output per call (torch.add(a, b), ..., m.t().contiguous(); tfjs disposes it inside the call).",
    "  Page-fault bound on this VM, so not judged: the target cell is the GB/s that flambeau's",
    "  page faults alone (row ⁴) would allow, with no arithmetic at all.",
    '  tfjs wasm takes its outputs from its own heap, reused after dispose(): its "new" rows pay no page',
    '  faults and compare with the out= rows. TensorFlow.js has no out= or in-place ops ("—").',
    "³ PyTorch: torch.clamp_min(a, 0, out=o); torch.relu has no out=, and is clamp_min(a, 0) underneath",
    "⁴ first touch of a new N-element Float32Array (flambeau's column) / torch.empty(N) (PyTorch's),",
    "  filled once, less a fill of one already touched; the least of 5 tries each",
    "⁵ flambeau only: the two per-op rows again, measured last, with the 16M and 4096² tensors of the",
    "  rows above alive (seven of 64 MiB); the judged rows are measured first, before any exists",
    `⁶ float32 a.matmul(b), a new output per call; GFLOP/s = 2·1024³ / time. flambeau's CPU matmul: ${describeBlas()}`,
    `⁷ the same product with torch.backends.cpu.set_blas("off"): flambeau's WebAssembly SIMD kernel (${describeSimd()}), ${CORES} threads;`,
    "  the peers' cells repeat their row ⁶ (tfjs has no BLAS either; PyTorch's is its own)",
    `⁸ flambeau on ${CORES} threads (the products; the rest is one thread) with the BLAS where loaded;`,
    "  the LeNet step is forward, cross-entropy, backward and SGD (momentum 0.9), timed after 4 s of steps",
    '  on both sides (a training job\'s steady state: the step speeds up over its first seconds); tfjs: not written ("—")',
    `⁹ the exp row above on ${CORES} threads: from 2^18 elements a helper thread computes blocks of a float32 exp;`,
    "  PyTorch's cells: its exp out= at each column's thread count",
    `¹⁰ the sum row above on ${CORES} threads: a float32 row longer than 2^16 is summed a block of 2^16 at a time,`,
    "  and from 2^18 elements in a tensor's own WebAssembly memory (16 MiB and up) the helper sums blocks too;",
    "  the peers' cells repeat their sum row (PyTorch's at each column's thread count)",
  ].join("\n"),
);
for (const n of notes) console.log(n);
