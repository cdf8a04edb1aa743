// torch.nn against real PyTorch (tests/fixtures/nn.json from gen_nn.py): default initialisation,
// every layer's forward and float64 gradients, dropout masks, the tutorial Net, reprs, and the
// Module API (traversal, modes, state_dict, hooks).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { withStyle } from "./_support/print_style.ts";
import { Net } from "./_support/lenet.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const { nn } = torch;
const F = nn.functional;
type Module = InstanceType<typeof nn.Module>;
// deno-lint-ignore no-explicit-any
const NN = nn as any;

/** The fixture's Python constructor expressions, built the same way in TypeScript. */
const BUILD: Record<string, () => Module> = {
  "nn.Linear(4, 3)": () => new nn.Linear(4, 3),
  "nn.Linear(1, 1)": () => new nn.Linear(1, 1),
  "nn.Linear(4, 3, bias=False)": () => new nn.Linear(4, 3, { bias: false }),
  "nn.Linear(400, 120)": () => new nn.Linear(400, 120),
  "nn.Conv2d(1, 6, 5)": () => new NN.Conv2d(1, 6, 5),
  "nn.Conv2d(3, 8, 3)": () => new NN.Conv2d(3, 8, 3),
  "nn.Conv2d(4, 4, 3, groups=2)": () => new NN.Conv2d(4, 4, 3, { groups: 2 }),
  "nn.Conv1d(3, 5, 3)": () => new NN.Conv1d(3, 5, 3),
  "nn.Conv1d(4, 6, 3)": () => new NN.Conv1d(4, 6, 3),
  "nn.ConvTranspose2d(3, 2, 3)": () => new NN.ConvTranspose2d(3, 2, 3),
  "nn.ConvTranspose2d(4, 6, 2, groups=2)": () =>
    new NN.ConvTranspose2d(4, 6, 2, { groups: 2 }),
  "nn.Bilinear(3, 4, 2)": () => new nn.Bilinear(3, 4, 2),
  "nn.Embedding(10, 3)": () => new nn.Embedding(10, 3),
  "nn.Embedding(5, 3, padding_idx=1)": () =>
    new nn.Embedding(5, 3, { padding_idx: 1 }),
  "nn.Embedding(10, 3, padding_idx=2)": () =>
    new nn.Embedding(10, 3, { padding_idx: 2 }),
  "nn.Embedding(10, 3, padding_idx=0)": () => new nn.Embedding(10, 3, 0),
  "nn.BatchNorm2d(3)": () => new nn.BatchNorm2d(3),
  "nn.BatchNorm2d(6)": () => new nn.BatchNorm2d(6),
  "nn.BatchNorm1d(4, affine=False)": () =>
    new nn.BatchNorm1d(4, { affine: false }),
  "nn.BatchNorm1d(3)": () => new nn.BatchNorm1d(3),
  "nn.BatchNorm2d(3, affine=False, momentum=None)": () =>
    new nn.BatchNorm2d(3, { affine: false, momentum: null }),
  "nn.BatchNorm1d(3, track_running_stats=False)": () =>
    new nn.BatchNorm1d(3, { track_running_stats: false }),
  "nn.BatchNorm2d(6, eps=0.001, momentum=None, affine=False, track_running_stats=False)":
    () => new nn.BatchNorm2d(6, 0.001, null, false, false),
  "nn.LayerNorm(4)": () => new nn.LayerNorm(4),
  "nn.LayerNorm(5)": () => new nn.LayerNorm(5),
  "nn.LayerNorm([3, 4], eps=1e-3)": () =>
    new nn.LayerNorm([3, 4], { eps: 1e-3 }),
  "nn.LayerNorm(10, elementwise_affine=False)": () =>
    new nn.LayerNorm(10, { elementwise_affine: false }),
  "nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))": () =>
    new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2)),
  "Net()": () => new Net(),
  "nn.Conv1d(4, 6, 3, stride=2, padding=1)": () =>
    new NN.Conv1d(4, 6, 3, { stride: 2, padding: 1 }),
  "nn.Conv2d(4, 4, 3, groups=2, padding=1)": () =>
    new NN.Conv2d(4, 4, 3, { groups: 2, padding: 1 }),
  "nn.Conv2d(2, 3, 3, padding='same', dilation=2, bias=False)": () =>
    new NN.Conv2d(2, 3, 3, { padding: "same", dilation: 2, bias: false }),
  "nn.Conv2d(2, 4, (3, 2), stride=2)": () =>
    new NN.Conv2d(2, 4, [3, 2], { stride: 2 }),
  "nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)": () =>
    new NN.ConvTranspose2d(3, 2, 3, {
      stride: 2,
      padding: 1,
      output_padding: 1,
    }),
  "nn.Conv2d(1, 6, 5, padding='same', bias=False)": () =>
    new NN.Conv2d(1, 6, 5, { padding: "same", bias: false }),
  "nn.Conv2d(16, 33, (3, 5), stride=(2, 1), padding=(4, 2), dilation=(3, 1))":
    () => new NN.Conv2d(16, 33, [3, 5], [2, 1], [4, 2], [3, 1]),
  "nn.ConvTranspose2d(16, 33, 3, stride=2, groups=1, bias=False)": () =>
    new NN.ConvTranspose2d(16, 33, 3, { stride: 2, groups: 1, bias: false }),
  "nn.MaxPool1d(2)": () => new NN.MaxPool1d(2),
  "nn.MaxPool2d(2)": () => new NN.MaxPool2d(2),
  "nn.MaxPool2d((2, 2))": () => new NN.MaxPool2d([2, 2]),
  "nn.MaxPool2d(3, stride=2, padding=1)": () =>
    new NN.MaxPool2d(3, { stride: 2, padding: 1 }),
  "nn.MaxPool2d(3, stride=(2, 1), ceil_mode=True)": () =>
    new NN.MaxPool2d(3, { stride: [2, 1], ceil_mode: true }),
  "nn.AvgPool2d(2)": () => new NN.AvgPool2d(2),
  "nn.AvgPool2d(3, stride=2, padding=1)": () => new NN.AvgPool2d(3, 2, 1),
  "nn.AdaptiveAvgPool2d((2, 3))": () => new NN.AdaptiveAvgPool2d([2, 3]),
  "nn.AdaptiveAvgPool2d(5)": () => new NN.AdaptiveAvgPool2d(5),
  "nn.ReLU()": () => new nn.ReLU(),
  "nn.ReLU(inplace=True)": () => new nn.ReLU(true),
  "nn.LeakyReLU(0.2)": () => new nn.LeakyReLU(0.2),
  "nn.ELU(alpha=0.5)": () => new nn.ELU({ alpha: 0.5 }),
  "nn.GELU()": () => new nn.GELU(),
  "nn.GELU(approximate='tanh')": () => new nn.GELU({ approximate: "tanh" }),
  "nn.SiLU()": () => new nn.SiLU(),
  "nn.SiLU(inplace=True)": () => new nn.SiLU({ inplace: true }),
  "nn.Sigmoid()": () => new nn.Sigmoid(),
  "nn.Tanh()": () => new nn.Tanh(),
  "nn.Softmax(dim=1)": () => new nn.Softmax({ dim: 1 }),
  "nn.Softmax()": () => new nn.Softmax(),
  "nn.LogSoftmax(dim=1)": () => new nn.LogSoftmax(1),
  "nn.Dropout(0.3)": () => new nn.Dropout(0.3),
  "nn.Dropout(p=0.2, inplace=True)": () =>
    new nn.Dropout({ p: 0.2, inplace: true }),
  "nn.Flatten()": () => new nn.Flatten(),
  "nn.Flatten(0, 2)": () => new nn.Flatten(0, 2),
  "nn.Identity()": () => new nn.Identity(),
  "nn.ModuleList([nn.Linear(2, 3), nn.ReLU()])": () =>
    new nn.ModuleList([new nn.Linear(2, 3), new nn.ReLU()]),
  "nn.ModuleDict({'a': nn.Linear(2, 3), 'b': nn.Sequential(nn.Tanh())})": () =>
    new nn.ModuleDict({
      a: new nn.Linear(2, 3),
      b: new nn.Sequential(new nn.Tanh()),
    }),
  "nn.Sequential()": () => new nn.Sequential(),
};

