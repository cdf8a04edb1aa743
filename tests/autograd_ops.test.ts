// Gradients of every differentiable op in the table, against real PyTorch: tests/fixtures/grads.json
// (written by tests/fixtures/gen_grads.py, float64) gives d/dx of sum_k (out_k * w_k).sum() for
// each case, and second derivatives (Hessian-vector products) for a handful of ops. Each smooth case
// also passes a float64 finite-difference gradcheck. All of it runs on every device: the CPU, and
// the counting backend (tests/_support/counting_backend.ts), where the inputs are moved there
// before they are marked as requiring grad, so the gradients are the device tensors' own. On
// WebGPU, which has no float64, the cases run in float32 against the same float64 answers at
// float32's tolerance (no gradcheck there: finite differences need float64).

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
const DEVICES = ["cpu", "counting", "webgpu"] as const;
type Device = (typeof DEVICES)[number];
const GPU = torch.webgpu.is_available();
const GPU_TOL = { rtol: 1e-4, atol: 2e-5, signedZero: false };

/** An encoded value with its float64 tensors and views made float32 (WebGPU has no float64). */
function narrow(e: Enc): Enc {
  if (Array.isArray(e)) return e.map(narrow);
  if (e === null || typeof e !== "object") return e;
  if ("t" in e) {
    return e.t.dtype === "float64" ? { t: { ...e.t, dtype: "float32" } } : e;
  }
  if ("view" in e) {
    const v = e.view;
    return {
      view: {
        ...v,
        base: narrow(v.base) as typeof v.base,
        dtype: v.dtype === "float64" ? "float32" : v.dtype,
      },
    };
  }
  return e;
}

/** The case in float32 for WebGPU, or why it cannot run there (it asks for a float64 result). */
function forGpu(c: GradCase): GradCase | string {
  const named = [...c.args, ...Object.values(c.kwargs ?? {})].some((a) =>
    a !== null && typeof a === "object" && !Array.isArray(a) &&
    "dtype" in a && !("t" in a) && !("view" in a)
  );
  if (named) {
    return "it casts from or to float64, which the float32 run cannot reproduce";
  }
  const n = <T extends Enc>(x: T) => narrow(x) as T;
  return {
    ...c,
    args: c.args.map(n),
    kwargs: c.kwargs &&
      Object.fromEntries(Object.entries(c.kwargs).map(([k, v]) => [k, n(v)])),
    weights: c.weights.map(n),
    grads: c.grads.map((g) => (g ? n(g) : g)),
    v: c.v?.map(n),
    grads2: c.grads2?.map((g) => (g ? n(g) : g)),
  };
}

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
      assertTensorClose(
        got[i]!.cpu(),
        w.t,
        `${where}[${i}]`,
        device === "webgpu" ? GPU_TOL : TOL,
      );
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
    if (device !== "counting") return;
    before(() => torch.backends.register(counting));
    after(() => torch.backends.unregister(device));
  };
  /** The case as this device runs it, or why it is skipped there. */
  const adapt = (c: GradCase): GradCase | string => {
    if (device !== "webgpu") return c;
    return GPU ? forGpu(c) : "no WebGPU adapter here";
  };

  describe(`gradients against PyTorch ${fixture.torch}${on} (${fixture.cases.length} cases)`, () => {
    register();
    for (const original of fixture.cases) {
      const c = adapt(original);
      const skip = typeof c === "string" ? c : false;
      test(original.name + suffix, { skip }, () => {
        if (typeof c === "string") return;
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
    if (device === "webgpu") return; // no float64 there
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
    for (const original of fixture.second) {
      const c = adapt(original);
      const skip = typeof c === "string" ? c : false;
      test(original.name + suffix, { skip }, () => {
        if (typeof c === "string") return;
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
