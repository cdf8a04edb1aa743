// .npy/.npz against files real NumPy wrote (tests/fixtures/gen_npy.py), byte-identical saving,
// zero copy, and corrupted input thrown at both loaders.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as npyjsParse } from "npyjs";
import * as torch from "../mod.ts";
import { npy, npz } from "../interop/mod.ts";
import type { NpyArray } from "../interop/npy.ts";
import { readMember, readZip } from "../interop/_zip.ts";
import { rng } from "./_support/rng.ts";

const dir = fileURLToPath(new URL("./fixtures/npy/", import.meta.url));
const fixture = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
type Entry = {
  descr: string;
  dtype: string;
  shape: number[];
  fortran_order: boolean;
  version: number;
  values?: (number | string)[];
  arange?: boolean;
  same_as?: string;
};
const manifest = JSON.parse(
  readFileSync(join(dir, "manifest.json"), "utf8"),
) as {
  npy: Record<string, Entry>;
  npz: Record<
    string,
    { compression: Record<string, number>; members: Record<string, Entry> }
  >;
  rejected: Record<string, string>;
};

/** The elements in C order, as the manifest records them (int64 as strings, bools as 0/1). */
function elements(a: NpyArray | torch.NDArray): (number | string)[] {
  const out: (number | string)[] = [];
  const walk = (dim: number, at: number) => {
    if (dim === a.shape.length) {
      const v = a.data[at];
      out.push(
        typeof v === "bigint"
          ? String(v)
          : Number.isFinite(v)
          ? v
          : String(v).replace("Infinity", "inf").replace("NaN", "nan"),
      );
      return;
    }
    for (let i = 0; i < a.shape[dim]; i++) {
      walk(dim + 1, at + i * a.strides[dim]);
    }
  };
  walk(0, a.offset);
  return out;
}

function checkEntry(a: NpyArray | torch.NDArray, e: Entry) {
  assert.equal(a.dtype, e.dtype);
  assert.deepEqual(a.shape, e.shape);
  const values = elements(a);
  if (e.arange) assert.deepEqual(values, values.map((_, i) => i));
  else assert.deepEqual(values, e.values);
}

describe("npy.load: files NumPy wrote", () => {
  for (const [name, e] of Object.entries(manifest.npy)) {
    test(`${name}.npy (${e.descr}, shape [${e.shape}], v${e.version}${e.fortran_order ? ", Fortran" : ""})`, () => {
      const a = npy.load(join(dir, `${name}.npy`));
      checkEntry(a, e);
      assert.equal(a.fortranOrder, e.fortran_order);
      assert.equal(a.version, e.version);
      assert.equal(a.descr, e.descr);
      assert.equal(a.copied, e.descr[0] === ">" && e.descr[2] !== "1");
      // The tensor is the same memory, with the same values.
      const t = torch.load_npy(join(dir, `${name}.npy`));
      assert.deepEqual([...t.shape], e.shape);
      assert.equal(t.dtype.name, e.dtype);
      checkEntry(torch.from_numpy(a).contiguous().numpy(), e);
    });
  }
  test("the rejected dtypes throw TypeErrors naming the file and the type", () => {
    for (const [name, descr] of Object.entries(manifest.rejected)) {
      assert.throws(() => npy.load(join(dir, `${name}.npy`)), (e: Error) => {
        assert.equal(e.name, "TypeError");
        assert.ok(e.message.includes(`${name}.npy: `), e.message);
        assert.ok(
          e.message.includes(descr === "structured" ? "structured" : descr),
          e.message,
        );
        return true;
      });
    }
    assert.throws(
      () => npy.load(join(dir, "bad_object.npy")),
      /numpy\.object_/,
    );
  });
  test("npyjs reads the simple v1 files the same (our second reader)", () => {
    for (
      const name of [
        "f4",
        "f8",
        "i8",
        "i4",
        "i2",
        "i1",
        "u1",
        "range_i4",
        "dims5",
        "v2_f4",
      ]
    ) {
      const ours = npy.load(join(dir, `${name}.npy`));
      const theirs = npyjsParse(fixture(`${name}.npy`).buffer);
      assert.deepEqual(theirs.shape, ours.shape);
      assert.deepEqual([...theirs.data as Float64Array], [
        ...ours.data as Float64Array,
      ]);
    }
    // Where it falls short: big-endian data.
    assert.throws(() => npyjsParse(fixture("big_f8.npy").buffer));
  });
  test("a missing file names the path", () => {
    assert.throws(() => npy.load(join(dir, "nope.npy")), /nope\.npy/);
  });
});

