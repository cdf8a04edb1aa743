// interop/safetensors.ts against a file built byte by byte by a hand-written Python writer
// (tests/fixtures/gen_data.py, "safetensors" in data.json): same bytes out, same values in, clear errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../mod.ts";
import {
  load,
  load_metadata,
  parse,
  SafetensorError,
  save,
  serialize,
} from "../interop/safetensors.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const fx = readFixture<{
  safetensors: {
    base64: string;
    metadata: Record<string, string>;
    tensors: Record<string, EncTensor>;
  };
}>("data.json").safetensors;
const pyBytes = Uint8Array.from(atob(fx.base64), (c) => c.charCodeAt(0));

function fixtureTensors(): Record<string, torch.Tensor> {
  const out: Record<string, torch.Tensor> = {};
  for (const [k, e] of Object.entries(fx.tensors)) out[k] = decodeTensor(e);
  // Saved from a non-contiguous view in Python too: the row-major order must come out the same.
  out.transposed = torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).t();
  return out;
}

/** The fixture bytes with the header replaced (and padded), for malformed-file cases. */
function withHeader(header: unknown, data = new Uint8Array(8)): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header).padEnd(8 * 40));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe("safetensors", () => {
  test("serialize writes the bytes of the hand-built Python file", () => {
    assert.deepEqual(serialize(fixtureTensors(), fx.metadata), pyBytes);
  });

  test("load reads every dtype, shape and value of the Python file", () => {
    const tensors = load(pyBytes);
    assert.deepEqual(
      Object.keys(tensors).sort(),
      Object.keys(fx.tensors).sort(),
    );
    for (const [k, e] of Object.entries(fx.tensors)) {
      assertTensorClose(tensors[k], e, k, { rtol: 0, atol: 0 });
    }
    assert.deepEqual(load_metadata(pyBytes), fx.metadata);
  });

  test("aligned tensors view the bytes; misaligned ones are copies", () => {
    const bytes = pyBytes.slice();
    const w = load(bytes)["conv.weight"];
    w.fill_(0);
    assert.equal(load(bytes)["conv.weight"].sum().item(), 0);
    // Shifted by one byte in memory, the float data cannot be viewed: a copy with the same values.
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(pyBytes);
    const c = load(shifted)["conv.bias"];
    assert.deepEqual(c.tolist(), load(pyBytes)["conv.bias"].tolist());
  });

  test("save goes through a temporary file and round-trips", () => {
    const dir = mkdtempSync(join(tmpdir(), "flambeau-st-"));
    try {
      const path = join(dir, "m.safetensors");
      save(path, { a: torch.randn(3, 4), b: torch.arange(5) });
      assert.deepEqual(readdirSync(dir), ["m.safetensors"]);
      const back = load(path);
      assert.deepEqual([...back.a.shape], [3, 4]);
      assert.deepEqual(back.b.tolist(), [0, 1, 2, 3, 4]);
      assert.deepEqual(load_metadata(path), {});
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("malformed files are refused with the reason", () => {
    const ok = { x: { dtype: "F32", shape: [2], data_offsets: [0, 8] } };
    assert.doesNotThrow(() => parse(withHeader(ok)));
    assert.throws(() => parse(pyBytes.subarray(0, 5)), /truncated/);
    assert.throws(
      () => parse(pyBytes.subarray(0, 100)),
      /header length \d+ is larger/,
    );
    assert.throws(
      () => parse(pyBytes.subarray(0, pyBytes.length - 4)),
      /run past/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({
            x: { dtype: "F8_E5M2", shape: [4], data_offsets: [0, 4] },
          }),
        ),
      /unknown dtype "F8_E5M2"/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({ x: { dtype: "F32", shape: [3], data_offsets: [0, 8] } }),
        ),
      /needs 12/,
    );
    assert.throws(
      () =>
        parse(withHeader({
          x: { dtype: "F32", shape: [2], data_offsets: [0, 8] },
          y: { dtype: "F32", shape: [1], data_offsets: [4, 8] },
        })),
      /overlaps/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({ x: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }),
        ),
      /belong to no tensor/,
    );
    assert.throws(
      () =>
        parse(
          withHeader({
            x: { dtype: "F32", shape: [2], data_offsets: [8, 16] },
          }),
        ),
      /run past/,
    );
    const bad = withHeader(ok);
    bad[8] = 0x7b;
    bad[9] = 0x7b;
    assert.throws(() => parse(bad), /not valid JSON/);
  });

  test("load_state_dict(load(path)) restores an nn module", () => {
    const dir = mkdtempSync(join(tmpdir(), "flambeau-st-"));
    try {
      const path = join(dir, "lin.safetensors");
      const a = new torch.nn.Linear(4, 3), b = new torch.nn.Linear(4, 3);
      save(path, a.state_dict());
      b.load_state_dict(load(path));
      assert.deepEqual(b.weight.tolist(), a.weight.tolist());
      assert.deepEqual(b.bias?.tolist(), a.bias?.tolist());
      const x = torch.randn(2, 4);
      assert.deepEqual(b.forward(x).tolist(), a.forward(x).tolist());
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("loaded tensors view the file's bytes: one buffer, no copies", () => {
    const dir = mkdtempSync(join(tmpdir(), "flambeau-st-"));
    try {
      const path = join(dir, "v.safetensors");
      save(path, {
        f64: torch.randn(3),
        f32: torch.randn(2, 2),
        i16: torch.tensor([1, 2, 3], { dtype: torch.int16 }),
        b: torch.tensor([true, false]),
      });
      const t = load(path);
      const buffers = new Set(
        Object.values(t).map((x) => x.storage.data.buffer),
      );
      // A path is read into one buffer of exactly the file's size, and every tensor views it.
      assert.equal(buffers.size, 1);
      assert.equal([...buffers][0].byteLength, statSync(path).size);
      // From bytes in memory: writes through a loaded tensor land in those bytes.
      const bytes = serialize({ w: torch.ones(4) });
      load(bytes).w.fill_(0);
      assert.deepEqual(load(bytes).w.tolist(), [0, 0, 0, 0]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("__metadata__ round-trips, hostile keys included", () => {
    const meta = { format: "pt", ["__proto__"]: "x", empty: "", "ü": '€\n"' };
    const bytes = serialize({ a: torch.zeros(1) }, meta);
    const back = load_metadata(bytes);
    assert.deepEqual(Object.entries(back), Object.entries(meta));
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(load_metadata(serialize({ a: torch.zeros(1) })), {});
    // An empty file: nothing but the header.
    assert.deepEqual(parse(serialize({}, { k: "v" })), {
      tensors: {},
      metadata: { k: "v" },
    });
    assert.throws(
      () => parse(withHeader({ __metadata__: ["a"] })),
      /__metadata__ must be an object of strings/,
    );
  });

  test("a tensor named like an Object.prototype property is a tensor, not a prototype", () => {
    const bytes = serialize({
      ["__proto__"]: torch.tensor([1, 2]),
      constructor: torch.tensor([3]),
    });
    const t = load(bytes);
    assert.deepEqual(Object.keys(t).sort(), ["__proto__", "constructor"]);
    assert.deepEqual(t["__proto__"].tolist(), [1, 2]);
    assert.deepEqual(t["constructor"].tolist(), [3]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    for (const code of ["toString", "__proto__", "constructor"]) {
      assert.throws(
        () =>
          parse(
            withHeader({
              x: { dtype: code, shape: [2], data_offsets: [0, 8] },
            }),
          ),
        /unknown dtype/,
      );
    }
  });
});

/** A small pseudo-random generator (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Parses `bytes`: the tensors must be whole (data as long as the shape says, values readable), or
 * the failure one of parse's own Errors, never a TypeError/RangeError from a missed check.
 */
function loadsOrThrows(bytes: Uint8Array): boolean {
  // A parse that hangs on a lying header fails the test by its timeout; how fast parsing is
  // belongs to bench/, not here (tests assert no timings).
  try {
    const { tensors, metadata } = parse(bytes);
    for (const [name, t] of Object.entries(tensors)) {
      const numel = [...t.shape].reduce((a, b) => a * b, 1);
      assert.equal(t.numel(), numel, name);
      assert.ok(t.storage.data.length >= numel, name);
      assert.equal(
        (t.contiguous().view(-1).tolist() as number[]).length,
        numel,
        name,
      );
    }
    for (const v of Object.values(metadata)) assert.equal(typeof v, "string");
    return true;
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    assert.ok(e instanceof SafetensorError, `${e.name}: ${e.message}`);
    assert.equal(e.name, "SafetensorError");
    assert.ok(e.message.startsWith("safetensors: "), e.message);
    return false;
  }
}

// Thousands of parses each: a second or so alone, several on a busy machine.
const PROPERTY = { timeout: 60_000 };

describe("safetensors property: corrupt input loads consistently or throws an Error", () => {
  const good = serialize({
    w: torch.arange(6, { dtype: torch.float32 }).reshape(2, 3),
    i: torch.tensor([-1, 2 ** 40], { dtype: torch.int64 }),
    h: torch.tensor([0.5, 2], { dtype: torch.float16 }),
    m: torch.tensor([true, false, true]),
    s: torch.tensor(7, { dtype: torch.int16 }),
  }, { format: "pt" });
  const headerEnd = 8 + Number(
    new DataView(good.buffer).getBigUint64(0, true),
  );

  test("every truncation throws", PROPERTY, () => {
    assert.equal(loadsOrThrows(good), true);
    for (let n = 0; n < good.length; n++) {
      assert.equal(loadsOrThrows(good.subarray(0, n)), false, `cut at ${n}`);
    }
  });

  test("4000 random byte flips in the header and the data", PROPERTY, () => {
    const r = rng(1);
    let loaded = 0;
    for (let i = 0; i < 4000; i++) {
      const b = good.slice();
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) {
        // Mostly the length and the JSON, where the parsing is; some in the data.
        const at = Math.floor(r() * (r() < 0.8 ? headerEnd : b.length));
        b[at] = r() < 0.5 ? b[at] ^ (1 << Math.floor(r() * 8)) : r() * 256;
      }
      loaded += +loadsOrThrows(b);
    }
    assert.ok(loaded > 0 && loaded < 4000, `${loaded} loaded`);
  });

  test("header mutations that keep the JSON valid", PROPERTY, () => {
    // Random flips mostly break the JSON; these reach the checks behind it.
    const r = rng(2);
    const json = new TextDecoder().decode(good.subarray(8, headerEnd));
    const pieces = [
      "-1",
      "0",
      "1e308",
      "9007199254740993",
      "1.5",
      "null",
      "true",
      '"x"',
      "[]",
      "{}",
      '"F32"',
      '"__proto__"',
      '"toString"',
      "[0,0]",
      "[1e20,0]",
      "[[1]]",
    ];
    for (let i = 0; i < 2000; i++) {
      // Replace one number, string or bracket group with another JSON value.
      const spots = [...json.matchAll(/-?\d+(\.\d+)?|"[^"]*"|\[[^\[\]]*\]/g)];
      const m = spots[Math.floor(r() * spots.length)];
      const text = json.slice(0, m.index) +
        pieces[Math.floor(r() * pieces.length)] +
        json.slice(m.index! + m[0].length);
      const head = new TextEncoder().encode(text);
      const b = new Uint8Array(8 + head.length + good.length - headerEnd);
      new DataView(b.buffer).setBigUint64(0, BigInt(head.length), true);
      b.set(head, 8);
      b.set(good.subarray(headerEnd), 8 + head.length);
      loadsOrThrows(b);
    }
  });

  test(
    "deep nesting is refused with the reason, not a stack overflow",
    PROPERTY,
    () => {
      // Bun's JSON.stringify overflows its stack on this shape: error messages must not print it whole.
      const deep = "[".repeat(200_000) + "]".repeat(200_000);
      const text = `{"x":{"dtype":"F32","shape":${deep},"data_offsets":[0,0]}}`;
      const head = new TextEncoder().encode(text);
      const b = new Uint8Array(8 + head.length);
      new DataView(b.buffer).setBigUint64(0, BigInt(head.length), true);
      b.set(head, 8);
      assert.throws(() => parse(b), /tensor 'x' has an invalid shape/);
      assert.equal(loadsOrThrows(b.subarray(0, 8 + 100_000)), false);
    },
  );

  test(
    "random garbage, with and without a plausible header length",
    PROPERTY,
    () => {
      const r = rng(3);
      for (let i = 0; i < 2000; i++) {
        const b = Uint8Array.from(
          { length: Math.floor(r() * 200) },
          () => Math.floor(r() * 256),
        );
        if (i % 2 && b.length >= 10) {
          new DataView(b.buffer).setBigUint64(
            0,
            BigInt(Math.floor(r() * (b.length - 8))),
            true,
          );
          b[8] = 0x7b;
        }
        loadsOrThrows(b);
      }
    },
  );
});
