// float32 matrix products in WebAssembly SIMD, for when no system BLAS is loaded (blas.ts).
//
// The operands are packed into the module's memory in blocks (up to MB rows of A and NB columns
// of B, each over KS steps of k cut into k blocks of KB), so strides and transposes cost one pass
// of copying, not the kernel's speed. A k block of A is stored as panels of MR rows, interleaved
// per k (MR floats per step), one of B as panels of 8 columns (8 floats per step); the
// micro-kernel keeps an MR×8 tile of C in 2·MR vector registers over a k block, each step one
// splat of an A value and two vectors of B per row. C blocks are summed in float32 (as PyTorch's
// CPU and OpenBLAS do), across k blocks in the module's memory, and copied (or added) to the
// output at the end. The threads share a block out among themselves, its packing included
// (gemm_slots.ts).
//
// An operand that fits (STAGE_MAX) is first copied whole into the module's memory, and its blocks
// are packed there by the module; others are packed from JavaScript. A thin product with a long k
// whose A is read along rows and B down columns (a convolution's weight gradient) skips the
// blocks: dot-product tiles keep partial sums over all of k (dotCode).
//
// With relaxed SIMD (V8 and JavaScriptCore have it) each multiply-add is one fused instruction;
// otherwise a multiply and an add. Either is chosen once, by validating the module.

import { Worker } from "node:worker_threads";
import { RuntimeError } from "../../errors.ts";
import { envVar } from "../env.ts";
import {
  assemble,
  Code,
  F32,
  I32,
  instantiate,
  Op,
  placed,
  reserve,
  Simd,
  V128,
} from "./wasm.ts";
import {
  FINISHED,
  Helper as Word,
  HELPER_WORDS,
  Job,
  JOB_SIZE,
  type Kernel,
  MR,
  type Pack,
  READY,
  work,
} from "./gemm_slots.ts";
import { checkInterrupt } from "../../interrupt.ts";

/** "auto": the SIMD kernel where WebAssembly SIMD validates; "off": the JavaScript kernel. */
export type SimdMode = "auto" | "off";

let mode: SimdMode = envVar("FLAMBEAU_SIMD") === "off" ? "off" : "auto";

/** Chooses whether float32 products without a BLAS go to the SIMD kernel. */
export function setSimd(m: SimdMode): void {
  if (m !== "auto" && m !== "off") {
    throw new TypeError(
      `set_simd(): mode must be "auto" or "off", got ${String(m)}`,
    );
  }
  mode = m;
}

/**
 * The SIMD kernel's mode; what the runtime offers: "relaxed" (fused multiply-add), "simd128", or
 * null; and how many threads its products run on now (the caller and the helpers that are up).
 */
export function simdInfo(): {
  mode: SimdMode;
  simd: string | null;
  threads: number;
} {
  const m = wasmGemmModule();
  return {
    mode,
    simd: m ? (m.fused ? "relaxed" : "simd128") : null,
    threads: m?.shared ? 1 + readyHelpers().length : 1,
  };
}

/** Whether wasmGemm would run now. */
export function simdOn(): boolean {
  return mode === "auto" && wasmGemmModule() !== null;
}

/**
 * Block sizes: a k block of B (KB × NB, 256 KiB) stays in L2 while every row panel of A passes
 * by once, through the L1 (the scratch). KB is also the length of the kernel's unrolled k loop
 * (gemmCode): 64 steps ran 53 GFLOP/s, 128 ran 51 and 256 ran 30 (its code no longer fits the
 * instruction cache). MB is large so that a product of 1024 rows is one block (1020 rows a block
 * packed all of B twice, the second time for four rows).
 */
const MB = 2040, KB = 64, NB = 1024;
/** Steps of k packed and handed to the threads at once (in k blocks of KB): 4 MiB of A and of B. */
const KS = 1024;

/**
 * Bytes of one thread's scratch at the front of the memory: A's panel (KB·MR floats), and the
 * reach of the kernel's B pointer below its block (up to KB steps of 32 bytes).
 */
const SCRATCH = KB * 32;
/** Pages at the front of the memory for the threads' scratch; the blocks start past them. */
const SCRATCH_PAGES = 16;
/** Threads with a scratch of their own (the caller's is the first). */
const MAX_THREADS = (SCRATCH_PAGES * 65536) / SCRATCH;

/**
 * The micro-kernel loop over every MR×8 tile of a block of kc ≤ KB steps of k: C += A · B, or with
 * `fresh` C = A · B, whatever C held: the accumulators start at zero instead of C's tile, so C
 * needs no clearing first (for a product with a short k, such as a convolution's input gradient,
 * clearing C cost a fifth of the product). A's row panels lie KB·MR floats apart, B's column
 * panels KB·8 (with only kc steps in them).
 *
 * V8 checks every load against the memory's length unless the address is a constant below the
 * module's declared minimum, so each row panel of A is first copied to the thread's scratch (at
 * `scratch`, a constant) and read there at constant addresses, unchecked: the k loop is unrolled
 * over KB steps, entered by a br_table at step KB − kc for a shorter kc (A's panel is copied that
 * many steps in, and B's pointer set as many steps back). Only B's two loads a step are checked:
 * the kernel alone ran 53 GFLOP/s against 45 with the checked loop of two steps it replaces.
 */
