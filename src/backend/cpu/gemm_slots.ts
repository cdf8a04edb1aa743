// The control words shared by the main thread and each helper thread of the WebAssembly matrix
// kernel (wasm_gemm.ts, gemm_thread.ts): one Int32Array per helper.

export const enum Slot {
  /** 1 once the helper has its instance. */
  Ready = 0,
  /** The request counter: the main thread bumps it to hand over the arguments below. */
  Request = 1,
  /** The last request the helper finished. */
  Done = 2,
  /** The kernel's eight arguments: a, b, c, mp, np, kc, ldc, fresh. */
  Args = 3,
}

/** Int32 words per helper. */
export const SLOTS = 16;