type Dict = Record<string, EncTensor>;
type Fixture = {
  init: { name: string; params: Dict; next: EncTensor }[];
  init_fns: {
    name: string;
    shape: number[];
    out: EncTensor;
    next: EncTensor;
    exact: boolean;
  }[];
  gains: [string, number | null, number][];
  layers: {
    name: string;
    training: boolean;
    state: Dict;
    inputs: EncTensor[];
    out: EncTensor;
    weight: EncTensor;
    grads: (EncTensor | null)[];
    param_grads: Dict;
    state_after: Dict;
  }[];
  dropout: {
    name: string;
    seed: number;
    p: number;
    dtype: string;
    shape: number[];
    out: EncTensor;
    next: EncTensor;
  }[];
  net: {
    input: EncTensor;
    weight: EncTensor;
    out: EncTensor;
    param_grads: Dict;
  };
  reprs: { name: string; repr: string }[];
};

const fx = readFixture<Fixture>("nn.json");
const EXACT = { rtol: 0, atol: 0 };
const F64 = { rtol: 1e-10, atol: 1e-12, signedZero: false };

/** Conv and pool layers exist only once src/ops/conv.ts and src/ops/pool.ts do. */
const HAS_CONV = typeof NN.Conv2d === "function" &&
  typeof (F as Record<string, unknown>).max_pool2d === "function";
