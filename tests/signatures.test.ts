// One table-driven test over every public callable: each must carry a declared Python signature
// (src/signature.ts), and each is called from that declaration positionally, by name, and split
// between the two, with the same outcome every way; an unknown or doubled keyword is PyTorch's
// TypeError. The calls are generated from the signatures, so a new op is covered without a test.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import * as torch from "../mod.ts";
import { type Param, type Signature, signatureOf } from "../src/signature.ts";
import { removeSampleFiles, samples } from "./_support/signature_samples.ts";

// deno-lint-ignore no-explicit-any
type Fn = (...args: any[]) => any;
interface Callable {
  path: string;
  fn: Fn;
  /** For a method: its name (`self` is a tensor, or an instance of `owner`). */
  method?: string;
  /** For a class's method: the class's own callable. */
  owner?: Callable;
}

/** Where binding is not applicable, with the reason; each shows as a skipped test. */
const NOT_BOUND: Record<string, string> = {
  "torch.Tensor":
    "PyTorch's legacy constructor: Tensor(2, 3) is a shape and Tensor([2, 3]) data, one *args of mixed meaning",
  "torch.FloatTensor": "legacy constructor (see torch.Tensor)",
  "torch.DoubleTensor": "legacy constructor (see torch.Tensor)",
  "torch.HalfTensor": "legacy constructor (see torch.Tensor)",
  "torch.LongTensor": "legacy constructor (see torch.Tensor)",
  "torch.IntTensor": "legacy constructor (see torch.Tensor)",
  "torch.ShortTensor": "legacy constructor (see torch.Tensor)",
  "torch.CharTensor": "legacy constructor (see torch.Tensor)",
  "torch.ByteTensor": "legacy constructor (see torch.Tensor)",
  "torch.BoolTensor": "legacy constructor (see torch.Tensor)",
  "torch.BFloat16Tensor": "legacy constructor (see torch.Tensor)",
  "torch.Device":
    "the class of what torch.device() returns (flambeau's name for it: the value torch.device is the parser)",
  "torch.FInfo":
    "the class of what torch.finfo() returns; built by torch.finfo, not by users",
  "torch.IInfo":
    "the class of what torch.iinfo() returns; built by torch.iinfo, not by users",
  "torch.dtype":
    "a type whose instances are the constants torch.float32, ...; not constructed by users",
  "torch.autograd.Function":
    "a base class users subclass with static forward/backward; its apply takes the subclass's forward arguments",
  "torch.autograd.FunctionCtx":
    "the ctx that Function.apply builds and hands to forward and backward; not constructed by users",
  "torch.NDArray":
    "the class of what t.numpy() and npy.load return (NumPy's ndarray); built by the library from a tensor's memory",
  "torch.Size":
    "an Array subclass: Array's own methods (map, slice) construct it with Array's arguments",
  "torch.RuntimeError": "an exception class, constructed as JavaScript's Error",
  "torch.Complex":
    "Python's builtin complex number (1+2j) as a JavaScript class: new Complex(real, imag)",
  "torch.linalg.LinAlgError":
    "an exception class, constructed as JavaScript's Error",
  "torch.IndexError": "an exception class, constructed as JavaScript's Error",
  "torch.ValueError": "an exception class, constructed as JavaScript's Error",
  "torch.nn._ConvNd":
    "a private base class, constructed only by Conv1d/Conv2d/ConvTranspose2d with internal arguments",
  "torch.nn._BatchNorm":
    "a private base class, constructed only by BatchNorm1d/BatchNorm2d",
  "Tensor.toString": "JavaScript's string conversion, called by the runtime",
  "torch.nn.Module#toString":
    "JavaScript's string conversion, called by the runtime (print shows the repr)",
  "torch.optim.Optimizer#toString":
    "JavaScript's string conversion, called by the runtime",
  "torch.nn.RNNBase":
    "the base class of RNN/LSTM/GRU, constructed only by them with a mode (not exported)",
  "torch.nn.RNNCellBase":
    "the base class of the three cells, constructed only by them (not exported)",
  "torch.nn.utils.rnn.PackedSequence#toString":
    "JavaScript's string conversion, called by the runtime",
  "torch.nn.utils.rnn.PackedSequence#withData":
    "TypeScript-private helper of to/float/double/cpu",
  "torch.nn.Module#legacyString": "TypeScript-private helper of the repr",
  "torch.vision.Image#toString":
    "JavaScript's string conversion, called by the runtime",
  "torch.vision.transforms.Compose#toString":
    "JavaScript's string conversion, called by the runtime",
  "torch.vision.transforms.TransformBase#toString":
    "JavaScript's string conversion, called by the runtime",
  "torch.nn.Module#modernString": "TypeScript-private helper of the repr",
  "torch.nn.Module#namedMembers":
    "TypeScript-private helper of named_parameters and named_buffers",
  "torch.optim.Adagrad#initState":
    "TypeScript-private helper of the constructor",
  "torch.optim.lr_scheduler.OneCycleLR#anneal":
    "TypeScript-private helper of get_lr",
  "torch.Generator#next_u32":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
  "torch.Generator#random53":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
  "torch.Generator#random64":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
  "torch.Generator#uniform_f32":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
  "torch.Generator#uniform_f64":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
  "torch.Generator#normal_double":
    "a per-element draw of the engine, called in the random kernels' inner loops; PyTorch's Generator has no such method",
};

