// float32 elementwise maps in WebAssembly SIMD, four lanes at a time, for contiguous operands of
// one shape (or one with a value per row, a channel bias); float32 exp (exp32Code); and 2×2
// stride-2 max pooling (pool2x2Code). The tensors' memory is not the module's, so each runs in
// chunks: the chunk's inputs are copied in (memcpy), mapped, and the result copied out. For
// tensors that stay in cache (LeNet's activations, 1.2 MB) that is two to three times the speed
// of the JavaScript loop (relu of 301k floats into an existing output: 105 to 169 µs against 242
// to 364, two runs each, under Deno); for those that do not, in chunks of 1 MiB (BIG_CHUNK), up
// to twice (relu of 16M floats: 14.6–16.2 GB/s against 8.1; add 15.1–16.5 against 11–15.7).
// wasmMapsOp says which ops come here, under which runtime.
//
// Each op gives the result the JavaScript kernel gives, bit for bit: +, −, ×, ÷ of two float32
// values are exact in a double and rounded once either way (add and sub with an alpha other than
// 1 compute in doubles here too, as JavaScript does: alpha·b is not rounded to float32 first), and
// the choices keep the same operand on NaN, ties and signed zeros (maps.ts).

import type { BinaryOp } from "../backend.ts";
import {
  assemble,
  assembleOver,
  Code,
  F32,
  F64,
  I32,
  instantiate,
  Op,
  PAGE_FLOATS,
  placed,
  reserve,
  Simd,
  V128,
} from "./wasm.ts";
import { mayBeInPlace, memoryOf } from "./wasm_storage.ts";
import { simdOn } from "./wasm_gemm.ts";
import {
  EXP_C1,
  EXP_C2,
  EXP_HIGH,
  EXP_LOG2E,
  EXP_LOW,
  EXP_POLY,
  EXP_ROUND,
} from "./exp32.ts";

/** The ops mapped here; each emits its vector from its operands' vectors (`a`, `b` push them). */
type Emit = (f: Code, a: () => void, b: () => void) => void;

const zero = (f: Code) => f.v128Zero();

/** x where `mask` (which pushes its lanes' mask) is set, else y. */
function choose(f: Code, x: () => void, y: () => void, mask: () => void) {
  x(), y(), mask(), f.simd(Simd.v128Bitselect);
}

/** The lanes where p() op q(), or where r() is NaN. */
const orNaN =
  (f: Code, op: number, p: () => void, q: () => void, r: () => void) => () => {
    p(), q(), f.simd(op), r(), r(), f.simd(Simd.f32x4Ne), f.simd(Simd.v128Or);
  };

const OPS = {
  add: (f, a, b) => (a(), b(), f.simd(Simd.f32x4Add)),
  sub: (f, a, b) => (a(), b(), f.simd(Simd.f32x4Sub)),
  mul: (f, a, b) => (a(), b(), f.simd(Simd.f32x4Mul)),
  div: (f, a, b) => (a(), b(), f.simd(Simd.f32x4Div)),
  // a where a > b (a < b) or a is NaN, else b, as maps.ts's maximum and minimum.
  maximum: (f, a, b) => choose(f, a, b, orNaN(f, Simd.f32x4Gt, a, b, a)),
  minimum: (f, a, b) => choose(f, a, b, orNaN(f, Simd.f32x4Lt, a, b, a)),
  // b where a < b (a > b) or b is NaN, else a: a NaN input stays.
  clamp_min: (f, a, b) => choose(f, b, a, orNaN(f, Simd.f32x4Lt, a, b, b)),
  clamp_max: (f, a, b) => choose(f, b, a, orNaN(f, Simd.f32x4Gt, a, b, b)),
  // a, cleared where b <= 0 (a NaN b keeps it).
  threshold_backward: (
    f,
    a,
    b,
  ) => (a(), b(), zero(f), f.simd(Simd.f32x4Le), f.simd(Simd.v128AndNot)),
} satisfies Partial<Record<BinaryOp, Emit>>;

type MapOp = keyof typeof OPS;

/**
 * relu: pmax(a, 0) is `a < 0 ? 0 : a`, so -0 and NaN stay, as maps.ts's relu32 (one load and
 * one instruction; a cleared where a < 0 took a second load, a compare and a mask).
 */
const relu: Emit = (f, a) => (a(), zero(f), f.simd(Simd.f32x4Pmax));

/**
 * Floats per operand in a chunk: 64 KiB, so that a tensor that stays in cache (LeNet's
 * activations) is mapped while its chunk is in L1 and L2 (add_ of 75k floats under Deno: 27.3
 * GB/s in chunks of 16384 floats, 24.5 in one chunk).
 */
