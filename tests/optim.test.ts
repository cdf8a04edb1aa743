// torch.optim and nn.utils against real PyTorch 1.13 (tests/fixtures/optim.json, written by
// tests/fixtures/gen_optim.py): optimizer trajectories, state_dict round trips, scheduler lr
// sequences and gradient clipping; then the API's behaviour and PyTorch's error messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as torch from "../mod.ts";
import { readFixture } from "./_support/fixtures.ts";

const { nn, optim } = torch;
const { lr_scheduler } = optim;

type Nested = number | Nested[];
type Values = Record<string, Nested>;
type StateEnc = Record<string, { t: Nested; dtype: string } | number | null>;
type Run = {
  name: string;
  optimizer:
    | "SGD"
    | "Adam"
    | "AdamW"
    | "RMSprop"
    | "Adagrad"
    | "Adadelta"
    | "Adamax"
    | "NAdam"
    | "RAdam"
    | "Rprop"
    | "ASGD"
    | "LBFGS";
  options: Record<string, unknown>;
  groups: ({ params: string[] } & Record<string, unknown>)[] | null;
  dtype: "float64" | "float32";
  steps: number;
  lr_change: { step: number; group: number; lr: number } | null;
  losses: number[];
  trajectory: Values[];
  state_dict: {
    after: number;
    state: Record<string, StateEnc>;
    param_groups: Record<string, unknown>[];
  } | null;
  /** The steps (1-based) whose loss and parameters were recorded; null: every step. */
  record: number[] | null;
  /**
   * Per recorded step, how far PyTorch's own trajectory moves (relatively) when every start
   * value is nudged one ulp: how ill-conditioned the run is by then; null for short runs.
   */
  spread: number[] | null;
  /** With a state_dict: PyTorch's own path after the round trip (same indexing as the run's). */
  resumed: { losses: number[]; trajectory: Values[] } | null;
};
type Sched = {
  name: string;
  scheduler: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  optimizer: "SGD" | "Adam";
  lrs: number[][];
  momenta: number[][] | null;
  metrics: number[] | null;
};
type Clip = {
  name: string;
  fn: "clip_grad_norm_" | "clip_grad_value_";
  dtype: "float64" | "float32";
  args: Record<string, number | string>;
  grads: (Nested | null)[];
  total_norm: number | null;
  clipped: (Nested | null)[];
};

const fx = readFixture<{
  torch: string;
  model: { x: Nested; y: Nested; init: Values };
  runs: Run[];
  schedulers: Sched[];
  clip: Clip[];
}>("optim.json");

const NAMES = ["w", "b", "s", "u"];
const TOL = { float64: 1e-10, float32: 1e-5 };

type P = Record<string, torch.Tensor>;

function makeParams(dtype: string, values: Values = fx.model.init): P {
  return Object.fromEntries(
    NAMES.map((k) => [k, new nn.Parameter(torch.tensor(values[k], { dtype }))]),
  );
}

/** The fixture's loss: mean(d*d) + 0.3*sum(tanh(w*s)) + 0.5*(s-0.8)^2 + 0.1*sum(b*b). */
function lossFn(p: P, dtype: string): torch.Tensor {
  const x = torch.tensor(fx.model.x, { dtype });
  const y = torch.tensor(fx.model.y, { dtype });
  const d = x.matmul(p.w).add(p.b).sub(y);
  const t = p.s.sub(0.8);
  return d.mul(d).mean()
    .add(torch.tanh(p.w.mul(p.s)).sum().mul(0.3))
    .add(t.mul(t).mul(0.5))
    .add(p.b.mul(p.b).sum().mul(0.1));
}

function build(run: Run, p: P): torch.optim.Optimizer {
  const Cls = optim[run.optimizer] as unknown as new (
    params: unknown,
    opts: Record<string, unknown>,
  ) => torch.optim.Optimizer;
  const params = run.groups === null
    ? NAMES.map((k) => p[k])
    : run.groups.map((g) => ({ ...g, params: g.params.map((k) => p[k]) }));
  return new Cls(params, run.options);
}

function flat(v: Nested): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v];
}

