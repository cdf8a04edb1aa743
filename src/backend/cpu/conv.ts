// CPU kernels for convolution (im2col + GEMM), max pooling, and the linear "plane maps" behind
// unfold/fold, padding, average pooling and resampling. The geometry (ConvGeom, PoolGeom, PlaneMap
// and the im2col map) is the backend-neutral description in ../backend.ts and ../geometry.ts.
// A float32 convolution of enough work is split by chunks of samples between this thread and a
// helper thread (conv_thread.ts), each building its own columns and running its own products.

import {
  CONV_GEOM_FIELDS,
  type ConvGeom,
  type PlaneMap,
  type PoolGeom,
} from "../backend.ts";
import { tapSpan } from "../geometry.ts";
import { blasTakes, type Floats, gemmInto } from "./matmul.ts";
import { wasmMaxPool2x2 } from "./wasm_maps.ts";
import { blasInfo, type BlasMode, setBlas } from "./blas.ts";
import {
  chunkFloats,
  type ColumnChunk,
  convHelper,
  Ctl,
  helperQuiet,
  joinConv,
  layoutChunk,
  postConv,
  runIm2col,
  type SampleColumns,
  sampleColumns,
  tableFloats,
} from "./wasm_conv.ts";

/** Typed arrays the kernels walk (int64 data is converted to doubles by the caller). */
export type Dense =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** dst[p, t] = map(src[p, :])[t] for `planes` contiguous planes. */
export function mapForward(
  src: Dense,
  srcOff: number,
  dst: Dense,
  dstOff: number,
  planes: number,
  map: PlaneMap,
  fill = 0,
): void {
  const { inSize, outSize, taps, idx, w } = map;
  for (let p = 0; p < planes; p++) {
    const si = srcOff + p * inSize, di = dstOff + p * outSize;
    if (taps === 1 && !w) {
      for (let t = 0; t < outSize; t++) {
        const s = idx[t];
        dst[di + t] = s < 0 ? fill : src[si + s];
      }
      continue;
    }
    for (let t = 0, q = 0; t < outSize; t++) {
      let acc = 0;
      for (const e = q + taps; q < e; q++) {
        const s = idx[q];
        const v = s < 0 ? fill : src[si + s];
        acc += w ? w[q] * v : v;
      }
      dst[di + t] = acc;
    }
  }
}

/** dst[p, :] += mapᵀ(src[p, :]): the adjoint, i.e. the gradient of mapForward. */
export function mapAdjoint(
  src: Dense,
  srcOff: number,
  dst: Dense,
  dstOff: number,
  planes: number,
  map: PlaneMap,
): void {
  const { inSize, outSize, taps, idx, w } = map;
  for (let p = 0; p < planes; p++) {
    const si = srcOff + p * outSize, di = dstOff + p * inSize;
    for (let t = 0, q = 0; t < outSize; t++) {
      const g = src[si + t];
      for (const e = q + taps; q < e; q++) {
        const s = idx[q];
        if (s >= 0) dst[di + s] += w ? w[q] * g : g;
      }
    }
  }
}

// Scratch for the column matrices and the per-chunk products, kept between calls: a fresh
// multi-megabyte array per convolution costs more in page faults than the GEMM itself (LeNet's
// first layer at batch 64: 5 MB of columns). Kernels run one at a time, so two slots suffice.
const SCRATCH: Record<string, Floats | undefined> = {};

function scratch(
  slot: "cols" | "prod" | "side",
  like: Floats,
  n: number,
): Floats {
  const key = slot + (like instanceof Float32Array ? "32" : "64");
  let s = SCRATCH[key];
  if (!s || s.length < n) {
    s = like instanceof Float32Array
      ? new Float32Array(n)
      : new Float64Array(n);
    if (n <= SCRATCH_KEEP) SCRATCH[key] = s;
  }
  return s;
}

/**
 * Column-matrix elements per chunk of samples (a chunk holds at least one sample): 256 KiB of
 * float32 columns, which stay in the core's cache from im2col to the GEMM that reads them. LeNet's
 * two layers at batch 64, forward and backward, took 2149 and 2526 µs in chunks of 2²² elements,
 * 1398 and 2088 in chunks of 2¹⁶ (OpenBLAS; 2¹⁷ about the same, 2¹⁴ and 2¹⁸ slower).
 */
const CHUNK_ELEMENTS = 1 << 16;
/** Scratch arrays up to this many elements are kept for the next call. */
const SCRATCH_KEEP = 1 << 23;

