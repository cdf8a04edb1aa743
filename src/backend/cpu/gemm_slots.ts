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
 * An operand of the block as the packers see it: where it is staged (−1: packed already), its
 * strides as its packer takes them and along k and along its rows (columns), how many of those
 * and their panels (of `width`), where its packed k blocks start and lie apart, the job word
 * staging publishes for it, and its packer.
 */
interface Operand {
  src: number;
  s0: number;
  s1: number;
  kStride: number;
  lineStride: number;
  lines: number;
  panels: number;
  width: number;
  packed: number;
  kBytes: number;
  ready: Job;
  pack: Pack;
}

function operands(f: Kernels, job: Int32Array): [Operand, Operand] {
  const [as0, as1] = [job[Job.AS0], job[Job.AS1]];
  const [bs0, bs1] = [job[Job.BS0], job[Job.BS1]];
  return [{
    src: job[Job.ASrc],
    s0: as0,
    s1: as1,
    kStride: as1,
    lineStride: as0,
    lines: job[Job.Rows],
    panels: job[Job.MP],
    width: MR,
    packed: job[Job.APacked],
    kBytes: job[Job.AK],
    ready: Job.AReady,
    pack: f.packA,
  }, {
    src: job[Job.BSrc],
    s0: bs0,
    s1: bs1,
    kStride: bs0,
    lineStride: bs1,
    lines: job[Job.Cols],
    panels: job[Job.NP],
    width: 8,
    packed: job[Job.BPacked],
    kBytes: job[Job.BK],
    ready: Job.BReady,
    pack: f.packB,
  }];
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
  const [A, B] = operands(f, job);
  const [shared, split] = byRows ? [B, A] : [A, B];
  if (shared.src >= 0) {
    for (;;) {
      const t = Atomics.add(job, Job.SharedNext, 1);
      if (t >= kBlocks) break;
      const kc = Math.min(kb, k - t * kb);
      const src = shared.src + t * kb * shared.kStride;
      const last = src + (shared.lines - 1) * shared.lineStride +
        (kc - 1) * shared.kStride + 4;
      spinUntil(job, shared.ready, last, late, deadline);
      shared.pack(
        src,
        shared.s0,
        shared.s1,
        shared.lines,
        shared.panels,
        kc,
        kb,
        shared.packed + t * shared.kBytes,
      );
      Atomics.add(job, Job.SharedDone, 1);
    }
    spinUntil(job, Job.SharedDone, kBlocks, late, deadline);
  }
  const parts = job[Job.Parts];
  for (;;) {
    between?.();
    let from = Atomics.load(job, Job.ChunkNext), take: number;
    for (;;) {
      if (from >= split.panels) return;
      take = parts === 1
        ? split.panels - from
        : Math.max(1, Math.ceil((split.panels - from) / (2 * parts)));
      const seen = Atomics.compareExchange(
        job,
        Job.ChunkNext,
        from,
        from + take,
      );
      if (seen === from) break;
      from = seen;
    }
    // The chunk's lines, their panels packed over every k block once staging has reached them.
    const first = from * split.width;
    const count = Math.min(split.lines - first, take * split.width);
    const packed = split.packed + first * kb * 4, ldc = job[Job.LDC];
    if (split.src >= 0) {
      const src = split.src + first * split.lineStride;
      const last = src + (count - 1) * split.lineStride +
        (k - 1) * split.kStride + 4;
      spinUntil(job, split.ready, last, late, deadline);
      for (let t = 0; t < kBlocks; t++) {
        split.pack(
          src + t * kb * split.kStride,
          split.s0,
          split.s1,
          count,
          take,
          Math.min(kb, k - t * kb),
          kb,
          packed + t * split.kBytes,
        );
      }
    }
    overK(
      f.gemm,
      kb,
      byRows ? packed : A.packed,
      byRows ? B.packed : packed,
      job[Job.C] + (byRows ? first * ldc : first * 4),
      byRows ? take : A.panels,
      byRows ? B.panels : take,
      k,
      ldc,
      job[Job.Fresh],
      A.kBytes,
      B.kBytes,
    );
    Atomics.store(job, FINISHED + from, take);
  }
}
