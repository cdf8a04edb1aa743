// The system BLAS (OpenBLAS) for the CPU's matrix products, called on the tensors' own memory
// through the runtime's FFI: Deno.dlopen (with --allow-ffi granted) or bun:ffi. Where neither
// the library nor the permission is there, matmul and convolution keep their JavaScript kernel
// (matmul.ts). `torch.backends.cpu.info()` says which one runs; `set_blas()` forces either.
//
// OpenBLAS computes float32 products in float32 (as PyTorch's CPU does); the JavaScript kernel
// sums them in doubles.

import { expHelperBlocks } from "./exp_split.ts";
import { createRequire } from "node:module";
import { RuntimeError } from "../../errors.ts";
import { envVar } from "../env.ts";
import { simdInfo, type SimdMode, simdOn } from "./wasm_gemm.ts";
import { wasmStorageOn } from "./wasm_storage.ts";
import { inPlaceOps, sumHelperBlocksSoFar } from "./inplace.ts";
import { convThreads, im2colInWasm } from "./wasm_conv.ts";

type Floats = Float32Array | Float64Array;

/** C = A·B (+ C when beta is 1) in row-major order; a transposed operand is read in place. */
export type Gemm = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: Floats,
  lda: number,
  b: Floats,
  ldb: number,
  beta: number,
  c: Floats,
  ldc: number,
) => void;

export interface Blas {
  /** The library as loaded, e.g. "libopenblas.so.0". */
  library: string;
  threads: number;
  sgemm: Gemm;
  dgemm: Gemm;
  /** Runs the next products on n threads (a no-op when they already do). */
  useThreads(n: number): void;
}

/** "auto": OpenBLAS where it loads; "openblas": required; "off": the JavaScript kernel. */
export type BlasMode = "auto" | "openblas" | "off";

const LIBRARIES = [
  "libopenblas.so.0",
  "libopenblas.so",
  "libopenblas.dylib",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
];
const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

type Raw = {
  cblas_sgemm: (...args: unknown[]) => void;
  cblas_dgemm: (...args: unknown[]) => void;
  openblas_get_num_threads: () => number;
  openblas_set_num_threads: (n: number) => void;
};

function gemmOf(fn: (...args: unknown[]) => void): Gemm {
  return (ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc) =>
    fn(
      ROW_MAJOR,
      ta ? TRANS : NO_TRANS,
      tb ? TRANS : NO_TRANS,
      m,
      n,
      k,
      1,
      a,
      lda,
      b,
      ldb,
      beta,
      c,
      ldc,
    );
}

type Dlopen = (path: string, symbols: unknown) => { symbols: Raw };

/**
 * The three symbols through one runtime's dlopen, from the first library name that loads.
 * `ptr` is how that runtime names a pointer argument, and `[args, result]` its two field names.
 */
function openWith(
  dlopen: Dlopen,
  ptr: string,
  [args, result]: [string, string],
): { raw: Raw; library: string } | undefined {
  const I = "i32";
  const gemm = (t: string) => ({
    [args]: [I, I, I, I, I, I, t, ptr, I, ptr, I, t, ptr, I],
    [result]: "void",
  });
  for (const library of LIBRARIES) {
    try {
      const lib = dlopen(library, {
        cblas_sgemm: gemm("f32"),
        cblas_dgemm: gemm("f64"),
        openblas_get_num_threads: { [args]: [], [result]: "i32" },
        openblas_set_num_threads: { [args]: [I], [result]: "void" },
      });
      return { raw: lib.symbols, library };
    } catch {
      // not there: try the next name
    }
  }
  return undefined;
}

function openDeno(): { raw: Raw; library: string } | undefined {
  const D = (globalThis as unknown as {
    Deno?: {
      dlopen?: Dlopen;
      permissions?: {
        querySync?: (d: { name: string }) => { state: string };
      };
    };
  }).Deno;
  if (!D?.dlopen) return undefined;
  // Never prompt: only where --allow-ffi was given.
  if (D.permissions?.querySync?.({ name: "ffi" }).state !== "granted") {
    return undefined;
  }
  return openWith(D.dlopen, "buffer", ["parameters", "result"]);
}

function openBun(): { raw: Raw; library: string } | undefined {
  if (!("Bun" in globalThis)) return undefined;
  let ffi: { dlopen: Dlopen };
  try {
    ffi = createRequire(import.meta.url)("bun:ffi") as { dlopen: Dlopen };
  } catch {
    return undefined;
  }
  return openWith(ffi.dlopen, "ptr", ["args", "returns"]);
}

let loaded: Blas | null | undefined; // null: looked for, not found
let mode: BlasMode = initialMode();

function initialMode(): BlasMode {
  const env = envVar("FLAMBEAU_BLAS");
  return env === "off" || env === "openblas" ? env : "auto";
}

function load(): Blas | null {
  if (loaded !== undefined) return loaded;
  const found = openDeno() ?? openBun();
  if (!found) return (loaded = null);
  const threads = found.raw.openblas_get_num_threads();
  let current = threads;
  loaded = {
    library: found.library,
    threads,
    sgemm: gemmOf(found.raw.cblas_sgemm),
    dgemm: gemmOf(found.raw.cblas_dgemm),
    useThreads(n) {
      if (n === current) return;
      found.raw.openblas_set_num_threads(n);
      current = n;
    },
  };
  return loaded;
}

/** The BLAS the CPU kernels use now, or undefined for the JavaScript kernel. */
export function blas(): Blas | undefined {
  if (mode === "off") return undefined;
  return load() ?? undefined;
}

/** Chooses the matmul path; "openblas" raises where the library (or permission) is missing. */
export function setBlas(m: BlasMode): void {
  if (m !== "auto" && m !== "openblas" && m !== "off") {
    throw new TypeError(
      `set_blas(): mode must be "auto", "openblas" or "off", got ${String(m)}`,
    );
  }
  if (m === "openblas" && !load()) {
    throw new RuntimeError(
      'set_blas("openblas"): OpenBLAS could not be loaded (install libopenblas0-pthread; under Deno, run with --allow-ffi)',
    );
  }
  mode = m;
}

/**
 * What the CPU's matrix products run on: OpenBLAS, else (float32) the WebAssembly SIMD kernel,
 * else JavaScript (float64 without a BLAS, or both switched off); where float32 convolutions
 * build their columns, and on how many threads (2 once their helper is up); how many blocks of
 * large float32 exps and of sums over the tensors' own memories that helper has computed
 * (exp_split.ts, inplace.ts).
 */
export function blasInfo(): {
  mode: BlasMode;
  matmul: "openblas" | "webassembly" | "javascript";
  library: string | null;
  threads: number | null;
  simd_mode: SimdMode;
  simd: string | null;
  simd_threads: number;
  im2col: "webassembly" | "javascript";
  conv_threads: number;
  exp_helper_blocks: number;
  sum_helper_blocks: number;
  storage: "webassembly" | "arraybuffer";
  inplace_ops: number;
} {
  const b = blas(), simd = simdInfo();
  return {
    mode,
    matmul: b ? "openblas" : simdOn() ? "webassembly" : "javascript",
    library: load()?.library ?? null,
    threads: load()?.threads ?? null,
    simd_mode: simd.mode,
    simd: simd.simd,
    simd_threads: simd.threads,
    im2col: im2colInWasm() ? "webassembly" : "javascript",
    conv_threads: convThreads(),
    exp_helper_blocks: expHelperBlocks(),
    sum_helper_blocks: sumHelperBlocksSoFar(),
    storage: wasmStorageOn() ? "webassembly" : "arraybuffer",
    inplace_ops: inPlaceOps(),
  };
}
