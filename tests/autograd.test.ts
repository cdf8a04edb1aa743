// Autograd semantics as PyTorch defines them: the tutorial's Variable, accumulation, leaves,
// retain_grad, grad modes, detach/.data, torch.autograd.grad, create_graph, and PyTorch's errors.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const f64 = (data: torch.NestedList, requires_grad = true) =>
  torch.tensor(data, { dtype: torch.float64, requires_grad });

describe("the tutorial's autograd snippet", () => {
  test("Variable, backward with a gradient, x.grad printed as PyTorch 0.3", () => {
    let x = torch.rand(5);
    x = torch.autograd.Variable(x, { requires_grad: true });
    const y = x.mul(2);
    const grads = torch.FloatTensor([1, 2, 3, 4, 5]);
    y.backward(grads);
    assert.equal(
      `${x.grad}`,
      "Variable containing:\n  2\n  4\n  6\n  8\n 10\n[torch.FloatTensor of size 5]\n",
    );
    assert.equal(y.grad_fn?.name(), "MulBackward0");
    assert.ok(`${y}`.startsWith("Variable containing:\n"));
    assert.ok(!`${x.data}`.startsWith("Variable"), ".data is a plain tensor");
  });

  test("the modern style shows grad_fn and requires_grad as torch 1.13", () => {
    try {
      torch.set_printoptions({ style: "modern" });
      const x = torch.tensor([1, 2], {
        dtype: torch.float32,
        requires_grad: true,
      });
      assert.equal(`${x}`, "tensor([1., 2.], requires_grad=True)");
      assert.equal(`${x.mul(2)}`, "tensor([2., 4.], grad_fn=<MulBackward0>)");
    } finally {
      torch.set_printoptions({ style: "legacy" });
    }
  });
});

describe("leaves, accumulation and retain_grad", () => {
  test("gradients accumulate into leaves until zeroed", () => {
    const x = f64([1, 2, 3]);
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.tolist(), [4, 8, 12]);
    x.grad!.zero_();
    x.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [1, 1, 1]);
  });

  test("only leaves that require grad get .grad; retain_grad keeps a non-leaf's", () => {
    const x = f64([1, 2]);
    const c = f64([3, 4], false);
    const y = x.mul(c);
    const z = y.mul(2);
    y.retain_grad();
    z.sum().backward();
    assert.equal(x.is_leaf, true);
    assert.equal(y.is_leaf, false);
    assert.equal(c.grad, null);
    assert.equal(z.grad, null);
    assert.deepEqual(y.grad!.tolist(), [2, 2]);
    assert.deepEqual(x.grad!.tolist(), [6, 8]);
  });

  test("requires_grad_, detach, detach_ and .data", () => {
    const x = torch.ones(2, { dtype: torch.float64 }).requires_grad_();
    assert.equal(x.requires_grad, true);
    const d = x.detach();
    assert.equal(d.requires_grad, false);
    assert.equal(d.storage, x.storage);
    x.data.mul_(3); // changes x's values without autograd
    assert.deepEqual(x.tolist(), [3, 3]);
    const y = x.mul(2);
    y.detach_();
    assert.equal(y.is_leaf, true);
    assert.equal(y.requires_grad, false);
    assert.throws(
      () => torch.ones(2, { dtype: torch.int64 }).requires_grad_(),
      /floating point/,
    );
  });
});

describe("grad modes", () => {
  test("no_grad as a function and as a `using` scope, enable_grad inside it", () => {
    const x = f64([1]);
    assert.equal(torch.no_grad(() => x.mul(2)).requires_grad, false);
    {
      using _ = torch.no_grad();
      assert.equal(x.mul(2).requires_grad, false);
      assert.equal(torch.enable_grad(() => x.mul(2)).requires_grad, true);
    }
    assert.equal(x.mul(2).requires_grad, true);
    torch.set_grad_enabled(false);
    assert.equal(torch.is_grad_enabled(), false);
    torch.set_grad_enabled(true);
    assert.equal(x.mul(2).requires_grad, true);
  });
});