const CONV_SKIP = HAS_CONV
  ? undefined
  : "nn.Conv*/Pool* need src/ops/conv.ts and src/ops/pool.ts, not written yet";
const needsConv = (name: string) => /Conv|Pool|Net\(\)/.test(name);

function build(name: string): Module {
  const make = BUILD[name];
  assert.ok(make, `no TypeScript construction for ${name}`);
  return make();
}

describe("nn default initialisation after manual_seed(0)", () => {
  for (const c of fx.init) {
    test(c.name, { skip: needsConv(c.name) ? CONV_SKIP : undefined }, () => {
      torch.manual_seed(0);
      if (c.name === "nn.Linear(784, 128)") {
        const m = new nn.Linear(784, 128);
        assertTensorClose(
          m.weight.narrow(0, 0, 2),
          c.params["weight[:2]"],
          "weight",
          EXACT,
        );
        assertTensorClose(m.bias, c.params.bias, "bias", EXACT);
      } else {
        const sd = build(c.name).state_dict();
        assert.deepEqual(Object.keys(sd), Object.keys(c.params));
        for (const [k, v] of Object.entries(c.params)) {
          assertTensorClose(sd[k], v, k, EXACT);
        }
      }
      assertTensorClose(torch.rand(3), c.next, "stream position", EXACT);
    });
  }
});

describe("nn.init functions", () => {
  const calls: Record<string, (t: torch.Tensor) => unknown> = {
    uniform_: (t) => nn.init.uniform_(t, -0.5, 2),
    normal_: (t) => nn.init.normal_(t, 1, 0.5),
    constant_: (t) => nn.init.constant_(t, 0.25),
    eye_: (t) => nn.init.eye_(t),
    xavier_uniform_: (t) => nn.init.xavier_uniform_(t),
    xavier_uniform_gain: (t) => nn.init.xavier_uniform_(t, 2.0),
    xavier_normal_: (t) => nn.init.xavier_normal_(t),
    kaiming_uniform_: (t) => nn.init.kaiming_uniform_(t),
    kaiming_uniform_relu_fan_out: (t) =>
      nn.init.kaiming_uniform_(t, { mode: "fan_out", nonlinearity: "relu" }),
    kaiming_normal_: (t) => nn.init.kaiming_normal_(t, 0.1),
    kaiming_normal_fan_out: (t) =>
      nn.init.kaiming_normal_(t, { mode: "fan_out", nonlinearity: "relu" }),
    orthogonal_: (t) => nn.init.orthogonal_(t),
    orthogonal_tall: (t) => nn.init.orthogonal_(t, 2.0),
    trunc_normal_: (t) => nn.init.trunc_normal_(t, 0.5, 1.0, -1.0, 2.0),
  };
  for (const c of fx.init_fns) {
    test(c.name, () => {
      torch.manual_seed(0);
      const t = torch.empty(c.shape);
      calls[c.name](t);
      const tol = c.exact ? EXACT : { rtol: 1e-5, atol: 2e-6 };
      assertTensorClose(t, c.out, c.name, tol);
      assertTensorClose(torch.rand(3), c.next, "stream position", EXACT);
    });
  }
  test("calculate_gain", () => {
    for (const [n, p, g] of fx.gains) {
      assert.equal(nn.init.calculate_gain(n, p), g, `${n}(${p})`);
    }
    assert.throws(
      () => nn.init.calculate_gain("swish"),
      /Unsupported nonlinearity swish/,
    );
  });
  test("init under no_grad: a parameter keeps no history", () => {
    const p = new nn.Parameter(torch.empty(3, 4));
    nn.init.xavier_uniform_(p);
    nn.init.zeros_(p);
    assert.equal(p.grad_fn, null);
    assert.equal(p.requires_grad, true);
    assert.throws(
      () => nn.init.xavier_uniform_(torch.empty(3)),
      /fewer than 2 dimensions/,
    );
  });
});

