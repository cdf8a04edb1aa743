// Apache Arrow interop: vectors, tables and IPC bytes as tensors over the same memory, and back.

import { readFileSync } from "node:fs";
import * as arrow from "apache-arrow";
import * as torch from "../mod.ts";
import type { Tensor } from "../src/tensor.ts";
import { ValueError } from "../src/errors.ts";
import { diagnoseIpc } from "./_arrow_ipc.ts";

type Flat =
  | Float16Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** Options of {@link to_tensor} for a vector. */
export interface ToTensorOptions {
  /** Replaces nulls (in a copy); without it a vector with nulls is an error. */
  fill?: number | bigint | boolean;
}

/** Options of {@link to_tensor} and {@link to_tensors} for a Table or RecordBatch. */
export interface TableOptions extends ToTensorOptions {
  /** The columns to take, in this order (default: all, in schema order). */
  columns?: string[];
  /** The 2-D tensor's dtype (default `torch.get_default_dtype()`). */
  dtype?: torch.dtype | string;
  /** `"record"`: a record of per-column tensors instead of one 2-D tensor. */
  as?: "tensor" | "record";
}

const SUPPORTED =
  "supported are Float16, Float32, Float64, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Bool and FixedSizeList of those";

/** The tensor dtype holding an Arrow primitive type, or a clear error naming `what`. */
function dtypeOf(type: arrow.DataType, what: string): torch.dtype {
  if (arrow.DataType.isFloat(type)) {
    return [torch.float16, torch.float32, torch.float64][type.precision];
  }
  if (arrow.DataType.isInt(type)) {
    if (type.isSigned) {
      const byWidth: Record<number, torch.dtype> = {
        8: torch.int8,
        16: torch.int16,
        32: torch.int32,
        64: torch.int64,
      };
      return byWidth[type.bitWidth];
    }
    const byWidth: Record<number, torch.dtype> = {
      8: torch.uint8,
      16: torch.uint16,
      32: torch.uint32,
      64: torch.uint64,
    };
    return byWidth[type.bitWidth];
  }
  if (arrow.DataType.isBool(type)) return torch.bool;
  const nested = arrow.DataType.isFixedSizeList(type) ? " (nested)" : "";
  throw new TypeError(
    `${what} has Arrow type ${type}${nested}, which can't be converted to a tensor; ${SUPPORTED}`,
  );
}

/** Is bit `i` of an Arrow bitmap set (least significant bit first)? */
const bit = (bits: Uint8Array, i: number) => (bits[i >> 3] >> (i & 7)) & 1;

function castFill(fill: number | bigint | boolean, dtype: torch.dtype) {
  if (dtype === torch.bool) return fill ? 1 : 0;
  if (dtype.is_floating_point) return Number(fill);
  const n = typeof fill === "bigint" ? fill : Number(fill);
  if (typeof n === "number" && !Number.isInteger(n)) {
    throw new TypeError(
      `fill value ${fill} is not an integer, for a ${dtype} tensor`,
    );
  }
  return dtype === torch.int64 ? BigInt(n) : Number(n);
}

/** The number of nulls, after checking that the validity bitmap covers every element. */
function nulls(data: arrow.Data, what: string): number {
  const bits = data.nullBitmap;
  if (bits && bits.length > 0 && bits.length * 8 < data.offset + data.length) {
    throw new ValueError(
      `${what}: the validity bitmap is too short for ${data.length} values (corrupt data?)`,
    );
  }
  return data.nullCount;
}

/**
 * The first `count` values of one chunk as a flat TypedArray: a view of the Arrow buffer where one
 * exists, a copy for Bool (bit-packed) and for nulls replaced by `fill`.
 */