/** How many samples share one GEMM, so that their columns stay within CHUNK_ELEMENTS. */
function chunkOf(g: ConvGeom): number {
  const K = (g.C / g.G) * g.kh * g.kw, L = g.oh * g.ow;
  return Math.max(
    1,
    Math.min(g.N, Math.floor(CHUNK_ELEMENTS / Math.max(1, K * L))),
  );
}

/**
 * cols[(c·kh + i)·kw + j, s·L + y·ow + x] = big[n0 + s, group·Cg + c, y·sh − ph + i·dh,
 * x·sw − pw + j·dw] (0 outside the input) for the `nb` samples from n0: the columns of a whole
 * chunk side by side, so one GEMM covers them. With `adjoint`, the same map transposed: cols are
 * added back into big (col2im, the input gradient).
 */
function im2col(
  big: Floats,
  bigOff: number,
  cols: Floats,
  g: ConvGeom,
  group: number,
  n0: number,
  nb: number,
  adjoint: boolean,
): void {
  const Cg = g.C / g.G, HW = g.H * g.W, L = g.oh * g.ow, NL = nb * L;
  // The loops over one tap of one plane live in functions of their own, called thousands of
  // times per convolution: V8 optimises those as a whole, where one function holding every loop
  // is only ever entered by on-stack replacement and left again (a deoptimisation per call).
  for (let c = 0; c < Cg; c++) {
    for (let i = 0; i < g.kh; i++) {
      for (let j = 0; j < g.kw; j++) {
        const row = ((c * g.kh + i) * g.kw + j) * NL;
        const [x0, x1] = tapSpan(g, j);
        const shift = j * g.dw - g.pw;
        for (let s = 0; s < nb; s++) {
          const plane = bigOff + ((n0 + s) * g.C + group * Cg + c) * HW;
          if (adjoint) {
            addTap(big, plane + shift, cols, row + s * L, g, i, x0, x1);
          } else {
            readTap(big, plane + shift, cols, row + s * L, g, i, x0, x1);
          }
        }
      }
    }
  }
}

/** One tap (i, j) of one plane into its oh×ow block of columns at d0, zeros outside the input. */
function readTap(
  big: Floats,
  src0: number,
  cols: Floats,
  d0: number,
  g: ConvGeom,
  i: number,
  x0: number,
  x1: number,
): void {
  const { oh, ow, sw, W } = g;
  for (let y = 0, d = d0; y < oh; y++, d += ow) {
    const iy = y * g.sh - g.ph + i * g.dh;
    if (iy < 0 || iy >= g.H) {
      cols.fill(0, d, d + ow);
      continue;
    }
    const src = src0 + iy * W;
    if (x0 > 0) cols.fill(0, d, d + x0);
    if (x1 < ow) cols.fill(0, d + x1, d + ow);
    if (sw === 1) {
      for (let x = x0; x < x1; x++) cols[d + x] = big[src + x];
    } else {
      for (let x = x0; x < x1; x++) cols[d + x] = big[src + x * sw];
    }
  }
}

/** readTap's adjoint: the block of columns at d0 added back into the plane (col2im). */
function addTap(
  big: Floats,
  src0: number,
  cols: Floats,
  d0: number,
  g: ConvGeom,
  i: number,
  x0: number,
  x1: number,
): void {
  const { oh, ow, sw, W } = g;
  for (let y = 0, d = d0; y < oh; y++, d += ow) {
    const iy = y * g.sh - g.ph + i * g.dh;
    if (iy < 0 || iy >= g.H) continue;
    const src = src0 + iy * W;
    for (let x = x0; x < x1; x++) big[src + x * sw] += cols[d + x];
  }
}

/**
 * Where a chunk's column matrix lives: the WebAssembly module's memory (float32, wasm_conv.ts),
 * or the JavaScript scratch (float64, or where WebAssembly is missing).
 */
interface Columns {
  array: Floats;
  off: number;
  wasm: ColumnChunk | null;
}

/** The columns of a chunk; for col2im (`zeroInput`), the module's input region starts at zero. */
function columnsFor(
  big: Floats,
  bigOff: number,
  g: ConvGeom,
  n0: number,
  nb: number,
  chunk: number,
  zeroInput: boolean,
): Columns {
  if (big instanceof Float32Array) {
    const c = layoutChunk(big, bigOff, g, n0, nb, zeroInput);
    if (c) return { array: c.F, off: c.cols, wasm: c };
  }
  const K = (g.C / g.G) * g.kh * g.kw;
  return {
    array: scratch("cols", big, K * chunk * g.oh * g.ow),
    off: 0,
    wasm: null,
  };
}

