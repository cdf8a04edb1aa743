// nn.utils.weight_norm / spectral_norm (and their removal) against PyTorch 1.13
// (tests/fixtures/gen_weight_norm.py): names and values of the new parameters and buffers, the
// outputs of two training forwards (power iteration) and an eval one, gradients, the weight after
// removal.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const { nn } = torch;
type Enc = { t: EncTensor };
const fx = readFixture<{
  torch: string;
  cases: {
    kind: "linear" | "conv";
    norm: "weight_norm" | "spectral_norm";
    kwargs: Record<string, unknown>;
    seed: number;
    after: Record<string, Enc>;
    outputs: Enc[];
    grads: Record<string, Enc>[];
    state: Record<string, Enc>;
    removed_keys: string[];
    removed_weight: Enc;
  }[];
}>("weight_norm.json");
const tol = { rtol: 1e-5, atol: 1e-6 };

describe(`weight_norm and spectral_norm against PyTorch ${fx.torch}`, () => {
  for (const c of fx.cases) {
    test(`${c.norm} on ${c.kind} ${JSON.stringify(c.kwargs)}`, () => {
      torch.manual_seed(c.seed);
      const m = c.kind === "linear"
        ? new nn.Linear(4, 3)
        : new nn.Conv2d(2, 3, 2);
      const u = nn.utils;
      if (c.norm === "weight_norm") {
        "dim" in c.kwargs
          ? u.weight_norm(m, "weight", c.kwargs.dim as number | null)
          : u.weight_norm(m);
      } else {
        u.spectral_norm(
          m,
          "weight",
          (c.kwargs.n_power_iterations ?? 1) as number,
        );
      }
      const check = (
        sd: Record<string, torch.Tensor>,
        want: Record<string, Enc>,
        at: string,
      ) => {
        assert.deepEqual(Object.keys(sd), Object.keys(want), at);
        for (const [k, v] of Object.entries(want)) {
          assertTensorClose(sd[k], v.t, `${at} ${k}`, tol);
        }
      };
      check(m.state_dict(), c.after, "after");
      const shape = c.kind === "linear" ? [5, 4] : [2, 2, 4, 4];
      const g = new torch.Generator().manual_seed(c.seed + 1);
      for (let step = 0; step < 2; step++) {
        const y = m(torch.randn(shape, { generator: g })) as torch.Tensor;
        assertTensorClose(y, c.outputs[step].t, `output ${step}`, tol);
        const named = [...m.named_parameters()];
        const grads = torch.autograd.grad(y.sum(), named.map(([, p]) => p));
        named.forEach(([k], i) =>
          assertTensorClose(
            grads[i],
            c.grads[step][k].t,
            `grad ${step} ${k}`,
            tol,
          )
        );
      }
      m.eval();
      const y = m(torch.randn(shape, { generator: g })) as torch.Tensor;
      assertTensorClose(y, c.outputs[2].t, "eval output", tol);
      check(m.state_dict(), c.state, "state");
      const removed = c.norm === "weight_norm"
        ? u.remove_weight_norm(m)
        : u.remove_spectral_norm(m);
      assert.deepEqual(Object.keys(removed.state_dict()), c.removed_keys);
      assertTensorClose(
        (removed as unknown as { weight: torch.Tensor }).weight,
        c.removed_weight.t,
        "removed weight",
        tol,
      );
    });
  }
  test("registering twice, and removing what is not there, are PyTorch's errors", () => {
    const m = nn.utils.weight_norm(new nn.Linear(2, 2));
    assert.throws(
      () => nn.utils.weight_norm(m),
      /Cannot register two weight_norm hooks on the same parameter weight/,
    );
    assert.throws(
      () => nn.utils.remove_spectral_norm(new nn.Linear(2, 2)),
      /spectral_norm of 'weight' not found in Linear/,
    );
  });
});