describe("npy.encode / npy.save: np.save's bytes", () => {
  for (const [name, e] of Object.entries(manifest.npy)) {
    if (!e.same_as) continue;
    test(`${name}.npy`, () => {
      const a = npy.load(join(dir, `${name}.npy`));
      assert.deepEqual(npy.encode(a), fixture(`${name}.npy`));
      assert.deepEqual(npy.encode(torch.from_numpy(a)), fixture(`${name}.npy`));
    });
  }
  test("arrays built here, not loaded, give the same bytes", () => {
    assert.deepEqual(
      npy.encode(new Float64Array(5).fill(1)),
      fixture("ones5.npy"),
    );
    const f8 = torch.tensor([[0, 1.5, -2], [3.25, 4, -5.5]], {
      dtype: torch.float64,
    });
    assert.deepEqual(npy.encode(f8), fixture("f8.npy"));
    assert.deepEqual(npy.encode(f8.to(torch.bool)), fixture("b1.npy"));
    // np.arange(6.0).reshape(2, 3).T: F-contiguous, saved in Fortran order.
    const T = torch.arange(6, { dtype: torch.float64 }).reshape(2, 3).t();
    assert.deepEqual(npy.encode(T), fixture("fortran.npy"));
    // np.arange(12.0).reshape(3, 4)[:, ::2]: neither, saved in C order.
    const iota = Float64Array.from({ length: 12 }, (_, i) => i);
    const strided = { data: iota, shape: [3, 2], strides: [4, 2] };
    assert.deepEqual(npy.encode(strided), fixture("strided.npy"));
    assert.deepEqual(npy.encode(strided), fixture("flambeau_strided.npy"));
    assert.deepEqual(
      npy.encode({ data: new Float64Array([3.5]), shape: [] }),
      fixture("scalar.npy"),
    );
  });
  test("round trips: every dtype, 0-d, empty, Fortran", () => {
    const cases = [
      torch.randn(3, 4),
      torch.randn(2, 5, { dtype: torch.float64 }).t(),
      torch.randn(7).to(torch.float16),
      torch.randint(-1000, 1000, [4, 3]),
      torch.randint(-100, 100, [6]).to(torch.int32),
      torch.randint(-100, 100, [2, 2]).to(torch.int16),
      torch.randint(-100, 100, [5]).to(torch.int8),
      torch.randint(0, 255, [5]).to(torch.uint8),
      torch.randint(0, 65535, [3, 2]).to(torch.uint16),
      torch.randint(0, 2 ** 32 - 1, [4]).to(torch.uint32),
      torch.tensor([2n ** 64n - 1n, 0n, 2n ** 53n + 1n], {
        dtype: torch.uint64,
      }),
      torch.randn(6).gt(0),
      torch.tensor(2.5),
      torch.zeros(0, 4),
    ];
    for (const t of cases) {
      const back = npy.parse(npy.encode(t));
      assert.deepEqual(back.shape, [...t.shape]);
      assert.equal(back.dtype, t.dtype.name);
      assert.deepEqual(elements(back), elements(t.contiguous().numpy()));
    }
  });
  test("save appends .npy, writes through a temporary file, leaves nothing behind on error", () => {
    const tmp = mkdtempSync(join(tmpdir(), "flambeau-npy-"));
    try {
      const written = npy.save(join(tmp, "x"), torch.arange(6).reshape(2, 3));
      assert.equal(written, join(tmp, "x.npy"));
      assert.deepEqual(torch.load_npy(written).tolist(), [[0, 1, 2], [
        3,
        4,
        5,
      ]]);
      // A failing save leaves the previous file as it was and no temporary file.
      const before = readFileSync(written);
      // NumPy has no bfloat16: PyTorch's numpy() refuses it, and so does save.
      assert.throws(
        () => npy.save(written, torch.ones(3, { dtype: torch.bfloat16 })),
        /Got unsupported ScalarType BFloat16/,
      );
      assert.deepEqual(readFileSync(written), before);
      assert.throws(() =>
        npy.save(join(tmp, "no/such/dir/y.npy"), torch.ones(2))
      );
      assert.deepEqual(readdirSync(tmp), ["x.npy"]);
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });
});

describe("npy: zero copy and what is copied", () => {
  test("the data is a view into the bytes: writes change the file's bytes", () => {
    const bytes = fixture("f8.npy");
    const a = npy.parse(bytes);
    assert.equal(a.data.buffer, bytes.buffer);
    assert.equal(a.copied, false);
    a.data[1] = 42;
    const dv = new DataView(bytes.buffer);
    assert.equal(dv.getFloat64(128 + 8, true), 42);
    // And through a tensor: an in-place op writes into the same bytes.
    torch.load_npy(bytes).add_(1);
    assert.equal(dv.getFloat64(128 + 8, true), 43);
  });
  test("a window of a bigger buffer is viewed in place when aligned", () => {
    const big = new Uint8Array(8 + fixture("i4.npy").length);
    big.set(fixture("i4.npy"), 8);
    const a = npy.parse(big.subarray(8));
    assert.equal(a.data.buffer, big.buffer);
    assert.deepEqual([...a.data], [0, 1, -2, 3, 4, -5]);
  });
  test("misaligned data is copied, with the right values", () => {
    const big = new Uint8Array(3 + fixture("f8.npy").length);
    big.set(fixture("f8.npy"), 3);
    const a = npy.parse(big.subarray(3));
    assert.equal(a.copied, true);
    assert.notEqual(a.data.buffer, big.buffer);
    assert.deepEqual([...a.data], [0, 1.5, -2, 3.25, 4, -5.5]);
  });
  test("big-endian data is byte-swapped into a copy", () => {
    const bytes = fixture("big_f8.npy");
    const a = npy.parse(bytes);
    assert.equal(a.copied, true);
    assert.notEqual(a.data.buffer, bytes.buffer);
    assert.deepEqual([...a.data], [0, 1.5, -2, 3.25, 4, -5.5]);
  });
  test("Fortran order is a strided view, not a copy", () => {
    const bytes = fixture("fortran3.npy");
    const a = npy.parse(bytes);
    assert.deepEqual(a.strides, [1, 2, 6]);
    assert.equal(a.data.buffer, bytes.buffer);
    const t = torch.from_numpy(a);
    assert.equal(t.is_contiguous(), false);
    assert.equal((t.tolist() as number[][][])[1][2][3], 23);
  });
});

/** A .npy whose header is `dict` (padded like np.save), followed by `data`. */
function withHeader(
  dict: string,
  data = new Uint8Array(0),
  version = 1,
): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const text = new TextEncoder().encode(dict);
  const pad = 64 - ((pre + text.length + 1) % 64);
  const out = new Uint8Array(pre + text.length + pad + 1 + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, text.length + pad + 1, true);
  else dv.setUint32(8, text.length + pad + 1, true);
  out.set(text, pre);
  out.fill(0x20, pre + text.length, pre + text.length + pad);
  out[pre + text.length + pad] = 0x0a;
  out.set(data, out.length - data.length);
  return out;
}

