// The thread that hears Ctrl-C while the REPL's main thread computes (see interrupt.ts). Deno
// delivers SIGINT to a listener in any thread; Bun only to its main thread, so there a child
// process in the terminal's foreground group hears it and writes a byte to this thread.

import { spawn } from "node:child_process";

const LISTENER = `process.on("SIGINT", () => process.stdout.write("!"));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
process.stdout.write("r");`;

type DenoSignals = {
  addSignalListener(signal: "SIGINT", handler: () => void): void;
};

self.onmessage = (e: MessageEvent) => {
  const flag = new Int32Array(e.data as SharedArrayBuffer);
  const raise = () => {
    Atomics.store(flag, 0, 1);
    self.postMessage("interrupt");
  };
  const deno = (globalThis as { Deno?: DenoSignals }).Deno;
  if (deno) deno.addSignalListener("SIGINT", raise);
  else {
    const child = spawn(process.execPath, ["-e", LISTENER], {
      stdio: ["pipe", "pipe", "ignore"],
    });
    let listening = false;
    child.stdout.on("data", (d: Uint8Array) => {
      if (listening) return raise();
      listening = true;
      self.postMessage("ready");
      if (d.length > 1) raise();
    });
    return;
  }
  self.postMessage("ready");
};
