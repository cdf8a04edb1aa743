// torch.from_numpy and Tensor.numpy(): tensors over foreign memory and back, with the shared-memory
// semantics of PyTorch's from_numpy (writes on either side are seen by the other, views included).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

describe("torch.from_numpy", () => {
  test("a TypedArray becomes a 1-D tensor over the same memory (the tutorial's example)", () => {
    const a = new Float64Array(5).fill(1);
    const b = torch.from_numpy(a);
    for (let i = 0; i < a.length; i++) a[i] += 1;
    assert.equal(
      `${b}`,
      "\n 2\n 2\n 2\n 2\n 2\n[torch.DoubleTensor of size 5]\n",
    );
    b.mul_(3);
    assert.deepEqual([...a], [6, 6, 6, 6, 6]);
    assert.equal(b.storage.data.buffer, a.buffer);
  });

  test("each TypedArray gives its dtype; int64 stays exact", () => {
    const cases: [ArrayBufferView, torch.dtype][] = [
      [new Float32Array(2), torch.float32],
      [new Float64Array(2), torch.float64],
      [new Float16Array(2), torch.float16],
      [new BigInt64Array([2n ** 60n, -3n]), torch.int64],
      [new Int32Array(2), torch.int32],
      [new Int16Array(2), torch.int16],
      [new Int8Array(2), torch.int8],
      [new Uint8Array(2), torch.uint8],
    ];
    for (const [data, dtype] of cases) {
      assert.equal(torch.from_numpy(data).dtype, dtype);
    }
    const big = torch.from_numpy(new BigInt64Array([2n ** 60n + 1n]));
    assert.equal((big.numpy().data as BigInt64Array)[0], 2n ** 60n + 1n);
  });

  test("an ndarray-like with shape, strides and offset is a strided view", () => {
    const data = new Float32Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const t = torch.from_numpy({
      data,
      shape: [2, 3],
      strides: [1, 2],
      offset: 4,
    });
    assert.deepEqual(t.tolist(), [[4, 6, 8], [5, 7, 9]]);
    assert.equal(t.is_contiguous(), false);
    t.index(0).fill_(-1);
    assert.deepEqual([...data.subarray(4, 10)], [-1, 5, -1, 7, -1, 9]);
  });

  test("npyjs's fortranOrder and scijs/ndarray's stride are understood", () => {
    const data = new Float64Array([1, 2, 3, 4, 5, 6]);
    assert.deepEqual(
      torch.from_numpy({ data, shape: [2, 3], fortranOrder: true }).tolist(),
      [[1, 3, 5], [2, 4, 6]],
    );
    assert.deepEqual(
      torch.from_numpy({ data, shape: [3], stride: [2], offset: 1 }).tolist(),
      [2, 4, 6],
    );
  });

  test("bool data needs dtype: 'bool' (it shares Uint8Array with uint8)", () => {
    const t = torch.from_numpy({
      data: new Uint8Array([1, 0, 1]),
      shape: [3],
      dtype: "bool",
    });
    assert.equal(t.dtype, torch.bool);
    assert.deepEqual(t.tolist(), [true, false, true]);
  });

  test("bad input is a clear error", () => {
    assert.throws(
      () => torch.from_numpy(new Uint8ClampedArray(2)),
      /can't convert Uint8ClampedArray to a tensor/,
    );
    assert.throws(
      () => torch.from_numpy({ data: new Float32Array(4), shape: [3, 2] }),
      /reaches outside the data/,
    );
    assert.throws(
      () =>
        torch.from_numpy({
          data: new Float32Array(4),
          shape: [2],
          strides: [1, 1],
        }),
      /do not match shape/,
    );
    assert.throws(
      () =>
        torch.from_numpy({
          data: new Float32Array(4),
          shape: [2],
          dtype: "float64",
        }),
      /does not match/,
    );
    assert.throws(
      () => torch.from_numpy({} as never),
      /from_numpy expects a TypedArray/,
    );
  });
});

describe("Tensor.numpy()", () => {
  test("a contiguous tensor's data is exactly its elements, shared", () => {
    const t = torch.arange(6, { dtype: torch.float32 }).view(2, 3);
    const a = t.numpy();
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(a.strides, [3, 1]);
    assert.equal(a.offset, 0);
    assert.equal(a.dtype, "float32");
    assert.equal(a.data.length, 6);
    (a.data as Float32Array)[5] = 50;
    assert.equal(t.index(1, 2).item(), 50);
  });

  test("a strided view keeps its strides and offset into the shared data", () => {
    const base = torch.arange(12, { dtype: torch.float64 }).view(3, 4);
    const a = base.t().index("1:3").numpy();
    assert.deepEqual(a.shape, [2, 3]);
    assert.deepEqual(a.strides, [1, 4]);
    const at = (i: number, j: number) =>
      (a.data as Float64Array)[a.offset + i * a.strides[0] + j * a.strides[1]];
    assert.equal(at(1, 2), 10);
    base.fill_(7);
    assert.equal(at(1, 2), 7);
  });

  test("int64 as BigInt64Array, bool as Uint8Array", () => {
    assert.ok(torch.tensor([1, 2]).numpy().data instanceof BigInt64Array);
    const b = torch.tensor([true, false]).numpy();
    assert.ok(b.data instanceof Uint8Array);
    assert.equal(b.dtype, "bool");
  });

  test("a tensor that requires grad is refused, as in PyTorch", () => {
    assert.throws(
      () => torch.ones(2, { requires_grad: true }).numpy(),
      /Can't call numpy\(\) on Tensor that requires grad\. Use tensor\.detach\(\)\.numpy\(\) instead\./,
    );
  });

  test("from_numpy(t.numpy()) round-trips to the same memory", () => {
    const t = torch.randn(3, 4).t();
    const back = torch.from_numpy(t.numpy());
    assert.ok(torch.equal(back, t));
    back.zero_();
    assert.equal(t.abs().sum().item(), 0);
  });
});
