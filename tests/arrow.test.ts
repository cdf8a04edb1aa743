// interop/arrow.ts: tensors over Arrow buffers and back, zero copy proven by shared ArrayBuffers,
// IPC fixtures from tests/fixtures/gen_arrow.ts, clear errors, and corrupted IPC bytes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as apacheArrow from "apache-arrow";
import * as torch from "../mod.ts";
import * as arrow from "../interop/arrow.ts";

/**
 * Whether two arrays view overlapping bytes of one buffer. Small tensors share slab buffers, so
 * the same ArrayBuffer alone does not mean the same memory.
 */
function sharesMemory(
  a: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
  b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number },
): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength;
}

const fixture = (name: string) =>
  new URL(`./fixtures/arrow/${name}`, import.meta.url);
// A fresh, 8-aligned copy of a fixture's bytes, so that views into it can be checked.
const fixtureBytes = (name: string) =>
  new Uint8Array(readFileSync(fixture(name)));

const dataOf = (t: torch.Tensor) => t.numpy().data;
const values = (t: torch.Tensor) => Array.from(dataOf(t) as ArrayLike<unknown>);
const list = (t: torch.Tensor) => t.tolist() as unknown[];
const chunk0 = (v: apacheArrow.Vector) => v.data[0].values as ArrayBufferView;
const rows = <T>(n: number, f: (i: number) => T): T[] =>
  Array.from({ length: n }, (_, i) => f(i));

const NUMERIC: [torch.dtype, string][] = [
  [torch.float16, "Float16"],
  [torch.float32, "Float32"],
  [torch.float64, "Float64"],
  [torch.int64, "Int64"],
  [torch.int32, "Int32"],
  [torch.int16, "Int16"],
  [torch.int8, "Int8"],
  [torch.uint8, "Uint8"],
];

