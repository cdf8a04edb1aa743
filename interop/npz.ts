// .npz archives: lazy loading (stored members are views into the archive, deflated ones inflated on demand) and np.savez.

import { fileURLToPath } from "node:url";
import type { Tensor } from "../src/tensor.ts";
import { readFileBytes, writeFileAtomic } from "./_files.ts";
import { readMember, readZip, writeZip, type ZipMember } from "./_zip.ts";
import { from_numpy, type NDArrayLike } from "./numpy.ts";
import {
  encode as encodeNpy,
  type NpyArray,
  parse,
  type Source,
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

/**
 * `np.load` for an `.npz`: opens the archive lazily. `files` lists the arrays; `get(name)` parses
 * one on demand (with or without `.npy`). Stored members (np.savez) are views into the archive's
 * bytes, no copy, where their data is aligned for its element size (always in files `npz.save`
 * wrote; in NumPy's own files only by chance, since zip headers of any length precede the data:
 * the rest are copied). Deflated members (np.savez_compressed) are inflated with zlib.
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
  const entries = readZip(bytes, file, {
    notZip: "not an .npz file (no zip end-of-central-directory record)",
  });
  const byName = new Map(entries.map((e) => [e.name, e]));
  const files = entries.filter((e) => e.name.endsWith(".npy")).map((e) =>
    e.name.slice(0, -4)
  );
  const find = (name: string): ZipMember => {
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
  const read = (name: string): Uint8Array => readMember(find(name));
  const get = (name: string): NpyArray =>
    parse(read(name), `${file}/${find(name).name}`);
  return {
    files,
    members: entries.map(({ name, method, size, compressedSize }) => ({
      name,
      compressed: method === 8,
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
 * zipped (stored, or deflated with `compressed`). Stored members' data start on 64-byte
 * boundaries (an alignment extra field, as Android's zipalign writes), so `npz.load` views them.
 * @example
 * const bytes = npz.encode({ w: torch.zeros(3), b: torch.ones(1) }, { compressed: true });
 */
export function encode(
  arrays: Record<string, Tensor | NDArrayLike | ArrayBufferView>,
  opts: NpzSaveOptions = {},
): Uint8Array {
  // npy headers are multiples of 64 long, so 64-byte-aligned members put the data on 64 too.
  return writeZip(
    Object.entries(arrays).map(([k, v]) => [`${k}.npy`, encodeNpy(v)]),
    { deflate: opts.compressed, align: 64, mtime: opts.mtime },
  );
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
