// The allow-list pickle machine for torch.save's data.pkl: a data interpreter that never imports or runs anything.

import { DType, type DTypeName, DTYPES } from "../src/dtype.ts";
import { Parameter } from "../src/nn/parameter.ts";
import { Size } from "../src/shape.ts";
import { Storage } from "../src/storage.ts";
import { Tensor } from "../src/tensor.ts";

/** A bad or disallowed pickle; the message names the problem, `offset` where it was found. */
export class PickleError extends Error {
  override name = "PickleError";
}

/** A `torch.<X>Storage` global: only meaningful inside a persistent id. */
export class StorageType {
  readonly name: string;
  readonly dtype: DType;
  constructor(name: string, dtype: DType) {
    this.name = name;
    this.dtype = dtype;
  }
}

/** What a persistent id `('storage', type, key, location, numel)` resolves to. */
export class StorageRef {
  readonly storage: Storage;
  readonly dtype: DType;
  readonly numel: number;
  constructor(storage: Storage, dtype: DType, numel: number) {
    this.storage = storage;
    this.dtype = dtype;
    this.numel = numel;
  }
}

/** The storage behind a persistent id; the caller caches by key so that views share memory. */
export type LoadStorage = (
  type: StorageType,
  key: string,
  numel: number,
) => StorageRef;

/**
 * The legacy storage class names, by the dtype they hold (the same names `_pickle.ts` writes).
 * uint16/32/64 have none: PyTorch 2.3+ saves them as an `UntypedStorage` of bytes and
 * `_rebuild_tensor_v3` with the dtype.
 */
export const STORAGE_NAMES: Record<
  Exclude<
    DTypeName,
    "uint16" | "uint32" | "uint64" | "complex64" | "complex128"
  >,
  string
> = {
  float64: "DoubleStorage",
  float32: "FloatStorage",
  float16: "HalfStorage",
  int64: "LongStorage",
  int32: "IntStorage",
  int16: "ShortStorage",
  int8: "CharStorage",
  uint8: "ByteStorage",
  bool: "BoolStorage",
  bfloat16: "BFloat16Storage",
};

/** `torch.storage.UntypedStorage` in a persistent id: bytes, numel counted in bytes. */
export const UNTYPED = new StorageType("UntypedStorage", DTYPES.uint8);

// A callable global from the allow-list; REDUCE dispatches on its name.
class Callable {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

const CALLABLES = [
  "collections.OrderedDict",
  "collections.Counter",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state",
  "torch.Size",
  "torch.device",
  "_codecs.encode",
  "builtins.set",
  "builtins.bytearray",
];

/** Every global the machine resolves: callables, storage types and dtypes. Nothing else exists. */
const GLOBALS = new Map<string, unknown>(
  CALLABLES.map((n) => [n, new Callable(n)]),
);
for (const [dt, storage] of Object.entries(STORAGE_NAMES)) {
  const dtype = DTYPES[dt as DTypeName];
  for (const mod of ["torch", "torch.cuda"]) {
    GLOBALS.set(`${mod}.${storage}`, new StorageType(storage, dtype));
  }
  GLOBALS.set(`torch.${dt}`, dtype);
}
GLOBALS.set("torch.storage.UntypedStorage", UNTYPED);
for (const dt of ["uint16", "uint32", "uint64"] as const) {
  GLOBALS.set(`torch.${dt}`, DTYPES[dt]);
}

// Accepted by PyTorch's weights_only loader, but flambeau has no such tensors or dtypes.
const UNSUPPORTED =
  /^torch(\.cuda)?\.(ComplexFloat|ComplexDouble|QInt8|QInt32|QUInt8|QUInt4x2|QUInt2x4)Storage$|^torch\.(complex\d+|cfloat|cdouble|float8_\w+|bits\w+|u?int[1-7]|per_\w+|Tensor)$|^torch\._utils\._rebuild_(qtensor|sparse_tensor|sparse_csr_tensor|nested_tensor|meta_tensor_no_storage|wrapper_subclass|device_tensor_from_\w+)$|^torch\.(storage\.TypedStorage|serialization\._get_layout|_tensor\._rebuild_from_type_v2|nn\.parameter\.Parameter)$|^builtins\.complex$/;

const MAX_MARKS = 10_000;
const utf8 = new TextDecoder("utf-8", { fatal: true });
// Tuples are arrays while the machine runs (frozen at the end); this marks which arrays they are.
type Tuple = unknown[] & { readonly __tuple: unique symbol };
type Dict = Map<unknown, unknown>;

/**
 * Runs `data` (a protocol-2 pickle) with the allow-list machine and returns the value it builds.
 * Dicts come back as null-prototype objects when every key is a string that JavaScript keeps in
 * insertion order (not an array index), otherwise as `Map`s; tuples as frozen arrays; an
 * `OrderedDict`'s `_metadata` as a non-enumerable property.
 */
export function unpickle(data: Uint8Array, loadStorage: LoadStorage): unknown {
  const m = new Machine(data, loadStorage);
  return finish(m.run(), m);
}

class Machine {
  readonly data: Uint8Array;
  readonly view: DataView;
  readonly loadStorage: LoadStorage;
  pos = 0;
  op = 0;
  stack: unknown[] = [];
  marks: number[] = [];
  memo = new Map<number, unknown>();
  tuples = new WeakSet<unknown[]>();
  ordered = new WeakSet<Dict>();
  metadata = new WeakMap<Dict, unknown>();

