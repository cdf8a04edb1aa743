// im2col and its adjoint (col2im) for float32 convolutions, in WebAssembly: the rows of a tap are
// runs of the input, copied with memory.copy and padded with memory.fill, so the cost is the
// copying itself, on V8 and JavaScriptCore alike (the same loops in JavaScript ran 1.5 ns an
// element under Deno and three times that under Bun). A chunk of samples is copied into the
// module's memory once; the columns stay there, and the GEMM (the system BLAS or the SIMD
// kernel) reads them in place. The assembler is wasm.ts; nothing is built ahead.

import type { ConvGeom } from "../backend.ts";
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
import { simdOn } from "./wasm_gemm.ts";

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
function im2colValidCode(adjoint: boolean): Code {
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

interface Module {
  memory: WebAssembly.Memory;
  im2col: Kernel;
  im2colValid: Kernel;
  col2imValid: Kernel;
}

let module: Module | null | undefined;

function wasmConv(): Module | null {
  if (module !== undefined) return module;
  module = null;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const exports = instantiate(
      assemble({
        im2col: im2colCode(),
        im2colValid: im2colValidCode(false),
        col2imValid: im2colValidCode(true),
      }),
      memory,
    );
    module = {
      memory,
      im2col: exports.im2col as Kernel,
      im2colValid: exports.im2colValid as Kernel,
      col2imValid: exports.col2imValid as Kernel,
    };
  } catch {
    module = null;
  }
  return module;
}

/** Whether float32 convolutions build their columns here (else in JavaScript). */
export function im2colInWasm(): boolean {
  return simdOn() && wasmConv() !== null;
}

/** A chunk's layout in the module's memory, in floats: the tap table, the samples, the columns. */
export interface ColumnChunk {
  /** The module's memory as floats (valid until the next chunk is laid out). */
  F: Float32Array;
  /** Where the chunk's samples start, and the columns. */
  input: number;
  cols: number;
}

/**
 * Lays out a chunk of `nb` samples from n0 in the module's memory and copies their input in
 * (unless `zeroInput`, for col2im, which starts from zeros); null where WebAssembly is missing.
 */
export function layoutChunk(
  big: Float32Array,
  bigOff: number,
  g: ConvGeom,
  n0: number,
  nb: number,
  zeroInput: boolean,
): ColumnChunk | null {
  // torch.backends.cpu.set_simd("off") turns every WebAssembly kernel off, this one included.
  const mod = simdOn() ? wasmConv() : null;
  if (!mod) return null;
  const sample = g.C * g.H * g.W, L = g.oh * g.ow;
  const K = (g.C / g.G) * g.kh * g.kw;
  // A vector of slack after the input too, which col2imValid's last row may reach into.
  const input = 4 * Math.ceil((3 * g.kw) / 4), cols = input + nb * sample + 4;
  // A vector of slack after the columns, which im2colValid's last row may reach into.
  reserve(mod.memory, 4 * (cols + K * nb * L) + 16);
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
  return { F, input, cols };
}

/** im2col (or with `adjoint`, col2im) of one group over a laid-out chunk. */
export function runIm2col(
  chunk: ColumnChunk,
  g: ConvGeom,
  group: number,
  nb: number,
  adjoint: boolean,
): void {
  const Cg = g.C / g.G, HW = g.H * g.W, mod = wasmConv()!;
  const valid = g.sw === 1 && g.ph === 0 && g.pw === 0;
  const kernel = !valid
    ? mod.im2col
    : adjoint
    ? mod.col2imValid
    : mod.im2colValid;
  kernel(
    4 * (chunk.input + group * Cg * HW),
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
