// im2col and its adjoint (col2im) for float32 convolutions, in WebAssembly: the rows of a tap are
// runs of the input, copied with memory.copy and padded with memory.fill, so the cost is the
// copying itself, on V8 and JavaScriptCore alike (the same loops in JavaScript ran 1.5 ns an
// element under Deno and three times that under Bun). A chunk of samples is copied into the
// module's memory once; the columns stay there, and the GEMM (the system BLAS or the SIMD
// kernel) reads them in place. The memory is shared where the runtime allows it, so that a
// helper thread (conv_thread.ts, started here) can build its share of a convolution's columns in
// it too. The assembler is wasm.ts; nothing is built ahead.

import { CONV_GEOM_FIELDS, type ConvGeom } from "../backend.ts";
import { tapSpan } from "../geometry.ts";
import {
  assemble,
  Code,
  I32,
  instantiate,
  Op,
  reserve,
  Simd,
  V128,
} from "./wasm.ts";
import { getNumThreads, simdOn } from "./wasm_gemm.ts";
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import { RuntimeError } from "../../errors.ts";

type Kernel = (...args: number[]) => void;

/**
 * im2col(src, dst, tab, Cg, kh, kw, nb, sample, HW, H, W, oh, ow, sh, sw, ph, dh, adjoint), every
 * address in bytes: the columns of `nb` samples at src (channel 0 of the group; `sample` floats
 * apart) into dst, [(c·kh + i)·kw + j, s·oh·ow + y·ow + x], or with `adjoint` the columns added
 * back into src. tab holds, per kernel column j, the first and last-plus-one output column whose
 * input column lies inside the row, and j·dw − pw.
 */