function close(got: Nested, want: Nested, rtol: number, where: string): void {
  const a = flat(got), b = flat(want);
  assert.equal(a.length, b.length, `${where}: length`);
  b.forEach((w, i) => {
    const ok = Math.abs(a[i] - w) <= rtol * Math.abs(w) + rtol * 1e-3;
    assert.ok(ok, `${where}[${i}]: expected ${w}, got ${a[i]}`);
  });
}

/** One training step as the fixture takes it; returns the loss. */
function trainStep(opt: torch.optim.Optimizer, p: P, dtype: string): number {
  if (opt instanceof optim.LBFGS) {
    // LBFGS calls the closure as often as it needs and returns the first call's loss.
    const loss = opt.step(() => {
      opt.zero_grad();
      const value = lossFn(p, dtype);
      value.backward();
      return value;
    }) as torch.Tensor;
    return loss.item() as number;
  }
  opt.zero_grad();
  const loss = lossFn(p, dtype);
  loss.backward();
  opt.step();
  return loss.item() as number;
}

function checkSteps(
  run: Run,
  opt: torch.optim.Optimizer,
  p: P,
  from: number,
): void {
  const rtol = TOL[run.dtype];
  for (let k = from; k < run.steps; k++) {
    const loss = trainStep(opt, p, run.dtype);
    const at = run.record ? run.record.indexOf(k + 1) : k;
    if (at >= 0) {
      // Over a long run, rounding differences of one ulp in a gradient (summation order, say)
      // grow wherever the run is ill-conditioned (NAdam here: PyTorch's own path moves by 5e-3
      // after 80 steps when its start moves one ulp). Equal means: within TOL, or within 100
      // times the drift PyTorch's path shows by then.
      const drift = run.spread
        ? Math.max(...run.spread.slice(0, at + 1)) * 100
        : 0;
      const tol = Math.max(rtol, drift);
      close(loss, run.losses[at], tol, `${run.name} loss ${k}`);
      for (const n of NAMES) {
        close(
          p[n].tolist() as Nested,
          run.trajectory[at][n],
          tol,
          `${run.name} step ${k + 1} ${n}`,
        );
      }
    }
    const c = run.lr_change;
    if (c && k + 1 === c.step) opt.param_groups[c.group].lr = c.lr;
  }
}

describe(`optimizer trajectories match PyTorch ${fx.torch}`, () => {
  for (const run of fx.runs) {
    test(`${run.name} (${run.dtype})`, () => {
      const p = makeParams(run.dtype);
      checkSteps(run, build(run, p), p, 0);
      assert.equal(p.u.grad, null, "an unused parameter never gets a gradient");
    });
  }
});

describe("optimizer state_dict", () => {
  for (const run of fx.runs.filter((r) => r.state_dict !== null)) {
    test(`${run.name}: PyTorch's layout after 2 steps, and a round trip continues the same path`, () => {
      const sd0 = run.state_dict!;
      const p = makeParams(run.dtype);
      const opt = build(run, p);
      for (let k = 0; k < sd0.after; k++) trainStep(opt, p, run.dtype);
      const sd = opt.state_dict();
      assert.deepEqual(
        sd.param_groups.map((g) => ({ ...g })),
        sd0.param_groups,
      );
      assert.deepEqual(
        Object.keys(sd.state).sort(),
        Object.keys(sd0.state).sort(),
      );
      for (const [i, want] of Object.entries(sd0.state)) {
        const got = sd.state[Number(i)];
        assert.deepEqual(
          Object.keys(got).sort(),
          Object.keys(want).sort(),
          `state ${i} keys`,
        );
        for (const [key, w] of Object.entries(want)) {
          const g = got[key];
          if (w === null || typeof w === "number") {
            assert.equal(g, w, `state ${i}.${key}`);
          } else {
            assert.ok(g instanceof torch.Tensor.prototype.constructor);
            const t = g as torch.Tensor;
            assert.equal(t.dtype.name, w.dtype, `state ${i}.${key} dtype`);
            close(t.tolist() as Nested, w.t, TOL.float64, `state ${i}.${key}`);
          }
        }
      }
      // A fresh optimizer over fresh parameters holding the same values takes the saved state.
      const values = Object.fromEntries(
        NAMES.map((n) => [n, p[n].tolist() as Nested]),
      );
      const p2 = makeParams(run.dtype, values);
      const opt2 = build({ ...run, options: { ...run.options, lr: 123 } }, p2);
      opt2.load_state_dict(sd);
      assert.equal(opt2.param_groups[0].lr, sd.param_groups[0].lr);
      assert.ok(
        opt2.param_groups[0].params[0] === p2[run.groups?.[0].params[0] ?? "w"],
      );
      // PyTorch's load_state_dict casts float32 state (NAdam's mu_product) to the parameters'
      // dtype, so the fixture's resumed path is PyTorch's own after the same round trip.
      checkSteps({ ...run, ...run.resumed }, opt2, p2, sd0.after);
      // The loaded state is a copy: the first optimizer's state did not move.
      const first = [...opt.state.values()][0];
      const loaded = [...opt2.state.values()][0];
      const key = Object.keys(first).find((k) =>
        first[k] instanceof torch.Tensor.prototype.constructor && k !== "step"
      );
      if (key) assert.notEqual(first[key], loaded[key]);
    });
  }
});