function gemmCode(fused: boolean, scratch: number): Code {
  const f = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [a, b, c, mp, np, kc, ldc, fresh] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = f.local(I32), j = f.local(I32), skip = f.local(I32);
  const pb0 = f.local(I32), pb = f.local(I32), pc = f.local(I32);
  const acc = Array.from({ length: 2 * MR }, () => f.local(V128));
  const b0 = f.local(V128), b1 = f.local(V128), s = f.local(V128);
  const vec = (offset: number) => ({ align: 4, offset });
  const rowAddress = (r: number) => {
    f.get(pc);
    if (r > 0) f.get(ldc).i32(r).op(Op.i32Mul).op(Op.i32Add);
  };
  // skip = KB − kc; pb0 = b − skip·32 (B lies past every scratch, so it stays positive)
  f.i32(KB).get(kc).op(Op.i32Sub).set(skip);
  f.get(b).get(skip).i32(5).op(Op.i32Shl).op(Op.i32Sub).set(pb0);
  f.i32(0).set(i).block().loop();
  f.get(i).get(mp).op(Op.i32GeU).brIf(1);
  // A's panel i (kc·MR floats at a + i·KB·MR·4) to the scratch, skip steps in.
  f.i32(scratch).get(skip).i32(MR * 4).op(Op.i32Mul).op(Op.i32Add);
  f.get(a).get(i).i32(KB * MR * 4).op(Op.i32Mul).op(Op.i32Add);
  f.get(kc).i32(MR * 4).op(Op.i32Mul).memoryCopy();
  f.i32(0).set(j).block().loop();
  f.get(j).get(np).op(Op.i32GeU).brIf(1);
  // pc = c + i·MR·ldc + j·32; pb = pb0 + j·KB·32
  f.get(c).get(i).i32(MR).op(Op.i32Mul).get(ldc).op(Op.i32Mul).op(Op.i32Add);
  f.get(j).i32(5).op(Op.i32Shl).op(Op.i32Add).set(pc);
  f.get(pb0).get(j).i32(KB * 32).op(Op.i32Mul).op(Op.i32Add).set(pb);
  f.get(fresh).if();
  for (const x of acc) f.v128Zero().set(x);
  f.else();
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      rowAddress(r);
      f.simd(Simd.load, vec(16 * h)).set(acc[2 * r + h]);
    }
  }
  f.end();
  // One block per step; leaving the block at depth q lands on step q.
  for (let q = 0; q < KB; q++) f.block();
  f.get(skip).brTable(Array.from({ length: KB }, (_, q) => q), KB - 1);
  for (let q = 0; q < KB; q++) {
    f.end();
    f.get(pb).simd(Simd.load, vec(32 * q)).set(b0);
    f.get(pb).simd(Simd.load, vec(32 * q + 16)).set(b1);
    for (let r = 0; r < MR; r++) {
      const at = scratch + 4 * (MR * q + r);
      f.i32(0).simd(Simd.load32Splat, { align: 2, offset: at }).set(s);
      for (let h = 0; h < 2; h++) {
        const x = acc[2 * r + h], bv = h === 0 ? b0 : b1;
        if (fused) {
          f.get(s).get(bv).get(x).simd(Simd.f32x4RelaxedMadd).set(x);
        } else {
          f.get(x).get(s).get(bv).simd(Simd.f32x4Mul).simd(Simd.f32x4Add)
            .set(x);
        }
      }
    }
  }
  for (let r = 0; r < MR; r++) {
    for (let h = 0; h < 2; h++) {
      rowAddress(r);
      f.get(acc[2 * r + h]).simd(Simd.store, vec(16 * h));
    }
  }
  f.get(j).i32(1).op(Op.i32Add).set(j).br(0).end().end();
  f.get(i).i32(1).op(Op.i32Add).set(i).br(0).end().end();
  return f;
}

/** A dot-product tile's arguments: addresses and strides in bytes, k in elements. */
type DotTile = (
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  k: number,
) => void;

/** The tile shapes of the dot-product kernel: 2×4 inside, 2×1, 1×4 and 1×1 at the edges. */
const DOT_TILES = [[2, 4], [2, 1], [1, 4], [1, 1]] as const;

/**
 * C[R×CN tile] = A·B for A read along its rows and B down its columns (both contiguous in k):
 * each of the R·CN results is a dot product of length k, kept in a vector of four partial sums
 * over the whole of k, so nothing is packed. For the thin products with a long k of a
 * convolution's weight gradient (dY · columnsᵀ), which the panel kernel can only take after
 * transposing B.
 */
