// The WebGPU convolution and pooling kernels (src/backend/webgpu/kernels_conv.ts) against the CPU
// run of the same computation: forward values, max pooling's indices, and the gradients that the
// backward kernels give (input, weight and bias; max pooling's scatter, and its gather in a second
// derivative). None of these primitives may take the host fallback.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const F = torch.nn.functional;
const GPU = torch.webgpu.is_available();
const skip = GPU
  ? undefined
  : "no WebGPU adapter here (Deno with Mesa's mesa-vulkan-drivers has one)";

/** float32 on both sides, but the CPU accumulates in double and WGSL in float. */
const TOL = { rtol: 1e-4, atol: 1e-5 };

const PRIMITIVES = [
  "conv2d",
  "conv2dBackwardInput",
  "conv2dBackwardWeight",
  "maxPool2d",
  "scatterPlanes",
  "gatherPlanes",
];

type Device = "cpu" | "webgpu";
type Fn = (xs: torch.Tensor[]) => torch.Tensor;

function values(t: torch.Tensor): number[] {
  return t.cpu().reshape(-1).tolist() as number[];
}

function assertClose(
  actual: torch.Tensor,
  expected: torch.Tensor,
  where: string,
  tol = TOL,
): void {
  assert.deepEqual([...actual.shape], [...expected.shape], `${where}: shape`);
  assert.equal(actual.dtype.name, expected.dtype.name, `${where}: dtype`);
  const a = values(actual), b = values(expected);
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(b[i])) {
      assert.ok(
        Number.isNaN(a[i]),
        `${where}[${i}]: expected nan, got ${a[i]}`,
      );
    } else if (!Number.isFinite(b[i]) || actual.dtype.name === "int64") {
      assert.equal(a[i], b[i], `${where}[${i}]`);
    } else {
      assert.ok(
        Math.abs(a[i] - b[i]) <= tol.atol + tol.rtol * Math.abs(b[i]),
        `${where}[${i}]: expected ${b[i]}, got ${a[i]}`,
      );
    }
  }
}

/**
 * f on leaves made on `device` from `inputs`, then backward with `gout` (the same upstream
 * gradient on both devices): the output and every leaf's gradient, on the CPU.
 */
function run(
  device: Device,
  inputs: torch.Tensor[],
  f: Fn,
  gout: torch.Tensor,
) {
  const xs = inputs.map((t) => t.to(device).detach().requires_grad_(true));
  const out = f(xs);
  out.backward(gout.to(device));
  return {
    out: out.cpu(),
    grads: xs.map((x) => {
      assert.ok(x.grad, "a leaf got no gradient");
      assert.equal(x.grad.device.type, device);
      return x.grad.cpu();
    }),
  };
}

/** Runs f on the CPU and on WebGPU and compares the outputs and the gradients. */
function compare(inputs: torch.Tensor[], f: Fn, tol = TOL): void {
  const probe = f(inputs.map((t) => t.detach()));
  const gout = torch.randn(...probe.shape);
  const want = run("cpu", inputs, f, gout);
  const got = run("webgpu", inputs, f, gout);
  assertClose(got.out, want.out, "output", tol);
  got.grads.forEach((g, i) => assertClose(g, want.grads[i], `grad ${i}`, tol));
}

type PoolOpts = {
  kernel_size: number | number[];
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  ceil_mode?: boolean;
};

/** Max pooling with its indices: the values and gradients compared, the indices equal. */
function comparePool(x: torch.Tensor, opts: PoolOpts): void {
  const { kernel_size, ...rest } = opts;
  const pool = (t: torch.Tensor) =>
    (t.dim() === 3 ? F.max_pool1d : F.max_pool2d)(t, kernel_size, {
      ...rest,
      return_indices: true,
    }) as unknown as [torch.Tensor, torch.Tensor];
  const [v, i] = pool(x);
  const [gv, gi] = pool(x.to("webgpu"));
  assertClose(gv, v, "values");
  assert.equal(gi.dtype.name, "int64");
  assert.deepEqual(values(gi), values(i), "indices");
  compare([x], ([t]) => pool(t)[0]);
}

/** A tensor of `shape` with `data` set at the given flat positions. */
function withValues(
  base: torch.Tensor,
  at: number[],
  value: number,
): torch.Tensor {
  const data = values(base);
  for (const k of at) data[k] = value;
  return torch.tensor(data).reshape([...base.shape]);
}

