// float32 maps, exp and sums over tensors whose buffers are WebAssembly memories (wasm_storage.ts):
// the kernels read the operands and write the output where they are, so nothing is copied, and from
// SPLIT_MIN elements the CPU's helper thread (conv_thread.ts) computes blocks of it too, handed the
// memories through its message port. Both threads claim blocks from one counter, so a helper that
// wakes late or loses its core leaves the blocks to this thread; this thread returns only once
// every block is done and the helper is out of the job (a helper that never joined is shut out by
// the job's gate). Either thread gives the copying path's bits (the same kernels; a sum's blocks
// each into a slot of their own, which the caller adds in order).

import {
  convHelper,
  Ctl,
  helperPort,
  helperSettled,
  joinConv,
  nextRequest,
  postConv,
} from "./wasm_conv.ts";
import {
  exp32Code,
  fixExp32,
  MAP_STEP,
  mapApartCode,
  sumBlocksCode,
  wasmMap,
} from "./wasm_maps.ts";
import { exp32 } from "./exp32.ts";
import { addHelperBlocks, spin, TEST_STALL_MS } from "./exp_split.ts";
import { assembleOver } from "./wasm.ts";
import { memoryOf } from "./wasm_storage.ts";
import { RuntimeError } from "../../errors.ts";
import { envVar } from "../env.ts";

type MapName = Parameters<typeof wasmMap>[0];

/** The job's kind word (at Ctl.Job): conv.ts's are 0 to 2, exp_split.ts's 16. */
export const INPLACE_JOB = 17;

/** The job's words, from Ctl.Job. */
const enum Word {
  Kind = 0,
  /** The request's number while the helper may join; −1 once it has, 0 once shut. */
  Gate = 1,
  /** The next block to claim, and the blocks finished. */
  Next = 2,
  Finished = 3,
  /** Elements the blocks cover, and where the operands and the output start in their memories. */
  N = 4,
  A = 5,
  B = 6,
  Out = 7,
  /** Floats of a claim: BLOCK, or for a sum several of its blocks. */
  Claim = 8,
}

/** Floats of a block (256 KiB); also the blocks of a long float32 sum (reduce.ts). */
export const BLOCK = 1 << 16;
/** From this many elements the helper takes blocks too. */
const SPLIT_MIN = 1 << 18;
/** How long a job waits for the helper to finish its last one before going alone. */
const SETTLE_MS = 0.3;
/** How long this thread waits for the helper's last block before raising, rather than hang. */
const JOIN_TIMEOUT_MS = 120_000;

/** What runs on each claim of blocks, posted to the helper as it is. */
interface Spec {
  /**
   * "exp": exp32Code's kernel, memories input and output; "map": a map's, a, b and output;
   * "sum": sumBlocksCode's, input and the blocks' accumulators.
   */
  kind: "exp" | "map" | "sum";
  module: WebAssembly.Module;
  memories: WebAssembly.Memory[];
  /** A map's scalar second operand (null where it has a tensor). */
  scalar: number | null;
}

/** The job's kernel over its memories, as a function of the block. */
function blockRunner(spec: Spec, job: Int32Array): (b: number) => void {
  const env = Object.fromEntries(spec.memories.map((m, i) => [`m${i}`, m]));
  const kernel = new WebAssembly.Instance(spec.module, { env }).exports;
  const n = job[Word.N], a = job[Word.A], b = job[Word.B], o = job[Word.Out];
  if (spec.kind === "exp") {
    const exp = kernel.exp32 as (
      a: number,
      dst: number,
      bytes: number,
    ) => number;
    const A = new Float32Array(spec.memories[0].buffer);
    const O = new Float32Array(spec.memories[1].buffer);
    // Whole vectors through the kernel; inputs outside exp32's range and the last n mod 4
    // elements in JavaScript (the same bits).
    return (blk) => {
      const from = blk * BLOCK,
        len = Math.min(BLOCK, n - from),
        whole = len & ~3;
      if (whole > 0 && exp(4 * (a + from), 4 * (o + from), 4 * whole)) {
        fixExp32(O, o + from, A, a + from, whole);
      }
      for (let i = whole; i < len; i++) {
        O[o + from + i] = exp32(A[a + from + i]);
      }
    };
  }
  if (spec.kind === "sum") {
    const sums = kernel.sumBlocks as (
      a: number,
      blocks: number,
      lastBytes: number,
      acc: number,
    ) => void;
    // The claim's blocks, each into its eight accumulators at 64·b bytes, from zero; the last
    // n mod 8 floats of the last block are the caller's.
    const per = job[Word.Claim] / BLOCK, blocks = Math.ceil(n / BLOCK);
    return (c) => {
      const first = c * per, count = Math.min(per, blocks - first);
      const last = Math.min(BLOCK, n - (first + count - 1) * BLOCK);
      sums(4 * (a + first * BLOCK), count, 4 * (last & ~7), 64 * first);
    };
  }
  const map = kernel.map as (
    a: number,
    dst: number,
    bytes: number,
    b: number,
  ) => void;
  const scalar = spec.scalar;
  return (blk) => {
    const from = blk * BLOCK, len = Math.min(BLOCK, n - from);
    map(4 * (a + from), 4 * (o + from), 4 * len, scalar ?? 4 * (b + from));
  };
}

