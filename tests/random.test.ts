// Tests for src/random: replay of PyTorch 1.13 streams (fixtures/rng.json), §11 vectors, state and seeding.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type DTypeName, DTYPES, type StorageArray } from "../src/dtype.ts";
import {
  dropout_mask_scale,
  fill_bernoulli_scalar,
  fill_bernoulli_tensor,
  fill_exponential,
  fill_normal,
  fill_random,
  fill_uniform,
  half_libm,
  randperm,
} from "../src/random/distributions.ts";
import { fma32, fma64, fma64_exact } from "../src/random/fma.ts";
import {
  default_generator,
  Generator,
  get_rng_state,
  initial_seed,
  manual_seed,
  seed,
  set_rng_state,
} from "../src/random/generator.ts";

interface Call {
  op: string;
  dtype: DTypeName;
  n: number;
  out: string;
  pos: [number, number, number, string];
  a?: number;
  b?: number;
  mean?: number;
  std?: number;
  contiguous?: boolean;
  low?: string | null;
  high?: string | null;
  one_arg?: boolean;
  p?: number;
  pdtype?: DTypeName;
  probs?: string;
  lambd?: number;
}
interface Case {
  name: string;
  seed: string | null;
  calls: Call[];
  state: string;
}
const fixture: {
  cases: Case[];
  half_libm: Record<"log" | "sin" | "cos", string>;
} = JSON.parse(
  readFileSync(new URL("./fixtures/rng.json", import.meta.url), "utf8"),
);

const HEX_WIDTH: Partial<Record<DTypeName, number>> = {
  float16: 4,
  float32: 8,
  float64: 16,
};

/** A storage array in the fixture's encoding: fixed-width hex bits for floats, else decimals. */
function encode(out: StorageArray | Float64Array, dtype: DTypeName): string[] {
  const w = HEX_WIDTH[dtype];
  if (w === undefined) return Array.from(out as ArrayLike<number>, String);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const res: string[] = [];
  for (let i = 0; i < bytes.length; i += w / 2) {
    let s = "";
    for (let j = w / 2 - 1; j >= 0; j--) {
      s += bytes[i + j].toString(16).padStart(2, "0");
    }
    res.push(s);
  }
  return res;
}

function decode(data: string, dtype: DTypeName): string[] {
  const w = HEX_WIDTH[dtype];
  if (w === undefined) return data === "" ? [] : data.split(",");
  const res: string[] = [];
  for (let i = 0; i < data.length; i += w) res.push(data.slice(i, i + w));
  return res;
}

function hexToFloats(data: string, dtype: DTypeName): number[] {
  const words = decode(data, dtype);
  const arr = new DTYPES[dtype].array(words.length);
  const bytes = new Uint8Array(arr.buffer);
  const w = HEX_WIDTH[dtype]! / 2;
  words.forEach((h, i) => {
    for (let j = 0; j < w; j++) {
      bytes[i * w + j] = parseInt(h.slice(2 * (w - 1 - j), 2 * (w - j)), 16);
    }
  });
  return Array.from(arr as Float64Array);
}

/** Distance in units in the last place between two float64 bit patterns of the same sign. */
function ulps(a: string, b: string): bigint {
  const d = BigInt("0x" + a) - BigInt("0x" + b);
  return d < 0n ? -d : d;
}

function bigOrNull(s: string | null | undefined): bigint | null {
  return s === null || s === undefined ? null : BigInt(s);
}

