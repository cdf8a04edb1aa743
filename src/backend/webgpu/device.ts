// The main thread's side of the device thread (design.md §4): buffers by id, a command batch
// posted to the device thread when it grows or when an answer is needed, and synchronous answers
// through shared memory with `Atomics.wait`. Nothing here knows a primitive; kernels.ts does.

import { tmpdir } from "node:os";
import process from "node:process";
import { Worker } from "node:worker_threads";
import { RuntimeError } from "../../errors.ts";
import {
  type Command,
  CONTROL_BYTES,
  CONTROL_HEADER,
  type KernelSource,
  Slot,
  State,
} from "./protocol.ts";

/** A buffer on the device: `words` 32-bit words, known to the device thread by `id`. */
export class GpuBuffer {
  constructor(readonly id: number, readonly words: number) {}
}

/** How long a synchronous wait may take before the device is declared unresponsive. */
const WAIT_MS = 120_000;
/** Checks that may wait for a read at once (device-side asserts; see DeviceThread.assertSlot). */
const ASSERT_SLOTS = 64;
/** An assert slot's "passed": no position recorded. */
export const NONE = 0xffffffff;
/** How long an exit waits for the device thread to be torn down (see DeviceThread.start). */
const TEARDOWN_MS = 150;
/** Commands held before a batch is posted even though nobody waits for it. */
const BATCH = 512;

export interface AdapterInfo {
  name: string;
  fallback: boolean;
  maxBinding: number;
}

export class DeviceThread {
  private readonly worker: Worker;
  /** The device thread answers synchronous waits here (protocol.ts's Slot). */
  private readonly control: SharedArrayBuffer;
  private readonly state: Int32Array;
  private batch: Command[] = [];
  private nextId = 1;
  private readonly sent = new Set<string>();
  private readonly replies = new Map<
    number,
    { resolve: (w: Uint32Array) => void; reject: (e: Error) => void }
  >();
  private nextReply = 1;
  private readonly live = new Map<number, number>(); // id -> bytes
  private readonly finalizer = new FinalizationRegistry<number>((id) =>
    this.release(id)
  );
  allocated = 0;
  peak = 0;
  readonly adapter: AdapterInfo;

  private constructor(
    worker: Worker,
    adapter: AdapterInfo,
    control: SharedArrayBuffer,
  ) {
    this.worker = worker;
    this.adapter = adapter;
    this.control = control;
    this.state = new Int32Array(control);
  }