const LAMBDAS: Record<string, (e: number) => number> = {
  pow095: (e) => 0.95 ** e,
  inv: (e) => 1 / (e + 1),
  cyc: (e) => 0.5 * ((e % 3) + 1),
};

type AnySched = { step(m?: number): void; get_last_lr(): number[] };

function schedSetup(s: Sched): { opt: torch.optim.Optimizer; sched: AnySched } {
  const p = makeParams("float64");
  const groups = [{ params: [p.w] }, { params: [p.b], lr: 0.05 }];
  const opt = s.optimizer === "SGD"
    ? new optim.SGD(groups, { lr: 0.1, momentum: 0.9 })
    : new optim.Adam(groups, { lr: 0.1 });
  type Spec = {
    scheduler: string;
    args?: unknown[];
    kwargs?: Record<string, unknown>;
  };
  const classOf = (name: string) =>
    lr_scheduler[name as keyof typeof lr_scheduler] as unknown as new (
      ...a: unknown[]
    ) => AnySched;
  const real = (a: unknown): unknown =>
    typeof a === "string" && a in LAMBDAS
      ? LAMBDAS[a]
      : Array.isArray(a) && typeof a[0] === "string"
      ? a.map((x) => LAMBDAS[x])
      // SequentialLR's and ChainedScheduler's schedulers, built in order on the same optimizer.
      : Array.isArray(a) && typeof a[0] === "object" && a[0] !== null &&
          "scheduler" in a[0]
      ? (a as Spec[]).map((x) =>
        make(x.scheduler, x.args ?? [], x.kwargs ?? {})
      )
      : a;
  // The call PyTorch made, `cls(opt, *args, **kwargs)`, is `new cls(opt, ...args, kwargs)` here.
  const make = (
    name: string,
    args: unknown[],
    kwargs: Record<string, unknown>,
  ): AnySched => {
    const kw = Object.fromEntries(
      Object.entries(kwargs).map(([k, v]) => [k, real(v)]),
    );
    const Cls = classOf(name);
    return name === "ChainedScheduler"
      ? new Cls(...args.map(real))
      : new Cls(opt, ...args.map(real), kw);
  };
  const sched = make(s.scheduler, s.args, s.kwargs);
  return { opt, sched };
}

const momenta = (opt: torch.optim.Optimizer) =>
  opt.param_groups.map((g) =>
    "betas" in g ? (g.betas as number[])[0] : g.momentum as number
  );

