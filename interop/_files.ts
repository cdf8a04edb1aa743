// Whole-file reads into a fresh buffer and atomic writes, shared by the interop formats.

import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join } from "node:path";
import process from "node:process";

/**
 * Reads a whole file into a fresh buffer of exactly the file's size, at byte offset 0 (Node's
 * `readFileSync` may return a slice of a shared pool, whose offset can misalign zero-copy views).
 */
export function readFileBytes(path: string | URL): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const out = new Uint8Array(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, out, got, Math.min(size - got, 1 << 30), null);
      if (n === 0) break;
      got += n;
    }
    return got === size ? out : out.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `bytes` (the chunks in order) to `path` through a temporary file in the same folder and a
 * rename, so that a failed write never leaves a half-written file at `path`. The data reaches the
 * disk before the rename (fsync of the file) and the rename before returning (fsync of the folder),
 * as durable writers do. The temporary file is `<path>.<pid>.<random>.tmp`: removed on error, and
 * one left by a process that was killed mid-save (its pid no longer running) is removed by the next
 * save to the same path.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[]): void {
  removeStaleTemporaries(path);
  const tmp = `${path}.${process.pid}.${Date.now().toString(36)}${
    Math.random().toString(36).slice(2, 8)
  }.tmp`;
  const fd = openSync(tmp, "wx");
  try {
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length;) {
        at += writeSync(fd, chunk, at, Math.min(chunk.length - at, 1 << 30));
      }
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch { /* already closed */ }
    try {
      unlinkSync(tmp);
    } catch { /* never created */ }
    throw e;
  }
  syncFolder(dirname(path));
}

/** Makes a rename in `dir` durable; where a folder cannot be opened or synced, does nothing. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    /* not supported here (Windows, some filesystems) */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Removes `<path>.<pid>.<random>.tmp` files whose writing process is gone. */
function removeStaleTemporaries(path: string): void {
  const dir = dirname(path), prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const m = /^(\d+)\.[0-9a-z]+\.tmp$/.exec(name.slice(prefix.length));
    if (!m || isRunning(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
    } catch { /* removed meanwhile, or not ours to remove */ }
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return false; // this process writes one file at a time, synchronously
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, under another user.
    return (e as { code?: string }).code === "EPERM";
  }
}
