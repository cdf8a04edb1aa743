// Convolution, pooling and resampling ops against real PyTorch: tests/fixtures/conv.json (written by
// tests/fixtures/gen_conv.py) gives forward outputs in float32 and float64, float64 gradients of
// sum(out * w), PyTorch's error messages and a few second derivatives (Hessian-vector products).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  adaptive_avg_pool2d,
  avg_pool2d,
  max_pool1d,
  max_pool2d,
} from "../src/ops/pool.ts";
import {
  conv1d,
  conv2d,
  conv_transpose2d,
  fold,
  unfold,
} from "../src/ops/conv.ts";
import { interpolate, one_hot, pad } from "../src/ops/resize.ts";
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
  op: string;
  args: Enc[];
  kwargs?: Record<string, Enc>;
  wrt: number[];
  out64: T[];
  out32?: T[];
  weights?: T[];
  grads?: T[];
  grad_fn: string | null;
  v?: T[];
  grads2?: T[];
};
type ErrCase = {
  name: string;
  op: string;
  args: Enc[];
  kwargs: Record<string, Enc>;
  error: string;
  message: string;
};

const fixture = readFixture<
  { torch: string; cases: Case[]; errors: ErrCase[]; second: Case[] }
>("conv.json");

const OPS: Record<string, (...a: any[]) => unknown> = {
  conv1d,
  conv2d,
  conv_transpose2d,
  unfold,
  fold,
  max_pool1d,
  max_pool2d,
  avg_pool2d,
  adaptive_avg_pool2d,
  pad,
  interpolate,
  one_hot,
};

const F64 = { rtol: 1e-9, atol: 1e-9, signedZero: false };
// float32 kernels sum in doubles and PyTorch in floats: agreement to float32 rounding of sums.
const F32 = { rtol: 1e-5, atol: 1e-4, signedZero: false };

const isTensor = (x: unknown): x is torch.Tensor =>
  x instanceof torch.Tensor.prototype.constructor;

/** Decodes a call; `f32` casts its float64 tensors to float32. Returns args, kwargs and a runner. */
function prepare(c: Case | ErrCase, f32 = false) {
  const cast = (v: unknown) =>
    f32 && isTensor(v) && v.dtype === torch.float64 ? v.float() : v;
  const args = c.args.map((a) => cast(decode(a)));
  const kwargs = c.kwargs &&
    Object.fromEntries(
      Object.entries(c.kwargs).map(([k, v]) => [k, cast(decode(v))]),
    );
  const run = (): torch.Tensor[] => {
    const all = kwargs && Object.keys(kwargs).length ? [...args, kwargs] : args;
    const out = OPS[c.op](...all);
    return (Array.isArray(out) ? out : [out]) as torch.Tensor[];
  };
  return { args, run };
}

function weightedSum(outs: torch.Tensor[], weights: T[]): torch.Tensor {
  const floats = outs.filter((o) => o.dtype.is_floating_point);
  assert.equal(floats.length, weights.length, "number of float outputs");
  return floats.map((o, k) => o.mul(decode(weights[k]) as torch.Tensor).sum())
    .reduce((a, b) => a.add(b));
}

function compareAll(got: torch.Tensor[], want: T[], where: string, tol = F64) {
  assert.equal(got.length, want.length, `${where}: number of tensors`);
  want.forEach((w, i) => assertTensorClose(got[i], w.t, `${where}[${i}]`, tol));
}

describe(`conv/pool/resize forward and gradients against PyTorch ${fixture.torch} (${fixture.cases.length} cases)`, () => {
  for (const c of fixture.cases) {
    test(`${c.name} float64`, () => {
      const { args, run } = prepare(c);
      const inputs = c.wrt.map((i) =>
        (args[i] as torch.Tensor).requires_grad_()
      );
      const outs = run();
      compareAll(outs, c.out64, `${c.name} out`);
      assert.equal(outs[0].grad_fn?.name() ?? null, c.grad_fn, "grad_fn name");
      if (!c.grads) return;
      const grads = torch.autograd.grad(weightedSum(outs, c.weights!), inputs);
      compareAll(grads as torch.Tensor[], c.grads, `${c.name} grad`);
    });
    if (c.out32) {
      test(`${c.name} float32`, () => {
        compareAll(prepare(c, true).run(), c.out32!, `${c.name} out32`, F32);
      });
    }
  }
});

