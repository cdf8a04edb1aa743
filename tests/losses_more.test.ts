// Nine more losses against real PyTorch (huber, margin ranking, hinge embedding, soft margin,
// cosine embedding, triplet margin, Poisson NLL, Gaussian NLL, multi-label soft margin):
// tests/fixtures/losses_more.json (written by tests/fixtures/gen_losses_more.py) gives float64 and
// float32 values, the gradients of every floating argument and error messages, replayed on the
// functional and module forms; smooth cases also pass gradcheck.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import * as F from "../src/nn/losses.ts";
import * as M from "../src/nn/modules/loss.ts";
import {
  assertTensorClose,
  decode,
  type Enc,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

type T = { t: EncTensor };
type Case = {
  name: string;
  fn: string;
  module: string;
  args: T[];
  options: Record<string, Enc>;
  out64?: T;
  out32?: T;
  w?: T | null;
  grads?: (T | null)[];
  grads32?: (T | null)[];
  smooth?: boolean;
  requires_grad?: number[];
  error?: { type: string; message: string };
};

const fixture = readFixture<{ torch: string; cases: Case[]; errors: Case[] }>(
  "losses_more.json",
);
const TOL64 = { rtol: 1e-10, atol: 1e-12 };
const TOL32 = { rtol: 2e-5, atol: 1e-6 };
const TOL_GPU = { rtol: 1e-4, atol: 1e-5 };
const GPU_SKIP = torch.webgpu.is_available() ? false : "no WebGPU adapter here";

type LossFn = (...args: unknown[]) => torch.Tensor;
const functional = F as unknown as Record<string, LossFn>;
const modules = M as unknown as Record<
  string,
  new (options?: Record<string, unknown>) => torch.nn.Module
>;

const isTensor = (v: unknown): v is torch.Tensor =>
  v instanceof torch.Tensor.prototype.constructor;

/** The case's tensors and options, floating tensors cast to `dtype` and all moved to `device`. */
function inputs(c: Case, dtype?: "float64" | "float32", device?: string) {
  const cast = (v: unknown) => {
    if (!isTensor(v)) return v;
    const t = dtype && v.dtype.is_floating_point ? v.to(dtype) : v;
    return device ? t.to(device) : t;
  };
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, v]) => [k, cast(decode(v))]),
  );
  return { args: c.args.map((a) => cast(decode(a)) as torch.Tensor), options };
}

type Form = "functional" | "module";
const call = (c: Case, form: Form): LossFn =>
  form === "functional"
    ? (...args) => functional[c.fn](...args)
    : (...args) => {
      const options = args.pop() as Record<string, unknown>;
      return new modules[c.module](options)(...args);
    };

/** L = loss, or sum(loss * w) for an unreduced loss, as in the fixture. */
function objective(c: Case, loss: torch.Tensor): torch.Tensor {
  if (!c.w) return loss;
  const w = decode(c.w) as torch.Tensor;
  return loss.mul(w.to(loss.dtype).to(loss.device.type)).sum();
}

/** The indices of the arguments PyTorch differentiates (non-null gradients in the fixture). */
const wrtOf = (grads: (T | null)[]) =>
  grads.flatMap((g, i) => (g === null ? [] : [i]));

/** Value and gradients of one case, checked against the fixture's `out` and `grads`. */
function check(
  c: Case,
  form: Form,
  dtype: "float64" | "float32",
  device?: string,
) {
  const expected = dtype === "float64" ? c.out64! : c.out32!;
  const grads = dtype === "float64" ? c.grads! : c.grads32!;
  const tol = device ? TOL_GPU : dtype === "float64" ? TOL64 : TOL32;
  const { args, options } = inputs(c, dtype, device);
  const wrt = wrtOf(grads);
  for (const i of wrt) args[i].requires_grad_();
  const loss = call(c, form)(...args, options);
  if (device) assert.equal(loss.device.type, device);
  assertTensorClose(loss.cpu(), expected.t, `${c.name} value`, tol);
  // PyTorch differentiates nothing here (the p = 0 "norm" counts): no gradient to compare.
  if (wrt.length === 0) return;
  const got = torch.autograd.grad(
    objective(c, loss),
    wrt.map((i) => args[i]),
  );
  wrt.forEach((i, k) => {
    const g = got[k]!;
    if (device) assert.equal(g.device.type, device);
    assertTensorClose(g.cpu(), grads[i]!.t, `${c.name} grad of arg ${i}`, {
      ...tol,
      signedZero: false,
    });
  });
}

for (const form of ["functional", "module"] as const) {
  describe(`${form} losses against PyTorch ${fixture.torch} (${fixture.cases.length} cases)`, () => {
    for (const c of fixture.cases) {
      test(`${c.name} float64 value and gradients`, () => {
        check(c, form, "float64");
      });
      test(`${c.name} float32 value and gradients`, () => {
        check(c, form, "float32");
      });
      test(`${c.name} float32 on WebGPU`, { skip: GPU_SKIP }, () => {
        check(c, form, "float32", "webgpu");
      });
    }
  });

  describe(`${form} loss errors (${fixture.errors.length} cases)`, () => {
    for (const c of fixture.errors) {
      test(c.name, () => {
        const { args, options } = inputs(c);
        for (const i of c.requires_grad ?? []) args[i].requires_grad_();
        assert.throws(() => call(c, form)(...args, options), (e) => {
          assert.ok(e instanceof Error, "an Error");
          assert.equal(e.message, c.error!.message);
          assert.equal(e.name, c.error!.type);
          return true;
        });
      });
    }
  });
}