function im2colCode(): Code {
  const f = new Code(Array(18).fill(I32));
  const [
    src,
    dst,
    tab,
    Cg,
    kh,
    kw,
    nb,
    sample,
    HW,
    H,
    W,
    oh,
    ow,
    sh,
    sw,
    ph,
    dh,
    adjoint,
  ] = Array.from({ length: 18 }, (_, i) => i);
  const c = f.local(I32), i = f.local(I32), j = f.local(I32), s = f.local(I32);
  const y = f.local(I32),
    x = f.local(I32),
    d = f.local(I32),
    plane = f.local(I32);
  const iy = f.local(I32),
    x0 = f.local(I32),
    x1 = f.local(I32),
    shift = f.local(I32);
  const row = f.local(I32);
  const p = f.local(I32), q = f.local(I32), e = f.local(I32);
  /**
   * Over the bytes [p, e) and from q: whole vectors of four floats while they fit, then single
   * floats. `vec` and `one` emit the work at p and q (addresses on no stack); memory.copy costs a
   * call each, too much for rows of a few floats.
   */
  const runs = (vec: () => void, one: () => void) => {
    f.block().loop();
    f.get(p).i32(16).op(Op.i32Add).get(e).op(Op.i32GtU).brIf(1);
    vec();
    f.get(p).i32(16).op(Op.i32Add).set(p);
    f.get(q).i32(16).op(Op.i32Add).set(q).br(0).end().end();
    f.block().loop();
    f.get(p).get(e).op(Op.i32GeU).brIf(1);
    one();
    f.get(p).i32(4).op(Op.i32Add).set(p);
    f.get(q).i32(4).op(Op.i32Add).set(q).br(0).end().end();
  };
  const zero = () => f.i32(0);
  const byte = (get: () => void) => { // (element index) * 4
    get();
    f.i32(2).op(Op.i32Shl);
  };
  /** push base + (index)·4 */
  const addr = (base: number, index: () => void) => {
    f.get(base);
    byte(index);
    f.op(Op.i32Add);
  };
  f.for(c, zero, () => f.get(Cg), () => {
    f.for(i, zero, () => f.get(kh), () => {
      f.for(j, zero, () => f.get(kw), () => {
        // x0, x1, shift = tab[3j .. 3j + 2]
        const entry = () => {
          f.get(tab).get(j).i32(12).op(Op.i32Mul).op(Op.i32Add);
        };
        entry();
        f.i32Load(0).set(x0);
        entry();
        f.i32Load(4).set(x1);
        entry();
        f.i32Load(8).set(shift);
        f.for(s, zero, () => f.get(nb), () => {
          // d = (((c·kh + i)·kw + j)·nb + s)·oh·ow; plane = s·sample + c·HW
          f.get(c).get(kh).op(Op.i32Mul).get(i).op(Op.i32Add).get(kw).op(
            Op.i32Mul,
          )
            .get(j).op(Op.i32Add).get(nb).op(Op.i32Mul).get(s).op(Op.i32Add)
            .get(oh).op(Op.i32Mul).get(ow).op(Op.i32Mul).set(d);
          f.get(s).get(sample).op(Op.i32Mul).get(c).get(HW).op(Op.i32Mul)
            .op(Op.i32Add).set(plane);
          f.for(y, zero, () => f.get(oh), () => {
            // iy = y·sh − ph + i·dh
            f.get(y).get(sh).op(Op.i32Mul).get(ph).op(Op.i32Sub).get(i).get(dh)
              .op(Op.i32Mul).op(Op.i32Add).set(iy);
            f.get(iy).i32(0).op(Op.i32LtS).get(iy).get(H).op(Op.i32GeS)
              .op(Op.i32Or).if();
            // A row outside the input: zeros (nothing to add back).
            f.get(adjoint).op(Op.i32Eqz).if();
            addr(dst, () => f.get(d));
            f.i32(0);
            byte(() => f.get(ow));
            f.memoryFill().end();
            f.else();
            // row = plane + iy·W + shift (may sit before the plane: x0 steps over that)
            f.get(plane).get(iy).get(W).op(Op.i32Mul).op(Op.i32Add).get(shift)
              .op(Op.i32Add).set(row);
            // p, q, e: the run's columns at dst and its input at src (for stride 1)
            addr(dst, () => f.get(d).get(x0).op(Op.i32Add));
            f.set(p);
            addr(src, () => f.get(row).get(x0).op(Op.i32Add));
            f.set(q);
            addr(dst, () => f.get(d).get(x1).op(Op.i32Add));
            f.set(e);
            f.get(adjoint).get(sw).i32(1).op(Op.i32Eq).op(
              0x71, /* i32.and */
            ).if();
            // src[q..] += dst[p..], four at a time
            runs(() => {
              f.get(q).get(q).simd(Simd.load, { align: 0, offset: 0 });
              f.get(p).simd(Simd.load, { align: 0, offset: 0 });
              f.simd(Simd.f32x4Add).simd(Simd.store, { align: 0, offset: 0 });
            }, () => {
              f.get(q).get(q).f32Load().get(p).f32Load().op(Op.f32Add)
                .f32Store();
            });
            f.else();
            f.get(adjoint).if();
            f.for(x, () => f.get(x0), () => f.get(x1), () => {
              // src[row + x·sw] += dst[d + x]
              const at = () =>
                addr(src, () => {
                  f.get(row).get(x).get(sw).op(Op.i32Mul).op(Op.i32Add);
                });
              at();
              at();
              f.f32Load();
              addr(dst, () => f.get(d).get(x).op(Op.i32Add));
              f.f32Load().op(Op.f32Add).f32Store();
            });
            f.else();
            // Zeros where the row's taps fall outside the input (none in a valid convolution).
            f.get(x0).if();
            addr(dst, () => f.get(d));
            f.i32(0);
            byte(() => f.get(x0));
            f.memoryFill();
            f.end();
            f.get(x1).get(ow).op(Op.i32LtS).if();
            addr(dst, () => f.get(d).get(x1).op(Op.i32Add));
            f.i32(0);
            byte(() => f.get(ow).get(x1).op(Op.i32Sub));
            f.memoryFill();
            f.end();
            f.get(sw).i32(1).op(Op.i32Eq).if();
            runs(() => {
              f.get(p).get(q).simd(Simd.load, { align: 0, offset: 0 })
                .simd(Simd.store, { align: 0, offset: 0 });
            }, () => {
              f.get(p).get(q).f32Load().f32Store();
            });
            f.else();
            f.for(x, () => f.get(x0), () => f.get(x1), () => {
              addr(dst, () => f.get(d).get(x).op(Op.i32Add));
              addr(src, () => {
                f.get(row).get(x).get(sw).op(Op.i32Mul).op(Op.i32Add);
              });
              f.f32Load().f32Store();
            });
            f.end(); // sw
            f.end(); // adjoint
            f.end(); // adjoint with stride 1
            f.end(); // row inside
            f.get(d).get(ow).op(Op.i32Add).set(d);
          });
        });
      });
    });
  });
  return f;
}