/** im2col (or its adjoint) of one group of a chunk, where its columns live. */
function fillColumns(
  cols: Columns,
  big: Floats,
  bigOff: number,
  g: ConvGeom,
  group: number,
  n0: number,
  nb: number,
  adjoint: boolean,
): void {
  if (cols.wasm) runIm2col(cols.wasm, g, group, n0, nb, adjoint);
  else im2col(big, bigOff, cols.array, g, group, n0, nb, adjoint);
}

/**
 * Between a chunk's product laid out as [Og, nb·L] (one row per output channel, the samples side
 * by side) and the tensor's [N, O, L]: `toTensor` copies prod into small, otherwise small into prod.
 */
function shuffle(
  prod: Floats,
  small: Floats,
  smallOff: number,
  g: ConvGeom,
  group: number,
  n0: number,
  nb: number,
  toTensor: boolean,
): void {
  const Og = g.O / g.G, L = g.oh * g.ow, NL = nb * L;
  for (let o = 0; o < Og; o++) {
    for (let s = 0; s < nb; s++) {
      const t = smallOff + ((n0 + s) * g.O + group * Og + o) * L,
        p = o * NL + s * L;
      if (toTensor) small.set(prod.subarray(p, p + L), t);
      else prod.set(small.subarray(t, t + L), p);
    }
  }
}

/** Which of the three convolution kernels a share of one runs. */
const enum ConvKind {
  /** small = W · im2col(big) */
  Forward = 0,
  /** big = col2im(Wᵀ · small) */
  Data = 1,
  /** w (+)= small · im2col(big)ᵀ */
  Weight = 2,
}

/** A share of a convolution: the samples [from, to) (whole chunks), and where the operands are. */
interface ConvShare {
  kind: ConvKind;
  g: ConvGeom;
  from: number;
  to: number;
  big: Floats;
  bigOff: number;
  /** The weight (Forward, Data), or the weight gradient written (Weight). */
  w: Floats;
  wOff: number;
  small: Floats;
  smallOff: number;
  /** Forward: the bias, one value per output channel (the product starts from it), or null. */
  bias: Floats | null;
  /**
   * The share's samples already in the module's memory with room for one chunk's columns (a
   * convolution split between threads); null: each chunk is laid out in turn.
   */
  laid: ColumnChunk | null;
}

/**
 * runShare by sample through the system BLAS, for the geometries sampleColumns takes: each
 * sample's columns live at this thread's fixed addresses, where the unrolled kernels read and
 * write them with no bounds checks. Forward and weight gradient: the sample's group of channels
 * is copied in, its columns built, and its product made from them: into small in place (from the
 * bias rows where there is a bias), or added into wt. Input gradient: the columns are the product
 * Wᵀ · dY, added back into zeros (col2im) and copied out. LeNet's second layer at batch 64 on one
 * thread: the forward 0.50 → 0.45 ms (im2col about 1.4 µs a sample against 2.7 in chunks), the
 * forward and input gradient 1.174 → 1.148 ms (medians, interleaved in one process).
 */
