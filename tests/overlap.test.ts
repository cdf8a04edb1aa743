// Writes into memory that overlaps: PyTorch 1.13 refuses an expanded written-to tensor and an
// input that partly shares its memory (checked case by case with it), and allows the rest.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const INTERNAL = {
  name: "RuntimeError",
  message:
    "unsupported operation: more than one element of the written-to tensor refers to a single memory location. Please clone() the tensor before performing the operation.",
};
const PARTIAL = {
  name: "RuntimeError",
  message:
    "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory location. Please clone() the tensor before performing the operation.",
};
const f32 = (n: number) => torch.arange(n, { dtype: torch.float32 });

describe("writes into overlapping memory", () => {
  test("an expanded tensor cannot be written in place, by an op or copy_", () => {
    assert.throws(() => torch.ones(1, 3).expand(2, 3).add_(1), INTERNAL);
    assert.throws(() => torch.ones(1, 3).expand(2, 3).relu_(), INTERNAL);
    assert.throws(() => torch.ones(1, 3).expand(2, 3).clamp_(0, 1), INTERNAL);
    assert.throws(
      () => torch.ones(1, 3).expand(2, 3).copy_(torch.zeros(2, 3)),
      INTERNAL,
    );
    assert.throws(
      () => torch.exp(torch.ones(3), { out: torch.ones(1).expand(3) }),
      INTERNAL,
    );
  });

  test("fill_ and zero_ of an expanded tensor are allowed, as in PyTorch", () => {
    const base = torch.ones(1, 3);
    base.expand(2, 3).fill_(2);
    assert.deepEqual(base.tolist(), [[2, 2, 2]]);
    base.expand(2, 3).zero_();
    assert.deepEqual(base.tolist(), [[0, 0, 0]]);
  });

  test("an input that partly shares the written memory is refused", () => {
    const x = f32(5);
    assert.throws(() => x.narrow(0, 1, 3).add_(x.narrow(0, 0, 3)), PARTIAL);
    assert.throws(() => x.narrow(0, 0, 3).copy_(x.narrow(0, 2, 3)), PARTIAL);
    const m = f32(6).view(2, 3);
    assert.throws(() => m.t().add_(m), PARTIAL);
    const y = f32(6);
    assert.throws(
      () =>
        torch.add(y.narrow(0, 1, 5), y.narrow(0, 0, 5), {
          out: y.narrow(0, 0, 5),
        }),
      PARTIAL,
    );
    assert.throws(
      () => torch.exp(y.narrow(0, 1, 3), { out: y.narrow(0, 0, 3) }),
      PARTIAL,
    );
    assert.deepEqual(x.tolist(), [0, 1, 2, 3, 4], "nothing was written");
  });

  test("the same memory read as written, disjoint views, and interleaved views are allowed", () => {
    const x = f32(5);
    x.add_(x);
    assert.deepEqual(x.tolist(), [0, 2, 4, 6, 8]);
    const y = f32(6);
    y.narrow(0, 0, 3).add_(y.narrow(0, 3, 3));
    assert.deepEqual(y.tolist(), [3, 5, 7, 3, 4, 5]);
    const z = f32(6);
    // Neither is dense, which PyTorch does not try to decide; they do not overlap.
    const pairs = z.view(3, 2),
      even = pairs.select(1, 0),
      odd = pairs.select(1, 1);
    even.add_(odd);
    assert.deepEqual(z.tolist(), [1, 1, 5, 3, 9, 5]);
  });
});