/** Runs one fixture call on g and returns its output in the fixture's encoding. */
function replay(g: Generator, c: Call): string[] {
  if (c.op === "randperm") return encode(randperm(g, c.n), "int64");
  const out = new DTYPES[c.dtype].array(c.n);
  switch (c.op) {
    case "uniform":
      fill_uniform(g, out, c.dtype, c.a ?? 0, c.b ?? 1);
      break;
    case "normal":
      fill_normal(
        g,
        out,
        c.dtype,
        c.mean ?? 0,
        c.std ?? 1,
        c.contiguous ?? true,
      );
      break;
    case "random":
      if (c.low === undefined) fill_random(g, out, c.dtype);
      else if (c.one_arg) fill_random(g, out, c.dtype, BigInt(c.high!));
      else fill_random(g, out, c.dtype, BigInt(c.low!), bigOrNull(c.high));
      break;
    case "bernoulli_p":
      fill_bernoulli_scalar(g, out, c.dtype, c.p!);
      break;
    case "bernoulli_t":
      fill_bernoulli_tensor(
        g,
        out,
        c.dtype,
        hexToFloats(c.probs!, c.pdtype!),
        c.pdtype === "float64",
      );
      break;
    case "exponential":
      fill_exponential(g, out, c.dtype, c.lambd ?? 1);
      break;
    default:
      throw new Error(`unknown fixture op ${c.op}`);
  }
  return encode(out, c.dtype);
}

function position(g: Generator): [number, number, number, string] {
  const s = g.get_state();
  const v = new DataView(s.buffer);
  const y = encode(new Float64Array([v.getFloat64(5024, true)]), "float64")[0];
  return [
    v.getInt32(8, true),
    Number(v.getBigUint64(16, true)),
    v.getInt32(5040, true),
    y,
  ];
}

// float64 normals and exponentials go through double log/sin/cos. V8's Math (Deno) is fdlibm and
// disagrees with glibc 2.36 in the last bit on some inputs (spec §12.3); JavaScriptCore (Bun on
// Linux) calls the system libm and matches exactly. A 1-ulp difference in sin or cos becomes 2 ulps of r·sin when the radius r is below 1
// (the product drops a binade), so these outputs may differ by at most 2 ulps; the counts are
// printed by the summary test. Everything else, including every float32 and float16 output
// (where the difference vanishes in the rounding), must match bit for bit.
const libmOps = new Set(["normal", "exponential"]);
const libmStats = { values: 0, ulp1: 0, ulp2: 0, worse: 0 };
let casesPassed = 0;

describe("PyTorch 1.13 fixture replay", () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const g = new Generator();
      if (c.seed !== null) g.manual_seed(BigInt(c.seed));
      c.calls.forEach((call, i) => {
        const label =
          `${c.name} call ${i}: ${call.op} ${call.dtype} n=${call.n}`;
        const got = replay(g, call);
        const want = decode(call.out, call.dtype);
        assert.equal(got.length, want.length, label);
        const tolerant = call.dtype === "float64" && libmOps.has(call.op);
        if (tolerant) {
          libmStats.values += want.length;
          for (let k = 0; k < want.length; k++) {
            if (got[k] === want[k]) continue;
            const d = ulps(got[k], want[k]);
            if (d === 1n) libmStats.ulp1++;
            else if (d === 2n) libmStats.ulp2++;
            else libmStats.worse++;
            assert.ok(
              d <= 2n,
              `${label} [${k}]: ${got[k]} vs ${want[k]}`,
            );
          }
        } else {
          assert.deepEqual(got, want, label);
        }
        const [left, next, valid, y] = position(g);
        assert.deepEqual(
          [left, next, valid],
          call.pos.slice(0, 3),
          `${label}: stream position`,
        );
        // The cached normal is a float64 built with sin: the same 1-ulp allowance applies.
        assert.ok(
          ulps(y, call.pos[3]) <= 2n,
          `${label}: cached normal ${y} vs ${call.pos[3]}`,
        );
      });
      const state = g.get_state();
      const want = Uint8Array.from(
        c.state.match(/../g)!,
        (h) => parseInt(h, 16),
      );
      assert.deepEqual(
        state.subarray(0, 5024),
        want.subarray(0, 5024),
        "state words",
      );
      assert.deepEqual(state.subarray(5032), want.subarray(5032), "state tail");
      casesPassed++;
    });
  }
  test("glibc logf/sinf/cosf on every input of the float16 normal path", () => {
    for (const fn of ["log", "sin", "cos"] as const) {
      const want = decode(fixture.half_libm[fn], "float32");
      const got = encode(
        Float32Array.from({ length: 2048 }, (_, k) => half_libm(fn, k)),
        "float32",
      );
      assert.deepEqual(got, want, fn);
    }
  });
  test("summary: float64 libm differences", () => {
    console.log(
      `rng fixture: ${casesPassed}/${fixture.cases.length} cases; float64 normal/exponential ` +
        `values that differ from glibc: ${libmStats.ulp1} by 1 ulp, ${libmStats.ulp2} by 2 ulps ` +
        `(${libmStats.worse} by more), of ${libmStats.values}`,
    );
  });
});