/** Results that differ from call to call by design: only success is compared. */
const VOLATILE = new Set(["torch.seed", "torch.Generator#seed"]);

// ---------------------------------------------------------------------------------------------
// The public surface.

function isNamespace(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== "object") return false;
  // A module namespace (`export * as nn`) or a plain object of functions (`torch.autograd`).
  if (Object.prototype.toString.call(v) === "[object Module]") return true;
  const proto = Object.getPrototypeOf(v);
  return proto === null || proto === Object.prototype;
}

function publicCallables(): Callable[] {
  const out: Callable[] = [];
  const seen = new Set<unknown>();
  const visit = (path: string, ns: Record<string, unknown>) => {
    for (const [k, v] of Object.entries(ns)) {
      if (typeof v === "function") {
        out.push({ path: `${path}.${k}`, fn: v as Fn });
      } else if (isNamespace(v) && !seen.has(v)) {
        seen.add(v);
        visit(`${path}.${k}`, v);
      }
    }
  };
  visit("torch", torch as unknown as Record<string, unknown>);
  const tensorProto = Object.getPrototypeOf(torch.zeros(1));
  const methods = (proto: object) =>
    Object.getOwnPropertyNames(proto).sort().filter((name) => {
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      return name !== "constructor" && !name.startsWith("_") &&
        typeof d.value === "function";
    });
  for (const name of methods(tensorProto)) {
    out.push({ path: `Tensor.${name}`, fn: tensorProto[name], method: name });
  }
  // The methods of every public class, each once (under the first class that has it).
  const seenMethods = new Set<unknown>();
  for (const c of [...out]) {
    if (!signatureOf(c.fn)?.isClass) continue;
    for (
      let proto = c.fn.prototype;
      proto && proto !== Object.prototype && proto !== tensorProto;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const name of methods(proto)) {
        const fn = proto[name];
        if (seenMethods.has(fn)) continue;
        seenMethods.add(fn);
        const ns = c.path.slice(0, c.path.lastIndexOf("."));
        out.push({
          path: `${ns}.${proto.constructor.name}#${name}`,
          fn,
          method: name,
          owner: c,
        });
      }
    }
  }
  return out;
}

const callables = publicCallables();
after(removeSampleFiles);

// ---------------------------------------------------------------------------------------------
// The calls.

type Form = { label: string; args: unknown[] };

/** The call forms of one overload: all positional, all by name, and split (where Python allows). */
function forms(params: Param[], values: Map<string, unknown>): Form[] {
  const positional = params.filter((p) => p.kind === "positional");
  const varParam = params.find((p) => p.kind === "var");
  const keyword = params.filter((p) =>
    p.kind === "keyword" && values.has(p.name)
  );
  const kw = (ps: Param[]) =>
    Object.fromEntries(ps.map((p) => [p.name, values.get(p.name)]));
  const withKw = (args: unknown[], ps: Param[]) =>
    ps.length > 0 ? [...args, kw(ps)] : args;
  let last = -1;
  positional.forEach((p, i) => {
    if (values.has(p.name)) last = i;
  });
  const pos = positional.slice(0, last + 1).map((p) => values.get(p.name));
  const out: Form[] = [];
  if (varParam) {
    out.push({
      label: "positional",
      args: withKw(
        [...pos, ...(values.get(varParam.name) as unknown[])],
        keyword,
      ),
    });
    return out;
  }
  out.push({ label: "positional", args: withKw(pos, keyword) });
  const given = positional.filter((p) => values.has(p.name));
  // By name from position k on, for every k.
  for (let k = 0; k < positional.length; k++) {
    if (positional.slice(0, k).some((p) => !values.has(p.name))) break;
    const named = positional.slice(k).filter((p) => values.has(p.name));
    if (named.length === 0) break;
    out.push({
      label: k === 0 ? "by name" : `first ${k} positional, the rest by name`,
      args: [...pos.slice(0, k), kw([...named, ...keyword])],
    });
  }
  if (given.length === 0 && keyword.length === 0) {
    out.push({ label: "empty options", args: [{}] });
  }
  return out;
}

interface Target {
  call(args: unknown[], self: unknown): unknown;
  /** The parameters the caller gives (a method's tensor is `self`). */
  params(overload: Param[]): Param[];
}