/**
 * A test hook (tests/inplace_helper.test.ts): the helper raises on the first block it claims, as
 * a helper that fails mid-job would, leaving that block unfinished.
 */
const TEST_RAISE = envVar("FLAMBEAU_TEST_INPLACE_RAISE") === "1";

/** Claims and runs claims of the job until none are left; how many it ran. */
function claimBlocks(
  job: Int32Array,
  run: (b: number) => void,
  stall = 0,
): number {
  const blocks = Math.ceil(job[Word.N] / job[Word.Claim]);
  for (let ran = 0;; ran++) {
    const b = Atomics.add(job, Word.Next, 1);
    if (b >= blocks) return ran;
    if (stall > 0) spin(stall);
    run(b);
    Atomics.add(job, Word.Finished, 1);
  }
}

let jobs = 0;

/** Ops run over the tensors' own memories so far (torch.backends.cpu.info().inplace_ops). */
export function inPlaceOps(): number {
  return jobs;
}

/**
 * Runs `spec` over n elements (a multiple of MAP_STEP for a map) from a, b and out (elements
 * into their memories), `claim` elements at a time, with the helper from SPLIT_MIN elements where
 * it is free; the claims the helper ran.
 */
function runJob(
  spec: Spec,
  n: number,
  a: number,
  b: number,
  out: number,
  claim = BLOCK,
): number {
  jobs++;
  const words = new Int32Array([INPLACE_JOB, 0, 0, 0, n, a, b, out, claim]);
  const ctl = n >= SPLIT_MIN ? convHelper() : null;
  if (!ctl || !helperSettled(SETTLE_MS)) {
    const run = blockRunner(spec, words);
    for (let blk = 0; blk * claim < n; blk++) run(blk);
    return 0;
  }
  const job = ctl.subarray(Ctl.Job), request = nextRequest();
  job.set(words);
  Atomics.store(job, Word.Gate, request);
  helperPort().postMessage({ request, ...spec });
  postConv();
  const blocks = Math.ceil(n / claim);
  const run = blockRunner(spec, job), mine = claimBlocks(job, run);
  // A helper that has not joined by now is shut out; one that has finishes its last block.
  if (Atomics.compareExchange(job, Word.Gate, request, 0) === request) return 0;
  for (
    const t0 = performance.now();
    Atomics.load(job, Word.Finished) < blocks;
  ) {
    if (Atomics.load(ctl, Ctl.Done) === request) {
      // The helper left with a block unfinished: it raised (joinConv retires it). Every block
      // again here, which rewrites the finished ones with the same values.
      for (let blk = 0; blk < blocks; blk++) run(blk);
      break;
    }
    if (performance.now() - t0 > JOIN_TIMEOUT_MS) {
      throw new RuntimeError(
        `a CPU helper thread did not finish its blocks of an elementwise op in ${
          JOIN_TIMEOUT_MS / 1000
        } s`,
      );
    }
  }
  return joinConv() ? blocks - mine : 0;
}

/**
 * The helper's side (conv_thread.ts): the job's spec from its port (the message of this request:
 * those of requests it never woke for are dropped), then blocks until none are left, unless the
 * caller shut the gate first.
 */
export function runInPlaceJob(
  ctl: Int32Array,
  request: number,
  port: { receive(): unknown },
): void {
  let m: (Spec & { request: number }) | undefined;
  do {
    m = port.receive() as typeof m;
  } while (m && m.request !== request);
  if (!m) throw new Error("an in-place job came without its memories");
  const job = ctl.subarray(Ctl.Job);
  if (Atomics.compareExchange(job, Word.Gate, request, -1) !== request) return;
  const run = TEST_RAISE
    ? () => {
      throw new Error("the in-place test hook: the helper raises");
    }
    : blockRunner(m, job);
  claimBlocks(job, run, TEST_STALL_MS);
}

const modules = new Map<string, WebAssembly.Module>();

/**
 * A kernel's module over `memories` memories, compiled once (null where `code`, called the first
 * time, has none).
 */
