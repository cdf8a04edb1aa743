// `torch.fft` as the user sees it: each transform behind its PyTorch 1.13 signature.

import { signAll, type SignedTable } from "../signature.ts";
import * as FFT from "./mod.ts";

const ONE = "(input: Tensor, n: int? = None, dim: int = -1, norm: str? = None)";
const N =
  "(input: Tensor, s: int[]? = None, dim: int|int[]? = None, norm: str? = None)";
const TWO =
  "(input: Tensor, s: int[]? = None, dim: int|int[] = (-2,-1), norm: str? = None)";
const FREQ =
  "(n: int, d: float = 1.0, *, dtype: dtype? = None, device: device? = None, requires_grad: bool = False)";
const SHIFT = "(input: Tensor, dim: int|int[]? = None)";

/** The Python signatures of `torch.fft`. */
export const FFT_SIGNATURES = {
  fft: ONE,
  ifft: ONE,
  rfft: ONE,
  irfft: ONE,
  fftn: N,
  ifftn: N,
  rfftn: N,
  irfftn: N,
  fft2: TWO,
  ifft2: TWO,
  rfft2: TWO,
  irfft2: TWO,
  fftfreq: FREQ,
  rfftfreq: FREQ,
  fftshift: SHIFT,
  ifftshift: SHIFT,
} as const;

/** `torch.fft`: discrete Fourier transforms and their helpers, with gradients. */
export const fft: SignedTable<typeof FFT_SIGNATURES, typeof FFT> = signAll(
  "torch.fft",
  FFT_SIGNATURES,
  FFT,
);