  constructor(data: Uint8Array, loadStorage: LoadStorage) {
    this.data = data;
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    this.loadStorage = loadStorage;
  }

  fail(msg: string): never {
    throw new PickleError(`${msg} (opcode at offset ${this.op})`);
  }

  take(n: number): number {
    if (n > this.data.length - this.pos) {
      this.fail(
        `pickle truncated: needs ${n} more bytes at offset ${this.pos}`,
      );
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  line(): string {
    const end = this.data.indexOf(0x0a, this.pos);
    if (end < 0) this.fail("pickle truncated inside a GLOBAL name");
    const s = this.text(this.pos, end - this.pos);
    this.pos = end + 1;
    return s;
  }

  text(at: number, n: number): string {
    try {
      return utf8.decode(this.data.subarray(at, at + n));
    } catch {
      return this.fail("string is not valid UTF-8");
    }
  }

  pop(): unknown {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) {
      this.fail("stack underflow");
    }
    return this.stack.pop();
  }

  popMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) this.fail("no MARK to pop to");
    return this.stack.splice(mark);
  }

  tuple(items: unknown[]): Tuple {
    this.tuples.add(items);
    return items as Tuple;
  }

  top(): unknown {
    if (this.stack.length <= (this.marks.at(-1) ?? 0)) {
      this.fail("stack underflow");
    }
    return this.stack[this.stack.length - 1];
  }

  int(v: bigint): number | bigint {
    return v >= -BigInt(Number.MAX_SAFE_INTEGER) &&
        v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }

