// Interrupting a long computation, as Python's KeyboardInterrupt does: a host (the REPL) shares a
// flag that it raises on Ctrl-C, and the CPU kernels look at it between pieces of work (each
// allocation, each block of a matrix product), so an interrupted op throws instead of running on.

/** Python's `KeyboardInterrupt`: what a computation interrupted by Ctrl-C throws. */
export class KeyboardInterrupt extends Error {
  /** `"KeyboardInterrupt"`, as Python names the exception. */
  override name = "KeyboardInterrupt";
}

let flag: Int32Array | null = null;

/**
 * Watches `shared[0]` (an Int32Array over a SharedArrayBuffer, so another thread may raise it)
 * from now on; null stops watching. Nonzero means "interrupt".
 */
export function watchInterrupts(shared: Int32Array | null): void {
  flag = shared;
}

/** Throws KeyboardInterrupt (and lowers the flag) when an interrupt is pending. */
export function checkInterrupt(): void {
  if (flag !== null && Atomics.load(flag, 0) !== 0) {
    Atomics.store(flag, 0, 0);
    throw new KeyboardInterrupt();
  }
}
