// torch.load / torch.save against checkpoints real PyTorch wrote (tests/fixtures/gen_checkpoints.py), and back.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../mod.ts";
import { CheckpointError, serialize } from "../interop/checkpoint.ts";
import type { Storage } from "../src/storage.ts";
import { unzipSync, zipSync } from "fflate";

const nn = torch.nn;
const dir = new URL("./fixtures/pt/", import.meta.url);
const path = (name: string) => new URL(`${name}.pt`, dir).pathname;
const expected = JSON.parse(
  readFileSync(new URL("checkpoints.json", dir), "utf8"),
) as Record<string, unknown>;
/** A fresh ArrayBuffer holding the file (byteOffset 0), so zero-copy views can be recognised. */
const bytesOf = (name: string) => new Uint8Array(readFileSync(path(name)));

type Enc = unknown;
const num = (v: number) =>
  Number.isNaN(v)
    ? "nan"
    : v === Infinity
    ? "inf"
    : v === -Infinity
    ? "-inf"
    : v;
const big = (v: bigint): Enc =>
  v > -(2n ** 53n) && v < 2n ** 53n ? Number(v) : { int: String(v) };

/** A bfloat16 element's value from its bits (the upper half of a float32). */
function bf16Value(bits: number): number {
  return new Float32Array(new Uint32Array([bits << 16]).buffer)[0];
}

/** The same encoding as gen_checkpoints.py's Encoder: storages numbered by first appearance. */
function encoder() {
  const ids = new Map<Storage, number>();
  let n = 0;
  const enc = (x: unknown): Enc => {
    if (x instanceof torch.Tensor) {
      const t = x;
      const data = t.storage.data;
      if (data.length === 0) n++;
      else if (!ids.has(t.storage)) ids.set(t.storage, n++);
      const flat: Enc[] = [];
      const shape = t.shape, stride = t.stride();
      const count = shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < count; i++) {
        let at = t.storage_offset(), rest = i;
        for (let d = shape.length - 1; d >= 0; d--) {
          at += (rest % shape[d]) * stride[d];
          rest = Math.floor(rest / shape[d]);
        }
        const v = data[at];
        flat.push(
          typeof v === "bigint"
            ? big(v)
            : t.dtype === torch.bool
            ? v === 1
            : t.dtype === torch.bfloat16
            ? num(bf16Value(v))
            : num(v),
        );
      }
      return {
        tensor: {
          dtype: t.dtype.name,
          shape: [...shape],
          stride,
          offset: t.storage_offset(),
          storage_numel: data.length,
          storage: data.length === 0 ? n - 1 : ids.get(t.storage),
          requires_grad: t.requires_grad,
          parameter: t instanceof nn.Parameter,
          data: flat,
        },
      };
    }
    const proto = typeof x === "object" && x !== null &&
      Object.getPrototypeOf(x);
    if (x instanceof Map || proto === null || proto === Object.prototype) {
      const entries = x instanceof Map ? [...x] : Object.entries(x as object);
      const out: Record<string, Enc> = {
        dict: entries.map(([k, v]) => [enc(k), enc(v)]),
      };
      const meta = (x as { _metadata?: unknown })._metadata;
      if (meta !== undefined) out.metadata = enc(meta);
      return out;
    }
    if (Array.isArray(x)) {
      const items = x.map(enc);
      return Object.isFrozen(x) ? { tuple: items } : items;
    }
    if (x instanceof Uint8Array) return { bytes: [...x] };
    if (typeof x === "bigint") return big(x);
    if (typeof x === "number") return num(x);
    return x as Enc;
  };
  return enc;
}

/** A tensor against its expected encoding, which for the Net is a summary (sum, sumsq, sample). */
function compareTensor(actual: Enc, want: Enc, where: string): void {
  const a = (actual as { tensor?: Record<string, Enc> }).tensor;
  const e = (want as { tensor: Record<string, Enc> }).tensor;
  assert.ok(a, `${where}: expected a tensor`);
  const data = a.data as number[];
  for (const k of Object.keys(e)) {
    if (k === "sum" || k === "sumsq") {
      const s = data.reduce((p, v) => p + (k === "sum" ? v : v * v), 0);
      const want = e[k] as number;
      assert.ok(
        Math.abs(s - want) < 1e-9 * (1 + Math.abs(want)),
        `${where}.${k}`,
      );
    } else if (k === "sample") {
      for (const [i, v] of e.sample as [number, number][]) {
        assert.equal(data[i], v, `${where}[${i}]`);
      }
    } else assert.deepEqual(a[k], e[k], `${where}.${k}`);
  }
}