describe("torch.autograd.grad and higher derivatives", () => {
  test("grad returns gradients without touching .grad; allow_unused", () => {
    const x = f64([1, 2]), w = f64([5, 5]);
    const [gx] = torch.autograd.grad(x.pow(3).sum(), [x]);
    assert.deepEqual(gx!.tolist(), [3, 12]);
    assert.equal(x.grad, null);
    assert.throws(
      () => torch.autograd.grad(x.sum(), [x, w]),
      /appears to not have been used in the graph/,
    );
    const [, gw] = torch.autograd.grad(x.sum(), [x, w], { allow_unused: true });
    assert.equal(gw, null);
  });

  test("create_graph gives second derivatives (d2/dx2 of x^3 is 6x)", () => {
    const x = f64([1, 2]);
    const [g] = torch.autograd.grad(x.pow(3).sum(), [x], {
      create_graph: true,
    });
    assert.equal(g!.requires_grad, true);
    g!.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [6, 12]);
  });

  test("backward({ inputs }) accumulates only into the given leaves", () => {
    const a = f64([1]), b = f64([2]);
    a.mul(b).backward(undefined, { inputs: [a] });
    assert.deepEqual(a.grad!.tolist(), [2]);
    assert.equal(b.grad, null);
  });

  test("broadcasting is undone and dtypes are restored on the way back", () => {
    const a = torch.ones(3, { requires_grad: true }); // float32
    const b = f64([[1], [2]]); // [2, 1] float64
    a.mul(b).sum().backward();
    assert.equal(a.grad!.dtype, torch.float32);
    assert.deepEqual(a.grad!.tolist(), [3, 3, 3]);
    assert.deepEqual([...b.grad!.shape], [2, 1]);
    assert.deepEqual(b.grad!.tolist(), [[3], [3]]);
  });
});

describe("PyTorch's errors", () => {
  test("a non-scalar output needs a gradient", () => {
    assert.throws(
      () => f64([1, 2]).mul(2).backward(),
      /^RuntimeError: grad can be implicitly created only for scalar outputs$/,
    );
  });

  test("backward twice through freed saved tensors", () => {
    const x = f64([1, 2]);
    const y = x.mul(x).sum();
    y.backward(undefined, { retain_graph: true });
    y.backward();
    assert.throws(
      () => y.backward(),
      /Trying to backward through the graph a second time/,
    );
    // Nothing saved (x * 2 keeps no tensor): a second backward is fine, as in PyTorch.
    const z = x.mul(2).sum();
    z.backward();
    z.backward();
  });

  test("in-place on a leaf that requires grad", () => {
    assert.throws(
      () => f64([1]).add_(1),
      /a leaf Variable that requires grad is being used in an in-place operation\./,
    );
    const x = f64([1]);
    torch.no_grad(() => x.add_(1)); // allowed without recording, as in PyTorch
    assert.deepEqual(x.tolist(), [2]);
  });

  test("in-place change of a tensor saved for backward", () => {
    const x = f64([1, 2, 3]);
    const y = x.sigmoid();
    y.mul_(2);
    assert.throws(
      () => y.sum().backward(),
      (e: Error) =>
        e.message.startsWith(
          "one of the variables needed for gradient computation has been modified by an inplace operation: [torch.DoubleTensor [3]], which is output 0 of SigmoidBackward0, is at version 1; expected version 0 instead.",
        ),
    );
  });

  test("in-place ops on non-leaves are followed correctly", () => {
    const x = f64([1, 2]);
    const y = x.mul(1);
    y.mul_(x); // y = x * x, saved old y is kept
    y.add_(1);
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [2, 4]);
    assert.equal(y.grad_fn?.name(), "AddBackward0");
  });

  test("in-place writes through views of a leaf are refused; of other tensors, followed (CopySlices)", () => {
    const x = f64([1, 2, 3]);
    assert.throws(
      () => x.index(0).add_(1),
      /a view of a leaf Variable that requires grad is being used in an in-place operation\./,
    );
    const y = x.mul(1);
    const v = y.index(0);
    v.mul_(2);
    y.mul_(2);
    assert.equal(y.grad_fn?.name(), "MulBackward0");
    y.sum().backward();
    // PyTorch 1.13: [4, 2, 2] (tests/inplace_views.test.ts holds the PyTorch-computed cases).
    assert.deepEqual(x.grad!.tolist(), [4, 2, 2]);
    x.grad = null;
    // Without grad recording, views of any tensor can be written as usual.
    torch.no_grad(() => x.index(0).fill_(5));
    assert.deepEqual(x.tolist(), [5, 2, 3]);
  });

  test("backward on a tensor that does not require grad", () => {
    assert.throws(
      () => torch.ones(1).backward(),
      /element 0 of tensors does not require grad and does not have a grad_fn/,
    );
  });
});

describe("long graphs", () => {
  test("a chain of 100,000 nodes runs backward without overflowing the stack", {
    timeout: 60_000,
  }, () => {
    const x = f64([1]);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1);
    y.backward();
    assert.deepEqual(x.grad!.tolist(), [1]);
  });
});
