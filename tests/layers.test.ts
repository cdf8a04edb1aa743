// Issue 18's activations, normalisations, channel dropouts, pixel shuffles, 1-D pools, padding
// layers, Upsample and distance modules against PyTorch 1.13 (tests/fixtures/gen_layers.py):
// reprs, initial state, outputs and gradients at PyTorch's kinks, running stats, dropout's
// stream; finite differences in float64; PyTorch's messages.

import { describe, test } from "node:test";
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
const F = nn.functional;
type Enc = { t: EncTensor };
interface ModuleCase {
  name: string;
  cls: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  dtype: "float32" | "float64";
  seed: number;
  train: boolean;
  fwd_seed: number | null;
  repr: string;
  state_dict: Record<string, Enc>;
  inputs: Enc[];
  output: Enc;
  grads: Enc[];
  param_grads: Record<string, Enc>;
  buffers_after: Record<string, Enc>;
}
interface FuncCase {
  name: string;
  fn: string;
  dtype: "float32" | "float64";
  fwd_seed: number | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
  inputs: Enc[];
  outputs: Enc[];
  grads: Enc[];
}
const fx = readFixture<{
  torch: string;
  modules: ModuleCase[];
  functional: FuncCase[];
  bags: {
    name: string;
    kwargs: Record<string, unknown>;
    dtype: string;
    seed: number;
    repr: string;
    state_dict: Record<string, Enc>;
    input: number[] | number[][];
    offsets: number[] | null;
    psw: number[] | null;
    output: Enc;
    grads: Enc[];
    weight_after: Enc;
  }[];
  embeds: {
    name: string;
    kwargs: Record<string, unknown>;
    dtype: string;
    seed: number;
    repr: string;
    state_dict: Record<string, Enc>;
    input: number[] | number[][];
    output: Enc;
    grad: Enc;
    weight_after: Enc;
    grad_fn: string;
  }[];
  containers: {
    list_repr: string;
    dict_repr: string;
    list_keys: string[];
    dict_keys: string[];
  };
  errors: Record<string, [string, string]>;
}>("layers.json");

const tol = (dtype: string) =>
  dtype === "float64"
    ? { rtol: 1e-10, atol: 1e-12 }
    : { rtol: 2e-5, atol: 2e-6 };

function weigh(t: torch.Tensor, seed: number): torch.Tensor {
  const g = new torch.Generator().manual_seed(seed);
  return t.mul(torch.randn([...t.shape], { generator: g, dtype: t.dtype }))
    .sum();
}

const F32_CONSTANTS = ["CELU", "Hardsigmoid", "Hardswish"];

const DEVICES = torch.webgpu.is_available() ? ["cpu", "webgpu"] : ["cpu"];

describe(`issue 18's layers against PyTorch ${fx.torch}`, () => {
  for (const device of DEVICES) {
    for (const c of fx.modules) {
      if (device !== "cpu" && c.dtype === "float64") continue;
      test(`${c.name}${device === "cpu" ? "" : ` [${device}]`}`, () => {
        torch.manual_seed(c.seed);
        // deno-lint-ignore no-explicit-any
        const cls = (nn as any)[c.cls];
        let m: torch.nn.Module = Object.keys(c.kwargs).length
          ? new cls(...c.args, c.kwargs)
          : new cls(...c.args);
        if (c.dtype === "float64") m = m.double();
        assert.equal(withStyle("modern", () => String(m)), c.repr);
        const sd = m.state_dict();
        assert.deepEqual(Object.keys(sd), Object.keys(c.state_dict));
        for (const [k, v] of Object.entries(c.state_dict)) {
          assertTensorClose(sd[k], v.t, `init ${k}`, tol(c.dtype));
        }
        m.to(device);
        m.train(c.train);
        const xs = c.inputs.map((e) =>
          decodeTensor(e.t).to(device).requires_grad_()
        );
        if (c.fwd_seed !== null) torch.manual_seed(c.fwd_seed);
        const out = m(...xs) as torch.Tensor;
        assert.equal(out.device.type, device);
        const t = tol(c.dtype);
        assertTensorClose(out.cpu(), c.output.t, "output", t);
        // PyTorch 1.13 computes these float64 gradients with float32 constants (1/6, 1/α).
        const gt = c.dtype === "float64" && F32_CONSTANTS.includes(c.cls)
          ? { rtol: 1e-7, atol: 1e-9 }
          : t;
        const params = [...m.named_parameters()];
        const grads = torch.autograd.grad(weigh(out.cpu(), 1), [
          ...xs,
          ...params.map(([, p]) => p),
        ]);
        c.grads.forEach((g, i) =>
          assertTensorClose(grads[i]!.cpu(), g.t, `grad input ${i}`, gt)
        );
        params.forEach(([n], i) =>
          assertTensorClose(
            grads[xs.length + i]!.cpu(),
            c.param_grads[n].t,
            `grad ${n}`,
            t,
          )
        );
        const after = m.state_dict();
        for (const [k, v] of Object.entries(c.buffers_after)) {
          assertTensorClose(after[k].cpu(), v.t, `after ${k}`, t);
        }
      });
    }
  }
});