function check(name: string, value: unknown, want = expected[name]) {
  deepCompare(encoder()(value), want, name);
}

/** Walks both encodings so that tensor summaries (the Net) are compared as summaries. */
function deepCompare(a: Enc, e: Enc, where: string): void {
  if (e && typeof e === "object" && !Array.isArray(e) && "tensor" in e) {
    return compareTensor(a, e, where);
  }
  if (Array.isArray(e)) {
    assert.ok(Array.isArray(a), `${where}: expected an array`);
    assert.equal(a.length, e.length, `${where}: length`);
    e.forEach((x, i) => deepCompare(a[i], x, `${where}[${i}]`));
    return;
  }
  if (e && typeof e === "object") {
    assert.ok(a && typeof a === "object", `${where}: expected an object`);
    const ao = a as Record<string, Enc>;
    assert.deepEqual(Object.keys(ao), Object.keys(e), `${where}: keys`);
    for (const [k, v] of Object.entries(e)) {
      deepCompare(ao[k], v, `${where}.${k}`);
    }
    return;
  }
  assert.deepEqual(a, e, where);
}

describe("torch.load: checkpoints written by PyTorch 1.13", () => {
  for (
    const name of [
      "net",
      "mixed",
      "nested",
      "toplevel",
      "deflated",
      "unaligned",
      "bf16",
    ]
  ) {
    test(`${name}.pt: values, dtypes, shapes, strides, offsets, sharing`, () => {
      check(name, torch.load(path(name)));
      check(name, torch.load(bytesOf(name)));
    });
  }

  test("state_dicts come back as ordered records with _metadata hidden", () => {
    const sd = torch.load<Record<string, torch.Tensor>>(path("net"));
    assert.equal(Object.getPrototypeOf(sd), null);
    assert.deepEqual(Object.keys(sd), [
      "conv1.weight",
      "conv1.bias",
      "conv2.weight",
      "conv2.bias",
      "fc1.weight",
      "fc1.bias",
      "fc2.weight",
      "fc2.bias",
      "fc3.weight",
      "fc3.bias",
    ]);
    const meta =
      (sd as { _metadata?: Record<string, { version: number }> })._metadata;
    assert.deepEqual(Object.keys(meta ?? {}), [
      "",
      "conv1",
      "conv2",
      "fc1",
      "fc2",
      "fc3",
    ]);
    assert.equal(meta?.conv1.version, 1);
  });

  test("dicts with integer-like or non-string keys are Maps, in saved order", () => {
    const n = torch.load<Map<unknown, unknown>>(path("nested"));
    assert.ok(n instanceof Map);
    assert.deepEqual([...n.keys()].slice(-3), ["1e2", "10", "2"]);
    const ints = n.get("ints") as Map<number, unknown>;
    assert.deepEqual([...ints.keys()], [0, 1, 10]);
    assert.deepEqual(
      n.get("tkeys"),
      new Map([[Object.freeze([1, 2]), "pair"]]),
    );
    assert.equal((n.get("inner") as Record<string, unknown>).huge, 2n ** 70n);
  });

  test("the tutorial Net loads into flambeau's nn with load_state_dict", () => {
    class Net extends nn.Module {
      conv1 = new nn.Conv2d(1, 6, 5);
      conv2 = new nn.Conv2d(6, 16, 5);
      fc1 = new nn.Linear(16 * 5 * 5, 120);
      fc2 = new nn.Linear(120, 84);
      fc3 = new nn.Linear(84, 10);
    }
    const net = new Net();
    const result = net.load_state_dict(torch.load(path("net")));
    assert.deepEqual(result, { missing_keys: [], unexpected_keys: [] });
    const { dict } = expected.net as { dict: unknown };
    check("net", net.state_dict(), { dict }); // flambeau's state_dict has no _metadata
    assert.ok(net.fc1.weight instanceof nn.Parameter);
  });

  test("uncompressed storages are views of the file's bytes (zero copy)", () => {
    const bytes = bytesOf("mixed");
    const m = torch.load<Record<string, torch.Tensor>>(bytes);
    for (const [k, t] of Object.entries(m)) {
      assert.equal(t.storage.data.buffer, bytes.buffer, `${k} is a view`);
    }
    // A write through a tensor lands in the file's bytes.
    const before = bytes.slice();
    m.f32.fill_(2);
    assert.notDeepEqual(bytes, before);
    // From a path too: every storage views one buffer, the file's.
    const p = torch.load<Record<string, torch.Tensor>>(path("mixed"));
    assert.equal(p.f64.storage.data.buffer, p.i8.storage.data.buffer);
  });

  test("deflated and unaligned members are copied", () => {
    for (const name of ["deflated", "unaligned"]) {
      const bytes = bytesOf(name);
      const m = torch.load<Record<string, torch.Tensor>>(bytes);
      assert.notEqual(m.f64.storage.data.buffer, bytes.buffer, name);
    }
  });

  test("views of one storage share memory; the same tensor twice is one object", () => {
    const m = torch.load<Record<string, torch.Tensor>>(path("mixed"));
    assert.equal(m.shared_a.storage, m.shared_b.storage);
    m.shared_a.fill_(7); // s[2:5] = 7, and shared_b = s[4:].view(2, 3) starts at s[4]
    assert.deepEqual(m.shared_b.tolist(), [[7, 5, 6], [7, 8, 9]]);
    assert.equal(m.same1, m.same2);
    assert.deepEqual(m.transposed.stride(), [1, 3]);
    assert.deepEqual(m.expanded.stride(), [1, 0]);
    assert.ok(m.param instanceof nn.Parameter && m.param.requires_grad);
    assert.ok(m.grad.requires_grad && !(m.grad instanceof nn.Parameter));
  });
});

