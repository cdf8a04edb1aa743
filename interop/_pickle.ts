// The data.pkl writer: protocol 2 with only the opcodes and globals PyTorch 1.13's weights_only loader accepts.

import { DType } from "../src/dtype.ts";
import { Parameter } from "../src/nn/parameter.ts";
import { Size } from "../src/shape.ts";
import type { Storage } from "../src/storage.ts";
import { Tensor } from "../src/tensor.ts";
import { STORAGE_NAMES } from "./_unpickle.ts";
import { RuntimeError } from "../src/errors.ts";

/** One storage to write as `data/<key>`, in order of first use. */
export interface SavedStorage {
  key: string;
  storage: Storage;
  dtype: DType;
}

const enc = new TextEncoder();

class Writer {
  buf = new Uint8Array(256);
  len = 0;

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  bytes(...b: number[]): void {
    this.reserve(b.length);
    for (const x of b) this.buf[this.len++] = x;
  }

  raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  u32(op: number, v: number): void {
    this.bytes(op, v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }

  global(mod: string, name: string): void {
    this.bytes(0x63);
    this.raw(enc.encode(`${mod}\n${name}\n`));
  }

  str(s: string): void {
    if (!s.isWellFormed()) {
      throw new TypeError("cannot save a string with a lone surrogate");
    }
    const b = enc.encode(s);
    this.u32(0x58, b.length);
    this.raw(b);
  }

  int(v: number | bigint): void {
    if (typeof v === "number" && v >= 0 && v < 256) return this.bytes(0x4b, v);
    if (typeof v === "number" && v >= 0 && v < 65536) {
      return this.bytes(0x4d, v & 0xff, v >> 8);
    }
    if (typeof v === "number" && v >= -(2 ** 31) && v < 2 ** 31) {
      return this.u32(0x4a, v >>> 0);
    }
    // LONG1: the shortest little-endian two's complement, as Python writes it.
    let x = BigInt(v);
    const out: number[] = [];
    for (;;) {
      const byte = Number(x & 0xffn);
      out.push(byte);
      x >>= 8n;
      if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
    }
    if (out.length > 255) throw new RangeError("integer too large to save");
    this.bytes(0x8a, out.length, ...out);
  }

  float(v: number): void {
    this.reserve(9);
    this.buf[this.len] = 0x47;
    new DataView(this.buf.buffer).setFloat64(this.len + 1, v, false); // big-endian
    this.len += 9;
  }
}

/** `true` for the arrays `load` returns for Python tuples: frozen arrays are written as tuples. */
function isTuple(v: unknown[]): boolean {
  return Object.isFrozen(v);
}

/**
 * Pickles `obj` as torch.save does (protocol 2, tensors by persistent id). Returns the pickle and
 * the distinct storages it names. Shared objects are memoized (written once, as Python's pickler
 * does), so loading keeps them shared; cycles through lists and dicts work, through tuples do not.
 */
export function pickle(obj: unknown): {
  pickle: Uint8Array;
  storages: SavedStorage[];
} {
  const w = new Writer();
  const storages = new Map<Storage, SavedStorage>();
  const memo = new Map<object, number>();
  const building = new Set<object>();
  const put = (o: object) => {
    const i = memo.size;
    memo.set(o, i);
    if (i < 256) w.bytes(0x71, i);
    else w.u32(0x72, i);
  };
  const copies = new Map<Tensor, Tensor>();
  const onCpu = (t: Tensor) => {
    let c = copies.get(t);
    if (!c) copies.set(t, c = t.detach().cpu());
    return c;
  };
  const ordered = () => {
    w.global("collections", "OrderedDict");
    w.bytes(0x29, 0x52);
  };

  const tensor = (t: Tensor, rg: boolean) => {
    // A tensor off the CPU is saved as a CPU copy of its elements (so views of one device
    // storage become separate storages in the file; the values are the same).
    if (t.storage.device !== "cpu") t = onCpu(t);
    if (t.dtype.is_complex) {
      throw new RuntimeError(
        `torch.save of ${t.dtype} tensors is not supported yet: save torch.view_as_real(t) instead`,
      );
    }
    let s = storages.get(t.storage);
    if (!s) {
      s = { key: String(storages.size), storage: t.storage, dtype: t.dtype };
      storages.set(t.storage, s);
    } else if (s.dtype !== t.dtype) {
      throw new TypeError(
        `two tensors view one storage as ${s.dtype} and ${t.dtype}; PyTorch cannot save that either`,
      );
    }
    // uint16/32/64 have no storage class: PyTorch 2.3+ writes an UntypedStorage (numel in
    // bytes) and `_rebuild_tensor_v3`, whose 7th argument is the dtype.
    const legacy = (STORAGE_NAMES as Partial<Record<string, string>>)[
      t.dtype.name
    ];
    w.global("torch._utils", `_rebuild_tensor_v${legacy ? 2 : 3}`);
    w.bytes(0x28, 0x28);
    w.str("storage");
    if (legacy) w.global("torch", legacy);
    else w.global("torch.storage", "UntypedStorage");
    w.str(s.key);
    w.str("cpu");
    w.int(t.storage.data.length * (legacy ? 1 : t.dtype.itemsize));
    w.bytes(0x74, 0x51);
    w.int(t.storage_offset_);
    for (const dims of [t._shape, t._strides]) {
      w.bytes(0x28);
      for (const d of dims) w.int(d);
      w.bytes(0x74);
    }
    w.bytes(rg ? 0x88 : 0x89);
    ordered();
    if (!legacy) w.global("torch", t.dtype.name);
    w.bytes(0x74, 0x52);
  };

  // MARK … APPENDS / SETITEMS in batches of 1000, as Python's pickler writes them.
  const batched = (n: number, write: (i: number) => void, op: number) => {
    for (let i = 0; i < n; i += 1000) {
      w.bytes(0x28);
      for (let j = i; j < Math.min(n, i + 1000); j++) write(j);
      w.bytes(op);
    }
  };

  const dict = (o: object, entries: [unknown, unknown][]) => {
    // A state_dict's `_metadata` is a non-enumerable property (see load); it makes an OrderedDict.
    const desc = Object.getOwnPropertyDescriptor(o, "_metadata");
    const meta = desc && (o instanceof Map || !desc.enumerable)
      ? desc.value
      : undefined;
    if (meta === undefined) w.bytes(0x7d);
    else ordered();
    put(o);
    batched(entries.length, (i) => {
      value(entries[i][0]);
      value(entries[i][1]);
    }, 0x75);
    if (meta !== undefined) {
      w.bytes(0x7d);
      w.str("_metadata");
      value(meta);
      w.bytes(0x73, 0x62);
    }
  };

  const value = (v: unknown): void => {
    if (v === null) return w.bytes(0x4e);
    if (typeof v === "boolean") return w.bytes(v ? 0x88 : 0x89);
    if (typeof v === "bigint") return w.int(v);
    if (typeof v === "number") {
      return Number.isSafeInteger(v) && !Object.is(v, -0)
        ? w.int(v)
        : w.float(v);
    }
    if (typeof v === "string") return w.str(v);
    if (typeof v !== "object") {
      throw new TypeError(`cannot save a value of type ${typeof v}`);
    }
    const seen = memo.get(v);
    if (seen !== undefined) {
      if (seen < 256) w.bytes(0x68, seen);
      else w.u32(0x6a, seen);
      return;
    }
    if (building.has(v)) {
      throw new TypeError("cannot save a tuple that contains itself");
    }
    if (v instanceof DType) return w.global("torch", v.name);
    if (v instanceof Parameter) {
      w.global("torch._utils", "_rebuild_parameter");
      tensor(v, false);
      w.bytes(v.requires_grad ? 0x88 : 0x89);
      ordered();
      w.bytes(0x87, 0x52);
      return put(v);
    }
    if (v instanceof Tensor) {
      tensor(v, v.requires_grad);
      return put(v);
    }
    if (v instanceof Size) {
      w.global("torch", "Size");
      w.bytes(0x28);
      for (const d of v) w.int(d);
      w.bytes(0x74, 0x85, 0x52);
      return put(v);
    }
    if (v instanceof Uint8Array) { // Python bytes, as protocol 2 spells them
      w.global("_codecs", "encode");
      let text = "";
      for (const b of v) text += String.fromCharCode(b);
      w.str(text);
      w.str("latin1");
      w.bytes(0x86, 0x52);
      return put(v);
    }
    if (Array.isArray(v)) {
      if (isTuple(v)) {
        building.add(v);
        w.bytes(0x28);
        for (const x of v) value(x);
        w.bytes(0x74);
        building.delete(v);
        return put(v);
      }
      w.bytes(0x5d);
      put(v);
      return batched(v.length, (i) => value(v[i]), 0x65);
    }
    if (v instanceof Map) return dict(v, [...v]);
    if (v instanceof Set) {
      const xs = [...v];
      w.global("__builtin__", "set");
      w.bytes(0x5d);
      batched(xs.length, (i) => value(xs[i]), 0x65);
      w.bytes(0x85, 0x52);
      return put(v);
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      return dict(v, Object.entries(v));
    }
    throw new TypeError(
      `cannot save a ${
        v.constructor?.name ?? "object"
      }: checkpoints hold tensors, numbers, strings, booleans, null, bytes (Uint8Array), arrays, Maps, Sets and plain objects`,
    );
  };

  w.bytes(0x80, 0x02);
  value(obj);
  w.bytes(0x2e);
  return { pickle: w.buf.slice(0, w.len), storages: [...storages.values()] };
}