const CHUNK = 16384;
/**
 * Floats per operand in a chunk of a map over more than BIG_FROM elements, which come from and go
 * to memory: 1 MiB. Copies of this size ran faster in and out of the module than 64 KiB ones (16M
 * floats copied in and out, no kernel: 17.8 GB/s against 14.0; likely memcpy's `rep movsb`, whose
 * stores need not read the lines they overwrite). Relu of 16M floats into an existing output:
 * 14.2–15.5 GB/s against 11.5–11.6, add 14.8–15.3 against 11.2–11.6 (chunks of 128K floats:
 * 11.8–12.6; 512K: 14.4–14.8).
 */
const BIG_CHUNK = 1 << 18;
const BIG_FROM = 1 << 20;
/** Vectors per turn of a map's loop; a chunk is padded to a whole turn. */
const UNROLL = 4;
/**
 * An operand's region in the module's memory: a chunk (padded to whole turns of the loop, which
 * the chunks are multiples of) and up to a page before it for placing it (placed()).
 */
const REGION = BIG_CHUNK + PAGE_FLOATS;

/** Where operand k's chunk goes in the maps module's memory (in floats): placed in its region. */
function region(k: number, arr: Float32Array, off: number): number {
  return placed(k * REGION, arr, off);
}

/**
 * The map over `bytes` bytes (a multiple of 16·UNROLL: chunks are padded) at a (and b) into
 * dst; with `scalar`, b is an f32 parameter splatted to every lane. With `apart`, a, b and dst lie
 * in memories 0, 1 and 2 (assembleOver), else all in the one.
 */
function mapCode(emit: Emit, scalar: boolean, apart = false): Code {
  const f = new Code([I32, I32, I32, scalar ? F32 : I32]);
  const [a, dst, bytes, b] = [0, 1, 2, 3];
  const p = f.local(I32), bv = f.local(V128);
  if (scalar) f.get(b).simd(Simd.f32x4Splat).set(bv);
  f.i32(0).set(p).block().loop();
  f.get(p).get(bytes).op(Op.i32GeU).brIf(1);
  for (let u = 0; u < UNROLL; u++) {
    const at = (memory: number) => ({
      align: 4,
      offset: 16 * u,
      memory: apart ? memory : 0,
    });
    f.get(dst).get(p).op(Op.i32Add);
    emit(
      f,
      () => f.get(a).get(p).op(Op.i32Add).simd(Simd.load, at(0)),
      () =>
        scalar
          ? f.get(bv)
          : f.get(b).get(p).op(Op.i32Add).simd(Simd.load, at(1)),
    );
    f.simd(Simd.store, at(2));
  }
  f.get(p).i32(16 * UNROLL).op(Op.i32Add).set(p).br(0).end().end();
  return f;
}

/**
 * add and sub with an alpha (an optimizer's `p.add_(buf, alpha=-lr)`): dst = a ± alpha·b over
 * `bytes` bytes (a multiple of 16), the product and the sum in doubles and rounded once to
 * float32, as maps.ts's `a + P * b` computes them; two lanes at a time, each half of four floats
 * widened (load64_zero, promote) and the two narrowed halves joined again. 48,000 floats (LeNet's
 * fc1 weight) in place under Deno: 30 µs against 41 in JavaScript; 1M: 608 against 832.
 */
function alphaCode(sub: boolean): Code {
  const f = new Code([I32, I32, I32, I32, F64]);
  const [a, dst, bytes, b, alpha] = [0, 1, 2, 3, 4];
  const p = f.local(I32), al = f.local(V128);
  f.get(alpha).simd(Simd.f64x2Splat).set(al);
  f.i32(0).set(p).block().loop();
  f.get(p).get(bytes).op(Op.i32GeU).brIf(1);
  f.get(dst).get(p).op(Op.i32Add);
  for (const half of [0, 1]) {
    const at = { align: 2, offset: 8 * half };
    f.get(a).get(p).op(Op.i32Add).simd(Simd.load64Zero, at);
    f.simd(Simd.f64x2PromoteLowF32x4);
    f.get(al).get(b).get(p).op(Op.i32Add).simd(Simd.load64Zero, at);
    f.simd(Simd.f64x2PromoteLowF32x4).simd(Simd.f64x2Mul);
    f.simd(sub ? Simd.f64x2Sub : Simd.f64x2Add).simd(Simd.f32x4DemoteF64x2Zero);
  }
  f.shuffleWords([0, 1, 4, 5]).simd(Simd.store, { align: 4, offset: 0 });
  f.get(p).i32(16).op(Op.i32Add).set(p).br(0).end().end();
  return f;
}

/**
 * exp32 (exp32.ts) over `bytes` bytes of floats at a into dst, four lanes at a time: the same
 * float32 operations in the same order, so every in-range result is exp32's to the bit. Inputs
 * outside (EXP_LOW, EXP_HIGH) or NaN are clamped into it and get a wrong value; the return value
 * (1) says whether there was one, and the caller recomputes those with Math.exp, as exp32 does.
 * 2^k is built from t = x·log2 e + 1.5·2^23, whose low bits hold k: (bits(t) − bits(1.5·2^23) +
 * 127) << 23. `input` and `output` are the indices of the memories a and dst lie in (assembleOver).
 */