describe("npy: malformed headers", () => {
  const d = (shape: string, descr = "<f8", extra = "") =>
    `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, ${extra}}`;
  test("Python 2's 5L ints are read; v2 and v3 headers are read", () => {
    assert.deepEqual(
      npy.parse(withHeader(d("(2L,)"), new Uint8Array(16))).shape,
      [2],
    );
    assert.deepEqual(
      npy.parse(withHeader(d("(1,)"), new Uint8Array(8), 2)).shape,
      [1],
    );
    assert.deepEqual(
      npy.parse(withHeader(d("(1,)"), new Uint8Array(8), 3)).shape,
      [1],
    );
  });
  const bad: [string, Uint8Array, RegExp][] = [
    [
      "wrong magic",
      new TextEncoder().encode("PK\x03\x04 not npy at all"),
      /not an \.npy file/,
    ],
    ["empty input", new Uint8Array(0), /truncated/],
    [
      "version 4",
      (() => {
        const b = withHeader(d("(1,)"), new Uint8Array(8));
        b[6] = 4;
        return b;
      })(),
      /format version/,
    ],
    ["a negative dimension", withHeader(d("(-1, 2)")), /shape is not valid/],
    [
      "a huge product",
      withHeader(d("(100000000000, 100000000000, 100000000000)")),
      /truncated/,
    ],
    [
      "an absurd dimension",
      withHeader(d("(1" + "0".repeat(40) + ",)")),
      /shape is not valid/,
    ],
    [
      "a shape bigger than the data",
      withHeader(d("(3,)"), new Uint8Array(16)),
      /needs 24 bytes.*has 16/,
    ],
    [
      "a 0-d array cut short (issue 12: the check skipped shape ())",
      withHeader(d("()"), new Uint8Array(5)),
      /shape \(\) of '<f8' needs 8 bytes.*has 5/,
    ],
    [
      "a 0-d array with no data at all",
      withHeader(d("()")),
      /needs 8 bytes.*has 0/,
    ],
    [
      "a descr that is no dtype (NumPy's ValueError, not a TypeError)",
      withHeader(d("(1,)", "@@@"), new Uint8Array(8)),
      /descr is not a valid dtype descriptor: '@@@'/,
    ],
    [
      "a missing key",
      withHeader("{'descr': '<f8', 'shape': (1,), }"),
      /correct keys/,
    ],
    ["an extra key", withHeader(d("(1,)", "<f8", "'x': 1, ")), /correct keys/],
    ["a float shape", withHeader(d("(1.5,)")), /cannot parse header/],
    ["deep nesting", withHeader(d("(".repeat(5000))), /nesting too deep/],
    ["not a dict", withHeader("[1, 2, 3]"), /not a dict/],
    [
      "invalid UTF-8 in a v3 header",
      withHeader(d("(1,)", "<f8\udc80"), new Uint8Array(8), 3),
      /./,
    ],
    [
      "a header longer than the file",
      withHeader(d("(1,)")).subarray(0, 50),
      /truncated/,
    ],
  ];
  for (const [what, bytes, re] of bad) {
    test(what, () => {
      assert.throws(() => npy.parse(bytes, "case.npy"), (e: Error) => {
        assert.ok(e.message.startsWith("case.npy: "), e.message);
        assert.match(e.message, re);
        // NumPy's type for a malformed file, never a runtime's RangeError or TypeError.
        assert.equal(e.name, "ValueError", e.message);
        return true;
      });
    });
  }
});