describe("nn layers: forward and float64 gradients against PyTorch", () => {
  for (const c of fx.layers) {
    const label = `${c.name} [${c.training ? "train" : "eval"}] ${
      c.inputs.map((i) => `(${i.shape.join(", ")})`).join(" ")
    }`;
    test(label, { skip: needsConv(c.name) ? CONV_SKIP : undefined }, () => {
      const m = build(c.name).double();
      m.load_state_dict(Object.fromEntries(
        Object.entries(c.state).map(([k, v]) => [k, decodeTensor(v)]),
      ));
      m.train(c.training);
      const inputs = c.inputs.map((e) => {
        const t = decodeTensor(e);
        return t.is_floating_point() ? t.requires_grad_() : t;
      });
      const y = m(...inputs) as torch.Tensor;
      assertTensorClose(y, c.out, "out", F64);
      y.mul(decodeTensor(c.weight)).sum().backward();
      c.grads.forEach((g, i) => {
        if (g) assertTensorClose(inputs[i].grad, g, `grad input ${i}`, F64);
      });
      const params = Object.fromEntries(m.named_parameters());
      assert.deepEqual(Object.keys(params), Object.keys(c.param_grads));
      for (const [k, g] of Object.entries(c.param_grads)) {
        assertTensorClose(params[k].grad, g, `grad ${k}`, F64);
      }
      const sd = m.state_dict();
      for (const [k, v] of Object.entries(c.state_after)) {
        assertTensorClose(sd[k], v, `state ${k}`, F64);
      }
    });
  }
});

describe("nn layers on WebGPU: float32 forward and gradients against PyTorch's float64", () => {
  const gpu = torch.webgpu.is_available();
  const TOL = { rtol: 1e-4, atol: 2e-5, signedZero: false };
  const f32 = (e: EncTensor): EncTensor =>
    e.dtype === "float64" ? { ...e, dtype: "float32" } : e;
  for (const c of fx.layers) {
    const label = `${c.name} [${c.training ? "train" : "eval"}] ${
      c.inputs.map((i) => `(${i.shape.join(", ")})`).join(" ")
    } [webgpu]`;
    const skip = !gpu
      ? "no WebGPU adapter here"
      : needsConv(c.name)
      ? CONV_SKIP
      : undefined;
    test(label, { skip }, () => {
      const m = build(c.name);
      m.load_state_dict(Object.fromEntries(
        Object.entries(c.state).map((
          [k, v],
        ) => [k, decodeTensor(f32(v))]),
      ));
      m.to("webgpu").train(c.training);
      const inputs = c.inputs.map((e) => {
        const t = decodeTensor(f32(e)).to("webgpu");
        return t.is_floating_point() ? t.requires_grad_() : t;
      });
      const y = m(...inputs) as torch.Tensor;
      assert.equal(y.device.type, "webgpu");
      assertTensorClose(y.cpu(), f32(c.out), "out", TOL);
      y.mul(decodeTensor(f32(c.weight)).to("webgpu")).sum().backward();
      c.grads.forEach((g, i) => {
        if (g) {
          assertTensorClose(
            inputs[i].grad!.cpu(),
            f32(g),
            `grad input ${i}`,
            TOL,
          );
        }
      });
      const params = Object.fromEntries(m.named_parameters());
      for (const [k, g] of Object.entries(c.param_grads)) {
        assertTensorClose(params[k].grad!.cpu(), f32(g), `grad ${k}`, TOL);
      }
      const sd = m.state_dict();
      for (const [k, v] of Object.entries(c.state_after)) {
        assertTensorClose(sd[k].cpu(), f32(v), `state ${k}`, TOL);
      }
    });
  }
});