export function exp32Code(input = 0, output = 0): Code {
  const f = new Code([I32, I32, I32], [I32]);
  const [a, dst, bytes] = [0, 1, 2];
  const p = f.local(I32), inside = f.local(V128);
  const x = f.local(V128), t = f.local(V128), k = f.local(V128);
  const r = f.local(V128), q = f.local(V128);
  const load = { align: 4, offset: 0, memory: input };
  const store = { align: 4, offset: 0, memory: output };
  const constants = new Map<number, number>();
  for (
    const v of [
      EXP_LOW,
      EXP_HIGH,
      EXP_LOG2E,
      EXP_ROUND,
      EXP_C1,
      EXP_C2,
      1,
      ...EXP_POLY,
    ]
  ) {
    if (constants.has(v)) continue;
    const l = f.local(V128);
    f.f32Const(v).simd(Simd.f32x4Splat).set(l);
    constants.set(v, l);
  }
  const c = (v: number) => f.get(constants.get(v)!);
  const bias = f.local(V128);
  f.i32(127 - 0x4b400000).simd(Simd.i32x4Splat).set(bias);
  f.v128Const(new Uint8Array(16).fill(255)).set(inside);
  f.i32(0).set(p).block().loop();
  f.get(p).get(bytes).op(Op.i32GeU).brIf(1);
  f.get(a).get(p).op(Op.i32Add).simd(Simd.load, load).set(x);
  // Every lane inside the range so far?
  f.get(inside), f.get(x), c(EXP_LOW), f.simd(Simd.f32x4Gt);
  f.get(x), c(EXP_HIGH), f.simd(Simd.f32x4Lt);
  f.simd(Simd.v128And).simd(Simd.v128And).set(inside);
  // Clamped into the range (pmax(LOW, x) is LOW for a NaN x), so that 2^k stays a normal float.
  c(EXP_LOW), f.get(x), f.simd(Simd.f32x4Pmax).set(x);
  c(EXP_HIGH), f.get(x), f.simd(Simd.f32x4Pmin).set(x);
  // t = x·log2 e + ROUND; k = t − ROUND; r = (x − k·C1) − k·C2
  f.get(x), c(EXP_LOG2E), f.simd(Simd.f32x4Mul), c(EXP_ROUND);
  f.simd(Simd.f32x4Add).tee(t), c(EXP_ROUND), f.simd(Simd.f32x4Sub).set(k);
  f.get(x).get(k), c(EXP_C1), f.simd(Simd.f32x4Mul).simd(Simd.f32x4Sub);
  f.get(k), c(EXP_C2), f.simd(Simd.f32x4Mul).simd(Simd.f32x4Sub).set(r);
  // q(r), by Horner's rule
  c(EXP_POLY[0]);
  for (const coef of EXP_POLY.slice(1)) {
    f.get(r).simd(Simd.f32x4Mul), c(coef), f.simd(Simd.f32x4Add);
  }
  f.set(q);
  // dst = ((q·r² + r) + 1) · 2^k
  f.get(dst).get(p).op(Op.i32Add);
  f.get(q).get(r).get(r).simd(Simd.f32x4Mul).simd(Simd.f32x4Mul);
  f.get(r).simd(Simd.f32x4Add), c(1), f.simd(Simd.f32x4Add);
  f.get(t).get(bias).simd(Simd.i32x4Add).i32(23).simd(Simd.i32x4Shl);
  f.simd(Simd.f32x4Mul).simd(Simd.store, store);
  f.get(p).i32(16).op(Op.i32Add).set(p).br(0).end().end();
  f.get(inside).simd(Simd.i32x4AllTrue).op(Op.i32Eqz);
  return f;
}

/**
 * The floats from p to end (p stepped to it; end − p a multiple of 32 bytes) into the four
 * f64x2 accumulators s, float k of every eight into double k: reduce.ts's contiguous row fold,
 * the same additions in the same order, two lanes at a time (a float32 widens to a double
 * exactly), so the sums are its bits.
 */
function sum8Loop(f: Code, p: number, end: number, s: number[], input: number) {
  f.block().loop();
  f.get(p).get(end).op(Op.i32GeU).brIf(1);
  for (let k = 0; k < 4; k++) {
    f.get(s[k]).get(p);
    f.simd(Simd.load64Zero, { align: 2, offset: 8 * k, memory: input });
    f.simd(Simd.f64x2PromoteLowF32x4).simd(Simd.f64x2Add).set(s[k]);
  }
  f.get(p).i32(32).op(Op.i32Add).set(p).br(0).end().end();
}

