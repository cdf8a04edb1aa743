// The WebGPU indexing kernels (src/backend/webgpu/kernels_index.ts) against the CPU's: index_select,
// index_add, gather, scatter and scatter_add with repeated indices and targets, the plane maps
// behind F.pad, F.interpolate and F.avg_pool2d (forward and backward), F.embedding, and the
// out-of-range errors. None of it may fall back to the host.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { index_add } from "../src/ops/indexing.ts";

const F = torch.nn.functional;
const GPU = torch.webgpu.is_available();
const skip = GPU
  ? undefined
  : "no WebGPU adapter here (Deno with Mesa's mesa-vulkan-drivers has one)";

type T = torch.Tensor;
const gpu = (x: T): T => x.to("webgpu");

/** A webgpu result equals (within float32 tolerance) the CPU's. */
function same(actual: T, expected: T, what: string): void {
  assert.equal(actual.device.type, "webgpu", `${what}: not on webgpu`);
  const a = actual.cpu();
  assert.deepEqual([...a.shape], [...expected.shape], `${what}: shape`);
  assert.equal(a.dtype, expected.dtype, `${what}: dtype`);
  if (expected.dtype === torch.float32) {
    assert.ok(
      torch.allclose(a, expected, 1e-5, 1e-6),
      `${what}: ${JSON.stringify(a.tolist())} != ${
        JSON.stringify(expected.tolist())
      }`,
    );
  } else assert.deepEqual(a.tolist(), expected.tolist(), what);
}

/**
 * f's value and the gradient of (f(x) · v).sum() in x, on the CPU and on webgpu, compared; f is
 * given x and a function moving other operands to x's device.
 */
function sameWithGrad(
  f: (x: T, on: (t: T) => T) => T,
  x: T,
  what: string,
): void {
  const xc = x.detach().requires_grad_();
  const yc = f(xc, (t) => t);
  const v = torch.randn(...yc.shape);
  yc.mul(v).sum().backward();
  const xg = gpu(x.detach()).requires_grad_();
  const yg = f(xg, gpu);
  same(yg, yc.detach(), `${what} (forward)`);
  yg.mul(gpu(v)).sum().backward();
  assert.ok(xg.grad, `${what}: no gradient`);
  same(xg.grad!, xc.grad!, `${what} (backward)`);
}

/** Both devices raise the same error (class and message). */
function sameError(run: (device: "cpu" | "webgpu") => unknown): void {
  let expected: unknown;
  try {
    run("cpu");
  } catch (e) {
    expected = e;
  }
  assert.ok(expected instanceof Error, "the CPU raises nothing");
  assert.throws(
    () => run("webgpu"),
    (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal(e.constructor, expected.constructor);
      assert.equal(e.message, expected.message);
      return true;
    },
  );
}

const WEBGPU_INDEX_PRIMITIVES = [
  "mapForward",
  "mapAdjoint",
  "indexSelect",
  "indexAdd",
  "gather",
  "scatter",
];

