// torch.rand/randn/randint/... as users call them, against real PyTorch after the same seed
// (tests/fixtures/random_api.json, written by gen_random_api.py). The generator itself is tested
// bit for bit in random.test.ts; this checks the tensor-level wiring: shapes, dtypes, fill order.

import { describe, test } from "node:test";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const fixture = readFixture<{ cases: { name: string; expect: EncTensor }[] }>(
  "random_api.json",
);

const CALLS: Record<string, () => torch.Tensor> = {
  "rand(2,3)": () => torch.rand(2, 3),
  "rand(3, float64)": () => torch.rand(3, { dtype: torch.float64 }),
  "randn(4)": () => torch.randn(4),
  "randn(2,8)": () => torch.randn(2, 8),
  "randn(3); randn(16); randn(1)": () =>
    torch.cat([torch.randn(3), torch.randn(16), torch.randn(1)]),
  "randint(0,10,[8])": () => torch.randint(0, 10, [8]),
  "randint(5,[2,2])": () => torch.randint(5, [2, 2]),
  "randperm(8)": () => torch.randperm(8),
  "empty(8,4).t().normal_()": () => torch.empty(8, 4).t().normal_(),
  "empty(3).uniform_(-0.37,1.9)": () => torch.empty(3).uniform_(-0.37, 1.9),
  "normal(0.5,2.0,[16])": () => torch.normal(0.5, 2.0, [16]),
  "bernoulli(full([10],0.5))": () => torch.bernoulli(torch.full([10], 0.5)),
  "empty(10).bernoulli_(0.5)": () => torch.empty(10).bernoulli_(0.5),
  "generator(42).rand(3)": () =>
    torch.rand(3, { generator: new torch.Generator().manual_seed(42) }),
};

describe("random factories match PyTorch after manual_seed(0)", () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      torch.manual_seed(0);
      // Exact: float32 values are PyTorch's bits (and float64 rand is exact on every runtime).
      assertTensorClose(CALLS[c.name](), c.expect, c.name, {
        rtol: 0,
        atol: 0,
      });
    });
  }
});