/**
 * The sum of `bytes` bytes of floats at a (a multiple of 32) into eight double accumulators at
 * acc (four f64x2, each from its value there), as sum8Loop.
 */
function sum8Code(input = 0, accs = 0): Code {
  const f = new Code([I32, I32, I32]);
  const [a, bytes, acc] = [0, 1, 2];
  const end = f.local(I32);
  const s = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const at = (k: number) => ({ align: 3, offset: 16 * k, memory: accs });
  for (let k = 0; k < 4; k++) f.get(acc).simd(Simd.load, at(k)).set(s[k]);
  f.get(a).get(bytes).op(Op.i32Add).set(end);
  sum8Loop(f, a, end, s, input);
  for (let k = 0; k < 4; k++) f.get(acc).get(s[k]).simd(Simd.store, at(k));
  return f;
}

/**
 * `blocks` consecutive blocks of `block` floats from a, the last of lastBytes bytes only (a
 * multiple of 32), each summed as sum8Code from zero into its eight double accumulators, block b's
 * at acc + 64·b. One call for several blocks: a call for each of 2^16 floats cost 4% of a sum of
 * 2^24 (one thread, 21.1 against 22.0 GB/s).
 */
export function sumBlocksCode(block: number, input = 0, accs = 0): Code {
  const f = new Code([I32, I32, I32, I32]);
  const [a, blocks, lastBytes, acc] = [0, 1, 2, 3];
  const b = f.local(I32), end = f.local(I32), out = f.local(I32);
  const s = [f.local(V128), f.local(V128), f.local(V128), f.local(V128)];
  const at = (k: number) => ({ align: 3, offset: 16 * k, memory: accs });
  f.get(acc).set(out);
  f.i32(0).set(b).block().loop();
  f.get(b).get(blocks).op(Op.i32GeU).brIf(1);
  for (const x of s) f.v128Zero().set(x);
  // end = a + (the last block ? lastBytes : the block's bytes)
  f.get(a).get(lastBytes).i32(4 * block);
  f.get(b).i32(1).op(Op.i32Add).get(blocks).op(Op.i32Eq).op(Op.select);
  f.op(Op.i32Add).set(end);
  sum8Loop(f, a, end, s, input);
  for (let k = 0; k < 4; k++) f.get(out).get(s[k]).simd(Simd.store, at(k));
  f.get(out).i32(64).op(Op.i32Add).set(out);
  f.get(b).i32(1).op(Op.i32Add).set(b).br(0).end().end();
  return f;
}

/** Floats of input a pooling chunk holds (whole planes): 256 KiB. */
const POOL_IN = 1 << 16;
/** Where the pooling regions start in the module's memory, in floats: input, values, indices. */
const POOL_AT = 3 * REGION, POOL_VALUES = POOL_AT + POOL_IN;
const POOL_INDICES = POOL_VALUES + POOL_IN / 4;
const MEMORY_FLOATS = POOL_INDICES + 2 * (POOL_IN / 4);

/**
 * 2×2 max pooling with stride 2 over `planes` planes of H×W floats at src (every window inside,
 * ow >= 4): values to dstV, each argmax (its flat index in the plane) to dstI as an int64 (index,
 * 0). Four outputs at a time: a window row's eight floats split into its even and odd taps, then
 * the four taps taken in window order as maps.ts's maxPool2x2 takes them (a tap wins when
 * greater, or NaN). The last four of a row start at ow − 4, recomputing some: no tail.
 */