function samplewise(
  s: ConvShare,
  at: SampleColumns,
  biasRows: Floats | null,
  wt: Floats | null,
): void {
  const { g, from, to, big, bigOff, w, wOff, small, smallOff, laid } = s;
  const Cg = g.C / g.G, Og = g.O / g.G, HW = g.H * g.W;
  const K = Cg * g.kh * g.kw, L = g.oh * g.ow, sample = g.C * HW;
  // Nothing below grows the memory, so F (made after the last growth) stays valid.
  const F = at.F;
  for (let gr = 0; gr < g.G; gr++) {
    const rows = biasRows?.subarray(gr * Og * L, (gr + 1) * Og * L);
    for (let n = from; n < to; n++) {
      const src = n * sample + gr * Cg * HW;
      const y = smallOff + (n * g.O + gr * Og) * L;
      // Where the sample's group of channels is: in F (the laid-out share), or in the tensor.
      const i = laid ? laid.input + src - laid.first * sample : bigOff + src;
      if (s.kind === ConvKind.Data) {
        // columns = W_gᵀ · dY (K × L), added back into zeros: the sample's input gradient.
        const wg = wOff + gr * Og * K;
        gemmInto(F, at.cols, w, wg, 1, K, small, y, L, 1, K, Og, L, false);
        F.fill(0, at.input, at.input + Cg * HW + 4);
        at.add();
        if (laid) F.copyWithin(i, at.input, at.input + Cg * HW);
        else big.set(F.subarray(at.input, at.input + Cg * HW), i);
        continue;
      }
      if (laid) F.copyWithin(at.input, i, i + Cg * HW);
      else F.set(big.subarray(i, i + Cg * HW), at.input);
      at.fill();
      if (wt) {
        // wt[group] (+)= columns · dYᵀ: K × Og, the sample's [Og, L] block read transposed.
        const t = gr * K * Og;
        gemmInto(wt, t, F, at.cols, L, 1, small, y, 1, L, K, L, Og, n > from);
        continue;
      }
      if (rows) small.set(rows, y);
      gemmInto(
        small,
        y,
        w,
        wOff + gr * Og * K,
        K,
        1,
        F,
        at.cols,
        L,
        1,
        Og,
        K,
        L,
        rows !== undefined,
      );
    }
  }
}

/**
 * Whether a share's products go one per sample (through the system BLAS; not the input gradient).
 */
function bySampleShare(s: ConvShare): boolean {
  const { kind, g } = s;
  const like = kind === ConvKind.Forward ? s.small : s.w;
  const K = (g.C / g.G) * g.kh * g.kw;
  return kind !== ConvKind.Data && blasTakes(like, g.O / g.G, K, g.oh * g.ow);
}

/** The samplewise columns where a share takes that path (float32: the module's memory is). */
function samplewiseColumns(s: ConvShare): SampleColumns | null {
  const { kind, g, big, small, w } = s;
  const K = (g.C / g.G) * g.kh * g.kw, L = g.oh * g.ow;
  // The input gradient's products (columns = Wᵀ · dY, K × L) through the BLAS too.
  const blas = kind === ConvKind.Data
    ? blasTakes(big, K, g.O / g.G, L)
    : bySampleShare(s);
  return blas && big instanceof Float32Array &&
      small instanceof Float32Array && w instanceof Float32Array
    ? sampleColumns(g)
    : null;
}

/**
 * Runs a share chunk by chunk: im2col (or col2im), the GEMM, and the shuffle, per group. Where
 * the system BLAS takes a sample's product, the forward and weight kernels skip the shuffle:
 * one product per sample reads and writes the tensor's [O, L] block in place (BLAS takes its
 * strides as they are), the weight gradient transposed (Wᵀ += columns · dYᵀ, written into w at the
 * end; OpenBLAS ran LeNet's 16×150 by 150×1600 as Wᵀ in 94 µs against 121). The shuffles took 82
 * µs of LeNet's 1.9 ms step at batch 16 under Deno; by sample the step ran 1.50–1.57 ms against
 * 1.59–1.64. The input gradient keeps its shuffle: its product's rows are the chunk's columns,
 * a stride gemmInto's output does not take.
 */