  run(): unknown {
    const { data, view, stack } = this;
    for (;;) {
      this.op = this.pos;
      const code = data[this.take(1)];
      switch (code) {
        case 0x80: { // PROTO
          const v = data[this.take(1)];
          if (v > 2) {
            this.fail(
              `pickle protocol ${v} is not supported: torch.save writes protocol 2, and PyTorch's weights_only loader refuses ${v} too`,
            );
          }
          break;
        }
        case 0x2e: { // STOP
          if (this.marks.length) this.fail("STOP inside an open MARK");
          if (stack.length !== 1) {
            this.fail(`STOP with ${stack.length} values on the stack`);
          }
          return stack[0];
        }
        case 0x28: // MARK
          if (this.marks.length >= MAX_MARKS) {
            this.fail("MARKs nested too deeply");
          }
          this.marks.push(stack.length);
          break;
        case 0x63: { // GLOBAL
          const mod = this.line(), name = this.line();
          stack.push(
            this.global(mod === "__builtin__" ? "builtins" : mod, name),
          );
          break;
        }
        case 0x52: { // REDUCE
          const args = this.pop(), fn = this.pop();
          if (!Array.isArray(args) || !this.tuples.has(args)) {
            this.fail("REDUCE arguments are not a tuple");
          }
          stack.push(this.call(fn, args));
          break;
        }
        case 0x62: { // BUILD
          const state = this.pop(), obj = this.top();
          if (
            !(obj instanceof Map) || !this.ordered.has(obj) ||
            !(state instanceof Map)
          ) {
            this.fail(
              "BUILD is only allowed on an OrderedDict with a dict of attributes",
            );
          }
          if (state.has("_metadata")) {
            this.metadata.set(obj, state.get("_metadata"));
          }
          break;
        }
        case 0x51: // BINPERSID
          stack.push(this.persistent(this.pop()));
          break;
        case 0x71: // BINPUT
          this.memo.set(data[this.take(1)], this.top());
          break;
        case 0x72: // LONG_BINPUT
          this.memo.set(view.getUint32(this.take(4), true), this.top());
          break;
        case 0x68: // BINGET
        case 0x6a: { // LONG_BINGET
          const i = code === 0x68
            ? data[this.take(1)]
            : view.getUint32(this.take(4), true);
          if (!this.memo.has(i)) this.fail(`memo entry ${i} does not exist`);
          stack.push(this.memo.get(i));
          break;
        }
        case 0x7d: // EMPTY_DICT
          stack.push(new Map());
          break;
        case 0x5d: // EMPTY_LIST
          stack.push([]);
          break;
        case 0x29: // EMPTY_TUPLE
          stack.push(this.tuple([]));
          break;
        case 0x8f: // EMPTY_SET
          stack.push(new Set());
          break;
        case 0x74: // TUPLE
          stack.push(this.tuple(this.popMark()));
          break;
        case 0x85:
        case 0x86:
        case 0x87: { // TUPLE1..3
          const n = code - 0x84;
          if (stack.length - n < (this.marks.at(-1) ?? 0)) {
            this.fail("stack underflow");
          }
          stack.push(this.tuple(stack.splice(stack.length - n)));
          break;
        }
        case 0x73: { // SETITEM
          const v = this.pop(), k = this.pop();
          this.setItems(this.top(), [k, v]);
          break;
        }
        case 0x75: { // SETITEMS
          const items = this.popMark();
          if (items.length % 2) {
            this.fail("SETITEMS with an odd number of items");
          }
          this.setItems(this.top(), items);
          break;
        }
        case 0x61: { // APPEND
          const v = this.pop();
          this.list(this.top()).push(v);
          break;
        }
        case 0x65: { // APPENDS
          const items = this.popMark();
          const list = this.list(this.top());
          for (const v of items) list.push(v);
          break;
        }
        case 0x4e: // NONE
          stack.push(null);
          break;
        case 0x88:
        case 0x89: // NEWTRUE, NEWFALSE
          stack.push(code === 0x88);
          break;
        case 0x4b: // BININT1
          stack.push(data[this.take(1)]);
          break;
        case 0x4d: // BININT2
          stack.push(view.getUint16(this.take(2), true));
          break;
        case 0x4a: // BININT
          stack.push(view.getInt32(this.take(4), true));
          break;
        case 0x8a: { // LONG1: little-endian two's complement
          const n = data[this.take(1)], at = this.take(n);
          let v = 0n;
          for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(data[at + i]);
          if (n && data[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
          stack.push(this.int(v));
          break;
        }
        case 0x47: // BINFLOAT: big-endian, unlike every other operand
          stack.push(view.getFloat64(this.take(8), false));
          break;
        case 0x58: { // BINUNICODE
          const n = view.getUint32(this.take(4), true);
          stack.push(this.text(this.take(n), n));
          break;
        }
        case 0x55: { // SHORT_BINSTRING: a Python 2 str, decoded as UTF-8 like torch.load does
          const n = data[this.take(1)];
          stack.push(this.text(this.take(n), n));
          break;
        }
        default:
          this.fail(
            `opcode 0x${
              code.toString(16).padStart(2, "0")
            } is not allowed in a checkpoint`,
          );
      }
    }
  }

  global(mod: string, name: string): unknown {
    const full = `${mod}.${name}`;
    const found = GLOBALS.get(full);
    if (found !== undefined) return found;
    if (UNSUPPORTED.test(full)) {
      this.fail(
        `global ${full} is not supported by flambeau (quantized, sparse, nested, meta and complex tensors, tensor subclasses and dtypes flambeau lacks)`,
      );
    }
    return this.fail(
      `global ${full} is not allowed; the checkpoint was not executed`,
    );
  }

  list(top: unknown): unknown[] {
    if (!Array.isArray(top) || this.tuples.has(top)) {
      this.fail("APPEND onto something that is not a list");
    }
    return top;
  }

  setItems(top: unknown, items: unknown[]): void {
    if (!(top instanceof Map)) {
      this.fail("SETITEM onto something that is not a dict");
    }
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i];
      const hashable = k === null ||
        ["string", "number", "bigint", "boolean"].includes(typeof k) ||
        (Array.isArray(k) && this.tuples.has(k)) || k instanceof DType;
      if (!hashable) this.fail("unhashable dict key");
      top.set(k, items[i + 1]);
    }
  }

