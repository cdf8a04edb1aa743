// Python numbers stored into tensors, replayed from real PyTorch (tests/fixtures/gen_scalar_checks.py):
// torch.tensor's dtype inference and overflow check, torch.full's and fill_'s checked conversion,
// and casts of NaN, infinities and out-of-range floats to the integer dtypes (issue 12, items 1
// and 7). A Python int arrives as a JS number where a double holds it exactly, else as a BigInt.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { readFixture } from "./_support/fixtures.ts";

type Num = { int: string } | { float: number | "nan" | "inf" | "-inf" };
type Value = boolean | number | string | { int: string };
interface Case {
  op: string;
  data: Num | Num[];
  dtype?: string;
  expect:
    | { dtype: string; values: Value[] }
    | { error: string; message: string };
}

const { cases } = readFixture<{ cases: Case[] }>("scalar_checks.json");

function decode(n: Num): number | bigint {
  if ("int" in n) {
    const b = BigInt(n.int);
    return b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : b;
  }
  const f = n.float;
  return f === "nan"
    ? NaN
    : f === "inf"
    ? Infinity
    : f === "-inf"
    ? -Infinity
    : f;
}

/** An element as the fixture writes it: integers as decimal strings, non-finite as names. */
function encode(v: unknown): Value {
  if (typeof v === "boolean") return v;
  if (typeof v === "bigint") return { int: String(v) };
  const x = v as number;
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return x;
}

function run(c: Case): torch.Tensor {
  const opts = c.dtype ? { dtype: c.dtype } : {};
  const data = Array.isArray(c.data) ? c.data.map(decode) : decode(c.data);
  if (c.op === "tensor") {
    return torch.tensor(data as (number | bigint)[], opts);
  }
  if (c.op === "full") {
    return torch.full(c.dtype ? [2] : [1], data as number, opts);
  }
  if (c.op === "fill_") {
    return torch.zeros(2, opts).fill_(data as number);
  }
  const src = c.op.slice("cast:".length);
  return torch.tensor(data as number[], { dtype: torch.float64 }).to(src).to(
    c.dtype!,
  );
}

function label(c: Case): string {
  const show = (n: Num) => "int" in n ? n.int : String(n.float);
  const data = Array.isArray(c.data)
    ? `[${c.data.map(show).join(", ")}]`
    : show(c.data);
  return `${c.op}(${data}${c.dtype ? `, ${c.dtype}` : ""})`;
}

describe("Python scalars into tensors, as PyTorch stores or refuses them", () => {
  test(`${cases.length} cases recorded by PyTorch`, () => {
    assert.ok(cases.length > 500);
  });
  for (const c of cases) {
    test(label(c), () => {
      const e = c.expect;
      if ("error" in e) {
        assert.throws(() => run(c), { name: e.error, message: e.message });
        return;
      }
      const t = run(c);
      assert.equal(t.dtype.name, e.dtype);
      const got = (t.flatten().tolist() as unknown[]).map(encode);
      // int64 elements come back as numbers or BigInts: compare integers by value.
      const norm = (v: Value) =>
        typeof v === "object"
          ? { int: v.int }
          : typeof v === "number" && Number.isInteger(v) &&
              !e.dtype.startsWith("float") && e.dtype !== "bfloat16"
          ? { int: String(BigInt(v)) }
          : v;
      assert.deepEqual(got.map(norm), e.values.map(norm));
    });
  }
});