function pool2x2Code(): Code {
  const f = new Code([I32, I32, I32, I32, I32, I32, I32, I32]);
  const [src, planes, H, W, oh, ow, dstV, dstI] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p = f.local(I32), y = f.local(I32), x = f.local(I32), xs = f.local(I32);
  const r0 = f.local(I32),
    base = f.local(I32),
    o = f.local(I32),
    i0 = f.local(I32);
  const t = Array.from({ length: 4 }, () => f.local(V128));
  const idx = Array.from({ length: 4 }, () => f.local(V128));
  const best = f.local(V128), arg = f.local(V128), m = f.local(V128);
  const vec = (offset: number) => ({ align: 4, offset });
  const i32Const = (v: number[]) =>
    f.v128Const(new Uint8Array(new Int32Array(v).buffer));
  /** The even (or odd) floats of the eight at address + 0 and + 16. */
  const taps = (address: () => void, odd: number, into: number) => {
    address(), f.simd(Simd.load, vec(0)), address(), f.simd(Simd.load, vec(16));
    f.shuffleWords([odd, odd + 2, odd + 4, odd + 6]);
    f.set(into);
  };
  f.for(p, () => f.i32(0), () => f.get(planes), () => {
    // base: the plane's address, src + 4·p·H·W.
    f.get(p).get(H).op(Op.i32Mul).get(W).op(Op.i32Mul).i32(2).op(Op.i32Shl);
    f.get(src).op(Op.i32Add).set(base);
    f.for(y, () => f.i32(0), () => f.get(oh), () => {
      // i0: the window row's first tap, as an index in the plane; r0 its address.
      f.get(y).i32(1).op(Op.i32Shl).get(W).op(Op.i32Mul).set(i0);
      f.get(base).get(i0).i32(2).op(Op.i32Shl).op(Op.i32Add).set(r0);
      f.i32(0).set(x).block().loop();
      f.get(x).get(ow).op(Op.i32GeS).brIf(1);
      // xs = min(x, ow − 4)
      f.get(x).get(ow).i32(4).op(Op.i32Sub).get(x).get(ow).i32(4).op(Op.i32Sub)
        .op(Op.i32LtS).op(Op.select).set(xs);
      const row = (r: number) => () => {
        f.get(r0).get(xs).i32(3).op(Op.i32Shl).op(Op.i32Add);
        if (r) f.get(W).i32(2).op(Op.i32Shl).op(Op.i32Add);
      };
      taps(row(0), 0, t[0]), taps(row(0), 1, t[1]);
      taps(row(1), 0, t[2]), taps(row(1), 1, t[3]);
      f.get(i0).get(xs).i32(1).op(Op.i32Shl).op(Op.i32Add).simd(
        Simd.i32x4Splat,
      );
      i32Const([0, 2, 4, 6]), f.simd(Simd.i32x4Add).set(idx[0]);
      f.get(idx[0]), i32Const([1, 1, 1, 1]), f.simd(Simd.i32x4Add).set(idx[1]);
      f.get(idx[0]).get(W).simd(Simd.i32x4Splat).simd(Simd.i32x4Add).set(
        idx[2],
      );
      f.get(idx[2]), i32Const([1, 1, 1, 1]), f.simd(Simd.i32x4Add).set(idx[3]);
      f.get(t[0]).set(best).get(idx[0]).set(arg);
      for (let k = 1; k < 4; k++) {
        f.get(t[k]).get(best).simd(Simd.f32x4Gt);
        f.get(t[k]).get(t[k]).simd(Simd.f32x4Ne).simd(Simd.v128Or).set(m);
        f.get(t[k]).get(best).get(m).simd(Simd.v128Bitselect).set(best);
        f.get(idx[k]).get(arg).get(m).simd(Simd.v128Bitselect).set(arg);
      }
      // o: the output's index among the chunk's.
      f.get(p).get(oh).op(Op.i32Mul).get(y).op(Op.i32Add);
      f.get(ow).op(Op.i32Mul).get(xs).op(Op.i32Add).set(o);
      f.get(dstV).get(o).i32(2).op(Op.i32Shl).op(Op.i32Add);
      f.get(best).simd(Simd.store, vec(0));
      // The indices as int64: each word, then a zero word.
      for (const half of [0, 1]) {
        f.get(dstI).get(o).i32(3).op(Op.i32Shl).op(Op.i32Add);
        f.get(arg).v128Zero().shuffleWords(half ? [2, 6, 3, 7] : [0, 4, 1, 5]);
        f.simd(Simd.store, vec(16 * half));
      }
      f.get(x).i32(4).op(Op.i32Add).set(x).br(0).end().end();
    });
  });
  return f;
}

type Pool = (...args: number[]) => void;
/** (a, dst, bytes): 1 where an input was outside exp32's range. */
export type Exp32 = (a: number, dst: number, bytes: number) => number;

/** (a, dst, bytes, b, alpha): b an address, or an f32 for the scalar forms; alpha an f64. */
type Map = (
  a: number,
  dst: number,
  bytes: number,
  b: number,
  alpha: number,
) => void;

interface Module {
  maps: Record<string, Map>;
  pool2x2: Pool;
  exp32: Exp32;
  sum8: (a: number, bytes: number, acc: number) => void;
  /**
   * The memory as floats: a region for a chunk of a, of b and of the result (region()), then
   * the pooling regions (POOL_AT).
   */
  F: Float32Array;
  I: Int32Array;
  D: Float64Array;
}

let module: Module | null | undefined;