  persistent(pid: unknown): StorageRef {
    if (
      !Array.isArray(pid) || !this.tuples.has(pid) || pid.length !== 5 ||
      pid[0] !== "storage"
    ) {
      this.fail("persistent id is not ('storage', type, key, location, numel)");
    }
    const [, type, key, location, numel] = pid;
    if (!(type instanceof StorageType)) {
      this.fail("persistent id names no storage type");
    }
    if (typeof key !== "string" || typeof location !== "string") {
      this.fail("persistent id key or location is not a string");
    }
    if (typeof numel !== "number" || numel < 0) {
      this.fail("persistent id numel is not a non-negative integer");
    }
    return this.loadStorage(type, key, numel);
  }

  call(fn: unknown, args: unknown[]): unknown {
    if (!(fn instanceof Callable)) {
      return this.fail(
        `REDUCE of ${
          fn instanceof StorageType ? `torch.${fn.name}` : String(fn)
        }, which is not callable`,
      );
    }
    const n = fn.name;
    const arity = (...ok: number[]) => {
      if (!ok.includes(args.length)) {
        this.fail(
          `${n} takes ${ok.join(" or ")} arguments, got ${args.length}`,
        );
      }
    };
    switch (n) {
      case "collections.OrderedDict":
      case "collections.Counter": {
        arity(0, 1);
        if (args.length && !(args[0] instanceof Map)) {
          this.fail(`${n} expects a dict`);
        }
        const d: Dict = new Map(args.length ? args[0] as Dict : []);
        if (n === "collections.OrderedDict") this.ordered.add(d);
        return d;
      }
      case "torch._utils._rebuild_tensor_v2":
      case "torch._utils._rebuild_tensor": {
        const v2 = n.endsWith("v2");
        if (v2) arity(6, 7);
        else arity(4);
        const [storage, offset, size, stride, rg = false, hooks, meta] = args;
        if (v2 && (!(hooks instanceof Map) || hooks.size)) {
          this.fail("backward hooks must be an empty OrderedDict");
        }
        if (meta !== undefined && (!(meta instanceof Map) || meta.size)) {
          this.fail(
            "tensor metadata (conjugate or negative bit) is not supported",
          );
        }
        if (typeof rg !== "boolean") this.fail("requires_grad is not a bool");
        return this.tensor(storage, offset, size, stride, rg);
      }
      case "torch._utils._rebuild_tensor_v3": {
        // PyTorch 2.3+ for dtypes without a legacy storage class: bytes and a dtype.
        arity(7, 8);
        const [storage, offset, size, stride, rg, hooks, dtype, meta] = args;
        if (!(hooks instanceof Map) || hooks.size) {
          this.fail("backward hooks must be an empty OrderedDict");
        }
        if (meta !== undefined && (!(meta instanceof Map) || meta.size)) {
          this.fail(
            "tensor metadata (conjugate or negative bit) is not supported",
          );
        }
        if (typeof rg !== "boolean") this.fail("requires_grad is not a bool");
        if (!(dtype instanceof DType)) {
          this.fail("_rebuild_tensor_v3: the 7th argument is not a dtype");
        }
        if (
          !(storage instanceof StorageRef) || storage.dtype !== DTYPES.uint8
        ) {
          this.fail("_rebuild_tensor_v3 without an UntypedStorage");
        }
        return this.tensor(
          this.retype(storage, dtype),
          offset,
          size,
          stride,
          rg,
        );
      }
      case "torch._utils._rebuild_parameter":
      case "torch._utils._rebuild_parameter_with_state": {
        arity(n.endsWith("state") ? 4 : 3);
        const [data, rg, , state] = args;
        if (!(data instanceof Tensor) || typeof rg !== "boolean") {
          this.fail(`${n}: bad arguments`);
        }
        if (rg && !data.dtype.is_floating_point) {
          this.fail(`requires_grad on a ${data.dtype} Parameter`);
        }
        if (state !== undefined && (!(state instanceof Map) || state.size)) {
          this.fail("Parameter attributes are not supported");
        }
        return new Parameter(data, rg);
      }
      case "torch.Size":
        arity(1);
        return new Size(this.ints(args[0], "torch.Size"));
      case "torch.device": {
        arity(1, 2);
        const [type, index] = args;
        if (
          typeof type !== "string" ||
          !(index === undefined || index === null || typeof index === "number")
        ) {
          this.fail("torch.device: bad arguments");
        }
        return index === undefined || index === null
          ? type
          : `${type}:${index}`;
      }
      case "_codecs.encode": {
        arity(2);
        const [s, enc] = args;
        if (typeof s !== "string" || (enc !== "latin1" && enc !== "latin-1")) {
          this.fail("_codecs.encode: only latin1 text");
        }
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c > 255) this.fail("_codecs.encode: character above U+00FF");
          out[i] = c;
        }
        return out;
      }
      case "builtins.set":
        arity(0, 1);
        if (args.length && !Array.isArray(args[0])) {
          this.fail("set() expects a list");
        }
        return new Set(args.length ? args[0] as unknown[] : []);
      default: // builtins.bytearray
        arity(0, 1);
        if (args.length && !(args[0] instanceof Uint8Array)) {
          this.fail("bytearray() expects bytes");
        }
        return args.length ? (args[0] as Uint8Array).slice() : new Uint8Array();
    }
  }

  /** Untyped storages seen as a dtype, once per (storage, dtype): views stay views of one storage. */
  retyped = new Map<StorageRef, Map<DType, StorageRef>>();

  /** An untyped (byte) storage seen as `dtype`: a view of the same bytes when aligned, else a copy. */
  retype(ref: StorageRef, dtype: DType): StorageRef {
    let byType = this.retyped.get(ref);
    if (!byType) this.retyped.set(ref, byType = new Map());
    const hit = byType.get(dtype);
    if (hit) return hit;
    const bytes = ref.storage.data as Uint8Array;
    const n = Math.floor(bytes.length / dtype.itemsize);
    const data = bytes.byteOffset % dtype.itemsize === 0
      ? new dtype.array(bytes.buffer, bytes.byteOffset, n)
      : new dtype.array(bytes.slice(0, n * dtype.itemsize).buffer, 0, n);
    const out = new StorageRef(new Storage(data), dtype, n);
    byType.set(dtype, out);
    return out;
  }

  ints(v: unknown, what: string): number[] {
    if (
      !Array.isArray(v) || !this.tuples.has(v) ||
      v.some((x) => typeof x !== "number" || !Number.isInteger(x) || x < 0)
    ) {
      this.fail(`${what} is not a tuple of non-negative integers`);
    }
    return v as number[];
  }

  tensor(
    ref: unknown,
    offset: unknown,
    size: unknown,
    stride: unknown,
    rg: boolean,
  ): Tensor {
    if (!(ref instanceof StorageRef)) this.fail("tensor without a storage");
    const r = ref;
    const shape = this.ints(size, "size"),
      strides = this.ints(stride, "stride");
    if (shape.length !== strides.length) {
      this.fail(
        `size has ${shape.length} dimensions, stride ${strides.length}`,
      );
    }
    if (typeof offset !== "number" || !Number.isInteger(offset) || offset < 0) {
      this.fail("storage offset is not a non-negative integer");
    }
    // Exact arithmetic: these numbers come from the file.
    let last = BigInt(offset), numel = 1n;
    for (let i = 0; i < shape.length; i++) {
      numel *= BigInt(shape[i]);
      last += BigInt(Math.max(shape[i] - 1, 0)) * BigInt(strides[i]);
    }
    if (numel > 0n ? last >= BigInt(r.numel) : offset > r.numel) {
      this.fail(
        `tensor of size (${shape.join(", ")}), stride (${
          strides.join(", ")
        }) and offset ${offset} reaches outside its storage of ${r.numel} elements`,
      );
    }
    const t = new Tensor(r.storage, [...shape], [...strides], offset, r.dtype);
    if (rg) {
      if (!r.dtype.is_floating_point) {
        this.fail(`requires_grad on a ${r.dtype} tensor`);
      }
      t.requires_grad = true;
    }
    return t;
  }
}

