// safetensors: save and load Hugging Face's format (8-byte header length, JSON header, raw little-endian data).

import * as torch from "../mod.ts";
// A tensor over foreign memory needs the Tensor constructor; the public API has no frombuffer yet.
import { contiguousStrides } from "../src/shape.ts";
import { Storage } from "../src/storage.ts";
import { Tensor } from "../src/tensor.ts";
import { readFileBytes, writeFileAtomic } from "./_files.ts";

/** A record of named tensors, as `safetensors.torch.save_file` takes and `load_file` returns. */
export type Tensors = Record<string, Tensor>;

// safetensors dtype names. `rank` is the position in the reference implementation's Dtype enum:
// it writes tensors in decreasing rank, then by name, and we do the same so our files are its bytes.
const CODES: Record<string, { dtype: torch.dtype; rank: number }> = {
  BOOL: { dtype: torch.bool, rank: 0 },
  U8: { dtype: torch.uint8, rank: 1 },
  I8: { dtype: torch.int8, rank: 2 },
  I16: { dtype: torch.int16, rank: 5 },
  U16: { dtype: torch.uint16, rank: 6 },
  F16: { dtype: torch.float16, rank: 7 },
  BF16: { dtype: torch.bfloat16, rank: 8 },
  I32: { dtype: torch.int32, rank: 9 },
  U32: { dtype: torch.uint32, rank: 10 },
  F32: { dtype: torch.float32, rank: 11 },
  F64: { dtype: torch.float64, rank: 12 },
  I64: { dtype: torch.int64, rank: 13 },
  U64: { dtype: torch.uint64, rank: 14 },
};
const CODE_OF = new Map(
  Object.entries(CODES).map(([code, { dtype }]) => [dtype, code]),
);
/** The reference implementation refuses headers above 100 MB; so do we. */
const MAX_HEADER = 100_000_000;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("safetensors: big-endian platforms are not supported");
}

/**
 * The bytes of a safetensors file holding `tensors` (and string `metadata`, if any). Tensors are
 * laid out by decreasing dtype rank, then name, as the reference writer lays them out, so every
 * tensor's offset is a multiple of its element size and `load` can view it without copying.
 *
 * ```ts
 * const bytes = serialize({ w: torch.ones(2, 3) }, { format: "pt" });
 * ```
 */
export function serialize(
  tensors: Tensors,
  metadata?: Record<string, string>,
): Uint8Array {
  const entries = Object.entries(tensors).map(([name, t]) => {
    const code = CODE_OF.get(t.dtype);
    if (code === undefined) {
      throw new TypeError(
        `safetensors: cannot save dtype ${t.dtype} (${name})`,
      );
    }
    if (name === "__metadata__") {
      throw new TypeError("safetensors: '__metadata__' is not a tensor name");
    }
    // A tensor off the CPU is copied to it; the bytes are then read from CPU memory.
    const c = t.detach().cpu().contiguous();
    const d = c.storage.data;
    const bytes = new Uint8Array(
      d.buffer,
      d.byteOffset + c.storage_offset_ * t.dtype.itemsize,
      c.numel() * t.dtype.itemsize,
    );
    return { name, code, shape: [...t.shape], bytes };
  });
  entries.sort((a, b) =>
    CODES[b.code].rank - CODES[a.code].rank ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  );
  // No prototype: a tensor named "__proto__" must become a key, not replace the prototype.
  const header: Record<string, unknown> = Object.create(null);
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== "string") {
        throw new TypeError(
          `safetensors: metadata value of '${k}' must be a string`,
        );
      }
    }
    header.__metadata__ = metadata;
  }
  let offset = 0;
  for (const e of entries) {
    header[e.name] = {
      dtype: e.code,
      shape: e.shape,
      data_offsets: [offset, offset += e.bytes.length],
    };
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const e of entries) {
    out.set(e.bytes, at);
    at += e.bytes.length;
  }
  return out;
}

/**
 * `safetensors.torch.save_file`: writes `tensors` to `path` through a temporary file and a rename,
 * so a reader never sees a half-written file.
 *
 * ```ts
 * save("model.safetensors", net.state_dict(), { format: "pt" });
 * ```
 */
export function save(
  path: string,
  tensors: Tensors,
  metadata?: Record<string, string>,
): void {
  writeFileAtomic(path, [serialize(tensors, metadata)]);
}

/**
 * What a malformed safetensors file raises, as the Python library's `SafetensorError`: the header,
 * an offset or a dtype that does not hold, named.
 */
export class SafetensorError extends Error {
  /** `"SafetensorError"`, as the Python library names it. */
  override name = "SafetensorError";
}

function fail(msg: string): never {
  throw new SafetensorError(`safetensors: ${msg}`);
}

