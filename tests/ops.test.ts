// The op table: every case that real PyTorch computed in tests/fixtures/ops.json (written by
// tests/fixtures/gen_ops.py) is replayed here, as a function call, a method call, and where the op
// has them, the in-place and `out=` forms; on every device: the CPU, and the counting backend
// (tests/_support/counting_backend.ts, boxed buffers through the primitive table), where each
// tensor argument is moved to the device before the call (a view's base is moved and the view
// made there) and each result is compared after `.cpu()`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { BINARY, UNARY } from "../src/ops/elementwise.ts";
import { signatureOf } from "../src/signature.ts";
import { counting } from "./_support/counting_backend.ts";
import {
  assertTensorClose,
  decode,
  decodeOn,
  type Enc,
  encMeta,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

type Case = {
  name: string;
  op: string;
  method?: boolean;
  args: Enc[];
  kwargs?: Record<string, Enc>;
  expect: Enc | { error: string };
};

const fixture = readFixture<{ torch: string; cases: Case[] }>("ops.json");

/**
 * Every device the table runs on; the CPU run keeps the plain test names. WebGPU joins where an
 * adapter can be had (Mesa's llvmpipe in CI); elsewhere it is skipped, saying why.
 */
const GPU = torch.webgpu.is_available();
type Device = "cpu" | "counting" | "webgpu";
const DEVICES: Device[] = ["cpu", "counting", "webgpu"];

/**
 * Cases that cannot run on a device, by device and case name, with the reason; they are
 * reported as skipped, and listed when the device's run starts.
 */
const SKIPS: Record<Device, Record<string, string>> = {
  cpu: {},
  counting: {
    "view/dtype_same_size":
      "view(dtype) reinterprets CPU memory; off the CPU flambeau refuses it (copy with .cpu() first)",
  },
  webgpu: {
    "view/dtype_same_size":
      "view(dtype) reinterprets CPU memory; off the CPU flambeau refuses it (copy with .cpu() first)",
  },
};

/** The dtypes a WebGPU tensor may have (src/backend/webgpu/mod.ts). */
const GPU_DTYPES = new Set([
  "float32",
  "int32",
  "int64",
  "int16",
  "int8",
  "uint8",
  "bool",
]);

/** Why a case cannot run on WebGPU: a dtype with no WGSL type among its tensors. */
function gpuSkip(c: Case): string | undefined {
  const found = new Set<string>();
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (typeof o.dtype === "string") found.add(o.dtype);
      Object.values(o).forEach(walk);
    }
  };
  walk([c.args, c.kwargs, c.expect]);
  const off = [...found].filter((d) => !GPU_DTYPES.has(d));
  return off.length > 0
    ? `${off.join(", ")} has no WGSL type (WebGPU refuses it)`
    : undefined;
}

/** Factories: calls with no tensor argument, told the device by the `device` option instead. */
const FACTORIES = new Set([
  "zeros",
  "ones",
  "full",
  "arange",
  "linspace",
  "eye",
  "tensor",
]);

type Fn = (...a: unknown[]) => unknown;

/**
 * A case's arguments, decoded afresh (new tensors) on every call, so forms never share inputs;
 * tensors are made on `device`.
 */
function decodeCall(
  c: Case,
  device: Device,
): { args: unknown[]; kwargs?: Record<string, unknown> } {
  const on = device === "cpu" ? undefined : device;
  let kwargs = c.kwargs &&
    Object.fromEntries(
      Object.entries(c.kwargs).map(([k, v]) => [k, decodeOn(v, on)]),
    );
  if (on && !c.method && FACTORIES.has(c.op)) {
    kwargs = { ...kwargs, device: on };
  }
  return { args: c.args.map((a) => decodeOn(a, on)), kwargs };
}

function withKwargs(
  args: unknown[],
  kwargs: Record<string, unknown> | undefined,
): unknown[] {
  return kwargs ? [...args, kwargs] : args;
}

function method(self: unknown, name: string): Fn {
  const fn = (self as Record<string, unknown>)[name];
  assert.equal(typeof fn, "function", `Tensor.${name} is missing`);
  return (fn as Fn).bind(self);
}

/** The case as recorded: `torch.<op>(...)`, or `args[0].<op>(...)` for method cases. */
function call(c: Case, device: Device): unknown {
  const { args, kwargs } = decodeCall(c, device);
  if (c.method) return method(args.shift(), c.op)(...withKwargs(args, kwargs));
  const fn = (torch as unknown as Record<string, Fn>)[c.op];
  assert.equal(typeof fn, "function", `torch.${c.op} is missing`);
  return fn(...withKwargs(args, kwargs));
}

