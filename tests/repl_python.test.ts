// Python's habits at the prompt: operators and subscripts (repl/transform.ts rewrites them,
// repl/operators.ts runs them: tensor ops on tensors, JavaScript's own operators on anything else),
// NumPy's arrays (repl/np.ts), and hints for the Python that is not TypeScript (repl/hints.ts).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Session } from "../repl/session.ts";

/** Runs the lines in one in-process session; returns what it printed and reported. */
async function session(
  lines: string[],
): Promise<{ out: string[]; err: string[] }> {
  const out: string[] = [], err: string[] = [];
  const s = new Session({ out: (t) => out.push(t), err: (t) => err.push(t) });
  for (const l of lines) await s.line(l);
  s.reset();
  return { out, err };
}

/** Asserts that each operator form gives the same tensor (values, dtype, shape) as its method form. */
async function same(setup: string[], pairs: [string, string][]): Promise<void> {
  const { out, err } = await session([
    ...setup,
    ...pairs.map(([py, js]) =>
      `(() => { const a = ${py}, b = ${js}; return a.dtype === b.dtype && torch.equal(a, b); })()`
    ),
  ]);
  assert.deepEqual(err, []);
  pairs.forEach(([py], i) => assert.equal(out[i], "true", py));
}

describe("repl: Python's operators on tensors", () => {
  test("arithmetic and comparisons, either side a tensor", async () => {
    await same(
      [
        "x = torch.arange(1, 7).float().view(2, 3)",
        "y = torch.tensor([3, -2, 5])",
        "i = torch.arange(6).view(2, 3)",
      ],
      [
        ["x + y", "x.add(y)"],
        ["x - 1", "x.sub(1)"],
        ["10 - x", "x.neg().add(10)"],
        ["x * 2", "x.mul(2)"],
        ["2 * x", "x.mul(2)"],
        ["x / y", "x.div(y)"],
        ["1 / x", "x.reciprocal()"],
        ["7 / i", "torch.full([2, 3], 7).div(i)"],
        ["x % 4", "x.remainder(4)"],
        ["-7 % y", "torch.full([3], -7).remainder(y)"],
        ["x ** 2", "x.pow(2)"],
        ["2 ** x", "torch.full([2, 3], 2.0).pow(x)"],
        ["-x", "x.neg()"],
        ["x < 3", "x.lt(3)"],
        ["x <= y", "x.le(y)"],
        ["3 > x", "x.lt(3)"],
        ["x >= 4", "x.ge(4)"],
        ["2.5 > i", "i.lt(2.5)"],
        ["(x * 2 + 1) / 3", "x.mul(2).add(1).div(3)"],
      ],
    );
  });

  test("compound assignment is in place on a tensor, as Python's x -= y", async () => {
    const { out, err } = await session([
      "x = torch.ones(3)",
      "const before = x",
      "x -= torch.tensor([1, 2, 3])",
      "x *= 2",
      "x **= 2",
      "x === before",
      "x.tolist()",
      "p = torch.ones(2, { requires_grad: true })",
      "(p * p * 3).sum().backward()",
      "p.data -= p.grad * 0.5",
      "p.tolist()",
      "p -= 1",
    ]);
    assert.deepEqual(out, ["true", "[ 0, 4, 16 ]", "[ -2, -2 ]"]);
    // A leaf that requires grad refuses an in-place op, as in PyTorch.
    assert.equal(err.length, 1);
    assert.match(
      err[0],
      /RuntimeError: a leaf Variable that requires grad is being used in an in-place operation\./,
    );
  });

  test("x[i], x[i, j], x[':', j], masks and index lists read; x[...] = v writes", async () => {
    await same(
      [
        "x = torch.arange(12).view(3, 4)",
      ],
      [
        ["x[1]", "x.select(0, 1)"],
        ["x[-1]", "x.select(0, 2)"],
        ["x[1, 2]", "x.index(1, 2)"],
        ["x[1][2]", "x.index(1, 2)"],
        ['x[":", 1]', 'x.index(":", 1)'],
        ['x["1:", "::2"]', 'x.index("1:", "::2")'],
        ["x[null]", "x.unsqueeze(0)"],
        ['x["...", 0]', "x.select(1, 0)"],
        ["x[torch.slice(0, 2)]", "x.narrow(0, 0, 2)"],
        ["x[x > 5]", "x.masked_select(x.gt(5))"],
        ["x[[2, 0]]", "x.index_select(0, torch.tensor([2, 0]))"],
        ["x[torch.tensor([1])]", "x.index_select(0, torch.tensor([1]))"],
      ],
    );
    const { out, err } = await session([
      "x = torch.zeros(2, 3)",
      "x[0] = 1",
      "x[1, 2] = torch.tensor(5)",
      'x[":", 1] = torch.tensor([7, 8])',
      "x[x > 6] = -1",
      "x[0, 0] += 10",
      "x.tolist()",
      // Index tensors and masks with several values: PyTorch's index_put_.
      "y = torch.zeros(2, 3)",
      "y[torch.tensor([0, 1]), torch.tensor([2, 0])] = torch.tensor([3, 4]).float()",
      "y[y > 3] = torch.tensor([9]).float()",
      "y.tolist()",
      "x[2]",
    ]);
    assert.deepEqual(out, [
      "[ [ 11, -1, 1 ], [ 0, -1, 5 ] ]",
      "[ [ 0, 0, 3 ], [ 9, 0, 0 ] ]",
    ]);
    assert.equal(err.length, 1);
    assert.match(
      err[0],
      /IndexError: index 2 is out of bounds for dimension 0 with size 2/,
    );
  });

  test("assignments through operators print nothing", async () => {
    const { out, err } = await session([
      "x = torch.zeros(2)",
      "x[0] = 1",
      "x[1] += 2",
      "x += 1",
      "const o = { t: torch.ones(1) }",
      "o.t *= 3",
      "x[0]",
    ]);
    assert.deepEqual(err, []);
    assert.equal(out.length, 1);
    assert.match(out[0], /^\n 2\n\[torch\.FloatTensor of size \(\)\]\n$/);
  });
});

