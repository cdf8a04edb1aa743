// NumPy's printing of what t.numpy() returns (src/print/numpy.ts), against NumPy's own repr() and
// str() of the same arrays (tests/fixtures/gen_numpy_print.py).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { readFileSync } from "node:fs";
import * as torch from "../mod.ts";

type Case = {
  name: string;
  dtype: string;
  shape: number[];
  values: (string | number | boolean)[];
  repr: string;
  str: string;
  legacy_repr: string;
  legacy_str: string;
};

/** Runs f under a print style, restoring the one before. */
function inStyle<T>(style: "legacy" | "modern", f: () => T): T {
  const before = torch.get_printoptions().style;
  torch.set_printoptions({ style });
  try {
    return f();
  } finally {
    torch.set_printoptions({ style: before });
  }
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/numpy_print.json", import.meta.url), "utf8"),
) as { numpy: string; cases: Case[] };

const ARRAYS: Record<string, (n: number) => ArrayLike<number | bigint>> = {
  float64: (n) => new Float64Array(n),
  float32: (n) => new Float32Array(n),
  int64: (n) => new BigInt64Array(n),
  int32: (n) => new Int32Array(n),
  uint8: (n) => new Uint8Array(n),
  bool: (n) => new Uint8Array(n),
};

const number = (v: string | number | boolean) =>
  typeof v === "string"
    ? (v === "nan" ? NaN : Number(v.replace("inf", "Infinity")))
    : Number(v);

/** The case's values in a contiguous NDArray of its dtype. */
function arrayOf(c: Case): torch.NDArray {
  const data = ARRAYS[c.dtype](
    c.values.length,
  ) as unknown as (number | bigint)[];
  c.values.forEach((v, i) => {
    data[i] = c.dtype === "int64" ? BigInt(v as number) : number(v);
  });
  const strides = c.shape.map((_, i) =>
    c.shape.slice(i + 1).reduce((a, b) => a * b, 1)
  );
  return new torch.NDArray(
    data as unknown as torch.NDArray["data"],
    c.shape,
    strides,
    0,
    c.dtype,
  );
}

describe(`NumPy's printing (fixtures from NumPy ${fixture.numpy})`, () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const a = arrayOf(c);
      inStyle("modern", () => {
        assert.equal(inspect(a), c.repr, "repr");
        assert.equal(String(a), c.str, "str");
      });
      // The legacy style (PyTorch 0.3's) prints as NumPy 1.13 did.
      inStyle("legacy", () => {
        assert.equal(inspect(a), c.legacy_repr, "legacy repr");
        assert.equal(String(a), c.legacy_str, "legacy str");
      });
    });
  }

  test("a strided view prints its own elements: t.t().numpy() as NumPy's a.T", () => {
    const c = fixture.cases.find((k) => k.name === "matrix")!;
    const t = torch.from_numpy(arrayOf(c));
    const expected = fixture.cases.find((k) => k.name === "matrix_T")!;
    inStyle(
      "modern",
      () => assert.equal(inspect(t.t().numpy()), expected.repr),
    );
    inStyle(
      "legacy",
      () => assert.equal(inspect(t.t().numpy()), expected.legacy_repr),
    );
  });

  test("np.load's arrays and t.numpy() are the same kind, printed alike", () => {
    const a = torch.arange(5).double().add(1).numpy();
    assert.ok(a instanceof torch.NDArray);
    inStyle(
      "modern",
      () => assert.equal(inspect(a), "array([1., 2., 3., 4., 5.])"),
    );
    assert.equal(a.ndim, 1);
    assert.equal(a.size, 5);
  });
});
