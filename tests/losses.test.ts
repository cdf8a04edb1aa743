// Loss functions and modules against real PyTorch: tests/fixtures/losses.json (written by
// tests/fixtures/gen_losses.py) gives float64 and float32 values, float64 input gradients and
// error messages, replayed on the functional and module forms; smooth cases also pass gradcheck.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import * as F from "../src/nn/losses.ts";
import { signatureOf } from "../src/signature.ts";
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
  input: T;
  target: T;
  options: Record<string, Enc>;
  out64?: T;
  out32?: T;
  w?: T | null;
  grad?: T;
  smooth?: boolean;
  error?: { type: string; message: string };
};

const fixture = readFixture<{ torch: string; cases: Case[]; errors: Case[] }>(
  "losses.json",
);
const TOL64 = { rtol: 1e-10, atol: 1e-12 };
const TOL32 = { rtol: 2e-5, atol: 1e-6 };
const TOL_GPU = { rtol: 1e-4, atol: 1e-5 };
const GPU_SKIP = torch.webgpu.is_available() ? false : "no WebGPU adapter here";

type LossFn = (
  input: torch.Tensor,
  target: torch.Tensor,
  options?: Record<string, unknown>,
) => torch.Tensor;
// The public, signature-bound functions (the fixtures' options are PyTorch's keyword arguments).
const functional = torch.nn.functional as unknown as Record<string, LossFn>;
const modules = torch.nn as unknown as Record<
  string,
  new (options?: Record<string, unknown>) => torch.nn.Module
>;

/** The case's tensors and options, with every floating tensor cast to `dtype` when given. */
function inputs(c: Case, dtype?: "float64" | "float32") {
  const cast = (v: unknown) =>
    dtype && v instanceof torch.Tensor.prototype.constructor &&
      (v as torch.Tensor).dtype.is_floating_point
      ? (v as torch.Tensor).to(dtype)
      : v;
  const options = Object.fromEntries(
    Object.entries(c.options).map(([k, v]) => [k, cast(decode(v))]),
  );
  return {
    input: cast(decode(c.input)) as torch.Tensor,
    target: cast(decode(c.target)) as torch.Tensor,
    options,
  };
}

type Form = "functional" | "module";
const call = (c: Case, form: Form): LossFn =>
  form === "functional"
    ? functional[c.fn]
    : (input, target, options) => new modules[c.module](options)(input, target);

/** L = loss, or sum(loss * w) for an unreduced loss, as in the fixture. */
function objective(c: Case, loss: torch.Tensor): torch.Tensor {
  return c.w ? loss.mul(decode(c.w) as torch.Tensor).sum() : loss;
}