describe("arrow: vectors and tensors", () => {
  test("every numeric dtype round trips without a copy", () => {
    for (const [dtype, name] of NUMERIC) {
      const t = torch.tensor([1, 2, 3, 100], { dtype });
      const v = arrow.from_tensor(t);
      assert.equal(String(v.type), name);
      assert.ok(sharesMemory(chunk0(v), dataOf(t)), name);
      const back = arrow.to_tensor(v);
      assert.equal(back.dtype, dtype);
      assert.ok(sharesMemory(dataOf(back), dataOf(t)), name);
      assert.deepEqual(back.tolist(), t.tolist(), name);
      assert.deepEqual([...v].map(Number), [1, 2, 3, 100], name);
    }
  });

  test("bool is copied into bits and back", () => {
    const t = torch.tensor([
      true,
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
    const v = arrow.from_tensor(t);
    assert.equal(String(v.type), "Bool");
    assert.deepEqual(v.toArray().slice(0, 9), t.tolist());
    const back = arrow.to_tensor(v);
    assert.equal(back.dtype, torch.bool);
    assert.deepEqual(back.tolist(), t.tolist());
    assert.ok(!sharesMemory(dataOf(back), chunk0(v)));
    // A sliced Bool vector starts mid-byte.
    assert.deepEqual(arrow.to_tensor(v.slice(3)).tolist(), list(t).slice(3));
  });

  test("int64 is a view over a BigInt64Array, exact beyond 2^53", () => {
    const big = new BigInt64Array([2n ** 60n + 1n, -5n]);
    const t = arrow.to_tensor(apacheArrow.makeVector(big));
    assert.equal(t.dtype, torch.int64);
    assert.ok(dataOf(t) instanceof BigInt64Array);
    assert.ok(sharesMemory(dataOf(t), big));
    assert.deepEqual(values(t), [2n ** 60n + 1n, -5n]);
  });

  test("writes through the tensor are seen by the vector, and back", () => {
    const a = new Float32Array([1, 2, 3]);
    const v = apacheArrow.makeVector(a);
    const t = arrow.to_tensor(v);
    assert.ok(sharesMemory(dataOf(t), a));
    t.mul_(2);
    assert.deepEqual(v.toArray(), new Float32Array([2, 4, 6]));
    v.set(1, 9);
    assert.deepEqual(t.tolist(), [2, 9, 6]);

    const u = torch.zeros(4, { dtype: torch.float64 });
    const w = arrow.from_tensor(u);
    u.fill_(3);
    assert.equal(w.get(0), 3);
    w.set(2, -1);
    assert.deepEqual(u.tolist(), [3, 3, -1, 3]);
  });

  test("a sliced vector is a view at its offset", () => {
    const a = new Int32Array([0, 1, 2, 3, 4, 5]);
    const t = arrow.to_tensor(apacheArrow.makeVector(a).slice(2, 5));
    assert.deepEqual(t.tolist(), [2, 3, 4]);
    assert.ok(sharesMemory(dataOf(t), a));
  });

  test("a non-contiguous tensor is copied, in row-major order of the view", () => {
    const base = torch.arange(6, { dtype: torch.float32 });
    const strided = base.view(2, 3).t().reshape(6);
    const odd = base.view(3, 2).select(1, 1); // [1, 3, 5], stride 2
    const v = arrow.from_tensor(odd);
    assert.deepEqual([...v], [1, 3, 5]);
    assert.ok(!sharesMemory(chunk0(v), dataOf(base)));
    assert.deepEqual([...arrow.from_tensor(strided)], strided.tolist());
  });

  test("several chunks are concatenated into a copy", () => {
    const a = new Float64Array([1, 2]), b = new Float64Array([3, 4, 5]);
    const v = apacheArrow.makeVector(a).concat(apacheArrow.makeVector(b));
    assert.equal(v.data.length, 2);
    const t = arrow.to_tensor(v);
    assert.deepEqual(t.tolist(), [1, 2, 3, 4, 5]);
    assert.ok(!sharesMemory(dataOf(t), a));
    const bools = apacheArrow.vectorFromArray(
      [true, false],
      new apacheArrow.Bool(),
    )
      .concat(
        apacheArrow.vectorFromArray(
          [false, true, true],
          new apacheArrow.Bool(),
        ),
      );
    assert.deepEqual(arrow.to_tensor(bools).tolist(), [
      true,
      false,
      false,
      true,
      true,
    ]);
    const fsl = arrow.from_tensor(torch.arange(4).view(2, 2))
      .concat(arrow.from_tensor(torch.arange(4, 10).view(3, 2)));
    assert.deepEqual(arrow.to_tensor(fsl).tolist(), [[0, 1], [2, 3], [4, 5], [
      6,
      7,
    ], [8, 9]]);
  });

  test("nulls are an error unless filled, and filling copies", () => {
    const v = apacheArrow.vectorFromArray(
      [1, null, 3],
      new apacheArrow.Float64(),
    );
    assert.throws(() => arrow.to_tensor(v), /1 null\(s\).*fill/);
    const t = arrow.to_tensor(v, { fill: Number.NaN });
    assert.deepEqual(t.tolist(), [1, Number.NaN, 3]);
    assert.ok(!sharesMemory(dataOf(t), chunk0(v)));
    // The vector is unchanged by the fill.
    assert.equal(v.get(1), null);

    const i64 = apacheArrow.vectorFromArray(
      [null, 7n],
      new apacheArrow.Int64(),
    );
    assert.deepEqual(values(arrow.to_tensor(i64, { fill: -1 })), [-1n, 7n]);
    assert.deepEqual(values(arrow.to_tensor(i64, { fill: 2n ** 62n })), [
      2n ** 62n,
      7n,
    ]);
    const i32 = apacheArrow.vectorFromArray([null, 7], new apacheArrow.Int32());
    assert.throws(() => arrow.to_tensor(i32, { fill: 0.5 }), /not an integer/);
    const b = apacheArrow.vectorFromArray(
      [true, null, false],
      new apacheArrow.Bool(),
    );
    assert.throws(() => arrow.to_tensor(b), /null/);
    assert.deepEqual(arrow.to_tensor(b, { fill: true }).tolist(), [
      true,
      true,
      false,
    ]);
  });

  test("FixedSizeList both ways, as an [n, width] view", () => {
    const t = torch.arange(6, { dtype: torch.float32 }).view(3, 2);
    const v = arrow.from_tensor(t);
    assert.equal(String(v.type), "FixedSizeList[2]<Float32>");
    assert.equal(v.length, 3);
    assert.deepEqual([...v.get(1)!], [2, 3]);
    assert.ok(sharesMemory(v.data[0].children[0].values, dataOf(t)));
    const back = arrow.to_tensor(v);
    assert.deepEqual([...back.shape], [3, 2]);
    assert.ok(sharesMemory(dataOf(back), dataOf(t)));
    back.add_(10);
    assert.deepEqual([...v.get(2)!], [14, 15]);

    const i8 = arrow.to_tensor(
      arrow.from_tensor(torch.ones(2, 4, { dtype: torch.int8 })),
    );
    assert.equal(i8.dtype, torch.int8);
    assert.deepEqual([...i8.shape], [2, 4]);
    const empty = arrow.from_tensor(torch.zeros(3, 0));
    assert.equal(String(empty.type), "FixedSizeList[0]<Float32>");
    assert.deepEqual([...arrow.to_tensor(empty).shape], [3, 0]);
    const flags = arrow.from_tensor(
      torch.tensor([[true, false], [false, true]]),
    );
    assert.equal(String(flags.type), "FixedSizeList[2]<Bool>");
    assert.deepEqual(arrow.to_tensor(flags).tolist(), [[true, false], [
      false,
      true,
    ]]);
  });

  test("FixedSizeList with null rows: error, or rows filled in a copy", () => {
    const type = new apacheArrow.FixedSizeList(
      2,
      new apacheArrow.Field("item", new apacheArrow.Float32()),
    );
    const v = apacheArrow.vectorFromArray([[1, 2], null, [5, 6]], type);
    assert.throws(() => arrow.to_tensor(v), /null/);
    assert.deepEqual(arrow.to_tensor(v, { fill: 0 }).tolist(), [
      [1, 2],
      [0, 0],
      [5, 6],
    ]);
  });

  test("unsupported types are clear errors naming the type", () => {
    const cases: [apacheArrow.Vector, RegExp][] = [
      [apacheArrow.vectorFromArray(["a", "b"], new apacheArrow.Utf8()), /Utf8/],
      [apacheArrow.vectorFromArray(["a", "b", "a"]), /Dictionary/],
      [
        apacheArrow.vectorFromArray(
          [[[1]]],
          new apacheArrow.FixedSizeList(
            1,
            new apacheArrow.Field(
              "item",
              new apacheArrow.FixedSizeList(
                1,
                new apacheArrow.Field("item", new apacheArrow.Float32()),
              ),
            ),
          ),
        ),
        /FixedSizeList\[1\]<Float32> \(nested\)/,
      ],
    ];
    for (const [v, re] of cases) assert.throws(() => arrow.to_tensor(v), re);
    assert.throws(
      () => arrow.from_tensor(torch.zeros(2, 2, 2)),
      /1-D or 2-D.*3-D/,
    );
    assert.throws(() => arrow.from_tensor(torch.tensor(1)), /0-D/);
    assert.throws(
      () => arrow.from_tensor(torch.zeros(2, { requires_grad: true })),
      /requires grad/,
    );
    assert.throws(
      () => arrow.to_tensor({} as apacheArrow.Vector),
      /expects an Arrow/,
    );
  });
});

describe("arrow: tables", () => {
  const record = () => ({
    a: torch.tensor([1, 2, 3], { dtype: torch.int32 }),
    b: torch.tensor([0.5, 1.5, 2.5], { dtype: torch.float64 }),
    emb: torch.arange(6, { dtype: torch.float32 }).view(3, 2),
  });

  test("table() makes columns over the tensors' memory", () => {
    const r = record();
    const t = arrow.table(r);
    assert.equal(t.numRows, 3);
    assert.deepEqual(t.schema.fields.map((f) => `${f.name}: ${f.type}`), [
      "a: Int32",
      "b: Float64",
      "emb: FixedSizeList[2]<Float32>",
    ]);
    assert.ok(sharesMemory(chunk0(t.getChild("b")!), dataOf(r.b)));
    r.a.add_(100);
    assert.equal(t.getChild("a")!.get(0), 101);
  });

  test("a table as one 2-D tensor: a copy, float by default, columns chosen", () => {
    const t = arrow.table(record());
    const all = arrow.to_tensor(t);
    assert.equal(all.dtype, torch.float32);
    assert.deepEqual(all.tolist(), [[1, 0.5, 0, 1], [2, 1.5, 2, 3], [
      3,
      2.5,
      4,
      5,
    ]]);
    const ba = arrow.to_tensor(t, {
      columns: ["b", "a"],
      dtype: torch.float64,
    });
    assert.equal(ba.dtype, torch.float64);
    assert.deepEqual(ba.tolist(), [[0.5, 1], [1.5, 2], [2.5, 3]]);
    assert.deepEqual(
      arrow.to_tensor(t, { columns: ["a"], dtype: "int64" }).tolist(),
      [[1], [2], [3]],
    );
    assert.throws(
      () => arrow.to_tensor(t, { columns: ["a", "zz"] }),
      /no column "zz".*"a", "b", "emb"/,
    );
  });

  test("a table as a record of views", () => {
    const r = record();
    const t = arrow.table(r);
    const rec = arrow.to_tensor(t, { as: "record", columns: ["emb", "a"] });
    assert.deepEqual(Object.keys(rec), ["emb", "a"]);
    assert.ok(sharesMemory(dataOf(rec.emb), dataOf(r.emb)));
    assert.deepEqual([...rec.emb.shape], [3, 2]);
    const again = arrow.to_tensors(t.batches[0]);
    assert.deepEqual(Object.keys(again), ["a", "b", "emb"]);
    assert.ok(sharesMemory(dataOf(again.b), dataOf(r.b)));
  });

  test("bad tables: wrong lengths, unsupported columns named", () => {
    assert.throws(
      () => arrow.table({ x: torch.zeros(3), y: torch.zeros(4) }),
      /column "y" has 4 rows, but column "x" has 3/,
    );
    assert.throws(
      () => arrow.table({ x: torch.zeros(2, 2, 2) }),
      /column "x".*3-D/,
    );
    const strings = new apacheArrow.Table({
      x: apacheArrow.makeVector(new Float32Array([1])),
      s: apacheArrow.vectorFromArray(["q"], new apacheArrow.Utf8()),
    });
    assert.throws(
      () => arrow.to_tensor(strings),
      /column "s" has Arrow type Utf8/,
    );
    assert.deepEqual(arrow.to_tensor(strings, { columns: ["x"] }).tolist(), [[
      1,
    ]]);
  });

  test("a table through IPC bytes and back", () => {
    const r = record();
    for (const format of ["file", "stream"] as const) {
      const bytes = apacheArrow.tableToIPC(arrow.table(r), format);
      const rec = arrow.to_tensors(arrow.read(bytes));
      assert.deepEqual(rec.a.tolist(), r.a.tolist());
      assert.deepEqual(rec.b.tolist(), r.b.tolist());
      assert.deepEqual(rec.emb.tolist(), r.emb.tolist());
      assert.ok(sharesMemory(dataOf(rec.b), bytes));
    }
  });
});

describe("arrow: IPC fixtures", () => {
  const expectNumeric = (rec: Record<string, torch.Tensor>) => {
    const n = 5;
    const want: Record<string, [torch.dtype, unknown[]]> = {
      f16: [torch.float16, rows(n, (i) => i / 2)],
      f32: [torch.float32, rows(n, (i) => i + 0.5)],
      f64: [torch.float64, rows(n, (i) => i / 4 - 1)],
      i8: [torch.int8, rows(n, (i) => -i | 0)],
      i16: [torch.int16, rows(n, (i) => 300 * i)],
      i32: [torch.int32, rows(n, (i) => 100000 * i - 7)],
      i64: [torch.int64, rows(n, (i) => 2n ** 53n + BigInt(i))],
      u8: [torch.uint8, rows(n, (i) => 250 + i)],
      flag: [torch.bool, rows(n, (i) => i % 2 === 0)],
      emb: [torch.float32, rows(n, (i) => [3 * i, 3 * i + 1, 3 * i + 2])],
    };
    assert.deepEqual(Object.keys(rec), Object.keys(want));
    for (const [name, [dtype, expected]] of Object.entries(want)) {
      assert.equal(rec[name].dtype, dtype, name);
      const got = name === "i64" ? values(rec[name]) : rec[name].tolist();
      assert.deepEqual(got, expected, name);
    }
  };

  for (const name of ["numeric.arrow", "numeric.arrows"]) {
    test(`${name}: every column, as views into the bytes`, () => {
      const bytes = fixtureBytes(name);
      const rec = arrow.to_tensors(arrow.read(bytes));
      expectNumeric(rec);
      for (
        const col of [
          "f16",
          "f32",
          "f64",
          "i8",
          "i16",
          "i32",
          "i64",
          "u8",
          "emb",
        ]
      ) {
        assert.ok(sharesMemory(dataOf(rec[col]), bytes), col);
      }
    });

    test(`${name}: writes through the tensor change the bytes, and back`, () => {
      const bytes = fixtureBytes(name);
      const f32 = arrow.to_tensor(arrow.read(bytes).getChild("f32")!);
      f32.add_(100);
      // Parse a copy of the bytes: the new values are in the file's bytes themselves.
      const reread = arrow.read(bytes.slice()).getChild("f32")!;
      assert.deepEqual([...reread], rows(5, (i) => i + 100.5));
      const at = dataOf(f32).byteOffset;
      new DataView(bytes.buffer).setFloat32(at, -3, true);
      assert.equal(list(f32)[0], -3);
    });
  }

  test("read() takes a path, a URL, an ArrayBuffer and unaligned bytes", () => {
    const path = fixture("numeric.arrow");
    expectNumeric(arrow.to_tensors(arrow.read(path)));
    expectNumeric(arrow.to_tensors(arrow.read(path.pathname)));
    expectNumeric(
      arrow.to_tensors(arrow.read(fixtureBytes("numeric.arrows").buffer)),
    );
    const raw = fixtureBytes("numeric.arrow");
    const shifted = new Uint8Array(raw.length + 3);
    shifted.set(raw, 3);
    expectNumeric(arrow.to_tensors(arrow.read(shifted.subarray(3))));
  });

  test("a table as one 2-D tensor", () => {
    const t = arrow.read(fixtureBytes("numeric.arrow"));
    const m = arrow.to_tensor(t, {
      columns: ["u8", "f64", "emb"],
      dtype: torch.float64,
    });
    assert.deepEqual([...m.shape], [5, 5]);
    assert.deepEqual(list(m)[2], [252, -0.5, 6, 7, 8]);
  });

  test("batches.arrow: chunks concatenated (Uint32 too), nulls and unsupported columns named", () => {
    const t = arrow.read(fixtureBytes("batches.arrow"));
    assert.equal(t.batches.length, 3);
    const x = arrow.to_tensor(t.getChild("x")!);
    assert.deepEqual(x.tolist(), rows(6, (i) => i * 1.5));
    assert.throws(
      () => arrow.to_tensors(t, { columns: ["maybe"] }),
      /column "maybe" has 1 null/,
    );
    const maybe = arrow.to_tensors(t, { columns: ["maybe"], fill: -1 }).maybe;
    assert.deepEqual(maybe.tolist(), [0, -1, 20, 30, -1, 50]);
    assert.throws(() => arrow.to_tensor(t), /column "maybe" has 1 null/);
    assert.throws(
      () => arrow.to_tensor(t, { fill: 0 }),
      /column "name" has Arrow type Utf8/,
    );
    // Uint32 chunks (Arrow JS wrote them) become one uint32 tensor.
    const big = arrow.to_tensors(t, { columns: ["big"] }).big;
    assert.equal(big.dtype, torch.uint32);
    assert.deepEqual(big.tolist(), rows(6, (i) => i));
    assert.deepEqual(
      list(arrow.to_tensor(t, { columns: ["x", "maybe"], fill: 0 }))[4],
      [6, 0],
    );
  });
});

describe("arrow: corrupted IPC bytes", () => {
  // Every outcome must be a Table or an Error: never a non-Error throw, a crash or a hang.
  const tryAll = (bytes: Uint8Array) => {
    let table: apacheArrow.Table;
    try {
      table = arrow.read(bytes);
    } catch (e) {
      assert.ok(e instanceof torch.ValueError, `threw ${String(e)}`);
      assert.match(e.message, /^not a valid Arrow IPC file or stream: /);
      return "error";
    }
    for (const f of table.schema.fields) {
      try {
        arrow.to_tensor(table.getChild(f.name)!, { fill: 0 });
      } catch (e) {
        // Ours, with words: corrupt buffers are ValueErrors, unsupported types TypeErrors.
        assert.ok(
          e instanceof torch.ValueError ||
            (e instanceof TypeError && /Arrow type|null/.test(e.message)),
          `threw ${String(e)}`,
        );
      }
    }
    return "table";
  };

  test("an empty or foreign input is an Error", () => {
    assert.throws(() => arrow.read(new Uint8Array(0)), Error);
    assert.throws(
      () => arrow.read(new TextEncoder().encode("not arrow at all, sorry")),
      /not a valid Arrow IPC/,
    );
  });

  // Issue 12 item 6: the message says what is wrong; apache-arrow's words stay as the cause.
  const invalid = (why: RegExp) => (e: unknown) => {
    assert.ok(e instanceof torch.ValueError, String(e));
    assert.match(e.message, /^not a valid Arrow IPC file or stream: /);
    assert.match(e.message, why);
    return true;
  };
  test("bad magic, truncation and a missing schema are named", () => {
    const stream = fixtureBytes("numeric.arrows");
    const file = fixtureBytes("numeric.arrow");
    assert.throws(
      () => arrow.read(new TextEncoder().encode("PAR1 this is a parquet file")),
      invalid(/bad magic: neither an Arrow IPC file .* nor a stream/),
    );
    assert.throws(
      () => arrow.read(stream.slice(0, 300)),
      invalid(
        /truncated: message 1 \(at byte 0\) has \d+ bytes of metadata, only 292 remain/,
      ),
    );
    assert.throws(
      () => arrow.read(file.slice(0, file.length - 40)),
      invalid(/truncated: an Arrow IPC file ends with its footer and ARROW1/),
    );
    // The stream without its first message (the Schema): its batches have nothing to describe them.
    const view = new DataView(stream.buffer, stream.byteOffset);
    const schemaEnd = 8 + view.getInt32(4, true);
    assert.throws(
      () => arrow.read(stream.slice(schemaEnd)),
      invalid(/schema missing: the first message is a RecordBatch/),
    );
    // A body cut short: the stream ends inside a record batch's buffers.
    assert.throws(
      () => arrow.read(stream.slice(0, stream.length - 100)),
      invalid(
        /truncated: message \d+ .*\(a RecordBatch\) has a \d+-byte body, only \d+ bytes remain/,
      ),
    );
    try {
      arrow.read(stream.slice(0, 300));
    } catch (e) {
      assert.ok(
        (e as Error).cause instanceof Error,
        "the reader's error is kept as the cause",
      );
    }
  });

  test("a corrupt children count is an Error, not an out-of-memory crash", () => {
    // Byte 1212 lies in the footer's schema: this flip makes a field claim millions of children,
    // which apache-arrow alone would try to decode.
    const bad = fixtureBytes("numeric.arrow");
    bad[1212] = 89;
    assert.throws(() => arrow.read(bad), /not a valid Arrow IPC.*overruns/);
  });

  for (const name of ["numeric.arrow", "numeric.arrows", "batches.arrow"]) {
    test(`${name}: truncations and byte flips`, { timeout: 60_000 }, () => {
      const good = fixtureBytes(name);
      for (let n = 0; n < good.length; n += 5) tryAll(good.slice(0, n));
      let seed = 12345;
      const rand = () =>
        (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (let k = 0; k < 300; k++) {
        const bad = good.slice();
        for (let j = 0; j < 1 + (k % 3); j++) {
          bad[Math.floor(rand() * bad.length)] ^= 1 + Math.floor(rand() * 255);
        }
        tryAll(bad);
      }
    });
  }
});