function wasmMaps(): Module | null {
  if (module !== undefined) return module;
  module = null;
  try {
    const codes: Record<string, Code> = {
      relu: mapCode(relu, false),
      pool2x2: pool2x2Code(),
      exp32: exp32Code(),
      sum8: sum8Code(),
      add_alpha: alphaCode(false),
      sub_alpha: alphaCode(true),
    };
    for (const [op, emit] of Object.entries(OPS) as [MapOp, Emit][]) {
      codes[op] = mapCode(emit, false);
      codes[`${op}_scalar`] = mapCode(emit, true);
    }
    const bytes = assemble(codes);
    if (!WebAssembly.validate(bytes)) return module;
    const memory = new WebAssembly.Memory({ initial: 1 });
    reserve(memory, 4 * MEMORY_FLOATS);
    const exports = instantiate(bytes, memory);
    module = {
      maps: exports as unknown as Record<string, Map>,
      pool2x2: exports.pool2x2 as Pool,
      exp32: exports.exp32 as Exp32,
      sum8: exports.sum8 as Module["sum8"],
      D: new Float64Array(memory.buffer),
      F: new Float32Array(memory.buffer),
      I: new Int32Array(memory.buffer),
    };
  } catch {
    module = null;
  }
  return module;
}

/** Elements below this stay in JavaScript: the call and copies cost more than they save. */
const MIN_ELEMENTS = 1024;

/**
 * Under V8 every op comes here from MIN_ELEMENTS on. The arithmetic ops' JavaScript loop is fast
 * too, but the lanes and the copies win at every size, by most for a scalar operand (under Deno,
 * into an existing output: add of 1M floats 25.8 GB/s against 14.8, of 16M 14.3–14.7 against
 * 13.3–15.7; mul by a scalar of 4M 17.2–19.9 against 8.7). Under Bun JavaScriptCore's own loop
 * over two tensors is faster at every size (add_ of 16M: 28 GB/s against 16), so those stay
 * there; its loop with a scalar is not (mul_ by 0.9, an optimizer's momentum, of 48k floats: 12
 * µs here against 34.5, of 4M 1.25 ms against 2.9). The choices (relu, the clamps, ...) gain
 * everywhere: relu of 16M floats into an existing output at 14.2–15.5 GB/s against 8.1 in
 * JavaScript.
 */
const ARITHMETIC = new Set(["add", "sub", "mul", "div"]);
const UNDER_BUN = "Bun" in globalThis;

/**
 * Whether wasmMap takes `op` on n elements (float32 and contiguous is the caller's to check),
 * with a `scalar` second operand or a tensor.
 * With one operand value per row (`perRow`, a bias) the arithmetic ops come here under Bun too:
 * JavaScript's alternative is then the strided loop, not the flat one (a bias added to
 * 64×6×28×28 into an existing output: 199 µs against 602 under Bun, 250 against 733 under Deno;
 * to 256×64×56×56: 61 ms against 90, 57 against 82).
 */
export function wasmMapsOp(
  op: string,
  n: number,
  alpha = 1,
  perRow = false,
  scalar = false,
): boolean {
  return n >= MIN_ELEMENTS && (op === "relu" || op in OPS) &&
    // An alpha only for add and sub of two tensors of one shape (alphaCode).
    (alpha === 1 || ((op === "add" || op === "sub") && !scalar && !perRow)) &&
    (!ARITHMETIC.has(op) || perRow || scalar || !UNDER_BUN) &&
    simdOn() &&
    wasmMaps() !== null;
}

/** Whether the maps' module is there (SIMD on and validated). */
export function wasmMapsOn(): boolean {
  return simdOn() && wasmMaps() !== null;
}

/**
 * O[Oo + i] = op(A[Ao + i], B[Bo + i] or the scalar B) for i < n, in chunks through the module
 * (relu takes A alone; add and sub take an alpha with B a tensor of A's shape). The caller has
 * checked wasmMapsOp.
 */
export function wasmMap(
  op: MapOp | "relu",
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  B: Float32Array | number | RowValues | null,
  Bo: number,
  n: number,
  alpha = 1,
): void {
  const mod = wasmMaps()!, F = mod.F;
  const scalar = typeof B === "number";
  const map =
    mod.maps[alpha !== 1 ? `${op}_alpha` : scalar ? `${op}_scalar` : op];
  const aAt = region(0, A, Ao), oAt = region(2, O, Oo);
  const bAt = B instanceof Float32Array ? region(1, B, Bo) : REGION;
  const b = scalar ? B : 4 * bAt;
  const chunk = n > BIG_FROM ? BIG_CHUNK : CHUNK;
  for (let p = 0; p < n; p += chunk) {
    const len = Math.min(chunk, n - p);
    F.set(A.subarray(Ao + p, Ao + p + len), aAt);
    if (B instanceof Float32Array) {
      F.set(B.subarray(Bo + p, Bo + p + len), bAt);
    } else if (B !== null && !scalar) {
      // One value per row of B.L elements: the rows this chunk meets, each filled in.
      for (let e = p; e < p + len;) {
        const r = Math.floor(e / B.L), end = Math.min((r + 1) * B.L, p + len);
        F.fill(B.values[r], bAt + e - p, bAt + end - p);
        e = end;
      }
    }
    const padded = (len + 4 * UNROLL - 1) & -(4 * UNROLL);
    map(4 * aAt, 4 * oAt, 4 * padded, b as number, alpha);
    O.set(F.subarray(oAt, oAt + len), Oo + p);
  }
}