function flat(
  data: arrow.Data,
  count: number,
  what: string,
  fill: ToTensorOptions["fill"],
): { array: Flat; dtype: torch.dtype } {
  const dtype = dtypeOf(data.type, what);
  if (!Number.isSafeInteger(count) || count < 0 || data.offset < 0) {
    throw new ValueError(
      `${what}: a length of ${count} at offset ${data.offset} (corrupt data?)`,
    );
  }
  const values = data.values as Flat | undefined;
  let array: Flat;
  if (dtype === torch.bool) {
    if (!values || values.length * 8 < data.offset + count) {
      throw new ValueError(
        `${what}: the Bool buffer is too short for ${count} values (corrupt data?)`,
      );
    }
    array = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      array[i] = bit(values as Uint8Array, data.offset + i);
    }
  } else {
    // Arrow JS slices value buffers so that they start at the Data's first element.
    if (!values || values.length < count) {
      throw new ValueError(
        `${what}: the Arrow buffer holds ${
          values?.length ?? 0
        } values, ${count} expected (corrupt data?)`,
      );
    }
    array = new dtype.array(values.buffer, values.byteOffset, count) as Flat;
  }
  if (nulls(data, what) > 0) {
    if (fill === undefined) {
      throw new TypeError(
        `${what} has ${data.nullCount} null(s); pass { fill: value } to replace them`,
      );
    }
    if (dtype !== torch.bool) array = array.slice();
    const f = castFill(fill, dtype);
    const bits = data.nullBitmap;
    for (let i = 0; i < count; i++) {
      if (!bit(bits, data.offset + i)) (array as Flat)[i] = f as never;
    }
  }
  return { array, dtype };
}

/** One chunk's values, flat (row-major for a FixedSizeList). */
function chunk(
  data: arrow.Data,
  what: string,
  fill: ToTensorOptions["fill"],
): { array: Flat; dtype: torch.dtype } {
  if (!arrow.DataType.isFixedSizeList(data.type)) {
    return flat(data, data.length, what, fill);
  }
  const width = data.type.listSize;
  const child = data.children[0];
  if (!child) throw new ValueError(`${what}: FixedSizeList without values`);
  let { array, dtype } = flat(child, data.length * width, what, fill);
  // Width 0 has nothing to fill (and no values bounding a corrupt length).
  if (nulls(data, what) > 0 && width > 0) {
    if (fill === undefined) {
      throw new TypeError(
        `${what} has ${data.nullCount} null row(s); pass { fill: value } to replace them`,
      );
    }
    if (array.buffer === (child.values as Flat).buffer) array = array.slice();
    const f = castFill(fill, dtype) as never;
    for (let r = 0; r < data.length; r++) {
      if (!bit(data.nullBitmap, data.offset + r)) {
        array.fill(f, r * width, (r + 1) * width);
      }
    }
  }
  return { array, dtype };
}

function vectorToTensor(
  chunks: readonly arrow.Data[],
  type: arrow.DataType,
  what: string,
  fill: ToTensorOptions["fill"],
): Tensor {
  const fsl = arrow.DataType.isFixedSizeList(type);
  const parts = chunks.map((c) => chunk(c, what, fill));
  let array: Flat, dtype: torch.dtype;
  if (parts.length === 1) {
    ({ array, dtype } = parts[0]);
  } else {
    // Several chunks cannot be one view: concatenate them into a new buffer.
    dtype = parts[0]?.dtype ??
      dtypeOf(fsl ? type.valueType : type, what);
    array = new dtype.array(
      parts.reduce((n, p) => n + p.array.length, 0),
    ) as Flat;
    let at = 0;
    for (const p of parts) {
      array.set(p.array as never, at);
      at += p.array.length;
    }
  }
  const shape = fsl
    ? [chunks.reduce((n, c) => n + c.length, 0), type.listSize]
    : [array.length];
  return torch.from_numpy({ data: array, shape, dtype: dtype.name });
}

function columnNames(
  x: arrow.Table | arrow.RecordBatch,
  columns?: string[],
): string[] {
  const names = x.schema.fields.map((f) => f.name);
  for (const c of columns ?? []) {
    if (!names.includes(c)) {
      throw new ValueError(
        `no column "${c}" in the table; its columns are ${
          names.map((n) => `"${n}"`).join(", ")
        }`,
      );
    }
  }
  return columns ?? names;
}

/**
 * A Table's or RecordBatch's columns as a record of tensors: 1-D for primitive columns, `[rows, n]`
 * for FixedSizeList columns. Views of the Arrow buffers where a column has one chunk and no nulls;
 * copies for several chunks (a Table read from several record batches), Bool columns and filled nulls.
 * @example
 * const t = arrow.table({ x: torch.arange(3), y: torch.rand(3) });
 * const { x, y } = arrow.to_tensors(t, { columns: ["x", "y"] });
 */
