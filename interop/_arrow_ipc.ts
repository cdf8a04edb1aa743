// What is wrong with bytes that apache-arrow could not read as Arrow IPC: the framing (file magic,
// message prefixes and lengths, footer) and each message's header, walked by hand so that the
// error can name the problem (bad magic, truncated message, schema missing) instead of the reader's
// internals. Only called after a failed read; it never decides what is valid.

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const CONTINUATION = 0xffffffff;
const HEADER_TYPES = [
  "NONE",
  "Schema",
  "DictionaryBatch",
  "RecordBatch",
  "Tensor",
  "SparseTensor",
];

function hasMagic(b: Uint8Array, at: number): boolean {
  return at >= 0 && at + 6 <= b.length &&
    MAGIC.every((c, i) => b[at + i] === c);
}

/**
 * The root table of the flatbuffer in `[start, end)`, with a reader of its fields' offsets (0 for
 * an absent field) and a bounds check; or, as a string, why there is none.
 */
function rootTable(view: DataView, start: number, end: number):
  | {
    table: number;
    field: (k: number) => number;
    inside: (at: number, n: number) => boolean;
  }
  | string {
  const inside = (at: number, n: number) => at >= start && at + n <= end;
  if (!inside(start, 4)) return "it is shorter than a flatbuffer";
  const table = start + view.getUint32(start, true);
  if (!inside(table, 4)) return "its root offset points outside it";
  const vtable = table - view.getInt32(table, true);
  if (!inside(vtable, 4)) return "its vtable lies outside it";
  const vtSize = view.getUint16(vtable, true);
  const field = (k: number) =>
    4 + 2 * k + 2 <= vtSize && inside(vtable + 4 + 2 * k, 2)
      ? view.getUint16(vtable + 4 + 2 * k, true)
      : 0;
  return { table, field, inside };
}

/** One message's header type and body length, read from its flatbuffer (`Message` table). */
function readMessage(
  view: DataView,
  start: number,
  len: number,
): { type: number; body: number } | string {
  const root = rootTable(view, start, start + len);
  if (typeof root === "string") return `its metadata: ${root}`;
  const { table, field, inside } = root;
  const typeAt = field(1), bodyAt = field(3);
  if (typeAt && !inside(table + typeAt, 1)) {
    return "its header type lies outside its metadata";
  }
  if (bodyAt && !inside(table + bodyAt, 8)) {
    return "its body length lies outside its metadata";
  }
  const type = typeAt ? view.getUint8(table + typeAt) : 0;
  const body = bodyAt ? Number(view.getBigInt64(table + bodyAt, true)) : 0;
  return { type, body };
}

/** Walks the messages of a stream in `b[from, to)`; the first problem found, if any. */
function walkStream(
  b: Uint8Array,
  from: number,
  to: number,
): string | undefined {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = from;
  for (let i = 1;; i++) {
    const what = `message ${i} (at byte ${at})`;
    if (at === to) {
      return i === 1 && from === 0
        ? "schema missing: there are no messages"
        : undefined;
    }
    if (at + 4 > to) {
      return `truncated: ${what} is cut off in its length prefix`;
    }
    let len = view.getUint32(at, true), prefix = 4;
    if (len === CONTINUATION) {
      if (at + 8 > to) {
        return `truncated: ${what} is cut off in its length prefix`;
      }
      len = view.getInt32(at + 4, true);
      prefix = 8;
    } else if (i === 1 && from === 0) {
      return "bad magic: neither an Arrow IPC file (which starts with ARROW1) nor a stream " +
        "(whose messages start with 0xFFFFFFFF)";
    }
    if (len === 0) {
      return i === 1 && from === 0
        ? "schema missing: the stream ends before any message"
        : undefined;
    }
    if (len < 0) return `${what} claims a negative metadata length (${len})`;
    const meta = at + prefix;
    if (meta + len > to) {
      return `truncated: ${what} has ${len} bytes of metadata, only ${
        to - meta
      } remain`;
    }
    const m = readMessage(view, meta, len);
    if (typeof m === "string") return `${what} is corrupt: ${m}`;
    const name = HEADER_TYPES[m.type];
    if (!name || m.type === 0) {
      return `${what} has an unknown header type (${m.type}): corrupt metadata`;
    }
    // A file's schema is in its footer (apache-arrow writes none before the batches); a stream's
    // must come first.
    if (i === 1 && from === 0 && name !== "Schema") {
      return `schema missing: the first message is a ${name}, and a stream starts with its Schema`;
    }
    if (m.body < 0) return `${what} claims a negative body length`;
    if (meta + len + m.body > to) {
      return `truncated: ${what} (a ${name}) has a ${m.body}-byte body, only ${
        to - meta - len
      } bytes remain`;
    }
    at = meta + len + m.body;
  }
}

/**
 * Why `bytes` are not valid Arrow IPC, in words, or undefined where the framing and the message
 * headers look sound (the fault is deeper in the metadata).
 */
export function diagnoseIpc(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return "the input is empty";
  if (!hasMagic(bytes, 0)) return walkStream(bytes, 0, bytes.length);
  // The file format: ARROW1 and padding, a stream, the footer, its length and ARROW1 again.
  if (bytes.length < 8 + 10 || !hasMagic(bytes, bytes.length - 6)) {
    return `truncated: an Arrow IPC file ends with its footer and ARROW1, and these ${bytes.length} bytes do not`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLen = view.getInt32(bytes.length - 10, true);
  const footerStart = bytes.length - 10 - footerLen;
  if (footerLen <= 0 || footerStart < 8) {
    return `the file's footer length (${footerLen}) does not fit in its ${bytes.length} bytes`;
  }
  const inStream = walkStream(bytes, 8, footerStart);
  if (inStream) return inStream;
  // The footer is a flatbuffer `Footer` table: field 1 is the schema.
  const footer = rootTable(view, footerStart, footerStart + footerLen);
  if (typeof footer === "string") {
    return `the file's footer is corrupt: ${footer}`;
  }
  const schemaAt = footer.field(1);
  if (!schemaAt) return "schema missing: the file's footer holds none";
  return undefined;
}