describe("torch.load: refuses what it must not run or cannot read", () => {
  const marker = expected._marker as string;
  const cases: [string, RegExp][] = [
    [
      "mal_os_system",
      /global os\.system is not allowed; the checkpoint was not executed/,
    ],
    ["mal_reduce", /global posix\.system is not allowed/],
    ["mal_eval", /global builtins\.eval is not allowed/],
    ["mal_torch_fn", /global torch\.serialization\.load is not allowed/],
    ["legacy", /legacy torch\.save format .* not supported/],
    ["proto4", /pickle protocol 4 is not supported/],
    ["missing_pkl", /missing record 'data\.pkl'/],
    ["missing_storage", /missing storage record data\/0/],
    ["short_storage", /data\/0 has 12 bytes, storage needs 16/],
    ["no_version", /missing record 'version'/],
    ["garbage_pkl", /data\.pkl: opcode 0xff is not allowed/],
  ];
  for (const [name, re] of cases) {
    test(`${name}.pt`, () => {
      rmSync(marker, { force: true });
      assert.throws(() => torch.load(path(name)), (e: unknown) => {
        assert.ok(e instanceof CheckpointError);
        assert.match(e.message, re);
        assert.ok(
          e.message.startsWith(`torch.load(${path(name)}): `),
          e.message,
        );
        return true;
      });
      assert.ok(!existsSync(marker), "the payload must never run");
    });
  }

  test("not a zip: npy, safetensors, empty, text", () => {
    const npy = new Uint8Array([
      0x93,
      ...new TextEncoder().encode("NUMPY"),
      1,
      0,
    ]);
    const st = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x22]);
    for (
      const [b, re] of [[npy, /\.npy file/], [st, /safetensors/], [
        new Uint8Array(),
        /not a PyTorch checkpoint/,
      ], [
        new TextEncoder().encode("hello"),
        /not a PyTorch checkpoint/,
      ]] as const
    ) {
      assert.throws(() => torch.load(b), re);
    }
    const good = bytesOf("mixed");
    assert.throws(
      () => torch.load(good.subarray(0, good.length - 30)),
      /torch\.load\(<bytes>\): zip end record not found \(truncated file\?\)/,
    );
    assert.throws(
      () => torch.load("/nonexistent/x.pt"),
      /torch\.load\(\/nonexistent\/x\.pt\)/,
    );
  });

  test(
    "property: truncations and byte flips give CheckpointErrors, never crashes or hangs",
    {
      timeout: 60_000,
    },
    () => {
      let seed = 12345;
      const rand = () =>
        (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      for (const name of ["toplevel", "nested"]) {
        const good = bytesOf(name);
        const tries: Uint8Array[] = [];
        for (let n = 0; n < good.length; n += name === "toplevel" ? 1 : 7) {
          tries.push(good.slice(0, n));
        }
        for (let i = 0; i < 1500; i++) {
          const b = good.slice();
          for (let j = 1 + Math.floor(rand() * 3); j > 0; j--) {
            b[Math.floor(rand() * b.length)] ^= 1 << Math.floor(rand() * 8);
          }
          tries.push(b);
        }
        let failed = 0;
        for (const b of tries) {
          try {
            torch.load(b);
          } catch (e) {
            failed++;
            assert.ok(e instanceof CheckpointError, String(e));
            // A deliberate check, not an out-of-bounds read or a bug surfacing as TypeError/RangeError.
            const cause = (e as Error).cause;
            assert.ok(
              !(cause instanceof TypeError || cause instanceof RangeError),
              String(cause),
            );
            assert.ok((e as Error).message.startsWith("torch.load(<bytes>): "));
          }
        }
        assert.ok(
          failed > good.length / 2,
          `${name}: ${failed} of ${tries.length} refused`,
        );
      }
    },
  );
});

