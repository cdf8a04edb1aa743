// .npy files: load as views into the file's bytes, encode and save byte-identical to np.save.
//
// Why not npyjs (which we still use, in tests, as a second reader of simple files): its `parse`
// reads v1/v2/v3 headers with regular expressions and returns `new Float64Array(buffer, offset)`
// over the rest of the buffer, so it does load little-endian, aligned, C-order files of the common
// dtypes without a copy (bools and float16 come back converted, i.e. copied). It falls short here:
// it takes a whole ArrayBuffer (a Uint8Array that is a window of a bigger buffer is sliced, i.e.
// copied, by its `load`), never checks the shape against the data (a lying header gives a wrong
// length or a RangeError), rejects big-endian descrs, throws RangeError on a misaligned offset,
// reports `fortranOrder` without giving strides, accepts u2/u4/u8 and complex, and its `dump`
// writes an 8-byte-aligned header that is not what np.save writes. So the reader, the checks and
// the writer below are ours; the header grammar is a small Python-literal parser like NumPy's
// `safe_eval`, with a depth limit so garbage cannot exhaust the stack.

import { fileURLToPath } from "node:url";
import { type DTypeName, DTYPES, type StorageArray } from "../src/dtype.ts";
import { contiguous as contiguousCopy } from "../src/ops/core.ts";
import { NDArray, numpy } from "../src/ops/ndarray.ts";
import { ValueError } from "../src/errors.ts";
import { Tensor } from "../src/tensor.ts";
import { readFileBytes, writeFileAtomic } from "./_files.ts";
import { from_numpy, type NDArrayLike } from "./numpy.ts";

/** What `npy.load` reads: a path (string or file URL) or the file's bytes. */
export type Source = string | URL | Uint8Array | ArrayBuffer;

/** A loaded `.npy` array: `data` is a view into the file's bytes unless `copied`. */
export interface NpyArray extends NDArray {
  /** The tensor dtype's name: "float32", "int64", "bool", ... */
  dtype: DTypeName;
  /** The header's `fortran_order`: the data is column-major, `strides` say so. */
  fortranOrder: boolean;
  /** The header's descr, e.g. `"<f8"`. */
  descr: string;
  /** The format version's major number: 1, 2 or 3. */
  version: number;
  /** True when the bytes could not be viewed (big-endian, or misaligned for the element size). */
  copied: boolean;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const DESCR: Record<string, DTypeName> = {
  f2: "float16",
  f4: "float32",
  f8: "float64",
  i1: "int8",
  i2: "int16",
  i4: "int32",
  i8: "int64",
  u1: "uint8",
  u2: "uint16",
  u4: "uint32",
  u8: "uint64",
  b1: "bool",
  c8: "complex64",
  c16: "complex128",
};
const NUMPY_NAMES: Record<string, string> = {
  f16: "longdouble",
  f12: "longdouble",
  O: "object",
};
const SUPPORTED =
  "The only supported types are: float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint64, uint32, uint16, uint8, and bool.";

function sourceBytes(src: Source): [Uint8Array, string] {
  if (typeof src === "string" || src instanceof URL) {
    return [readFileBytes(src), String(src)];
  }
  if (src instanceof Uint8Array) return [src, "<bytes>"];
  if (src instanceof ArrayBuffer) return [new Uint8Array(src), "<bytes>"];
  throw new TypeError(
    "npy.load expects a path, a file URL, a Uint8Array or an ArrayBuffer",
  );
}

// ---- the header: a Python dict literal ----

type Lit = string | number | boolean | null | Lit[] | Tuple | Map<string, Lit>;
class Tuple {
  items: Lit[];
  constructor(items: Lit[]) {
    this.items = items;
  }
}

// An int (Python 2 wrote `5L`) or a keyword, matched where the parser stands.
const ATOM = /(-?\d+)L?|(True|False|None)\b/y;

/** Parses the Python literals np.save writes (dict, tuple, list, str, int, True/False/None). */
function parseLiteral(s: string): Lit {
  let i = 0;
  const bad = (what: string): never => {
    throw new Error(`${what} at character ${i} of the header`);
  };
  const ws = () => {
    while (i < s.length && " \t\r\n".includes(s[i])) i++;
  };
  const seq = (close: string, depth: number): Lit[] => {
    const items: Lit[] = [];
    for (ws(); s[i] !== close; ws()) {
      items.push(value(depth + 1));
      ws();
      if (s[i] === ",") i++;
      else if (s[i] !== close) bad(`expected ',' or '${close}'`);
    }
    i++;
    return items;
  };
  const value = (depth: number): Lit => {
    if (depth > 16) bad("nesting too deep");
    ws();
    const c = s[i];
    if (c === "{") {
      i++;
      const m = new Map<string, Lit>();
      for (ws(); s[i] !== "}"; ws()) {
        const k = value(depth + 1);
        if (typeof k !== "string") bad("a dict key that is not a string");
        ws();
        if (s[i++] !== ":") bad("expected ':'");
        m.set(k as string, value(depth + 1));
        ws();
        if (s[i] === ",") i++;
        else if (s[i] !== "}") bad("expected ',' or '}'");
      }
      i++;
      return m;
    }
    if (c === "(") {
      i++;
      return new Tuple(seq(")", depth));
    }
    if (c === "[") {
      i++;
      return seq("]", depth);
    }
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) bad("unterminated string");
      const str = s.slice(i + 1, end);
      if (str.includes("\\")) bad("escapes in a string");
      i = end + 1;
      return str;
    }
    const m = ATOM.exec((ATOM.lastIndex = i, s));
    if (!m) return bad(i >= s.length ? "unexpected end" : "unexpected text");
    i += m[0].length;
    if (m[2]) return m[2] === "None" ? null : m[2] === "True";
    return m[1].length > 17 ? Infinity * Math.sign(Number(m[1])) : Number(m[1]);
  };
  const v = value(0);
  ws();
  if (i < s.length) bad("unexpected text after the dict");
  return v;
}

