// torch.fft: discrete Fourier transforms over any dims. Up to 64 points (and for a prime length) a
// transform is a product with the DFT's cosine and sine matrices (built in float64, exact at the
// quarter turns, then cast to the input's precision); longer ones split n = n1·n2 (Cooley-Tukey)
// into smaller transforms and twiddle factors. Each is a composition of matmul, elementwise ops and
// the complex bridges, so it runs on every device that has matmul, and its gradient is the
// transform's adjoint, as PyTorch's is.

import {
  type DType,
  float64,
  get_default_dtype,
  toRealType,
} from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { parseArgs } from "../ops/_args.ts";
import { tensor } from "../ops/creation.ts";
import { pad } from "../ops/resize.ts";
import { cat } from "../ops/indexing.ts";
import {
  fromParts,
  tensorParts,
  view_as_complex,
  view_as_real,
} from "../complex.ts";

/** x rolled by shifts along dims; a complex x through its pairs (the pair dim stays last). */
function rollAny(x: Tensor, shifts: number[], dims: number[]): Tensor {
  if (!x.dtype.is_complex) return x.roll(shifts, dims);
  return view_as_complex(view_as_real(x).roll(shifts, dims).contiguous());
}

type Norm = "backward" | "ortho" | "forward";

/** cos and sin of 2π r / n, exact where r / n is a multiple of a quarter. */
function cosSin(r: number, n: number): [number, number] {
  if ((4 * r) % n === 0) {
    return [[1, 0], [0, 1], [-1, 0], [0, -1]][(4 * r) / n] as [number, number];
  }
  const a = (2 * Math.PI * r) / n;
  return [Math.cos(a), Math.sin(a)];
}

/**
 * The DFT matrices [rows, cols] with entry (t, k) = cos, sin of 2π t k / n, each row k of the
 * transpose weighted (irfft's doubling), in dtype d on x's device.
 */
function dftMatrices(
  rows: number,
  cols: number,
  n: number,
  d: DType,
  like: Tensor,
  weight: (k: number) => number = () => 1,
  kIsRow = false,
): [Tensor, Tensor] {
  const c = new Float64Array(rows * cols), s = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = kIsRow ? i : j;
      const [cv, sv] = cosSin((i * j) % n, n);
      c[i * cols + j] = weight(k) * cv;
      s[i * cols + j] = weight(k) * sv;
    }
  }
  const make = (a: Float64Array) =>
    tensor(a, { dtype: float64 }).reshape([rows, cols]).to(d).to(like.device);
  return [make(c), make(s)];
}

/** The scale of a transform of length n: 1, 1/√n or 1/n. */
function scaleOf(norm: Norm, n: number, inverse: boolean): number {
  if (norm === "ortho") return 1 / Math.sqrt(n);
  return (norm === "forward") !== inverse ? 1 / n : 1;
}

function normArg(norm: string | null): Norm {
  const v = norm ?? "backward";
  if (v !== "backward" && v !== "ortho" && v !== "forward") {
    throw new RuntimeError(`Invalid normalization mode: "${norm}"`);
  }
  return v;
}

function checkPoints(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RuntimeError(`Invalid number of data points (${n}) specified`);
  }
}

/** t's last dim cut or zero-padded to n. */
function fit(t: Tensor, n: number): Tensor {
  const m = t.size(-1);
  if (n === m) return t;
  return n < m ? t.narrow(-1, 0, n) : pad(t, [0, n - m]);
}

/** The real parts dtype a transform computes in: float64 stays, the rest use float32. */
function partsDtype(x: Tensor): DType {
  const r = toRealType(x.dtype);
  if (r === float64) return float64;
  return r.is_floating_point
    ? (r.name === "float32" ? r : get_default_dtype())
    : get_default_dtype();
}

