// The tutorial's Net trained for five steps with SGD (momentum 0.9) and Adam follows PyTorch's
// loss trajectory (tests/fixtures/net_train.json, from gen_net_train.py): float64 to 1e-10,
// float32 to 1e-5. Both start from PyTorch's default initialisation after manual_seed(0).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { Net } from "./_support/lenet.ts";
import { readFixture } from "./_support/fixtures.ts";

const { nn, optim } = torch;

type Run = {
  optimizer: string;
  dtype: "float32" | "float64";
  losses: number[];
};
const fixture = readFixture<{
  inputs: { shape: number[]; data: number[] };
  targets: number[];
  runs: Run[];
}>("net_train.json");

const makeOptimizer: Record<
  string,
  (p: Iterable<torch.nn.Parameter>) => torch.optim.Optimizer
> = {
  sgd_momentum: (p) => new optim.SGD(p, { lr: 0.01, momentum: 0.9 }),
  adam: (p) => new optim.Adam(p, { lr: 1e-3 }),
};

describe("the tutorial's Net follows PyTorch's loss trajectory", () => {
  for (const run of fixture.runs) {
    test(`${run.optimizer}, ${run.dtype}`, { timeout: 60_000 }, () => {
      torch.manual_seed(0);
      const net = new Net().to(run.dtype);
      const optimizer = makeOptimizer[run.optimizer](net.parameters());
      const criterion = new nn.CrossEntropyLoss();
      const input = torch.tensor(Float64Array.from(fixture.inputs.data), {
        dtype: run.dtype,
      })
        .reshape(fixture.inputs.shape);
      const target = torch.tensor(fixture.targets);
      const tol = run.dtype === "float64" ? 1e-10 : 1e-5;
      for (const [step, expected] of run.losses.entries()) {
        optimizer.zero_grad();
        const loss = criterion(net(input), target);
        loss.backward();
        optimizer.step();
        const got = loss.item() as number;
        assert.ok(
          Math.abs(got - expected) <= tol * Math.max(1, Math.abs(expected)),
          `step ${step}: ${got} vs ${expected}`,
        );
      }
    });
  }
});
