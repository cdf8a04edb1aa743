// Ctrl-C during a computation, as Python's KeyboardInterrupt. While an input runs, the terminal is
// in cooked mode, so Ctrl-C raises SIGINT; a worker thread, free while the main thread computes,
// catches it and raises the shared flag that the kernels look at (src/interrupt.ts), then tells
// the main thread, which rejects an input that was only waiting (on a timer, a fetch).

import { watchInterrupts } from "../src/interrupt.ts";

export class InterruptWatcher {
  /** Raised (nonzero) by the worker on SIGINT; lowered by whoever acts on it. */
  readonly flag = new Int32Array(new SharedArrayBuffer(4));
  /** Resolves once the worker listens; false when it could not start. */
  readonly ready: Promise<boolean>;
  private readonly worker: Worker;
  private armed = false;

  /** `onWaiting` runs when SIGINT came while the input was waiting rather than computing. */
  constructor(onWaiting: () => void) {
    this.worker = new Worker(
      new URL("./interrupt_worker.ts", import.meta.url).href,
      { type: "module" },
    );
    this.ready = new Promise((resolve) => {
      this.worker.onerror = (e) => {
        e.preventDefault?.();
        resolve(false);
      };
      this.worker.onmessage = (e: MessageEvent) => {
        if (e.data === "ready") resolve(true);
        // Still raised: no kernel took it, so the input is waiting, not computing.
        else if (this.armed && Atomics.exchange(this.flag, 0, 0) !== 0) {
          onWaiting();
        }
      };
    });
    this.worker.postMessage(this.flag.buffer);
    // SIGINT, which only comes while an input runs, must not end the process (Bun's default).
    process.on("SIGINT", () => {});
  }

  /** Runs `body` with Ctrl-C interrupting it; the terminal is in raw mode again afterwards. */
  async run<T>(body: () => Promise<T>): Promise<T> {
    const tty = process.stdin as {
      isTTY?: boolean;
      setRawMode?(raw: boolean): void;
    };
    if (!tty.isTTY || !await this.ready) return await body();
    Atomics.store(this.flag, 0, 0);
    tty.setRawMode?.(false);
    watchInterrupts(this.flag);
    this.armed = true;
    try {
      return await body();
    } finally {
      this.armed = false;
      watchInterrupts(null);
      Atomics.store(this.flag, 0, 0);
      tty.setRawMode?.(true);
    }
  }

  close(): void {
    this.worker.terminate();
  }
}
