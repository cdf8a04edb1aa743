// Tensor semantics that the op table does not cover: views sharing storage, legacy constructors,
// printing through every path, conversions and error classes.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as torch from "../mod.ts";

describe("views share storage", () => {
  test("an in-place op through a view is seen by the base", () => {
    const base = torch.zeros(3, 4);
    base.index(1).fill_(7);
    base.t().index(":", 0).add_(1);
    base.narrow(1, 2, 2).mul_(2);
    // base.t()[:, 0] is base[0]: the same values PyTorch gives for this sequence.
    assert.deepEqual(base.tolist(), [[1, 1, 2, 2], [7, 7, 14, 14], [
      0,
      0,
      0,
      0,
    ]]);
  });

  test("view, transpose, permute, expand and slicing keep the storage and compute strides", () => {
    const x = torch.arange(24).view(2, 3, 4);
    assert.deepEqual(x.stride(), [12, 4, 1]);
    const p = x.permute(2, 0, 1);
    assert.deepEqual([...p.shape], [4, 2, 3]);
    assert.deepEqual(p.stride(), [1, 12, 4]);
    assert.equal(p.is_contiguous(), false);
    assert.equal(p.storage, x.storage);
    const s = x.index("...", "::2", null);
    assert.deepEqual([...s.shape], [2, 3, 2, 1]);
    assert.deepEqual(s.tolist(), [[[[0], [2]], [[4], [6]], [[8], [10]]], [
      [[12], [14]],
      [[16], [18]],
      [[20], [22]],
    ]]);
    const e = torch.tensor([1, 2, 3]).unsqueeze(0).expand(2, -1);
    assert.deepEqual(e.stride(), [0, 1]);
    assert.deepEqual(e.tolist(), [[1, 2, 3], [1, 2, 3]]);
  });

  test("view refuses incompatible strides; reshape copies instead", () => {
    const t = torch.arange(6).view(2, 3).t();
    assert.throws(() => t.view(6), /view size is not compatible/);
    const r = t.reshape(6);
    assert.deepEqual(r.tolist(), [0, 3, 1, 4, 2, 5]);
    assert.notEqual(r.storage, t.storage);
  });

  test("contiguous copies only when needed; clone always copies", () => {
    const x = torch.ones(2, 2);
    assert.equal(x.contiguous(), x);
    assert.notEqual(x.clone().storage, x.storage);
    assert.notEqual(x.t().contiguous().storage, x.storage);
  });
});

describe("legacy constructors", () => {
  test("sizes give a shape, a list gives values, with or without new", () => {
    assert.deepEqual([...torch.Tensor(2, 3, 4).size()], [2, 3, 4]);
    assert.deepEqual([...new torch.Tensor(1, 2, 3).size()], [1, 2, 3]);
    assert.deepEqual(torch.Tensor([1, 2, 3]).tolist(), [1, 2, 3]);
    assert.equal(torch.Tensor([1, 2, 3]).type(), "torch.FloatTensor");
    assert.equal(torch.LongTensor([1, 2]).type(), "torch.LongTensor");
    assert.equal(new torch.ByteTensor(3).dtype, torch.uint8);
    assert.ok(torch.rand(2) instanceof torch.Tensor);
    assert.ok(torch.rand(2) instanceof torch.FloatTensor);
  });

  test("type() converts by legacy name or constructor", () => {
    const x = torch.Tensor([1.5, 2.5]);
    assert.equal(x.type("torch.DoubleTensor").dtype, torch.float64);
    assert.equal(x.type(torch.IntTensor).type(), "torch.IntTensor");
    assert.throws(() => x.type("torch.NopeTensor"), /invalid type/);
  });
});