describe("finite differences (float64 gradcheck on the smooth cases)", () => {
  for (const c of fixture.cases.filter((c) => c.smooth)) {
    test(c.name, () => {
      const { args, options } = inputs(c, "float64");
      const wrt = wrtOf(c.grads!);
      const fn = (...xs: torch.Tensor[]) => {
        const full = [...args];
        wrt.forEach((i, k) => (full[i] = xs[k]));
        return objective(c, functional[c.fn](...full, options));
      };
      assert.ok(
        torch.autograd.gradcheck(
          fn,
          wrt.map((i) => args[i].clone().requires_grad_()),
        ),
      );
    });
  }
});

describe("loss modules", () => {
  const names = [
    "HuberLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "MultiLabelSoftMarginLoss",
  ];

  test("every fixture loss has its functional form and module", () => {
    const seen = new Set(fixture.cases.map((c) => `${c.fn} ${c.module}`));
    assert.equal(seen.size, names.length);
    for (const c of fixture.cases) {
      assert.equal(typeof functional[c.fn], "function", c.fn);
      assert.ok(names.includes(c.module), c.module);
    }
  });

  test("reprs have no extra arguments, as PyTorch's", () => {
    for (const name of names) {
      assert.equal(
        String(new modules[name]({ reduction: "sum" })),
        `${name}()`,
      );
    }
  });

  test("defaults and options are stored as PyTorch's attributes", () => {
    const huber = new M.HuberLoss();
    assert.equal(huber.reduction, "mean");
    assert.equal(huber.delta, 1);
    assert.equal(new M.HuberLoss({ delta: 0.5 }).delta, 0.5);
    assert.equal(new M.MarginRankingLoss().margin, 0);
    assert.equal(new M.HingeEmbeddingLoss().margin, 1);
    assert.equal(new M.CosineEmbeddingLoss({ margin: 0.5 }).margin, 0.5);
    const triplet = new M.TripletMarginLoss();
    assert.deepEqual(
      [triplet.margin, triplet.p, triplet.eps, triplet.swap],
      [1, 2, 1e-6, false],
    );
    const poisson = new M.PoissonNLLLoss({ log_input: false, reduce: false });
    assert.deepEqual(
      [poisson.log_input, poisson.full, poisson.eps, poisson.reduction],
      [false, false, 1e-8, "none"],
    );
    const gauss = new M.GaussianNLLLoss({ full: true, reduction: "sum" });
    assert.deepEqual(
      [gauss.full, gauss.eps, gauss.reduction],
      [true, 1e-6, "sum"],
    );
    assert.equal(
      new M.SoftMarginLoss({ size_average: false }).reduction,
      "sum",
    );
  });

  test("MultiLabelSoftMarginLoss's weight is a buffer (absent from state_dict when not given)", () => {
    const w = torch.tensor([1, 2, 3], { dtype: torch.float32 });
    const loss = new M.MultiLabelSoftMarginLoss({ weight: w });
    assert.deepEqual(Object.keys(loss.state_dict()), ["weight"]);
    assert.equal(loss.weight, w);
    assert.deepEqual([...loss.parameters()], []);
    assert.deepEqual(
      Object.keys(new M.MultiLabelSoftMarginLoss().state_dict()),
      [],
    );
    const double = loss.double();
    assert.equal(
      (double as M.MultiLabelSoftMarginLoss).weight!.dtype,
      torch.float64,
    );
  });

  test("gaussian_nll_loss passes the gradient through the clamp of var, and leaves var as it was", () => {
    const v = torch.tensor([0, 0.5], {
      dtype: torch.float64,
      requires_grad: true,
    });
    const input = torch.tensor([3, 1], { dtype: torch.float64 });
    const loss = F.gaussian_nll_loss(
      input,
      torch.zeros([2], {
        dtype: torch.float64,
      }),
      v,
      { reduction: "sum", eps: 1e-6 },
    );
    const [g] = torch.autograd.grad(loss, [v]);
    // d/dv 0.5 (log v + d² / v) at the clamped v = 1e-6 and at v = 0.5.
    const expect = [0.5 * (1 / 1e-6 - 9 / 1e-12), 0.5 * (1 / 0.5 - 1 / 0.25)];
    const got = g!.tolist() as number[];
    got.forEach((x, i) =>
      assert.ok(Math.abs(x - expect[i]) <= 1e-9 * Math.abs(expect[i]))
    );
    assert.deepEqual(v.tolist(), [0, 0.5]);
  });

  test("soft_margin_loss takes a target that requires grad under no_grad", () => {
    const t = torch.tensor([1, -1], {
      dtype: torch.float64,
      requires_grad: true,
    });
    const x = torch.tensor([0.5, 2], { dtype: torch.float64 });
    const loss = torch.no_grad(() => F.soft_margin_loss(x, t));
    const want = (Math.log(1 + Math.exp(-0.5)) + Math.log(1 + Math.exp(2))) / 2;
    assert.ok(Math.abs(loss.item() - want) <= 1e-12);
    assert.throws(() => F.soft_margin_loss(x, t), /not differentiable/);
  });

  test("a criterion trains: the gradient reaches a model's parameters", () => {
    const w = torch.zeros([3], { dtype: torch.float64, requires_grad: true });
    const x = torch.tensor([[1, 2, 3], [-1, 0, 1]], { dtype: torch.float64 });
    const scores = x.matmul(w);
    const loss = new M.SoftMarginLoss()(
      scores,
      torch.tensor([1, -1], {
        dtype: torch.float64,
      }),
    );
    loss.backward();
    // At zero scores each sample's gradient is -y x / 2, averaged over the 2 samples.
    assertTensorClose(
      w.grad,
      { dtype: "float64", shape: [3], data: [-0.5, -0.5, -0.5] },
      "grad",
      TOL64,
    );
  });
});