describe(`errors as PyTorch's (${fixture.errors.length} cases)`, () => {
  for (const c of fixture.errors) {
    test(c.name, () => {
      const { run } = prepare(c);
      assert.throws(run, (e: Error) => {
        assert.equal(e.message, c.message);
        return true;
      });
    });
  }
});

describe(`second derivatives against PyTorch (${fixture.second.length} cases)`, () => {
  for (const c of fixture.second) {
    test(c.name, () => {
      const { args, run } = prepare(c);
      const inputs = c.wrt.map((i) =>
        (args[i] as torch.Tensor).requires_grad_()
      );
      const first = torch.autograd.grad(
        weightedSum(run(), c.weights!),
        inputs,
        {
          create_graph: true,
        },
      ) as torch.Tensor[];
      compareAll(first, c.grads!, `${c.name} first`);
      const s = first.map((g, n) =>
        g.mul(decode(c.v![n]) as torch.Tensor).sum()
      )
        .reduce((a, b) => a.add(b));
      const second = torch.autograd.grad(s, inputs, { allow_unused: true });
      compareAll(
        second.map((g, n) => g ?? torch.zeros_like(inputs[n])),
        c.grads2!,
        `${c.name} second`,
      );
    });
  }
});

describe("finite differences (float64 gradcheck)", () => {
  const d = (...s: number[]) =>
    torch.randn(s, { dtype: torch.float64, requires_grad: true });
  const check = (
    fn: (...x: torch.Tensor[]) => torch.Tensor,
    xs: torch.Tensor[],
  ) => assert.ok(torch.autograd.gradcheck(fn, xs));
  test("conv2d with bias, stride, padding, dilation, groups", () => {
    check((x, w, b) => conv2d(x, w, b, 2, 1, [1, 2], 2), [
      d(1, 4, 5, 6),
      d(2, 2, 2, 2),
      d(2),
    ]);
  });
  test("conv_transpose2d", () => {
    check((x, w) => conv_transpose2d(x, w, null, 2, 1, 1), [
      d(1, 2, 3, 3),
      d(2, 1, 3, 3),
    ]);
  });
  test("conv1d same", () => {
    check((x, w) => conv1d(x, w, null, 1, "same"), [d(2, 2, 5), d(3, 2, 4)]);
  });
  test("unfold and fold", () => {
    check((x) => fold(unfold(x, 2, 1, 1, 2), [3, 4], 2, 1, 1, 2), [
      d(1, 2, 3, 4),
    ]);
  });
  test("avg_pool2d, adaptive_avg_pool2d, interpolate, pad", () => {
    check((x) => avg_pool2d(x, 2, 1, 1, true, false), [d(1, 2, 4, 4)]);
    check((x) => adaptive_avg_pool2d(x, [3, 2]), [d(1, 2, 5, 5)]);
    check((x) => interpolate(x, { size: [5, 3], mode: "bilinear" }), [
      d(1, 1, 3, 4),
    ]);
    check((x) => pad(x, [1, 2, 2, 0], "reflect"), [d(1, 2, 3, 4)]);
  });
  test("max_pool2d (distinct values)", () => {
    const x = torch.randperm(32).double().reshape(1, 2, 4, 4).requires_grad_();
    check((x) => max_pool2d(x, 2, 1) as torch.Tensor, [x]);
  });
  test("conv2d double backward (gradgradcheck of the input gradient)", () => {
    const w = d(2, 2, 3, 3);
    // The first derivative is taken with grad mode on also inside gradcheck's numerical pass.
    check((x, v) =>
      torch.enable_grad(() => {
        const y = conv2d(x, w, null, 1, 1);
        const [g] = torch.autograd.grad(y.mul(v).sum(), [x], {
          create_graph: true,
        });
        return g!.mul(g!).sum();
      }), [d(1, 2, 4, 4), d(1, 2, 4, 4)]);
  });
});

