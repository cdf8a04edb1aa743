// Module.register_full_backward_hook against PyTorch (tests/fixtures/gen_backward_hooks.py): what
// the hook receives, and the gradients when it replaces grad_input.

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
type Enc = { t: EncTensor } | null;
interface Case {
  name: string;
  inputs: { t: EncTensor }[];
  requires_grad: boolean[];
  scale: number | null;
  output: { t: EncTensor };
  seen: { grad_input: Enc[]; grad_output: Enc[] }[];
  input_grads: Enc[];
  param_grads: Record<string, { t: EncTensor }>;
}
const fx = readFixture<{ torch: string; cases: Case[] }>(
  "backward_hooks.json",
);

const MAKE: Record<string, () => torch.nn.Module> = {
  linear: () => new nn.Linear(3, 2),
  linear_scaled: () => new nn.Linear(3, 2),
  bilinear_two_inputs: () => new nn.Bilinear(3, 2, 2),
  sequential_input_without_grad: () =>
    new nn.Sequential(new nn.Linear(3, 3), new nn.Tanh()),
};

const tol = { rtol: 1e-5, atol: 1e-6 };
function same(got: (torch.Tensor | null)[], want: Enc[], where: string) {
  assert.equal(got.length, want.length, `${where}: count`);
  want.forEach((w, i) => {
    if (w === null) assert.equal(got[i] ?? null, null, `${where}[${i}]`);
    else assertTensorClose(got[i], w.t, `${where}[${i}]`, tol);
  });
}

describe(`register_full_backward_hook against PyTorch ${fx.torch}`, () => {
  for (const c of fx.cases) {
    test(c.name, () => {
      torch.manual_seed(0);
      const m = MAKE[c.name]();
      const seen: {
        gi: (torch.Tensor | null)[];
        go: (torch.Tensor | null)[];
      }[] = [];
      m.register_full_backward_hook((module, grad_input, grad_output) => {
        assert.equal(module, m);
        seen.push({ gi: grad_input, go: grad_output });
        if (c.scale !== null) {
          return grad_input.map((g) => (g === null ? null : g.mul(c.scale!)));
        }
      });
      const xs = c.inputs.map((e, i) =>
        decodeTensor(e.t).requires_grad_(c.requires_grad[i])
      );
      const out = m(...xs) as torch.Tensor;
      assertTensorClose(out, c.output.t, "output", tol);
      const w = torch.arange(out.numel()).reshape([...out.shape]).div(10).sub(
        0.3,
      );
      out.mul(w).sum().backward();
      assert.equal(seen.length, c.seen.length, "hook calls");
      seen.forEach((s, i) => {
        same(s.gi, c.seen[i].grad_input, "grad_input");
        same(s.go, c.seen[i].grad_output, "grad_output");
      });
      same(xs.map((x) => x.grad), c.input_grads, "input grads");
      for (const [n, p] of m.named_parameters()) {
        assertTensorClose(p.grad, c.param_grads[n].t, `grad ${n}`, tol);
      }
    });
  }
  test("a removed hook no longer runs; a wrong count of grads is PyTorch's error", () => {
    const m = new nn.Linear(2, 2);
    let calls = 0;
    const h = m.register_full_backward_hook(() => void calls++);
    const x = torch.ones(1, 2, { requires_grad: true });
    m(x).sum().backward();
    h.remove();
    m(x).sum().backward();
    assert.equal(calls, 1);
    m.register_full_backward_hook(() => [null, null]);
    assert.throws(
      () => m(x).sum().backward(),
      /Backward hook returned an invalid number of grad_input, got 2, but expected 1/,
    );
  });
});