/** a @ b + c @ e, with a null operand's product left out. */
function mix(
  a: Tensor | null,
  b: Tensor,
  sign: number,
  c: Tensor | null,
  e: Tensor,
): Tensor {
  const p = a ? a.matmul(b) : null;
  const q = c ? c.matmul(e) : null;
  if (p && q) return sign > 0 ? p.add(q) : p.sub(q);
  if (p) return p;
  // 0 - q rather than -q: a zero comes out +0, as from PyTorch's FFT.
  return sign > 0 ? q! : q!.neg().add(0);
}

/** Lengths up to this are one product with the DFT matrix; longer ones are factored. */
const DIRECT = 64;

/** The largest factor of n that is at most √n (1 for a prime). */
function splitOf(n: number): number {
  for (let f = Math.floor(Math.sqrt(n)); f > 1; f--) if (n % f === 0) return f;
  return 1;
}

/**
 * The DFT (or its unscaled inverse) of the last dim of length n, as (real, imaginary) parts; im
 * null for a real input. Up to DIRECT points, or for a prime length, a product with the DFT
 * matrix; otherwise Cooley-Tukey's n = n1·n2 split: n2 transforms of n1 points, the twiddle
 * factors, n1 transforms of n2 points, so that memory and work stay near n·(n1 + n2).
 */
function dftLast(
  re: Tensor,
  im: Tensor | null,
  n: number,
  inverse: boolean,
  dt: DType,
): [Tensor, Tensor] {
  const n1 = n > DIRECT ? splitOf(n) : 1;
  if (n1 === 1) {
    if (n * n > 1 << 26) {
      throw new RuntimeError(
        `fft: a transform of ${n} points, a prime length, would need a ${n}x${n} matrix; lengths with small factors are supported at any size`,
      );
    }
    const [C, S] = dftMatrices(n, n, n, dt, re);
    // Forward: (re + i im)(C - iS); inverse: (re + i im)(C + iS).
    const sg = inverse ? -1 : 1;
    return [mix(re, C, sg, im, S), mix(im, C, -sg, re, S)];
  }
  const n2 = n / n1;
  const lead = re._shape.slice(0, -1);
  // x[t1·n2 + t2] as [..., t2, t1]: n2 transforms over t1.
  const split = (t: Tensor) => t.reshape([...lead, n1, n2]).transpose(-1, -2);
  let [ar, ai] = dftLast(split(re), im && split(im), n1, inverse, dt);
  // Twiddles w^(t2·k1), w = e^(∓2πi/n), on [t2, k1].
  const [C, S] = dftMatrices(n2, n1, n, dt, re);
  const sn = inverse ? S : S.neg();
  [ar, ai] = [ar.mul(C).sub(ai.mul(sn)), ar.mul(sn).add(ai.mul(C))];
  // Then n1 transforms over t2, and X[k1 + n1·k2] read off [..., k2, k1].
  const [br, bi] = dftLast(
    ar.transpose(-1, -2),
    ai.transpose(-1, -2),
    n2,
    inverse,
    dt,
  );
  const join = (t: Tensor) => t.transpose(-1, -2).reshape([...lead, n]);
  return [join(br), join(bi)];
}

/** One complex-to-complex transform along dim (x complex or real). */
function c2c(
  x: Tensor,
  n: number | null,
  dim: number,
  norm: Norm,
  inverse: boolean,
): Tensor {
  const d = wrapDim(dim, x.dim());
  const size = n ?? x.size(d);
  checkPoints(size);
  const dt = partsDtype(x);
  let [re, im] = tensorParts(x, dt);
  re = fit(re.transpose(d, -1), size);
  im = im && fit(im.transpose(d, -1), size);
  let [yr, yi] = dftLast(re, im, size, inverse, dt);
  const s = scaleOf(norm, size, inverse);
  if (s !== 1) {
    yr = yr.mul(s);
    yi = yi.mul(s);
  }
  return fromParts(yr.transpose(d, -1), yi.transpose(d, -1));
}