/** A C99 hex float literal such as "-0x1.eaa8p-9", exactly (JS has no such literal). */
function hf(s: string): number {
  const m = /^(-?)0x([0-9a-f]+)\.([0-9a-f]*)p([+-]\d+)$/.exec(s)!;
  const digits = m[2] + m[3];
  const v = Number(BigInt("0x" + digits)) *
    2 ** (Number(m[4]) - 4 * m[3].length);
  return m[1] ? -v : v;
}

function f32s(
  n: number,
  fill: (o: Float32Array) => void,
): number[] {
  const o = new Float32Array(n);
  fill(o);
  return Array.from(o);
}

describe("spec §11 test vectors (seed 0 unless noted)", () => {
  const g = new Generator();
  test("engine and rand", () => {
    g.manual_seed(0);
    const raw = Array.from({ length: 5 }, () => g.next_u32());
    assert.deepEqual(raw, [
      2357136044,
      2546248239,
      3071714933,
      3626093760,
      2588848963,
    ]);
    g.manual_seed(0);
    const r = f32s(4, (o) => fill_uniform(g, o, "float32"));
    assert.deepEqual(
      r,
      [
        hf("0x1.fc2abp-2"),
        hf("0x1.89545ep-1"),
        hf("0x1.6a675p-4"),
        hf("0x1.0e66p-3"),
      ].map(Math.fround),
    );
    g.manual_seed(0);
    const d = new Float64Array(2);
    fill_uniform(g, d, "float64");
    assert.deepEqual(Array.from(d), [0.9700530018065531, 0.707819864399788]);
    g.manual_seed(0);
    assert.deepEqual(
      f32s(3, (o) => fill_uniform(g, o, "float32", -0.37, 1.9)),
      [0.75650245, 1.3738635, -0.16915624].map(Math.fround),
    );
  });
  test("normals: scalar path, vector path, tail block, cache", () => {
    g.manual_seed(0);
    assert.deepEqual(
      f32s(4, (o) => fill_normal(g, o, "float32")),
      [1.5409961, -0.2934289, -2.1787894, 0.56843126].map(Math.fround),
    );
    g.manual_seed(0);
    const v = f32s(17, (o) => fill_normal(g, o, "float32"));
    assert.deepEqual(
      [v[0], v[1], v[16]],
      // §11 lists 1.0553575 and 0.9663033 for elements 1 and 16; torch 1.13 itself gives these
      // (checked with `torch.manual_seed(0); torch.randn(17)`), and so does the fixture.
      [-1.1258398, -1.6959312, 0.9318266].map(Math.fround),
    );
    g.manual_seed(0);
    const w = f32s(16, (o) => fill_normal(g, o, "float32", 0.5, 2.0));
    assert.deepEqual(
      w.slice(0, 3),
      [-1.7516797, -1.8047204, -0.0011571646].map(Math.fround),
    );
    // randn(3); randn(16); randn(1): the last value is the sine cached by the first call.
    g.manual_seed(0);
    f32s(3, (o) => fill_normal(g, o, "float32"));
    const cached = g.normal_cache!;
    f32s(16, (o) => fill_normal(g, o, "float32"));
    assert.deepEqual(f32s(1, (o) => fill_normal(g, o, "float32")), [
      Math.fround(cached),
    ]);
  });
  test("integers and permutations", () => {
    g.manual_seed(0);
    const ints = new BigInt64Array(8);
    fill_random(g, ints, "int64", 0, 10);
    assert.deepEqual(Array.from(ints, Number), [4, 9, 3, 0, 3, 9, 7, 3]);
    g.manual_seed(0);
    const wide = new BigInt64Array(3);
    fill_random(g, wide, "int64", 0, 2 ** 40);
    assert.deepEqual(Array.from(wide), [
      741280623151n,
      506137267392n,
      291447657211n,
    ]);
    g.manual_seed(0);
    fill_random(g, wide, "int64");
    assert.deepEqual(Array.from(wide), [
      900450186894289455n,
      3969543146641149120n,
      1895649597198586619n,
    ]);
    g.manual_seed(0);
    assert.deepEqual(Array.from(randperm(g, 8)), [4, 0, 7, 3, 2, 5, 1, 6]);
  });
  test("bernoulli, dropout, exponential, nn.Linear", () => {
    g.manual_seed(0);
    const m = new Float32Array(10);
    fill_bernoulli_scalar(g, m, "float32", 0.5);
    assert.deepEqual(Array.from(m), [0, 0, 1, 0, 0, 0, 1, 1, 0, 1]);
    g.manual_seed(0);
    fill_bernoulli_tensor(g, m, "float32", new Array(10).fill(0.5), false);
    assert.deepEqual(Array.from(m), [1, 0, 1, 1, 1, 0, 1, 0, 1, 0]);
    g.manual_seed(0);
    const keep = new Float32Array(4);
    fill_bernoulli_scalar(g, keep, "float32", 1 - 0.3);
    const scale = dropout_mask_scale(0.3, false);
    assert.deepEqual(Array.from(keep, (k) => k * scale), [
      0,
      0,
      hf("0x1.6db6dcp+0"),
      0,
    ]);
    g.manual_seed(0);
    assert.deepEqual(
      f32s(3, (o) => fill_exponential(g, o, "float32")),
      [hf("0x1.c110d6p+1"), hf("0x1.3afa7ep+0"), hf("0x1.3ae71p-1")],
    );
    g.manual_seed(0);
    const bound = Math.sqrt(3) * Math.sqrt(2 / (1 + 5)) / Math.sqrt(4);
    const weight = f32s(
      12,
      (o) => fill_uniform(g, o, "float32", -bound, bound),
    );
    const bias = f32s(3, (o) => fill_uniform(g, o, "float32", -0.5, 0.5));
    assert.equal(weight[0], hf("-0x1.eaa8p-9"));
    assert.equal(weight[11], hf("-0x1.9290ep-4"));
    assert.deepEqual(bias, [
      hf("-0x1.e9237p-2"),
      hf("-0x1.5316a4p-2"),
      hf("-0x1.a61ddp-3"),
    ]);
  });
  test("seeds 42, 2^32+42 and -1", () => {
    const r42 = [hf("0x1.c3b8ccp-1"), hf("0x1.d47b66p-1"), hf("0x1.880d7p-2")];
    for (const s of [42, 2 ** 32 + 42]) {
      g.manual_seed(s);
      assert.deepEqual(f32s(3, (o) => fill_uniform(g, o, "float32")), r42);
    }
    g.manual_seed(-1);
    assert.deepEqual(f32s(2, (o) => fill_uniform(g, o, "float32")), [
      hf("0x1.fcd346p-1"),
      hf("0x1.248244p-1"),
    ]);
  });
});