function dotCode(R: number, CN: number, fused: boolean): Code {
  const f = new Code([I32, I32, I32, I32, I32, I32, I32]);
  const [a, lda, b, ldb, c, ldc, k] = [0, 1, 2, 3, 4, 5, 6];
  const q = f.local(I32), end = f.local(I32);
  const pa = Array.from({ length: R }, () => f.local(I32));
  const pb = Array.from({ length: CN }, () => f.local(I32));
  const acc = Array.from({ length: R * CN }, () => f.local(V128));
  const tail = Array.from({ length: R * CN }, () => f.local(F32));
  const av = Array.from({ length: R }, () => f.local(V128));
  const bv = f.local(V128);
  const vec = { align: 4, offset: 0 };
  pa.forEach((p, r) => {
    f.get(a);
    if (r > 0) f.get(lda).i32(r).op(Op.i32Mul).op(Op.i32Add);
    f.set(p);
  });
  pb.forEach((p, j) => {
    f.get(b);
    if (j > 0) f.get(ldb).i32(j).op(Op.i32Mul).op(Op.i32Add);
    f.set(p);
  });
  for (const x of acc) f.v128Zero().set(x);
  for (const t of tail) f.f32Zero().set(t);
  // Whole vectors of four k steps, then the last k mod 4 one at a time.
  f.get(k).i32(-4).op(Op.i32And).i32(2).op(Op.i32Shl).set(end);
  f.i32(0).set(q).block().loop();
  f.get(q).get(end).op(Op.i32GeU).brIf(1);
  pa.forEach((p, r) =>
    f.get(p).get(q).op(Op.i32Add).simd(Simd.load, vec).set(av[r])
  );
  pb.forEach((p, j) => {
    f.get(p).get(q).op(Op.i32Add).simd(Simd.load, vec).set(bv);
    for (let r = 0; r < R; r++) {
      const x = acc[r * CN + j];
      if (fused) f.get(av[r]).get(bv).get(x).simd(Simd.f32x4RelaxedMadd).set(x);
      else {
        f.get(x).get(av[r]).get(bv).simd(Simd.f32x4Mul).simd(Simd.f32x4Add)
          .set(x);
      }
    }
  });
  f.get(q).i32(16).op(Op.i32Add).set(q).br(0).end().end();
  f.get(k).i32(2).op(Op.i32Shl).set(end);
  f.block().loop();
  f.get(q).get(end).op(Op.i32GeU).brIf(1);
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < CN; j++) {
      const t = tail[r * CN + j];
      f.get(t).get(pa[r]).get(q).op(Op.i32Add).f32Load();
      f.get(pb[j]).get(q).op(Op.i32Add).f32Load().op(Op.f32Mul).op(Op.f32Add)
        .set(t);
    }
  }
  f.get(q).i32(4).op(Op.i32Add).set(q).br(0).end().end();
  // Each result: its four partial sums, then its tail.
  for (let r = 0; r < R; r++) {
    for (let j = 0; j < CN; j++) {
      f.get(c);
      if (r > 0) f.get(ldc).i32(r).op(Op.i32Mul).op(Op.i32Add);
      for (let lane = 0; lane < 4; lane++) {
        f.get(acc[r * CN + j]).simd(Simd.f32x4ExtractLane).op(lane);
        if (lane > 0) f.op(Op.f32Add);
      }
      f.get(tail[r * CN + j]).op(Op.f32Add).f32Store(4 * j);
    }
  }
  return f;
}

/**
 * packA (the JavaScript one, below) over an operand already in the module's memory. A full panel
 * of rows read along k (s1 = 4 bytes, the usual A) goes four steps at a time: a vector of each of
 * the six rows, transposed by shuffles into the 24 floats those steps take in the panel (the
 * element by element loop took 0.9 ms of a 1024² product, 4 ns a float).
 */