/** Loads `bytes`; it must give a consistent array or throw one of our Errors (named, prefixed). */
function loadsOrThrows(
  bytes: Uint8Array,
  load: (b: Uint8Array) => void,
): boolean {
  try {
    load(bytes);
    return true;
  } catch (e) {
    assert.ok(e instanceof Error, `threw a non-Error: ${e}`);
    assert.ok(
      ["ValueError", "TypeError", "Error"].includes(e.name),
      `${e.name}: ${e.message}`,
    );
    assert.ok(
      e.message.startsWith("<bytes>"),
      `not one of ours: ${e.name}: ${e.message}`,
    );
    return false;
  }
}

function checkNpy(b: Uint8Array): void {
  const a = npy.parse(b);
  assert.equal(a.data.length, a.shape.reduce((x, y) => x * y, 1));
  torch.from_numpy(a);
}

function checkNpz(b: Uint8Array): void {
  const z = npz.load(b);
  for (const m of z.members) {
    if (m.name.endsWith(".npy")) {
      loadsOrThrows(b, () => checkNpy(z.read(m.name)));
    }
  }
}

function mutants(
  src: Uint8Array,
  seed: number,
  count: number,
  headerEnd: number,
): Uint8Array[] {
  const r = rng(seed), out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = src.slice();
    const flips = 1 + Math.floor(r() * 3);
    for (let k = 0; k < flips; k++) {
      const at = Math.floor(
        r() * (r() < 0.7 ? Math.min(headerEnd, b.length) : b.length),
      );
      b[at] = r() < 0.5
        ? b[at] ^ (1 << Math.floor(r() * 8))
        : Math.floor(r() * 256);
    }
    out.push(b);
  }
  return out;
}