export function to_tensors(
  x: arrow.Table | arrow.RecordBatch,
  options: Omit<TableOptions, "as" | "dtype"> = {},
): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const name of columnNames(x, options.columns)) {
    const col = x.getChild(name)!;
    out[name] = vectorToTensor(
      col.data,
      col.type,
      `column "${name}"`,
      options.fill,
    );
  }
  return out;
}

/**
 * An Arrow Vector (or Data, Table, RecordBatch) as a tensor.
 *
 * - A numeric vector with one chunk and no nulls: a view of its buffer, no copy; writes through
 *   either side are seen by the other, as `torch.from_numpy`. Int64 becomes an int64 tensor over a
 *   BigInt64Array, Float16 a float16 tensor over the same bytes.
 * - Several chunks: concatenated, a copy. Bool (bit-packed in Arrow): a copied bool tensor.
 * - Nulls: an error, unless `{ fill }` is given (then a copy with the nulls replaced).
 * - `FixedSizeList<T>` of width n: a `[length, n]` tensor, a view like the above.
 * - A Table or RecordBatch: one 2-D `[rows, columns]` tensor, always a copy, of `{ dtype }`
 *   (default the default dtype), FixedSizeList columns spread over n columns; `{ columns }` picks
 *   and orders them. With `{ as: "record" }`, {@link to_tensors}' record of per-column views.
 * - Strings, dictionaries, decimals, dates, lists, structs: a TypeError naming the column and
 *   its type.
 * @example
 * import * as apacheArrow from "apache-arrow";
 * const v = apacheArrow.makeVector(new Float32Array([1, 2, 3]));
 * const t = arrow.to_tensor(v); // shares v's memory
 * t.mul_(2); // v.get(0) is 2
 */
export function to_tensor(
  x: arrow.Table | arrow.RecordBatch,
  options: TableOptions & { as: "record" },
): Record<string, Tensor>;
/** An Arrow Vector, Data, Table or RecordBatch as one tensor. */
export function to_tensor(
  x: arrow.Vector | arrow.Data | arrow.Table | arrow.RecordBatch,
  options?: TableOptions,
): Tensor;
export function to_tensor(
  x: arrow.Vector | arrow.Data | arrow.Table | arrow.RecordBatch,
  options: TableOptions = {},
): Tensor | Record<string, Tensor> {
  if (arrow.isArrowVector(x)) {
    return vectorToTensor(x.data, x.type, "the vector", options.fill);
  }
  if (arrow.isArrowData(x)) {
    return vectorToTensor([x], x.type, "the data", options.fill);
  }
  if (!arrow.isArrowTable(x) && !arrow.isArrowRecordBatch(x)) {
    throw new TypeError(
      `to_tensor expects an Arrow Vector, Data, Table or RecordBatch, got ${
        (x as object)?.constructor?.name ?? typeof x
      }`,
    );
  }
  const record = to_tensors(x, options);
  if (options.as === "record") return record;
  const dtype = options.dtype ?? torch.get_default_dtype();
  const cols = Object.values(record).map((t) =>
    (t.dim() === 1 ? t.unsqueeze(1) : t).to(dtype)
  );
  if (cols.length === 0) throw new ValueError("the table has no columns");
  return torch.cat(cols, 1);
}

const ARROW_TYPE: Record<string, () => arrow.DataType> = {
  float16: () => new arrow.Float16(),
  float32: () => new arrow.Float32(),
  float64: () => new arrow.Float64(),
  int64: () => new arrow.Int64(),
  int32: () => new arrow.Int32(),
  int16: () => new arrow.Int16(),
  int8: () => new arrow.Int8(),
  uint8: () => new arrow.Uint8(),
  uint16: () => new arrow.Uint16(),
  uint32: () => new arrow.Uint32(),
  uint64: () => new arrow.Uint64(),
  bool: () => new arrow.Bool(),
};