for (const form of ["functional", "module"] as const) {
  describe(`${form} losses against PyTorch ${fixture.torch} (${fixture.cases.length} cases)`, () => {
    for (const c of fixture.cases) {
      test(`${c.name} float64 value and gradient`, () => {
        const { input, target, options } = inputs(c, "float64");
        input.requires_grad_();
        const loss = call(c, form)(input, target, options);
        assertTensorClose(loss, c.out64!.t, `${c.name} value`, TOL64);
        const [g] = torch.autograd.grad(objective(c, loss), [input]);
        assertTensorClose(g, c.grad!.t, `${c.name} grad`, {
          ...TOL64,
          signedZero: false,
        });
      });
      test(`${c.name} float32 value`, () => {
        const { input, target, options } = inputs(c, "float32");
        const loss = call(c, form)(input, target, options);
        assertTensorClose(loss, c.out32!.t, `${c.name} float32`, TOL32);
      });
      test(
        `${c.name} float32 value and gradient on WebGPU`,
        { skip: GPU_SKIP },
        () => {
          const on = inputs(c, "float32");
          const gpu = (v: unknown) =>
            v instanceof torch.Tensor.prototype.constructor
              ? (v as torch.Tensor).to("webgpu")
              : v;
          const input = on.input.to("webgpu").requires_grad_();
          const options = Object.fromEntries(
            Object.entries(on.options).map(([k, v]) => [k, gpu(v)]),
          );
          const loss = call(c, form)(input, on.target.to("webgpu"), options);
          assert.equal(loss.device.type, "webgpu");
          assertTensorClose(loss.cpu(), c.out32!.t, `${c.name} value`, TOL_GPU);
          const objectiveOn = c.w
            ? loss.mul((decode(c.w) as torch.Tensor).float().to("webgpu")).sum()
            : loss;
          const [g] = torch.autograd.grad(objectiveOn, [input]);
          assert.equal(g!.device.type, "webgpu");
          assertTensorClose(
            g!.cpu(),
            { ...c.grad!.t, dtype: "float32" },
            `${c.name} grad`,
            { ...TOL_GPU, signedZero: false },
          );
        },
      );
    }
  });

  describe(`${form} loss errors (${fixture.errors.length} cases)`, () => {
    for (const c of fixture.errors) {
      test(c.name, () => {
        const { input, target, options } = inputs(c);
        assert.throws(() => call(c, form)(input, target, options), (e) => {
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
      const { input, target, options } = inputs(c, "float64");
      input.requires_grad_();
      assert.ok(
        torch.autograd.gradcheck(
          (x) => objective(c, functional[c.fn](x, target, options)),
          [input],
        ),
      );
    });
  }
});

describe("loss modules", () => {
  const nn = torch.nn;

  test("torch.nn.functional binds the loss functions of losses.ts", () => {
    const names = new Set(fixture.cases.map((c) => c.fn));
    const impl = F as unknown as Record<string, LossFn>;
    for (const name of names) {
      assert.equal(
        signatureOf(functional[name])?.qualname,
        `torch.nn.functional.${name}`,
      );
      assert.equal(typeof impl[name], "function", name);
    }
  });

  test("reprs have no extra arguments, as PyTorch's", () => {
    const names = [
      "MSELoss",
      "L1Loss",
      "SmoothL1Loss",
      "CrossEntropyLoss",
      "NLLLoss",
      "BCELoss",
      "BCEWithLogitsLoss",
      "KLDivLoss",
    ];
    for (const name of names) {
      assert.equal(
        String(new modules[name]({ reduction: "sum" })),
        `${name}()`,
      );
    }
  });

  test("weight and pos_weight are buffers (absent from state_dict when not given)", () => {
    const w = torch.tensor([1, 2, 3], { dtype: torch.float32 });
    const ce = new nn.CrossEntropyLoss({ weight: w, label_smoothing: 0.1 });
    assert.deepEqual(Object.keys(ce.state_dict()), ["weight"]);
    assert.equal(ce.weight, w);
    assert.deepEqual([...ce.parameters()], []);
    assert.deepEqual(Object.keys(new nn.NLLLoss().state_dict()), []);
    const bce = new nn.BCEWithLogitsLoss({ pos_weight: w });
    assert.deepEqual(Object.keys(bce.state_dict()), ["pos_weight"]);
    assert.equal(bce.weight, null);
    assert.deepEqual([...bce.buffers()], [w]);
  });

  test("double() converts the weight buffer and forward uses it", () => {
    const ce = new nn.CrossEntropyLoss({
      weight: torch.tensor([1, 2, 3], { dtype: torch.float32 }),
    }).double();
    assert.equal(ce.weight!.dtype, torch.float64);
    const x = torch.tensor([[1, 2, 3], [0, 0, 1]], { dtype: torch.float64 });
    const loss = ce(x, torch.tensor([2, 0]));
    assert.equal(loss.dtype, torch.float64);
  });

  test("options are stored as PyTorch's attributes, legacy size_average/reduce resolved", () => {
    const ce = new nn.CrossEntropyLoss({ label_smoothing: 0.2 });
    assert.equal(ce.reduction, "mean");
    assert.equal(ce.ignore_index, -100);
    assert.equal(ce.label_smoothing, 0.2);
    assert.equal(new nn.MSELoss({ size_average: false }).reduction, "sum");
    assert.equal(new nn.L1Loss({ reduce: false }).reduction, "none");
    assert.equal(
      new nn.KLDivLoss({ reduction: "batchmean" }).reduction,
      "batchmean",
    );
    assert.equal(new nn.SmoothL1Loss({ beta: 0.5 }).beta, 0.5);
  });

  test("a criterion trains: the gradient reaches a model's parameters", () => {
    const w = torch.zeros([2, 3], {
      dtype: torch.float64,
      requires_grad: true,
    });
    const x = torch.tensor([[1, 2, 3], [-1, 0, 1]], { dtype: torch.float64 });
    const logits = x.matmul(w.t());
    const loss = new nn.CrossEntropyLoss()(logits, torch.tensor([0, 1]));
    loss.backward();
    // Zero weights give uniform probabilities: dL/dW = (p - onehot)^T x / N.
    assertTensorClose(
      w.grad,
      {
        dtype: "float64",
        shape: [2, 3],
        data: [-0.5, -0.5, -0.5, 0.5, 0.5, 0.5],
      },
      "grad",
      TOL64,
    );
  });
});
