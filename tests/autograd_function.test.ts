// torch.autograd.Function: "Learning PyTorch with Examples"'s LegendrePolynomial3
// (examples/legendre_function.ts) against PyTorch's run (tests/fixtures/gen_autograd_function.py),
// and the context's rules.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as torch from "../mod.ts";
import { fit, LegendrePolynomial3 } from "../examples/legendre_function.ts";

const fx = JSON.parse(
  readFileSync(
    new URL("./fixtures/autograd_function.json", import.meta.url),
    "utf8",
  ),
) as {
  torch: string;
  runs: {
    dtype: string;
    losses: [number, number][];
    result: number[];
    grad_fn: string;
  }[];
};

describe(`autograd.Function against PyTorch ${fx.torch}`, () => {
  for (const run of fx.runs) {
    test(
      `LegendrePolynomial3 fits sin(x), ${run.dtype}`,
      { timeout: 120_000 },
      () => {
        const lines: string[] = [];
        const result = fit(
          run.dtype as torch.DTypeName,
          2000,
          (l) => lines.push(l),
        );
        const losses = lines.filter((l) => !l.startsWith("Result")).map((l) =>
          l.split(" ").map(Number)
        );
        assert.equal(losses.length, run.losses.length);
        // float64 agrees to rounding; float32 sums 2000 terms in another order, so to 1e-4.
        const tol = run.dtype === "float64" ? 1e-9 : 1e-4;
        losses.forEach(([t, v], i) => {
          assert.equal(t, run.losses[i][0]);
          assert.ok(
            Math.abs(v - run.losses[i][1]) <= tol * Math.abs(run.losses[i][1]),
            `step ${t}: ${v} vs ${run.losses[i][1]}`,
          );
        });
        result.forEach((v, i) => {
          const want = run.result[i];
          assert.ok(
            Math.abs(v - want) <= tol * Math.max(Math.abs(want), 1e-3),
            `weight ${i}: ${v} vs ${want}`,
          );
        });
        const x = torch.ones(3, {
          requires_grad: true,
          dtype: run.dtype as torch.DTypeName,
        });
        assert.equal(LegendrePolynomial3.apply(x).grad_fn?.name(), run.grad_fn);
      },
    );
  }
});

describe("autograd.Function's context", () => {
  class MulConst extends torch.autograd.Function {
    static override forward(
      ctx: torch.FunctionCtx,
      x: torch.Tensor,
      k: number,
    ) {
      ctx.k = k;
      ctx.flags = [...ctx.needs_input_grad];
      return x.mul(k);
    }
    static override backward(ctx: torch.FunctionCtx, g: torch.Tensor) {
      return [g.mul(ctx.k as number), null];
    }
  }

  test("a non-tensor argument gets null; needs_input_grad says which inputs need one", () => {
    const x = torch.ones(2, { requires_grad: true });
    const y = MulConst.apply(x, 3);
    y.sum().backward();
    assert.deepEqual(x.grad!.tolist(), [3, 3]);
    assert.equal(y.grad_fn?.name(), "MulConstBackward");
  });

  test("no graph without an input that requires grad, or under no_grad", () => {
    assert.equal(MulConst.apply(torch.ones(2), 2).grad_fn, null);
    const x = torch.ones(2, { requires_grad: true });
    assert.equal(torch.no_grad(() => MulConst.apply(x, 2)).grad_fn, null);
  });

  test("a saved tensor changed in place since is PyTorch's error; wrong gradient counts too", () => {
    class Sq extends torch.autograd.Function {
      static override forward(
        ctx: torch.FunctionCtx,
        x: torch.Tensor,
      ) {
        ctx.save_for_backward(x);
        return x.mul(x);
      }
      static override backward(
        ctx: torch.FunctionCtx,
        g: torch.Tensor,
      ) {
        const [x] = ctx.saved_tensors;
        return g.mul(x).mul(2);
      }
    }
    const x = torch.ones(2, { requires_grad: true });
    const h = x.mul(1);
    const y = Sq.apply(h);
    h.add_(1);
    assert.throws(() => y.sum().backward(), /modified by an inplace operation/);

    class TooMany extends torch.autograd.Function {
      static override forward(
        _ctx: torch.FunctionCtx,
        x: torch.Tensor,
      ) {
        return x.clone();
      }
      static override backward(
        _ctx: torch.FunctionCtx,
        g: torch.Tensor,
      ) {
        return [g, g];
      }
    }
    assert.throws(
      () =>
        TooMany.apply(torch.ones(1, { requires_grad: true })).sum().backward(),
      /function TooManyBackward returned an incorrect number of gradients \(expected 1, got 2\)/,
    );
  });

  test("mark_non_differentiable outputs need no gradient", () => {
    class Sort extends torch.autograd.Function {
      static override forward(
        ctx: torch.FunctionCtx,
        x: torch.Tensor,
      ) {
        const [v, i] = x.sort();
        ctx.mark_non_differentiable(i);
        ctx.save_for_backward(i);
        return [v, i];
      }
      static override backward(
        ctx: torch.FunctionCtx,
        g: torch.Tensor,
      ) {
        const [i] = ctx.saved_tensors;
        return torch.zeros_like(g).scatter(0, i, g);
      }
    }
    const x = torch.tensor([3, 1, 2], {
      requires_grad: true,
      dtype: torch.float64,
    });
    const [v, i] = Sort.apply(x) as torch.Tensor[];
    assert.equal(i.requires_grad, false);
    v.mul(torch.tensor([1, 10, 100], { dtype: torch.float64 })).sum()
      .backward();
    assert.deepEqual(x.grad!.tolist(), [100, 1, 10]);
  });
});