describe("webgpu indexing kernels against the CPU", () => {
  before(() => {
    if (!GPU) return;
    torch.manual_seed(7);
    torch.backends.fallback.reset();
  });
  after(() => {
    if (!GPU) return;
    const used = Object.keys(torch.backends.fallback.counts()).filter((k) =>
      WEBGPU_INDEX_PRIMITIVES.some((p) => k === `webgpu:${p}`)
    );
    assert.deepEqual(used, [], "indexing primitives ran on the host");
  });

  test("index_select on dims 0 and 1 with repeated indices", { skip }, () => {
    const x = torch.randn(4, 5);
    const i = torch.tensor([3, 0, 3, 3, 1]);
    for (const dim of [0, 1]) {
      same(
        torch.index_select(gpu(x), dim, gpu(i)),
        torch.index_select(x, dim, i),
        `float32 dim ${dim}`,
      );
      // A strided (transposed) input and an int32 index.
      same(
        torch.index_select(gpu(x).t(), dim, gpu(i.int()).narrow(0, 1, 4)),
        torch.index_select(x.t(), dim, i.int().narrow(0, 1, 4)),
        `transposed dim ${dim}`,
      );
    }
    const xi = torch.arange(24).reshape(2, 3, 4);
    const j = torch.tensor([2, 2, 0]);
    same(
      torch.index_select(gpu(xi), 1, gpu(j)),
      torch.index_select(xi, 1, j),
      "int64 3-d dim 1",
    );
    // A strided index: a column of a matrix.
    const k = torch.tensor([[1, 9], [0, 9], [3, 9]]);
    same(
      torch.index_select(gpu(x), 0, gpu(k).select(1, 0)),
      torch.index_select(x, 0, k.select(1, 0)),
      "strided index",
    );
    sameWithGrad((t, on) => torch.index_select(t, 1, on(i)), x, "backward");
  });

  test("index_add with repeated indices (float32 and int64)", { skip }, () => {
    const i = torch.tensor([2, 0, 2, -1, 2]);
    const xf = torch.randn(3, 4), sf = torch.randn(5, 4);
    same(
      index_add(gpu(xf), 0, gpu(i), gpu(sf)),
      index_add(xf, 0, i, sf),
      "float32 dim 0",
    );
    same(
      index_add(gpu(xf), 0, gpu(i), gpu(sf), { alpha: 2.5 }),
      index_add(xf, 0, i, sf, { alpha: 2.5 }),
      "float32 alpha",
    );
    const xi = torch.arange(12).reshape(4, 3);
    const si = torch.arange(20).reshape(4, 5).mul(7);
    same(
      index_add(gpu(xi), 1, gpu(i), gpu(si)),
      index_add(xi, 1, i, si),
      "int64 dim 1",
    );
    same(
      index_add(gpu(xi), 1, gpu(i), gpu(si), { alpha: -3 }),
      index_add(xi, 1, i, si, { alpha: -3 }),
      "int64 alpha",
    );
    // A transposed source.
    const st = torch.randn(4, 5);
    same(
      index_add(gpu(xf), 0, gpu(i), gpu(st).t()),
      index_add(xf, 0, i, st.t()),
      "transposed source",
    );
  });

  test("gather with repeated and negative indices", { skip }, () => {
    const x = torch.randn(3, 4);
    const i0 = torch.tensor([[2, 2, 0, -1], [0, -3, 2, 2]]);
    const i1 = torch.tensor([[3, 3, -4], [0, 0, 0], [1, -1, 1]]);
    same(torch.gather(gpu(x), 0, gpu(i0)), torch.gather(x, 0, i0), "dim 0");
    same(torch.gather(gpu(x), 1, gpu(i1)), torch.gather(x, 1, i1), "dim 1");
    same(
      torch.gather(gpu(x).t(), 0, gpu(i1)),
      torch.gather(x.t(), 0, i1),
      "transposed input",
    );
    const xi = torch.arange(12).reshape(3, 4);
    same(torch.gather(gpu(xi), 1, gpu(i1)), torch.gather(xi, 1, i1), "int64");
    sameWithGrad((t, on) => torch.gather(t, 1, on(i1)), x, "backward");
  });

  test("scatter and scatter_add with repeated targets", { skip }, () => {
    const i = torch.tensor([[0, 1, 2, 0], [2, 2, -3, 0], [0, 0, 0, 0]]);
    const xf = torch.randn(3, 4), sf = torch.randn(3, 4);
    same(
      torch.scatter_add(gpu(xf), 0, gpu(i), gpu(sf)),
      torch.scatter_add(xf, 0, i, sf),
      "scatter_add float32",
    );
    const xi = torch.arange(12).reshape(3, 4);
    const si = torch.arange(12).reshape(3, 4).mul(-5);
    same(
      torch.scatter_add(gpu(xi), 0, gpu(i), gpu(si)),
      torch.scatter_add(xi, 0, i, si),
      "scatter_add int64",
    );
    same(
      torch.scatter_add(gpu(xi.int()), 1, gpu(i), gpu(si.int())),
      torch.scatter_add(xi.int(), 1, i, si.int()),
      "scatter_add int32 dim 1",
    );
    // Which of several writes to one place wins is unspecified (as on CUDA): the values written
    // to a repeated target are equal here.
    const eq = torch.tensor([[1, 2, 3, 4], [5, 6, 7, 4], [1, 2, 3, 4]], {
      dtype: torch.float32,
    });
    same(
      torch.scatter(gpu(xf), 0, gpu(i), gpu(eq.mul(0).add(9))),
      torch.scatter(xf, 0, i, eq.mul(0).add(9)),
      "scatter float32",
    );
    const pick = torch.tensor([[3, 0], [1, 1]]);
    same(
      torch.scatter(gpu(xf), 1, gpu(pick), gpu(sf.narrow(1, 0, 2))),
      torch.scatter(xf, 1, pick, sf.narrow(1, 0, 2)),
      "scatter from a narrowed source",
    );
    same(
      torch.scatter(gpu(xi), 1, gpu(pick), 42),
      torch.scatter(xi, 1, pick, 42),
      "scatter a scalar",
    );
    same(
      gpu(xf).t().scatter_add(0, gpu(pick), gpu(sf)),
      xf.t().scatter_add(0, pick, sf),
      "scatter_add into a transposed input",
    );
    sameWithGrad(
      (t, on) => torch.scatter_add(t, 0, on(i), t.mul(2)),
      xf,
      "scatter_add backward",
    );
  });

  test("F.pad forward and backward", { skip }, () => {
    const x = torch.randn(2, 3, 4, 5);
    sameWithGrad((t) => F.pad(t, [1, 2, 0, 3]), x, "constant 0");
    sameWithGrad(
      (t) => F.pad(t, [2, 1], "constant", 1.5),
      x,
      "constant 1.5",
    );
    sameWithGrad((t) => F.pad(t, [2, 2, 1, 3], "reflect"), x, "reflect");
    sameWithGrad((t) => F.pad(t, [3, 0, 2, 2], "replicate"), x, "replicate");
    const xi = torch.arange(12).reshape(1, 3, 4);
    same(
      F.pad(gpu(xi), [1, 1], "constant", -7),
      F.pad(xi, [1, 1], "constant", -7),
      "int64 constant",
    );
  });

  test(
    "F.interpolate (nearest and bilinear) forward and backward",
    { skip },
    () => {
      const x = torch.randn(2, 2, 5, 4);
      sameWithGrad(
        (t) => F.interpolate(t, { size: [7, 9], mode: "nearest" }),
        x,
        "nearest up",
      );
      sameWithGrad(
        (t) => F.interpolate(t, { size: [3, 2], mode: "nearest" }),
        x,
        "nearest down",
      );
      sameWithGrad(
        (t) => F.interpolate(t, { size: [8, 6], mode: "bilinear" }),
        x,
        "bilinear",
      );
      sameWithGrad(
        (t) =>
          F.interpolate(t, {
            scale_factor: 2,
            mode: "bilinear",
            align_corners: true,
          }),
        x,
        "bilinear align_corners",
      );
    },
  );

  test("F.avg_pool2d forward and backward", { skip }, () => {
    const x = torch.randn(2, 3, 7, 6);
    sameWithGrad((t) => F.avg_pool2d(t, 2), x, "kernel 2");
    sameWithGrad((t) => F.avg_pool2d(t, 3, 1, 1), x, "overlapping, padded");
    sameWithGrad(
      (t) =>
        F.avg_pool2d(t, 3, {
          stride: 2,
          padding: 1,
          ceil_mode: true,
          count_include_pad: false,
        }),
      x,
      "ceil_mode, count_include_pad false",
    );
    // A non-contiguous input goes through a contiguous copy first.
    sameWithGrad(
      (t) => F.avg_pool2d(t.transpose(2, 3), 2, 1),
      x,
      "transposed input",
    );
  });

  test("F.embedding forward and backward", { skip }, () => {
    const w = torch.randn(5, 3);
    const idx = torch.tensor([[4, 0, 4], [1, 4, 2]]);
    sameWithGrad((t, on) => F.embedding(on(idx), t), w, "embedding");
    sameWithGrad(
      (t, on) => F.embedding(on(idx), t, { padding_idx: 4 }),
      w,
      "embedding with padding_idx",
    );
  });

  test("out-of-range indices raise as on the CPU", { skip }, () => {
    const x = torch.randn(3, 4);
    const on = (device: string, t: T) => t.to(device);
    sameError((d) =>
      torch.index_select(on(d, x), 0, on(d, torch.tensor([0, 3, 1])))
    );
    sameError((d) =>
      torch.index_select(on(d, x), 1, on(d, torch.tensor([-1, 0])))
    );
    sameError((d) =>
      index_add(
        on(d, x),
        0,
        on(d, torch.tensor([0, -4])),
        on(d, torch.ones(2, 4)),
      )
    );
    // gather and scatter name the first bad index in row-major order.
    const bad = torch.tensor([[0, 1, 2, 1], [1, 9, -7, 5], [-6, 0, 0, 0]]);
    sameError((d) => torch.gather(on(d, x), 1, on(d, bad)));
    sameError((d) => torch.gather(on(d, x), 0, on(d, bad.narrow(1, 2, 2))));
    sameError((d) => torch.scatter(on(d, x), 1, on(d, bad), 1.5));
    sameError((d) =>
      torch.scatter_add(on(d, x), 1, on(d, bad), on(d, torch.ones(3, 4)))
    );
    sameError((d) => F.embedding(on(d, torch.tensor([1, 5])), on(d, x)));
    // In range after all, on both devices.
    same(
      torch.gather(gpu(x), 1, gpu(torch.tensor([[-4], [3], [0]]))),
      torch.gather(x, 1, torch.tensor([[-4], [3], [0]])),
      "edge indices",
    );
  });
});
