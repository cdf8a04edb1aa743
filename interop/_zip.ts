// Zip archives for .npz and checkpoints: a bounds-checked central-directory reader and an aligning writer.
//
// Why our own reader: a generic unzipper (fflate's `unzipSync`, say) copies stored members, so
// they could not be views, does not say where a member's data lies, and trusts the directory (an
// entry count or zip64 field that lies makes it read past the end, or loop for a very long time).
// The walk below checks every offset against the bytes and costs nothing for members never asked
// for. Inflating and deflating are the runtime's zlib (`node:zlib`, built into Deno, Bun and
// Node), so that `mod.ts` imports no third-party package: a Deno script that imports it by path
// needs no import map.

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { ValueError } from "../src/errors.ts";

/**
 * A malformed archive. The message is `<archive>: <detail>`, or `<archive>/<member>: <detail>`
 * for a member's own problem; callers that word their errors differently use `detail` and `member`.
 */
export class ZipError extends ValueError {
  /** The problem, without the names. */
  readonly detail: string;
  /** The member at fault, if the problem is one member's. */
  readonly member?: string;
  constructor(archive: string, detail: string, member?: string) {
    super(`${archive}${member === undefined ? "" : `/${member}`}: ${detail}`);
    this.detail = detail;
    this.member = member;
  }
}

/** One member, as the central directory describes it. */
export class ZipMember {
  /** The whole archive. */
  readonly bytes: Uint8Array;
  /** The archive's name, for errors. */
  readonly archive: string;
  readonly name: string;
  /** 0 (stored) or 8 (deflated): `readZip` refuses every other method. */
  readonly method: number;
  /** Bytes in the archive. */
  readonly compressedSize: number;
  /** Bytes once inflated. */
  readonly size: number;
  readonly crc: number;
  /** Where the member's local header starts. */
  readonly localOffset: number;
  #start = -1;

  constructor(
    bytes: Uint8Array,
    archive: string,
    fields: Omit<ZipMember, "bytes" | "archive" | "dataOffset">,
  ) {
    this.bytes = bytes;
    this.archive = archive;
    this.name = fields.name;
    this.method = fields.method;
    this.compressedSize = fields.compressedSize;
    this.size = fields.size;
    this.crc = fields.crc;
    this.localOffset = fields.localOffset;
  }

  /**
   * Where the member's data starts in the archive. Read from the local header on first use, so
   * that opening an archive stays cheap and a spoilt local header fails only the member it spoils.
   */
  get dataOffset(): number {
    if (this.#start < 0) {
      const b = this.bytes, at = this.localOffset;
      if (
        !(at + 30 <= b.length) ||
        u32(b, at) !== 0x04034b50
      ) {
        this.#fail("corrupt local header");
      }
      const start = at + 30 + u16(b, at + 26) + u16(b, at + 28);
      if (start + this.compressedSize > b.length) {
        this.#fail("truncated member data");
      }
      this.#start = start;
    }
    return this.#start;
  }

  #fail(detail: string): never {
    throw new ZipError(this.archive, detail, this.name);
  }
}

const u16 = (b: Uint8Array, at: number) => b[at] | b[at + 1] << 8;
const u32 = (b: Uint8Array, at: number) =>
  (u16(b, at) | u16(b, at + 2) << 16) >>> 0;

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

const utf8 = new TextDecoder("utf-8", { fatal: true });
const latin1 = new TextDecoder("latin1");

/** Options of `readZip`. */
export interface ReadZipOptions {
  /** The detail when there is no end record and the bytes do not start like a zip. */
  notZip?: string;
}

/**
 * The members of a zip archive, from its central directory (zip64 included), in directory order.
 * Every offset is checked against `bytes`; errors are `ZipError`s naming `name`.
 */