function packACode(): Code {
  const f = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [src, s0, s1, mb, mp, kb, kp, dst] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p = f.local(I32), r = f.local(I32), row = f.local(I32);
  const q = f.local(I32), n = f.local(I32), s = f.local(I32), d = f.local(I32);
  const q0 = f.local(I32);
  const rows = Array.from({ length: MR }, () => f.local(V128));
  const [t0, t1, t2, t3, u0, u1] = Array.from(
    { length: 6 },
    () => f.local(V128),
  );
  const vec = (offset: number) => ({ align: 4, offset });
  const pair = (x: number, y: number, words: number[], into: number) =>
    f.get(x).get(y).shuffleWords(words).set(into);
  f.for(p, () => f.i32(0), () => f.get(mp), () => {
    f.i32(0).set(q0);
    // A full panel read along k: whole groups of four steps by vectors.
    f.get(s1).i32(4).op(Op.i32Eq);
    f.get(p).i32(MR).op(Op.i32Mul).i32(MR).op(Op.i32Add).get(mb).op(Op.i32LeS);
    f.op(Op.i32And).if();
    f.get(kb).i32(-4).op(Op.i32And).set(q0);
    f.get(src).get(p).i32(MR).op(Op.i32Mul).get(s0).op(Op.i32Mul)
      .op(Op.i32Add).set(s);
    f.get(dst).get(p).get(kp).op(Op.i32Mul).i32(MR * 4).op(Op.i32Mul)
      .op(Op.i32Add).set(d);
    f.for(q, () => f.i32(0), () => f.get(q0).i32(2).op(Op.i32ShrU), () => {
      rows.forEach((v, i) => {
        f.get(s);
        if (i > 0) f.get(s0).i32(i).op(Op.i32Mul).op(Op.i32Add);
        f.simd(Simd.load, vec(0)).set(v);
      });
      // t0 = r0q0 r1q0 r0q1 r1q1, t1 = r0q2 r1q2 r0q3 r1q3; t2, t3 rows 2-3; u0, u1 rows 4-5.
      pair(rows[0], rows[1], [0, 4, 1, 5], t0);
      pair(rows[0], rows[1], [2, 6, 3, 7], t1);
      pair(rows[2], rows[3], [0, 4, 1, 5], t2);
      pair(rows[2], rows[3], [2, 6, 3, 7], t3);
      pair(rows[4], rows[5], [0, 4, 1, 5], u0);
      pair(rows[4], rows[5], [2, 6, 3, 7], u1);
      const out: [number, number, number[]][] = [
        [t0, t2, [0, 1, 4, 5]],
        [u0, t0, [0, 1, 6, 7]],
        [t2, u0, [2, 3, 6, 7]],
        [t1, t3, [0, 1, 4, 5]],
        [u1, t1, [0, 1, 6, 7]],
        [t3, u1, [2, 3, 6, 7]],
      ];
      out.forEach(([x, y, words], i) => {
        f.get(d).get(x).get(y).shuffleWords(words)
          .simd(Simd.store, vec(16 * i));
      });
      f.get(s).i32(16).op(Op.i32Add).set(s);
      f.get(d).i32(16 * MR).op(Op.i32Add).set(d);
    });
    f.end();
    // The rest step by step: the last kb mod 4 steps of a full panel, every step of others.
    f.for(r, () => f.i32(0), () => f.i32(MR), () => {
      f.get(p).i32(MR).op(Op.i32Mul).get(r).op(Op.i32Add).set(row);
      // The row's slot at step q0: its panel's (p·kp·MR floats in), then q0·MR + r.
      f.get(dst).get(p).get(kp).op(Op.i32Mul).get(q0).op(Op.i32Add).i32(MR)
        .op(Op.i32Mul);
      f.get(r).op(Op.i32Add).i32(2).op(Op.i32Shl).op(Op.i32Add).set(d);
      // Rows past mb are all padding (and q0 is 0 in their panel).
      f.get(kb).i32(0).get(row).get(mb).op(Op.i32LtS).op(Op.select).set(n);
      f.get(src).get(row).get(s0).op(Op.i32Mul).op(Op.i32Add);
      f.get(q0).get(s1).op(Op.i32Mul).op(Op.i32Add).set(s);
      f.for(q, () => f.get(q0), () => f.get(n), () => {
        f.get(d).get(s).f32Load().f32Store();
        f.get(d).i32(4 * MR).op(Op.i32Add).set(d);
        f.get(s).get(s1).op(Op.i32Add).set(s);
      });
      f.for(q, () => f.get(n), () => f.get(kp), () => {
        f.get(d).f32Zero().f32Store();
        f.get(d).i32(4 * MR).op(Op.i32Add).set(d);
      });
    });
  });
  return f;
}

/**
 * packB (the JavaScript one, below) over an operand already in the module's memory; a full row
 * of a panel read with unit stride is two vector copies.
 */
function packBCode(): Code {
  const f = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [src, s0, s1, nb, np, kb, kp, dst] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p = f.local(I32), q = f.local(I32), x = f.local(I32), w = f.local(I32);
  const sb = f.local(I32), s = f.local(I32), d = f.local(I32), e = f.local(I32);
  const vec = (offset: number) => ({ align: 4, offset });
  f.for(p, () => f.i32(0), () => f.get(np), () => {
    // w = min(8, nb − 8p) columns of the panel are real, the rest padding.
    f.get(nb).get(p).i32(3).op(Op.i32Shl).op(Op.i32Sub).set(w);
    f.i32(8).get(w).get(w).i32(8).op(Op.i32GtU).op(Op.select).set(w);
    f.get(dst).get(p).get(kp).op(Op.i32Mul).i32(5).op(Op.i32Shl).op(Op.i32Add)
      .set(d);
    f.get(src).get(p).i32(3).op(Op.i32Shl).get(s1).op(Op.i32Mul)
      .op(Op.i32Add).set(sb);
    // B read down its columns (a transposed operand, the columns of a convolution's weight
    // gradient): each column is copied whole, so the reads run along memory.
    f.get(s0).i32(4).op(Op.i32Eq).if();
    f.get(w).i32(8).op(Op.i32LtU).get(kb).get(kp).op(Op.i32LtU).op(Op.i32Or)
      .if();
    f.get(d).i32(0).get(kp).i32(5).op(Op.i32Shl).memoryFill();
    f.end();
    f.for(x, () => f.i32(0), () => f.get(w), () => {
      f.get(sb).get(x).get(s1).op(Op.i32Mul).op(Op.i32Add).set(s);
      f.get(d).get(x).i32(2).op(Op.i32Shl).op(Op.i32Add).set(e);
      f.for(q, () => f.i32(0), () => f.get(kb), () => {
        f.get(e).get(s).f32Load().f32Store();
        f.get(e).i32(32).op(Op.i32Add).set(e);
        f.get(s).i32(4).op(Op.i32Add).set(s);
      });
    });
    f.else();
    f.for(q, () => f.i32(0), () => f.get(kp), () => {
      f.get(q).get(kb).op(Op.i32LtS).if();
      f.get(sb).get(q).get(s0).op(Op.i32Mul).op(Op.i32Add).set(s);
      f.get(w).i32(8).op(Op.i32Eq).get(s1).i32(4).op(Op.i32Eq).op(Op.i32And)
        .if();
      for (const h of [0, 16]) {
        f.get(d).get(s).simd(Simd.load, vec(h)).simd(Simd.store, vec(h));
      }
      f.else();
      f.for(x, () => f.i32(0), () => f.get(w), () => {
        f.get(d).get(x).i32(2).op(Op.i32Shl).op(Op.i32Add);
        f.get(s).get(x).get(s1).op(Op.i32Mul).op(Op.i32Add).f32Load();
        f.f32Store();
      });
      f.for(x, () => f.get(w), () => f.i32(8), () => {
        f.get(d).get(x).i32(2).op(Op.i32Shl).op(Op.i32Add).f32Zero().f32Store();
      });
      f.end();
      f.else();
      for (const h of [0, 16]) f.get(d).v128Zero().simd(Simd.store, vec(h));
      f.end();
      f.get(d).i32(32).op(Op.i32Add).set(d);
    });
    f.end();
  });
  return f;
}