describe("repl: the same operators keep JavaScript's meaning elsewhere", () => {
  test("a rewritten input keeps its lines: tracebacks name the line typed", async () => {
    const { err } = await session([
      "function g(a) {",
      "  const y = a *",
      "    2 + a[0]",
      "  return y.view(7);",
      "}",
      "g(torch.ones(2))",
    ]);
    assert.equal(err.length, 1);
    assert.match(err[0], /File "<stdin>", line 4, in g\n/);
  });

  test("numbers, strings, arrays, objects, methods, destructuring", async () => {
    const { out, err } = await session([
      "let n = 0",
      "for (let i = 0; i < 4; i++) n += i * 2",
      "n",
      '"loss " + 0.5',
      "`x` + 1",
      "const arr = [1, 2, 3]",
      "arr[1] += 5",
      "arr[0]++",
      "--arr[2]",
      "arr",
      "const o = { a: 1, f() { return this.a } }",
      "o.a *= 3",
      'o["f"]()',
      "o?.['a'] ** 2",
      "delete o['a']",
      "o.a",
      "const m = [[1, 2], [3, 4]]",
      "m[1][0] - m[0][1]",
      "[m[0][0], m[1][1]] = [m[1][1], m[0][0]]",
      "m",
      "let k",
      "for (k of [7, 8]) ;",
      "k",
      "-n",
      "2 ** -1",
      "'ab' < 'b'",
      "class A { #v = 2; twice() { return this.#v * 2 } }",
      "new A().twice()",
    ]);
    assert.deepEqual(err, []);
    assert.deepEqual(out, [
      "12",
      "'loss 0.5'",
      "'x1'",
      "1",
      "2",
      "[ 2, 7, 2 ]",
      "3",
      "9",
      "true",
      "1",
      "[ [ 4, 2 ], [ 3, 1 ] ]",
      "8",
      "-12",
      "0.5",
      "true",
      "4",
    ]);
  });
});

const numpyOps = JSON.parse(
  readFileSync(new URL("./fixtures/numpy_ops.json", import.meta.url), "utf8"),
) as {
  numpy: string;
  cases: { python: string; ts: string; repr: string; legacy_repr: string }[];
};