describe("schedulers take PyTorch's parameters positionally or by name (issue 11)", () => {
  const groups = () => {
    const p = makeParams("float64");
    return new optim.SGD([{ params: [p.w] }, { params: [p.b], lr: 0.05 }], {
      lr: 0.1,
      momentum: 0.9,
    });
  };
  // Written out as a user types them, so that `deno check` sees each form.
  const calls: [string, (opt: torch.optim.Optimizer) => AnySched][] = [
    [
      "StepLR by name",
      (o) =>
        new lr_scheduler.StepLR(o, { step_size: 2, gamma: 0.5 }) as AnySched,
    ],
    [
      "StepLR 2 gamma by name",
      (o) => new lr_scheduler.StepLR(o, 2, { gamma: 0.5 }) as AnySched,
    ],
    [
      "MultiStepLR gamma by name",
      (o) =>
        new lr_scheduler.MultiStepLR(o, [1, 2], { gamma: 0.5 }) as AnySched,
    ],
    [
      "ExponentialLR gamma by name",
      (o) => new lr_scheduler.ExponentialLR(o, { gamma: 0.5 }) as AnySched,
    ],
    [
      "CosineAnnealingLR eta_min by name",
      (o) =>
        new lr_scheduler.CosineAnnealingLR(o, 4, { eta_min: 0.1 }) as AnySched,
    ],
    [
      "StepLR all positional",
      (o) => new lr_scheduler.StepLR(o, 2, 0.5, -1, false) as AnySched,
    ],
  ];
  for (const [name, make] of calls) {
    test(name, () => {
      const want = fx.schedulers.find((s) => s.name === name)!;
      const opt = groups();
      const sched = make(opt);
      const lrs = [opt.param_groups.map((g) => g.lr)];
      for (let k = 1; k < want.lrs.length; k++) {
        opt.step();
        sched.step();
        lrs.push(opt.param_groups.map((g) => g.lr));
      }
      close(lrs, want.lrs, 1e-12, name);
    });
  }
  test("a misspelt option is PyTorch's TypeError, not a silent default", () => {
    assert.throws(
      // @ts-expect-error: `gama` is not a parameter of StepLR
      () => new lr_scheduler.StepLR(groups(), 2, { gama: 0.5 }),
      {
        name: "TypeError",
        message: "StepLR.__init__() got an unexpected keyword argument 'gama'",
      },
    );
    assert.throws(
      // @ts-expect-error: gamma is a number
      () => new lr_scheduler.ExponentialLR(groups(), { gamma: "0.5" }),
      {
        name: "TypeError",
        message:
          "ExponentialLR.__init__(): argument 'gamma' (position 2) must be float, not str",
      },
    );
  });
});

describe(`lr schedulers match PyTorch ${fx.torch}`, () => {
  for (const s of fx.schedulers) {
    test(s.name, () => {
      const { opt, sched } = schedSetup(s);
      close(
        opt.param_groups.map((g) => g.lr),
        s.lrs[0],
        1e-12,
        `${s.name} initial`,
      );
      for (let k = 0; k < s.lrs.length - 1; k++) {
        opt.step();
        if (s.metrics) sched.step(s.metrics[k]);
        else sched.step();
        const lrs = opt.param_groups.map((g) => g.lr);
        close(lrs, s.lrs[k + 1], 1e-12, `${s.name} step ${k + 1}`);
        assert.deepEqual(sched.get_last_lr(), lrs);
        if (s.momenta) {
          close(
            momenta(opt),
            s.momenta[k + 1],
            1e-12,
            `${s.name} momentum ${k + 1}`,
          );
        }
      }
    });
  }

  test("state_dict round trip: a fresh scheduler resumes the sequence", () => {
    for (const s of fx.schedulers) {
      const { opt, sched } = schedSetup(s);
      const cut = 11;
      for (let k = 0; k < cut; k++) {
        opt.step();
        if (s.metrics) sched.step(s.metrics[k]);
        else sched.step();
      }
      const osd = opt.state_dict();
      const ssd =
        (sched as unknown as { state_dict(): Record<string, unknown> })
          .state_dict();
      assert.ok(!("optimizer" in ssd));
      const fresh = schedSetup(s);
      fresh.opt.load_state_dict(osd);
      (fresh.sched as unknown as {
        load_state_dict(sd: Record<string, unknown>): void;
      }).load_state_dict(ssd);
      for (let k = cut; k < s.lrs.length - 1; k++) {
        fresh.opt.step();
        if (s.metrics) fresh.sched.step(s.metrics[k]);
        else fresh.sched.step();
        close(
          fresh.opt.param_groups.map((g) => g.lr),
          s.lrs[k + 1],
          1e-12,
          `${s.name} resumed ${k + 1}`,
        );
      }
    }
  });
});

function clipParams(c: Clip): torch.Tensor[] {
  return c.grads.map((g) => {
    const p = new nn.Parameter(
      torch.zeros_like(torch.tensor(g ?? [0], { dtype: c.dtype })),
    );
    if (g !== null) p.grad = torch.tensor(g, { dtype: c.dtype });
    return p;
  });
}