function garbage(seed: number, count: number, prefix: number[]): Uint8Array[] {
  const r = rng(seed), out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = Uint8Array.from(
      { length: Math.floor(r() * 300) },
      () => Math.floor(r() * 256),
    );
    if (i % 2) b.set(prefix.slice(0, b.length));
    out.push(b);
  }
  return out;
}

describe("property: corrupted input loads consistently or throws an Error", () => {
  test(
    "npy: every truncation of three small files throws",
    { timeout: 60_000 },
    () => {
      for (
        const name of ["f8.npy", "v3_f4.npy", "fortran3.npy", "big_i4.npy"]
      ) {
        const b = fixture(name);
        for (let n = 0; n < b.length; n++) {
          assert.equal(
            loadsOrThrows(b.subarray(0, n), checkNpy),
            false,
            `${name} cut at ${n}`,
          );
        }
      }
    },
  );
  test("npy: 3000 random byte flips (mostly in the header)", {
    timeout: 60_000,
  }, () => {
    let loaded = 0;
    for (const name of ["f8.npy", "v2_fortran.npy", "big_f2.npy"]) {
      for (const b of mutants(fixture(name), name.length, 1000, 128)) {
        loaded += +loadsOrThrows(b, checkNpy);
      }
    }
    assert.ok(loaded > 0);
  });
  test(
    "npy: random garbage, with and without the magic",
    { timeout: 60_000 },
    () => {
      for (
        const b of garbage(7, 1000, [
          0x93,
          0x4e,
          0x55,
          0x4d,
          0x50,
          0x59,
          1,
          0,
          0x40,
          0,
        ])
      ) {
        loadsOrThrows(b, checkNpy);
      }
    },
  );
  test("npz: every truncation, 2000 byte flips and random garbage", {
    timeout: 60_000,
  }, () => {
    for (const name of ["stored.npz", "deflated.npz"]) {
      const b = fixture(name);
      for (let n = 0; n < b.length; n++) {
        loadsOrThrows(b.subarray(0, n), checkNpz);
      }
      for (const m of mutants(b, 3, 1000, b.length)) loadsOrThrows(m, checkNpz);
    }
    for (const b of garbage(11, 500, [0x50, 0x4b, 0x05, 0x06])) {
      loadsOrThrows(b, checkNpz);
    }
  });
});

