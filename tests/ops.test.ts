// The op table: every case that real PyTorch computed in tests/fixtures/ops.json (written by
// tests/fixtures/gen_ops.py) is replayed here, as a function call, a method call, and where the op
// has them, the in-place and `out=` forms.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { BINARY, UNARY } from "../src/ops/elementwise.ts";
import {
  assertTensorClose,
  decode,
  type Enc,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

type Case = {
  name: string;
  op: string;
  method?: boolean;
  args: Enc[];
  kwargs?: Record<string, Enc>;
  expect: Enc | { error: string };
};

const fixture = readFixture<{ torch: string; cases: Case[] }>("ops.json");

type Fn = (...a: unknown[]) => unknown;

/** A case's arguments, decoded afresh (new tensors) on every call, so forms never share inputs. */
function decodeCall(
  c: Case,
): { args: unknown[]; kwargs?: Record<string, unknown> } {
  const kwargs = c.kwargs &&
    Object.fromEntries(
      Object.entries(c.kwargs).map(([k, v]) => [k, decode(v)]),
    );
  return { args: c.args.map(decode), kwargs };
}

function withKwargs(
  args: unknown[],
  kwargs: Record<string, unknown> | undefined,
): unknown[] {
  return kwargs ? [...args, kwargs] : args;
}

function method(self: unknown, name: string): Fn {
  const fn = (self as Record<string, unknown>)[name];
  assert.equal(typeof fn, "function", `Tensor.${name} is missing`);
  return (fn as Fn).bind(self);
}

/** The case as recorded: `torch.<op>(...)`, or `args[0].<op>(...)` for method cases. */
function call(c: Case): unknown {
  const { args, kwargs } = decodeCall(c);
  if (c.method) return method(args.shift(), c.op)(...withKwargs(args, kwargs));
  const fn = (torch as unknown as Record<string, Fn>)[c.op];
  assert.equal(typeof fn, "function", `torch.${c.op} is missing`);
  return fn(...withKwargs(args, kwargs));
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
    assert.equal(
      (actual as unknown[]).length,
      expected.length,
      `${where}: length`,
    );
    expected.forEach((e, i) =>
      check((actual as unknown[])[i], e, `${where}[${i}]`)
    );
  } else {
    assert.deepEqual(actual, decode(expected), where);
  }
}

// ---- the other forms of each function case: method, in-place `op_`, and `out=`

const isError = (e: Case["expect"]): e is { error: string } =>
  e !== null && typeof e === "object" && "error" in e;
const isTensor = (e: Enc | undefined): e is { t: EncTensor } =>
  e !== null && typeof e === "object" && "t" in e;
const tensorProto = Object.getPrototypeOf(torch.zeros(1)) as Record<
  string,
  unknown
>;
const hasMethod = (name: string) => typeof tensorProto[name] === "function";

/**
 * Which argument of `torch.<op>` becomes `self` in the method form: the first, except where
 * PyTorch's method puts self elsewhere (`x.where(cond, y)` is `torch.where(cond, x, y)`).
 */
const SELF_ARG: Record<string, number> = { where: 1 };

/** The elementwise ops of the UNARY/BINARY tables, which all take `{ out }`. */
const ELEMENTWISE = new Set([...Object.keys(UNARY), ...Object.keys(BINARY)]);

/** The case's arguments with `self` taken out, for the method forms. */
function splitSelf(
  c: Case,
): { self: torch.Tensor; rest: unknown[]; kwargs?: Record<string, unknown> } {
  const { args, kwargs } = decodeCall(c);
  const [self] = args.splice(SELF_ARG[c.op] ?? 0, 1);
  return { self: self as torch.Tensor, rest: args, kwargs };
}

type Form = { form: string; run: (c: Case, expect: Enc) => void };

/** `self.op(...)` returns what `torch.op(self, ...)` does. */
const methodForm: Form = {
  form: "method",
  run(c, expect) {
    const { self, rest, kwargs } = splitSelf(c);
    check(
      method(self, c.op)(...withKwargs(rest, kwargs)),
      expect,
      `${c.name} as a method`,
    );
  },
};

/** `self.clone().op_(...)` returns that clone, now holding the result. */
const inPlaceForm: Form = {
  form: "in-place",
  run(c, expect) {
    const { self, rest, kwargs } = splitSelf(c);
    const target = self.clone();
    const returned = method(target, `${c.op}_`)(...withKwargs(rest, kwargs));
    assert.equal(returned, target, `${c.name}: ${c.op}_ returns self`);
    check(target, expect, `${c.name} in place`);
  },
};

/** `torch.op(..., { out })` writes into a preallocated `out` and returns it. */
const outForm: Form = {
  form: "out",
  run(c, expect) {
    const e = (expect as { t: EncTensor }).t;
    const out = torch.full(e.shape, 3, { dtype: e.dtype });
    const { args, kwargs } = decodeCall(c);
    const returned = (torch as unknown as Record<string, Fn>)[c.op](...args, {
      ...kwargs,
      out,
    });
    assert.equal(returned, out, `${c.name}: returns out`);
    check(out, expect, `${c.name} into out`);
  },
};

/** The extra forms a function case is replayed in, decided from the case alone. */
function formsOf(c: Case): Form[] {
  const expect = c.expect;
  if (c.method || isError(expect)) return [];
  const selfAt = SELF_ARG[c.op] ?? 0;
  const self = c.args[selfAt];
  if (!isTensor(self)) return [];
  const forms: Form[] = [];
  if (hasMethod(c.op)) forms.push(methodForm);
  const sameAsSelf = isTensor(expect) && expect.t.dtype === self.t.dtype &&
    expect.t.shape.join() === self.t.shape.join();
  if (hasMethod(`${c.op}_`) && sameAsSelf) forms.push(inPlaceForm);
  if (ELEMENTWISE.has(c.op) && isTensor(expect)) forms.push(outForm);
  return forms;
}

const extra = fixture.cases.map((c) => [c, formsOf(c)] as const);
const extraCount = extra.reduce((n, [, forms]) => n + forms.length, 0);

describe(`ops against PyTorch ${fixture.torch} (${fixture.cases.length} cases, ${extraCount} method/in-place/out forms)`, () => {
  for (const [c, forms] of extra) {
    test(c.name, () => {
      const expect = c.expect;
      if (isError(expect)) {
        assert.throws(() => call(c), (e: Error) => {
          assert.ok(e instanceof Error, "an Error subclass");
          assert.equal(e.message.split("\n")[0], expect.error);
          return true;
        });
        return;
      }
      check(call(c), expect, c.name);
    });
    for (const { form, run } of forms) {
      test(`${c.name} [${form}]`, () => run(c, c.expect as Enc));
    }
  }
});