describe("dropout masks follow PyTorch's stream", () => {
  for (const c of fx.dropout) {
    test(`${c.name} p=${c.p} ${c.dtype} seed ${c.seed}`, () => {
      torch.manual_seed(c.seed);
      const x = torch.ones(c.shape, { dtype: c.dtype });
      const y = c.name === "F.dropout"
        ? F.dropout(x, c.p)
        : new nn.Dropout(c.p)(x);
      assertTensorClose(y, c.out, "mask", EXACT);
      assertTensorClose(torch.rand(3), c.next, "stream position", EXACT);
    });
  }
  test("eval mode and training=false return the input itself", () => {
    const x = torch.randn(3, 4);
    const d = new nn.Dropout(0.5);
    d.eval();
    assert.equal(d(x), x);
    assert.equal(F.dropout(x, 0.5, false), x);
    assert.equal(F.dropout(x, { p: 0.3, training: false }), x);
    assert.throws(() => new nn.Dropout(1.5), /between 0 and 1, but got 1.5/);
  });
  test("gradient is the scaled mask", () => {
    torch.manual_seed(3);
    const x = torch.ones(20, { dtype: torch.float64, requires_grad: true });
    const y = F.dropout(x, 0.25);
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), y.detach().tolist());
  });
});

describe("the tutorial Net", { skip: CONV_SKIP }, () => {
  test("has 10 parameters in class-body order", () => {
    const net = new Net();
    assert.equal([...net.parameters()].length, 10);
    assert.deepEqual(
      [...net.named_parameters()].map(([k]) => k),
      Object.keys(fx.net.param_grads),
    );
    assert.deepEqual([...[...net.parameters()][0].shape], [6, 1, 5, 5]);
  });
  test("prints the 0.3 repr by default and 1.13's in the modern style", () => {
    const net = new Net();
    assert.equal(
      withStyle("legacy", () => String(net)),
      "Net (\n" +
        "  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n" +
        "  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n" +
        "  (fc1): Linear (400 -> 120)\n" +
        "  (fc2): Linear (120 -> 84)\n" +
        "  (fc3): Linear (84 -> 10)\n" +
        ")",
    );
    const modern = fx.reprs.find((r) => r.name === "Net()")!.repr;
    assert.equal(withStyle("modern", () => String(net)), modern);
  });
  test("float64 output and every parameter's gradient match PyTorch", () => {
    torch.manual_seed(0);
    const net = new Net().double();
    torch.no_grad(() => {
      for (const p of net.parameters()) p.mul_(3);
    });
    const y = net(decodeTensor(fx.net.input)) as torch.Tensor;
    assertTensorClose(y, fx.net.out, "out", F64);
    y.mul(decodeTensor(fx.net.weight)).sum().backward();
    for (const [k, p] of net.named_parameters()) {
      assertTensorClose(p.grad, fx.net.param_grads[k], `grad ${k}`, F64);
    }
  });
});

describe("reprs", () => {
  for (const c of fx.reprs) {
    test(`modern ${c.name}`, {
      skip: needsConv(c.name) ? CONV_SKIP : undefined,
    }, () => {
      assert.equal(withStyle("modern", () => String(build(c.name))), c.repr);
    });
  }
  test("legacy (PyTorch 0.3) reprs", () => {
    const cases: [Module, string][] = [
      [new nn.Linear(400, 120), "Linear (400 -> 120)"],
      [new nn.ReLU(), "ReLU ()"],
      [new nn.ReLU(true), "ReLU (inplace)"],
      [new nn.Dropout(), "Dropout (p = 0.5)"],
      [new nn.LeakyReLU(), "LeakyReLU (0.01)"],
      [new nn.Sigmoid(), "Sigmoid ()"],
      [
        new nn.BatchNorm2d(6),
        "BatchNorm2d(6, eps=1e-05, momentum=0.1, affine=True)",
      ],
      [new nn.Embedding(10, 3), "Embedding(10, 3)"],
      [
        new nn.Sequential(new nn.Linear(4, 3), new nn.Tanh()),
        "Sequential (\n  (0): Linear (4 -> 3)\n  (1): Tanh ()\n)",
      ],
    ];
    if (HAS_CONV) {
      cases.push(
        [
          new NN.MaxPool2d(2),
          "MaxPool2d (size=(2, 2), stride=(2, 2), dilation=(1, 1))",
        ],
        [
          new NN.Conv2d(1, 6, 5),
          "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))",
        ],
      );
    }
    for (const [m, want] of cases) {
      assert.equal(withStyle("legacy", () => String(m)), want);
    }
  });
});

