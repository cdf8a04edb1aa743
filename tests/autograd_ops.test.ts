// Gradients of every differentiable op in the table, against real PyTorch: tests/fixtures/grads.json
// (written by tests/fixtures/gen_grads.py, float64) gives d/dx of sum_k (out_k * w_k).sum() for
// each case, and second derivatives (Hessian-vector products) for a handful of ops. Each smooth case
// also passes a float64 finite-difference gradcheck. All of it runs on every device: the CPU, and
// the counting backend (tests/_support/counting_backend.ts), where the inputs are moved there
// before they are marked as requiring grad, so the gradients are the device tensors' own.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { counting } from "./_support/counting_backend.ts";
import {
  assertTensorClose,
  decodeOn,
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

/** Every device the gradients are checked on; the CPU run keeps the plain test names. */
const DEVICES = ["cpu", "counting"] as const;
type Device = (typeof DEVICES)[number];

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

/**
 * The call, its tensors on `device`, with its `wrt` tensors marked as requiring grad; returns the
 * inputs and a runner.
 */
function prepare(c: GradCase, device: Device) {
  const on = device === "cpu" ? undefined : device;
  const decode = (e: Enc) => decodeOn(e, on);
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
  return { inputs, run, decode };
}

function weightedSum(
  outs: torch.Tensor[],
  weights: { t: EncTensor }[],
  decode: (e: Enc) => unknown,
): torch.Tensor {
  assert.equal(outs.length, weights.length, "number of differentiable outputs");
  return outs.map((o, k) => o.mul(decode(weights[k]) as torch.Tensor).sum())
    .reduce((a, b) => a.add(b));
}

/** Gradients against the recorded ones; each must be on `device`, and is read after `.cpu()`. */
function compare(
  got: (torch.Tensor | null)[],
  want: ({ t: EncTensor } | null)[],
  where: string,
  device: Device,
): void {
  want.forEach((w, i) => {
    if (w === null) {
      assert.ok(
        got[i] === null || got[i]!.abs().sum().item() === 0,
        `${where}[${i}]: expected no gradient`,
      );
    } else {
      assert.ok(got[i], `${where}[${i}]: missing gradient`);
      assert.equal(got[i]!.device.type, device, `${where}[${i}]: device`);
      assertTensorClose(got[i]!.cpu(), w.t, `${where}[${i}]`, TOL);
    }
  });
}

/** Calls that name a dtype other than float64 (x.to(float16)): their rounding defeats finite differences. */
const castsDown = (c: GradCase) =>
  [...c.args, ...Object.values(c.kwargs ?? {})].some((a) =>
    a !== null && typeof a === "object" && "dtype" in a && a.dtype !== "float64"
  );
for (const device of DEVICES) {
  const suffix = device === "cpu" ? "" : ` [${device}]`;
  const on = device === "cpu" ? "" : ` on the ${device} device`;
  const register = () => {
    if (device === "cpu") return;
    before(() => torch.backends.register(counting));
    after(() => torch.backends.unregister(device));
  };

  describe(`gradients against PyTorch ${fixture.torch}${on} (${fixture.cases.length} cases)`, () => {
    register();
    for (const c of fixture.cases) {
      test(c.name + suffix, () => {
        const { inputs, run, decode } = prepare(c, device);
        const outs = run();
        if (c.grad_fn && !(c.name in NODE_NAME_DIFFERS)) {
          assert.equal(outs[0].grad_fn?.name(), c.grad_fn, "grad_fn name");
        }
        const loss = weightedSum(outs, c.weights, decode);
        compare(
          torch.autograd.grad(loss, inputs, { allow_unused: true }),
          c.grads,
          c.name,
          device,
        );
      });
    }
  });

  describe(`finite differences (float64 gradcheck on the smooth cases)${on}`, () => {
    register();
    for (
      const c of fixture.cases.filter((c) => !c.convention && !castsDown(c))
    ) {
      test(c.name + suffix, () => {
        const { inputs, run, decode } = prepare(c, device);
        assert.ok(
          torch.autograd.gradcheck(
            () => weightedSum(run(), c.weights, decode),
            inputs,
          ),
        );
      });
    }
  });

  describe(`second derivatives against PyTorch${on} (${fixture.second.length} cases)`, () => {
    register();
    for (const c of fixture.second) {
      test(c.name + suffix, () => {
        const { inputs, run, decode } = prepare(c, device);
        const loss = weightedSum(run(), c.weights, decode);
        const first = torch.autograd.grad(loss, inputs, {
          create_graph: true,
          allow_unused: true,
        });
        compare(first, c.grads, `${c.name} first`, device);
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
          device,
        );
      });
    }
  });
}