  /** Starts the device thread and waits for its adapter; undefined where there is none. */
  static start(): DeviceThread | undefined {
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const state = new Int32Array(control);
    quietWayland();
    let worker: Worker;
    try {
      // The sources under Deno and Bun; tsc's output (dist/) under Node.
      const ext = import.meta.url.endsWith(".js") ? "js" : "ts";
      worker = new Worker(new URL(`./device_thread.${ext}`, import.meta.url));
    } catch {
      return undefined;
    }
    worker.unref();
    worker.postMessage({ control });
    const r = Atomics.wait(state, Slot.State, State.Waiting, 30_000);
    if (r === "timed-out" || Atomics.load(state, Slot.State) !== State.Done) {
      void worker.terminate().then(() => {
        if (process.env.DBG) console.error("terminated");
      });
      return undefined;
    }
    const info = JSON.parse(message(control)) as AdapterInfo;
    const thread = new DeviceThread(worker, info, control);
    worker.on("message", (m) => thread.onReply(m));
    // Deno's WebGPU crashes now and then (a segfault in about one exit in six, seen with
    // llvmpipe) when the process exits while a worker that owns a device is still being torn
    // down. So the device thread is closed and terminated first, and the exit waits a little
    // for the thread to be gone: from "beforeunload" (the event loop ran dry) by a timer, from
    // an explicit exit (process.exit, Deno.exit) by blocking.
    const g = globalThis as {
      addEventListener?: (type: string, fn: (e: Event) => void) => void;
    };
    let gone = false;
    g.addEventListener?.("beforeunload", (e: Event) => {
      if (thread.closed) return;
      thread.close();
      e.preventDefault();
      void worker.terminate().then(() =>
        setTimeout(() => gone = true, TEARDOWN_MS)
      );
    });
    // An explicit exit fires "exit"; `deno test` ends with "unload" (its "beforeunload" does not
    // wait): both close what is left and block for the teardown.
    const closeNow = () => {
      if (gone) return;
      gone = true;
      thread.close();
      void worker.terminate();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, TEARDOWN_MS);
    };
    process.on("exit", closeNow);
    g.addEventListener?.("unload", closeNow);
    return thread;
  }

  /** A new buffer of `words` zeroed words. */
  allocate(words: number): GpuBuffer {
    const bytes = Math.max(4, words * 4);
    if (bytes > this.adapter.maxBinding) {
      throw new RuntimeError(
        `WebGPU out of memory. Tried to allocate ${
          gib(bytes)
        } (the device's largest buffer is ${gib(this.adapter.maxBinding)})`,
      );
    }
    const id = this.nextId++;
    const b = new GpuBuffer(id, words);
    this.live.set(id, bytes);
    this.allocated += bytes;
    if (this.allocated > this.peak) this.peak = this.allocated;
    this.push({ k: "alloc", id, words });
    this.finalizer.register(b, id, b);
    return b;
  }

  /** Gives a buffer back now (dispose); the collector's later call is then a no-op. */
  free(b: GpuBuffer): void {
    this.finalizer.unregister(b);
    this.release(b.id);
  }

  private release(id: number): void {
    const bytes = this.live.get(id);
    if (bytes === undefined) return;
    this.live.delete(id);
    this.allocated -= bytes;
    this.push({ k: "free", id });
  }

  /** Raises when a buffer was given back (a disposed tensor used again). */
  private live_(b: GpuBuffer): void {
    if (!this.live.has(b.id)) {
      throw new RuntimeError(
        "WebGPU: this tensor's memory was given back with dispose(); it can no longer be used",
      );
    }
  }

  write(b: GpuBuffer, at: number, data: Uint32Array): void {
    this.live_(b);
    if (data.length === 0) return; // Deno's writeBuffer panics on an empty one
    this.push({ k: "write", id: b.id, at, data });
  }

  /** Records one dispatch of the kernel `source`; its buffers are bound after the meta words. */
  run(
    source: KernelSource,
    meta: Uint32Array,
    buffers: GpuBuffer[],
    groups: [number, number, number],
  ): void {
    for (const b of buffers) this.live_(b);
    const first = !this.sent.has(source.key);
    if (first) this.sent.add(source.key);
    this.push({
      k: "run",
      kernel: source.key,
      source: first ? source : undefined,
      meta,
      buffers: buffers.map((b) => b.id),
      groups,
    });
  }

  // Device-side asserts, as CUDA's: a check records on the GPU where its condition failed, in a
  // slot of the assert buffer, and the error is raised at the next read, which fetches the
  // slots along with its data in one copy. Nothing waits for a check by itself.
  private asserts: GpuBuffer | undefined;
  private readonly checks = new Map<number, (word: number) => Error>();
  private nextCheck = 0;

  /**
   * A slot for one check, reset to "passed" (NONE, 0); `error` makes the exception from the
   * recorded word. The caller's kernels write [position, word] there when the check fails.
   */
  assertSlot(
    error: (word: number) => Error,
  ): { buffer: GpuBuffer; at: number } {
    this.asserts ??= this.allocate(2 * ASSERT_SLOTS);
    const slot = this.nextCheck++ % ASSERT_SLOTS;
    // A slot still pending from ASSERT_SLOTS checks ago: settle them all first.
    if (this.checks.has(slot)) this.synchronize();
    this.checks.set(slot, error);
    this.write(this.asserts, 2 * slot, Uint32Array.of(NONE, 0));
    return { buffer: this.asserts, at: 2 * slot };
  }

  /** The read's `also`: the assert slots, while any check waits for its verdict. */
  private also(): { id: number; words: number } | undefined {
    return this.checks.size > 0 && this.asserts
      ? { id: this.asserts.id, words: 2 * ASSERT_SLOTS }
      : undefined;
  }

  /** Raises the first failed check (in the order they were made) and forgets them all. */
  private verdict(slots: Uint32Array): void {
    const order = [...this.checks.keys()].sort((p, q) =>
      ((p - this.nextCheck) % ASSERT_SLOTS + ASSERT_SLOTS) % ASSERT_SLOTS -
      ((q - this.nextCheck) % ASSERT_SLOTS + ASSERT_SLOTS) % ASSERT_SLOTS
    );
    const checks = new Map(this.checks);
    this.checks.clear();
    for (const slot of order) {
      if (slots[2 * slot] !== NONE) {
        throw checks.get(slot)!(slots[2 * slot + 1]);
      }
    }
  }

  /** Words [at, at + words) of a buffer, blocking until they are back. */
  read(b: GpuBuffer, at: number, words: number): Uint32Array {
    this.live_(b);
    const also = this.also();
    const total = words + (also?.words ?? 0);
    const dst = new SharedArrayBuffer(Math.max(4, total * 4));
    this.push({ k: "read", id: b.id, at, words, dst, also });
    this.wait();
    if (also) this.verdict(new Uint32Array(dst, words * 4, also.words));
    return new Uint32Array(dst, 0, words).slice();
  }

  /** As read, without blocking. */
  readAsync(b: GpuBuffer, at: number, words: number): Promise<Uint32Array> {
    this.live_(b);
    const reply = this.nextReply++;
    const also = this.also();
    const p = new Promise<Uint32Array>((resolve, reject) =>
      this.replies.set(reply, {
        resolve: (w) => {
          try {
            if (also) this.verdict(w.subarray(words));
            resolve(w.subarray(0, words));
          } catch (e) {
            reject(e);
          }
        },
        reject,
      })
    );
    this.worker.ref(); // keep the process alive until the answer comes
    this.push({ k: "readAsync", id: b.id, at, words, reply, also });
    this.flush();
    return p;
  }

  /** Blocks until the GPU has finished everything recorded so far. */
  synchronize(): void {
    if (this.also()) {
      this.read(this.asserts!, 0, 0); // waits as a sync does, and gives the checks' verdict
      return;
    }
    this.push({ k: "sync" });
    this.wait();
  }

  /** Waits for the GPU and destroys the device; nothing may use it afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.push({ k: "close" });
    Atomics.store(this.state, Slot.State, State.Waiting);
    this.flush();
    Atomics.wait(this.state, Slot.State, State.Waiting, 5_000);
  }

  closed = false;

  emptyCache(): void {
    this.push({ k: "emptyCache" });
    this.flush();
  }

  private onReply(
    m: { reply: number; data: Uint32Array | null; error: string | null },
  ): void {
    const r = this.replies.get(m.reply);
    if (!r) return;
    this.replies.delete(m.reply);
    if (this.replies.size === 0) this.worker.unref();
    if (m.error !== null || !m.data) {
      r.reject(new RuntimeError(m.error ?? "WebGPU read failed"));
    } else r.resolve(m.data);
  }

  private push(cmd: Command): void {
    this.batch.push(cmd);
    if (this.batch.length >= BATCH) this.flush();
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.worker.postMessage(batch);
  }

  /** How many times the main thread has waited for the device (tests count them). */
  waits = 0;

  /** Posts the batch (whose last command answers through the control block) and waits. */
  private wait(): void {
    this.waits++;
    Atomics.store(this.state, Slot.State, State.Waiting);
    this.flush();
    const r = Atomics.wait(this.state, Slot.State, State.Waiting, WAIT_MS);
    if (r === "timed-out") {
      throw new RuntimeError(
        `WebGPU: the device did not answer within ${WAIT_MS / 1000} s`,
      );
    }
    if (Atomics.load(this.state, Slot.State) === State.Failed) {
      throw new RuntimeError(message(this.control));
    }
  }
}

/**
 * Mesa's Vulkan drivers print "error: XDG_RUNTIME_DIR is invalid or not set in the environment"
 * twice when the variable is unset (a headless machine, CI); point it at the temp folder first.
 * Without permission to read or set the environment, nothing changes.
 */
function quietWayland(): void {
  try {
    if (process.platform === "linux" && !process.env.XDG_RUNTIME_DIR) {
      process.env.XDG_RUNTIME_DIR = tmpdir();
    }
  } catch {
    // no --allow-env: the message stays
  }
}

/** Bytes as PyTorch's allocator messages print them: "4.00 GiB", "20.00 MiB". */
function gib(bytes: number): string {
  return bytes >= 2 ** 30
    ? `${(bytes / 2 ** 30).toFixed(2)} GiB`
    : `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

function message(control: SharedArrayBuffer): string {
  const n = new Int32Array(control)[Slot.MessageBytes];
  // TextDecoder refuses views of shared memory: copy the bytes out first.
  return new TextDecoder().decode(
    new Uint8Array(control, CONTROL_HEADER, n).slice(),
  );
}