/** The row geometry an unrolled im2colValid is built for: oh rows of ow, sh·W floats apart. */
interface RowShape {
  oh: number;
  ow: number;
  rowStep: number;
}

/**
 * One tap of one sample, its oh rows of ow floats, with every address an offset from the tap's
 * first input row q and first column d (then d moves past the tap): no loops and no bounds,
 * where the looped form spends more on its counters than on its copies (LeNet's second layer,
 * rows of 10 floats).
 */
function unrolledTap(
  f: Code,
  adjoint: boolean,
  { oh, ow, rowStep }: RowShape,
  q: number,
  d: number,
  tail: number,
): void {
  const vectors = Math.ceil(ow / 4);
  for (let y = 0; y < oh; y++) {
    for (let v = 0; v < vectors; v++) {
      const src = { align: 0, offset: 4 * (y * rowStep + 4 * v) };
      const dst = { align: 0, offset: 4 * (y * ow + 4 * v) };
      if (!adjoint) {
        f.get(d).get(q).simd(Simd.load, src).simd(Simd.store, dst);
        continue;
      }
      f.get(q).get(q).simd(Simd.load, src).get(d).simd(Simd.load, dst);
      if (4 * v + 4 > ow) f.get(tail).simd(Simd.v128And);
      f.simd(Simd.f32x4Add).simd(Simd.store, src);
    }
  }
  f.get(d).i32(4 * oh * ow).op(Op.i32Add).set(d);
}

/** Unrolled taps only for rows up to this many vectors a tap (code size). */
const UNROLL_MAX_VECTORS = 256;

/**
 * im2colValid, with im2col's arguments (H, sw, ph and adjoint unused; the tap table gives each
 * column j's shift j·dw): im2col for a convolution with no padding and a column stride of 1, where every tap's row is a
 * whole run of the input (LeNet's layers). Each row is copied as whole vectors, the last one
 * reaching up to three floats past the row: the rows are written in increasing order, so the
 * next row overwrites them, and the module keeps a vector of slack after the columns. That
 * leaves no scalar tail and no bounds to test: LeNet's two layers at batch 64 took 340 to 524
 * and 752 to 937 µs through im2col, 171 and 225 here.
 *
 * With `adjoint` (col2imValid), each row of columns is added back into its
 * run of the input: whole vectors, then the last one with the lanes past the row cleared, so
 * that the input past the row gets +0 added. That changes nothing there: col2im's target starts
 * from +0 and only ever has values added, so it never holds -0, the one value + 0 would change.
 * The module keeps a vector of slack after the input for the last row.
 */