function describe(v: Lit): string {
  if (v instanceof Tuple) return `(${v.items.map(describe).join(", ")})`;
  if (Array.isArray(v)) return `[${v.map(describe).join(", ")}]`;
  if (v instanceof Map) return "{...}";
  return typeof v === "string" ? `'${v}'` : String(v);
}

interface Header {
  dtype: DTypeName;
  descr: string;
  swap: boolean;
  fortran: boolean;
  shape: number[];
}

function checkDescr(d: Lit): Pick<Header, "dtype" | "descr" | "swap"> {
  if (Array.isArray(d)) {
    throw new TypeError(
      `structured arrays (descr ${
        describe(d)
      }) have no tensor equivalent. ${SUPPORTED}`,
    );
  }
  if (typeof d !== "string") {
    throw new ValueError(`descr is not a dtype string: ${describe(d)}`);
  }
  const order = "<>|=".includes(d[0]) ? d[0] : "=";
  const code = order === d[0] ? d.slice(1) : d;
  const dtype = DESCR[code];
  if (!dtype) {
    const numpy = NUMPY_NAMES[code] ??
      ({
        U: "str_",
        S: "bytes_",
        M: "datetime64",
        m: "timedelta64",
        V: "void",
      }[code[0]]);
    if (code === "O") {
      throw new TypeError(
        `can't convert np.ndarray of type numpy.object_ (descr '${d}'): object arrays are pickled, which flambeau does not read. ${SUPPORTED}`,
      );
    }
    // Not a dtype NumPy knows: NumPy's own error; a NumPy dtype flambeau lacks: PyTorch's.
    if (!numpy) {
      throw new ValueError(
        `descr is not a valid dtype descriptor: '${d}'`,
      );
    }
    throw new TypeError(
      `can't convert np.ndarray of type numpy.${numpy} (descr '${d}'). ${SUPPORTED}`,
    );
  }
  return { dtype, descr: d, swap: order === ">" && code[1] !== "1" };
}

function parseHeader(text: string): Header {
  let d: Lit;
  try {
    d = parseLiteral(text);
  } catch (e) {
    throw new ValueError(
      `cannot parse header ${JSON.stringify(text.slice(0, 80))}: ${
        (e as Error).message
      }`,
    );
  }
  if (!(d instanceof Map)) {
    throw new ValueError(
      `header is not a dict: ${JSON.stringify(text.slice(0, 80))}`,
    );
  }
  const keys = [...d.keys()].sort();
  if (keys.join() !== "descr,fortran_order,shape") {
    throw new ValueError(
      `Header does not contain the correct keys: [${
        keys.map((k) => `'${k}'`).join(", ")
      }]`,
    );
  }
  const shape = d.get("shape")!, fortran = d.get("fortran_order")!;
  if (
    !(shape instanceof Tuple) ||
    !shape.items.every((n) =>
      typeof n === "number" && Number.isSafeInteger(n) && n >= 0
    )
  ) {
    throw new ValueError(`shape is not valid: ${describe(shape)}`);
  }
  if (typeof fortran !== "boolean") {
    throw new ValueError(
      `fortran_order is not a valid bool: ${describe(fortran)}`,
    );
  }
  return {
    ...checkDescr(d.get("descr")!),
    fortran,
    shape: shape.items as number[],
  };
}