describe(`issue 18's functions against PyTorch ${fx.torch}`, () => {
  for (const device of DEVICES) {
    for (const c of fx.functional) {
      if (device !== "cpu" && c.dtype === "float64") continue;
      test(`${c.name}${device === "cpu" ? "" : ` [${device}]`}`, () => {
        const xs = c.inputs.map((e) =>
          decodeTensor(e.t).to(device).requires_grad_()
        );
        if (c.fwd_seed !== null) torch.manual_seed(c.fwd_seed);
        // deno-lint-ignore no-explicit-any
        const out = (F as any)[c.fn](...xs, ...c.args, c.kwargs);
        const outs: torch.Tensor[] = Array.isArray(out) ? out : [out];
        const t = tol(c.dtype);
        let loss: torch.Tensor | null = null;
        outs.forEach((o, i) => {
          assertTensorClose(o.cpu(), c.outputs[i].t, `output ${i}`, t);
          if (!o.dtype.is_floating_point) return;
          const w = weigh(o.cpu(), 1 + i);
          loss = loss ? loss.add(w) : w;
        });
        const grads = torch.autograd.grad(loss!, xs);
        // grid_sample's grid gradient is ±0 where a coordinate was clipped; the sign is noise.
        const gt = c.fn === "grid_sample" ? { ...t, signedZero: false } : t;
        // Where border padding clamps all 16 bicubic taps to one pixel, the derivatives of the
        // cubic weights cancel: that grid gradient is float32 rounding noise, PyTorch's as ours.
        if (c.name.startsWith("grid_sample/bicubic") && c.dtype === "float32") {
          gt.atol = 5e-5;
        }
        c.grads.forEach((g, i) =>
          assertTensorClose(grads[i]!.cpu(), g.t, `grad ${i}`, gt)
        );
      });
    }
  }
  for (const c of fx.bags) {
    test(`EmbeddingBag/${c.name}`, () => {
      torch.manual_seed(c.seed);
      let m = new nn.EmbeddingBag(10, 3, c.kwargs);
      if (c.dtype === "float64") m = m.double();
      assert.equal(withStyle("modern", () => String(m)), c.repr);
      const t = tol(c.dtype);
      for (const [k, v] of Object.entries(c.state_dict)) {
        assertTensorClose(m.state_dict()[k], v.t, `init ${k}`, t);
      }
      const x = torch.tensor(c.input);
      const off = c.offsets === null ? null : torch.tensor(c.offsets);
      const w = c.psw === null
        ? null
        : torch.tensor(c.psw, { dtype: c.dtype, requires_grad: true });
      const out = m(x, off, w) as torch.Tensor;
      assertTensorClose(out, c.output.t, "output", t);
      const grads = torch.autograd.grad(weigh(out, 1), [
        m.weight,
        ...(w ? [w] : []),
      ]);
      c.grads.forEach((g, i) =>
        assertTensorClose(grads[i], g.t, `grad ${i}`, t)
      );
      // max_norm renormalises the looked-up rows in place.
      assertTensorClose(m.weight.detach(), c.weight_after.t, "weight after", t);
    });
  }
  for (const device of DEVICES) {
    for (const c of fx.embeds) {
      if (device !== "cpu" && c.dtype === "float64") continue;
      test(`Embedding/${c.name}${device === "cpu" ? "" : ` [${device}]`}`, () => {
        torch.manual_seed(c.seed);
        // JSON has no infinity: the fixture writes "inf".
        const kwargs = Object.fromEntries(
          Object.entries(c.kwargs).map((
            [k, v],
          ) => [k, v === "inf" ? Infinity : v]),
        );
        let m = new nn.Embedding(10, 3, kwargs);
        if (c.dtype === "float64") m = m.double();
        torch.no_grad(() => m.weight.mul_(2));
        assert.equal(withStyle("modern", () => String(m)), c.repr);
        const t = tol(c.dtype);
        for (const [k, v] of Object.entries(c.state_dict)) {
          assertTensorClose(m.state_dict()[k], v.t, `init ${k}`, t);
        }
        m.to(device);
        const out = m(torch.tensor(c.input).to(device)) as torch.Tensor;
        assert.equal(out.grad_fn?.name(), c.grad_fn);
        assertTensorClose(out.cpu(), c.output.t, "output", t);
        const [grad] = torch.autograd.grad(weigh(out.cpu(), 1), [m.weight]);
        assertTensorClose(grad!.cpu(), c.grad.t, "grad", t);
        assertTensorClose(
          m.weight.detach().cpu(),
          c.weight_after.t,
          "weight",
          t,
        );
      });
    }
  }
  test("ParameterList and ParameterDict: names, reprs, access", () => {
    const pl = new nn.ParameterList([
      new nn.Parameter(torch.ones(2, 3)),
      new nn.Parameter(torch.ones(3, { dtype: torch.float64 })),
    ]);
    const pd = new nn.ParameterDict({
      a: new nn.Parameter(torch.ones(2)),
      b: new nn.Parameter(torch.zeros(1, 2)),
    });
    const c = fx.containers;
    assert.equal(withStyle("modern", () => String(pl)), c.list_repr);
    assert.equal(withStyle("modern", () => String(pd)), c.dict_repr);
    assert.deepEqual(Object.keys(pl.state_dict()), c.list_keys);
    assert.deepEqual(Object.keys(pd.state_dict()), c.dict_keys);
    assert.equal(pl.length, 2);
    assert.equal(pd.length, 2);
    pl.append(torch.zeros(4));
    assert.equal(pl.length, 3);
    assert.ok(pl.get(-1) instanceof nn.Parameter);
    assert.deepEqual(pd.keys(), ["a", "b"]);
    assert.equal([...new nn.Linear(2, 2).parameters()].length, 2);
    const opt = new torch.optim.SGD(pl.parameters(), { lr: 0.1 });
    assert.equal(opt.param_groups[0].params.length, 3);
  });
});