function im2colValidCode(adjoint: boolean, shape?: RowShape): Code {
  const f = new Code(Array(18).fill(I32));
  const [src, dst, tab, Cg, kh, kw, nb, sample, HW, , W, oh, ow, sh, , , dh] =
    Array.from({ length: 18 }, (_, i) => i);
  const c = f.local(I32), i = f.local(I32), j = f.local(I32), s = f.local(I32);
  const y = f.local(I32), q = f.local(I32), t = f.local(I32);
  const d = f.local(I32), end = f.local(I32), rowStep = f.local(I32);
  const rowBytes = f.local(I32), whole = f.local(I32), stop = f.local(I32);
  const tail = f.local(V128);
  const zero = () => f.i32(0);
  const vec = { align: 0, offset: 0 };
  // rowStep = 4·sh·W, rowBytes = 4·ow; whole: the bytes of the row's whole vectors
  f.get(sh).get(W).op(Op.i32Mul).i32(2).op(Op.i32Shl).set(rowStep);
  f.get(ow).i32(2).op(Op.i32Shl).tee(rowBytes).i32(-16).op(Op.i32And).set(
    whole,
  );
  // tail: the lanes of the last vector inside the row, lane < ow mod 4
  f.v128Const(new Uint8Array(new Int32Array([0, 1, 2, 3]).buffer));
  f.get(ow).i32(3).op(Op.i32And).simd(Simd.i32x4Splat).simd(Simd.i32x4LtS);
  f.set(tail);
  /** src[t] (+)= dst[d] for the vector at d, its lanes ANDed with `mask` when given. */
  const step = (mask?: number) => {
    if (!adjoint) {
      f.get(d).get(t).simd(Simd.load, vec).simd(Simd.store, vec);
      return;
    }
    f.get(t).get(t).simd(Simd.load, vec).get(d).simd(Simd.load, vec);
    if (mask !== undefined) f.get(mask).simd(Simd.v128And);
    f.simd(Simd.f32x4Add).simd(Simd.store, vec);
  };
  const advance = () => {
    f.get(t).i32(16).op(Op.i32Add).set(t);
    f.get(d).i32(16).op(Op.i32Add).set(d);
  };
  f.get(dst).set(d);
  f.for(c, zero, () => f.get(Cg), () => {
    f.for(i, zero, () => f.get(kh), () => {
      f.for(j, zero, () => f.get(kw), () => {
        f.for(s, zero, () => f.get(nb), () => {
          // q = src + 4·(s·sample + c·HW + i·dh·W + shift): the tap's first input row
          f.get(s).get(sample).op(Op.i32Mul).get(c).get(HW).op(Op.i32Mul)
            .op(Op.i32Add);
          f.get(i).get(dh).op(Op.i32Mul).get(W).op(Op.i32Mul).op(Op.i32Add);
          f.get(tab).get(j).i32(12).op(Op.i32Mul).op(Op.i32Add).i32Load(8);
          f.op(Op.i32Add);
          f.i32(2).op(Op.i32Shl).get(src).op(Op.i32Add).set(q);
          if (shape) {
            unrolledTap(f, adjoint, shape, q, d, tail);
            return;
          }
          f.for(y, zero, () => f.get(oh), () => {
            f.get(d).get(rowBytes).op(Op.i32Add).set(end);
            f.get(q).set(t);
            if (adjoint) {
              // The whole vectors (while d < stop), then the masked last one, if any.
              f.get(d).get(whole).op(Op.i32Add).set(stop);
              f.block().loop();
              f.get(d).get(stop).op(Op.i32GeU).brIf(1);
              step();
              advance();
              f.br(0).end().end();
              f.get(d).get(end).op(Op.i32LtU).if();
              step(tail);
              f.end();
            } else {
              f.loop();
              step();
              advance();
              f.get(d).get(end).op(Op.i32LtU).brIf(0);
              f.end();
            }
            f.get(end).set(d);
            f.get(q).get(rowStep).op(Op.i32Add).set(q);
          });
        });
      });
    });
  });
  return f;
}

// ---------------------------------------------------------------- one sample at fixed addresses

/**
 * Each thread's scratch for one sample's columns (sampleColumns), past the tap table and before
 * any laid-out chunk: the sample's input, then its columns, each with a vector of slack. Slot 0
 * is the calling thread's, slot 1 the helper's.
 */
const FIXED_BASE = 4096, FIXED_SLOT = 1 << 18, FIXED_SLOTS = 2;
const FIXED_END = FIXED_BASE + FIXED_SLOTS * FIXED_SLOT;
/** Pages a samplewise kernel declares as the memory's minimum: its constant addresses lie below. */
const FIXED_PAGES = Math.ceil(FIXED_END / 65536);
/** Vectors a samplewise kernel is unrolled to at most (16 bytes of code each, 25 for col2im). */
const FIXED_MAX_COPIES = 8192;

/** The row and tap geometry a samplewise kernel is built for (one group's channels). */
function fixedShape(g: ConvGeom) {
  const Cg = g.C / g.G, K = Cg * g.kh * g.kw, L = g.oh * g.ow;
  const vectors = Math.ceil(g.ow / 4);
  const inFloats = Cg * g.H * g.W + 4, colFloats = K * L + 4;
  const fits = g.sw === 1 && g.ph === 0 && g.pw === 0 &&
    3 * g.kw * 4 <= FIXED_BASE && K * g.oh * vectors <= FIXED_MAX_COPIES &&
    4 * (inFloats + colFloats) <= FIXED_SLOT;
  return { Cg, L, vectors, inFloats, fits };
}

/**
 * im2col of one sample (one group's channels) from its copy at `input` into the columns at `cols`
 * ([K, L]), both constant byte addresses below the module's declared minimum, so that V8 checks
 * none of its loads and stores (the looped and unrolled kernels above check each against the
 * memory's length: LeNet's second layer took about 2.7 µs a sample there, 1.4 here). Rows are
 * whole vectors, reaching up to three floats past the row, as in im2colValid. With `adjoint`
 * (col2im), each row of columns is added back into the input, the last vector's lanes past the
 * row cleared first, as in col2imValid.
 */