/** A fresh instance of a class, built from its declaration's positional call. */
function instanceOf(c: Callable): unknown {
  const sig = signatureOf(c.fn)!;
  const overload = sig.overloads[0];
  const args = forms(overload, samples(c.path, overload))[0].args;
  return new (c.fn as unknown as new (...a: unknown[]) => unknown)(...args);
}

function targetOf(c: Callable, sig: Signature): Target {
  if (c.owner) {
    const owner = c.owner;
    return {
      call: (args) =>
        (instanceOf(owner) as Record<string, Fn>)[c.method!](...args),
      params: (ps) => ps.slice(1),
    };
  }
  if (c.method) {
    return {
      call: (args, self) => (self as Record<string, Fn>)[c.method!](...args),
      params: (ps) => ps.slice(1),
    };
  }
  if (sig.isClass) {
    return {
      call: (args) =>
        new (c.fn as unknown as new (...a: unknown[]) => unknown)(...args),
      params: (ps) => ps,
    };
  }
  return { call: (args) => c.fn(...args), params: (ps) => ps };
}

/** A comparable picture of a result: tensors by dtype, shape and values; objects by their fields. */
function picture(v: unknown, depth = 0): unknown {
  if (v instanceof torch.Tensor) {
    return { dtype: v.dtype.name, shape: [...v.shape], values: v.tolist() };
  }
  if (typeof v === "bigint") return `${v}n`;
  if (v instanceof torch.nn.Module) {
    return String(v) + JSON.stringify(picture({ ...v }, depth));
  }
  if (typeof v === "function") return "[function]";
  if (v === null || typeof v !== "object") return v;
  if (depth > 3) return "[deep]";
  if (Array.isArray(v)) return v.map((x) => picture(x, depth + 1));
  if (ArrayBuffer.isView(v)) {
    return Array.from(v as unknown as ArrayLike<number>);
  }
  return {
    class: v.constructor?.name,
    ...Object.fromEntries(
      Object.entries(v).filter(([k]) => k !== "optimizer").map((
        [k, x],
      ) => [k, picture(x, depth + 1)]),
    ),
  };
}

const BINDER =
  /got an unexpected keyword argument|got multiple values for argument|missing \d+ required|positional arguments? but \d+ (was|were) given|received an invalid combination of arguments|\(position \d+\) must be|argument '\w+' must be/;

type Outcome = { value: unknown } | { error: string };

function outcome(run: () => unknown, volatile: boolean): Outcome {
  const print = torch.get_printoptions();
  try {
    torch.manual_seed(1);
    const v = run();
    return { value: volatile ? typeof v : picture(v) };
  } catch (e) {
    return { error: `${(e as Error).name}: ${(e as Error).message}` };
  } finally {
    torch.set_grad_enabled(true);
    torch.set_printoptions(print);
    torch.set_default_dtype("float32");
  }
}

const tally = { callables: 0, calls: 0, values: 0, errors: 0 };

describe("every public callable has a declared Python signature", () => {
  test("the walk finds the whole surface", () => {
    assert.ok(callables.length > 450, `only ${callables.length} callables`);
  });

  test("none is undeclared (or it is in NOT_BOUND, with its reason)", () => {
    const missing = callables
      .filter((c) => !signatureOf(c.fn) && !(c.path in NOT_BOUND))
      .map((c) => c.path);
    assert.deepEqual(missing, []);
  });

  test("NOT_BOUND names only callables that exist and are not bound", () => {
    const paths = new Map(callables.map((c) => [c.path, c]));
    for (const path of Object.keys(NOT_BOUND)) {
      assert.ok(paths.has(path), `${path} is not public`);
      assert.equal(
        signatureOf(paths.get(path)!.fn),
        undefined,
        `${path} is bound`,
      );
    }
  });
});

