// What the main thread and the device thread say to each other. The main thread records commands
// and posts them in batches; the device thread owns the GPUDevice and runs them in order. Every
// element on the GPU is one 32-bit word (see dtypes.ts), so sizes travel in words.
//
// Synchronous answers (the device's start, a read) come back through shared memory: the main
// thread blocks in `Atomics.wait` on `Control`'s state word until the device thread stores and
// notifies. The device thread never blocks.

/** A kernel: WGSL source, sent the first time its key is used; the device thread caches the pipeline. */
export interface KernelSource {
  key: string;
  wgsl: string;
}

export type Command =
  | { k: "alloc"; id: number; words: number }
  | { k: "free"; id: number }
  /** Copies `data` into the buffer from word `at`. */
  | { k: "write"; id: number; at: number; data: Uint32Array }
  /**
   * One dispatch: `meta` is bound at binding 0 (read-only), `buffers` (by id) at 1, 2, ...;
   * `groups` workgroups in x (and y, z).
   */
  | {
    k: "run";
    kernel: string;
    source?: KernelSource;
    meta: Uint32Array;
    buffers: number[];
    groups: [number, number, number];
  }
  /**
   * Words [at, at + words) of the buffer into `dst` (a SharedArrayBuffer), then signals. With
   * `also`, that buffer's first words follow in dst, from the same copy (the device asserts).
   */
  | {
    k: "read";
    id: number;
    at: number;
    words: number;
    dst: SharedArrayBuffer;
    also?: Also;
  }
  /** As read, answered by posting `{ reply, data }` back instead of signalling. */
  | {
    k: "readAsync";
    id: number;
    at: number;
    words: number;
    reply: number;
    also?: Also;
  }
  /** Waits until the GPU has finished everything submitted, then signals. */
  | { k: "sync" }
  /** Destroys the pooled buffers no tensor uses. */
  | { k: "emptyCache" }
  /** At the process's exit: waits for the GPU, destroys the device, then signals. */
  | { k: "close" };

/** A second buffer read along with a read: its first `words` words. */
export interface Also {
  id: number;
  words: number;
}

/** The first message: where to answer, and what the main thread asks of the device. */
export interface Hello {
  control: SharedArrayBuffer;
}

/** Slots of the control block (an Int32Array over `Hello.control`). */
export const enum Slot {
  /** 0 while the main thread waits; the device thread stores a State and notifies. */
  State = 0,
  /** Bytes of the UTF-8 message that follows the header, for State.Failed. */
  MessageBytes = 1,
}

export const enum State {
  Waiting = 0,
  Done = 1,
  Failed = 2,
}

/** The header's size in bytes; a UTF-8 message (the adapter's name, or an error) follows it. */
export const CONTROL_HEADER = 16;
/** The control block's size: the header and up to 4 KiB of message. */
export const CONTROL_BYTES = CONTROL_HEADER + 4096;