/** The real-to-complex transform along dim: the n // 2 + 1 non-negative frequencies. */
function r2c(x: Tensor, n: number | null, dim: number, norm: Norm): Tensor {
  if (x.dtype.is_complex) {
    throw new RuntimeError(
      `rfft expects a real input tensor, but got ${x.dtype.scalar_name}`,
    );
  }
  const d = wrapDim(dim, x.dim());
  const size = n ?? x.size(d);
  checkPoints(size);
  const dt = partsDtype(x);
  const re = fit(x.to(dt).transpose(d, -1), size);
  const bins = Math.floor(size / 2) + 1;
  let yr: Tensor, yi: Tensor;
  if (size <= DIRECT) {
    const [C, S] = dftMatrices(size, bins, size, dt, x);
    yr = re.matmul(C);
    yi = re.matmul(S).neg().add(0);
  } else {
    // The full transform, cut to the non-negative frequencies.
    const [fr, fi] = dftLast(re, null, size, false, dt);
    yr = fr.narrow(-1, 0, bins);
    yi = fi.narrow(-1, 0, bins);
  }
  const s = scaleOf(norm, size, false);
  if (s !== 1) {
    yr = yr.mul(s);
    yi = yi.mul(s);
  }
  return fromParts(yr.transpose(d, -1), yi.transpose(d, -1));
}

/**
 * The complex-to-real transform along dim: n real points (2 (m - 1) by default) from the m
 * non-negative frequencies of a Hermitian spectrum; the imaginary parts of the zero and Nyquist
 * frequencies do not matter, as in PyTorch.
 */
function c2r(x: Tensor, n: number | null, dim: number, norm: Norm): Tensor {
  const d = wrapDim(dim, x.dim());
  const size = n ?? 2 * (x.size(d) - 1);
  checkPoints(size);
  const dt = partsDtype(x);
  const bins = Math.floor(size / 2) + 1;
  const [reIn, imIn] = tensorParts(x, dt);
  const re = fit(reIn.transpose(d, -1), bins);
  const im = imIn && fit(imIn.transpose(d, -1), bins);
  let y: Tensor;
  if (size <= DIRECT) {
    // Each frequency between zero and Nyquist stands for itself and its mirror image.
    const twice = (k: number) => (k === 0 || 2 * k === size ? 1 : 2);
    const [C, S] = dftMatrices(bins, size, size, dt, x, twice, true);
    y = mix(re, C, -1, im, S);
  } else {
    // The whole Hermitian spectrum (X[n - k] = conj X[k]), inverted; its real part.
    const mirror = size - bins; // frequencies bins .. size - 1 mirror size - bins .. 1
    const tail = (t: Tensor) => t.narrow(-1, 1, mirror).flip(-1);
    const wholeRe = cat([re, tail(re)], -1);
    const imag = im ?? re.mul(0);
    const wholeIm = cat([imag, tail(imag).neg()], -1);
    y = dftLast(wholeRe, wholeIm, size, true, dt)[0];
  }
  const s = scaleOf(norm, size, true);
  if (s !== 1) y = y.mul(s);
  return y.transpose(d, -1);
}

const ONE = ["n", "dim", "norm"] as const;
const oneDefaults = () => ({
  n: null as number | null,
  dim: -1,
  norm: null as string | null,
});

/**
 * `torch.fft.fft(input, n = None, dim = -1, norm = None)`: the discrete Fourier transform along
 * dim, of n points (cut or zero-padded); a real input counts as complex.
 * @example torch.fft.fft(torch.tensor([1, 2, 3, 4]))  // tensor([10.+0.j, -2.+2.j, -2.+0.j, -2.-2.j])
 */
export function fft(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("fft", args, ONE, oneDefaults());
  return c2c(input, o.n, o.dim, normArg(o.norm), false);
}

/** `torch.fft.ifft(input, n = None, dim = -1, norm = None)`: the inverse of fft. */
export function ifft(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("ifft", args, ONE, oneDefaults());
  return c2c(input, o.n, o.dim, normArg(o.norm), true);
}

/** `torch.fft.rfft(input, n = None, dim = -1, norm = None)`: fft of a real input, n // 2 + 1 bins. */
export function rfft(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("rfft", args, ONE, oneDefaults());
  return r2c(input, o.n, o.dim, normArg(o.norm));
}