// JavaScript objects list integer-like keys first, so dicts with such keys stay Maps.
const INDEX = /^(0|[1-9]\d*)$/;

/** Turns the machine's Maps into records where order survives, freezes tuples, keeps sharing. */
function finish(root: unknown, m: Machine): unknown {
  const seen = new Set<object>();
  const order: object[] = [];
  const todo = [root];
  while (todo.length) {
    const v = todo.pop();
    if (
      typeof v !== "object" || v === null || seen.has(v) || v instanceof Tensor
    ) continue;
    seen.add(v);
    order.push(v);
    if (Array.isArray(v) || v instanceof Set) {
      for (const x of v) todo.push(x);
    } else if (v instanceof Map) {
      for (const [k, x] of v) todo.push(k, x);
      todo.push(m.metadata.get(v));
    }
  }
  const out = new Map<object, unknown>();
  for (const v of order) {
    if (
      v instanceof Map &&
      [...v.keys()].every((k) => typeof k === "string" && !INDEX.test(k))
    ) {
      out.set(v, Object.create(null));
    } else if (v instanceof StorageRef) {
      // A bare storage saved as a value: a 1-D tensor over all of it.
      out.set(v, new Tensor(v.storage, [v.numel], [1], 0, v.dtype));
    }
  }
  const conv = (
    x: unknown,
  ) => (typeof x === "object" && x !== null && out.has(x) ? out.get(x) : x);
  for (const v of order) {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = conv(v[i]);
    } else if (v instanceof Set) {
      const items = [...v].map(conv);
      v.clear();
      for (const x of items) v.add(x);
    } else if (v instanceof Map) {
      const target = (out.get(v) ?? v) as
        | Record<string, unknown>
        | Map<unknown, unknown>;
      const entries = [...v].map(([k, x]) => [conv(k), conv(x)]);
      if (target instanceof Map) target.clear();
      for (const [k, x] of entries) {
        if (target instanceof Map) target.set(k, x);
        else {Object.defineProperty(target, k as string, {
            value: x,
            enumerable: true,
            writable: true,
            configurable: true,
          });}
      }
      if (m.metadata.has(v)) {
        Object.defineProperty(target, "_metadata", {
          value: conv(m.metadata.get(v)),
          writable: true,
          configurable: true,
        });
      }
    }
  }
  for (const v of order) {
    if (Array.isArray(v) && m.tuples.has(v)) Object.freeze(v);
  }
  return conv(root);
}