/** Floats a map over memories of their own (mapApartCode) takes at a time: a turn of its loop. */
export const MAP_STEP = 4 * UNROLL;

/**
 * The map of `op` (or relu) over operands in memories of their own, a in memory 0, b in 1 and
 * dst in 2 (inplace.ts): (a, dst, bytes, b) with bytes a multiple of 4·MAP_STEP, b a scalar
 * (an f32) with `scalar`.
 */
export function mapApartCode(op: string, scalar: boolean): Code | null {
  const emit = op === "relu" ? relu : (OPS as Record<string, Emit>)[op];
  return emit ? mapCode(emit, scalar, true) : null;
}

/**
 * An operand broadcast along rows: one value for each row of L elements (a bias over the
 * channels of an N×C×H×W tensor: N·C rows of H·W).
 */
export interface RowValues {
  values: Float32Array;
  L: number;
}

/**
 * maxPool2x2 (conv.ts) through the module, in chunks of whole planes: float32 planes of at most
 * POOL_IN floats with rows of at least four outputs; false (nothing done) otherwise.
 */
export function wasmMaxPool2x2(
  src: Float32Array | Float64Array,
  srcOff: number,
  planes: number,
  H: number,
  W: number,
  oh: number,
  ow: number,
  out: Float32Array | Float64Array,
  outOff: number,
  words: Int32Array,
  idxOff: number,
): boolean {
  const HW = H * W, L = oh * ow;
  if (
    !(src instanceof Float32Array) || !(out instanceof Float32Array) ||
    ow < 4 || HW > POOL_IN || !simdOn()
  ) {
    return false;
  }
  const mod = wasmMaps();
  if (!mod) return false;
  const { F, I } = mod, step = Math.floor(POOL_IN / HW);
  for (let p0 = 0; p0 < planes; p0 += step) {
    const np = Math.min(step, planes - p0);
    F.set(src.subarray(srcOff + p0 * HW, srcOff + (p0 + np) * HW), POOL_AT);
    mod.pool2x2(
      4 * POOL_AT,
      np,
      H,
      W,
      oh,
      ow,
      4 * POOL_VALUES,
      4 * POOL_INDICES,
    );
    out.set(F.subarray(POOL_VALUES, POOL_VALUES + np * L), outOff + p0 * L);
    words.set(
      I.subarray(POOL_INDICES, POOL_INDICES + 2 * np * L),
      2 * (idxOff + p0 * L),
    );
  }
  return true;
}

/**
 * Below this many elements float32 exp stays in JavaScript. Its JavaScript form (exp32.ts)
 * rounds every step to float32 and costs about 25 ns an element under V8, so the kernel's call
 * pays for itself early.
 */
const EXP_MIN_ELEMENTS = 8;

/** Whether wasmExp32 takes n elements (float32 is the caller's to check). */
export function wasmExp32On(n: number): boolean {
  return n >= EXP_MIN_ELEMENTS && simdOn() && wasmMaps() !== null;
}

/**
 * O[Oo + i] = exp32(A[Ao + i]) for i < n, in chunks through the module. Inputs outside exp32's
 * range take Math.exp, as there. The caller has checked wasmExp32On.
 */
export function wasmExp32(
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  n: number,
): void {
  const mod = wasmMaps()!, F = mod.F;
  const aAt = region(0, A, Ao), oAt = region(2, O, Oo);
  for (let p = 0; p < n; p += CHUNK) {
    const len = Math.min(CHUNK, n - p);
    F.set(A.subarray(Ao + p, Ao + p + len), aAt);
    const outside = mod.exp32(4 * aAt, 4 * oAt, 4 * ((len + 3) & ~3));
    O.set(F.subarray(oAt, oAt + len), Oo + p);
    // The inputs from the chunk's copy: in place, O has just overwritten A.
    if (outside) fixExp32(O, Oo + p, F, aAt, len);
  }
}

/** O[Oo + i] = Math.exp(X[Xo + i]) where that input is outside exp32's range, for i < n. */
export function fixExp32(
  O: Float32Array,
  Oo: number,
  X: Float32Array,
  Xo: number,
  n: number,
): void {
  for (let i = 0; i < n; i++) {
    const x = X[Xo + i];
    if (!(x > EXP_LOW && x < EXP_HIGH)) O[Oo + i] = Math.exp(x);
  }
}

/** exp32Code's kernel over a helper thread's shared memory (exp_split.ts), of up to maxPages. */
export function exp32Over(
  memory: WebAssembly.Memory,
  maxPages: number,
): Exp32 {
  const bytes = assemble({ exp32: exp32Code() }, { maxPages });
  return instantiate(bytes, memory).exp32 as Exp32;
}