/** `torch.fft.irfft(input, n = None, dim = -1, norm = None)`: the inverse of rfft, a real output. */
export function irfft(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("irfft", args, ONE, oneDefaults());
  return c2r(input, o.n, o.dim, normArg(o.norm));
}

/** The dims and sizes of an n-dimensional transform, PyTorch's way (last len(s) dims for s). */
function nDims(
  x: Tensor,
  s: number[] | null,
  dim: number[] | null,
  all: boolean,
): [number[], (number | null)[]] {
  let dims: number[];
  if (dim !== null) {
    dims = dim.map((d) => wrapDim(d, x.dim()));
    if (new Set(dims).size !== dims.length) {
      throw new RuntimeError("FFT dims must be unique");
    }
    if (s !== null && s.length !== dims.length) {
      throw new RuntimeError(
        "When given, dim and shape arguments must have the same length",
      );
    }
  } else if (s !== null) {
    if (s.length > x.dim()) {
      throw new RuntimeError(
        `Got shape with ${s.length} values but input tensor only has ${x.dim()} dimensions.`,
      );
    }
    dims = s.map((_, i) => x.dim() - s.length + i);
  } else {
    dims = all
      ? Array.from({ length: x.dim() }, (_, i) => i)
      : [x.dim() - 2, x.dim() - 1].map((d) => wrapDim(d, x.dim()));
  }
  return [dims, dims.map((_, i) => (s === null ? null : s[i]))];
}

const N_NAMES = ["s", "dim", "norm"] as const;
const nDefaults = () => ({
  s: null as number[] | null,
  dim: null as number | number[] | null,
  norm: null as string | null,
});
const asList = (d: number | number[] | null) =>
  d === null ? null : typeof d === "number" ? [d] : d;

function cN(
  name: string,
  input: Tensor,
  args: unknown[],
  inverse: boolean,
  all: boolean,
): Tensor {
  const o = parseArgs(name, args, N_NAMES, nDefaults());
  const [dims, sizes] = nDims(input, o.s, asList(o.dim), all);
  const norm = normArg(o.norm);
  let y = input;
  dims.forEach((d, i) => {
    y = c2c(y, sizes[i], d, norm, inverse);
  });
  return dims.length === 0 ? c2c(input, null, -1, norm, inverse) : y;
}

/** `torch.fft.fftn(input, s = None, dim = None, norm = None)`: fft over several dims (all by default). */
export function fftn(input: Tensor, ...args: unknown[]): Tensor {
  return cN("fftn", input, args, false, true);
}

/** `torch.fft.ifftn(input, s = None, dim = None, norm = None)`: the inverse of fftn. */
export function ifftn(input: Tensor, ...args: unknown[]): Tensor {
  return cN("ifftn", input, args, true, true);
}

/** `torch.fft.fft2(input, s = None, dim = (-2, -1), norm = None)`: fft over the last two dims. */
export function fft2(input: Tensor, ...args: unknown[]): Tensor {
  return cN("fft2", input, args, false, false);
}

/** `torch.fft.ifft2(input, s = None, dim = (-2, -1), norm = None)`: the inverse of fft2. */
export function ifft2(input: Tensor, ...args: unknown[]): Tensor {
  return cN("ifft2", input, args, true, false);
}

function rN(
  name: string,
  input: Tensor,
  args: unknown[],
  all: boolean,
): Tensor {
  const o = parseArgs(name, args, N_NAMES, nDefaults());
  const [dims, sizes] = nDims(input, o.s, asList(o.dim), all);
  const norm = normArg(o.norm);
  const last = dims.length - 1;
  let y = r2c(input, sizes[last], dims[last], norm);
  for (let i = 0; i < last; i++) y = c2c(y, sizes[i], dims[i], norm, false);
  return y;
}

