// In-place writes through views of tensors that require grad, as PyTorch's CopySlices: the same
// scenarios as tests/fixtures/gen_inplace_views.py, replayed against PyTorch 1.13's values and
// gradients (float64), and checked by finite differences.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as torch from "../mod.ts";

type T = torch.Tensor;
interface Case {
  name: string;
  inputs: { shape: number[]; data: number[] }[];
  out: { shape: number[]; data: number[] };
  grad_fn: string;
  weight: number[];
  grads: number[][];
}
const fixture = JSON.parse(
  readFileSync(
    new URL("./fixtures/inplace_views.json", import.meta.url),
    "utf8",
  ),
) as { torch: string; cases: Case[] };

const D = torch.float64;
const f64 = (shape: number[], data: number[]) =>
  torch.tensor(data, { dtype: D }).reshape(shape);

const SCENARIOS: Record<string, (...xs: T[]) => T> = {
  narrow_mul(x, c) {
    const y = x.mul(1);
    y.narrow(0, 1, 2).mul_(c);
    return y;
  },
  copy_into_zeros(w) {
    const a = torch.zeros(4, 3, { dtype: D });
    a.select(0, 1).copy_(w.mul(2));
    a.narrow(1, 2, 1).add_(w.sum());
    return a.pow(2);
  },
  other_view(x, r) {
    const y = x.mul(1);
    const before = y.narrow(0, 0, 3);
    y.select(0, 1).add_(r.mul(3));
    return before.mul(before);
  },
  base_write(x) {
    const y = x.sin();
    const v = y.narrow(0, 2, 3);
    y.mul_(x);
    return v.sin();
  },
  "2d_transposed"(m) {
    const y = m.mm(m.t());
    y.select(1, 1).mul_(3);
    y.t().select(0, 0).exp_();
    return y;
  },
  zero_and_fill(x) {
    const y = x.sin();
    y.select(0, 0).zero_();
    y.narrow(0, 2, 1).fill_(7);
    return y.mul(x);
  },
  chain(x) {
    const y = x.mul(2);
    const row = y.select(0, 1);
    row.narrow(0, 1, 2).mul_(3);
    row.sigmoid_();
    return y.sum(0);
  },
};

function close(got: T, shape: number[], want: number[], what: string) {
  assert.deepEqual([...got.shape], shape, `${what}: shape`);
  const g = got.reshape(-1).tolist() as number[];
  want.forEach((w, i) =>
    assert.ok(
      Math.abs(g[i] - w) <= 1e-10 + 1e-10 * Math.abs(w),
      `${what}[${i}]: ${g[i]} vs ${w}`,
    )
  );
}

describe(`in-place writes through views against PyTorch ${fixture.torch}`, () => {
  test("every scenario of the fixture is replayed", () => {
    assert.deepEqual(
      fixture.cases.map((c) => c.name).sort(),
      Object.keys(SCENARIOS).sort(),
    );
  });
  for (const c of fixture.cases) {
    test(`${c.name}: values, grad_fn and gradients`, () => {
      const fn = SCENARIOS[c.name];
      const xs = c.inputs.map((i) => f64(i.shape, i.data).requires_grad_());
      const out = fn(...xs);
      close(out, c.out.shape, c.out.data, "out");
      assert.equal(out.grad_fn?.name(), c.grad_fn);
      const grads = torch.autograd.grad(
        out.mul(f64(c.out.shape, c.weight)).sum(),
        xs,
      );
      grads.forEach((g, i) =>
        close(g!, c.inputs[i].shape, c.grads[i], `grad ${i}`)
      );
    });
    test(`${c.name}: gradients match finite differences`, () => {
      const xs = c.inputs.map((i) => f64(i.shape, i.data).requires_grad_());
      assert.ok(torch.autograd.gradcheck(SCENARIOS[c.name], xs));
    });
  }

  test("random draws in place stop the gradient, through a view too (PyTorch: [0, 0, 1, 1] and zeros)", () => {
    for (
      const draw of [
        "uniform_",
        "normal_",
        "exponential_",
        "bernoulli_",
      ] as const
    ) {
      const x = torch.ones(4, { dtype: D }).requires_grad_();
      const y = x.mul(1);
      y.narrow(0, 0, 2)[draw]();
      y.sum().backward();
      assert.deepEqual(x.grad!.tolist(), [0, 0, 1, 1], draw);
      const x2 = torch.ones(4, { dtype: D }).requires_grad_();
      const y2 = x2.mul(1);
      y2[draw]();
      assert.equal(
        y2.grad_fn?.name(),
        {
          uniform_: "UniformBackward0",
          normal_: "NormalBackward0",
          exponential_: "ExponentialBackward0",
          bernoulli_: "BernoulliBackward2",
        }[draw],
      );
      y2.sum().backward();
      assert.deepEqual(x2.grad!.tolist(), [0, 0, 0, 0], draw);
    }
    const leaf = torch.ones(2).requires_grad_();
    assert.throws(() => leaf.uniform_(), /a leaf Variable that requires grad/);
  });
});