function runShare(s: ConvShare): void {
  const { kind, g, from, to, big, bigOff, w, wOff, small, smallOff, laid } = s;
  const bias = kind === ConvKind.Forward ? s.bias : null;
  const Og = g.O / g.G, K = (g.C / g.G) * g.kh * g.kw, L = g.oh * g.ow;
  const chunk = chunkOf(g), adjoint = kind === ConvKind.Data;
  const like = kind === ConvKind.Forward ? small : adjoint ? big : w;
  const prod = scratch("prod", like, Og * chunk * L);
  const bySample = bySampleShare(s);
  // By sample, the weight gradient transposed (a [K, Og] block per group); the forward's bias
  // as the [O, L] block each sample's product starts from (one copy, not a fill per row).
  const wt = bySample && kind === ConvKind.Weight
    ? scratch("side", like, g.G * K * Og)
    : null;
  const biasRows = bySample && bias ? scratch("side", like, g.O * L) : null;
  for (let o = 0; biasRows && o < g.O; o++) {
    biasRows.fill(bias![o], o * L, (o + 1) * L);
  }
  // Through the BLAS, one sample at a time with its columns at fixed addresses (samplewise).
  const at = samplewiseColumns(s);
  if (at) samplewise(s, at, biasRows, wt);
  for (let n0 = from; !at && n0 < to; n0 += chunk) {
    const nb = Math.min(chunk, to - n0), NL = nb * L;
    const cols: Columns = laid
      ? { array: laid.F, off: laid.cols, wasm: laid }
      : columnsFor(big, bigOff, g, n0, nb, chunk, adjoint);
    for (let gr = 0; gr < g.G; gr++) {
      const wg = wOff + gr * Og * K;
      if (bySample) {
        fillColumns(cols, big, bigOff, g, gr, n0, nb, false);
        for (let j = 0; j < nb; j++) {
          // Sample n0 + j: its columns, and its group's [Og, L] block of small.
          const c = cols.off + j * L;
          const y = smallOff + ((n0 + j) * g.O + gr * Og) * L;
          if (wt) {
            const first = n0 === from && j === 0;
            gemmInto(
              wt,
              gr * K * Og,
              cols.array,
              c,
              NL,
              1,
              small,
              y,
              1,
              L,
              K,
              L,
              Og,
              !first,
            );
            continue;
          }
          if (biasRows) {
            small.set(biasRows.subarray(gr * Og * L, (gr + 1) * Og * L), y);
          }
          gemmInto(
            small,
            y,
            w,
            wg,
            K,
            1,
            cols.array,
            c,
            NL,
            1,
            Og,
            K,
            L,
            bias !== null,
          );
        }
      } else if (kind === ConvKind.Forward) {
        fillColumns(cols, big, bigOff, g, gr, n0, nb, false);
        // The bias in first, each row of prod its channel's, and the product added to it (as
        // PyTorch's slow_conv2d does): no pass over the output after.
        for (let o = 0; bias && o < Og; o++) {
          prod.fill(bias[gr * Og + o], o * NL, (o + 1) * NL);
        }
        gemmInto(
          prod,
          0,
          w,
          wg,
          K,
          1,
          cols.array,
          cols.off,
          NL,
          1,
          Og,
          K,
          NL,
          bias !== null,
        );
        shuffle(prod, small, smallOff, g, gr, n0, nb, true);
      } else if (adjoint) {
        shuffle(prod, small, smallOff, g, gr, n0, nb, false);
        gemmInto(
          cols.array,
          cols.off,
          w,
          wg,
          1,
          K,
          prod,
          0,
          NL,
          1,
          K,
          Og,
          NL,
          false,
        );
        fillColumns(cols, big, bigOff, g, gr, n0, nb, true);
      } else {
        fillColumns(cols, big, bigOff, g, gr, n0, nb, false);
        shuffle(prod, small, smallOff, g, gr, n0, nb, false);
        gemmInto(
          w,
          wg,
          prod,
          0,
          NL,
          1,
          cols.array,
          cols.off,
          1,
          NL,
          Og,
          NL,
          K,
          n0 > from,
        );
      }
    }
    if (adjoint && cols.wasm && !laid) {
      // col2im summed the chunk in the module's memory, from zeros: the chunk's input gradient.
      const sample = g.C * g.H * g.W, at = cols.wasm.input;
      big.set(cols.array.subarray(at, at + nb * sample), bigOff + n0 * sample);
    }
  }
  for (let gr = 0; wt && from < to && gr < g.G; gr++) {
    const wg = wOff + gr * Og * K, tg = gr * K * Og;
    for (let o = 0; o < Og; o++) {
      for (let q = 0; q < K; q++) w[wg + o * K + q] = wt[tg + q * Og + o];
    }
  }
}

/**
 * Convolutions of fewer multiply-adds than this run on one thread: handing a share over costs a
 * wake of the helper (about 100 µs between a training step's convolutions on the 2-core VM, 30
 * back to back) and copies of its operands. LeNet's step at batch 16, whose second convolution
 * (3.8M) split at 2²¹, ran 1.94 ms a step on one thread and 2.10 on two.
 */
const SPLIT_MIN = 1 << 22;
/**
 * The share of the samples past half that this thread takes when both threads go samplewise
 * (any number of samples, not whole chunks): the helper starts its share a wake later (20 to
 * 30 µs). LeNet's second layer at batch 64, 34 samples here and 30 there: 227k images/s at the
 * 10th percentile against 222k split evenly (interleaved runs on the 2-core VM).
 */
const SPLIT_LEAN = 1 / 32;
/** Nor are convolutions split whose operands would take more floats than this in the module. */
const SPLIT_MAX_FLOATS = 1 << 27;

const BLAS_MODES: BlasMode[] = ["auto", "openblas", "off"];