function fixedIm2colCode(
  g: ConvGeom,
  input: number,
  cols: number,
  adjoint: boolean,
): Code {
  const f = new Code([]);
  const { Cg, L, vectors } = fixedShape(g);
  // col2im: the lanes of a row's last vector inside the row, lane < ow mod 4.
  const tail = adjoint ? f.local(V128) : -1;
  if (adjoint) {
    const lanes = [0, 1, 2, 3].map((l) => l < g.ow % 4 ? -1 : 0);
    f.v128Const(new Uint8Array(new Int32Array(lanes).buffer)).set(tail);
  }
  for (let c = 0, tap = 0; c < Cg; c++) {
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++, tap++) {
        for (let y = 0; y < g.oh; y++) {
          const row = c * g.H * g.W + (y * g.sh + i * g.dh) * g.W + j * g.dw;
          for (let v = 0; v < vectors; v++) {
            const src = { align: 0, offset: input + 4 * (row + 4 * v) };
            const dst = {
              align: 0,
              offset: cols + 4 * (tap * L + y * g.ow + 4 * v),
            };
            if (!adjoint) {
              f.i32(0).i32(0).simd(Simd.load, src).simd(Simd.store, dst);
              continue;
            }
            f.i32(0).i32(0).simd(Simd.load, src).i32(0).simd(Simd.load, dst);
            if (4 * v + 4 > g.ow) {
              f.get(tail).simd(Simd.v128And);
            }
            f.simd(Simd.f32x4Add).simd(Simd.store, src);
          }
        }
      }
    }
  }
  return f;
}

/** A sample's columns at fixed addresses (floats into the module's memory), and the kernel. */
export interface SampleColumns {
  F: Float32Array;
  /** Where the sample's input goes (one group's channels), and where its columns [K, L] are. */
  input: number;
  cols: number;
  /** im2col from the input into the columns. */
  fill: () => void;
  /** col2im: the columns added into the input. */
  add: () => void;
}

/**
 * Under Bun (JavaScriptCore) the fixed addresses gain nothing measurable (the matrix kernel ran
 * 27.5 GFLOP/s with and without them), and copying each sample in cost more than it saved:
 * LeNet's second layer at batch 64 ran 139k images/s samplewise against 142k in chunks on one
 * thread (10th percentiles, interleaved in one process). So Bun keeps the chunks.
 */
const UNDER_BUN = "Bun" in globalThis;

/** Geometries whose samplewise kernels are kept (each a module of up to 41 bytes a vector). */
const FIXED_KEPT = 16;

/**
 * The samplewise im2col for g in this thread's slot, built at first use; null where g is not a
 * valid-padding, unit-column-stride convolution small enough to unroll, or WebAssembly is missing.
 */
export function sampleColumns(g: ConvGeom): SampleColumns | null {
  if (UNDER_BUN) return null;
  const mod = simdOn() ? wasmConv() : null;
  const shape = fixedShape(g);
  if (!mod || !shape.fits) return null;
  const input = FIXED_BASE + mod.slot * FIXED_SLOT;
  const cols = input + 4 * shape.inFloats;
  const key = CONV_GEOM_FIELDS.map((k) => g[k]).join(",");
  let kernels = mod.fixed.get(key);
  if (kernels) mod.fixed.delete(key); // set again below, as the latest
  else {
    reserve(mod.memory, FIXED_END);
    const bytes = assemble(
      {
        fill: fixedIm2colCode(g, input, cols, false),
        add: fixedIm2colCode(g, input, cols, true),
      },
      mod.bytes ? { maxPages: MAX_PAGES } : undefined,
      FIXED_PAGES,
    );
    const exports = instantiate(bytes, mod.memory);
    kernels = [exports.fill as () => void, exports.add as () => void];
    if (mod.fixed.size >= FIXED_KEPT) {
      mod.fixed.delete(mod.fixed.keys().next().value!);
    }
  }
  mod.fixed.set(key, kernels);
  return {
    F: new Float32Array(mod.memory.buffer),
    input: input / 4,
    cols: cols / 4,
    fill: kernels[0],
    add: kernels[1],
  };
}

