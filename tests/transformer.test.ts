// nn.MultiheadAttention, the Transformer layers and stacks, and F.scaled_dot_product_attention
// against PyTorch (tests/fixtures/gen_transformer.py): initialisation draws, state_dict names,
// reprs, outputs and every gradient with masks of each kind; dropout's stream in training; a
// TransformerEncoder that torch.save wrote; finite differences in float64; PyTorch's messages.

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
type Enc = { t: EncTensor; grad?: number };
interface Spec {
  cls: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
}
interface Case {
  name: string;
  spec: Spec;
  dtype: "float32" | "float64";
  seed: number;
  train: boolean;
  fwd_seed: number | null;
  state_dict: Record<string, Enc>;
  repr: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  outputs: (Enc | null)[];
  grad_inputs: Enc[];
  grad_params: Record<string, Enc>;
}

const fx = readFixture<{
  torch: string;
  cases: Case[];
  sdpa: {
    name: string;
    q: Enc;
    k: Enc;
    v: Enc;
    kwargs: Record<string, unknown>;
    out: Enc;
    grads: Enc[];
  }[];
  errors: Record<string, [string, string]>;
  reprs: Record<string, string>;
  mask: Enc;
}>("transformer.json");

const tol = (dtype: string) =>
  dtype === "float64"
    ? { rtol: 1e-9, atol: 1e-11 }
    : { rtol: 2e-4, atol: 2e-5 };

const isSpec = (v: unknown): v is Spec =>
  v !== null && typeof v === "object" && "cls" in v;
const isEnc = (v: unknown): v is Enc =>
  v !== null && typeof v === "object" && "t" in v;

/** The module a spec describes, its parts built first and in order, as gen_transformer.py does. */
function build(spec: Spec, dtype: string): torch.nn.Module {
  const val = (v: unknown) => (isSpec(v) ? build(v, dtype) : v);
  const args = spec.args.map(val);
  const kwargs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.kwargs)) kwargs[k] = val(v);
  if (!["TransformerEncoder", "TransformerDecoder"].includes(spec.cls)) {
    kwargs.dtype = dtype;
  }
  // deno-lint-ignore no-explicit-any
  const cls = (nn as any)[spec.cls];
  return new cls(...args, kwargs);
}

function weigh(t: torch.Tensor, seed: number): torch.Tensor {
  const g = new torch.Generator().manual_seed(seed);
  return t.mul(torch.randn([...t.shape], { generator: g, dtype: t.dtype }))
    .sum();
}

describe(`attention layers against PyTorch ${fx.torch}`, () => {
  for (const c of fx.cases) {
    test(c.name, () => {
      const t = tol(c.dtype);
      torch.manual_seed(c.seed);
      const m = build(c.spec, c.dtype);
      const sd = m.state_dict();
      assert.deepEqual(Object.keys(sd), Object.keys(c.state_dict));
      for (const [k, v] of Object.entries(c.state_dict)) {
        assertTensorClose(sd[k], v.t, `init ${k}`, t);
      }
      assert.equal(withStyle("modern", () => String(m)), c.repr);
      m.train(c.train);
      // The same tensor object where PyTorch passed one (self-attention's packed projection).
      const leaves: torch.Tensor[] = [];
      const arg = (v: unknown) => {
        if (!isEnc(v)) return v;
        if (v.grad !== undefined && leaves[v.grad]) return leaves[v.grad];
        const x = decodeTensor(v.t);
        if (v.grad !== undefined) leaves[v.grad] = x.requires_grad_();
        return x;
      };
      const args = c.args.map(arg);
      const kwargs: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(c.kwargs)) kwargs[k] = arg(v);
      if (c.fwd_seed !== null) torch.manual_seed(c.fwd_seed);
      const out = m(...args, kwargs);
      const outs: (torch.Tensor | null)[] = Array.isArray(out) ? out : [out];
      assert.equal(outs.length, c.outputs.length);
      let loss: torch.Tensor | null = null;
      outs.forEach((o, i) => {
        const want = c.outputs[i];
        if (want === null) return assert.equal(o, null);
        assertTensorClose(o, want.t, `output ${i}`, t);
        const w = weigh(o!, 1 + i);
        loss = loss ? loss.add(w) : w;
      });
      const params = [...m.named_parameters()] as [string, torch.Tensor][];
      const grads = torch.autograd.grad(loss!, [
        ...leaves,
        ...params.map(([, p]) => p),
      ]);
      c.grad_inputs.forEach((g, i) =>
        assertTensorClose(grads[i], g.t, `grad input ${i}`, t)
      );
      params.forEach(([n], i) =>
        assertTensorClose(
          grads[leaves.length + i],
          c.grad_params[n].t,
          `grad ${n}`,
          t,
        )
      );
    });
  }
});

