// float32 elementwise maps in WebAssembly SIMD, four lanes at a time, for contiguous operands of
// one shape. The tensors' memory is not the module's, so each runs in chunks: the chunk's inputs
// are copied in (memcpy), mapped, and the result copied out. For tensors that stay in cache
// (LeNet's activations, 1.2 MB) that is about four times the speed of the JavaScript loop (relu of
// 301k floats: 0.11 against 0.42 ms); for those that do not, the copies bound it near memory's
// speed, still above the loop's.
//
// Each op gives the result the JavaScript kernel gives, bit for bit: +, −, ×, ÷ of two float32
// values are exact in a double and rounded once either way (alpha other than 1 stays in
// JavaScript, where alpha·b is not rounded to float32 first), and the choices keep the same
// operand on NaN, ties and signed zeros (maps.ts).

import type { BinaryOp } from "../backend.ts";
import { assemble, Code, F32, I32, instantiate, Op, reserve } from "./wasm.ts";
import { simdOn } from "./wasm_gemm.ts";

/** The SIMD opcodes used here (after the 0xfd prefix). */
const V = {
  load: 0x00,
  store: 0x0b,
  splat: 0x13,
  eq: 0x41,
  ne: 0x42,
  lt: 0x43,
  gt: 0x44,
  le: 0x45,
  andnot: 0x4f,
  or: 0x50,
  bitselect: 0x52,
  add: 0xe4,
  sub: 0xe5,
  mul: 0xe6,
  div: 0xe7,
} as const;

/** The ops mapped here; each emits its vector from its operands' vectors (`a`, `b` push them). */
type Emit = (f: Code, a: () => void, b: () => void) => void;

const zero = (f: Code) => f.v128Zero();

/** x where `mask` (which pushes its lanes' mask) is set, else y. */
function choose(f: Code, x: () => void, y: () => void, mask: () => void) {
  x(), y(), mask(), f.simd(V.bitselect);
}

/** The lanes where p() op q(), or where r() is NaN. */
const orNaN =
  (f: Code, op: number, p: () => void, q: () => void, r: () => void) => () => {
    p(), q(), f.simd(op), r(), r(), f.simd(V.ne), f.simd(V.or);
  };

const OPS = {
  add: (f, a, b) => (a(), b(), f.simd(V.add)),
  sub: (f, a, b) => (a(), b(), f.simd(V.sub)),
  mul: (f, a, b) => (a(), b(), f.simd(V.mul)),
  div: (f, a, b) => (a(), b(), f.simd(V.div)),
  // a where a > b (a < b) or a is NaN, else b, as maps.ts's maximum and minimum.
  maximum: (f, a, b) => choose(f, a, b, orNaN(f, V.gt, a, b, a)),
  minimum: (f, a, b) => choose(f, a, b, orNaN(f, V.lt, a, b, a)),
  // b where a < b (a > b) or b is NaN, else a: a NaN input stays.
  clamp_min: (f, a, b) => choose(f, b, a, orNaN(f, V.lt, a, b, b)),
  clamp_max: (f, a, b) => choose(f, b, a, orNaN(f, V.gt, a, b, b)),
  // a, cleared where b <= 0 (a NaN b keeps it).
  threshold_backward: (
    f,
    a,
    b,
  ) => (a(), b(), zero(f), f.simd(V.le), f.simd(V.andnot)),
} satisfies Partial<Record<BinaryOp, Emit>>;

type MapOp = keyof typeof OPS;

/** relu: a, cleared where a < 0 (-0 and NaN stay, as maps.ts's relu32). */
const relu: Emit = (
  f,
  a,
) => (a(), a(), zero(f), f.simd(V.lt), f.simd(V.andnot));

/** Floats per operand in a chunk: three operands' chunks stay in L1 and L2. */
const CHUNK = 4096;

/**
 * The map over `bytes` bytes (a multiple of 16: chunks are padded) at a (and b) into dst; with
 * `scalar`, b is an f32 parameter splatted to every lane.
 */