describe(`repl: np is one kind of array, with NumPy's results (NumPy ${numpyOps.numpy})`, () => {
  test("each expression echoes what NumPy's prompt echoes (1.13's in the legacy style)", async () => {
    const lines = numpyOps.cases.map((c) => c.ts);
    const legacy = await session(lines);
    assert.deepEqual(legacy.err, []);
    numpyOps.cases.forEach((c, i) =>
      assert.equal(legacy.out[i], c.legacy_repr, c.python)
    );
    const modern = await session([".style modern", ...lines, ".style legacy"]);
    assert.deepEqual(modern.err, []);
    numpyOps.cases.forEach((c, i) =>
      assert.equal(modern.out[i], c.repr, c.python)
    );
  });

  test("t.numpy() and np's arrays share memory with tensors; out= writes through", async () => {
    const { out, err } = await session([
      "b = torch.ones(5, { dtype: torch.float64 })",
      "const a_ = b.numpy()",
      "a_ instanceof np.ndarray && np.ones(5) instanceof np.ndarray",
      "np.add(a_, 1, { out: a_ })",
      "b.tolist()",
      "np.multiply(a_, 10)",
      "a_ *= 3",
      "b.tolist()",
      "a_[0] = -1",
      "b.tolist()",
    ]);
    assert.deepEqual(err, []);
    assert.deepEqual(out, [
      "true",
      "array([ 2.,  2.,  2.,  2.,  2.])",
      "[ 2, 2, 2, 2, 2 ]",
      "array([ 20.,  20.,  20.,  20.,  20.])",
      "[ 6, 6, 6, 6, 6 ]",
      "[ -1, 6, 6, 6, 6 ]",
    ]);
  });

  test("a name or option np lacks is an error, never a silent undefined", async () => {
    const { err } = await session([
      "np.random",
      "np.add(np.ones(2), 1, { where: true })",
      "np.add(np.ones(2), 1, { out: np.ones(3) })",
      "np.ones(2, { dtype: 'complex64' })",
    ]);
    assert.equal(err.length, 4);
    assert.match(
      err[0],
      /AttributeError: module 'numpy' has no attribute 'random' \(flambeau's np stand-in has: ones, /,
    );
    assert.match(
      err[1],
      /TypeError: add\(\) got an unexpected keyword argument 'where'/,
    );
    assert.match(
      err[2],
      /ValueError: non-broadcastable output operand with shape \(3\) doesn't match the broadcast shape \(2\)/,
    );
    assert.match(err[3], /TypeError: data type 'complex64' not understood/);
  });
});

describe("repl: Python that is not TypeScript gets the TypeScript to write", () => {
  const cases: [string, RegExp, string][] = [
    [
      "from torch.autograd import Variable",
      /SyntaxError: 'from \.\.\. import' is Python/,
      "const { Variable } = torch.autograd",
    ],
    [
      "from torch.nn import Linear, ReLU as Act",
      /is Python/,
      "const { Linear, ReLU: Act } = nn",
    ],
    [
      "import numpy as np",
      /SyntaxError: 'import numpy' is Python/,
      "np is loaded already",
    ],
    ["import torch", /'import torch' is Python/, "torch is loaded already"],
    ["import torch.nn.functional as F", /is Python/, "F is loaded already"],
    [
      "import torch.optim as opt",
      /is Python/,
      "it is loaded already as optim: const opt = optim",
    ],
    [
      "def num_flat_features(self, x):",
      /'def' is Python/,
      "function num_flat_features(x) { ... } (a method: name(args) { ... } inside the class)",
    ],
    [
      "class Net(nn.Module):",
      /a Python class/,
      "class Net extends nn.Module { ... } (layers as fields: conv1 = new nn.Conv2d(1, 6, 5); forward(x) { ... })",
    ],
    [
      "for i in range(2, n):",
      /a Python for loop/,
      "for (let i = 2; i < n; i++) { ... }",
    ],
    [
      "for x, y in loader:",
      /a Python for loop/,
      "for (const [x, y] of loader) { ... }",
    ],
    [
      "if torch.cuda.is_available():",
      /a Python if/,
      "if (torch.cuda.is_available()) { ... }",
    ],
    [
      "size = x.size()[1:]",
      /Python's slice syntax/,
      'slices are strings here: x["1:"], x[":", 0] (or x.index(":", 0)) for a tensor; arr.slice(1) for an array',
    ],
    ["g = lambda t: t * 2", /a Python lambda/, "g = (t) => t * 2"],
    [
      "x = Variable(torch.ones(2), requires_grad=True)",
      /SyntaxError: keyword arguments are Python/,
      "Variable(torch.ones(2), { requires_grad: true })",
    ],
    [
      "opt = new optim.SGD(ps, lr=0.01, momentum=0.9)",
      /keyword arguments/,
      "new optim.SGD(ps, { lr: 0.01, momentum: 0.9 })",
    ],
    [
      "nn.Conv2d(1, 6, 5)",
      /TypeError: (Class constructor Conv2d cannot be invoked without .new.|Cannot call a class constructor Conv2d without \|new\|)/,
      "a class is made with new: new nn.Conv2d(...)",
    ],
    ["x = None", /ReferenceError/, "null is TypeScript's None"],
  ];
  test("each habit: the error, then hint: and the TypeScript", async () => {
    const { out, err } = await session(cases.map(([line]) => line));
    assert.deepEqual(out, []);
    assert.equal(err.length, cases.length);
    cases.forEach(([line, error, hint], i) => {
      assert.match(err[i], error, line);
      assert.ok(err[i].endsWith(`\nhint: ${hint}`), `${line}: ${err[i]}`);
    });
  });

  test("valid TypeScript that looks alike is left alone", async () => {
    const { out, err } = await session([
      "const d = { a: 1 }",
      "let keys = []",
      "for (const k in d) keys.push(k)",
      "keys",
      "const pick = (c) => [c ? 1 : 2]",
      "pick(true)",
      "let r; [r = 5] = []",
      "r",
    ]);
    assert.deepEqual(err, []);
    assert.deepEqual(out, ["[ 'a' ]", "[ 1 ]", "5"]);
  });
});
