// examples/char_transformer.ts against PyTorch running the same program
// (tests/fixtures/gen_char_transformer.py): 101 training steps of a causal TransformerEncoder,
// dropout included, print PyTorch's losses.

import { test } from "node:test";
import assert from "node:assert/strict";
import { type CharRun, run } from "../examples/char_transformer.ts";
import { readFixture } from "./_support/fixtures.ts";

const fx = readFixture<{ torch: string; runs: CharRun[] }>(
  "char_transformer.json",
);

test(`the character-level Transformer trains as in PyTorch ${fx.torch}`, {
  timeout: 300_000,
}, () => {
  const want = fx.runs.find((r) => r.steps === 101)!;
  const got = run(101, () => {});
  assert.equal(got.vocab, want.vocab);
  assert.equal(got.losses.length, want.losses.length);
  got.losses.forEach(([step, loss], i) => {
    assert.equal(step, want.losses[i][0]);
    const w = want.losses[i][1];
    assert.ok(
      Math.abs(loss - w) <= 1e-3 * Math.abs(w),
      `loss at step ${step}: PyTorch ${w}, flambeau ${loss}`,
    );
  });
  // It learnt something: the loss fell from ln(vocab) to well below it.
  assert.ok(got.losses[0][1] > 3.5 && got.losses.at(-1)![1] < 2.3);
  assert.ok(got.sample.startsWith("The keeper") && got.sample.length === 70);
});