function stridesOf(shape: number[], fortran: boolean): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let k = 0; k < shape.length; k++) {
    const i = fortran ? k : shape.length - 1 - k;
    out[i] = s;
    s *= Math.max(shape[i], 1);
  }
  return out;
}

/**
 * Parses `.npy` bytes (versions 1, 2 and 3). The data is a view into `bytes`' buffer: no copy, so
 * writes through the array change the bytes. Copied instead, and marked `copied`: big-endian data
 * (byte-swapped into a new buffer) and data whose offset is not a multiple of the element size.
 * Fortran-order data is a strided view. Throws an Error naming `name` for any malformed input.
 * @example
 * const a = npy.parse(bytes); // { data: Float64Array, shape: [2, 3], strides: [3, 1], ... }
 */
export function parse(bytes: Uint8Array, name = "<bytes>"): NpyArray {
  const fail = (msg: string): never => {
    throw new ValueError(`${name}: ${msg}`);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(
      bytes.length < 10 &&
        MAGIC.every((b, i) => i >= bytes.length || bytes[i] === b)
        ? `truncated: ${bytes.length} bytes, shorter than an .npy preamble`
        : "not an .npy file (the magic string \\x93NUMPY is missing)",
    );
  }
  const version = bytes[6];
  if (version < 1 || version > 3 || bytes[7] !== 0) {
    fail(
      `we only support format version (1,0), (2,0), and (3,0), not (${version},${
        bytes[7]
      })`,
    );
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = version === 1 ? 10 : 12;
  if (bytes.length < start) {
    fail(`truncated: ${bytes.length} bytes, in the preamble`);
  }
  const hlen = version === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (start + hlen > bytes.length) {
    fail(
      `truncated: the header says it is ${hlen} bytes, the file has ${
        bytes.length - start
      } after the preamble`,
    );
  }
  const raw = bytes.subarray(start, start + hlen);
  let header: Header;
  try {
    const text = new TextDecoder(version === 3 ? "utf-8" : "latin1", {
      fatal: true,
    })
      .decode(raw);
    header = parseHeader(text);
  } catch (e) {
    const msg = `${name}: ${(e as Error).message}`;
    throw e instanceof TypeError ? new TypeError(msg) : new ValueError(msg);
  }
  const { shape, dtype: dtypeName, swap, fortran } = header;
  const dtype = DTYPES[dtypeName];
  const itemsize = dtype.itemsize;
  const dataStart = start + hlen;
  const avail = bytes.length - dataStart;
  // The product is checked as it grows (a forged shape cannot overflow it), and for a 0-d array,
  // whose one element needs its bytes too.
  let n = shape.includes(0) ? 0 : 1;
  for (let i = 0; i <= shape.length && n > 0; i++) {
    if (i < shape.length) n *= shape[i];
    if (n * itemsize > avail) {
      fail(
        `truncated: shape (${shape.join(", ")}) of '${header.descr}' needs ${
          shape.reduce((a, b) => a * b, itemsize)
        } bytes of data, the file has ${avail}`,
      );
    }
  }
  const nbytes = n * itemsize;
  const at = bytes.byteOffset + dataStart;
  // A complex element is two parts: the array holds (and swaps, and aligns) parts.
  const part = dtype.array.BYTES_PER_ELEMENT, count = nbytes / part;
  let data: StorageArray, copied = false;
  if (swap) {
    const c = bytes.slice(dataStart, dataStart + nbytes);
    for (let i = 0; i < nbytes; i += part) {
      c.subarray(i, i + part).reverse();
    }
    data = new dtype.array(c.buffer, 0, count);
    copied = true;
  } else if (at % part !== 0) {
    data = new dtype.array(
      bytes.slice(dataStart, dataStart + nbytes).buffer,
      0,
      count,
    );
    copied = true;
  } else {
    data = new dtype.array(bytes.buffer, at, count);
  }
  // An NDArray, so that it prints as NumPy prints it, with the header's fields beside.
  const array = new NDArray(
    data,
    shape,
    stridesOf(shape, fortran),
    0,
    dtypeName,
  );
  return Object.assign(array, {
    dtype: dtypeName,
    fortranOrder: fortran,
    descr: header.descr,
    version,
    copied,
  });
}

/**
 * `np.load` for one `.npy`: from a path (read once into memory) or from bytes. The data is a view
 * into the file's bytes, so a 1 GiB file costs about 1 GiB. Big-endian data is byte-swapped into a
 * copy, and so is data at an offset that is not a multiple of its element size; Fortran order is a
 * strided view. Errors name the file and the problem.
 * @example
 * const a = npy.load("weights.npy"); // { data: Float32Array, shape: [10, 784], strides, ... }
 * const t = torch.from_numpy(a);
 */
export function load(src: Source): NpyArray {
  const [bytes, name] = sourceBytes(src);
  return parse(bytes, name);
}

/**
 * `torch.from_numpy(np.load(path))` in one call: a tensor over the file's bytes (see `npy.load`).
 * @example
 * const t = torch.load_npy("tests/fixtures/npy/ones5.npy"); // DoubleTensor of size 5
 */
export function load_npy(src: string | URL | Uint8Array | ArrayBuffer): Tensor {
  return from_numpy(load(src));
}

// ---- writing ----

// NumPy has no bfloat16: `numpy()` refuses it before this table is read, as PyTorch's does.
const DESCR_OF: Record<Exclude<DTypeName, "bfloat16">, string> = {
  float16: "<f2",
  float32: "<f4",
  float64: "<f8",
  int8: "|i1",
  int16: "<i2",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  uint16: "<u2",
  uint32: "<u4",
  uint64: "<u8",
  bool: "|b1",
  complex64: "<c8",
  complex128: "<c16",
};

function contiguous(
  shape: number[],
  strides: number[],
  fortran: boolean,
): boolean {
  if (shape.includes(0)) return true;
  let expected = 1;
  for (let k = 0; k < shape.length; k++) {
    const i = fortran ? k : shape.length - 1 - k;
    if (shape[i] !== 1 && strides[i] !== expected) return false;
    expected *= shape[i];
  }
  return true;
}

/** np.save's header: sorted keys, repr()s, ", " after each, room to grow, padded to 64. */
function headerBytes(
  descr: string,
  fortran: boolean,
  shape: number[],
): Uint8Array {
  const repr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let h = `{'descr': '${descr}', 'fortran_order': ${
    fortran ? "True" : "False"
  }, 'shape': ${repr}, }`;
  if (shape.length > 0) {
    h += " ".repeat(21 - String(shape[fortran ? shape.length - 1 : 0]).length);
  }
  const hlen = h.length + 1;
  let version = 1, pad = 64 - ((10 + hlen) % 64);
  if (hlen + pad > 0xffff) {
    version = 2;
    pad = 64 - ((12 + hlen) % 64);
  }
  const start = version === 1 ? 10 : 12;
  const out = new Uint8Array(start + hlen + pad);
  out.set(MAGIC);
  out[6] = version;
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, hlen + pad, true);
  else dv.setUint32(8, hlen + pad, true);
  for (let i = 0; i < h.length; i++) out[start + i] = h.charCodeAt(i);
  out.fill(0x20, start + h.length, out.length - 1);
  out[out.length - 1] = 0x0a;
  return out;
}