function moduleOf(
  key: string,
  memories: number,
  code: () => Parameters<typeof assembleOver>[0] | null,
): WebAssembly.Module | null {
  let m = modules.get(key);
  if (!m) {
    const functions = code();
    if (!functions) return null;
    m = new WebAssembly.Module(assembleOver(functions, memories));
    modules.set(key, m);
  }
  return m;
}

/**
 * O[Oo + i] = exp32(A[Ao + i]) for i < n where both arrays lie in WebAssembly memories of their
 * own, different ones (an exp in place keeps the copying path, which keeps the inputs that the
 * kernel's out-of-range lanes are recomputed from); false (nothing done) otherwise. The caller
 * has checked wasmExp32On.
 */
export function inPlaceExp32(
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  n: number,
): boolean {
  const input = memoryOf(A), output = memoryOf(O);
  if (!input || !output || input === output) return false;
  const module = moduleOf("exp", 2, () => ({ exp32: exp32Code(0, 1) }))!;
  const spec: Spec = {
    kind: "exp",
    module,
    memories: [input, output],
    scalar: null,
  };
  addHelperBlocks(runJob(spec, n, Ao, 0, Oo));
  return true;
}

/**
 * O[Oo + i] = op(A[Ao + i], B[Bo + i] or the scalar B) for i < n (relu: of A alone) where A, B
 * and O lie in WebAssembly memories of their own (any of them the same one: in place, an operand
 * and the output start at one element); false (nothing done) otherwise. The last n mod MAP_STEP
 * elements go through wasmMap. The caller has checked that SIMD is on.
 */
export function inPlaceMap(
  op: string,
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  B: Float32Array | number | null,
  Bo: number,
  n: number,
): boolean {
  const a = memoryOf(A), o = memoryOf(O);
  const b = B instanceof Float32Array ? memoryOf(B) : a;
  const scalar = typeof B === "number";
  if (!a || !o || !b) return false;
  const module = moduleOf(`${op}${scalar ? "_scalar" : ""}`, 3, () => {
    const code = mapApartCode(op, scalar);
    return code && { map: code };
  });
  if (!module) return false;
  const whole = n - (n % MAP_STEP);
  const spec: Spec = {
    kind: "map",
    module,
    memories: [a, b, o],
    scalar: scalar ? B : null,
  };
  runJob(spec, whole, Ao, Bo, Oo);
  if (whole < n) {
    const at = whole;
    wasmMap(op as MapName, O, Oo + at, A, Ao + at, B, Bo + at, n - at);
  }
  return true;
}

let sumHelperBlocks = 0;

/**
 * Blocks of in-place sums the helper thread has summed (torch.backends.cpu.info()), counted by
 * its claims (a row's last claim may hold fewer blocks than the others).
 */
export function sumHelperBlocksSoFar(): number {
  return sumHelperBlocks;
}

/** The accumulators of in-place sums' blocks: eight doubles a block (replaced as rows need more). */
let blockAccs: WebAssembly.Memory | undefined;

/**
 * The eight double accumulators of every BLOCK floats of A from Ao, n of them (reduce.ts's
 * contiguous row fold over each block, its last n mod 8 floats left out), at 8·b for block b of
 * the array returned: read where A lies, on both threads from SPLIT_MIN elements. Null (nothing
 * done) where A's buffer is not a WebAssembly memory of its own, or n is below SPLIT_MIN. The
 * array is overwritten by the next call. The caller has checked that SIMD is on.
 */
export function inPlaceBlockSums(
  A: Float32Array,
  Ao: number,
  n: number,
): Float64Array | null {
  const input = n >= SPLIT_MIN ? memoryOf(A) : undefined;
  if (!input) return null;
  const blocks = Math.ceil(n / BLOCK), bytes = 64 * blocks;
  if (!blockAccs || blockAccs.buffer.byteLength < bytes) {
    const pages = Math.ceil(bytes / 65536);
    blockAccs = new WebAssembly.Memory({
      initial: pages,
      maximum: pages,
      shared: true,
    });
  }
  const module = moduleOf("sum", 2, () => ({
    sumBlocks: sumBlocksCode(BLOCK, 0, 1),
  }))!;
  const spec: Spec = {
    kind: "sum",
    module,
    memories: [input, blockAccs],
    scalar: null,
  };
  // Claims of up to four blocks (fewer calls), and sixteen claims a row or more where it has
  // sixteen blocks (both threads kept busy).
  const per = Math.max(1, Math.min(4, Math.floor(blocks / 16)));
  sumHelperBlocks += per * runJob(spec, n, Ao, 0, 0, per * BLOCK);
  return new Float64Array(blockAccs.buffer, 0, 8 * blocks);
}