/** What the test saves: every kind of value torch.save writes. */
function sample(): Record<string, unknown> {
  const s = torch.arange(10, { dtype: torch.float32 });
  return {
    f32: torch.tensor([[1.5, -2.25, 3], [0.1, 1e-8, -7e5]]),
    f64: torch.tensor([Math.PI, -1e300, 5e-324, 0], { dtype: torch.float64 }),
    f16: torch.tensor([1, -0.5, 65504, 0.1], { dtype: torch.float16 }),
    i64: torch.tensor([1, -2, 2 ** 40], { dtype: torch.int64 }),
    i32: torch.tensor([[7, -8], [2 ** 31 - 1, -(2 ** 31)]], {
      dtype: torch.int32,
    }),
    i16: torch.tensor([300, -300], { dtype: torch.int16 }),
    i8: torch.tensor([-128, 127], { dtype: torch.int8 }),
    u8: torch.tensor([0, 255], { dtype: torch.uint8 }),
    b: torch.tensor([true, false, true]),
    bf16: torch.tensor([1, 3.14159265, -0.1, 1e-40, 3.4e38, Infinity, NaN], {
      dtype: torch.bfloat16,
    }),
    bf16_t: torch.arange(6, { dtype: torch.float32 }).mul(0.37).reshape(2, 3)
      .to(torch.bfloat16).t(),
    transposed: torch.arange(6, { dtype: torch.float32 }).reshape(2, 3).t(),
    slice: torch.arange(20, { dtype: torch.float64 }).reshape(4, 5).index(
      "1:3",
      "::2",
    ),
    shared_a: s.narrow(0, 2, 3),
    shared_b: s.narrow(0, 4, 6).view(2, 3),
    scalar: torch.tensor(3.5),
    empty: torch.zeros(2, 0, 3),
    param: new nn.Parameter(torch.tensor([0.25, 0.5])),
    nested: {
      epoch: 3,
      lr: 0.01,
      name: "net ü €",
      none: null,
      flag: true,
      lst: [1, 2.5, "x", null, Object.freeze([1, 2]), [], Object.freeze([])],
      big: 2n ** 70n,
      neg: -(2 ** 40),
      bytes: new Uint8Array([97, 0, 255]),
      ints: new Map<unknown, unknown>([[0, "zero"], [10, [3]]]),
    },
  };
}