function valuesData(t: Tensor): arrow.Data {
  // numpy() checks device and requires_grad with PyTorch's messages; a contiguous tensor's data is
  // exactly its elements.
  const make = ARROW_TYPE[t.dtype.name];
  if (!make) {
    // Arrow's type list has no bfloat16 (a BF16 column would need an extension type).
    throw new TypeError(
      `Arrow has no ${t.dtype.name} type: convert first, e.g. t.to(torch.float32)`,
    );
  }
  const data = t.numpy().data;
  const n = t.numel();
  const type = make();
  let values: ArrayBufferView = data;
  if (t.dtype === torch.bool) {
    const bits = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) if (data[i]) bits[i >> 3] |= 1 << (i & 7);
    values = bits;
  } else if (t.dtype === torch.float16) {
    // Arrow JS keeps Float16 values as their raw bits.
    values = new Uint16Array(data.buffer, data.byteOffset, n);
  }
  return arrow.makeData(
    { type, length: n, nullCount: 0, data: values } as never,
  );
}

/**
 * A tensor as an Arrow Vector over the same memory: a 1-D tensor as a Vector of the matching type
 * (Float16/32/64, Int8/16/32/64, Uint8/16/32/64), a 2-D `[rows, n]` tensor as a `FixedSizeList[n]` vector.
 * Contiguous tensors are not copied, and writes through either side are seen by the other; a
 * non-contiguous tensor is copied first, and a bool tensor is copied into Arrow's packed bits.
 * @example
 * const t = torch.arange(6, { dtype: torch.float32 }).view(3, 2);
 * const v = arrow.from_tensor(t); // FixedSizeList[2]<Float32>, 3 rows
 */
export function from_tensor(t: Tensor): arrow.Vector {
  if (t.dim() !== 1 && t.dim() !== 2) {
    throw new ValueError(
      `from_tensor expects a 1-D or 2-D tensor, but got a ${t.dim()}-D tensor of shape [${
        t.shape.join(", ")
      }]`,
    );
  }
  // A tensor off the CPU is copied to it (numpy() below views CPU memory only); cpu() keeps
  // requires_grad, so numpy() still refuses such a tensor with PyTorch's message.
  const h = t.storage.device === "cpu" ? t : t.cpu();
  const c = h.is_contiguous() ? h : h.contiguous();
  const values = valuesData(c);
  if (t.dim() === 1) return arrow.makeVector(values);
  const [rows, width] = t.shape;
  const type = new arrow.FixedSizeList(
    width,
    new arrow.Field("item", values.type, true),
  );
  return arrow.makeVector(
    arrow.makeData({ type, length: rows, nullCount: 0, child: values }),
  );
}

/**
 * A record of tensors as an Arrow Table: 1-D tensors as columns, 2-D tensors as FixedSizeList
 * columns, all over the tensors' memory as {@link from_tensor}. Every tensor needs the same length.
 * @example
 * const t = arrow.table({ label: torch.tensor([0, 1]), emb: torch.rand(2, 4) });
 * apacheArrow.tableToIPC(t, "file"); // bytes for pyarrow.ipc.open_file
 */
export function table(columns: Record<string, Tensor>): arrow.Table {
  const entries = Object.entries(columns);
  const rows = entries[0]?.[1].shape[0];
  for (const [name, t] of entries) {
    if (t.dim() >= 1 && t.shape[0] !== rows) {
      throw new ValueError(
        `column "${name}" has ${t.shape[0]} rows, but column "${
          entries[0][0]
        }" has ${rows}`,
      );
    }
  }
  const vectors: Record<string, arrow.Vector> = {};
  for (const [name, t] of entries) {
    try {
      vectors[name] = from_tensor(t);
    } catch (e) {
      if (e instanceof Error) e.message = `column "${name}": ${e.message}`;
      throw e;
    }
  }
  return new arrow.Table(vectors);
}

/**
 * Reads an Arrow IPC file or stream (format detected from the bytes) into a Table whose columns
 * view the bytes: {@link to_tensor} on a column gives a tensor over the same ArrayBuffer. Bytes
 * not aligned to 8 are copied once first (Arrow needs aligned buffers). Invalid bytes give an Error.
 * @example
 * const t = arrow.read("data.arrow");
 * const x = arrow.to_tensor(t.getChild("x")!); // a view into the file's bytes
 */