// On the CPU, and on the WebGPU device where there is one (float32: WGSL has no float64).
const DEVICES = torch.webgpu.is_available() ? ["cpu", "webgpu"] : ["cpu"];

describe(`F.scaled_dot_product_attention against PyTorch 2's computation`, () => {
  const runs = fx.sdpa.flatMap((c) =>
    DEVICES.filter((d) => d === "cpu" || c.q.t.dtype === "float32")
      .map((d) => [c, d] as const)
  );
  for (const [c, device] of runs) {
    test(`${c.name} [${device}]`, () => {
      const [q, k, v] = [c.q, c.k, c.v].map((e) =>
        decodeTensor(e.t).to(device).requires_grad_()
      );
      const kwargs: Record<string, unknown> = {};
      for (const [a, b] of Object.entries(c.kwargs)) {
        kwargs[a] = isEnc(b) ? decodeTensor(b.t).to(device) : b;
      }
      const out = F.scaled_dot_product_attention(q, k, v, kwargs);
      assert.equal(out.device.type, device);
      const t = tol(q.dtype.name);
      assertTensorClose(out.cpu(), c.out.t, "out", t);
      const grads = torch.autograd.grad(weigh(out.cpu(), 1), [q, k, v]);
      c.grads.forEach((g, i) =>
        assertTensorClose(grads[i]!.cpu(), g.t, `grad ${i}`, t)
      );
    });
  }
  test("dropout_p drops weights in training, and a mask with is_causal is refused", () => {
    const q = torch.randn(1, 4, 3), k = torch.randn(1, 4, 3);
    const v = torch.ones(1, 4, 2);
    // With every weight dropped the output is zero; with none, each row of weights sums to 1.
    assert.equal(
      F.scaled_dot_product_attention(q, k, v, { dropout_p: 1 }).abs().sum()
        .item(),
      0,
    );
    const none = F.scaled_dot_product_attention(q, k, v);
    assert.ok(torch.allclose(none, torch.ones(1, 4, 2)));
    assert.throws(
      () =>
        F.scaled_dot_product_attention(q, k, v, {
          attn_mask: torch.ones(4, 4),
          is_causal: true,
        }),
      /Explicit attn_mask should not be set when is_causal=True/,
    );
  });
});

describe("a PyTorch TransformerEncoder checkpoint loads and gives PyTorch's outputs", () => {
  test("state_dict from torch.save, batch_first, causal mask, eval mode", () => {
    const ck = torch.load<{
      state_dict: Record<string, torch.Tensor>;
      src: torch.Tensor;
      out: torch.Tensor;
    }>(new URL("./fixtures/pt/transformer_state.pt", import.meta.url).pathname);
    const enc = new nn.TransformerEncoder(
      new nn.TransformerEncoderLayer(8, 2, 16, { batch_first: true }),
      2,
      { norm: new nn.LayerNorm(8) },
    );
    enc.load_state_dict(ck.state_dict);
    enc.eval();
    const mask = nn.Transformer.generate_square_subsequent_mask(5);
    const out = torch.no_grad(() => enc(ck.src, { mask }));
    assert.ok(
      torch.allclose(out, ck.out, { rtol: 1e-5, atol: 1e-5 }),
      "encoder output",
    );
  });
  test("generate_square_subsequent_mask", () => {
    assertTensorClose(
      nn.Transformer.generate_square_subsequent_mask(4),
      fx.mask.t,
      "mask",
      { rtol: 0, atol: 0 },
    );
  });
  test("the stacked layers are copies: own weights, equal at the start", () => {
    const layer = new nn.TransformerEncoderLayer(4, 2, 8);
    const enc = new nn.TransformerEncoder(layer, 2);
    const [a, b] = [...enc.layers.children()] as torch.nn.Module[];
    assert.notEqual(a, layer);
    assert.notEqual(a, b);
    const wa = a.state_dict()["linear1.weight"];
    const wb = b.state_dict()["linear1.weight"];
    assert.ok(torch.equal(wa, wb));
    assert.ok(torch.equal(wa, layer.linear1.weight));
    torch.no_grad(() =>
      (a as torch.nn.TransformerEncoderLayer).linear1.weight.add_(1)
    );
    assert.ok(!torch.equal(a.state_dict()["linear1.weight"], wb));
    assert.equal(
      [...enc.parameters()].length,
      2 * [...layer.parameters()].length,
    );
  });
});

