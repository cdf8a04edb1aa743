// The op table: every case that real PyTorch computed in tests/fixtures/ops.json (written by
// tests/fixtures/gen_ops.py) is replayed here, as a function call, a method call, and where the op
// has them, the in-place and `out=` forms.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { assertTensorClose, decodeTensor, type EncTensor, num, readFixture } from "./_support/fixtures.ts";

type Enc = { t: EncTensor } | { dtype: string } | number | boolean | string | null | Enc[];
type Case = {
  name: string;
  op: string;
  method?: boolean;
  args: Enc[];
  kwargs?: Record<string, Enc>;
  expect: Enc | { error: string };
};

const fixture = readFixture<{ torch: string; cases: Case[] }>("ops.json");

function decode(e: Enc): unknown {
  if (e === null || typeof e === "number" || typeof e === "boolean") return e;
  if (typeof e === "string") return ["nan", "inf", "-inf"].includes(e) ? num(e) : e;
  if (Array.isArray(e)) return e.map(decode);
  if ("t" in e) return decodeTensor(e.t);
  if ("dtype" in e) return (torch as unknown as Record<string, unknown>)[e.dtype];
  throw new Error(`cannot decode ${JSON.stringify(e)}`);
}

function call(c: Case): unknown {
  const args = c.args.map(decode);
  if (c.kwargs) args.push(Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, decode(v)])));
  if (c.method) {
    const self = args.shift() as Record<string, (...a: unknown[]) => unknown>;
    return self[c.op](...args);
  }
  const fn = (torch as unknown as Record<string, (...a: unknown[]) => unknown>)[c.op];
  assert.equal(typeof fn, "function", `torch.${c.op} is missing`);
  return fn(...args);
}

/** float32 results may differ from PyTorch's vectorised kernels in the last bits. */
function tolerance(dtype: string) {
  if (dtype === "float16") return { rtol: 1e-3, atol: 1e-3 };
  if (dtype === "float64") return { rtol: 1e-12, atol: 1e-12 };
  return { rtol: 2e-6, atol: 1e-6 };
}

function check(actual: unknown, expected: Enc, where: string): void {
  if (expected !== null && typeof expected === "object" && "t" in expected) {
    assertTensorClose(actual, expected.t, where, tolerance(expected.t.dtype));
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected a sequence`);
    assert.equal((actual as unknown[]).length, expected.length, `${where}: length`);
    expected.forEach((e, i) => check((actual as unknown[])[i], e, `${where}[${i}]`));
  } else {
    assert.deepEqual(actual, decode(expected), where);
  }
}

describe(`ops against PyTorch ${fixture.torch} (${fixture.cases.length} cases)`, () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const expect = c.expect as Enc | { error: string };
      if (expect !== null && typeof expect === "object" && "error" in expect) {
        assert.throws(() => call(c), (e: Error) => {
          assert.ok(e instanceof Error, "an Error subclass");
          assert.equal(e.message.split("\n")[0], expect.error);
          return true;
        });
        return;
      }
      check(call(c), expect, c.name);
    });
  }
});