interface Module {
  memory: WebAssembly.Memory;
  im2col: Kernel;
  im2colValid: Kernel;
  col2imValid: Kernel;
  /** The module's bytes where its memory is shared (a helper thread instantiates them too). */
  bytes: Uint8Array<ArrayBuffer> | null;
  /** im2colValid and col2imValid unrolled for a row geometry (unrolledKernels), by its key. */
  unrolled: Map<string, [Kernel, Kernel]>;
  /** This thread's scratch slot for sampleColumns (0 here, 1 in the helper). */
  slot: number;
  /** The samplewise kernels (sampleColumns), by geometry. */
  fixed: Map<string, [() => void, () => void]>;
}

/** The shared memory's limit: 65536 pages are WebAssembly's 4 GiB (address space, not memory). */
export const MAX_PAGES = 65536;

let module: Module | null | undefined;

function build(
  memory: WebAssembly.Memory,
  shared: boolean,
  slot: number,
): Module {
  const bytes = assemble(
    {
      im2col: im2colCode(),
      im2colValid: im2colValidCode(false),
      col2imValid: im2colValidCode(true),
    },
    shared ? { maxPages: MAX_PAGES } : undefined,
  );
  const exports = instantiate(bytes, memory);
  return {
    memory,
    im2col: exports.im2col as Kernel,
    im2colValid: exports.im2colValid as Kernel,
    col2imValid: exports.col2imValid as Kernel,
    bytes: shared ? bytes : null,
    unrolled: new Map(),
    slot,
    fixed: new Map(),
  };
}

/** Row geometries whose unrolled kernels are kept (each a small module), the latest used. */
const UNROLLED_KEPT = 64;

/**
 * im2colValid and col2imValid unrolled for g's rows, built over the module's memory at first use
 * (in each thread that runs them), null where the rows are too many vectors. The least recently
 * used geometry's are dropped beyond UNROLLED_KEPT.
 */
function unrolledKernels(mod: Module, g: ConvGeom): [Kernel, Kernel] | null {
  const shape = { oh: g.oh, ow: g.ow, rowStep: g.sh * g.W };
  if (shape.oh * Math.ceil(shape.ow / 4) > UNROLL_MAX_VECTORS) return null;
  const key = `${shape.oh},${shape.ow},${shape.rowStep}`;
  let kernels = mod.unrolled.get(key);
  if (kernels) mod.unrolled.delete(key); // set again below, as the latest
  else {
    const bytes = assemble(
      {
        im2colValid: im2colValidCode(false, shape),
        col2imValid: im2colValidCode(true, shape),
      },
      mod.bytes ? { maxPages: MAX_PAGES } : undefined,
    );
    const exports = instantiate(bytes, mod.memory);
    kernels = [exports.im2colValid as Kernel, exports.col2imValid as Kernel];
    if (mod.unrolled.size >= UNROLLED_KEPT) {
      mod.unrolled.delete(mod.unrolled.keys().next().value!);
    }
  }
  mod.unrolled.set(key, kernels);
  return kernels;
}

/** The module, over shared memory where the runtime allows it; null where WebAssembly is missing. */
function wasmConv(): Module | null {
  if (module !== undefined) return module;
  module = null;
  for (const shared of [true, false]) {
    try {
      const memory = new WebAssembly.Memory(
        shared
          ? { initial: 1, maximum: MAX_PAGES, shared: true }
          : { initial: 1 },
      );
      return (module = build(memory, shared, 0));
    } catch {
      continue;
    }
  }
  return module;
}

/** In a helper thread (conv_thread.ts): the module over the main thread's shared memory. */
export function adoptMemory(memory: WebAssembly.Memory): void {
  module = build(memory, true, 1);
}

// ---------------------------------------------------------------- the helper thread

/** The control words shared with the helper (conv_thread.ts). */
export const enum Ctl {
  /** 1 once the helper is up, −1 where it failed to start. */
  Ready = 0,
  /** The request counter, and the last request the helper finished. */
  Request = 1,
  Done = 2,
  /** 1 where the helper's last request raised (the caller then runs that share itself). */
  Failed = 3,
  /**
   * From here on, the job's words: a convolution's share (written by conv.ts's splitShare, read
   * by its runJob), or an exp's (exp_split.ts), told apart by the first.
   */
  Job = 4,
}

/** Int32 words of control. */
const CTL_WORDS = 64;