describe("torch.save", () => {
  test("save → load round trip keeps values, strides and sharing", () => {
    const obj = sample();
    const back = torch.load(serialize(obj));
    check("roundtrip", back, encoder()(obj));
    const b = back as Record<string, torch.Tensor>;
    assert.equal(b.shared_a.storage, b.shared_b.storage);
    assert.ok(b.param instanceof nn.Parameter);
  });

  test("layout: stored members, storages 64-byte aligned, version and byteorder records", () => {
    const bytes = serialize({ w: torch.tensor([1, 2]) });
    const m = torch.load<Record<string, torch.Tensor>>(bytes);
    assert.equal(m.w.storage.data.buffer, bytes.buffer);
    assert.equal((m.w.storage.data as Float32Array).byteOffset % 64, 0);
    const text = new TextDecoder("latin1").decode(bytes);
    for (
      const r of [
        "archive/data.pkl",
        "archive/byteorder",
        "archive/data/0",
        "archive/version",
      ]
    ) {
      assert.ok(text.includes(r), r);
    }
    // Deterministic bytes: no clock in the archive.
    assert.deepEqual(serialize({ w: torch.tensor([1, 2]) }), bytes);
  });

  test("a state_dict from flambeau round-trips and loads into a fresh module", () => {
    const a = new nn.Linear(3, 2), b = new nn.Linear(3, 2);
    const dirPath = mkdtempSync(join(tmpdir(), "flambeau-ckpt-"));
    try {
      const file = join(dirPath, "lin.pt");
      torch.save(a.state_dict(), file);
      assert.deepEqual(readdirSync(dirPath), ["lin.pt"]); // the temporary file was renamed
      b.load_state_dict(torch.load(file));
      assert.deepEqual(b.weight.tolist(), a.weight.tolist());
    } finally {
      rmSync(dirPath, { recursive: true });
    }
  });

  test("cycles, shared objects and hostile keys survive as data", () => {
    const list: unknown[] = [1];
    list.push(list);
    const shared = { k: "v" };
    const back = torch.load<unknown[]>(serialize([list, shared, shared]));
    const l = back[0] as unknown[];
    assert.equal(l[1], l);
    assert.equal(back[1], back[2]);
    const hostile = torch.load<Record<string, unknown>>(
      serialize({ ["__proto__"]: { polluted: true }, constructor: 1 }),
    );
    assert.deepEqual(Object.keys(hostile), ["__proto__", "constructor"]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test("a big-endian archive (byteorder 'big') is byte-swapped into a copy", () => {
    const files = unzipSync(
      serialize({ w: torch.tensor([1.5, -2], { dtype: torch.float64 }) }),
    );
    files["archive/byteorder"] = new TextEncoder().encode("big");
    files["archive/data/0"] = files["archive/data/0"].map((_, i, a) =>
      a[(i & ~7) + 7 - (i & 7)]
    );
    const w = torch.load<{ w: torch.Tensor }>(zipSync(files, { level: 0 })).w;
    assert.deepEqual(w.tolist(), [1.5, -2]);
    files["archive/byteorder"] = new TextEncoder().encode("middle");
    assert.throws(
      () => torch.load(zipSync(files, { level: 0 })),
      /byteorder is neither/,
    );
  });

  test("refuses what it cannot write", () => {
    assert.throws(
      () => serialize({ f: () => 1 }),
      /cannot save a value of type function/,
    );
    assert.throws(
      () => serialize(new Float32Array(2)),
      /cannot save a Float32Array/,
    );
    assert.throws(
      () => serialize(undefined),
      /cannot save a value of type undefined/,
    );
    const t = Object.freeze([] as unknown[]);
    assert.doesNotThrow(() => serialize(t));
  });

  const python = "/usr/bin/python3";
  const hasTorch = existsSync(python) &&
    spawnSync(python, ["-c", "import torch"]).status === 0;
  test(
    `PyTorch reads what flambeau writes${
      hasTorch ? "" : " (SKIPPED: no /usr/bin/python3 with torch)"
    }`,
    // Starts Python and imports torch for each file: several seconds, more on a busy machine.
    { skip: !hasTorch && "no /usr/bin/python3 with torch", timeout: 180_000 },
    () => {
      const dirPath = mkdtempSync(join(tmpdir(), "flambeau-ckpt-"));
      try {
        // The second object holds no Python float, so the check also runs weights_only=True; its
        // "net" is PyTorch's state_dict re-saved, which must come back an OrderedDict with _metadata.
        const { nested: _, ...tensors } = sample();
        const lin = new nn.Linear(3, 2);
        for (
          const [i, obj] of [sample(), {
            ...tensors,
            sd: lin.state_dict(),
            net: torch.load(path("net")),
          }]
            .entries()
        ) {
          const file = join(dirPath, `ours${i}.pt`),
            json = join(dirPath, `ours${i}.json`);
          torch.save(obj, file);
          writeFileSync(json, JSON.stringify(encoder()(obj)));
          const gen =
            new URL("./fixtures/gen_checkpoints.py", import.meta.url).pathname;
          const r = spawnSync(python, [gen, "--verify", file, json], {
            encoding: "utf8",
          });
          assert.equal(r.status, 0, r.stderr + r.stdout);
          assert.match(r.stdout, /^ok \d+ checks/);
          console.log(`PyTorch cross-check ${i}: ${r.stdout.trim()}`);
        }
      } finally {
        rmSync(dirPath, { recursive: true });
      }
    },
  );
});