/** A JSON value for an error message: short, and never a throw of its own (deep nesting). */
function show(v: unknown): string {
  let text;
  try {
    text = JSON.stringify(v) ?? String(v);
  } catch {
    text = "(unprintable)";
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isShape(s: unknown): s is number[] {
  return Array.isArray(s) && s.every((d) => Number.isSafeInteger(d) && d >= 0);
}

/**
 * Parses safetensors bytes into tensors and metadata. Each tensor views `bytes` (writes go both
 * ways) when its data is aligned to its element size in memory, else it is a copy.
 *
 * ```ts
 * const { tensors, metadata } = parse(readFileSync("model.safetensors"));
 * ```
 */
export function parse(
  bytes: Uint8Array,
): { tensors: Tensors; metadata: Record<string, string> } {
  if (bytes.length < 8) {
    fail(
      `file is truncated: ${bytes.length} bytes, shorter than the 8-byte header length`,
    );
  }
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(
    0,
    true,
  );
  if (n > BigInt(bytes.length - 8) || n > BigInt(MAX_HEADER)) {
    fail(
      `header length ${n} is larger than the ${
        bytes.length - 8
      } bytes after it`,
    );
  }
  const start = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder("utf-8", { fatal: true }).decode(
        bytes.subarray(8, start),
      ),
    );
  } catch (err) {
    fail(`the header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    fail("the header is not a JSON object");
  }
  const size = bytes.length - start;
  // Entries first, objects by Object.fromEntries: it defines keys such as "__proto__" as own
  // properties, where assigning them would set the prototype instead.
  const metadata: [string, string][] = [];
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: [string, Tensor][] = [];
  for (
    const [name, info] of Object.entries(header as Record<string, unknown>)
  ) {
    if (name === "__metadata__") {
      if (info === null || typeof info !== "object" || Array.isArray(info)) {
        fail(
          "__metadata__ must be an object of strings",
        );
      }
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== "string") {
          fail(
            `__metadata__ value of '${k}' is not a string`,
          );
        }
        metadata.push([k, v]);
      }
      continue;
    }
    const { dtype: code, shape, data_offsets: off } = (info ?? {}) as Record<
      string,
      unknown
    >;
    // Own keys only: "toString" or "__proto__" must not find Object.prototype's members.
    const known = typeof code === "string" && Object.hasOwn(CODES, code)
      ? CODES[code]
      : fail(`tensor '${name}' has unknown dtype ${show(code)}`);
    if (!isShape(shape)) {
      fail(
        `tensor '${name}' has an invalid shape ${show(shape)}`,
      );
    }
    if (!isShape(off) || off.length !== 2 || off[0] > off[1]) {
      fail(`tensor '${name}' has invalid data_offsets ${show(off)}`);
    }
    const [begin, end] = off;
    const itemsize = known.dtype.itemsize;
    const numel = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== numel * itemsize) {
      fail(
        `tensor '${name}': data_offsets [${begin}, ${end}] hold ${
          end - begin
        } bytes, shape [${shape}] of ${code} needs ${numel * itemsize}`,
      );
    }
    if (end > size) {
      fail(
        `tensor '${name}': data_offsets [${begin}, ${end}] run past the ${size} data bytes (file truncated?)`,
      );
    }
    spans.push({ name, begin, end });
    const at = bytes.byteOffset + start + begin;
    const data = at % itemsize === 0
      ? new known.dtype.array(bytes.buffer, at, numel)
      : new known.dtype.array(
        bytes.slice(start + begin, start + end).buffer,
        0,
        numel,
      );
    tensors.push([
      name,
      new Tensor(
        new Storage(data),
        shape,
        contiguousStrides(shape),
        0,
        known.dtype,
      ),
    ]);
  }
  // The reference reader also demands that the tensors tile the data exactly: no overlap, no gap.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const s of spans) {
    if (s.begin < covered) {
      fail(
        `tensor '${s.name}' overlaps another tensor's data (offset ${s.begin} < ${covered})`,
      );
    }
    if (s.begin > covered) {
      fail(`bytes ${covered}..${s.begin} of the data belong to no tensor`);
    }
    covered = s.end;
  }
  if (covered !== size) {
    fail(`the data is ${size} bytes but the tensors cover ${covered}`);
  }
  return {
    tensors: Object.fromEntries(tensors),
    metadata: Object.fromEntries(metadata),
  };
}

/**
 * `safetensors.torch.load_file`: the tensors of a file (a path) or of bytes already in memory.
 * Tensors view the bytes where their alignment allows (see `parse`).
 *
 * ```ts
 * const state = load("model.safetensors");
 * net.load_state_dict(state);
 * ```
 */
export function load(
  pathOrBytes: string | URL | Uint8Array | ArrayBuffer,
): Tensors {
  return parse(toBytes(pathOrBytes)).tensors;
}

/** The `__metadata__` strings of a file or bytes (empty when there are none). */
export function load_metadata(
  pathOrBytes: string | URL | Uint8Array | ArrayBuffer,
): Record<string, string> {
  return parse(toBytes(pathOrBytes)).metadata;
}

function toBytes(src: string | URL | Uint8Array | ArrayBuffer): Uint8Array {
  if (src instanceof Uint8Array) return src;
  if (src instanceof ArrayBuffer) return new Uint8Array(src);
  // A fresh buffer at offset 0: the data then sits at the alignment the writer gave it.
  return readFileBytes(src);
}