function mapCode(emit: Emit, scalar: boolean): Code {
  const f = new Code([I32, I32, I32, scalar ? F32 : I32]);
  const [a, dst, bytes, b] = [0, 1, 2, 3];
  const p = f.local(I32), bv = f.local(0x7b);
  const vec = { align: 4, offset: 0 };
  if (scalar) f.get(b).simd(V.splat).set(bv);
  f.i32(0).set(p).block().loop();
  f.get(p).get(bytes).op(Op.i32GeU).brIf(1);
  f.get(dst).get(p).op(Op.i32Add);
  emit(
    f,
    () => f.get(a).get(p).op(Op.i32Add).simd(V.load, vec),
    () => scalar ? f.get(bv) : f.get(b).get(p).op(Op.i32Add).simd(V.load, vec),
  );
  f.simd(V.store, vec);
  f.get(p).i32(16).op(Op.i32Add).set(p).br(0).end().end();
  return f;
}

/** (a, dst, bytes, b): b an address, or an f32 for the scalar forms. */
type Map = (a: number, dst: number, bytes: number, b: number) => void;

interface Module {
  memory: WebAssembly.Memory;
  maps: Record<string, Map>;
  /** The memory as floats: a chunk of a at 0, of b at CHUNK, the result at 2·CHUNK. */
  F: Float32Array;
}

let module: Module | null | undefined;

function wasmMaps(): Module | null {
  if (module !== undefined) return module;
  module = null;
  try {
    const codes: Record<string, Code> = { relu: mapCode(relu, false) };
    for (const [op, emit] of Object.entries(OPS) as [MapOp, Emit][]) {
      codes[op] = mapCode(emit, false);
      codes[`${op}_scalar`] = mapCode(emit, true);
    }
    const bytes = assemble(codes);
    if (!WebAssembly.validate(bytes)) return module;
    const memory = new WebAssembly.Memory({ initial: 1 });
    reserve(memory, 3 * CHUNK * 4);
    const exports = instantiate(bytes, memory);
    module = {
      memory,
      maps: exports as unknown as Record<string, Map>,
      F: new Float32Array(memory.buffer),
    };
  } catch {
    module = null;
  }
  return module;
}

/** Elements below this stay in JavaScript: the call and copies cost more than they save. */
const MIN_ELEMENTS = 1024;

/**
 * The arithmetic ops' loop is fast in JavaScript: those come here only under V8 and only for
 * tensors that stay in cache. Out of it the copies in and out cost more than the lanes save (mul
 * of 16M floats: 18.5 ms in JavaScript, 22 ms in chunks, under Deno), and under Bun
 * JavaScriptCore's own loop was as fast at every size. The choices (relu, the clamps, ...) gain
 * everywhere: relu of 16M floats at 8.8 GB/s against 4.7 in JavaScript.
 */
const ARITHMETIC = new Set(["add", "sub", "mul", "div"]);
const ARITHMETIC_MAX = "Bun" in globalThis ? 0 : 1 << 20;

/** Whether wasmMap takes `op` on n elements (float32 and contiguous is the caller's to check). */
export function wasmMapsOp(op: string, n: number, alpha = 1): boolean {
  return n >= MIN_ELEMENTS && alpha === 1 && (op === "relu" || op in OPS) &&
    (!ARITHMETIC.has(op) || n <= ARITHMETIC_MAX) && simdOn() &&
    wasmMaps() !== null;
}

/**
 * O[Oo + i] = op(A[Ao + i], B[Bo + i] or the scalar B) for i < n, in chunks through the module
 * (relu takes A alone). The caller has checked wasmMapsOp.
 */
export function wasmMap(
  op: MapOp | "relu",
  O: Float32Array,
  Oo: number,
  A: Float32Array,
  Ao: number,
  B: Float32Array | number | null,
  Bo: number,
  n: number,
): void {
  const mod = wasmMaps()!, F = mod.F;
  const scalar = typeof B === "number";
  const map = mod.maps[scalar ? `${op}_scalar` : op];
  const b = scalar ? B : 4 * CHUNK;
  for (let p = 0; p < n; p += CHUNK) {
    const len = Math.min(CHUNK, n - p);
    F.set(A.subarray(Ao + p, Ao + p + len), 0);
    if (B !== null && !scalar) F.set(B.subarray(Bo + p, Bo + p + len), CHUNK);
    map(0, 8 * CHUNK, 4 * ((len + 3) & ~3), b as number);
    O.set(F.subarray(2 * CHUNK, 2 * CHUNK + len), Oo + p);
  }
}