/** float32 results may differ from PyTorch's vectorised kernels in the last bits. */
function tolerance(dtype: string, device: Device) {
  if (dtype === "float16") return { rtol: 1e-3, atol: 1e-3 };
  if (dtype === "float64") return { rtol: 1e-12, atol: 1e-12 };
  // WGSL computes in float32 throughout, where the CPU rounds a double once.
  if (device === "webgpu") return { rtol: 2e-5, atol: 2e-6 };
  return { rtol: 2e-6, atol: 1e-6 };
}

/** Compares a result with the recorded one; tensors must be on `device`, and are read after `.cpu()`. */
function check(
  actual: unknown,
  expected: Enc,
  where: string,
  device: Device,
): void {
  if (expected !== null && typeof expected === "object" && "t" in expected) {
    assert.ok(
      actual instanceof torch.Tensor.prototype.constructor,
      `${where}: expected a tensor, got ${typeof actual}`,
    );
    const t = actual as torch.Tensor;
    assert.equal(t.device.type, device, `${where}: device`);
    assertTensorClose(
      t.cpu(),
      expected.t,
      where,
      tolerance(expected.t.dtype, device),
    );
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: expected a sequence`);
    assert.equal(
      (actual as unknown[]).length,
      expected.length,
      `${where}: length`,
    );
    expected.forEach((e, i) =>
      check((actual as unknown[])[i], e, `${where}[${i}]`, device)
    );
  } else {
    assert.deepEqual(actual, decode(expected), where);
  }
}

// ---- the other forms of each function case: method, in-place `op_`, and `out=`

const isError = (e: Case["expect"]): e is { error: string } =>
  e !== null && typeof e === "object" && "error" in e;
const isTensor = (e: Enc | undefined): e is { t: EncTensor } =>
  e !== null && typeof e === "object" && "t" in e;
const tensorProto = Object.getPrototypeOf(torch.zeros(1)) as Record<
  string,
  unknown
>;
const hasMethod = (name: string) => typeof tensorProto[name] === "function";

/**
 * Which argument of `torch.<op>` becomes `self` in the method form: the first, except where
 * PyTorch's method puts self elsewhere (`x.where(cond, y)` is `torch.where(cond, x, y)`).
 */
const SELF_ARG: Record<string, number> = { where: 1 };

/** The elementwise ops of the UNARY/BINARY tables, which all take `{ out }`. */
const ELEMENTWISE = new Set([...Object.keys(UNARY), ...Object.keys(BINARY)]);

/** The case's arguments with `self` taken out, for the method forms. */
function splitSelf(
  c: Case,
  device: Device,
): { self: torch.Tensor; rest: unknown[]; kwargs?: Record<string, unknown> } {
  const { args, kwargs } = decodeCall(c, device);
  const [self] = args.splice(SELF_ARG[c.op] ?? 0, 1);
  return { self: self as torch.Tensor, rest: args, kwargs };
}

type Form = {
  form: string;
  run: (c: Case, expect: Enc, device: Device) => void;
};

/** `self.op(...)` returns what `torch.op(self, ...)` does. */
const methodForm: Form = {
  form: "method",
  run(c, expect, device) {
    const { self, rest, kwargs } = splitSelf(c, device);
    check(
      method(self, c.op)(...withKwargs(rest, kwargs)),
      expect,
      `${c.name} as a method`,
      device,
    );
  },
};

/**
 * A self that is a strided view with no stride-0 dims: an in-place op writes through it, so the
 * kernel's output walks the view's strides and offset.
 */
function writableView(c: Case): boolean {
  const self = c.args[SELF_ARG[c.op] ?? 0];
  return self !== null && typeof self === "object" && "view" in self &&
    !self.view.ops.some(([name]) => name === "expand");
}

/**
 * `self.clone().op_(...)` returns that clone, now holding the result; a view self that can be
 * written (see writableView) is written itself.
 */
const inPlaceForm: Form = {
  form: "in-place",
  run(c, expect, device) {
    const { self, rest, kwargs } = splitSelf(c, device);
    const target = writableView(c) ? self : self.clone();
    const returned = method(target, `${c.op}_`)(...withKwargs(rest, kwargs));
    assert.equal(returned, target, `${c.name}: ${c.op}_ returns self`);
    check(target, expect, `${c.name} in place`, device);
  },
};

/** `torch.op(..., { out })` writes into a preallocated `out` and returns it. */
const outForm: Form = {
  form: "out",
  run(c, expect, device) {
    const e = (expect as { t: EncTensor }).t;
    const out = torch.full(e.shape, 3, { dtype: e.dtype, device });
    const { args, kwargs } = decodeCall(c, device);
    const returned = (torch as unknown as Record<string, Fn>)[c.op](...args, {
      ...kwargs,
      out,
    });
    assert.equal(returned, out, `${c.name}: returns out`);
    check(out, expect, `${c.name} into out`, device);
  },
};

/** The extra forms a function case is replayed in, decided from the case alone. */
function formsOf(c: Case): Form[] {
  const expect = c.expect;
  if (c.method || isError(expect)) return [];
  const selfAt = SELF_ARG[c.op] ?? 0;
  const self = encMeta(c.args[selfAt]);
  if (!self) return [];
  const forms: Form[] = [];
  if (hasMethod(c.op)) forms.push(methodForm);
  const sameAsSelf = isTensor(expect) && expect.t.dtype === self.dtype &&
    expect.t.shape.join() === self.shape.join();
  if (hasMethod(`${c.op}_`) && sameAsSelf) forms.push(inPlaceForm);
  // Only where PyTorch's signature has `out` (torch.relu and isnan have none).
  const takesOut = signatureOf(
    (torch as unknown as Record<string, unknown>)[c.op],
  )?.overloads.some((ps) => ps.some((p) => p.name === "out"));
  if (ELEMENTWISE.has(c.op) && isTensor(expect) && takesOut) {
    forms.push(outForm);
  }
  return forms;
}

const extra = fixture.cases.map((c) => [c, formsOf(c)] as const);
const names = new Set(fixture.cases.map((c) => c.name));
const extraCount = extra.reduce((n, [, forms]) => n + forms.length, 0);

/** The case's recorded result: its value, or PyTorch's error (the first line of the message). */
function replay(c: Case, device: Device): void {
  const expect = c.expect;
  if (isError(expect)) {
    // On WebGPU a device-side check (nll_loss's targets) raises at the next read: ask for one.
    const run = () => {
      call(c, device);
      if (device === "webgpu") torch.webgpu.synchronize();
    };
    assert.throws(run, (e: Error) => {
      assert.ok(e instanceof Error, "an Error subclass");
      assert.equal(e.message.split("\n")[0], expect.error);
      return true;
    });
    return;
  }
  check(call(c, device), expect, c.name, device);
}

for (const device of DEVICES) {
  const suffix = device === "cpu" ? "" : ` [${device}]`;
  const on = device === "cpu" ? "" : ` on the ${device} device`;
  const skips = SKIPS[device];
  describe(`ops against PyTorch ${fixture.torch}${on} (${fixture.cases.length} cases, ${extraCount} method/in-place/out forms)`, () => {
    if (device === "counting") {
      before(() => {
        torch.backends.register(counting);
        torch.backends.fallback.reset();
      });
      after(() => {
        torch.backends.unregister("counting");
        const used = Object.entries(torch.backends.fallback.counts());
        console.log(
          `ops on ${device}: ${used.length} ops computed on the host (fallback): ${
            used.map(([op, n]) => `${op} ×${n}`).join(", ")
          }`,
        );
      });
    }
    for (const [name, reason] of Object.entries(skips)) {
      assert.ok(names.has(name), `SKIPS.${device} names no case: ${name}`);
      console.log(`ops on ${device}: skipping ${name}: ${reason}`);
    }
    if (device === "webgpu" && GPU) {
      before(() => torch.backends.fallback.reset());
      after(() => {
        const used = Object.entries(torch.backends.fallback.counts());
        console.log(
          `ops on webgpu: ${used.length} ops computed on the host (fallback): ${
            used.map(([op, n]) => `${op} ×${n}`).join(", ")
          }`,
        );
      });
    }
    for (const [c, forms] of extra) {
      const skip = device === "webgpu" && !GPU
        ? "no WebGPU adapter here (Deno with Mesa's mesa-vulkan-drivers has one)"
        : skips[c.name] ?? (device === "webgpu" ? gpuSkip(c) : undefined);
      test(c.name + suffix, { skip }, () => replay(c, device));
      for (const { form, run } of forms) {
        test(
          `${c.name} [${form}]${suffix}`,
          { skip },
          () => run(c, c.expect as Enc, device),
        );
      }
    }
  });
}