describe("hooks", () => {
  test("Tensor.register_hook sees, and may replace, a gradient before it is used; remove() stops it", () => {
    const x = torch.tensor([1, 2, 3], {
      requires_grad: true,
      dtype: torch.float64,
    });
    const seen: number[][] = [];
    const h = x.register_hook((g) => {
      seen.push(g.tolist() as number[]);
      return g.mul(10);
    });
    const y = x.mul(x);
    const mid = y.register_hook((g) => void seen.push(g.tolist() as number[]));
    y.sum().backward();
    // x's own hook saw dy/dx = 2x; the leaf got the replaced gradient.
    assert.deepEqual(seen, [[1, 1, 1], [2, 4, 6]]);
    assert.deepEqual(x.grad!.tolist(), [20, 40, 60]);
    h.remove();
    mid.remove();
    x.grad = null;
    x.mul(x).sum().backward();
    assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
    assert.equal(seen.length, 2);
    assert.throws(
      () => torch.ones(2).register_hook((g) => g),
      /cannot register a hook on a tensor that doesn't require gradient/,
    );
  });

  test("Module.register_forward_pre_hook runs before forward and may replace its input", () => {
    const lin = new torch.nn.Linear(2, 1);
    torch.no_grad(() => {
      lin.weight.fill_(1);
      lin.bias!.fill_(0);
    });
    const calls: string[] = [];
    const pre = lin.register_forward_pre_hook(
      (_m: unknown, input: unknown[]) => {
        calls.push("pre");
        return (input[0] as torch.Tensor).mul(2);
      },
    );
    lin.register_forward_hook(() => void calls.push("post"));
    assert.deepEqual(lin(torch.ones(1, 2)).tolist(), [[4]]);
    assert.deepEqual(calls, ["pre", "post"]);
    pre.remove();
    assert.deepEqual(lin(torch.ones(1, 2)).tolist(), [[2]]);
  });
});

type Enc = { shape: number[]; data: number[] } | Enc[];
const fn = JSON.parse(
  readFileSync(new URL("./fixtures/functional.json", import.meta.url), "utf8"),
) as { torch: string; cases: Record<string, Enc> };

/** Checks a nested result (tensors in arrays) against PyTorch's. */
function same(got: unknown, want: Enc, where: string): void {
  if (Array.isArray(want)) {
    assert.ok(Array.isArray(got), where);
    assert.equal((got as unknown[]).length, want.length, where);
    want.forEach((w, i) => same((got as unknown[])[i], w, `${where}[${i}]`));
    return;
  }
  const t = got as torch.Tensor;
  assert.deepEqual([...t.shape], want.shape, `${where} shape`);
  (t.flatten().tolist() as number[]).forEach((v, i) =>
    assert.ok(
      Math.abs(v - want.data[i]) <= 1e-12 * Math.max(1, Math.abs(want.data[i])),
      `${where}[${i}]: ${v} vs ${want.data[i]}`,
    )
  );
}

describe(`torch.autograd.functional against PyTorch ${fn.torch}`, () => {
  const f64 = torch.float64;
  const x = torch.tensor([0.5, -1.25, 2.0], { dtype: f64 });
  const y = torch.tensor([[1.5, -0.5], [0.25, 2.0]], { dtype: f64 });
  const { jacobian, hessian } = torch.autograd.functional;
  const results: Record<string, unknown> = {
    square: jacobian((t: torch.Tensor) => t.pow(2).mul(3), x),
    matvec: jacobian((a: torch.Tensor, b: torch.Tensor) => a.matmul(b), [
      y,
      x.narrow(0, 0, 2),
    ]),
    two_outputs: jacobian((t: torch.Tensor) => [t.sin(), t.exp().sum()], x),
    hessian_cubic: hessian(
      (t: torch.Tensor) =>
        t.pow(3).sum().add(t.index(0).mul(t.index(1)).mul(t.index(2))),
      x,
    ),
    hessian_two_inputs: hessian(
      (a: torch.Tensor, b: torch.Tensor) => a.matmul(b).tanh().sum(),
      [y, x.narrow(0, 0, 2)],
    ),
  };
  for (const [name, want] of Object.entries(fn.cases)) {
    test(name, () => same(results[name], want, name));
  }

  test("set_detect_anomaly names the backward that returned NaN; inference_mode records nothing", () => {
    const w = torch.zeros(1, { requires_grad: true });
    {
      using _ = torch.autograd.set_detect_anomaly(true);
      assert.equal(torch.is_anomaly_enabled(), true);
      assert.throws(
        () => w.sqrt().mul(0).sum().backward(),
        /Function 'SqrtBackward0' returned nan values in its 0th output\./,
      );
    }
    assert.equal(torch.is_anomaly_enabled(), false);
    w.sqrt().mul(0).sum().backward();
    assert.ok(Number.isNaN((w.grad!.tolist() as number[])[0]));
    assert.equal(torch.inference_mode(() => w.mul(2)).requires_grad, false);
  });
});
