// Gradients of every differentiable op in the table, against real PyTorch: tests/fixtures/grads.json
// (written by tests/fixtures/gen_grads.py, float64) gives d/dx of sum_k (out_k * w_k).sum() for
// each case, and second derivatives (Hessian-vector products) for a handful of ops. Each smooth case
// also passes a float64 finite-difference gradcheck.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decode,
  type Enc,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

type Wrt = number | [number, number] | string;
type GradCase = {
  name: string;
  op: string;
  method?: boolean;
  args: Enc[];
  kwargs?: Record<string, Enc>;
  wrt: Wrt[];
  weights: { t: EncTensor }[];
  grads: ({ t: EncTensor } | null)[];
  grad_fn: string | null;
  convention?: boolean;
  v?: { t: EncTensor }[];
  grads2?: ({ t: EncTensor } | null)[];
};

const fixture = readFixture<
  { torch: string; cases: GradCase[]; second: GradCase[] }
>("grads.json");
const TOL = { rtol: 1e-9, atol: 1e-10, signedZero: false };

/**
 * Cases where our node is named differently from PyTorch 1.13's (the gradients still match):
 * PyTorch picks internal overloads or decompositions that flambeau does not mirror.
 */
const NODE_NAME_DIFFERS: Record<string, string> = {
  "norm/dims_tuple":
    "PyTorch computes a 2-norm over a dim tuple as sqrt(sum(x^2)) (SqrtBackward0)",
  "norm/p1_dtype_kw":
    "norm with dtype is a separate overload in PyTorch (NormBackward3)",
  "matmul/1d_2d":
    "PyTorch's squeeze overload there is squeeze.dims (SqueezeBackward3)",
  "matmul/2d_batched":
    "PyTorch folds the batch into one mm after a contiguous copy (CloneBackward0)",
  "matmul/batched_1d":
    "PyTorch folds the vector into the batch and reshapes (UnsafeViewBackward0)",
  "matmul/1d_batched":
    "PyTorch folds the vector into the batch and reshapes (UnsafeViewBackward0)",
};

/** The call with its `wrt` tensors marked as requiring grad; returns the inputs and a runner. */
function prepare(c: GradCase) {
  const args = c.args.map(decode) as unknown[];
  const kwargs = c.kwargs &&
    Object.fromEntries(
      Object.entries(c.kwargs).map(([k, v]) => [k, decode(v)]),
    );
  const pick = (w: Wrt): torch.Tensor =>
    (typeof w === "string"
      ? kwargs![w]
      : Array.isArray(w)
      ? (args[w[0]] as unknown[])[w[1]]
      : args[w]) as torch.Tensor;
  const inputs = c.wrt.map(pick);
  for (const x of inputs) x.requires_grad_();
  const run = (): torch.Tensor[] => {
    const all = kwargs ? [...args, kwargs] : args;
    const out = c.method
      ? (all[0] as unknown as Record<string, (...a: unknown[]) => unknown>)
        [c.op](...all.slice(1))
      : (torch as unknown as Record<string, (...a: unknown[]) => unknown>)
        [c.op](...all);
    const flat = (Array.isArray(out) ? out : [out]) as torch.Tensor[];
    return flat.filter((t) => t.dtype.is_floating_point);
  };
  return { inputs, run };
}

function weightedSum(
  outs: torch.Tensor[],
  weights: { t: EncTensor }[],
): torch.Tensor {
  assert.equal(outs.length, weights.length, "number of differentiable outputs");
  return outs.map((o, k) => o.mul(decode(weights[k]) as torch.Tensor).sum())
    .reduce((a, b) => a.add(b));
}

function compare(
  got: (torch.Tensor | null)[],
  want: ({ t: EncTensor } | null)[],
  where: string,
): void {
  want.forEach((w, i) => {
    if (w === null) {
      assert.ok(
        got[i] === null || got[i]!.abs().sum().item() === 0,
        `${where}[${i}]: expected no gradient`,
      );
    } else {
      assert.ok(got[i], `${where}[${i}]: missing gradient`);
      assertTensorClose(got[i], w.t, `${where}[${i}]`, TOL);
    }
  });
}

describe(`gradients against PyTorch ${fixture.torch} (${fixture.cases.length} cases)`, () => {
  for (const c of fixture.cases) {
    test(c.name, () => {
      const { inputs, run } = prepare(c);
      const outs = run();
      if (c.grad_fn && !(c.name in NODE_NAME_DIFFERS)) {
        assert.equal(outs[0].grad_fn?.name, c.grad_fn, "grad_fn name");
      }
      const loss = weightedSum(outs, c.weights);
      compare(
        torch.autograd.grad(loss, inputs, { allow_unused: true }),
        c.grads,
        c.name,
      );
    });
  }
});

/** Calls that name a dtype other than float64 (x.to(float16)): their rounding defeats finite differences. */
const castsDown = (c: GradCase) =>
  [...c.args, ...Object.values(c.kwargs ?? {})].some((a) =>
    a !== null && typeof a === "object" && "dtype" in a && a.dtype !== "float64"
  );

describe("finite differences (float64 gradcheck on the smooth cases)", () => {
  for (const c of fixture.cases.filter((c) => !c.convention && !castsDown(c))) {
    test(c.name, () => {
      const { inputs, run } = prepare(c);
      assert.ok(
        torch.autograd.gradcheck(() => weightedSum(run(), c.weights), inputs),
      );
    });
  }
});

describe(`second derivatives against PyTorch (${fixture.second.length} cases)`, () => {
  for (const c of fixture.second) {
    test(c.name, () => {
      const { inputs, run } = prepare(c);
      const loss = weightedSum(run(), c.weights);
      const first = torch.autograd.grad(loss, inputs, {
        create_graph: true,
        allow_unused: true,
      });
      compare(first, c.grads, `${c.name} first`);
      const s = first
        .map((
          g,
          n,
        ) => (g ? g.mul(decode(c.v![n]) as torch.Tensor).sum() : null))
        .filter((t): t is torch.Tensor => t !== null)
        .reduce((a, b) => a.add(b));
      compare(
        torch.autograd.grad(s, inputs, { allow_unused: true }),
        c.grads2!,
        `${c.name} second`,
      );
    });
  }
});
