// float32 exp of a large contiguous tensor on two threads. The helper thread (conv_thread.ts)
// only sees its shared memory, not the tensors', so the calling thread feeds it: it copies blocks
// of the input into a ring of slots there, the helper computes each in place (the SIMD kernel of
// wasm_maps.ts, instantiated over the shared memory), and the caller copies the results out.
// The caller keeps the ring full, and whenever it has nothing to copy it computes blocks itself,
// from the tensor's far end, until the two meet; then it claims posted blocks the helper has not
// started, and computes the one the helper is on again if the helper has not finished it after a
// few blocks' time. So the caller never waits long on a helper that gets no CPU: it may return
// while the helper finishes such a block, and whatever next uses the helper's memory waits for
// that. Either thread gives exp32's bits (exp32.ts), so the result does not depend on which block
// went where.

import {
  convHelper,
  Ctl,
  helperFloats,
  helperIdle,
  helperSettled,
  joinConv,
  MAX_PAGES,
  postConv,
} from "./wasm_conv.ts";
import { type Exp32, exp32Over, fixExp32, wasmExp32 } from "./wasm_maps.ts";
import { PAGE_FLOATS, placed } from "./wasm.ts";
import { envVar } from "../env.ts";

/** The job's kind word (at Ctl.Job): conv.ts's kinds are 0 to 2. */
export const EXP_JOB = 16;

/** The job's words, from Ctl.Job. */
const enum Word {
  Kind = 0,
  /** Floats a block holds, and slots in the ring. */
  Block = 1,
  Slots = 2,
  /** Blocks posted so far (bit 30: no more will come). */
  Posted = 3,
  /** The next posted block to compute: either thread claims it by moving this on. */
  Claimed = 4,
  /** Blocks the helper has finished (it waits on Posted, the caller on this). */
  Progress = 5,
  /** Where slot 0's input and output start (floats), and the step from slot to slot. */
  In = 6,
  Out = 7,
  Stride = 8,
  /** Per slot, 1 + the block the helper last finished there. */
  Done = 9,
}
const LAST = 1 << 30;

const BLOCK = 1 << 15, SLOTS = 4;
/** Below this many elements the exp stays on the calling thread. */
const SPLIT_MIN = 1 << 18;
/** How long an exp waits for the helper to finish the previous job before going alone. */
const SETTLE_MS = 2;
/**
 * A test hook (tests/exp_helper.test.ts): the helper spins this many ms before each block, as a
 * helper short of CPU would keep the caller waiting.
 */
export const TEST_STALL_MS =
  Number(envVar("FLAMBEAU_TEST_EXP_STALL_MS") ?? 0) ||
  0;

let helperBlocks = 0;

/** Blocks of float32 exp the helper thread has computed so far (torch.backends.cpu.info()). */
export function expHelperBlocks(): number {
  return helperBlocks;
}

/** Counts `n` blocks the helper computed for an exp over the tensors' memories (inplace.ts). */
export function addHelperBlocks(n: number): void {
  helperBlocks += n;
}

/**
 * O[Oo + i] = exp32(A[Ao + i]) for i < n on two threads; false (nothing done) below SPLIT_MIN
 * elements or without the helper. The caller has checked wasmExp32On.
 *
 * Blocks are posted in order from the front; the caller computes unposted ones from the back
 * while the ring is full. A posted block goes to whichever thread claims it first: once nothing
 * is left to post, the caller claims posted blocks the helper has not started and computes them
 * from the tensor itself, and the block the helper is on once it has waited STEAL_AFTER_MS for
 * it, so a helper that gets no CPU time (a busy or stolen core) delays the exp by about that.
 */