/**
 * A float32 convolution of enough work, in the module's shared memory, in two shares: this
 * thread takes the first half of the chunks and the helper thread (wasm_conv.ts's convHelper)
 * the rest, each building its own columns; the helper's operands are copied in and its results
 * out. False (nothing done) where there is no helper or the convolution is too small.
 */
function splitShare(s: ConvShare): boolean {
  const { kind, g } = s;
  const K = (g.C / g.G) * g.kh * g.kw, L = g.oh * g.ow, OL = g.O * L;
  const chunk = chunkOf(g), chunks = Math.ceil(g.N / chunk);
  if (
    chunks < 2 || g.N * OL * K < SPLIT_MIN ||
    !(s.big instanceof Float32Array) || !(s.w instanceof Float32Array) ||
    !(s.small instanceof Float32Array)
  ) {
    return false;
  }
  const adjoint = kind === ConvKind.Data,
    direct = samplewiseColumns(s) !== null;
  const mid = direct
    ? Math.min(g.N - 1, Math.round(g.N * (0.5 + SPLIT_LEAN)))
    : Math.ceil(chunks / 2) * chunk;
  // The memory: the tap table, both shares' samples and columns, the weight (or the helper's
  // weight gradient), the helper's part of small, the bias.
  const at0 = tableFloats(g), at1 = at0 + chunkFloats(g, mid, chunk);
  const wAt = at1 + chunkFloats(g, g.N - mid, chunk);
  const yAt = wAt + g.O * K, bAt = yAt + (g.N - mid) * OL;
  const bias = kind === ConvKind.Forward ? s.bias : null;
  const end = bAt + (bias ? g.O : 0);
  if (end > SPLIT_MAX_FLOATS) return false;
  // Only now the helper, so that a convolution that never splits never starts it.
  const ctl = convHelper();
  // A helper still on an exp's last block finishes it first (joinConv: false where it raised).
  if (!ctl || !joinConv()) return false;
  // Samplewise (both threads take that path), this thread reads its samples from the tensor.
  const mine = direct ? null : layoutChunk(
    s.big,
    s.bigOff,
    g,
    0,
    mid,
    adjoint,
    at0,
    chunk,
    end,
  );
  const theirs = layoutChunk(
    s.big,
    s.bigOff,
    g,
    mid,
    g.N - mid,
    adjoint,
    at1,
    chunk,
    end,
  );
  if ((!direct && !mine) || !theirs) return false;
  const F = theirs.F;
  if (kind !== ConvKind.Weight) {
    F.set(s.w.subarray(s.wOff, s.wOff + g.O * K), wAt);
  }
  if (bias) F.set(bias.subarray(0, g.O), bAt);
  if (kind !== ConvKind.Forward) {
    const from = s.smallOff + mid * OL;
    F.set(s.small.subarray(from, from + (g.N - mid) * OL), yAt);
  }
  // The share's words after Ctl.Job: the kind, the BLAS mode, the geometry (CONV_GEOM_FIELDS),
  // then ConvShare's numbers, as runJob reads them.
  const job = [
    kind,
    BLAS_MODES.indexOf(blasInfo().mode),
    ...CONV_GEOM_FIELDS.map((k) => g[k]),
    mid,
    g.N,
    theirs.input,
    theirs.first,
    theirs.cols,
    wAt,
    yAt - mid * OL,
    bias ? bAt : -1,
  ];
  ctl.set(job, Ctl.Job);
  postConv();
  try {
    runShare({ ...s, from: 0, to: mid, laid: mine });
  } finally {
    // Never leave the helper writing into memory the next convolution lays out again.
    if (!joinConv()) {
      // It raised (and is not used again): its share, here.
      if (adjoint) {
        F.fill(0, theirs.input, theirs.input + (g.N - mid) * g.C * g.H * g.W);
      }
      runJob(F, ctl);
    }
  }
  if (kind === ConvKind.Forward) {
    s.small.set(F.subarray(yAt, bAt), s.smallOff + mid * OL);
  } else if (adjoint) {
    const sample = g.C * g.H * g.W;
    // (Samplewise, this thread wrote its samples' gradient into the tensor itself.)
    if (mine) {
      s.big.set(F.subarray(mine.input, mine.input + mid * sample), s.bigOff);
    }
    s.big.set(
      F.subarray(theirs.input, theirs.input + (g.N - mid) * sample),
      s.bigOff + mid * sample,
    );
  } else {
    for (let i = 0; i < g.O * K; i++) s.w[s.wOff + i] += F[wAt + i];
  }
  return true;
}