describe("LeNet shapes and one_hot", () => {
  test("conv, pool, conv, pool gives 16x5x5 and gradients reach every parameter", () => {
    const x = torch.randn(2, 1, 32, 32);
    const w1 = torch.randn(6, 1, 5, 5).requires_grad_(),
      b1 = torch.randn(6).requires_grad_();
    const w2 = torch.randn(16, 6, 5, 5).requires_grad_();
    let h = max_pool2d(conv2d(x, w1, b1).relu(), 2) as torch.Tensor;
    h = max_pool2d(conv2d(h, w2).relu(), [2, 2]) as torch.Tensor;
    assert.deepEqual([...h.shape], [2, 16, 5, 5]);
    h.sum().backward();
    assert.deepEqual([...w1.grad!.shape], [6, 1, 5, 5]);
    assert.deepEqual([...b1.grad!.shape], [6]);
    assert.deepEqual([...w2.grad!.shape], [16, 6, 5, 5]);
  });
  test("one_hot output is int64 and keyword num_classes works", () => {
    const r = one_hot(torch.tensor([2, 0]), { num_classes: 3 });
    assert.equal(r.dtype, torch.int64);
    assert.deepEqual(r.tolist(), [[0, 0, 1], [1, 0, 0]]);
  });
});

describe("convolution in chunks of samples (CPU)", () => {
  // The CPU lowers a batch to one GEMM per chunk of samples whose columns fit in 2¹⁶ elements
  // (float32 builds the columns in WebAssembly, float64 in JavaScript): here K·L =
  // (4·3·3)·(26·30) = 28080 with padding 1 and (4·3·3)·(24·28) = 24192 without, so five samples
  // go as chunks of 2, 2 and 1. With two threads, a float32 convolution of 2²² multiply-adds or
  // more is split: this thread takes the first two chunks and a helper thread the last
  // (5·36·28080 and 5·36·24192 are over 2²²). The batch must give what each sample gives alone (where a chunk
  // is always the one sample, on one thread), forward (with its bias, which each chunk's product
  // starts from), input gradient and weight gradient (summed over the chunks and threads), with
  // groups, with and without padding.
  /** |a - b| <= tol · max|b|, elementwise, and the same shape. */
  const near = (a: torch.Tensor, b: torch.Tensor, tol: number) => {
    assert.deepEqual([...a.shape], [...b.shape]);
    const scale = b.abs().max().item() as number;
    const err = a.sub(b).abs().max().item() as number;
    assert.ok(
      err <= tol * scale,
      `max error ${err} against a scale of ${scale}`,
    );
  };
  const cases = [[torch.float64, 1e-12], [torch.float32, 1e-5]] as const;
  for (const [dtype, tol] of cases) {
    for (const padding of [1, 0]) {
      test(`a batch equals its samples one by one (${dtype}, padding ${padding})`, () => {
        torch.manual_seed(3);
        const x = torch.randn([5, 8, 26, 30], { dtype })
          .requires_grad_();
        const w = torch.randn([36, 4, 3, 3], { dtype })
          .requires_grad_();
        const b = torch.randn([36], { dtype }).requires_grad_();
        const oh = 26 + 2 * padding - 2, ow = 30 + 2 * padding - 2;
        const r = torch.randn([5, 36, oh, ow], { dtype });
        const y = conv2d(x, w, b, 1, padding, 1, 2);
        y.mul(r).sum().backward();
        const gx = x.grad!, gw = w.grad!, gb = b.grad!;
        x.grad = null;
        w.grad = null;
        b.grad = null;
        const ys: torch.Tensor[] = [];
        for (let n = 0; n < 5; n++) {
          const xn = x.narrow(0, n, 1).detach().requires_grad_();
          const yn = conv2d(xn, w, b, 1, padding, 1, 2);
          yn.mul(r.narrow(0, n, 1)).sum().backward();
          ys.push(yn.detach());
          near(gx.narrow(0, n, 1), xn.grad!, tol);
        }
        near(y.detach(), torch.cat(ys), tol);
        near(gw, w.grad!, tol);
        near(gb, b.grad!, tol);
        if (dtype === torch.float32 && torch.get_num_threads() >= 2) {
          // The helper came up for the batch (else only one thread was compared with itself).
          assert.equal(torch.backends.cpu.info().conv_threads, 2);
        }
      });
    }
  }
});