export function splitExp32(
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  n: number,
): boolean {
  if (n < SPLIT_MIN || performance.now() < aloneUntil) return false;
  const ctl = convHelper();
  // A helper still on the last job's straggler (or one that does not wake): this thread alone.
  if (!ctl || !helperSettled(SETTLE_MS)) return false;
  // Each slot an input and an output region, each with a page for placing it (placed()).
  const stride = 2 * (BLOCK + PAGE_FLOATS);
  const F = helperFloats(stride * SLOTS);
  const inAt = placed(0, A, Ao), outAt = placed(BLOCK + PAGE_FLOATS, O, Oo);
  const job = ctl.subarray(Ctl.Job);
  job[Word.Kind] = EXP_JOB;
  job[Word.Block] = BLOCK;
  job[Word.Slots] = SLOTS;
  job[Word.In] = inAt;
  job[Word.Out] = outAt;
  job[Word.Stride] = stride;
  for (const w of [Word.Posted, Word.Claimed, Word.Progress]) {
    Atomics.store(job, w, 0);
  }
  for (let slot = 0; slot < SLOTS; slot++) {
    Atomics.store(job, Word.Done + slot, 0);
  }
  postConv();
  const blocks = Math.ceil(n / BLOCK);
  const size = (b: number) => Math.min(BLOCK, n - b * BLOCK);
  const local = (b: number) =>
    wasmExp32(O, Oo + b * BLOCK, A, Ao + b * BLOCK, size(b));
  /** Posted blocks the caller claimed and computed itself (their slots are not read). */
  const mine = new Set<number>();
  let front = 0, back = blocks, taken = 0, helperUp = true, theirs = 0;
  const post = () => {
    Atomics.store(job, Word.Posted, front | (front === back ? LAST : 0));
    Atomics.notify(job, Word.Posted);
  };
  try {
    while (taken < front || front < back) {
      const done = taken < front &&
        Atomics.load(job, Word.Done + taken % SLOTS) === taken + 1;
      if (taken < front && (mine.has(taken) || done)) {
        if (done) {
          const at = outAt + (taken % SLOTS) * stride;
          O.set(F.subarray(at, at + size(taken)), Oo + taken * BLOCK);
          theirs++;
        }
        taken++;
      } else if (helperUp && front < back && front - taken < SLOTS) {
        const at = inAt + (front % SLOTS) * stride, p = front * BLOCK;
        F.set(A.subarray(Ao + p, Ao + p + size(front)), at);
        front++;
        post();
      } else if (front < back) {
        local(--back);
        if (front === back) post();
      } else {
        // Nothing left to post: a posted block the helper has not claimed, here.
        const c = Atomics.load(job, Word.Claimed);
        if (c < front) {
          if (Atomics.compareExchange(job, Word.Claimed, c, c + 1) === c) {
            local(c);
            mine.add(c);
          }
        } else if (!awaitBlock(job, taken)) {
          // The helper is on it and has not finished it in several blocks' time (it gets no
          // CPU, or it raised): it is computed here too, and the helper's copy is not read.
          local(taken);
          mine.add(taken);
          if (helperIdle()) helperUp = false; // it returned mid-job: it raised
        }
      }
    }
  } finally {
    // Every posted block is claimed by now, so the helper stops after the one it is on (which
    // may be one computed here again): whatever next uses its memory waits for that
    // (helperSettled, splitShare's joinConv, layoutChunk).
    Atomics.store(job, Word.Posted, front | LAST);
    Atomics.notify(job, Word.Posted);
    if (helperIdle()) joinConv();
  }
  helperBlocks += theirs;
  // Fed slower than it computes (the caller computed almost no block itself): alone for a while.
  if (blocks >= FED_MIN_BLOCKS && blocks - theirs < blocks * FED_SHARE) {
    aloneUntil = performance.now() + ALONE_MS;
  }
  return true;
}

/**
 * The feeding check: the caller copies every block the helper computes in and out, which on this
 * VM sometimes costs it more than computing the block itself (copies into the shared memory ran
 * 4 times slower for seconds at a time, two vCPUs sharing a core perhaps): the helper then
 * computes nearly every block (496 to 511 of 512, against about 440 otherwise) and 16M floats
 * ran at 3.6–3.8 GB/s on two threads, 4.4 on one. After such an exp (of FED_MIN_BLOCKS blocks or
 * more, where the caller computed under FED_SHARE of them), exps run on one thread for ALONE_MS.
 */
const FED_MIN_BLOCKS = 64, FED_SHARE = 1 / 32, ALONE_MS = 2000;
let aloneUntil = 0;

/**
 * How long the caller waits for the block the helper is on before computing it too: a block
 * takes the helper 60 to 80 µs.
 */
const STEAL_AFTER_MS = 0.25;

/** Waits a little for the helper to finish block `taken`: false where it has not. */
function awaitBlock(job: Int32Array, taken: number): boolean {
  const slot = Word.Done + taken % SLOTS;
  const seen = Atomics.load(job, Word.Progress);
  if (Atomics.load(job, slot) === taken + 1) return true;
  Atomics.wait(job, Word.Progress, seen, STEAL_AFTER_MS);
  return Atomics.load(job, slot) === taken + 1;
}

let kernel: Exp32 | null = null;

/** The helper's side of splitExp32 (conv_thread.ts calls it for an EXP_JOB). */
export function runExpJob(memory: WebAssembly.Memory, ctl: Int32Array): void {
  kernel ??= exp32Over(memory, MAX_PAGES);
  const job = ctl.subarray(Ctl.Job);
  const block = job[Word.Block], slots = job[Word.Slots];
  const inAt = job[Word.In], outAt = job[Word.Out], stride = job[Word.Stride];
  const F = new Float32Array(memory.buffer);
  for (;;) {
    const posted = Atomics.load(job, Word.Posted);
    const b = Atomics.load(job, Word.Claimed);
    if (b < (posted & (LAST - 1))) {
      if (Atomics.compareExchange(job, Word.Claimed, b, b + 1) !== b) continue;
      if (TEST_STALL_MS > 0) spin(TEST_STALL_MS);
      const a = inAt + (b % slots) * stride, o = outAt + (b % slots) * stride;
      if (kernel(4 * a, 4 * o, 4 * block)) fixExp32(F, o, F, a, block);
      Atomics.store(job, Word.Done + b % slots, b + 1);
      Atomics.add(job, Word.Progress, 1);
      Atomics.notify(job, Word.Progress);
    } else if (posted & LAST) return;
    else Atomics.wait(job, Word.Posted, posted);
  }
}

/** Spins for `ms` (the test hooks' stall). */
export function spin(ms: number): void {
  for (const t0 = performance.now(); performance.now() - t0 < ms;);
}