describe("issue 18's layers: finite differences in float64", () => {
  test("activations away from their kinks, norms, pools, distances", () => {
    torch.manual_seed(3);
    const d = (...s: number[]) =>
      torch.randn(s, { dtype: torch.float64 }).mul(2).requires_grad_();
    const check = (
      fn: (...x: torch.Tensor[]) => torch.Tensor,
      xs: torch.Tensor[],
    ) => assert.ok(torch.autograd.gradcheck(fn, xs));
    for (
      const f of [
        F.selu,
        F.mish,
        F.softsign,
        F.logsigmoid,
        F.tanhshrink,
        (x: torch.Tensor) => F.softplus(x, 2, 3),
        (x: torch.Tensor) => F.celu(x, 0.5),
        (x: torch.Tensor) => F.glu(x, 1),
        (x: torch.Tensor) => F.softmin(x, 1),
      ]
    ) check(f as (x: torch.Tensor) => torch.Tensor, [d(2, 4)]);
    check((x, w) => F.prelu(x, w), [d(2, 3, 2), d(3)]);
    check((x, w, b) => F.group_norm(x, 2, w, b), [d(2, 4, 3), d(4), d(4)]);
    check((x) => F.instance_norm(x), [d(2, 3, 4)]);
    check((x) => F.local_response_norm(x, 3), [d(2, 4, 3)]);
    check((x) => F.avg_pool1d(x, 2, { stride: 1, padding: 1 }), [d(1, 2, 5)]);
    check((x) => F.adaptive_avg_pool1d(x, 3), [d(1, 2, 7)]);
    check((a, b) => F.pairwise_distance(a, b, 3), [d(3, 4), d(3, 4)]);
    check((x) => F.pixel_shuffle(x, 2), [d(1, 4, 2, 2)]);
    // Grids inside the image and away from pixel centres, where sampling is smooth.
    const grid = (...s: number[]) =>
      torch.rand(s, { dtype: torch.float64 }).mul(1.6).sub(0.8)
        .requires_grad_();
    for (const mode of ["bicubic", "bilinear"]) {
      check(
        (x, g) => F.grid_sample(x, g, { mode, align_corners: false }),
        [d(1, 2, 4, 5), grid(1, 2, 3, 2)],
      );
    }
    check(
      (x, g) => F.grid_sample(x, g, { align_corners: true }),
      [d(1, 2, 3, 4, 3), grid(1, 2, 2, 2, 3)],
    );
    check(
      (t) => F.affine_grid(t, [1, 1, 2, 3, 2], { align_corners: false }),
      [d(1, 3, 4)],
    );
  });
});