describe("WebGPU convolution and max pooling against the CPU", { skip }, () => {
  before(() => {
    torch.manual_seed(1234);
    torch.backends.fallback.reset();
  });
  after(() => {
    if (!GPU) return;
    const used = Object.keys(torch.backends.fallback.counts());
    console.log(`webgpu_conv: host fallbacks: ${used.join(", ") || "none"}`);
  });

  describe("conv2d", () => {
    test("groups 1, bias, batch 2", () => {
      compare(
        [torch.randn(2, 3, 8, 8), torch.randn(4, 3, 3, 3), torch.randn(4)],
        ([x, w, b]) => F.conv2d(x, w, b),
      );
    });
    test("groups 2, stride 2, padding 1, odd sizes, batch 3", () => {
      compare(
        [torch.randn(3, 4, 9, 7), torch.randn(6, 2, 3, 3), torch.randn(6)],
        ([x, w, b]) => F.conv2d(x, w, b, { stride: 2, padding: 1, groups: 2 }),
      );
    });
    test("dilation 2, padding per axis, a 3x2 kernel, no bias", () => {
      compare(
        [torch.randn(1, 3, 11, 13), torch.randn(5, 3, 3, 2)],
        ([x, w]) => F.conv2d(x, w, null, { dilation: 2, padding: [2, 1] }),
      );
    });
    test("stride, padding and dilation different per axis, groups 3 (one output each)", () => {
      compare(
        [torch.randn(2, 6, 10, 9), torch.randn(3, 2, 2, 3), torch.randn(3)],
        ([x, w, b]) =>
          F.conv2d(x, w, b, {
            stride: [2, 3],
            padding: [1, 0],
            dilation: [1, 2],
            groups: 3,
          }),
      );
    });
    test("stride larger than the kernel (input rows no tap reads)", () => {
      compare(
        [torch.randn(2, 2, 9, 10), torch.randn(4, 2, 1, 2), torch.randn(4)],
        ([x, w, b]) => F.conv2d(x, w, b, { stride: 3 }),
      );
    });
    test("padding 'same' with dilation, groups 2", () => {
      compare(
        [torch.randn(2, 4, 6, 5), torch.randn(4, 2, 3, 3), torch.randn(4)],
        ([x, w, b]) =>
          F.conv2d(x, w, b, { padding: "same", dilation: 2, groups: 2 }),
      );
    });
    test("a short weight-gradient sum (one invocation per weight)", () => {
      compare(
        [torch.randn(1, 2, 5, 5), torch.randn(3, 2, 3, 3), torch.randn(3)],
        ([x, w, b]) => F.conv2d(x, w, b, { padding: 0 }),
      );
    });
    test("operands at an offset in their buffers (contiguous slices)", () => {
      compare(
        [torch.randn(4, 3, 7, 6), torch.randn(7, 3, 3, 3), torch.randn(9)],
        ([x, w, b]) =>
          F.conv2d(
            x.narrow(0, 1, 2),
            w.narrow(0, 2, 4),
            b.narrow(0, 3, 4),
            { padding: 1 },
          ),
      );
    });
    test("few weights with long gradient sums (a workgroup per weight)", () => {
      // 4 * 3 * 3 * 3 = 108 weights, each a sum of 4 * 18 * 18 = 1296 terms.
      compare(
        [torch.randn(4, 3, 20, 20), torch.randn(4, 3, 3, 3), torch.randn(4)],
        ([x, w, b]) => F.conv2d(x, w, b),
      );
    });
    test("many weights (an invocation per weight), wide channels", () => {
      // 64 * 128 * 3 * 3 = 73728 weights, each a sum of 81 terms; 1152 terms per output.
      const x = torch.randn(1, 128, 11, 11).mul(0.1);
      const w = torch.randn(64, 128, 3, 3).mul(0.1);
      compare([x, w], ([x, w]) => F.conv2d(x, w));
    });
    test("second derivative through the weight gradient", () => {
      const inputs = [torch.randn(2, 2, 6, 6), torch.randn(3, 2, 3, 3)];
      const f = (dev: Device) => {
        const [x, w] = inputs.map((t) =>
          t.to(dev).detach().requires_grad_(true)
        );
        const y = F.conv2d(x, w, null, { stride: 2, padding: 1 });
        const [gx] = torch.autograd.grad(y.pow(2).sum(), [x], {
          create_graph: true,
        });
        gx!.pow(2).sum().backward();
        return [x.grad!.cpu(), w.grad!.cpu()];
      };
      const want = f("cpu"), got = f("webgpu");
      got.forEach((g, i) => assertClose(g, want[i], `grad ${i}`));
    });
  });

  describe("conv1d and conv_transpose2d", () => {
    test("conv1d: groups 2, stride 2, padding 2, batch 2", () => {
      compare(
        [torch.randn(2, 4, 15), torch.randn(6, 2, 5), torch.randn(6)],
        ([x, w, b]) => F.conv1d(x, w, b, { stride: 2, padding: 2, groups: 2 }),
      );
    });
    test("conv1d: dilation 3, no bias, odd length", () => {
      compare(
        [torch.randn(3, 3, 17), torch.randn(2, 3, 4)],
        ([x, w]) => F.conv1d(x, w, null, { dilation: 3, padding: 1 }),
      );
    });
    test("conv_transpose2d: stride 2, padding 1, output padding 1, groups 2", () => {
      compare(
        [torch.randn(2, 4, 5, 4), torch.randn(4, 3, 3, 3), torch.randn(6)],
        ([x, w, b]) =>
          F.conv_transpose2d(x, w, b, {
            stride: 2,
            padding: 1,
            output_padding: 1,
            groups: 2,
          }),
      );
    });
  });

  describe("max pooling", () => {
    test("overlapping windows (stride < kernel), padding 1, batch 2", () => {
      comparePool(torch.randn(2, 3, 9, 9), {
        kernel_size: 3,
        stride: 2,
        padding: 1,
      });
    });
    test("ceil_mode with odd sizes", () => {
      comparePool(torch.randn(1, 2, 8, 7), {
        kernel_size: 3,
        stride: 2,
        ceil_mode: true,
      });
    });
    test("dilation 2, a 2x3 kernel, stride and padding per axis", () => {
      comparePool(torch.randn(2, 2, 10, 11), {
        kernel_size: [2, 3],
        stride: [1, 2],
        padding: [1, 1],
        dilation: 2,
      });
    });
    test("ties: the first maximum wins, and shared argmaxes add up", () => {
      // Few distinct values, so windows tie and overlapping ones share their argmax.
      const x = torch.randint(0, 3, [2, 2, 7, 7]).float();
      comparePool(x, { kernel_size: 3, stride: 1, padding: 1 });
    });
    test("NaN in a window wins; the last NaN of a window is its argmax", () => {
      // Plane 0 has NaN at (1, 1) and (2, 2) (one window, two NaNs); plane 1 at (4, 0).
      const x = withValues(torch.randn(1, 2, 6, 6), [7, 14, 36 + 24], NaN);
      comparePool(x, { kernel_size: 3, stride: 2, padding: 1 });
    });
    test("windows of -inf point at their first in-bounds element", () => {
      const x = withValues(torch.full([1, 1, 5, 5], -Infinity), [24], 1);
      comparePool(x, { kernel_size: 2, stride: 2, padding: 1 });
    });
    test("max_pool1d: overlapping windows, padding, ceil_mode", () => {
      comparePool(torch.randn(2, 3, 13), {
        kernel_size: 4,
        stride: 3,
        padding: 2,
        ceil_mode: true,
      });
    });
    test("an input at an offset in its buffer", () => {
      const big = torch.randn(3, 2, 6, 6);
      compare([big], ([b]) => F.max_pool2d(b.narrow(0, 1, 2), 2));
    });
    test("second derivative: the gradient's own gradient gathers by the argmax", () => {
      const x = torch.randn(2, 3, 7, 7);
      const gout = torch.randn(2, 3, 4, 4);
      const v = torch.randn(2, 3, 7, 7);
      const f = (dev: Device) => {
        const xs = x.to(dev).detach().requires_grad_(true);
        const g = gout.to(dev).detach().requires_grad_(true);
        const y = F.max_pool2d(xs, 3, { stride: 2, padding: 1 });
        const [gx] = torch.autograd.grad(y, [xs], {
          grad_outputs: g,
          create_graph: true,
        });
        gx!.mul(v.to(dev)).sum().backward();
        return [gx!.cpu(), g.grad!.cpu()];
      };
      const want = f("cpu"), got = f("webgpu");
      got.forEach((g, i) => assertClose(g, want[i], `result ${i}`));
    });
  });

  test("none of the convolution and pooling primitives took the host fallback", () => {
    const counts = torch.backends.fallback.counts();
    for (const name of PRIMITIVES) {
      assert.equal(counts[`webgpu:${name}`], undefined, `webgpu:${name}`);
    }
  });
});
