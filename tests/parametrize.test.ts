// nn.utils.parametrize against PyTorch 1.13 (tests/fixtures/gen_parametrize.py): a right_inverse
// applied at registration, a chain of two parametrizations, the Parametrized class and repr,
// state_dict names, outputs and the gradient of `original`, assignment and removal.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";
import { withStyle } from "./_support/print_style.ts";

const { nn } = torch;
const P = nn.utils.parametrize;
type Enc = { t: EncTensor };
const fx = readFixture<{
  torch: string;
  init: Record<string, Enc>;
  after_scale: Record<string, Enc>;
  repr: string;
  class: string;
  weight: Enc;
  x: Enc;
  y: Enc;
  grad_original: Enc;
  params: string[];
  removed_repr: string;
  removed: Record<string, Enc>;
  assigned_original: Enc;
}>("parametrize.json");
const tol = { rtol: 1e-6, atol: 1e-7 };

class Symmetric extends nn.Module {
  forward(X: torch.Tensor) {
    return X.triu().add(X.triu(1).transpose(-1, -2));
  }
}
class Scale extends nn.Module {
  forward(X: torch.Tensor) {
    return X.mul(2);
  }
  right_inverse(W: torch.Tensor) {
    return W.div(2);
  }
}
const sameState = (
  got: Record<string, torch.Tensor>,
  want: Record<string, Enc>,
) => {
  assert.deepEqual(Object.keys(got), Object.keys(want));
  for (const [k, v] of Object.entries(want)) {
    assertTensorClose(got[k], v.t, k, tol);
  }
};

test(`nn.utils.parametrize against PyTorch ${fx.torch}`, () => {
  torch.manual_seed(0);
  const m = new nn.Linear(3, 3);
  sameState(m.state_dict(), fx.init);
  P.register_parametrization(m, "weight", new Scale());
  sameState(m.state_dict(), fx.after_scale);
  P.register_parametrization(m, "weight", new Symmetric());
  assert.equal(m.constructor.name, fx.class);
  assert.ok(m instanceof nn.Linear);
  assert.equal(withStyle("modern", () => String(m)), fx.repr);
  assert.ok(P.is_parametrized(m) && P.is_parametrized(m, "weight"));
  assert.ok(!P.is_parametrized(m, "bias"));
  const w = (m as unknown as { weight: torch.Tensor }).weight;
  assertTensorClose(w, fx.weight.t, "weight", tol);
  const x = decodeTensor(fx.x.t);
  const y = m(x) as torch.Tensor;
  assertTensorClose(y, fx.y.t, "y", tol);
  const original =
    [...m.named_parameters()].find(([n]) =>
      n === "parametrizations.weight.original"
    )![1];
  assert.deepEqual([...m.named_parameters()].map(([n]) => n), fx.params);
  const [g] = torch.autograd.grad(y.mul(y).sum(), [original]);
  assertTensorClose(g, fx.grad_original.t, "grad original", tol);
  P.remove_parametrizations(m, "weight");
  assert.equal(withStyle("modern", () => String(m)), fx.removed_repr);
  assert.equal(m.constructor.name, "Linear");
  sameState(m.state_dict(), fx.removed);

  const m2 = new nn.Linear(2, 2);
  P.register_parametrization(m2, "weight", new Scale());
  (m2 as unknown as { weight: torch.Tensor }).weight = torch.ones(2, 2);
  const orig2 =
    [...m2.named_parameters()].find(([n]) => n.endsWith("original"))![1];
  assertTensorClose(orig2, fx.assigned_original.t, "assigned", tol);
  assert.throws(
    () => P.remove_parametrizations(new nn.Linear(2, 2), "weight"),
    /Module Linear does not have a parametrization on weight/,
  );
});