export function readZip(
  bytes: Uint8Array,
  name: string,
  opts: ReadZipOptions = {},
): ZipMember[] {
  const fail = (detail: string): never => {
    throw new ZipError(name, detail);
  };
  const len = bytes.length;
  const need = (at: number, n: number, what: string) => {
    if (!(at >= 0 && at + n <= len)) {
      fail(`truncated or corrupt: ${what} lies outside the file`);
    }
  };
  const r32 = (at: number) => (need(at, 4, "a field"), u32(bytes, at));
  const r64 = (at: number) => {
    const v = r32(at) + r32(at + 4) * 2 ** 32;
    if (!Number.isSafeInteger(v)) {
      fail("a zip64 size or offset is impossibly large");
    }
    return v;
  };
  // The end record is the last thing in the file but for its comment: prefer the signature whose
  // comment length reaches the end exactly (a comment may hold the signature's bytes), and settle
  // for the last one found, as Python's zipfile does, when none does.
  let end = -1;
  for (let at = len - 22; at >= Math.max(0, len - 22 - 0xffff); at--) {
    if (u32(bytes, at) === 0x06054b50) {
      if (end < 0) end = at;
      if (at + 22 + u16(bytes, at + 20) === len) {
        end = at;
        break;
      }
    }
  }
  if (end < 0) {
    fail(
      len >= 4 && u32(bytes, 0) === 0x04034b50
        ? "zip end record not found (truncated file?)"
        : opts.notZip ??
          "not a zip archive (no end-of-central-directory record)",
    );
  }
  const count = u16(bytes, end + 10);
  let size = u32(bytes, end + 12),
    offset = u32(bytes, end + 16);
  const locator = end >= 20 && u32(bytes, end - 20) === 0x07064b50;
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    if (!locator) fail("corrupt zip64 locator");
  }
  if (locator) {
    const z = r64(end - 12);
    if (!(z + 56 <= end - 20) || u32(bytes, z) !== 0x06064b50) {
      fail("corrupt zip64 end-of-central-directory record");
    }
    size = r64(z + 40);
    offset = r64(z + 48);
  }
  need(offset, size, "the central directory");
  // The entries are read until the directory's size is used up, as Python's zipfile (and so
  // NumPy) does: the end record's entry count is not trusted (writers that leave it 0, or a
  // damaged one, would hide members). It only says whether to look for zip64 fields.
  const dirEnd = offset + size;
  const members: ZipMember[] = [];
  for (let i = 0, at = offset; at < dirEnd; i++) {
    if (at + 46 > dirEnd || u32(bytes, at) !== 0x02014b50) {
      fail(`corrupt central directory entry ${i}`);
    }
    const flags = u16(bytes, at + 8), method = u16(bytes, at + 10);
    const nameLen = u16(bytes, at + 28),
      extraLen = u16(bytes, at + 30),
      commentLen = u16(bytes, at + 32);
    const extraEnd = at + 46 + nameLen + extraLen;
    if (extraEnd + commentLen > dirEnd) {
      fail(`corrupt central directory entry ${i}`);
    }
    const raw = bytes.subarray(at + 46, at + 46 + nameLen);
    // Flag bit 11 promises UTF-8; without it, names that are not valid UTF-8 are read as latin1.
    let member: string;
    try {
      member = utf8.decode(raw);
    } catch {
      if (flags & 0x800) fail(`entry ${i}'s name is not valid UTF-8`);
      member = latin1.decode(raw);
    }
    let usize = u32(bytes, at + 24),
      csize = u32(bytes, at + 20),
      local = u32(bytes, at + 42);
    // zip64 extra field (id 1): the 64-bit values of whichever fields read 0xffffffff, in order.
    for (let e = at + 46 + nameLen; e + 4 <= extraEnd;) {
      const id = u16(bytes, e), n = u16(bytes, e + 2);
      if (id === 1) {
        let f = e + 4;
        const next = () => {
          if (f + 8 > Math.min(e + 4 + n, extraEnd)) {
            fail(`corrupt zip64 field of ${member}`);
          }
          return r64((f += 8) - 8);
        };
        if (usize === 0xffffffff) usize = next();
        if (csize === 0xffffffff) csize = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + n;
    }
    if (flags & 1) fail(`${member} is encrypted`);
    if (method !== 0 && method !== 8) {
      fail(
        `${member} uses zip compression method ${method}; only stored (0) and deflated (8) are read`,
      );
    }
    members.push(
      new ZipMember(bytes, name, {
        name: member,
        method,
        compressedSize: csize,
        size: usize,
        crc: u32(bytes, at + 16),
        localOffset: local,
      }),
    );
    at = extraEnd + commentLen;
  }
  return members;
}

/**
 * A member's bytes: a view into the archive (no copy) when stored, inflated by zlib when
 * deflated. With `crc` (the default), the CRC-32 is checked too, which reads every byte.
 */
export function readMember(
  m: ZipMember,
  opts: { crc?: boolean } = {},
): Uint8Array {
  const fail = (detail: string): never => {
    throw new ZipError(m.archive, detail, m.name);
  };
  const start = m.dataOffset;
  const raw = m.bytes.subarray(start, start + m.compressedSize);
  let out = raw;
  if (m.method === 8) {
    // Deflate cannot expand more than about 1032:1; a bigger claim is a lie, not a size to allocate.
    if (m.size > m.compressedSize * 1032 + 1024) fail("corrupt sizes");
    try {
      // A plain Uint8Array, not zlib's Buffer: Buffer's slice() is a view, callers expect a copy.
      const b = inflateRawSync(raw, { maxOutputLength: Math.max(1, m.size) });
      out = new Uint8Array(b.buffer, b.byteOffset, b.length);
    } catch (err) {
      fail(`corrupt deflate data (${(err as Error).message})`);
    }
  }
  if (out.length !== m.size || (opts.crc !== false && crc32(out) !== m.crc)) {
    fail("corrupt member (size or CRC-32 does not match the directory)");
  }
  return out;
}