function irN(
  name: string,
  input: Tensor,
  args: unknown[],
  all: boolean,
): Tensor {
  const o = parseArgs(name, args, N_NAMES, nDefaults());
  const [dims, sizes] = nDims(input, o.s, asList(o.dim), all);
  const norm = normArg(o.norm);
  const last = dims.length - 1;
  let y = input;
  for (let i = 0; i < last; i++) y = c2c(y, sizes[i], dims[i], norm, true);
  return c2r(y, sizes[last], dims[last], norm);
}

/** `torch.fft.rfftn(input, s = None, dim = None, norm = None)`: rfft over the last dim, fft over the rest. */
export function rfftn(input: Tensor, ...args: unknown[]): Tensor {
  return rN("rfftn", input, args, true);
}

/** `torch.fft.irfftn(input, s = None, dim = None, norm = None)`: the inverse of rfftn. */
export function irfftn(input: Tensor, ...args: unknown[]): Tensor {
  return irN("irfftn", input, args, true);
}

/** `torch.fft.rfft2(input, s = None, dim = (-2, -1), norm = None)`. */
export function rfft2(input: Tensor, ...args: unknown[]): Tensor {
  return rN("rfft2", input, args, false);
}

/** `torch.fft.irfft2(input, s = None, dim = (-2, -1), norm = None)`. */
export function irfft2(input: Tensor, ...args: unknown[]): Tensor {
  return irN("irfft2", input, args, false);
}

interface FreqOptions {
  dtype?: DType | string;
  device?: unknown;
  requires_grad?: boolean;
}

/**
 * `torch.fft.fftfreq(n, d = 1.0)`: the sample frequencies of an n-point fft,
 * [0, 1, ..., ⌈n/2⌉ - 1, -⌊n/2⌋, ..., -1] / (d n).
 */
export function fftfreq(n: number, ...args: unknown[]): Tensor {
  const o = parseArgs("fftfreq", args, ["d"], {
    d: 1.0,
    dtype: undefined as FreqOptions["dtype"],
    device: undefined as unknown,
    requires_grad: false,
  });
  const v = Array.from(
    { length: n },
    (_, i) => (i < Math.ceil(n / 2) ? i : i - n),
  );
  return freqs(v, n * o.d, o);
}

/** `torch.fft.rfftfreq(n, d = 1.0)`: the frequencies of rfft's bins, [0, ..., ⌊n/2⌋] / (d n). */
export function rfftfreq(n: number, ...args: unknown[]): Tensor {
  const o = parseArgs("rfftfreq", args, ["d"], {
    d: 1.0,
    dtype: undefined as FreqOptions["dtype"],
    device: undefined as unknown,
    requires_grad: false,
  });
  const v = Array.from({ length: Math.floor(n / 2) + 1 }, (_, i) => i);
  return freqs(v, n * o.d, o);
}

function freqs(v: number[], scale: number, o: FreqOptions): Tensor {
  const dtype = o.dtype ?? get_default_dtype();
  // PyTorch computes arange in the dtype, then multiplies by 1 / (n d).
  return tensor(v, { dtype, device: o.device as never }).mul(1 / scale)
    .requires_grad_(o.requires_grad ?? false);
}

function shiftDims(x: Tensor, dim: number | number[] | null): number[] {
  return dim === null
    ? Array.from({ length: x.dim() }, (_, i) => i)
    : (typeof dim === "number" ? [dim] : dim).map((d) => wrapDim(d, x.dim()));
}

/** `torch.fft.fftshift(input, dim = None)`: the zero frequency moved to the centre. */
export function fftshift(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("fftshift", args, ["dim"], {
    dim: null as number | number[] | null,
  });
  const dims = shiftDims(input, o.dim);
  return rollAny(input, dims.map((d) => Math.floor(input.size(d) / 2)), dims);
}

/** `torch.fft.ifftshift(input, dim = None)`: the inverse of fftshift. */
export function ifftshift(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("ifftshift", args, ["dim"], {
    dim: null as number | number[] | null,
  });
  const dims = shiftDims(input, o.dim);
  return rollAny(input, dims.map((d) => -Math.floor(input.size(d) / 2)), dims);
}