describe("im2col without padding (CPU, float32)", () => {
  // Without padding and with a column stride of 1, the WebAssembly im2col copies each row as
  // whole vectors that may reach past it, and col2im adds them back with the lanes past the row
  // cleared (wasm_conv.ts, im2colValidCode), in kernels unrolled for the layer's rows up to 256
  // vectors a tap, looped beyond: every row width against the vector, row strides, dilations and
  // groups, forward, input gradient and weight gradient, against the JavaScript im2col
  // (set_simd("off")) of the same products.
  const skip = torch.backends.cpu.info().simd === null
    ? "this runtime has no WebAssembly SIMD"
    : false;
  const geometries: [string, number[], number[], number[], number[], number][] =
    [
      // name, x shape, w shape, stride, dilation, groups
      ["width 1", [2, 3, 5, 5], [4, 3, 5, 5], [1, 1], [1, 1], 1],
      ["widths 2 to 7", [3, 2, 9, 12], [5, 2, 3, 6], [1, 1], [1, 1], 1],
      ["width 8, 1x1 kernel", [2, 4, 3, 8], [3, 4, 1, 1], [1, 1], [1, 1], 1],
      [
        "LeNet's second layer",
        [4, 6, 14, 14],
        [16, 6, 5, 5],
        [1, 1],
        [1, 1],
        1,
      ],
      ["row stride 2", [2, 3, 11, 13], [2, 3, 3, 3], [2, 1], [1, 1], 1],
      ["dilation", [2, 2, 12, 15], [3, 2, 3, 3], [1, 1], [2, 3], 1],
      ["groups", [2, 6, 9, 10], [4, 3, 2, 3], [1, 1], [1, 1], 2],
      // 38 rows of 9 vectors: more than the unrolled kernels take, so the looped ones.
      [
        "rows too many to unroll",
        [1, 2, 40, 36],
        [3, 2, 3, 3],
        [1, 1],
        [1, 1],
        1,
      ],
    ];
  test("the WebAssembly module builds (else both sides would be JavaScript)", {
    skip,
  }, () => {
    assert.equal(torch.backends.cpu.info().im2col, "webassembly");
    torch.backends.cpu.set_simd("off");
    try {
      assert.equal(torch.backends.cpu.info().im2col, "javascript");
    } finally {
      torch.backends.cpu.set_simd("auto");
    }
  });
  for (const [name, xs, ws, stride, dilation, groups] of geometries) {
    test(name, { skip }, () => {
      torch.manual_seed(7);
      const x = torch.randn(xs).requires_grad_();
      const w = torch.randn(ws).requires_grad_();
      const run = () => {
        x.grad = null;
        w.grad = null;
        const y = conv2d(x, w, null, stride, 0, dilation, groups);
        y.mul(y.detach().cos()).sum().backward();
        return [y.detach(), x.grad!, w.grad!];
      };
      try {
        const fast = run();
        torch.backends.cpu.set_simd("off");
        const slow = run();
        fast.forEach((t, i) => {
          assert.deepEqual([...t.shape], [...slow[i].shape]);
          const scale = slow[i].abs().max().item() as number;
          const err = t.sub(slow[i]).abs().max().item() as number;
          assert.ok(
            err <= 1e-5 * scale,
            `${name}[${i}]: error ${err}, scale ${scale}`,
          );
        });
      } finally {
        torch.backends.cpu.set_simd("auto");
      }
    });
  }
});