/** The header and a byte view of the data (copied only when neither C- nor F-contiguous). */
function encodeParts(
  x: Tensor | NDArrayLike | ArrayBufferView,
): [Uint8Array, Uint8Array] {
  // A tensor off the CPU is copied to it first (numpy() views CPU memory only).
  const t = x instanceof Tensor ? x.detach().cpu() : from_numpy(x);
  let nd = numpy(t);
  const c = contiguous(nd.shape, nd.strides, false);
  const f = !c && contiguous(nd.shape, nd.strides, true);
  if (!c && !f) {
    nd = numpy(contiguousCopy(t));
  }
  const data = nd.data;
  return [
    headerBytes(DESCR_OF[nd.dtype as keyof typeof DESCR_OF], f, nd.shape),
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  ];
}

/**
 * The bytes `np.save` writes for this tensor or ndarray-like (format 1.0 unless the header needs
 * 2.0; Fortran order for an F-contiguous view, as NumPy does). One copy of the data.
 * @example
 * const bytes = npy.encode(torch.ones(5, { dtype: torch.float64 }));
 */
export function encode(x: Tensor | NDArrayLike | ArrayBufferView): Uint8Array {
  const [head, body] = encodeParts(x);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * `np.save(path, array)`: writes exactly the bytes np.save writes (see `encode`). As np.save does,
 * appends `.npy` to a path that lacks it; returns the path written. The data is written from the
 * tensor's memory without a copy when it is C- or F-contiguous.
 * @example
 * npy.save("/tmp/x.npy", torch.arange(6).reshape(2, 3));
 */
export function save(
  path: string | URL,
  x: Tensor | NDArrayLike | ArrayBufferView,
): string {
  let p = path instanceof URL ? fileURLToPath(path) : path;
  if (!p.endsWith(".npy")) p += ".npy";
  writeFileAtomic(p, encodeParts(x));
  return p;
}