interface Module {
  memory: WebAssembly.Memory;
  gemm: Kernel;
  packA: Pack;
  packB: Pack;
  /** The dot-product tiles, by DOT_TILES's index. */
  dot: DotTile[];
  fused: boolean;
  /** Whether its memory is shared (helper threads can run its kernel). */
  shared: boolean;
}

/** Pages (64 KiB) the shared memory may grow to: the scratch and the blocks need about 8 MiB. */
const MAX_PAGES = 1024;

/** The kernel and packers for the helper thread with scratch `slot` (the caller's is 0). */
function helperBytes(fused: boolean, slot: number): Uint8Array<ArrayBuffer> {
  return assemble(
    {
      gemm: gemmCode(fused, slot * SCRATCH),
      packA: packACode(),
      packB: packBCode(),
    },
    { maxPages: MAX_PAGES },
    SCRATCH_PAGES,
  );
}

let module: Module | null | undefined;

/**
 * The compiled kernel (fused where relaxed SIMD validates; over shared memory where threads are
 * there), or null where SIMD is missing.
 */
export function wasmGemmModule(): Module | null {
  if (module !== undefined) return module;
  module = null;
  for (const fused of [true, false]) {
    for (const shared of [true, false]) {
      const bytes = assemble(
        {
          gemm: gemmCode(fused, 0),
          packA: packACode(),
          packB: packBCode(),
          ...Object.fromEntries(
            DOT_TILES.map(([r, c]) => [`dot${r}x${c}`, dotCode(r, c, fused)]),
          ),
        },
        shared ? { maxPages: MAX_PAGES } : undefined,
        SCRATCH_PAGES,
      );
      try {
        if (!WebAssembly.validate(bytes)) continue;
        const memory = new WebAssembly.Memory(
          shared
            ? { initial: SCRATCH_PAGES, maximum: MAX_PAGES, shared: true }
            : { initial: SCRATCH_PAGES },
        );
        const exports = instantiate(bytes, memory);
        module = {
          memory,
          gemm: exports.gemm as Kernel,
          packA: exports.packA as Pack,
          packB: exports.packB as Pack,
          dot: DOT_TILES.map(([r, c]) => exports[`dot${r}x${c}`] as DotTile),
          fused,
          shared,
        };
        return module;
      } catch {
        continue;
      }
    }
  }
  return module;
}

// ---------------------------------------------------------------- threads

/** A helper thread and its control words (gemm_slots.ts). */
interface Helper {
  worker: Worker;
  state: Int32Array;
  request: number;
}

/** The words of the block in hand, shared with every helper (gemm_slots.ts). */
const job = new Int32Array(
  typeof SharedArrayBuffer === "function"
    ? new SharedArrayBuffer(JOB_SIZE * 4)
    : new ArrayBuffer(JOB_SIZE * 4),
);

/**
 * Blocks (multiply-adds) below this run on the calling thread alone. Waking a helper that sleeps
 * in Atomics.wait took about 170 µs a hand-over on the 2-core VM (LeNet's fc1 product at batch
 * 64, 2M multiply-adds in two blocks: 488 µs shared against 145 µs alone), so a block must be
 * worth several times that (about 0.5 ms of work) before it is shared.
 */
const PARALLEL_MIN = 1 << 23;

const cores = (() => {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } })
    .navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? n : 1;
})();

let threads = (() => {
  const env = envVar("FLAMBEAU_NUM_THREADS"), n = Number(env);
  return env && Number.isInteger(n) && n >= 1 ? n : cores;
})();
const helpers: Helper[] = [];

/** `torch.set_num_threads`: threads the CPU's WebAssembly products use (the caller's included). */
export function setNumThreads(n: number): void {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    const got = typeof n === "number"
      ? "float"
      : typeof n === "string"
      ? "str"
      : typeof n;
    throw new RuntimeError(`set_num_threads expects an int, but got ${got}`);
  }
  if (n < 1) {
    throw new RuntimeError("set_num_threads expects a positive integer");
  }
  threads = n;
}

/** `torch.get_num_threads`. */
export function getNumThreads(): number {
  return threads;
}

