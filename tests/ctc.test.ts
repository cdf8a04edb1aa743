// F.ctc_loss and nn.CTCLoss against PyTorch 1.13 (tests/fixtures/gen_ctc.py): losses for every
// reduction, padded and concatenated targets, another blank, unbatched input, impossible
// alignments with and without zero_infinity; gradients through log_softmax and PyTorch's own
// gradient with respect to log_probs.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const { nn } = torch;
const F = nn.functional;
type Enc = { t: EncTensor };
const fx = readFixture<{
  torch: string;
  cases: {
    name: string;
    x: Enc;
    targets: number[] | number[][];
    input_lengths: number[];
    target_lengths: number[];
    kwargs: Record<string, unknown>;
    results: Record<string, { loss: Enc; grad_x: Enc; grad_lp: Enc }>;
  }[];
}>("ctc.json");

describe(`ctc_loss against PyTorch ${fx.torch}`, () => {
  for (const c of fx.cases) {
    for (const red of ["mean", "sum", "none"]) {
      test(`${c.name} ${red}`, () => {
        const x = decodeTensor(c.x.t).requires_grad_();
        const tol = c.x.t.dtype === "float64"
          ? { rtol: 1e-9, atol: 1e-11 }
          : { rtol: 1e-4, atol: 1e-5 };
        const lp = F.log_softmax(x, { dim: -1 });
        const leaf = lp.detach().requires_grad_();
        const t = torch.tensor(c.targets);
        const opts = { ...c.kwargs, reduction: red };
        const loss = F.ctc_loss(lp, t, c.input_lengths, c.target_lengths, opts);
        const want = c.results[red];
        assertTensorClose(loss, want.loss.t, "loss", tol);
        const w = torch.linspace(0.5, 1.5, loss.numel(), { dtype: loss.dtype })
          .reshape([...loss.shape]);
        const [gx] = torch.autograd.grad(loss.mul(w).sum(), [x]);
        assertTensorClose(gx, want.grad_x.t, "grad through log_softmax", tol);
        const mod = new nn.CTCLoss(opts);
        const l2 = mod(
          leaf,
          t,
          c.input_lengths,
          c.target_lengths,
        ) as torch.Tensor;
        const [gl] = torch.autograd.grad(l2.mul(w).sum(), [leaf]);
        assertTensorClose(gl, want.grad_lp.t, "grad of log_probs", tol);
      });
    }
  }
  test("a bad reduction is refused", () => {
    assert.throws(
      () =>
        F.ctc_loss(torch.zeros(2, 1, 3), torch.tensor([[1]]), [2], [1], {
          reduction: "avg",
        }),
      /avg is not a valid value for reduction/,
    );
  });
});
