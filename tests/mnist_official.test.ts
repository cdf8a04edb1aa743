// The official PyTorch MNIST example (examples/mnist_official.ts, a line-by-line port of
// pytorch/examples mnist/main.py: dropout, Adadelta, StepLR, nll_loss) against what PyTorch prints
// for the same digits and seed (tests/fixtures/gen_mnist_official.py).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { main } from "../examples/mnist_official.ts";

const fx = JSON.parse(
  readFileSync(
    new URL("./fixtures/mnist_official.json", import.meta.url),
    "utf8",
  ),
) as {
  torch: string;
  runs: {
    args: {
      train_size: number;
      test_size: number;
      epochs: number;
      log_interval: number;
    };
    logs: { epoch: number; seen: number; loss: number }[];
    tests: { loss: number; correct: number }[];
  }[];
};

describe(`the official MNIST example against PyTorch ${fx.torch}`, () => {
  for (const run of fx.runs) {
    const { train_size, test_size, epochs, log_interval } = run.args;
    test(`${epochs} epochs of ${train_size} digits, every batch logged`, {
      timeout: 300_000,
    }, () => {
      const lines: string[] = [];
      main(
        [
          "--epochs",
          String(epochs),
          "--train-size",
          String(train_size),
          "--test-size",
          String(test_size),
          "--log-interval",
          String(log_interval),
        ],
        (l) => lines.push(l),
      );
      const logs = lines.filter((l) => l.startsWith("Train Epoch"));
      assert.equal(logs.length, run.logs.length);
      run.logs.forEach((want, i) => {
        const m =
          /^Train Epoch: (\d+) \[(\d+)\/(\d+) \((\d+)%\)\]\tLoss: (\d+\.\d{6})$/
            .exec(logs[i]);
        assert.ok(m, logs[i]);
        assert.equal(Number(m[1]), want.epoch);
        assert.equal(Number(m[2]), want.seen);
        assert.equal(Number(m[3]), train_size);
        const got = Number(m[5]), rel = Math.abs(got - want.loss) / want.loss;
        // The first steps agree to float32 rounding. Then the two float32 paths part (convolution
        // sums in another order; Adadelta at lr 1 with dropout amplifies it: PyTorch itself, on 2
        // threads instead of 1, differs by 1.4% after 36 steps), so later losses are compared as
        // the same training curve, not digit for digit.
        const tol = i < 8 ? 2e-4 : 0.15;
        assert.ok(
          rel <= tol,
          `${logs[i]}: PyTorch's loss ${want.loss} (relative ${rel})`,
        );
      });
      const tests = lines.filter((l) => l.includes("Test set"));
      assert.equal(tests.length, run.tests.length);
      run.tests.forEach((want, i) => {
        const m =
          /^\nTest set: Average loss: (\d+\.\d{4}), Accuracy: (\d+)\/(\d+) \((\d+)%\)\n$/
            .exec(
              tests[i],
            );
        assert.ok(m, JSON.stringify(tests[i]));
        assert.equal(Number(m[3]), test_size);
        assert.ok(
          Math.abs(Number(m[1]) - want.loss) / want.loss < 0.1,
          tests[i],
        );
        assert.ok(
          Math.abs(Number(m[2]) - want.correct) <= test_size * 0.03,
          tests[i],
        );
      });
    });
  }
});