/** Starts the helper threads still missing (they come up while the caller goes on). */
function startHelpers(mod: Module): void {
  while (helpers.length < Math.min(threads, MAX_THREADS) - 1) {
    const control = new SharedArrayBuffer(HELPER_WORDS * 4);
    let worker: Worker;
    try {
      // The sources under Deno and Bun; tsc's output (dist/) under Node.
      const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
      worker = new Worker(new URL(`./gemm_thread.${ext}`, import.meta.url));
    } catch {
      threads = helpers.length + 1;
      return;
    }
    worker.unref();
    const bytes = helperBytes(mod.fused, helpers.length + 1);
    worker.postMessage({
      control,
      job: job.buffer,
      memory: mod.memory,
      bytes,
      kb: KB,
    });
    helpers.push({ worker, state: new Int32Array(control), request: 0 });
  }
}

/** The helpers that have their instance, up to threads − 1. */
function readyHelpers(): Helper[] {
  const out: Helper[] = [];
  for (let i = 0; i < helpers.length && i < threads - 1; i++) {
    if (Atomics.load(helpers[i].state, Word.Ready) === 1) out.push(helpers[i]);
  }
  return out;
}

/**
 * The block described in `job` (its words but the counters set), on this thread and, for a block
 * of at least PARALLEL_MIN multiply-adds, the helpers: each is opened the block and joins when it
 * wakes, unless this thread has finished every chunk by then. `stages` copy the shared operand
 * and then the split one into the module's memory once the block is open (the threads wait for
 * them), for the first block of a product; none for the others. `between` runs on this thread
 * before each chunk it claims.
 */
function runJob(
  mod: Module,
  stages: (() => void)[],
  between?: () => void,
): void {
  const panels = job[Job.ByRows] === 1 ? job[Job.MP] : job[Job.NP];
  const macs = job[Job.MP] * MR * job[Job.NP] * 8 * job[Job.K];
  let open: Helper[] = [];
  if (threads > 1 && mod.shared && macs >= PARALLEL_MIN && panels > 1) {
    startHelpers(mod);
    open = helpers.slice(0, Math.min(threads - 1, panels - 1));
  }
  job[Job.Parts] = 1 + open.length;
  job[Job.SharedNext] = 0;
  job[Job.SharedDone] = 0;
  job[Job.ChunkNext] = 0;
  job.fill(0, FINISHED, FINISHED + panels);
  for (const h of open) {
    h.request++;
    Atomics.store(h.state, Word.Gate, h.request);
    Atomics.store(h.state, Word.Request, h.request);
    Atomics.notify(h.state, Word.Request);
  }
  for (const stage of stages) stage();
  const late = (): never => {
    throw new RuntimeError(
      `a CPU helper thread did not finish its part of a matrix product in ${
        HELPER_TIMEOUT_MS / 1000
      } s`,
    );
  };
  const deadline = performance.now() + HELPER_TIMEOUT_MS;
  work(mod, job, KB, late, deadline, between);
  for (const h of open) {
    // A helper that has not joined by now never will: this thread did its part.
    if (
      Atomics.compareExchange(h.state, Word.Gate, h.request, 0) === h.request
    ) {
      continue;
    }
    for (;;) {
      const done = Atomics.load(h.state, Word.Done);
      if (done === h.request) break;
      if (performance.now() > deadline) late();
      Atomics.wait(h.state, Word.Done, done, 1000);
    }
  }
}

/** How long the caller waits for a helper before raising, rather than hang. */
const HELPER_TIMEOUT_MS = 120_000;

/** Floats of the module's memory, grown to hold at least n. */
function heap(m: Module, n: number): Float32Array {
  reserve(m.memory, 4 * n);
  return new Float32Array(m.memory.buffer);
}

/**
 * out[oOff + i·n + j] (+)= Σ_q A(i, q)·B(q, j), as gemmInto (matmul.ts), in float32 through the
 * SIMD kernel; false (nothing done) for a float64 output or where the module is not available.
 */