describe("seeding and state", () => {
  test("fresh Generator, initial_seed and seed()", () => {
    assert.equal(new Generator().initial_seed(), 67280421310721n);
    const g = new Generator();
    assert.equal(g.manual_seed(-1).initial_seed(), 2n ** 64n - 1n);
    assert.equal(g.manual_seed(-(2n ** 63n)).initial_seed(), 2n ** 63n);
    assert.equal(
      g.manual_seed(2n ** 64n - 1n).next_u32(),
      new Generator().manual_seed(0xffffffff).next_u32(),
    );
    const s = g.seed();
    assert.equal(typeof s, "bigint");
    assert.equal(g.initial_seed(), s);
    assert.equal(g.next_u32(), new Generator().manual_seed(s).next_u32());
  });
  test("bad seeds", () => {
    const g = new Generator();
    for (
      const bad of [1.5, NaN, Infinity, 2n ** 64n, -(2n ** 63n) - 1n, 2 ** 64]
    ) {
      assert.throws(() => g.manual_seed(bad), {
        name: "RuntimeError",
        message: "Overflow when unpacking long",
      });
    }
  });
  test("default generator functions", () => {
    manual_seed(7);
    assert.equal(initial_seed(), 7n);
    const st = get_rng_state();
    const a = default_generator.next_u32();
    set_rng_state(st);
    assert.equal(default_generator.next_u32(), a);
    assert.equal(typeof seed(), "bigint");
  });
  test("state round trip carries the normal cache", () => {
    const g = new Generator().manual_seed(3);
    fill_normal(g, new Float64Array(3), "float64");
    const st = g.get_state();
    assert.equal(st.length, 5056);
    const next = () => {
      const o = new Float64Array(5);
      fill_normal(g, o, "float64");
      return Array.from(o);
    };
    const a = next();
    g.set_state(st);
    assert.deepEqual(next(), a);
    assert.deepEqual(new Generator().set_state(st).get_state(), st);
    // The legacy 5048-byte layout: the cache is rebuilt as normal_rho * sin(2π normal_x).
    const legacy = st.slice(0, 5048);
    const v = new DataView(legacy.buffer);
    v.setFloat64(5016, 0.25, true);
    v.setFloat64(5032, 2, true);
    assert.equal(new Generator().set_state(legacy).normal_cache, 2);
  });
  test("bad states", () => {
    const g = new Generator();
    const good = g.get_state();
    assert.throws(
      () => g.set_state(new Uint8Array(10)),
      /size 5048 .* size 5056 but found the input RNG state size to be 10/,
    );
    const patch = (f: (v: DataView) => void) => {
      const s = good.slice();
      f(new DataView(s.buffer));
      return s;
    };
    for (
      const bad of [
        patch((v) => v.setInt32(8, 0, true)),
        patch((v) => v.setInt32(8, 625, true)),
        patch((v) => v.setInt32(12, 0, true)),
        patch((v) => v.setBigUint64(16, 625n, true)),
      ]
    ) {
      assert.throws(() => g.set_state(bad), {
        message: "Invalid mt19937 state",
      });
    }
    // PyTorch narrows `next` to 32 bits before validating, so 2^32 reads as 0.
    g.set_state(patch((v) => v.setBigUint64(16, 1n << 32n, true)));
    assert.equal(g.engine.next, 0);
  });
});