/** Options of `writeZip`. */
export interface WriteZipOptions {
  /** Deflate every member (level 6) instead of storing it; stored members alone are aligned. */
  deflate?: boolean;
  /** Stored members' data start on multiples of this many bytes (default 1: no padding). */
  align?: number;
  /**
   * The padding's extra field: Android zipalign's (id 0xd935: the alignment, then zeros; the
   * default) or PyTorch's (id 0x4246, "FB", filled with 'Z'), so each writer's bytes stay its own.
   */
  padding?: "zipalign" | "pytorch";
  /** Every member's modification time (default now). */
  mtime?: Date;
}

const encoder = new TextEncoder();

/** MS-DOS date and time (local, 2-second resolution), as zip headers carry them. */
function dosTime(d: Date): { time: number; date: number } {
  const y = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    time: d.getHours() << 11 | d.getMinutes() << 5 | d.getSeconds() >> 1,
    date: (y - 1980) << 9 | (d.getMonth() + 1) << 5 | d.getDate(),
  };
}

/**
 * A zip of `entries` in order: local headers, data, the central directory and its end record.
 * Alignment pads each stored member's local header with an extra field sized so that its data
 * starts on an `align` boundary, which lets readers view the data in place.
 */
export function writeZip(
  entries: Iterable<[string, Uint8Array]>,
  opts: WriteZipOptions = {},
): Uint8Array {
  const align = opts.align ?? 1;
  const zipalign = (opts.padding ?? "zipalign") === "zipalign";
  const { time, date } = dosTime(opts.mtime ?? new Date());
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let at = 0, count = 0;
  const push = (b: Uint8Array) => {
    parts.push(b);
    at += b.length;
  };
  for (const [name, bytes] of entries) {
    const nameBytes = encoder.encode(name);
    // Bit 11: the name is UTF-8 (only said when it is not plain ASCII, as zip writers do).
    const flags = nameBytes.length !== name.length ? 0x800 : 0;
    const method = opts.deflate ? 8 : 0;
    const data = opts.deflate ? deflateRawSync(bytes, { level: 6 }) : bytes;
    let extra = new Uint8Array(0);
    if (!opts.deflate && align > 1) {
      // The extra field (4 bytes of id and length, then its body) ends right where the data
      // starts; zipalign's body starts with the alignment in 2 bytes.
      const head = at + 30 + nameBytes.length + 4 + (zipalign ? 2 : 0);
      const pad = (align - (head % align)) % align;
      const body = zipalign
        ? Uint8Array.of(align & 0xff, align >> 8, ...new Uint8Array(pad))
        : new Uint8Array(pad).fill(0x5a);
      extra = new Uint8Array(4 + body.length);
      const id = zipalign ? 0xd935 : 0x4246;
      extra.set([id & 0xff, id >> 8, body.length & 0xff, body.length >> 8]);
      extra.set(body, 4);
    }
    const crc = crc32(bytes), offset = at;
    if (
      offset + 30 + nameBytes.length + extra.length + data.length > 0xffffffff
    ) {
      throw new ValueError(
        "writing a zip archive over 4 GiB (zip64) is not supported",
      );
    }
    const local = new Uint8Array(30 + nameBytes.length + extra.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true); // version needed: 2.0
    lv.setUint16(6, flags, true);
    lv.setUint16(8, method, true);
    lv.setUint16(10, time, true);
    lv.setUint16(12, date, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, bytes.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extra.length, true);
    local.set(nameBytes, 30);
    local.set(extra, 30 + nameBytes.length);
    push(local);
    push(data);
    // The directory entry repeats the local header's fields, name and extra field.
    const dir = new Uint8Array(46 + nameBytes.length + extra.length);
    const dv = new DataView(dir.buffer);
    dv.setUint32(0, 0x02014b50, true);
    dv.setUint16(4, 20, true); // made by: 2.0
    dir.set(local.subarray(4, 30), 6); // version needed .. extra length
    dv.setUint32(42, offset, true);
    dir.set(nameBytes, 46);
    dir.set(extra, 46 + nameBytes.length);
    central.push(dir);
    count++;
  }
  if (count > 0xffff) {
    throw new ValueError(
      "writing a zip archive of over 65535 members (zip64) is not supported",
    );
  }
  const dirStart = at;
  for (const d of central) push(d);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, count, true);
  ev.setUint16(10, count, true);
  ev.setUint32(12, at - dirStart, true);
  ev.setUint32(16, dirStart, true);
  push(end);
  const out = new Uint8Array(at);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