describe("issue 18's layers: PyTorch's messages", () => {
  const raises = (key: string, fn: () => unknown) => {
    const [type, message] = fx.errors[key];
    assert.throws(fn, (e: Error) => {
      assert.equal(e.name, type);
      assert.equal(e.message, message);
      return true;
    });
  };
  test("errors", () => {
    const r = torch.randn;
    raises("glu_odd", () => F.glu(r(2, 3), 1));
    raises("group_norm_groups", () => F.group_norm(r(2, 5, 3), 2));
    raises("instance_dims", () => new nn.InstanceNorm1d(3)(r(2, 3, 4, 4)));
    raises("lrn_dims", () => F.local_response_norm(r(2, 3), 2));
    raises("pixel_shuffle_channels", () => F.pixel_shuffle(r(1, 3, 2, 2), 2));
    raises("prelu_channels", () => F.prelu(r(2, 3), torch.ones(2)));
    raises("dropout1d_dims", () => F.dropout1d(r(2, 3, 4, 5)));
    raises(
      "reflect_too_big",
      () => F.pad(r(1, 2, 3), [3, 0], { mode: "reflect" }),
    );
    raises("softshrink_negative", () => F.softshrink(r(3), -1.5));
    const bag = (o: Record<string, unknown>) => () =>
      new nn.EmbeddingBag(10, 3, o)(torch.tensor([[1, 2]]));
    raises("bag_max_freq", bag({ mode: "max", scale_grad_by_freq: true }));
    raises("bag_max_sparse", bag({ mode: "max", sparse: true }));
    assert.throws(
      () => new nn.Embedding(10, 3, { sparse: true }),
      /sparse=True asks for a sparse gradient/,
    );
    const circular = (pad: number[]) => () =>
      F.pad(r(1, 2, 3), pad, { mode: "circular" });
    raises("circular_wraps_twice", circular([4, 0]));
    raises("circular_pad_size", circular([1, 1, 1, 1]));
    raises("circular_empty", circular([-2, -2]));
    raises(
      "conv_transpose_padding_mode",
      () => new nn.ConvTranspose2d(1, 1, 3, { padding_mode: "reflect" }),
    );
    const gs = (x: number[], g: number[], mode = "bilinear") => () =>
      F.grid_sample(r(...x), r(...g), { mode, align_corners: false });
    raises("grid_batch", gs([1, 2, 3, 3], [2, 2, 2, 2]));
    raises("grid_last_dim", gs([1, 2, 3, 3], [1, 2, 2, 3]));
    raises("grid_rank", gs([1, 2, 3, 3, 3], [1, 2, 2, 3]));
    raises("grid_bicubic_5d", gs([1, 2, 3, 3, 3], [1, 2, 2, 2, 3], "bicubic"));
    raises("grid_empty", gs([1, 2, 0, 3], [1, 2, 2, 2]));
    const ag = (theta: number[], size: number[]) => () =>
      F.affine_grid(r(...theta), size, { align_corners: false });
    raises("affine_3d_theta", ag([2, 2, 3], [2, 1, 3, 4, 5]));
    raises("affine_2d_theta", ag([2, 3, 4], [2, 1, 3, 4]));
    raises("affine_empty", ag([2, 3, 4], [2, 1, 3, 0, 5]));
    raises("affine_size", ag([2, 3, 4], [2, 1, 3]));
    // PyTorch prints the modes as a Python set, in an order that changes from run to run.
    assert.throws(
      () => new nn.Conv2d(1, 1, 3, { padding_mode: "wrap" }),
      /^ValueError: padding_mode must be one of \{'zeros', 'reflect', 'replicate', 'circular'\}, but got padding_mode='wrap'$/,
    );
  });
});