describe("npz", () => {
  for (const [name, info] of Object.entries(manifest.npz)) {
    test(`${name}.npz from NumPy: members, values, compression`, () => {
      const z = npz.load(join(dir, `${name}.npz`));
      assert.deepEqual(z.files, Object.keys(info.members));
      for (const m of z.members) {
        assert.equal(m.compressed, info.compression[m.name] === 8);
      }
      for (const [k, e] of Object.entries(info.members)) {
        checkEntry(z.get(k), e);
        checkEntry(z.get(`${k}.npy`), e);
        assert.deepEqual([...z.tensor(k).shape], e.shape);
      }
      assert.deepEqual([...z].map(([k]) => k), z.files);
    });
  }
  test("stored members are views into the archive; deflated ones are not", () => {
    // NumPy's zip layout puts a.npy's data at byte 183: float32 cannot be viewed there, so it is
    // copied; the bools of b.npy can be.
    const bytes = fixture("stored.npz");
    const z = npz.load(bytes);
    assert.equal(z.get("a").copied, true);
    const b = z.get("b");
    assert.equal(b.data.buffer, bytes.buffer);
    b.data[1] = 1;
    assert.equal(bytes[b.data.byteOffset + 1], 1); // (then the member's CRC-32 no longer matches)
    // npz.save aligns each stored member's data to 64 bytes: every member is a view.
    const ours = npz.encode({
      x: torch.randn(3),
      y: torch.arange(5),
      z: torch.ones(2, 2, { dtype: torch.float64 }),
    });
    for (const name of ["x", "y", "z"]) {
      const a = npz.load(ours).get(name);
      assert.equal(a.data.buffer, ours.buffer, name);
      assert.equal(a.copied, false);
    }
    const d = fixture("deflated.npz");
    assert.notEqual(npz.load(d).get("a").data.buffer, d.buffer);
  });
  test("lazy: a corrupt member fails only when asked for, naming archive and member", () => {
    const bytes = fixture("deflated.npz");
    const z0 = npz.load(bytes);
    // Spoil member b's deflate stream (its data follows the name b.npy and a 20-byte zip64 field).
    const at = new TextDecoder("latin1").decode(bytes).indexOf("b.npy") + 5 +
      20 + 10;
    bytes[at] ^= 0xff;
    const z = npz.load(bytes);
    assert.deepEqual(z.files, z0.files);
    checkEntry(z.get("a"), manifest.npz.deflated.members.a);
    assert.throws(() => z.get("b"), /<bytes>\/b\.npy: corrupt/);
    assert.throws(
      () => z.get("zz"),
      /<bytes>: zz is not a file in the archive/,
    );
  });
  test("save: stored and compressed, loaded back; NumPy read the committed flambeau files", () => {
    const mtime = new Date(2020, 0, 1);
    const arrays = {
      a: torch.arange(6, { dtype: torch.float32 }).reshape(2, 3),
      b: torch.tensor([true, false, true]),
      c: torch.tensor([-(2 ** 40), 7], { dtype: torch.int64 }),
      d: torch.arange(6, { dtype: torch.float64 }).reshape(2, 3).t(),
      e: { data: new Float16Array([1.5]), shape: [] },
    };
    // gen_npy.py had NumPy load these files; the writer still produces exactly the stored one.
    assert.deepEqual(
      npz.encode(arrays, { mtime }),
      fixture("flambeau_stored.npz"),
    );
    // Deflated bytes depend on the runtime's zlib (Node's differs from Deno's and Bun's): the
    // archive's members, once inflated, are exactly the ones NumPy read.
    const deflated = readZip(
      npz.encode(arrays, { mtime, compressed: true }),
      "new",
    );
    const want = readZip(fixture("flambeau_deflated.npz"), "fixture");
    assert.deepEqual(
      deflated.map((m) => [m.name, m.method, m.crc, m.size]),
      want.map((m) => [m.name, m.method, m.crc, m.size]),
    );
    deflated.forEach((m, i) =>
      assert.deepEqual(readMember(m), readMember(want[i]))
    );
    const tmp = mkdtempSync(join(tmpdir(), "flambeau-npz-"));
    try {
      for (const compressed of [false, true]) {
        const p = npz.save(join(tmp, `p${+compressed}`), arrays, {
          compressed,
        });
        assert.ok(p.endsWith(".npz") && existsSync(p));
        const z = npz.load(p);
        assert.deepEqual(z.files, ["a", "b", "c", "d", "e"]);
        assert.ok(z.members.every((m) => m.compressed === compressed));
        assert.deepEqual(z.tensor("d").tolist(), [[0, 3], [1, 4], [2, 5]]);
        assert.equal(z.get("d").fortranOrder, true);
        assert.deepEqual(elements(z.get("c")), ["-1099511627776", "7"]);
      }
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });
  test("not a zip, an empty file, a missing file", () => {
    assert.throws(
      () => npz.load(fixture("f8.npy")),
      /<bytes>: not an \.npz file/,
    );
    assert.throws(
      () => npz.load(new Uint8Array(0)),
      /<bytes>: not an \.npz file/,
    );
    assert.throws(() => npz.load(join(dir, "nope.npz")), /nope\.npz/);
  });
});

describe("examples/numpy_interop.ts", () => {
  test("prints the tutorial's NumPy Bridge part", { timeout: 60_000 }, () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const isDeno = "Deno" in globalThis;
    const file = "examples/numpy_interop.ts";
    const r = spawnSync(
      process.execPath,
      isDeno ? ["run", "--allow-read", file] : [file],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      readFileSync(join(dir, "numpy_interop.txt"), "utf8"),
    );
  });
});