/** The share a split convolution hands the helper (its job words at Ctl.Job), over F. */
export function runJob(F: Float32Array, ctl: Int32Array): void {
  const j = ctl.subarray(Ctl.Job);
  const mode = BLAS_MODES[j[1]];
  if (blasInfo().mode !== mode) setBlas(mode);
  const g = {} as ConvGeom;
  CONV_GEOM_FIELDS.forEach((k, i) => (g[k] = j[2 + i]));
  const n = 2 + CONV_GEOM_FIELDS.length;
  const [from, to, input, first, cols, wAt, smallOff, bAt] = j.subarray(
    n,
    n + 8,
  );
  runShare({
    kind: j[0] as ConvKind,
    g,
    from,
    to,
    big: F,
    bigOff: 0,
    w: F,
    wOff: wAt,
    small: F,
    smallOff,
    bias: bAt >= 0 ? F.subarray(bAt, bAt + g.O) : null,
    laid: { F, input, first, cols },
  });
}

/** A whole convolution of `kind`: split between threads where that pays, else here. */
function runConv(
  kind: ConvKind,
  g: ConvGeom,
  big: Floats,
  bigOff: number,
  w: Floats,
  wOff: number,
  small: Floats,
  smallOff: number,
  bias: Floats | null = null,
): void {
  const s: ConvShare = {
    kind,
    g,
    from: 0,
    to: g.N,
    big,
    bigOff,
    w,
    wOff,
    small,
    smallOff,
    bias,
    laid: null,
  };
  if (splitShare(s)) return;
  helperQuiet();
  runShare(s);
}

/**
 * small[n, o] = W_g · im2col(big[n, g]) (+ bias[o]): the forward convolution, over small; bias
 * holds one value per output channel from its index 0.
 */
export function convForward(
  big: Floats,
  bigOff: number,
  w: Floats,
  wOff: number,
  bias: Floats | null,
  small: Floats,
  smallOff: number,
  g: ConvGeom,
): void {
  runConv(ConvKind.Forward, g, big, bigOff, w, wOff, small, smallOff, bias);
}

/** big[n, g] = col2im(W_gᵀ · small[n, g]): the transposed convolution (the input gradient), over big. */
export function convBackwardData(
  small: Floats,
  smallOff: number,
  w: Floats,
  wOff: number,
  big: Floats,
  bigOff: number,
  g: ConvGeom,
): void {
  // col2im accumulates overlapping taps, so the target starts from zeros.
  big.fill(0, bigOff, bigOff + g.N * g.C * g.H * g.W);
  runConv(ConvKind.Data, g, big, bigOff, w, wOff, small, smallOff);
}

/** w[g] = Σ_n small[n, g] · im2col(big[n, g])ᵀ: the weight gradient, over w. */
export function convBackwardWeight(
  big: Floats,
  bigOff: number,
  small: Floats,
  smallOff: number,
  w: Floats,
  wOff: number,
  g: ConvGeom,
): void {
  const K = (g.C / g.G) * g.kh * g.kw;
  if (g.N === 0) w.fill(0, wOff, wOff + g.O * K);
  runConv(ConvKind.Weight, g, big, bigOff, w, wOff, small, smallOff);
}

const PICK_VALUE = new Float64Array(2), PICK_INDEX = new Int32Array(2);

/**
 * Max pooling with the argmax of each window (flat index into its H×W plane). As ATen's kernel:
 * the first maximum wins ties, NaN wins over everything, and an all -inf window points at its
 * first in-bounds element. The indices are int64, written as little-endian pairs of 32-bit words
 * (`words` views the int64 buffer; `idxOff` counts int64 elements).
 */
