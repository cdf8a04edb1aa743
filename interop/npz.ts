// .npz archives: lazy loading (stored members are views into the archive, deflated ones inflated
// with fflate on demand) and np.savez / np.savez_compressed through fflate's zipSync.
//
// Why our own reader of the zip directory: fflate's `unzipSync` copies stored members (`slc`), so
// they could not be views, and it trusts the directory (an entry count or zip64 extra field that
// lies makes it read past the end, or loop for a very long time). The directory walk below is
// bounds-checked and costs nothing for members that are never asked for; inflating and all writing
// is fflate's.

import { inflateSync, type Zippable, zipSync } from "fflate";
import { fileURLToPath } from "node:url";
import { ValueError } from "../src/errors.ts";
import type { Tensor } from "../src/tensor.ts";
import { from_numpy, type NDArrayLike } from "./numpy.ts";
import {
  encode as encodeNpy,
  type NpyArray,
  parse,
  readFileBytes,
  type Source,
  writeFileAtomic,
} from "./npy.ts";

/** One member of the archive, as its central directory describes it. */
export interface NpzMember {
  /** The name in the archive, e.g. `"a.npy"`. */
  name: string;
  /** True for deflated members (np.savez_compressed), false for stored ones (np.savez). */
  compressed: boolean;
  /** Bytes once inflated. */
  size: number;
  /** Bytes in the archive. */
  compressedSize: number;
}