describe("printing paths agree", () => {
  test("console.log, template strings and inspect show the same text", () => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    const text = "\n 1  2\n 3  4\n[torch.LongTensor of size 2x2]\n";
    assert.equal(`${x}`, text);
    assert.equal(inspect(x), text);
    assert.equal(
      String(torch.Size.prototype.toString.call(x.size())),
      "torch.Size([2, 2])",
    );
    assert.equal(inspect(x.size()), "torch.Size([2, 2])");
  });

  test("the modern style is switched on and off with set_printoptions", () => {
    try {
      torch.set_printoptions({ style: "modern" });
      assert.equal(`${torch.tensor([1.5, 2])}`, "tensor([1.5000, 2.0000])");
    } finally {
      torch.set_printoptions({ style: "legacy" });
    }
    assert.equal(
      `${torch.tensor([1.5, 2])}`,
      "\n 1.5000\n 2.0000\n[torch.FloatTensor of size 2]\n",
    );
  });

  test("max with a dim prints as torch.return_types", () => {
    const r = torch.tensor([[1, 5], [7, 2]]).max(1);
    // The default style is legacy, where PyTorch 0.3 returned a plain tuple.
    assert.ok(
      inspect(r).startsWith("(\n 5\n 7\n[torch.LongTensor of size 2]\n, \n"),
    );
    const [values, indices] = r;
    assert.deepEqual(values.tolist(), [5, 7]);
    assert.deepEqual(indices.tolist(), [1, 0]);
    assert.equal(r.values, values);
  });
});

describe("values and conversions", () => {
  test("item, tolist and dtype conversions", () => {
    assert.equal(torch.tensor([[3.5]]).item(), 3.5);
    assert.equal(torch.tensor([true]).item(), true);
    assert.throws(
      () => torch.ones(2).item(),
      {
        name: "ValueError",
        message: "only one element tensors can be converted to Python scalars",
      },
    );
    assert.deepEqual(torch.tensor([1.7, -1.7]).int().tolist(), [1, -1]);
    assert.deepEqual(torch.tensor([0, 2]).bool().tolist(), [false, true]);
    assert.equal(torch.tensor([1]).half().dtype, torch.float16);
    assert.equal(torch.ones(1).to(torch.float64).dtype, torch.float64);
    assert.equal(String(torch.ones(1).to("cpu").device), "cpu");
  });

  test("int64 keeps exact values in storage", () => {
    const big = torch.tensor(new BigInt64Array([9007199254740993n]));
    assert.equal((big.storage.data as BigInt64Array)[0], 9007199254740993n);
  });

  test("promotion follows PyTorch's categories", () => {
    assert.equal(
      torch.promote_types(torch.int32, torch.float16),
      torch.float16,
    );
    assert.equal(torch.result_type(torch.tensor([1, 2]), 2.5), torch.float32);
    assert.equal(
      torch.result_type(torch.tensor([1], { dtype: torch.uint8 }), 300),
      torch.uint8,
    );
    assert.equal(torch.result_type(torch.tensor([true]), 1), torch.int64);
  });
});

describe("errors", () => {
  test("bad shapes raise PyTorch's error classes and words", () => {
    assert.throws(() => torch.ones(2, 3).add(torch.ones(4)), (e: Error) => {
      assert.ok(e instanceof torch.RuntimeError);
      assert.equal(
        e.message,
        "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1",
      );
      return true;
    });
    assert.throws(() => torch.ones(2, 3).sum(2), torch.IndexError);
    assert.throws(
      () => torch.ones(2).add_(torch.ones(2, 2)),
      /output with shape \[2\] doesn't match the broadcast shape \[2, 2\]/,
    );
    assert.throws(
      () => torch.ones(2, { dtype: torch.int64 }).mul_(1.5),
      /result type Float can't be cast to the desired output type Long/,
    );
    assert.throws(
      () => torch.ones(2).sum({ dimm: 0 } as never),
      /unexpected keyword argument 'dimm'/,
    );
  });

  test("an allocation the machine cannot make is PyTorch's allocator error, not a crash", () => {
    assert.throws(
      () => torch.zeros(1e15),
      /RuntimeError: DefaultCPUAllocator: can't allocate memory/,
    );
  });

  test("out= writes the result into the given tensor and returns it", () => {
    const out = torch.empty(2);
    const r = torch.mul(torch.tensor([1, 2]), 3, { out });
    assert.equal(r, out);
    assert.deepEqual(out.tolist(), [3, 6]);
  });
});