export function read(
  source: string | URL | Uint8Array | ArrayBuffer,
): arrow.Table {
  let bytes = typeof source === "string" || source instanceof URL
    ? readFileSync(source)
    : source instanceof ArrayBuffer
    ? new Uint8Array(source)
    : source;
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes);
  const ipc = bytes;
  try {
    // The smallest stream is a schema message: an 8-byte prefix and a non-empty flatbuffer.
    if (ipc.length < 12) throw new ValueError(`only ${ipc.length} bytes`);
    const table = bounded(ipc.length, () => arrow.tableFromIPC(ipc));
    // Each column is assembled once here, so that a corrupt one fails now, with this message,
    // not later in the user's table.getChild().
    for (let i = 0; i < table.numCols; i++) table.getChildAt(i);
    return table;
  } catch (e) {
    // Our own reading of the framing names the problem; apache-arrow's words stay as the cause.
    const said = e instanceof Error ? e.message : String(e);
    // apache-arrow's own checks say something about the data; its crashes on a null say nothing.
    const why = diagnoseIpc(ipc) ??
      (RUNTIME_WORDS.test(said)
        ? "corrupt metadata that apache-arrow could not decode (a field, type or buffer entry; its error is the cause)"
        : `corrupt metadata (apache-arrow: ${said})`);
    throw new ValueError(`not a valid Arrow IPC file or stream: ${why}`, {
      cause: e,
    });
  }
}

/** What a runtime error says (a read of null, an array too long): not words for the user. */
const RUNTIME_WORDS =
  /Cannot read prop|Cannot destructure|Maximum call stack|undefined is not|null is not|is not a function|is not iterable|Invalid typed array|out of bounds|is not safe to convert|should be a multiple/i;

/** The part of flatbuffers' ByteBuffer that apache-arrow's metadata readers go through. */
interface ByteBufferProto {
  __vector_len(this: ByteBufferProto, at: number): number;
  __vector(this: ByteBufferProto, at: number): number;
  __offset(this: ByteBufferProto, table: number, field: number): number;
  capacity(this: ByteBufferProto): number;
}
let byteBuffer: ByteBufferProto | null | undefined;

/**
 * apache-arrow's flatbuffers ByteBuffer prototype. It is not exported, and importing its
 * `flatbuffers` dependency by name fails where Deno checks package.json, so it is found behind a
 * file reader's footer; null (and reads unbounded) if a future apache-arrow moves it.
 */
function byteBufferProto(): ByteBufferProto | null {
  if (byteBuffer !== undefined) return byteBuffer;
  let found: ByteBufferProto | null = null;
  try {
    const empty = new arrow.Table({ x: arrow.makeVector(new Int8Array(0)) });
    const reader = arrow.RecordBatchFileReader.from(
      arrow.tableToIPC(empty, "file"),
    ).open() as unknown as {
      _impl?: { _footer?: { _footer?: { bb?: object } } };
    };
    const bb = reader._impl?._footer?._footer?.bb;
    const proto = bb && Object.getPrototypeOf(bb);
    const methods = ["__vector_len", "__vector", "__offset", "capacity"];
    if (proto && methods.every((m) => typeof proto[m] === "function")) {
      found = proto;
    }
  } catch {
    // Leave the reads unbounded rather than refuse to read.
  }
  return (byteBuffer = found);
}

/**
 * Runs `f` with apache-arrow's flatbuffer reads bounded. It trusts the metadata: a corrupt vector
 * length makes it loop billions of times (and run out of memory), and offsets, being signed in its
 * reader, can form cycles. So while `f` runs, a vector must fit in its buffer, and the number of
 * field look-ups is capped in proportion to the input size.
 */
function bounded<T>(size: number, f: () => T): T {
  const proto = byteBufferProto();
  if (!proto) return f();
  const { __vector_len, __offset } = proto;
  let budget = 64 * size + 65536;
  proto.__vector_len = function (at) {
    const n = __vector_len.call(this, at);
    if (n < 0 || this.__vector(at) + n > this.capacity()) {
      throw new ValueError(
        `a metadata vector of ${n} elements overruns its ${this.capacity()} bytes`,
      );
    }
    return n;
  };
  proto.__offset = function (table, field) {
    if (--budget < 0) {
      throw new ValueError("the metadata does not end (cyclic offsets?)");
    }
    return __offset.call(this, table, field);
  };
  try {
    return f();
  } finally {
    proto.__vector_len = __vector_len;
    proto.__offset = __offset;
  }
}
