// torch.load / torch.save: PyTorch's zip checkpoints, read with an allow-list unpickler and zero-copy storages.

import { fileURLToPath } from "node:url";
import type { DType } from "../src/dtype.ts";
import type { Size } from "../src/shape.ts";
import { Storage } from "../src/storage.ts";
import type { Tensor } from "../src/tensor.ts";
import { readFileBytes, writeFileAtomic } from "./_files.ts";
import { pickle } from "./_pickle.ts";
import { PickleError, StorageRef, unpickle } from "./_unpickle.ts";
import {
  readMember,
  readZip,
  writeZip,
  ZipError,
  type ZipMember,
} from "./_zip.ts";

/**
 * What `load` returns: Python values as JavaScript ones. `None` → `null`; int → number (bigint
 * beyond ±2⁵³); float → number; str → string; bytes → Uint8Array; tuple → frozen array; list →
 * array; dict and OrderedDict → a null-prototype object when every key is a string that is not an
 * array index (JavaScript would reorder those), otherwise a `Map` — either way in saved order,
 * with a state_dict's `_metadata` as a non-enumerable property; tensor → Tensor; `nn.Parameter`
 * → `nn.Parameter`; `torch.Size` → Size; dtype → dtype; set → Set; device → string.
 */
export type CheckpointValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Tensor
  | DType
  | Size
  | Set<CheckpointValue>
  | readonly CheckpointValue[]
  | Map<CheckpointValue, CheckpointValue>
  | { [key: string]: CheckpointValue };

/** Any failure to read a checkpoint: the message names the file, the record and the problem. */
export class CheckpointError extends Error {
  /** `"CheckpointError"`. */
  override name = "CheckpointError";
}

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("checkpoint: big-endian platforms are not supported");
}

// The first 14 bytes of the legacy (pre-1.6, non-zip) format: PROTO 2, LONG1 of the magic number.
const LEGACY = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20];
function notZip(b: Uint8Array): string {
  const starts = (s: number[], at = 0) => s.every((x, i) => b[at + i] === x);
  const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
  if (starts(LEGACY)) {
    return "legacy torch.save format (PyTorch < 1.6, or _use_new_zipfile_serialization=False) is not supported; re-save it with PyTorch >= 1.6";
  }
  if (starts(ascii("ustar"), 257)) {
    return "tar-based checkpoint from an early PyTorch release is not supported";
  }
  if (starts(ascii("PYTORCH1"))) {
    return "preview-release checkpoint format is not supported";
  }
  if (starts([0x93, ...ascii("NUMPY")])) {
    return "this is a .npy file, not a checkpoint (use interop.npy)";
  }
  if (b.length > 9 && b[8] === 0x7b && b[9] === 0x22) {
    return "this looks like a safetensors file, not a checkpoint (use interop.safetensors)";
  }
  return "not a PyTorch checkpoint: expected a zip archive (starting with PK\\x03\\x04)";
}

/**
 * `torch.load(f)`: reads a checkpoint written by `torch.save` (PyTorch ≥ 1.6's zip format) from a
 * path or from its bytes. Tensors keep their dtypes, shapes, strides and offsets; tensors that
 * shared a storage share one here too. Stored (uncompressed) storages are views into the file's
 * bytes, no copy, when their offset suits the dtype (PyTorch aligns them to 64 bytes); deflated,
 * misaligned or big-endian ones are copied. The pickle runs on an allow-list machine: a global
 * outside it (`os.system`, `builtins.eval`, …) is refused by name and nothing is ever executed.
 * Python values come back as `CheckpointValue` describes (pass a type argument, or let the
 * call's context give one). Errors are `CheckpointError`s.
 * @example
 * net.load_state_dict(torch.load("net.pt"));
 * const { epoch, model } = torch.load<{ epoch: number; model: StateDict }>(bytes);
 */