/** How long the first convolution waits for the helper to come up (it took 30 to 80 ms). */
const START_TIMEOUT_MS = 5000;
/** How long a caller waits for a share of a convolution before raising, rather than hang. */
const JOIN_TIMEOUT_MS = 120_000;

let helper:
  | { worker: Worker; ctl: Int32Array; request: number; port: MessagePort }
  | null
  | undefined;

/**
 * The control words of the helper that takes a share of float32 convolutions, started (and
 * waited for) on first use; null with one thread, without shared memory, or where it could not
 * be started. Once up, every convolution of a given shape splits the same way, so results do
 * not depend on when the helper came up.
 */
export function convHelper(): Int32Array | null {
  if (getNumThreads() < 2 || helper === null) return null;
  const mod = simdOn() ? wasmConv() : null;
  if (!mod?.bytes) return null;
  if (helper === undefined) {
    helper = null;
    const ctl = new Int32Array(new SharedArrayBuffer(CTL_WORDS * 4));
    let worker: Worker;
    try {
      // The sources under Deno and Bun; tsc's output (dist/) under Node.
      const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
      worker = new Worker(new URL(`./conv_thread.${ext}`, import.meta.url));
    } catch {
      return null;
    }
    worker.unref();
    // The port that hands the helper the memories of an in-place job (inplace.ts).
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    worker.postMessage({ ctl: ctl.buffer, memory: mod.memory, port: port2 }, [
      port2,
    ]);
    Atomics.wait(ctl, Ctl.Ready, 0, START_TIMEOUT_MS);
    if (Atomics.load(ctl, Ctl.Ready) !== 1) {
      worker.terminate();
      return null;
    }
    helper = { worker, ctl, request: 0, port: port1 };
  }
  return helper.ctl;
}

/** Threads float32 convolutions run on now: 2 once the helper is up, else 1. */
export function convThreads(): number {
  return helper && getNumThreads() >= 2 ? 2 : 1;
}

/** The helper's shared memory as floats, grown first to hold `floats` (convHelper is up). */
export function helperFloats(floats: number): Float32Array {
  const mod = wasmConv()!;
  reserve(mod.memory, 4 * floats);
  return new Float32Array(mod.memory.buffer);
}

/** Hands the job written at Ctl.Job to the helper and wakes it. */
/** The port to the helper's side (convHelper is up). */
export function helperPort(): MessagePort {
  return helper!.port;
}

/** The number postConv gives the next request (convHelper is up). */
export function nextRequest(): number {
  return helper!.request + 1;
}

export function postConv(): void {
  const h = helper!;
  Atomics.store(h.ctl, Ctl.Request, ++h.request);
  Atomics.notify(h.ctl, Ctl.Request);
}

/** Waits for the helper's share: true when done, false when it raised (helper not used again). */
export function joinConv(): boolean {
  const h = helper!;
  let spins = 0;
  for (let waited = 0; Atomics.load(h.ctl, Ctl.Done) !== h.request;) {
    if (++spins < 1 << 16) continue;
    if (waited >= JOIN_TIMEOUT_MS) {
      throw new RuntimeError(
        `a CPU helper thread did not finish its share of a convolution in ${
          JOIN_TIMEOUT_MS / 1000
        } s`,
      );
    }
    Atomics.wait(h.ctl, Ctl.Done, Atomics.load(h.ctl, Ctl.Done), 1000);
    waited += 1000;
  }
  if (Atomics.load(h.ctl, Ctl.Failed) === 0) return true;
  h.worker.terminate();
  helper = null;
  return false;
}

/**
 * Waits for a helper still on an exp's last block (the exp returned without it): its ring lies
 * over the fixed slots (sampleColumns) and the laid-out chunks, so a convolution on this thread
 * alone writes nothing there before it has finished. (A split convolution's own share is not
 * waited for: this thread's share runs beside it.)
 */
export function helperQuiet(): void {
  if (helper && !helperIdle()) joinConv();
}

/** Whether the helper has finished its last request (convHelper is up). */
export function helperIdle(): boolean {
  const h = helper!;
  return Atomics.load(h.ctl, Ctl.Done) === h.request;
}

/**
 * Waits up to `ms` for the helper to finish its last request (an exp returns while the helper
 * may still be on a block the caller computed again): true once it has, false where it is still
 * at it or it raised (then, as for joinConv, it is not used again).
 */