/**
 * The float32 rows whose sums come here: from 512 elements, under Deno and Bun. A row that stays
 * in cache sums faster through the module's copy (GB/s from JavaScript to here, under Deno: 2^15
 * floats 6.9 → 7.2, 2^18 9.1 → 15.5, 2^20 9.7 → 16.9; under Bun 5.0 → 9.0, 13.1 → 15.0,
 * 14.2 → 16.3). Short rows gain where there are many (a conv bias's gradient, the sum of
 * [64, 6, 28, 28] over dims 0, 2 and 3, rows of 784: 133 → 114–122 µs under Deno) and a single
 * one costs about the same either way (2.5 to 3.5 µs from 512 to 4095 elements); rows of 100
 * lost (54 → 164 µs).
 */
const SUM_MIN_ELEMENTS = 512;
/**
 * Beyond this many elements (rows that come from memory) a sum copies a page at a time, not a
 * chunk: 2^24 floats at 15.6–16.1 GB/s against 10.7 under Deno, 15.3–15.5 against 10.1 under Bun
 * (JavaScriptCore's own loop: 14), 2^22 at 17.5 against 13.8–15.8 and 15.9–16.5 against 15.4;
 * 2048 floats gave 12.3, 512 10 (2^24, Deno). Rows that stay in cache sum as fast or faster in
 * chunks, with fewer calls (2^18 under Bun: 14.6–15.2 by pages, 16.3–16.7 by chunks).
 */
const SUM_BY_PAGES = 1 << 21;

/** Whether wasmSum8 takes a row of n elements (float32 is the caller's to check). */
export function wasmSum8On(n: number): boolean {
  return n >= SUM_MIN_ELEMENTS && simdOn() && wasmMaps() !== null;
}

/**
 * Sums A[Ao + i] for i < 8·⌊n/8⌋ into the eight accumulators s (float k of every eight into
 * s[k], each from its value in s), in chunks through the module (by pages where these n floats
 * are a block of a row of `row` elements beyond SUM_BY_PAGES). The caller has checked
 * wasmSum8On.
 */
export function wasmSum8(
  A: Float32Array,
  Ao: number,
  n: number,
  s: Float64Array,
  row = n,
): void {
  const memory = mayBeInPlace(n) ? memoryOf(A) : undefined;
  if (memory) return sumOver(memory, Ao, n, s);
  const mod = wasmMaps()!, F = mod.F, D = mod.D;
  const aAt = region(0, A, Ao), acc = REGION; // acc: region 1's start, 16-byte aligned
  const whole = n & ~7;
  D.set(s, acc / 2);
  const step = row > SUM_BY_PAGES ? PAGE_FLOATS : CHUNK;
  for (let p = 0; p < whole; p += step) {
    const len = Math.min(step, whole - p);
    F.set(A.subarray(Ao + p, Ao + p + len), aAt);
    mod.sum8(4 * aAt, 4 * len, 4 * acc);
  }
  s.set(D.subarray(acc / 2, acc / 2 + 8));
}

/** sum8Code's kernel over a float32 buffer's own memory (wasm_storage.ts), by that memory. */
const sumKernels = new WeakMap<
  WebAssembly.Memory,
  (a: number, bytes: number, acc: number) => void
>();
let sumModule: WebAssembly.Module | undefined;
/** The accumulators of sums over the buffers' own memories (a shared page, as those are). */
let accs: { memory: WebAssembly.Memory; D: Float64Array } | undefined;

/**
 * wasmSum8 over A's own memory, read where it is (a block of 2^16 floats, reduce.ts: a row of one
 * block, or of one below inplace.ts's SPLIT_MIN; longer rows go to its inPlaceBlockSums): the same
 * additions in the same order, so the same bits. Its instance is kept per memory, where the job
 * makes one a call: 64 rows of 2^17 took 1.6-1.8 ms here against 2.2-2.4 through the job on one
 * thread and 4.8 through the module's copy. (2^24 floats ran at 23.3 GB/s against 15.4 copied a
 * page at a time, when whole rows came here.)
 */
function sumOver(
  memory: WebAssembly.Memory,
  Ao: number,
  n: number,
  s: Float64Array,
): void {
  accs ??= (() => {
    const m = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return { memory: m, D: new Float64Array(m.buffer, 0, 8) };
  })();
  let sum = sumKernels.get(memory);
  if (!sum) {
    sumModule ??= new WebAssembly.Module(
      assembleOver({ sum8: sum8Code(0, 1) }, 2),
    );
    sum = new WebAssembly.Instance(sumModule, {
      env: { m0: memory, m1: accs.memory },
    }).exports.sum8 as (a: number, bytes: number, acc: number) => void;
    sumKernels.set(memory, sum);
  }
  accs.D.set(s);
  sum(4 * Ao, 4 * (n & ~7), 0);
  s.set(accs.D);
}