describe("attention layers: finite differences in float64", () => {
  test("MultiheadAttention with masks, and a Transformer, against gradcheck", () => {
    torch.manual_seed(0);
    const d = (...s: number[]) =>
      torch.randn(s, { dtype: torch.float64, requires_grad: true });
    const mha = new nn.MultiheadAttention(4, 2, {
      add_bias_kv: true,
      dtype: torch.float64,
    });
    const kpm = torch.tensor([[false, false, true], [false, false, false]]);
    assert.ok(
      torch.autograd.gradcheck(
        (q: torch.Tensor, kv: torch.Tensor) =>
          mha(q, kv, kv, { key_padding_mask: kpm })[0],
        [d(2, 2, 4), d(3, 2, 4)],
      ),
    );
    const model = new nn.Transformer({
      d_model: 4,
      nhead: 2,
      num_encoder_layers: 1,
      num_decoder_layers: 1,
      dim_feedforward: 6,
      dropout: 0,
      dtype: torch.float64,
    });
    const tgt_mask = nn.Transformer.generate_square_subsequent_mask(2)
      .double();
    assert.ok(
      torch.autograd.gradcheck(
        (s: torch.Tensor, t: torch.Tensor) => model(s, t, { tgt_mask }),
        [d(3, 1, 4), d(2, 1, 4)],
      ),
    );
  });
});

describe("attention layers: PyTorch's messages and reprs", () => {
  const raises = (key: string, fn: () => unknown) => {
    const [type, message] = fx.errors[key];
    assert.throws(fn, (e: Error) => {
      assert.equal(e.name, type);
      assert.equal(e.message, message);
      return true;
    });
  };
  test("messages", () => {
    const x = torch.randn(4, 2, 8);
    const x0 = x.select(0, 0).select(0, 0), x1 = x.select(0, 0);
    raises("heads", () => new nn.MultiheadAttention(10, 3));
    const m = new nn.MultiheadAttention(8, 2);
    raises("mask_2d", () => m(x, x, x, { attn_mask: torch.zeros(3, 4) }));
    raises("mask_3d", () => m(x, x, x, { attn_mask: torch.zeros(2, 4, 4) }));
    raises("query_dims", () => m(x0, x0, x0));
    raises("kv_dims", () => m(x, x1, x1));
    raises("embed_dim", () => new nn.MultiheadAttention(6, 2)(x, x, x));
    raises(
      "activation",
      () => new nn.TransformerEncoderLayer(8, 2, { activation: "tanh" }),
    );
    const tr = new nn.Transformer(8, 2, 1, 1, 16);
    raises("batch", () => tr(x, torch.randn(4, 3, 8)));
    raises("features", () => tr(x, torch.randn(4, 2, 6)));
  });
  // PyTorch 1.13's reprs: the modern print style (0.3 had none of these layers).
  const repr = (m: torch.nn.Module) => withStyle("modern", () => String(m));
  test("reprs", () => {
    assert.equal(repr(new nn.MultiheadAttention(8, 2)), fx.reprs.mha);
    assert.equal(
      repr(
        new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, 16), 2),
      ),
      fx.reprs.encoder,
    );
    assert.equal(
      repr(
        new nn.TransformerDecoderLayer(8, 2, 16, { activation: new nn.GELU() }),
      ),
      fx.reprs.decoder_layer,
    );
  });
});