describe("bad arguments", () => {
  const g = new Generator();
  test("random_ bounds", () => {
    const o = new BigInt64Array(2);
    assert.throws(() => fill_random(g, o, "int64", 5, 5), {
      message:
        "random_ expects 'from' to be less than 'to', but got from=5 >= to=5",
    });
    assert.throws(
      () => fill_random(g, new Int32Array(2), "int32", 0, 2 ** 31 + 1),
      {
        message: "to - 1 is out of bounds for int",
      },
    );
    assert.throws(() => fill_random(g, new Int8Array(2), "int8", -200, 5), {
      message: "from is out of bounds for signed char",
    });
    assert.throws(
      () => fill_random(g, new Int32Array(2), "int32", -(2n ** 63n), null),
      /handles only int64/,
    );
    assert.throws(() => fill_random(g, o, "int64", 0.5, 3), TypeError);
  });
  test("float kernels", () => {
    const o = new Float32Array(2);
    assert.throws(() => fill_uniform(g, o, "float32", 2, 1), {
      message:
        "uniform_ expects to return a [from, to) range, but found from=2 > to=1",
    });
    assert.throws(() => fill_normal(g, o, "float32", 0, -1), {
      message: "normal expects std >= 0.0, but found std -1",
    });
    assert.throws(() => fill_bernoulli_scalar(g, o, "float32", 1.5), {
      message: "bernoulli_ expects p to be in [0, 1], but got p=1.5",
    });
    assert.throws(
      () => fill_bernoulli_tensor(g, o, "float32", [0.5, 2], false),
      /p_in >= 0/,
    );
    assert.throws(() => fill_exponential(g, o, "float32", -1), /lambda >= 0.0/);
    assert.throws(
      () => fill_normal(g, new Int32Array(2), "int32"),
      /not implemented for 'Int'/,
    );
  });
});

