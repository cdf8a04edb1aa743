// How the threads of the WebAssembly matrix kernel (wasm_gemm.ts, gemm_thread.ts) share a block of
// a product: the block's description and its counters in shared words (Job), and the work loop
// every thread runs over them (work), the caller included.
//
// A block has two operands: one is split between the threads (A's row panels, or B's column
// panels for a product with more of those), the other is shared by all of them. The shared one is
// packed first, one k block at a time by whichever thread claims it; once all of its k blocks are
// packed, each thread claims chunks of the split operand's panels, packs them (every k block) and
// runs the kernel over them. Chunks get smaller as fewer panels are left (a share of what remains),
// so a thread that starts late (a helper's wake took 20-170 µs) or loses its core for a while
// leaves the others to take more, not the caller waiting at the end.

/** The control words of one helper (an Int32Array of HELPER_WORDS each, after the job's). */
export const enum Helper {
  /** 1 once the helper has its instance. */
  Ready = 0,
  /** The request counter: the caller bumps it (after opening the gate) to wake the helper. */
  Request = 1,
  /**
   * The gate: the caller sets it to the request's number; the helper joins by swapping it for −1,
   * the caller closes it by swapping it for 0, whichever comes first (a helper that wakes after
   * the block is done leaves it alone).
   */
  Gate = 2,
  /** The last request the helper finished. */
  Done = 3,
}

/** Int32 words per helper. */
export const HELPER_WORDS = 4;

/** The words of the block in hand (byte addresses and strides, counts in elements). */
export const enum Job {
  /** The staged A's address at the block's first row and k step, −1 if A is packed already. */
  ASrc = 0,
  AS0 = 1,
  AS1 = 2,
  /** The staged B's address at the block's first k step and column, −1 if packed already. */
  BSrc = 3,
  BS0 = 4,
  BS1 = 5,
  /** Rows of A and columns of B in the block, and their panels (of MR rows, 8 columns). */
  Rows = 6,
  Cols = 7,
  MP = 8,
  NP = 9,
  /** Steps of k in the block, in k blocks of KB. */
  K = 10,
  /**
   * The packed A, the packed B, and C (rows LDC bytes apart); the packed k blocks lie AK and BK
   * bytes apart.
   */
  APacked = 11,
  BPacked = 12,
  C = 13,
  LDC = 14,
  AK = 15,
  BK = 16,
  /** 1: C = A·B over the block's k, whatever C held; 0: C += A·B. */
  Fresh = 17,
  /** 1: A's row panels are split between the threads; 0: B's column panels. */
  ByRows = 18,
  /** The threads the block is opened to. */
  Parts = 19,
  /**
   * How far the caller has copied A, and B, into the module's memory (the byte address reached;
   * READY once whole): the threads wait for what they pack. (An operand packed from JavaScript is
   * packed before the block is opened.)
   */
  AReady = 20,
  BReady = 21,
  /** The shared operand's k blocks: the next to claim, and how many are packed. */
  SharedNext = 22,
  SharedDone = 23,
  /** The split operand's first panel not yet claimed. */
  ChunkNext = 24,
}

/** Int32 words of the job's description and counters. */
const JOB_WORDS = 25;

/** An operand's ready word once all of it is in the module's memory. */
export const READY = 0x7fffffff;

/**
 * After them, a word per panel of the split operand: a finished chunk's length at its first
 * panel (0 until then), so that the caller can copy C's finished rows out while others work.
 */
export const FINISHED = JOB_WORDS;

/** The most panels a block splits into (rows of A: MB / MR in wasm_gemm.ts). */
export const MAX_PANELS = 512;

/** Int32 words of the job. */
export const JOB_SIZE = JOB_WORDS + MAX_PANELS;

/** The WebAssembly kernel's signature: one block of at most KB steps of k (wasm_gemm.ts). */
export type Kernel = (
  a: number,
  b: number,
  c: number,
  mp: number,
  np: number,
  kc: number,
  ldc: number,
  fresh: number,
) => void;

/**
 * The module's packers: an operand in the module's memory (addresses and strides in bytes) to
 * panels; the rows of A (columns of B) and their panels, k and its padded length, the panels' home.
 */
export type Pack = (
  src: number,
  s0: number,
  s1: number,
  count: number,
  panels: number,
  kb: number,
  kp: number,
  dst: number,
) => void;

/** What a thread needs of its instance of the module. */
export interface Kernels {
  gemm: Kernel;
  packA: Pack;
  packB: Pack;
}

/**
 * Rows of the kernel's register tile (wasm_gemm.ts); its columns are 8 (two f32x4). Six rows keep
 * twelve accumulators, two vectors of B and a splat of A in registers (V8 allocates fifteen): the
 * kernel alone on packed blocks ran 47.7 GFLOP/s against 42.7 with four rows on this machine
 * (seven spill: 31.7).
 */
export const MR = 6;

/**
 * The kernel over all k steps of a block, KB at a time: A's and B's k blocks lie `ak` and `bk`
 * bytes apart. One call per k block (not one over all of k) so that V8 moves to the optimized
 * kernel as soon as it is compiled: a single call ran the whole first product in the baseline
 * code (about 0.5 s for 1024 × 1024).
 */
