// The control words shared by the main thread and each helper thread of the WebAssembly matrix
// kernel (wasm_gemm.ts, gemm_thread.ts): one Int32Array per helper.

export const enum Slot {
  /** 1 once the helper has its instance. */
  Ready = 0,
  /** The request counter: the main thread bumps it to hand over the arguments below. */
  Request = 1,
  /** The last request the helper finished. */
  Done = 2,
  /** The kernel's ten arguments: a, b, c, mp, np, k, ldc, fresh, ak, bk. */
  Args = 3,
}

/** Int32 words per helper. */
export const SLOTS = 16;

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
 * The kernel over all k steps of a block, KB at a time: A's and B's k blocks lie `ak` and `bk`
 * bytes apart. One call per k block (not one over all of k) so that V8 moves to the optimized
 * kernel as soon as it is compiled: a single call ran the whole first product in the baseline
 * code (about 0.5 s for 1024 × 1024).
 */
export function overK(
  gemm: Kernel,
  kb: number,
  args: ArrayLike<number>, // a, b, c, mp, np, k, ldc, fresh, ak, bk
): void {
  const k = args[5], ak = args[8], bk = args[9];
  for (let k0 = 0, block = 0; k0 < k; k0 += kb, block++) {
    const a = args[0] + block * ak, b = args[1] + block * bk;
    const fresh = block === 0 ? args[7] : 0;
    gemm(a, b, args[2], args[3], args[4], Math.min(kb, k - k0), args[6], fresh);
  }
}