describe("every declared callable, called positionally and by name", () => {
  for (const c of callables) {
    const sig = signatureOf(c.fn);
    if (!sig) {
      test(c.path, { skip: NOT_BOUND[c.path] ?? "undeclared" }, () => {});
      continue;
    }
    test(c.path, () => {
      tally.callables++;
      const target = targetOf(c, sig);
      const volatile = VOLATILE.has(c.path);
      sig.overloads.forEach((overload, i) => {
        const where = `${c.path}${
          sig.overloads.length > 1 ? ` overload ${i}` : ""
        }`;
        const params = target.params(overload);
        const run = (f: Form) =>
          outcome(() => {
            const v = samples(c.path, overload);
            const self = c.method ? v.get(overload[0].name) : undefined;
            const args = forms(params, v).find((g) =>
              g.label === f.label
            )!.args;
            return target.call(args, self);
          }, volatile);
        const all = forms(params, samples(c.path, overload));
        const first = run(all[0]);
        tally.calls += all.length;
        if ("error" in first) {
          if (process.env.SIG_DEBUG) {
            console.log(where, first.error.slice(0, 160));
          }
          assert.doesNotMatch(
            first.error,
            BINDER,
            `${where}: the positional call does not bind`,
          );
          tally.errors++;
        } else tally.values++;
        for (const f of all.slice(1)) {
          assert.deepEqual(
            run(f),
            first,
            `${where}: ${f.label} differs from positional`,
          );
        }
        // An unknown keyword is PyTorch's TypeError, never ignored.
        const bogus = outcome(() => {
          const v = samples(c.path, overload);
          const self = c.method ? v.get(overload[0].name) : undefined;
          const args = all[0].args;
          const last = args[args.length - 1];
          const hasKw = last !== null && typeof last === "object" &&
            Object.getPrototypeOf(last) === Object.prototype &&
            params.some((p) => p.kind === "keyword");
          const fresh = forms(params, v)[0].args;
          return target.call(
            hasKw
              ? [...fresh.slice(0, -1), {
                ...(fresh[fresh.length - 1] as object),
                gama: 1,
              }]
              : [...fresh, { gama: 1 }],
            self,
          );
        }, false);
        assert.ok(
          "error" in bogus,
          `${where}: an unknown keyword was accepted`,
        );
        assert.match(
          bogus.error,
          /^TypeError: .*(unexpected keyword argument 'gama'|invalid combination of arguments)/s,
          where,
        );
      });
    });
  }
});

describe("issue 11's calls", () => {
  test("new nn.Conv2d(1, 4, { kernel_size: 3 }) is Conv2d(1, 4, 3)", () => {
    torch.manual_seed(0);
    const a = new torch.nn.Conv2d(1, 4, { kernel_size: 3 });
    torch.manual_seed(0);
    const b = new torch.nn.Conv2d(1, 4, 3);
    assert.equal(String(a), "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1))");
    assert.deepEqual(a.weight.tolist(), b.weight.tolist());
    const x = torch.randn(1, 1, 5, 5);
    assert.deepEqual([...a.forward(x).shape], [1, 4, 3, 3]);
    assert.throws(
      // @ts-expect-error: kernal_size is misspelt
      () => new torch.nn.Conv2d(1, 4, { kernal_size: 3 }),
      {
        name: "TypeError",
        message:
          "Conv2d.__init__() got an unexpected keyword argument 'kernal_size'",
      },
    );
    assert.throws(
      // @ts-expect-error: kernel_size is required
      () => new torch.nn.Conv2d(1, 4),
      {
        name: "TypeError",
        message:
          "Conv2d.__init__() missing 1 required positional argument: 'kernel_size'",
      },
    );
  });

  test("x.transpose({ dim0: 0, dim1: 1 }) is x.transpose(0, 1)", () => {
    const x = torch.arange(6).view(2, 3);
    assert.deepEqual(
      x.transpose({ dim0: 0, dim1: 1 }).tolist(),
      x.t().tolist(),
    );
    assert.deepEqual(x.transpose(0, { dim1: 1 }).tolist(), x.t().tolist());
    assert.deepEqual(
      torch.transpose(x, { dim0: 1, dim1: 0 }).tolist(),
      x.t().tolist(),
    );
    assert.throws(
      // @ts-expect-error: dim2 is not a parameter
      () => x.transpose(0, { dim2: 1 }),
      {
        name: "TypeError",
        message: "transpose() got an unexpected keyword argument 'dim2'",
      },
    );
    assert.throws(
      // @ts-expect-error: dim0 is an int
      () => x.transpose("0", 1),
      {
        name: "TypeError",
        message:
          "transpose(): argument 'dim0' (position 2) must be int, not str",
      },
    );
    assert.throws(
      // @ts-expect-error: dim0 given twice
      () => x.transpose(0, { dim0: 1, dim1: 0 }),
      {
        name: "TypeError",
        message: "transpose() got multiple values for argument 'dim0'",
      },
    );
  });

  test("keyword-only parameters are keyword-only, as in PyTorch", () => {
    const x = torch.ones(2);
    assert.throws(
      // @ts-expect-error: alpha is keyword-only
      () => torch.add(x, x, 2),
      {
        name: "TypeError",
        message: "add() takes 2 positional arguments but 3 were given",
      },
    );
    assert.deepEqual(torch.add(x, x, { alpha: 2 }).tolist(), [3, 3]);
    assert.deepEqual(x.sum({ dim: 0, keepdim: true }).tolist(), [2]);
  });
});

after(() => {
  console.log(
    `signatures: ${tally.callables} declared callables, ${tally.calls} calls; positional call gave a value for ${tally.values} overloads, an error of the op (the same every way) for ${tally.errors}`,
  );
});