export function maxPool2d(
  src: Floats,
  srcOff: number,
  planes: number,
  g: PoolGeom,
  out: Floats,
  outOff: number,
  words: Int32Array,
  idxOff: number,
): void {
  const HW = g.H * g.W, L = g.oh * g.ow;
  if (
    g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 &&
    g.pw === 0 && g.dh === 1 && g.dw === 1 && 2 * g.oh <= g.H &&
    2 * g.ow <= g.W
  ) {
    const { H, W, oh, ow } = g;
    const args = [H, W, oh, ow, out, outOff, words, idxOff] as const;
    if (!wasmMaxPool2x2(src, srcOff, planes, ...args)) {
      maxPool2x2(src, srcOff, planes, g, out, outOff, words, idxOff);
    }
    return;
  }
  for (let p = 0; p < planes; p++) {
    const base = srcOff + p * HW;
    for (let y = 0; y < g.oh; y++) {
      let h0 = y * g.sh - g.ph;
      const h1 = Math.min(h0 + (g.kh - 1) * g.dh + 1, g.H);
      while (h0 < 0) h0 += g.dh;
      for (let x = 0; x < g.ow; x++) {
        let w0 = x * g.sw - g.pw;
        const w1 = Math.min(w0 + (g.kw - 1) * g.dw + 1, g.W);
        while (w0 < 0) w0 += g.dw;
        let best = -Infinity, arg = h0 * g.W + w0;
        for (let iy = h0; iy < h1; iy += g.dh) {
          const row = iy * g.W;
          for (let ix = w0; ix < w1; ix += g.dw) {
            const v = src[base + row + ix];
            // NaN replaces the running max every time, so the last NaN wins (as ATen). The
            // choice is made without a branch, which random data would mispredict.
            const take = +(v > best) | +(v !== v);
            PICK_VALUE[0] = best;
            PICK_VALUE[1] = v;
            best = PICK_VALUE[take];
            PICK_INDEX[0] = arg;
            PICK_INDEX[1] = row + ix;
            arg = PICK_INDEX[take];
          }
        }
        const o = p * L + y * g.ow + x, q = 2 * (idxOff + o);
        out[outOff + o] = best;
        words[q] = arg;
        words[q + 1] = 0;
      }
    }
  }
}

/** maxPool2d for the commonest windows: 2×2, stride 2, no padding or dilation, every window inside. */
function maxPool2x2(
  src: Floats,
  srcOff: number,
  planes: number,
  g: PoolGeom,
  out: Floats,
  outOff: number,
  words: Int32Array,
  idxOff: number,
): void {
  const { H, W, oh, ow } = g, V = PICK_VALUE, I = PICK_INDEX;
  for (let p = 0, o = 0; p < planes; p++) {
    const base = srcOff + p * H * W;
    for (let y = 0; y < oh; y++) {
      const r0 = 2 * y * W, r1 = r0 + W;
      for (let x = 0; x < ow; x++, o++) {
        // The four taps in window order, each taking over from the running max as maxPool2d's.
        const i0 = r0 + 2 * x, i2 = r1 + 2 * x;
        let best = src[base + i0], arg = i0;
        let v = src[base + i0 + 1], t = +(v > best) | +(v !== v);
        V[0] = best, V[1] = v, I[0] = arg, I[1] = i0 + 1;
        best = V[t], arg = I[t];
        v = src[base + i2], t = +(v > best) | +(v !== v);
        V[0] = best, V[1] = v, I[0] = arg, I[1] = i2;
        best = V[t], arg = I[t];
        v = src[base + i2 + 1], t = +(v > best) | +(v !== v);
        V[0] = best, V[1] = v, I[0] = arg, I[1] = i2 + 1;
        best = V[t], arg = I[t];
        const q = 2 * (idxOff + o);
        out[outOff + o] = best;
        words[q] = arg;
        words[q + 1] = 0;
      }
    }
  }
}

/**
 * dst[p, indices[p, t]] += src[p, t]: the max-pool gradient, a scatter by the saved argmax. The
 * indices are int64 as in maxPool2d (low words read; pooling indices are small and ≥ 0).
 */
export function scatterPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  L: number,
  words: Int32Array,
  idxOff: number,
  dst: Floats,
  dstOff: number,
  HW: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * L, d = dstOff + p * HW, q = 2 * (idxOff + p * L);
    for (let t = 0; t < L; t++) dst[d + words[q + 2 * t]] += src[s + t];
  }
}

/** dst[p, t] = src[p, indices[p, t]]: the adjoint of scatterPlanes (max pool's double backward). */
export function gatherPlanes(
  src: Floats,
  srcOff: number,
  planes: number,
  HW: number,
  words: Int32Array,
  idxOff: number,
  dst: Floats,
  dstOff: number,
  L: number,
): void {
  for (let p = 0; p < planes; p++) {
    const s = srcOff + p * HW, d = dstOff + p * L, q = 2 * (idxOff + p * L);
    for (let t = 0; t < L; t++) dst[d + t] = src[s + words[q + 2 * t]];
  }
}