class Small extends nn.Module {
  fc = new nn.Linear(3, 4);
  bn = new nn.BatchNorm1d(4);
  head = new nn.Sequential(new nn.ReLU(), new nn.Linear(4, 2));
  forward(x: torch.Tensor): torch.Tensor {
    return this.head(this.bn(this.fc(x)));
  }
}

describe("Module API", () => {
  test("parameters, named_parameters, buffers, children, modules", () => {
    const m = new Small();
    assert.deepEqual([...m.named_parameters()].map(([k]) => k), [
      "fc.weight",
      "fc.bias",
      "bn.weight",
      "bn.bias",
      "head.1.weight",
      "head.1.bias",
    ]);
    assert.equal([...m.parameters()].length, 6);
    assert.deepEqual([...m.named_buffers()].map(([k]) => k), [
      "bn.running_mean",
      "bn.running_var",
      "bn.num_batches_tracked",
    ]);
    assert.deepEqual([...m.named_children()].map(([k]) => k), [
      "fc",
      "bn",
      "head",
    ]);
    assert.deepEqual([...m.named_modules()].map(([k]) => k), [
      "",
      "fc",
      "bn",
      "head",
      "head.0",
      "head.1",
    ]);
    assert.equal([...m.modules()].length, 6);
    assert.deepEqual(Object.keys(m.state_dict()), [
      "fc.weight",
      "fc.bias",
      "bn.weight",
      "bn.bias",
      "bn.running_mean",
      "bn.running_var",
      "bn.num_batches_tracked",
      "head.1.weight",
      "head.1.bias",
    ]);
  });
  test("train/eval propagate; BatchNorm counts batches only in training", () => {
    const m = new Small();
    m.eval();
    assert.ok([...m.modules()].every((x) => !x.training));
    m(torch.randn(5, 3));
    assert.equal(Number(m.bn.num_batches_tracked!.item()), 0);
    m.train();
    assert.ok([...m.modules()].every((x) => x.training));
    m(torch.randn(5, 3));
    assert.equal(Number(m.bn.num_batches_tracked!.item()), 1);
    assert.throws(
      () => m(torch.randn(1, 3)),
      /Expected more than 1 value per channel when training/,
    );
    assert.throws(
      () => new nn.BatchNorm2d(3)(torch.randn(2, 3)),
      /expected 4D input \(got 2D input\)/,
    );
  });
  test("zero_grad, requires_grad_, apply, to(float64)", () => {
    const m = new Small();
    m(torch.randn(4, 3)).sum().backward();
    assert.ok(m.fc.weight.grad);
    m.zero_grad();
    assert.equal(m.fc.weight.grad!.abs().sum().item(), 0);
    m.zero_grad({ set_to_none: true });
    assert.equal(m.fc.weight.grad, null);
    m.requires_grad_(false);
    assert.ok([...m.parameters()].every((p) => !p.requires_grad));
    const names: string[] = [];
    m.apply((x) => names.push(x.constructor.name));
    assert.deepEqual(names, [
      "Linear",
      "BatchNorm1d",
      "ReLU",
      "Linear",
      "Sequential",
      "Small",
    ]);
    const w = m.fc.weight;
    m.to(torch.float64);
    assert.equal(m.fc.weight, w);
    assert.equal(m.fc.weight.dtype, torch.float64);
    assert.equal(m.bn.running_mean!.dtype, torch.float64);
    assert.equal(m.bn.num_batches_tracked!.dtype, torch.int64);
  });
  test("state_dict round trip and PyTorch's load errors", () => {
    torch.manual_seed(1);
    const a = new Small(), b = new Small();
    b.load_state_dict(a.state_dict());
    assert.ok(torch.equal(a.fc.weight, b.fc.weight));
    const sd = a.state_dict();
    delete sd["fc.bias"];
    sd["extra.weight"] = torch.zeros(1);
    assert.throws(
      () => b.load_state_dict(sd),
      (e: Error) =>
        e.message.startsWith("Error(s) in loading state_dict for Small:") &&
        e.message.includes('Missing key(s) in state_dict: "fc.bias".') &&
        e.message.includes('Unexpected key(s) in state_dict: "extra.weight".'),
    );
    const r = b.load_state_dict(sd, { strict: false });
    assert.deepEqual(r, {
      missing_keys: ["fc.bias"],
      unexpected_keys: ["extra.weight"],
    });
    const bad = a.state_dict();
    bad["fc.weight"] = torch.zeros(2, 2);
    assert.throws(
      () => b.load_state_dict(bad),
      /size mismatch for fc.weight: copying a param with shape torch.Size\(\[2, 2\]\) from checkpoint, the shape in current model is torch.Size\(\[4, 3\]\)/,
    );
  });
  test("register_buffer and forward hooks", () => {
    const m = new nn.Linear(2, 2);
    m.register_buffer("scale", torch.ones(2));
    m.register_buffer("tmp", torch.zeros(1), false);
    assert.deepEqual(Object.keys(m.state_dict()), ["weight", "bias", "scale"]);
    const seen: number[][] = [];
    const h = m.register_forward_hook((_mod, input, out) => {
      seen.push([...(input[0] as torch.Tensor).shape]);
      return (out as torch.Tensor).mul(0);
    });
    const y = m(torch.ones(3, 2)) as torch.Tensor;
    assert.deepEqual(seen, [[3, 2]]);
    assert.equal(y.abs().sum().item(), 0);
    h.remove();
    assert.notEqual(
      (m(torch.ones(3, 2)) as torch.Tensor).abs().sum().item(),
      0,
    );
  });
  test("containers: Sequential by name, indexing, ModuleList, ModuleDict", () => {
    const s = new nn.Sequential({
      lin: new nn.Linear(2, 3),
      act: new nn.ReLU(),
    });
    assert.deepEqual([...s.named_children()].map(([k]) => k), ["lin", "act"]);
    const t = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    assert.equal(t.length, 2);
    assert.ok(t[0] instanceof nn.Linear);
    assert.equal(t.get(-1), t[1]);
    const l = new nn.ModuleList([new nn.Linear(1, 1)]);
    l.append(new nn.ReLU());
    l.insert(0, new nn.Tanh());
    assert.deepEqual([...l].map((x) => x.constructor.name), [
      "Tanh",
      "Linear",
      "ReLU",
    ]);
    assert.equal(l.length, 3);
    assert.equal([...l.parameters()].length, 2);
    const d = new nn.ModuleDict({ a: new nn.Linear(1, 2) });
    d.set("b", new nn.ReLU());
    assert.deepEqual(d.keys(), ["a", "b"]);
    assert.ok(d.get("a") instanceof nn.Linear);
    assert.deepEqual([...d.named_parameters()].map(([k]) => k), [
      "a.weight",
      "a.bias",
    ]);
  });
});

