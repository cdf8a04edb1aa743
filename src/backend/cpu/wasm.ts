// A small WebAssembly assembler: the CPU's SIMD kernels are written below as TypeScript that emits
// their bytecode when first used, so nothing is built ahead and no binary is committed (the source
// is this file and the kernels that call it). Only what those kernels need is here: imported
// memories, i32 and v128 locals, structured control flow, loads, stores and a few SIMD operations.

/** Value types. */
export const I32 = 0x7f, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b;

/** Unsigned LEB128. */
function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** Signed LEB128 (i32 immediates). */
function sleb(n: number, out: number[]): void {
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(s: string, out: number[]): void {
  const bytes = new TextEncoder().encode(s);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** out += bytes, element by element (a spread of a large function's bytes overflows the stack). */
function append(out: number[], bytes: number[]): void {
  for (let i = 0; i < bytes.length; i++) out.push(bytes[i]);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  append(out, body);
}

/** The body of one function: its locals (after the parameters) and its instructions. */
export class Code {
  readonly bytes: number[] = [];
  readonly locals: number[] = [];
  constructor(readonly params: number[], readonly results: number[] = []) {}

  /** A new local of `type`; its index. */
  local(type: number): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }
  get(i: number): this {
    this.bytes.push(0x20);
    uleb(i, this.bytes);
    return this;
  }
  set(i: number): this {
    this.bytes.push(0x21);
    uleb(i, this.bytes);
    return this;
  }
  tee(i: number): this {
    this.bytes.push(0x22);
    uleb(i, this.bytes);
    return this;
  }
  i32(n: number): this {
    this.bytes.push(0x41);
    sleb(n, this.bytes);
    return this;
  }
  /** A plain opcode: i32 arithmetic and comparisons, end, ... */
  op(...codes: number[]): this {
    this.bytes.push(...codes);
    return this;
  }
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    this.bytes.push(0x0c);
    uleb(depth, this.bytes);
    return this;
  }
  brIf(depth: number): this {
    this.bytes.push(0x0d);
    uleb(depth, this.bytes);
    return this;
  }
  /** br_table: to depths[i] for i on the stack, to `otherwise` past their end. */
  brTable(depths: number[], otherwise: number): this {
    this.bytes.push(0x0e);
    uleb(depths.length, this.bytes);
    for (const d of depths) uleb(d, this.bytes);
    uleb(otherwise, this.bytes);
    return this;
  }
  /**
   * A SIMD instruction (prefix 0xfd), with a memory argument for loads and stores; `memory` (the
   * index of one of the module's memories, assembleOver) is 0 unless given.
   */
  simd(
    code: number,
    memarg?: { align: number; offset: number; memory?: number },
  ): this {
    this.bytes.push(0xfd);
    uleb(code, this.bytes);
    if (memarg) {
      if (memarg.memory) {
        // Multi-memory: bit 6 of the alignment says a memory index follows.
        uleb(memarg.align | 0x40, this.bytes);
        uleb(memarg.memory, this.bytes);
      } else uleb(memarg.align, this.bytes);
      uleb(memarg.offset, this.bytes);
    }
    return this;
  }
  /** f32.load / f32.store at the address on the stack (+ offset bytes). */
  f32Load(offset = 0): this {
    this.bytes.push(0x2a, 2);
    uleb(offset, this.bytes);
    return this;
  }
  i32Load(offset = 0): this {
    this.bytes.push(0x28, 2);
    uleb(offset, this.bytes);
    return this;
  }
  f32Store(offset = 0): this {
    this.bytes.push(0x38, 2);
    uleb(offset, this.bytes);
    return this;
  }
  /** memory.copy (dst, src, bytes) and memory.fill (dst, byte, bytes), from the bulk-memory set. */
  memoryCopy(): this {
    return this.op(0xfc, 10, 0, 0);
  }
  memoryFill(): this {
    return this.op(0xfc, 11, 0);
  }
  /** if ... end, with no result. */
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  /**
   * for (v = from; v < to; v++) body(): `from` and `to` push an i32 each. The body runs inside a
   * block and a loop of its own, so its own branches count from there.
   */
  for(v: number, from: () => void, to: () => void, body: () => void): this {
    from();
    this.set(v).block().loop();
    this.get(v);
    to();
    this.op(Op.i32GeS).brIf(1);
    body();
    this.get(v).i32(1).op(Op.i32Add).set(v).br(0).end().end();
    return this;
  }
  f32Zero(): this {
    return this.op(0x43, 0, 0, 0, 0);
  }
  /** v128.const of 16 bytes. */
  v128Const(bytes: ArrayLike<number>): this {
    this.simd(0x0c);
    for (let i = 0; i < 16; i++) this.bytes.push(bytes[i]);
    return this;
  }
  v128Zero(): this {
    return this.v128Const(new Uint8Array(16));
  }
  /** i8x16.shuffle of the two vectors on the stack, taking 32-bit word `words[i]` into word i. */
  shuffleWords(words: number[]): this {
    this.simd(Simd.i8x16Shuffle);
    for (const w of words) {
      this.bytes.push(4 * w, 4 * w + 1, 4 * w + 2, 4 * w + 3);
    }
    return this;
  }
  /** f32.const v (v rounded to float32). */
  f32Const(v: number): this {
    return this.op(0x43, ...new Uint8Array(new Float32Array([v]).buffer));
  }
  /** f64.const v. */
  f64Const(v: number): this {
    return this.op(0x44, ...new Uint8Array(new Float64Array([v]).buffer));
  }
  /** f64.load at the address on the stack (+ offset bytes). */
  f64Load(offset = 0): this {
    this.bytes.push(0x2b, 3);
    uleb(offset, this.bytes);
    return this;
  }
}

/** Scalar opcodes the kernels use. */
export const Op = {
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32LtS: 0x48,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  i32GtU: 0x4b,
  i32LtU: 0x49,
  i32Ne: 0x47,
  /** select: (a, b, cond) -> cond ? a : b */
  select: 0x1b,
  i32GeU: 0x4f,
  i32And: 0x71,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  f32Add: 0x92,
  f32Mul: 0x94,
} as const;

/** SIMD opcodes the kernels use (after the 0xfd prefix). */
export const Simd = {
  load: 0x00,
  load32Splat: 0x09,
  /** v128.load64_zero: two floats into the low lanes, the rest 0. */
  load64Zero: 0x5d,
  store: 0x0b,
  /** i8x16.shuffle, followed by its 16 lane bytes (Code.shuffleWords). */
  i8x16Shuffle: 0x0d,
  i32x4Splat: 0x11,
  i32x4ExtractLane: 0x1b,
  i32x4LtS: 0x39,
  f32x4Splat: 0x13,
  f64x2Splat: 0x14,
  f32x4ExtractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  f64x2ReplaceLane: 0x22,
  f32x4Ne: 0x42,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f64x2Lt: 0x49,
  f64x2Gt: 0x4a,
  v128Not: 0x4d,
  v128And: 0x4e,
  v128AndNot: 0x4f,
  v128Or: 0x50,
  v128Bitselect: 0x52,
  v128AnyTrue: 0x53,
  f32x4DemoteF64x2Zero: 0x5e,
  f64x2PromoteLowF32x4: 0x5f,
  i32x4AllTrue: 0xa3,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  f64x2Pmin: 0xf6,
  f64x2Pmax: 0xf7,
  f32x4RelaxedMadd: 0x105,
} as const;

/**
 * A module importing one memory as env.memory (shared between threads, up to `maxPages`, when
 * given; at least `minPages` long, 1 unless given) and exporting `functions` by name. Accesses at
 * constant addresses below the minimum need no bounds check, and V8 emits none.
 */
export function assemble(
  functions: Record<string, Code>,
  shared?: { maxPages: number },
  minPages = 1,
): Uint8Array<ArrayBuffer> {
  const imports: number[] = [1];
  name("env", imports);
  name("memory", imports);
  if (shared) {
    imports.push(0x02, 0x03); // memory, limits: shared, min, max
    uleb(minPages, imports);
    uleb(shared.maxPages, imports);
  } else {
    imports.push(0x02, 0x00); // memory, limits: min, no max
    uleb(minPages, imports);
  }
  return module(functions, imports);
}

/**
 * A module over `count` shared memories of any size (wasm_storage.ts's), imported as env.m0,
 * env.m1, ...: their loads and stores name them by index (Code.simd's `memory`).
 */
export function assembleOver(
  functions: Record<string, Code>,
  count: number,
): Uint8Array<ArrayBuffer> {
  const imports: number[] = [];
  uleb(count, imports);
  for (let i = 0; i < count; i++) {
    name("env", imports);
    name(`m${i}`, imports);
    imports.push(0x02, 0x03, 0x00); // memory, limits: shared, min 0, max 4 GiB
    uleb(65536, imports);
  }
  return module(functions, imports);
}

/** A module of `functions` (exported by their names) with the import section `imports`. */
function module(
  functions: Record<string, Code>,
  imports: number[],
): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const entries = Object.entries(functions);
  const types: number[] = [];
  uleb(entries.length, types);
  for (const [, f] of entries) {
    types.push(0x60);
    uleb(f.params.length, types);
    types.push(...f.params);
    uleb(f.results.length, types);
    types.push(...f.results);
  }
  section(1, types, out);
  section(2, imports, out);
  const funcs: number[] = [];
  uleb(entries.length, funcs);
  entries.forEach((_, i) => uleb(i, funcs));
  section(3, funcs, out);
  const exports: number[] = [];
  uleb(entries.length, exports);
  entries.forEach(([n], i) => {
    name(n, exports);
    exports.push(0x00);
    uleb(i, exports);
  });
  section(7, exports, out);
  const code: number[] = [];
  uleb(entries.length, code);
  for (const [, f] of entries) {
    const body: number[] = [];
    uleb(f.locals.length, body);
    for (const t of f.locals) body.push(1, t);
    append(body, f.bytes);
    body.push(0x0b);
    uleb(body.length, code);
    append(code, body);
  }
  section(10, code, out);
  return new Uint8Array(out);
}