export function wasmGemm(
  out: Float32Array | Float64Array,
  oOff: number,
  a: ArrayLike<number>,
  aOff: number,
  as0: number,
  as1: number,
  b: ArrayLike<number>,
  bOff: number,
  bs0: number,
  bs1: number,
  m: number,
  k: number,
  n: number,
  accumulate: boolean,
): boolean {
  const mod = mode === "auto" && out instanceof Float32Array
    ? wasmGemmModule()
    : null;
  if (!mod) return false;
  // Layout of the memory, in floats, past the scratch: A block, B block (each KS steps of k at
  // most, in k blocks of KB), C block.
  // Rows in blocks of at most MB, as even as panels allow: 2050 rows are two blocks of 1026 and
  // 1024, not 2040 and 10 (which would pack all of B again for ten rows, on one thread).
  const mbStep = MR * Math.ceil(m / Math.ceil(m / MB) / MR);
  const mpMax = mbStep / MR,
    npMax = Math.ceil(Math.min(NB, n) / 8);
  const ksMax = Math.min(KS, KB * Math.ceil(k / KB));
  const aBase = SCRATCH_PAGES * 16384, bBase = aBase + mpMax * MR * ksMax;
  const cBase = bBase + npMax * 8 * ksMax;
  // Operands that fit are copied into the module's memory whole (one memcpy each), and their
  // blocks packed there by the module: packing in JavaScript cost more than the products of
  // thin matrices (a convolution's columns), and a fifth of a square one.
  // Each staged operand half a page from where its elements sit in their page (placed()): its
  // copy in ran at 9 GB/s from a page start, 10-11 from there.
  const aSpan = stageSpan(a, m, k, as0, as1),
    bSpan = stageSpan(b, k, n, bs0, bs1);
  const cEnd = cBase + mpMax * MR * npMax * 8;
  const aStage = aSpan > 0 ? placed(cEnd, a as Float32Array, aOff) : cEnd;
  const aEnd = (aStage + aSpan + 3) & ~3;
  const bStage = bSpan > 0 ? placed(aEnd, b as Float32Array, bOff) : aEnd;
  const F = heap(mod, bStage + bSpan);
  // An operand is staged a piece at a time, each published in its word of the job (the byte
  // address staging has reached), so the threads pack its first k blocks or rows meanwhile.
  const stage =
    (x: ArrayLike<number>, off: number, span: number, at: number, word: Job) =>
    () => {
      for (let i = 0; i < span; i += STAGE_PIECE) {
        const end = Math.min(span, i + STAGE_PIECE);
        F.set((x as Float32Array).subarray(off + i, off + end), at + i);
        Atomics.store(job, word, 4 * (at + end));
      }
    };
  const stageA = stage(a, aOff, aSpan, aStage, Job.AReady);
  const stageB = stage(b, bOff, bSpan, bStage, Job.BReady);
  if (
    aSpan > 0 && bSpan > 0 && as1 === 1 && bs0 === 1 && m <= MB && n <= NB &&
    k >= DOT_MIN_K && k >= 8 * Math.max(m, n)
  ) {
    stageA();
    stageB();
    dotProduct(
      mod,
      4 * aStage,
      4 * as0,
      4 * bStage,
      4 * bs1,
      4 * cBase,
      m,
      n,
      k,
    );
    copyOut(F, cBase, n, out, oOff, n, m, n, accumulate);
    return true;
  }
  // The first block is opened to the helpers before the operands are staged (a helper takes a
  // while to wake): the operand the threads share in it (gemm_slots.ts) first, then the other.
  const byRows0 = Math.ceil(Math.min(mbStep, m) / MR) >=
    Math.ceil(Math.min(NB, n) / 8);
  let stages = byRows0 ? [stageB, stageA] : [stageA, stageB];
  job[Job.AReady] = aSpan > 0 ? 0 : READY;
  job[Job.BReady] = bSpan > 0 ? 0 : READY;
  for (let i0 = 0; i0 < m; i0 += mbStep) {
    const mb = Math.min(mbStep, m - i0), mp = Math.ceil(mb / MR);
    for (let j0 = 0; j0 < n; j0 += NB) {
      const nb = Math.min(NB, n - j0), np = Math.ceil(nb / 8), ldc = np * 8;
      // Floats between k blocks of the packed A and B.
      const ak = mp * MR * KB, bk = np * 8 * KB;
      // Panels of C's rows copied out, by copyFinished.
      let copied = 0;
      const copyFinished = () => {
        while (copied < mp) {
          const panels = Atomics.load(job, FINISHED + copied);
          if (panels === 0) return;
          const r0 = copied * MR,
            rows = Math.min(mb, (copied + panels) * MR) - r0;
          const o = oOff + (i0 + r0) * n + j0;
          copyOut(F, cBase + r0 * ldc, ldc, out, o, n, rows, nb, accumulate);
          copied += panels;
        }
      };
      for (let s0 = 0; s0 < k; s0 += KS) {
        const ks = Math.min(KS, k - s0);
        // The threads pack staged operands themselves (gemm_slots.ts); others are packed here,
        // from JavaScript, before the block is opened.
        for (let k0 = s0; k0 < s0 + ks; k0 += KB) {
          const kb = Math.min(KB, s0 + ks - k0), blk = (k0 - s0) / KB;
          if (aSpan === 0) {
            const at = aOff + i0 * as0 + k0 * as1;
            packA(F, aBase + blk * ak, a, at, as0, as1, mb, mp, kb, KB);
          }
          if (bSpan === 0) {
            const at = bOff + k0 * bs0 + j0 * bs1;
            packB(F, bBase + blk * bk, b, at, bs0, bs1, nb, np, kb, KB);
          }
        }
        job[Job.ASrc] = aSpan > 0 ? 4 * (aStage + i0 * as0 + s0 * as1) : -1;
        job[Job.AS0] = 4 * as0;
        job[Job.AS1] = 4 * as1;
        job[Job.BSrc] = bSpan > 0 ? 4 * (bStage + s0 * bs0 + j0 * bs1) : -1;
        job[Job.BS0] = 4 * bs0;
        job[Job.BS1] = 4 * bs1;
        job[Job.Rows] = mb;
        job[Job.Cols] = nb;
        job[Job.MP] = mp;
        job[Job.NP] = np;
        job[Job.K] = ks;
        job[Job.APacked] = 4 * aBase;
        job[Job.BPacked] = 4 * bBase;
        job[Job.C] = 4 * cBase;
        job[Job.LDC] = 4 * ldc;
        job[Job.AK] = 4 * ak;
        job[Job.BK] = 4 * bk;
        job[Job.Fresh] = s0 === 0 ? 1 : 0;
        job[Job.ByRows] = mp >= np ? 1 : 0;
        // Over the last steps of k, the rows of C that the threads have finished are copied out
        // between this thread's chunks (a 1024² product copied 0.4 ms after the others).
        const last = s0 + KS >= k && mp >= np;
        runJob(mod, stages, last ? copyFinished : undefined);
        stages = [];
        job[Job.AReady] = job[Job.BReady] = READY;
        if (last) copyFinished();
        // Every thread is done with the block, so an interrupt leaves nothing running.
        checkInterrupt();
      }
      if (copied < mp) {
        copyOut(F, cBase, ldc, out, oOff + i0 * n + j0, n, mb, nb, accumulate);
      }
    }
  }
  return true;
}