describe("functional", () => {
  test("F.normalize, F.flatten, F.relu inplace, F.linear", () => {
    const x = torch.tensor([[3, 4], [0, 0]], { dtype: torch.float64 });
    assert.deepEqual(F.normalize(x).tolist(), [[0.6, 0.8], [0, 0]]);
    assert.deepEqual([...F.flatten(torch.zeros(2, 3, 4), 1).shape], [2, 12]);
    const r = torch.tensor([-1, 2]);
    F.relu(r, { inplace: true });
    assert.deepEqual(r.tolist(), [0, 2]);
    const y = F.linear(torch.ones(2, 3), torch.ones(4, 3), torch.ones(4));
    assert.deepEqual(y.tolist(), [[4, 4, 4, 4], [4, 4, 4, 4]]);
  });
  test("F.embedding: padding row gets no gradient", () => {
    const w = torch.randn(4, 2, { dtype: torch.float64, requires_grad: true });
    const idx = torch.tensor([0, 1, 1, 3]);
    F.embedding(idx, w, { padding_idx: 1 }).sum().backward();
    assert.deepEqual(w.grad!.tolist(), [[1, 1], [0, 0], [0, 0], [1, 1]]);
    assert.throws(
      () => F.embedding(torch.ones(2), w),
      /Expected tensor for argument #1 'indices'/,
    );
  });
  test("F.softmax and F.log_softmax need a dim", () => {
    const x = torch.randn(2, 3);
    assert.ok(torch.allclose(F.softmax(x, 1).sum(1), torch.ones(2)));
    assert.throws(
      () => (F.log_softmax as (x: torch.Tensor) => unknown)(x),
      /dim/,
    );
  });
});
