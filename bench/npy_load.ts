// npy.load of a 1 GiB file: peak memory and time in a fresh process, against NumPy's np.load.
//
//   deno run -A bench/npy_load.ts [--mib 1024]      (or: bun bench/npy_load.ts [--mib 1024])
//
// The file (float32, written by npy.save into the temporary folder) is loaded by a child process
// of this runtime and by /usr/bin/python3 when it has NumPy; each reports its peak resident memory
// (VmHWM from /proc/self/status, or the largest process.memoryUsage().rss sample elsewhere), its
// memory before loading, and the load time. Zero copy means peak ≈ baseline + file size.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as npy from "../interop/npy.ts";

const MiB = 1024 * 1024;

/** VmHWM and VmRSS in bytes (Linux), or the current rss twice. */
function memory(): { peak: number; now: number } {
  try {
    const s = readFileSync("/proc/self/status", "utf8");
    const kb = (k: string) =>
      Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)![1]) * 1024;
    return { peak: kb("VmHWM"), now: kb("VmRSS") };
  } catch {
    const rss = process.memoryUsage().rss;
    return { peak: rss, now: rss };
  }
}

function child(path: string): void {
  const before = memory().now;
  const t0 = performance.now();
  const a = npy.load(path);
  const ms = performance.now() - t0;
  let sum = 0; // touch the data so nothing is left lazy
  for (let i = 0; i < a.data.length; i += 4096) sum += Number(a.data[i]);
  console.log(
    JSON.stringify({ before, peak: memory().peak, ms, sum, n: a.data.length }),
  );
}

const PY = `
import json, resource, sys, time
import numpy as np
def mem():
    s = open("/proc/self/status").read()
    kb = lambda k: int(s.split(k + ":")[1].split()[0]) * 1024
    return kb("VmHWM"), kb("VmRSS")
before = mem()[1]
t0 = time.perf_counter()
a = np.load(sys.argv[1])
ms = (time.perf_counter() - t0) * 1000
s = float(a.reshape(-1)[::4096].sum())
print(json.dumps({"before": before, "peak": mem()[0], "ms": ms, "sum": s, "n": int(a.size)}))
`;

type Report = {
  before: number;
  peak: number;
  ms: number;
  sum: number;
  n: number;
};

function run(cmd: string, args: string[]): Report | string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    return (r.stderr || String(r.error)).trim().split("\n").pop()!;
  }
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Report;
}

function line(who: string, r: Report | string, bytes: number): string {
  if (typeof r === "string") return `${who.padEnd(20)} skipped: ${r}`;
  const extra = (r.peak - r.before - bytes) / MiB;
  return `${who.padEnd(20)} ${r.ms.toFixed(0).padStart(6)} ms   peak ${
    (r.peak / MiB).toFixed(0).padStart(5)
  } MiB   before load ${
    (r.before / MiB).toFixed(0).padStart(4)
  } MiB   peak - before - file ${extra.toFixed(0).padStart(5)} MiB`;
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  child(args[1]);
} else {
  const mib = Number(args[args.indexOf("--mib") + 1] || 1024) || 1024;
  const path = join(tmpdir(), `flambeau-bench-${process.pid}.npy`);
  try {
    const n = (mib * MiB) / 4;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = i % 1000;
    npy.save(path, data);
    const bytes = n * 4;
    const self = new URL(import.meta.url).pathname;
    const isDeno = "Deno" in globalThis;
    const ours = run(
      process.execPath,
      isDeno ? ["run", "-A", self, "--child", path] : [self, "--child", path],
    );
    const py = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    const theirs = run(py, ["-c", PY, path]);
    console.log(
      `npy.load of a ${mib} MiB float32 .npy (${n} elements), fresh process each:`,
    );
    console.log(
      line(isDeno ? "flambeau (Deno)" : "flambeau (Bun)", ours, bytes),
    );
    console.log(line("NumPy np.load", theirs, bytes));
    if (
      typeof ours !== "string" && typeof theirs !== "string" &&
      ours.sum !== theirs.sum
    ) {
      console.log(`checksums differ: ${ours.sum} vs ${theirs.sum}`);
    }
  } finally {
    rmSync(path, { force: true });
  }
}