function overK(
  gemm: Kernel,
  kb: number,
  a: number,
  b: number,
  c: number,
  mp: number,
  np: number,
  k: number,
  ldc: number,
  fresh: number,
  ak: number,
  bk: number,
): void {
  for (let k0 = 0, block = 0; k0 < k; k0 += kb, block++) {
    const f = block === 0 ? fresh : 0;
    gemm(
      a + block * ak,
      b + block * bk,
      c,
      mp,
      np,
      Math.min(kb, k - k0),
      ldc,
      f,
    );
  }
}

/**
 * Waits (spinning: the other threads are at work) until words[at] reaches `target`; `deadline`
 * (a performance.now() time) raises through `late` rather than hang, where given.
 */
function spinUntil(
  words: Int32Array,
  at: number,
  target: number,
  late?: () => never,
  deadline = Infinity,
): void {
  for (let i = 0; Atomics.load(words, at) < target; i++) {
    if ((i & 1023) === 1023 && late && performance.now() > deadline) late();
  }
}

/**
 * One thread's part of the block described in `job`: k blocks of the shared operand while any are
 * left to claim, then (once all are packed) chunks of the split operand's panels until none are;
 * `between` runs before each claim (the caller copies finished rows out there).
 */
export function work(
  f: Kernels,
  job: Int32Array,
  kb: number,
  late?: () => never,
  deadline?: number,
  between?: () => void,
): void {
  const byRows = job[Job.ByRows] === 1, k = job[Job.K];
  const kBlocks = Math.ceil(k / kb);
  const sharedSrc = byRows ? job[Job.BSrc] : job[Job.ASrc];
  const [as0, as1, bs0, bs1] = [
    job[Job.AS0],
    job[Job.AS1],
    job[Job.BS0],
    job[Job.BS1],
  ];
  if (sharedSrc >= 0) {
    for (;;) {
      const t = Atomics.add(job, Job.SharedNext, 1);
      if (t >= kBlocks) break;
      const kc = Math.min(kb, k - t * kb);
      if (byRows) {
        const src = sharedSrc + t * kb * bs0;
        const last = src + (kc - 1) * bs0 + (job[Job.Cols] - 1) * bs1 + 4;
        spinUntil(job, Job.BReady, last, late, deadline);
        f.packB(
          src,
          bs0,
          bs1,
          job[Job.Cols],
          job[Job.NP],
          kc,
          kb,
          job[Job.BPacked] + t * job[Job.BK],
        );
      } else {
        const src = sharedSrc + t * kb * as1;
        const last = src + (job[Job.Rows] - 1) * as0 + (kc - 1) * as1 + 4;
        spinUntil(job, Job.AReady, last, late, deadline);
        f.packA(
          src,
          as0,
          as1,
          job[Job.Rows],
          job[Job.MP],
          kc,
          kb,
          job[Job.APacked] + t * job[Job.AK],
        );
      }
      Atomics.add(job, Job.SharedDone, 1);
    }
    spinUntil(job, Job.SharedDone, kBlocks, late, deadline);
  }
  const panels = byRows ? job[Job.MP] : job[Job.NP];
  const parts = job[Job.Parts];
  const splitSrc = byRows ? job[Job.ASrc] : job[Job.BSrc];
  for (;;) {
    between?.();
    let from = Atomics.load(job, Job.ChunkNext), take: number;
    for (;;) {
      if (from >= panels) return;
      take = parts === 1
        ? panels - from
        : Math.max(1, Math.ceil((panels - from) / (2 * parts)));
      const seen = Atomics.compareExchange(
        job,
        Job.ChunkNext,
        from,
        from + take,
      );
      if (seen === from) break;
      from = seen;
    }
    if (byRows) {
      const a = job[Job.APacked] + from * kb * MR * 4;
      if (splitSrc >= 0) {
        const rows = Math.min(job[Job.Rows] - from * MR, take * MR);
        const src = splitSrc + from * MR * as0;
        const last = src + (rows - 1) * as0 + (k - 1) * as1 + 4;
        spinUntil(job, Job.AReady, last, late, deadline);
        for (let t = 0; t < kBlocks; t++) {
          f.packA(
            src + t * kb * as1,
            as0,
            as1,
            rows,
            take,
            Math.min(kb, k - t * kb),
            kb,
            a + t * job[Job.AK],
          );
        }
      }
      overK(
        f.gemm,
        kb,
        a,
        job[Job.BPacked],
        job[Job.C] + from * MR * job[Job.LDC],
        take,
        job[Job.NP],
        k,
        job[Job.LDC],
        job[Job.Fresh],
        job[Job.AK],
        job[Job.BK],
      );
    } else {
      const b = job[Job.BPacked] + from * kb * 32;
      if (splitSrc >= 0) {
        const cols = Math.min(job[Job.Cols] - from * 8, take * 8);
        const src = splitSrc + from * 8 * bs1;
        const last = src + (k - 1) * bs0 + (cols - 1) * bs1 + 4;
        spinUntil(job, Job.BReady, last, late, deadline);
        for (let t = 0; t < kBlocks; t++) {
          f.packB(
            src + t * kb * bs0,
            bs0,
            bs1,
            cols,
            take,
            Math.min(kb, k - t * kb),
            kb,
            b + t * job[Job.BK],
          );
        }
      }
      overK(
        f.gemm,
        kb,
        job[Job.APacked],
        b,
        job[Job.C] + from * 32,
        job[Job.MP],
        take,
        k,
        job[Job.LDC],
        job[Job.Fresh],
        job[Job.AK],
        job[Job.BK],
      );
    }
    Atomics.store(job, FINISHED + from, take);
  }
}