describe("fused multiply-add", () => {
  // A small deterministic stream so that failures reproduce.
  const g = new Generator().manual_seed(99);
  const rnd = (span: number) =>
    (g.uniform_f64() - 0.5) *
    2 ** Math.floor(g.uniform_f64() * span - span / 2);
  test("fma64 matches the exact BigInt reference", () => {
    for (let i = 0; i < 20000; i++) {
      const a = rnd(60), b = rnd(60);
      const c = i % 2 ? rnd(60) : -a * b * (1 + rnd(4) * 2 ** -40);
      assert.equal(fma64(a, b, c), fma64_exact(a, b, c), `${a} ${b} ${c}`);
    }
    assert.equal(fma64(1e300, 1e10, -1e310), fma64_exact(1e300, 1e10, -1e310));
  });
  test("fma32 rounds once, including float32 ties hidden by the double sum", {
    timeout: 60_000,
  }, () => {
    for (let i = 0; i < 20000; i++) {
      // 13-bit factors give 26-bit products, so a tiny c often lands the sum on a float32 midpoint.
      const a = Math.round(rnd(8) * 2 ** 12) / 2 ** 12 || 1,
        b = Math.round(rnd(8) * 2 ** 12) / 2 ** 12 || 1;
      const c = Math.fround(
        i % 2 ? rnd(20) : a * b * rnd(4) * 2 ** -(30 + (i % 30)),
      );
      const want = fma32Reference(a, b, c);
      assert.equal(fma32(a, b, c), want, `${a} ${b} ${c}`);
    }
  });
});

/** A double as an integer mantissa and a power-of-two exponent (normal numbers only). */
function split(x: number): [bigint, number] {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  const hi = v.getUint32(0), lo = v.getUint32(4);
  const m = (BigInt((hi & 0xfffff) | 0x100000) << 32n) | BigInt(lo);
  return [hi >>> 31 ? -m : m, ((hi >>> 20) & 0x7ff) - 1075];
}

/** a*b + c rounded once to float32, in exact integer arithmetic (no subnormals here). */
function fma32Reference(a: number, b: number, c: number): number {
  const [ma, ea] = split(a), [mb, eb] = split(b), [mc, ec] = split(c);
  const e0 = Math.min(ea + eb, ec);
  const sum = ((ma * mb) << BigInt(ea + eb - e0)) + (mc << BigInt(ec - e0));
  if (sum === 0n) return 0;
  const mag = sum < 0n ? -sum : sum;
  const shift = Math.max(0, mag.toString(2).length - 24);
  const sh = BigInt(shift);
  let q = mag >> sh;
  const rem = mag - (q << sh), half = shift > 0 ? 1n << (sh - 1n) : 1n;
  if (shift > 0 && (rem > half || (rem === half && (q & 1n) === 1n))) q += 1n;
  return (sum < 0n ? -1 : 1) * Number(q) * 2 ** (e0 + shift);
}
