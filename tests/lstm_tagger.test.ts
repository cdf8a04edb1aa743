// PyTorch's LSTM part-of-speech tagger tutorial (examples/lstm_tagger.ts) against PyTorch's own run
// of it (tests/fixtures/gen_lstm_tagger.py): the same hidden states, scores, losses and tags.

import { test } from "node:test";
import assert from "node:assert/strict";
import { run } from "../examples/lstm_tagger.ts";
import { readFixture } from "./_support/fixtures.ts";

const fx = readFixture<ReturnType<typeof run> & { torch: string }>(
  "lstm_tagger.json",
);

function close(got: number[], want: number[], rtol: number, where: string) {
  assert.equal(got.length, want.length, `${where}: length`);
  want.forEach((w, i) =>
    assert.ok(
      Math.abs(got[i] - w) <= 1e-6 + rtol * Math.abs(w),
      `${where}[${i}]: expected ${w}, got ${got[i]}`,
    )
  );
}

test(`the LSTM tagger tutorial prints PyTorch ${fx.torch}'s numbers`, {
  timeout: 120_000,
}, () => {
  const printed: unknown[] = [];
  const r = run((...v) => printed.push(...v));
  assert.equal(printed.length, 5, "the tutorial prints five things");
  r.stepwise_hidden.forEach((h, i) =>
    close(h, fx.stepwise_hidden[i], 1e-5, `stepwise hidden[${i}]`)
  );
  close(r.out, fx.out, 1e-5, "out");
  r.hidden.forEach((h, i) => close(h, fx.hidden[i], 1e-5, `hidden[${i}]`));
  assert.deepEqual(r.word_to_ix, fx.word_to_ix);
  close(r.scores_before, fx.scores_before, 1e-5, "scores before training");
  // 600 SGD steps in float32: the trajectories agree to about 1e-6 (relative) on this machine.
  r.losses.forEach(([epoch, loss], i) => {
    assert.equal(epoch, fx.losses[i][0]);
    close([loss], [fx.losses[i][1]], 1e-4, `loss at epoch ${epoch}`);
  });
  close(r.scores_after, fx.scores_after, 1e-4, "scores after training");
  assert.deepEqual(r.predicted, [0, 1, 2, 0, 1]);
  assert.deepEqual(r.predicted, fx.predicted);
});