describe(`nn.utils gradient clipping matches PyTorch ${fx.torch}`, () => {
  for (const c of fx.clip) {
    test(c.name, () => {
      const ps = clipParams(c);
      const rtol = TOL[c.dtype];
      if (c.fn === "clip_grad_norm_") {
        const norm_type = c.args.norm_type === "inf"
          ? Infinity
          : c.args.norm_type as number;
        const total = nn.utils.clip_grad_norm_(
          ps,
          c.args.max_norm as number,
          norm_type,
        );
        assert.equal(total.dtype.name, c.dtype);
        close(total.item() as number, c.total_norm!, rtol, "total_norm");
      } else nn.utils.clip_grad_value_(ps, c.args.clip_value as number);
      ps.forEach((p, i) => {
        const want = c.clipped[i];
        if (want === null) assert.equal(p.grad, null);
        else {close(
            p.grad!.tolist() as Nested,
            want,
            rtol,
            `${c.name} grad ${i}`,
          );}
      });
    });
  }

  test("error_if_nonfinite, no gradients, a single tensor", () => {
    const p = new nn.Parameter(torch.tensor([1, 2], { dtype: torch.float64 }));
    p.grad = torch.tensor([Infinity, 1], { dtype: torch.float64 });
    assert.throws(
      () => nn.utils.clip_grad_norm_([p], 1, 2, true),
      /The total norm of order 2\.0 for gradients from `parameters` is non-finite/,
    );
    const q = new nn.Parameter(torch.tensor([1, 2], { dtype: torch.float32 }));
    const none = nn.utils.clip_grad_norm_([q], 1);
    assert.equal(none.item(), 0);
    assert.equal(none.dtype, torch.float32);
    q.grad = torch.tensor([3, 4], { dtype: torch.float32 });
    const total = nn.utils.clip_grad_norm_(q, 1);
    assert.ok(Math.abs((total.item() as number) - 5) < 1e-6);
    close(q.grad.tolist() as Nested, [0.6, 0.8], 1e-5, "single tensor");
  });

  test("parameters_to_vector and vector_to_parameters", () => {
    const a = new nn.Parameter(
      torch.tensor([[1, 2], [3, 4]], { dtype: torch.float64 }),
    );
    const b = new nn.Parameter(torch.tensor([5, 6], { dtype: torch.float64 }));
    const v = nn.utils.parameters_to_vector([a, b]);
    assert.deepEqual(v.tolist(), [1, 2, 3, 4, 5, 6]);
    nn.utils.vector_to_parameters(v.mul(10), [a, b]);
    assert.deepEqual(a.tolist(), [[10, 20], [30, 40]]);
    assert.deepEqual(b.tolist(), [50, 60]);
    assert.ok(a instanceof nn.Parameter && a.requires_grad);
  });
});

function f64Param(data: torch.NestedList): torch.Tensor {
  return new nn.Parameter(torch.tensor(data, { dtype: torch.float64 }));
}