/** rows × cols of C (from `at`, rows `ldc` apart in F) copied (or added) to out (rows `ldo` apart). */
function copyOut(
  F: Float32Array,
  at: number,
  ldc: number,
  out: Float32Array | Float64Array,
  oOff: number,
  ldo: number,
  rows: number,
  cols: number,
  accumulate: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const o = oOff + r * ldo, s = at + r * ldc;
    if (accumulate) {
      for (let x = 0; x < cols; x++) out[o + x] += F[s + x];
    } else {
      out.set(F.subarray(s, s + cols), o);
    }
  }
}

/** The shortest k the dot-product kernel takes (it keeps no k blocks, so it wants long ones). */
const DOT_MIN_K = 512;

/**
 * C = A·B into the module's memory at c (m rows of n floats), A's rows and B's columns contiguous
 * in k (addresses and strides in bytes): the dot-product tiles over the whole of C.
 */
function dotProduct(
  mod: Module,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  c: number,
  m: number,
  n: number,
  k: number,
): void {
  for (let i = 0; i < m;) {
    const r = m - i >= 2 ? 2 : 1;
    for (let j = 0; j < n;) {
      const w = n - j >= 4 ? 4 : 1;
      const tile = mod.dot[(r === 2 ? 0 : 2) + (w === 4 ? 0 : 1)];
      tile(
        a + i * lda,
        lda,
        b + j * ldb,
        ldb,
        c + 4 * (i * n + j),
        4 * n,
        k,
      );
      j += w;
    }
    i += r;
    checkInterrupt();
  }
}

/** Floats of an operand copied into the module's memory at a time (256 KiB: a k block of B). */
const STAGE_PIECE = 1 << 16;

/** Floats of one operand that may be copied into the module's memory (16 MiB). */
const STAGE_MAX = 1 << 22;

/**
 * How many elements an operand's rows × cols spans in its array (from its first element to its
 * last), when it is a float32 array whose copy into the module's memory is worth making: no
 * negative strides, at most STAGE_MAX elements, and at most twice as many as it uses. 0 if not.
 */
function stageSpan(
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  s0: number,
  s1: number,
): number {
  if (!(x instanceof Float32Array) || s0 < 0 || s1 < 0) return 0;
  const span = (rows - 1) * s0 + (cols - 1) * s1 + 1;
  return span <= STAGE_MAX && span <= 2 * rows * cols ? span : 0;
}

/**
 * A block of A (mb rows from `off`, kb columns) as MR-row panels interleaved per k, padded with
 * zeros to MR rows and kp steps.
 */
function packA(
  F: Float32Array,
  base: number,
  a: ArrayLike<number>,
  off: number,
  s0: number,
  s1: number,
  mb: number,
  mp: number,
  kb: number,
  kp: number,
): void {
  for (let p = 0; p < mp; p++) {
    const panel = base + p * kp * MR;
    for (let r = 0; r < MR; r++) {
      const row = p * MR + r;
      let q = 0, d = panel + r;
      if (row < mb) {
        const src = off + row * s0;
        for (; q < kb; q++, d += MR) F[d] = a[src + q * s1];
      }
      for (; q < kp; q++, d += MR) F[d] = 0;
    }
  }
}

/** A block of B (kb rows from `off`, nb columns) as 8-column panels, one row of 8 per k, to kp. */
function packB(
  F: Float32Array,
  base: number,
  b: ArrayLike<number>,
  off: number,
  s0: number,
  s1: number,
  nb: number,
  np: number,
  kb: number,
  kp: number,
): void {
  for (let p = 0; p < np; p++) {
    const panel = base + p * kp * 8, c0 = p * 8, width = Math.min(8, nb - c0);
    if (kp > kb) F.fill(0, panel + kb * 8, panel + kp * 8);
    for (let q = 0; q < kb; q++) {
      const d = panel + q * 8, src = off + q * s0 + c0 * s1;
      let x = 0;
      if (s1 === 1) {
        for (; x < width; x++) F[d + x] = b[src + x];
      } else {
        for (; x < width; x++) F[d + x] = b[src + x * s1];
      }
      for (; x < 8; x++) F[d + x] = 0;
    }
  }
}