export function helperSettled(ms: number): boolean {
  const h = helper!, done = Atomics.load(h.ctl, Ctl.Done);
  if (done !== h.request) {
    Atomics.wait(h.ctl, Ctl.Done, done, ms);
    if (!helperIdle()) return false;
  }
  return joinConv();
}

/** Whether float32 convolutions build their columns here (else in JavaScript). */
export function im2colInWasm(): boolean {
  return simdOn() && wasmConv() !== null;
}

/** Samples laid out in the module's memory, in floats: the tap table at 0, the samples, the columns. */
export interface ColumnChunk {
  /** The module's memory as floats (valid until the next chunk is laid out). */
  F: Float32Array;
  /** Where the samples start, and the batch index of the first. */
  input: number;
  first: number;
  /** Where the columns start. */
  cols: number;
}

/** A ColumnChunk's floats: its samples and columns for `colSamples`, each with a vector of slack. */
export function chunkFloats(g: ConvGeom, nb: number, colSamples: number) {
  const K = (g.C / g.G) * g.kh * g.kw;
  return nb * g.C * g.H * g.W + 4 + K * colSamples * g.oh * g.ow + 4;
}

/** Where the tap table ends and the first laid-out chunk may start (floats). */
export function tableFloats(g: ConvGeom): number {
  return Math.max(4 * Math.ceil((3 * g.kw) / 4), FIXED_END / 4);
}

/**
 * Lays out the `nb` samples from n0 in the module's memory at float `at` (after the tap table),
 * with columns for `colSamples` samples, and copies their input in (unless `zeroInput`, for
 * col2im, which starts from zeros); null where WebAssembly is missing. `reserveFloats`: the
 * memory is first grown to hold that many floats (a caller laying out several chunks side by side).
 */
export function layoutChunk(
  big: Float32Array,
  bigOff: number,
  g: ConvGeom,
  n0: number,
  nb: number,
  zeroInput: boolean,
  at = tableFloats(g),
  colSamples = nb,
  reserveFloats = at + chunkFloats(g, nb, colSamples),
): ColumnChunk | null {
  // torch.backends.cpu.set_simd("off") turns every WebAssembly kernel off, this one included.
  const mod = simdOn() ? wasmConv() : null;
  if (!mod) return null;
  // An exp may have returned while the helper finishes a block in this memory (exp_split.ts):
  // nothing is laid out over it before it has (a convolution on this thread alone included).
  helperQuiet();
  const sample = g.C * g.H * g.W;
  // A vector of slack after the input, which col2imValid's last row may reach into, and after the
  // columns, which im2colValid's last row may reach into.
  const input = at, cols = input + nb * sample + 4;
  reserve(mod.memory, 4 * reserveFloats);
  const F = new Float32Array(mod.memory.buffer);
  const T = new Int32Array(mod.memory.buffer);
  for (let j = 0; j < g.kw; j++) {
    const [x0, x1] = tapSpan(g, j);
    T[3 * j] = x0;
    T[3 * j + 1] = x1;
    T[3 * j + 2] = j * g.dw - g.pw;
  }
  if (zeroInput) F.fill(0, input, input + nb * sample);
  else {
    const from = bigOff + n0 * sample;
    F.set(big.subarray(from, from + nb * sample), input);
  }
  return { F, input, first: n0, cols };
}

/** im2col (or with `adjoint`, col2im) of one group of the `nb` samples from batch index n0. */
export function runIm2col(
  chunk: ColumnChunk,
  g: ConvGeom,
  group: number,
  n0: number,
  nb: number,
  adjoint: boolean,
): void {
  const Cg = g.C / g.G, HW = g.H * g.W, mod = wasmConv()!;
  const valid = g.sw === 1 && g.ph === 0 && g.pw === 0;
  const unrolled = valid ? unrolledKernels(mod, g) : null;
  const kernel = !valid
    ? mod.im2col
    : unrolled
    ? unrolled[adjoint ? 1 : 0]
    : adjoint
    ? mod.col2imValid
    : mod.im2colValid;
  kernel(
    4 * (chunk.input + (n0 - chunk.first) * g.C * HW + group * Cg * HW),
    4 * chunk.cols,
    0,
    Cg,
    g.kh,
    g.kw,
    nb,
    g.C * HW,
    HW,
    g.H,
    g.W,
    g.oh,
    g.ow,
    g.sh,
    g.sw,
    g.ph,
    g.dh,
    adjoint ? 1 : 0,
  );
}
