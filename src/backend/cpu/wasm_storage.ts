// Large float32 buffers of the CPU backend live in WebAssembly memories of their own (shared, of a
// fixed size), so that the SIMD kernels read and write them where they are, on every thread,
// instead of copying them in and out of a module's memory: a kernel module imports the memories
// of its operands (WebAssembly's multi-memory, in V8 and JavaScriptCore) and is instantiated per
// call (about 5 µs), and a helper thread is handed the memories through a message port. The
// buffers are SharedArrayBuffers; everything else reads and writes them as any TypedArray.

import { envVar } from "../env.ts";
import { assembleOver } from "./wasm.ts";

/**
 * Buffers from this size (16 MiB) on are WebAssembly memories. A fresh memory comes from the
 * system untouched (its pages fault in as they are written), where a smaller ArrayBuffer comes
 * from the allocator's heap, warm: from 1 MiB on, new results of 300k floats took LeNet's
 * training step at batch 64 from 11.6k to 8.9k images/s (medians), add and relu of 1M floats
 * on one thread 1.9 to 4.7 ms; from 4M floats a new result costs the same either way on one
 * thread (faulted in either way), less on two (the helper faults in its blocks).
 */
export const WASM_STORAGE_MIN_BYTES = 1 << 24;

/** The memory of each buffer allocated here, by its SharedArrayBuffer. */
const memories = new WeakMap<ArrayBufferLike, WebAssembly.Memory>();

/**
 * Not under Bun: JavaScriptCore took 210 to 230 µs to allocate a 1.2 MiB shared memory (an
 * ArrayBuffer: 55 to 90; V8: 12 to 21 against 75 to 85), and its test suite ran 79 → 178 s
 * (fashion_example.test.ts 3.6 → 48 s).
 */
const on = typeof SharedArrayBuffer === "function" &&
  typeof WebAssembly === "object" && !("Bun" in globalThis) &&
  envVar("FLAMBEAU_WASM_STORAGE") !== "off" && multiMemory();

/** Whether the runtime takes a module over two memories (Node 20's V8 does not). */
function multiMemory(): boolean {
  try {
    return WebAssembly.validate(assembleOver({}, 2));
  } catch {
    return false;
  }
}

/** Whether large float32 buffers are WebAssembly memories (FLAMBEAU_WASM_STORAGE=off: never). */
export function wasmStorageOn(): boolean {
  return on;
}

/**
 * Bytes of WebAssembly storage handed out and not yet seen collected, and the most there may be.
 * V8 frees a shared memory only once the event loop turns: a synchronous loop that allocated
 * 64 MiB memories and dropped them kept every one, and from about 2.9 GB on each allocation took
 * 160 to 230 ms (a collection that frees nothing) instead of 30. Past the budget, buffers are
 * ArrayBuffers again until collected memories are counted back (FinalizationRegistry's callbacks
 * run from the event loop too), so a loop that never yields holds at most this much (1 GiB, a
 * third of where that began).
 */
let outstanding = 0;
const BUDGET = 1 << 30;
const collected = typeof FinalizationRegistry === "function"
  ? new FinalizationRegistry<number>((bytes) => {
    outstanding -= bytes;
  })
  : null;

/**
 * n float32 zeros in a WebAssembly memory of their own, or null where the runtime has no shared
 * memories, the buffer would pass WebAssembly's 4 GiB, or the budget is spent.
 */
export function wasmFloats(n: number): Float32Array | null {
  if (!on || !collected) return null;
  const pages = Math.ceil((4 * n) / 65536);
  if (pages > 65536 || outstanding + 65536 * pages > BUDGET) return null;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({
      initial: pages,
      maximum: pages,
      shared: true,
    });
  } catch {
    return null;
  }
  const buffer = memory.buffer;
  memories.set(buffer, memory);
  outstanding += 65536 * pages;
  collected.register(buffer, 65536 * pages);
  return new Float32Array(buffer, 0, n);
}

/**
 * Whether an op over n elements should look for its operands' memories (memoryOf): only where
 * buffers may be memories at all, and over 2^16 elements (a small op gains nothing, and the
 * lookups cost a 1-element add 0.5 → 0.6 µs under Deno).
 */
export function mayBeInPlace(n: number): boolean {
  return on && n >= 1 << 16;
}

/** The WebAssembly memory `a` lies in, if it was allocated by wasmFloats. */
export function memoryOf(a: ArrayLike<number>): WebAssembly.Memory | undefined {
  const buffer = (a as Float32Array).buffer;
  return buffer === undefined ? undefined : memories.get(buffer);
}
