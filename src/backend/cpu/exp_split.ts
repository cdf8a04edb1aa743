// float32 exp of a large contiguous tensor on two threads. The helper thread (conv_thread.ts)
// only sees its shared memory, not the tensors', so the calling thread feeds it: it copies blocks
// of the input into a ring of slots there, the helper computes each in place (the SIMD kernel of
// wasm_maps.ts, instantiated over the shared memory), and the caller copies the results out.
// The caller keeps the ring full, and whenever it has nothing to copy it computes blocks itself,
// from the tensor's far end, until the two meet. Either thread gives exp32's bits (exp32.ts), so
// the result does not depend on which block went where.

import {
  convHelper,
  Ctl,
  helperFloats,
  joinConv,
  MAX_PAGES,
  postConv,
} from "./wasm_conv.ts";
import { type Exp32, exp32Over, fixExp32, wasmExp32 } from "./wasm_maps.ts";
import { RuntimeError } from "../../errors.ts";

/** The job's kind word (at Ctl.Job): conv.ts's kinds are 0 to 2. */
export const EXP_JOB = 16;

/** The job's words, from Ctl.Job. */
const enum Word {
  Kind = 0,
  /** Floats a block holds, and slots in the ring (slot s: input at 2·s·Block, output after). */
  Block = 1,
  Slots = 2,
  /** Blocks posted so far (bit 30: no more will come), and blocks the helper has finished. */
  Posted = 3,
  Finished = 4,
}
const LAST = 1 << 30;

const BLOCK = 1 << 15, SLOTS = 4;
/** Below this many elements the exp stays on the calling thread. */
const SPLIT_MIN = 1 << 18;
/** How long the caller waits for a block before raising, rather than hang. */
const WAIT_TIMEOUT_MS = 120_000;

let helperBlocks = 0;

/** Blocks of float32 exp the helper thread has computed so far (torch.backends.cpu.info()). */
export function expHelperBlocks(): number {
  return helperBlocks;
}

/**
 * O[Oo + i] = exp32(A[Ao + i]) for i < n on two threads; false (nothing done) below SPLIT_MIN
 * elements or without the helper. The caller has checked wasmExp32On.
 */
export function splitExp32(
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  n: number,
): boolean {
  if (n < SPLIT_MIN) return false;
  const ctl = convHelper();
  if (!ctl) return false;
  const F = helperFloats(2 * BLOCK * SLOTS);
  const job = ctl.subarray(Ctl.Job);
  job[Word.Kind] = EXP_JOB;
  job[Word.Block] = BLOCK;
  job[Word.Slots] = SLOTS;
  Atomics.store(job, Word.Posted, 0);
  Atomics.store(job, Word.Finished, 0);
  postConv();
  const blocks = Math.ceil(n / BLOCK);
  const size = (b: number) => Math.min(BLOCK, n - b * BLOCK);
  let front = 0, back = blocks, taken = 0, helperUp = true, theirs = 0;
  try {
    while (taken < front || front < back) {
      if (helperUp && Atomics.load(job, Word.Finished) > taken) {
        const at = (taken % SLOTS) * 2 * BLOCK + BLOCK, len = size(taken);
        O.set(F.subarray(at, at + len), Oo + taken * BLOCK);
        taken++;
        theirs++;
      } else if (helperUp && front < back && front - taken < SLOTS) {
        const at = (front % SLOTS) * 2 * BLOCK, p = front * BLOCK;
        F.set(A.subarray(Ao + p, Ao + p + size(front)), at);
        front++;
        Atomics.store(job, Word.Posted, front | (front === back ? LAST : 0));
        Atomics.notify(job, Word.Posted);
      } else if (front < back) {
        back--;
        wasmExp32(O, Oo + back * BLOCK, A, Ao + back * BLOCK, size(back));
        if (front === back && helperUp) {
          Atomics.store(job, Word.Posted, front | LAST);
          Atomics.notify(job, Word.Posted);
        }
      } else if (helperUp) {
        helperUp = awaitBlock(ctl, job, taken);
        if (!helperUp) front = back; // the blocks not taken nor done here: below
      } else {
        // The helper raised: the blocks not taken, from the tensor (those are not written yet).
        const p = taken * BLOCK;
        wasmExp32(O, Oo + p, A, Ao + p, size(taken));
        taken++;
      }
    }
  } finally {
    if (helperUp) {
      Atomics.store(job, Word.Posted, front | LAST);
      Atomics.notify(job, Word.Posted);
      joinConv();
    }
  }
  helperBlocks += theirs;
  return true;
}

/** Waits until the helper finishes block `taken`: false where it stopped (raised) first. */
function awaitBlock(ctl: Int32Array, job: Int32Array, taken: number): boolean {
  for (let waited = 0; Atomics.load(job, Word.Finished) <= taken;) {
    if (Atomics.load(ctl, Ctl.Done) === Atomics.load(ctl, Ctl.Request)) {
      // It returned: with every block posted (then it finished this one too), or raised.
      if (Atomics.load(job, Word.Finished) > taken) return true;
      joinConv(); // false, and the helper is not used again
      return false;
    }
    if (waited >= WAIT_TIMEOUT_MS) {
      throw new RuntimeError(
        `a CPU helper thread did not finish its share of an exp in ${
          WAIT_TIMEOUT_MS / 1000
        } s`,
      );
    }
    Atomics.wait(job, Word.Finished, taken, 100);
    waited += 100;
  }
  return true;
}

let kernel: Exp32 | null = null;

/** The helper's side of splitExp32 (conv_thread.ts calls it for an EXP_JOB). */
export function runExpJob(memory: WebAssembly.Memory, ctl: Int32Array): void {
  kernel ??= exp32Over(memory, MAX_PAGES);
  const job = ctl.subarray(Ctl.Job);
  const block = job[Word.Block], slots = job[Word.Slots];
  const F = new Float32Array(memory.buffer);
  for (let done = 0;;) {
    const posted = Atomics.load(job, Word.Posted);
    if (done < (posted & (LAST - 1))) {
      const at = (done % slots) * 2 * block;
      if (kernel(4 * at, 4 * (at + block), 4 * block)) {
        fixExp32(F, at + block, F, at, block);
      }
      Atomics.store(job, Word.Finished, ++done);
      Atomics.notify(job, Word.Finished);
    } else if (posted & LAST) return;
    else Atomics.wait(job, Word.Posted, posted);
  }
}
