// Whole-file reads into a fresh buffer and atomic writes, shared by the interop formats.

import {
  closeSync,
  fstatSync,
  openSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";

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
 * rename, so that a failed write never leaves a half-written file at `path`.
 */
export function writeFileAtomic(path: string, chunks: Uint8Array[]): void {
  const tmp = `${path}.${Date.now().toString(36)}${
    Math.random().toString(36).slice(2, 8)
  }.tmp`;
  const fd = openSync(tmp, "wx");
  try {
    for (const chunk of chunks) {
      for (let at = 0; at < chunk.length;) {
        at += writeSync(fd, chunk, at, Math.min(chunk.length - at, 1 << 30));
      }
    }
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
}