/** An opened archive, like NumPy's NpzFile: nothing is parsed until asked for. */
export interface NpzFile {
  /** The arrays' names, without `.npy` (NumPy's `files`). */
  readonly files: string[];
  /** Every member of the archive, `.npy` or not. */
  readonly members: NpzMember[];
  /** Whether the archive holds `name` (with or without `.npy`). */
  has(name: string): boolean;
  /** Parses one array (a view into the archive when stored; inflated anew on each call otherwise). */
  get(name: string): NpyArray;
  /** `torch.from_numpy(get(name))`. */
  tensor(name: string): Tensor;
  /** A member's bytes (a view when stored). */
  read(name: string): Uint8Array;
  /** `[name, array]` for every array, parsed as the iteration reaches it. */
  [Symbol.iterator](): IterableIterator<[string, NpyArray]>;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crc32(b: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < b.length; i++) {
    c = CRC_TABLE[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  }
  return (c ^ -1) >>> 0;
}

interface Entry extends NpzMember {
  method: number;
  crc: number;
  local: number;
}

/** Walks the central directory (zip64 included), checking every offset against the bytes. */
function directory(bytes: Uint8Array, fail: (msg: string) => never): Entry[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number, what: string) => {
    if (!(at >= 0 && at + n <= bytes.length)) {
      fail(`truncated or corrupt: ${what} lies outside the file`);
    }
  };
  const u16 = (at: number) => (need(at, 2, "a field"), dv.getUint16(at, true));
  const u32 = (at: number) => (need(at, 4, "a field"), dv.getUint32(at, true));
  const u64 = (at: number) => {
    const v = u32(at) + u32(at + 4) * 2 ** 32;
    if (!Number.isSafeInteger(v)) {
      fail("a zip64 size or offset is impossibly large");
    }
    return v;
  };
  let eocd = -1;
  for (
    let at = bytes.length - 22;
    at >= Math.max(0, bytes.length - 22 - 0xffff);
    at--
  ) {
    if (dv.getUint32(at, true) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) {
    fail(
      bytes.length >= 4 && dv.getUint32(0, true) === 0x04034b50
        ? "truncated: the zip's end-of-central-directory record is missing"
        : "not an .npz file (no zip end-of-central-directory record)",
    );
  }
  let count = u16(eocd + 10), size = u32(eocd + 12), offset = u32(eocd + 16);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (eocd < 20 || u32(eocd - 20) !== 0x07064b50) {
      fail("corrupt zip64 locator");
    }
    const z = u64(eocd - 12);
    if (u32(z) !== 0x06064b50) {
      fail("corrupt zip64 end-of-central-directory record");
    }
    count = u64(z + 32);
    size = u64(z + 40);
    offset = u64(z + 48);
  }
  need(offset, size, "the central directory");
  if (count * 46 > size) {
    fail(`the directory claims ${count} entries in ${size} bytes`);
  }
  const entries: Entry[] = [];
  for (let i = 0, at = offset; i < count; i++) {
    if (u32(at) !== 0x02014b50) fail(`corrupt central directory entry ${i}`);
    const flags = u16(at + 8), method = u16(at + 10);
    const nameLen = u16(at + 28),
      extraLen = u16(at + 30),
      commentLen = u16(at + 32);
    need(at + 46, nameLen + extraLen, "an entry's name");
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(
      bytes.subarray(at + 46, at + 46 + nameLen),
    );
    let usize = u32(at + 24), csize = u32(at + 20), local = u32(at + 42);
    // zip64 extra field (id 1): the 64-bit values of whichever fields read 0xffffffff, in order.
    for (let e = at + 46 + nameLen; e + 4 <= at + 46 + nameLen + extraLen;) {
      const id = u16(e), len = u16(e + 2);
      if (id === 1) {
        let f = e + 4;
        const next =
          () => (f + 8 > e + 4 + len && fail(`corrupt zip64 field of ${name}`),
            (f += 8),
            u64(f - 8));
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    if (flags & 1) fail(`${name} is encrypted`);
    if (method !== 0 && method !== 8) {
      fail(
        `${name} uses zip compression method ${method}; only stored (0) and deflated (8) are read`,
      );
    }
    entries.push({
      name,
      compressed: method === 8,
      size: usize,
      compressedSize: csize,
      method,
      crc: u32(at + 16),
      local,
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/**
 * `np.load` for an `.npz`: opens the archive lazily. `files` lists the arrays; `get(name)` parses
 * one on demand (with or without `.npy`). Stored members (np.savez) are views into the archive's
 * bytes, no copy, where their data is aligned for its element size (always in files `npz.save`
 * wrote; in NumPy's own files only by chance, since zip headers of any length precede the data:
 * the rest are copied). Deflated members (np.savez_compressed) are inflated with fflate.
 * Every member's CRC-32 is checked when read. Errors name the archive, the member and the problem.
 * @example
 * const z = npz.load("arrays.npz");
 * z.files;              // ["a", "b"]
 * const a = z.get("a"); // { data, shape, strides, ... }
 */
export function load(src: Source): NpzFile {
  const isPath = typeof src === "string" || src instanceof URL;
  const bytes = isPath
    ? readFileBytes(src)
    : src instanceof ArrayBuffer
    ? new Uint8Array(src)
    : src;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      "npz.load expects a path, a file URL, a Uint8Array or an ArrayBuffer",
    );
  }
  const file = isPath ? String(src) : "<bytes>";
  const fail = (msg: string): never => {
    throw new ValueError(`${file}: ${msg}`);
  };
  const entries = directory(bytes, fail);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const files = entries.filter((e) => e.name.endsWith(".npy")).map((e) =>
    e.name.slice(0, -4)
  );
  const find = (name: string): Entry => {
    const e = byName.get(name) ?? byName.get(`${name}.npy`);
    if (!e) {
      throw new Error(
        `${file}: ${name} is not a file in the archive (it holds ${
          files.join(", ") || "nothing"
        })`,
      );
    }
    return e;
  };
  const read = (name: string): Uint8Array => {
    const e = find(name);
    const where = `${file}/${e.name}`;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (
      !(e.local + 30 <= bytes.length) ||
      dv.getUint32(e.local, true) !== 0x04034b50
    ) {
      throw new ValueError(`${where}: corrupt local header`);
    }
    const start = e.local + 30 + dv.getUint16(e.local + 26, true) +
      dv.getUint16(e.local + 28, true);
    if (start + e.compressedSize > bytes.length) {
      throw new ValueError(`${where}: truncated member data`);
    }
    const raw = bytes.subarray(start, start + e.compressedSize);
    let out = raw;
    if (e.method === 8) {
      // Deflate cannot expand more than about 1032:1; a bigger claim is a lie, not a size to allocate.
      if (e.size > e.compressedSize * 1032 + 1024) {
        throw new ValueError(`${where}: corrupt sizes`);
      }
      try {
        out = inflateSync(raw, { out: new Uint8Array(e.size) });
      } catch (err) {
        throw new ValueError(
          `${where}: corrupt deflate data (${(err as Error).message})`,
        );
      }
    }
    if (out.length !== e.size || crc32(out) !== e.crc) {
      throw new ValueError(
        `${where}: corrupt member (size or CRC-32 does not match the directory)`,
      );
    }
    return out;
  };
  const get = (name: string): NpyArray =>
    parse(read(name), `${file}/${find(name).name}`);
  return {
    files,
    members: entries.map(({ name, compressed, size, compressedSize }) => ({
      name,
      compressed,
      size,
      compressedSize,
    })),
    has: (name) => byName.has(name) || byName.has(`${name}.npy`),
    get,
    tensor: (name) => from_numpy(get(name)),
    read,
    *[Symbol.iterator]() {
      for (const f of files) yield [f, get(f)] as [string, NpyArray];
    },
  };
}

/** Options of `npz.save` and `npz.encode`. */
export interface NpzSaveOptions {
  /** Deflate the members, as np.savez_compressed does (default false: stored, as np.savez). */
  compressed?: boolean;
  /** The members' modification time (default now). */
  mtime?: Date;
}

/**
 * The bytes of an `.npz` holding these arrays, each member `<name>.npy` as `npy.encode` writes it,
 * zipped by fflate (stored, or deflated with `compressed`). Stored members' data start on 64-byte
 * boundaries (an alignment extra field, as Android's zipalign writes), so `npz.load` views them.
 * @example
 * const bytes = npz.encode({ w: torch.zeros(3), b: torch.ones(1) }, { compressed: true });
 */
export function encode(
  arrays: Record<string, Tensor | NDArrayLike | ArrayBufferView>,
  opts: NpzSaveOptions = {},
): Uint8Array {
  const members: Zippable = {};
  let at = 0;
  for (const [k, v] of Object.entries(arrays)) {
    const name = `${k}.npy`, bytes = encodeNpy(v);
    if (opts.compressed) {
      members[name] = [bytes, { level: 6 }];
      continue;
    }
    // zipalign's extra field (0xd935: alignment, then zeros) puts the data on a 64-byte boundary,
    // so that loading can view it in place (npy headers are multiples of 64 long).
    const fixed = at + 30 + new TextEncoder().encode(name).length + 4 + 2;
    const pad = (64 - (fixed % 64)) % 64;
    const extra = new Uint8Array(2 + pad);
    extra[0] = 64;
    members[name] = [bytes, { level: 0, extra: { 0xd935: extra } }];
    at = fixed + pad + bytes.length;
  }
  return zipSync(members, { mtime: opts.mtime ?? new Date() });
}

/**
 * `np.savez(path, **arrays)` (or `np.savez_compressed` with `{ compressed: true }`): NumPy's
 * `np.load` reads the result. Appends `.npz` to a path that lacks it, as NumPy does, and writes
 * through a temporary file and a rename. Returns the path written.
 * @example
 * npz.save("/tmp/params.npz", { w: torch.randn(3, 4), b: torch.zeros(3) }, { compressed: true });
 */
export function save(
  path: string | URL,
  arrays: Record<string, Tensor | NDArrayLike | ArrayBufferView>,
  opts: NpzSaveOptions = {},
): string {
  let p = path instanceof URL ? fileURLToPath(path) : path;
  if (!p.endsWith(".npz")) p += ".npz";
  writeFileAtomic(p, [encode(arrays, opts)]);
  return p;
}