describe("Optimizer API", () => {
  test("zero_grad zeroes by default (1.13) and drops grads with set_to_none", () => {
    const p = f64Param([1, 2]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    p.mul(p).sum().backward();
    const g = p.grad!;
    opt.zero_grad();
    assert.equal(p.grad, g, "the same tensor, zeroed");
    assert.deepEqual(g.tolist(), [0, 0]);
    opt.zero_grad({ set_to_none: true });
    assert.equal(p.grad, null);
  });

  test("step(closure) returns the closure's loss, computed with grad enabled", () => {
    const p = f64Param([1, 2]);
    const opt = new optim.SGD([p], { lr: 0.1 });
    const loss = torch.no_grad(() =>
      opt.step(() => {
        opt.zero_grad();
        const l = p.mul(p).sum();
        l.backward();
        return l;
      })
    );
    assert.equal((loss as torch.Tensor).item(), 5);
    assert.deepEqual(p.tolist(), [0.8, 1.6]);
    assert.equal(p.requires_grad, true);
    assert.equal(p.grad_fn, null, "the update is not recorded");
  });

  test("groups take the defaults they do not set; add_param_group; lr changes take effect", () => {
    const a = f64Param([1]), b = f64Param([1]), c = f64Param([1]);
    const opt = new optim.SGD([{ params: [a] }, { params: b, lr: 0.5 }], {
      lr: 0.1,
      momentum: 0.9,
    });
    assert.equal(opt.param_groups[0].lr, 0.1);
    assert.equal(opt.param_groups[1].lr, 0.5);
    assert.equal(opt.param_groups[1].momentum, 0.9);
    opt.add_param_group({ params: [c], momentum: 0 });
    assert.equal(opt.param_groups.length, 3);
    assert.equal(opt.param_groups[2].lr, 0.1);
    opt.param_groups[0].lr = 1;
    for (const p of [a, b, c]) {
      p.grad = torch.tensor([1], { dtype: torch.float64 });
    }
    opt.step();
    assert.deepEqual([a.tolist(), b.tolist(), c.tolist()], [[0], [0.5], [0.9]]);
    assert.ok(
      opt.state.get(a)!.momentum_buffer instanceof
        torch.Tensor.prototype.constructor,
    );
    assert.equal(opt.state.get(c)!.momentum_buffer, null);
  });

  test("PyTorch's repr", () => {
    const opt = new optim.SGD([f64Param([1])], { lr: 0.1 });
    assert.equal(
      `${opt}`,
      "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: None\n    lr: 0.1\n    maximize: False\n    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)",
    );
    // Adam's, as PyTorch 1.13 prints it (eps with Python's two-digit exponent); the REPL and
    // console.log show the same repr rather than a dump of every weight.
    const adam = new optim.Adam([f64Param([1])]);
    const repr =
      "Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    capturable: False\n    differentiable: False\n    eps: 1e-08\n    foreach: None\n    fused: False\n    lr: 0.001\n    maximize: False\n    weight_decay: 0\n)";
    assert.equal(`${adam}`, repr);
    assert.equal(inspect(adam), repr);
  });

  test("parameters from a Module's generator", () => {
    class Net extends nn.Module {
      w = f64Param([1, 2]);
      forward() {
        return this.w.mul(this.w).sum();
      }
    }
    const net = new Net();
    const opt = new optim.Adam(net.parameters(), { lr: 0.1 });
    (net() as torch.Tensor).backward();
    opt.step();
    close(
      net.w.tolist() as Nested,
      [0.9, 1.9],
      1e-8,
      "adam first step is lr * sign",
    );
  });
});

describe("PyTorch's errors", () => {
  const p = () => f64Param([1]);
  const cases: [string, () => unknown, RegExp][] = [
    [
      "empty parameter list",
      () => new optim.SGD([], { lr: 0.1 }),
      /^ValueError: optimizer got an empty parameter list$/,
    ],
    [
      "negative lr",
      () => new optim.SGD([p()], { lr: -1 }),
      /Invalid learning rate: -1$/,
    ],
    [
      "Adam negative lr",
      () => new optim.Adam([p()], { lr: -1 }),
      /Invalid learning rate: -1$/,
    ],
    [
      "Adam beta",
      () => new optim.Adam([p()], { betas: [1, 0.9] }),
      /Invalid beta parameter at index 0: 1$/,
    ],
    [
      "RMSprop alpha",
      () => new optim.RMSprop([p()], { alpha: -0.5 }),
      /Invalid alpha value: -0.5$/,
    ],
    [
      "Adagrad lr_decay",
      () => new optim.Adagrad([p()], { lr_decay: -1 }),
      /Invalid lr_decay value: -1$/,
    ],
    [
      "Adadelta rho",
      () => new optim.Adadelta([p()], { rho: 1.5 }),
      /^ValueError: Invalid rho value: 1.5$/,
    ],
    [
      "Adamax beta",
      () => new optim.Adamax([p()], { betas: [0.9, 1] }),
      /^ValueError: Invalid beta parameter at index 1: 1$/,
    ],
    [
      "NAdam momentum_decay",
      () => new optim.NAdam([p()], { momentum_decay: -0.1 }),
      /^ValueError: Invalid momentum_decay value: -0.1$/,
    ],
    [
      "RAdam eps",
      () => new optim.RAdam([p()], { eps: -1 }),
      /^ValueError: Invalid epsilon value: -1$/,
    ],
    [
      "Rprop etas",
      () => new optim.Rprop([p()], { etas: [1.5, 0.5] }),
      /^ValueError: Invalid eta values: 1.5, 0.5$/,
    ],
    [
      "ASGD weight_decay",
      () => new optim.ASGD([p()], { weight_decay: -1 }),
      /^ValueError: Invalid weight_decay value: -1$/,
    ],
    [
      "SparseAdam with the dense gradients every tensor here has",
      () => {
        const w = p();
        const opt = new optim.SparseAdam([w]);
        w.mul(w).sum().backward();
        opt.step();
      },
      /^RuntimeError: SparseAdam does not support dense gradients, please consider Adam instead$/,
    ],
    [
      "LBFGS with two groups",
      () => new optim.LBFGS([{ params: [p()] }, { params: [p()] }]),
      /^ValueError: LBFGS doesn't support per-parameter options \(parameter groups\)$/,
    ],
    [
      "LBFGS.step without its closure",
      () => (new optim.LBFGS([p()]).step as () => unknown)(),
      /^TypeError: .*step\(\) missing 1 required positional argument: 'closure'/,
    ],
    [
      "LBFGS with another line search",
      () => {
        const w = p();
        const opt = new optim.LBFGS([w], { line_search_fn: "backtracking" });
        return opt.step(() => {
          opt.zero_grad();
          const loss = w.mul(w).sum();
          loss.backward();
          return loss;
        });
      },
      /only 'strong_wolfe' is supported/,
    ],
    [
      "a misspelt optimizer option",
      () => new optim.NAdam([p()], { momentum_decy: 0.1 } as never),
      /^TypeError: .*unexpected keyword argument 'momentum_decy'/,
    ],
    [
      "SGD without lr",
      () => new optim.SGD([p()]),
      /parameter group didn't specify a value of required optimization parameter lr/,
    ],
    [
      "nesterov",
      () => new optim.SGD([p()], { lr: 0.1, nesterov: true }),
      /Nesterov momentum requires a momentum and zero dampening/,
    ],
    [
      "a parameter in two groups",
      () => {
        const q = p();
        return new optim.SGD([{ params: [q] }, { params: [q] }], { lr: 0.1 });
      },
      /some parameters appear in more than one parameter group/,
    ],
    [
      "a non-leaf",
      () => new optim.SGD([p().mul(2)], { lr: 0.1 }),
      /can't optimize a non-leaf Tensor/,
    ],
    [
      "a tensor as params",
      () => new optim.SGD(p() as unknown as torch.Tensor[], { lr: 0.1 }),
      /should be an iterable of Tensors or dicts/,
    ],
    [
      "load_state_dict group count",
      () => {
        const opt = new optim.SGD([p()], { lr: 0.1 });
        opt.load_state_dict({ state: {}, param_groups: [] });
      },
      /loaded state dict has a different number of parameter groups/,
    ],
    [
      "OneCycleLR steps",
      () => {
        const opt = new optim.SGD([p()], { lr: 0.1, momentum: 0.9 });
        const s = new lr_scheduler.OneCycleLR(opt, 1, { total_steps: 2 });
        opt.step();
        for (let i = 0; i < 3; i++) s.step();
      },
      /Tried to step 4 times. The specified number of total steps is 2/,
    ],
    [
      "OneCycleLR momentum",
      () =>
        new lr_scheduler.OneCycleLR(new optim.Adagrad([p()]), 1, {
          total_steps: 5,
        }),
      /optimizer must support momentum with `cycle_momentum` option enabled/,
    ],
    [
      "ReduceLROnPlateau factor",
      () =>
        new lr_scheduler.ReduceLROnPlateau(new optim.SGD([p()], { lr: 0.1 }), {
          factor: 1,
        }),
      /Factor should be < 1.0./,
    ],
    [
      "resuming without initial_lr",
      () =>
        new lr_scheduler.StepLR(new optim.SGD([p()], { lr: 0.1 }), 3, 0.1, {
          last_epoch: 5,
        }),
      /param 'initial_lr' is not specified in param_groups\[0\] when resuming an optimizer/,
    ],
  ];
  for (const [name, fn, re] of cases) {
    test(name, () => {
      assert.throws(
        fn,
        (e: Error) => re.test(`${e.name}: ${e.message}`) || re.test(e.message),
      );
    });
  }
});