/** The exports of `bytes` instantiated over `memory`, which the module imports as env.memory. */
export function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  memory: WebAssembly.Memory,
): WebAssembly.Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: { memory },
  }).exports;
}

/** Grows `memory` (by whole 64 KiB pages) until it holds at least `bytes` bytes. */
export function reserve(memory: WebAssembly.Memory, bytes: number): void {
  const need = bytes - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
}

/** A page of floats: 4 KiB. */
export const PAGE_FLOATS = 1024;

/**
 * Where to copy a chunk of arr from arr[off] into a module's memory, in floats, at or after
 * `base` (a multiple of 4) and less than a page after it: half a page from where arr[off] sits in
 * its page, assuming arr's buffer starts on a page (large ones do). A copy between addresses a
 * multiple of 4 KiB apart stalls on 4K aliasing (each store looks as if it overlapped the next
 * loads): copying a cached 64 KiB into a large array ran at 7.4 GB/s from a page start and at
 * 10.4–12.1 from 64 to 3072 bytes into it. Chunks advance by whole pages, so one place serves
 * every chunk of a call; it is rounded to 16 bytes for the vector loads.
 */
export function placed(base: number, arr: Float32Array, off: number): number {
  const at = (arr.byteOffset >> 2) + off;
  return base + (((at & ~3) + PAGE_FLOATS / 2 - base) & (PAGE_FLOATS - 1));
}