export function load<T = unknown>(
  f: string | URL | Uint8Array | ArrayBuffer,
): T {
  const name = typeof f === "string"
    ? f
    : f instanceof URL
    ? fileURLToPath(f)
    : "<bytes>";
  try {
    const b = typeof f === "string" || f instanceof URL
      ? readFileBytes(f)
      : f instanceof ArrayBuffer
      ? new Uint8Array(f)
      : f;
    if (!(b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04)) {
      throw new Error(notZip(b));
    }
    const list = readZip(b, name);
    const folder = list[0]?.name.split("/")[0];
    if (!list[0]?.name.includes("/")) {
      throw new Error("file in archive is not in a subdirectory");
    }
    const recs = new Map<string, ZipMember>();
    for (const m of list) {
      if (!m.name.startsWith(`${folder}/`)) {
        throw new Error(`member ${m.name} lies outside the folder ${folder}/`);
      }
      const r = m.name.slice(folder.length + 1);
      if (recs.has(r)) throw new Error(`zip member ${m.name} appears twice`);
      // Every local header is checked up front: a checkpoint loads whole or not at all.
      void m.dataOffset;
      recs.set(r, m);
    }
    // No CRC-32 check: it would read every storage's bytes at load time, which views are there to avoid.
    const read = (r: string): Uint8Array | undefined => {
      const m = recs.get(r);
      return m && readMember(m, { crc: false });
    };
    if (recs.has("constants.pkl")) {
      throw new Error(
        "TorchScript archive (torch.jit.save), not a torch.save checkpoint",
      );
    }
    const version = read("version") ?? read(".data/version");
    if (!version) throw new Error("missing record 'version'");
    const vtext = new TextDecoder().decode(version).trim();
    if (!/^\d+$/.test(vtext) || +vtext < 1 || +vtext > 10) {
      throw new Error(
        `unsupported archive version '${vtext}' (1 to 10 are readable)`,
      );
    }
    const order = read("byteorder");
    const big = order !== undefined &&
      new TextDecoder().decode(order) === "big";
    if (
      order !== undefined && !big &&
      new TextDecoder().decode(order) !== "little"
    ) {
      throw new Error("byteorder is neither 'little' nor 'big'");
    }
    const cache = new Map<string, StorageRef>();
    const data = read("data.pkl");
    if (!data) throw new Error("missing record 'data.pkl'");
    return unpickle(data, (type, key, numel) => {
      const hit = cache.get(key);
      if (hit) {
        if (hit.dtype !== type.dtype) {
          throw new PickleError(
            `storage ${key} is used as two different types`,
          );
        }
        return hit;
      }
      const r = `data/${key}`;
      const bytes = read(r);
      if (!bytes) throw new PickleError(`missing storage record ${r}`);
      const { itemsize, array } = type.dtype;
      if (bytes.length < numel * itemsize) {
        throw new PickleError(
          `${r} has ${bytes.length} bytes, storage needs ${numel * itemsize}`,
        );
      }
      let arr;
      if (!big && bytes.byteOffset % itemsize === 0) {
        arr = new array(bytes.buffer, bytes.byteOffset, numel);
      } else {
        arr = new array(numel);
        const u8 = new Uint8Array(arr.buffer);
        u8.set(bytes.subarray(0, numel * itemsize));
        if (big) {
          for (let i = 0; i < u8.length; i += itemsize) {
            u8.subarray(i, i + itemsize).reverse();
          }
        }
      }
      const ref = new StorageRef(new Storage(arr), type.dtype, numel);
      cache.set(key, ref);
      return ref;
    }) as T;
  } catch (e) {
    if (e instanceof ZipError) {
      // readZip names the archive and member its own way; checkpoints name them after torch.load.
      const at = e.member === undefined ? "" : `${e.member}: `;
      throw new CheckpointError(`torch.load(${name}): ${at}${e.detail}`, {
        cause: e,
      });
    }
    const msg = e instanceof Error ? e.message : String(e);
    const where = e instanceof PickleError ? "data.pkl: " : "";
    throw new CheckpointError(`torch.load(${name}): ${where}${msg}`, {
      cause: e,
    });
  }
}

/**
 * The bytes of a checkpoint holding `obj`, as `torch.save` lays them out: a zip of stored
 * members under `archive/`, storages 64-byte aligned, `data.pkl` in pickle protocol 2 with only
 * what PyTorch 1.13's `weights_only` loader accepts (Python floats, bytes and sets load with
 * plain `torch.load`; 1.13's weights_only refuses floats). Each distinct storage is written once,
 * whole, so views stay views. Frozen arrays are written as tuples, other arrays as lists; safe
 * integers as ints, other numbers as floats. Archives over 4 GiB are not supported.
 * @example
 * const bytes = serialize({ epoch: 3, model: net.state_dict() });
 */
export function serialize(obj: unknown): Uint8Array {
  const { pickle: pkl, storages } = pickle(obj);
  const files: [string, Uint8Array][] = [
    ["archive/data.pkl", pkl],
    ["archive/byteorder", new TextEncoder().encode("little")],
    ...storages.map(({ key, storage: { data } }): [string, Uint8Array] => [
      `archive/data/${key}`,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    ]),
    ["archive/version", new TextEncoder().encode("3\n")],
  ];
  // PyTorch's own padding field ("FB", then 'Z's) puts every payload on a 64-byte boundary.
  return writeZip(files, {
    align: 64,
    padding: "pytorch",
    mtime: new Date(1980, 0, 1),
  });
}

/**
 * `torch.save(obj, f)`: writes `obj` (tensors, state_dicts, nested objects/Maps/arrays of
 * numbers, strings, booleans and null) as a checkpoint PyTorch loads (see `serialize`), through
 * a temporary file renamed into place, so a crash never leaves a half-written `f`.
 * @example
 * torch.save(net.state_dict(), "net.pt");
 */
export function save(obj: unknown, f: string | URL): void {
  const path = typeof f === "string" ? f : fileURLToPath(f);
  writeFileAtomic(path, [serialize(obj)]);
}
