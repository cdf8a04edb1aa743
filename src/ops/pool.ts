// Pooling: max_pool1d/2d (a direct kernel that records each window's argmax), avg_pool2d and
// adaptive_avg_pool2d (plane maps whose gradients are their adjoints).

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { int64 } from "../dtype.ts";
import { record } from "../autograd/record.ts";
import type { PlaneMap, PoolGeom } from "../backend/backend.ts";
import { parseArgs } from "./_args.ts";
import { applyMap } from "./_plane.ts";
import { backendOf, contiguous, scalarTypeName } from "./core.ts";
import { squeeze, unsqueeze } from "./views.ts";

type IntOrPair = number | number[];

/** An int or a one- or two-int list as [h, w], with PyTorch's error when it is neither. */
function pair(v: IntOrPair, what: string): [number, number] {
  if (typeof v === "number") return [v, v];
  if (v.length === 1) return [v[0], v[0]];
  if (v.length !== 2) throw new RuntimeError(what);
  return [v[0], v[1]];
}

/** ATen's pooling_output_shape, with its checks. */
function outputSize(
  size: number,
  k: number,
  pad: number,
  stride: number,
  dilation: number,
  ceil: boolean,
): number {
  if (stride === 0) throw new RuntimeError("stride should not be zero");
  if (pad > Math.floor(k / 2)) {
    throw new RuntimeError(
      `pad should be at most half of kernel size, but got pad=${pad} and kernel_size=${k}`,
    );
  }
  let out = Math.floor(
    (size + 2 * pad - dilation * (k - 1) - 1 + (ceil ? stride - 1 : 0)) /
      stride,
  ) + 1;
  // With ceil_mode the last window must still start inside the input or its left padding.
  if (ceil && (out - 1) * stride >= size + pad) out--;
  return out;
}

/** Window geometry and checks shared by max and average pooling (ATen's pool2d_shape_check). */
function poolGeom(
  fn: string,
  x: Tensor,
  kernel: IntOrPair,
  stride: IntOrPair | null | undefined,
  padding: IntOrPair,
  dilation: IntOrPair,
  ceil: boolean,
): PoolGeom {
  const [kh, kw] = pair(
    kernel,
    `${fn}: kernel_size must either be a single int, or a tuple of two ints`,
  );
  const noStride = stride === null || stride === undefined ||
    (Array.isArray(stride) && stride.length === 0);
  const [sh, sw] = noStride ? [kh, kw] : pair(
    stride!,
    `${fn}: stride must either be omitted, a single int, or a tuple of two ints`,
  );
  const [ph, pw] = pair(
    padding,
    `${fn}: padding must be either be a single int, or a tuple of two ints`,
  );
  const [dh, dw] = pair(
    dilation,
    `${fn}: dilation must be either a single int, or a tuple of two ints`,
  );
  if (x.dim() !== 3 && x.dim() !== 4) {
    throw new RuntimeError(
      "non-empty 3D or 4D (batch mode) tensor expected for input",
    );
  }
  const [H, W] = x._shape.slice(-2);
  const oh = outputSize(H, kh, ph, sh, dh, ceil);
  const ow = outputSize(W, kw, pw, sw, dw, ceil);
  if (kh <= 0 || kw <= 0) {
    throw new RuntimeError(
      `kernel size should be greater than zero, but got kH: ${kh} kW: ${kw}`,
    );
  }
  if (sh <= 0 || sw <= 0) {
    throw new RuntimeError(
      `stride should be greater than zero, but got dH: ${sh} dW: ${sw}`,
    );
  }
  if (dh <= 0 || dw <= 0) {
    throw new RuntimeError(
      `dilation should be greater than zero, but got dilationH: ${dh} dilationW: ${dw}`,
    );
  }
  if (oh < 1 || ow < 1) {
    const C = x._shape[x.dim() - 3];
    throw new RuntimeError(
      `Given input size: (${C}x${H}x${W}). Calculated output size: (${C}x${oh}x${ow}). Output size is too small`,
    );
  }
  if (!x.dtype.is_floating_point || x.dtype.name === "float16") {
    throw new RuntimeError(
      `"${fn}" not implemented for '${scalarTypeName(x.dtype)}'`,
    );
  }
  return { H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw };
}

/**
 * g scattered into zeros of `shape` at the argmax positions (int64 `indices`, one per element of
 * g, flat in each H×W plane): max pool's gradient, as a node whose own gradient gathers by the
 * same indices.
 */
function scatterByIndices(
  g: Tensor,
  indices: Tensor,
  shape: number[],
): Tensor {
  const backend = backendOf(g, indices);
  const gc = contiguous(g);
  const out = Tensor.empty(shape, g.dtype, backend);
  const [H, W] = shape.slice(-2), HW = H * W;
  const L = g._shape[g.dim() - 1] * g._shape[g.dim() - 2];
  if (out.numel() > 0) {
    backend.ops.scatterPlanes(
      gc._view(),
      indices._view(),
      out.numel() / HW,
      L,
      out._view(),
      HW,
    );
  }
  record({
    name: "MaxPool2DWithIndicesBackwardBackward0",
    inputs: [g],
    outputs: [out],
    save: [indices],
    backward: ([gg], [idx]) => [gatherByIndices(gg, idx, g._shape)],
  });
  return out;
}

/** x's values at the argmax positions, shaped like the pooled output (the adjoint of the scatter). */
function gatherByIndices(
  x: Tensor,
  indices: Tensor,
  shape: number[],
): Tensor {
  const backend = backendOf(x, indices);
  const xc = contiguous(x);
  const out = Tensor.empty(shape, x.dtype, backend);
  const [H, W] = x._shape.slice(-2), HW = H * W;
  const L = shape[shape.length - 1] * shape[shape.length - 2];
  if (out.numel() > 0) {
    backend.ops.gatherPlanes(
      xc._view(),
      indices._view(),
      out.numel() / L,
      HW,
      out._view(),
      L,
    );
  }
  record({
    name: "GatherBackward0",
    inputs: [x],
    outputs: [out],
    save: [indices],
    backward: ([g], [idx]) => [scatterByIndices(g, idx, x._shape)],
  });
  return out;
}

type MaxPoolArgs = {
  kernel_size: IntOrPair;
  stride: IntOrPair | null;
  padding: IntOrPair;
  dilation: IntOrPair;
  ceil_mode: boolean;
  return_indices: boolean;
};

const MAX_POOL_NAMES = [
  "kernel_size",
  "stride",
  "padding",
  "dilation",
  "ceil_mode",
  "return_indices",
] as const;
const maxPoolDefaults = (): MaxPoolArgs => ({
  kernel_size: undefined as unknown as IntOrPair,
  stride: null,
  padding: 0,
  dilation: 1,
  ceil_mode: false,
  return_indices: false,
});

function maxPool(x: Tensor, o: MaxPoolArgs): Tensor | [Tensor, Tensor] {
  const g = poolGeom(
    "max_pool2d",
    x,
    o.kernel_size,
    o.stride,
    o.padding,
    o.dilation,
    o.ceil_mode,
  );
  const backend = x.storage.backend;
  const shape = [...x._shape.slice(0, -2), g.oh, g.ow];
  const out = Tensor.empty(shape, x.dtype, backend);
  // Each window's argmax stays on the device as int64: the gradient scatters by it.
  const indices = Tensor.empty(shape, int64, backend);
  const planes = x.numel() / (g.H * g.W);
  if (out.numel() > 0) {
    backend.ops.maxPool2d(
      contiguous(x)._view(),
      planes,
      g,
      out._view(),
      indices._view(),
    );
  }
  const inShape = [...x._shape];
  record({
    name: "MaxPool2DWithIndicesBackward0",
    inputs: [x],
    outputs: [out],
    save: [indices],
    backward: ([gr], [idx]) => [scatterByIndices(gr, idx, inShape)],
  });
  return o.return_indices ? [out, indices] : out;
}

/**
 * `F.max_pool2d(input, kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=false,
 * return_indices=false)` on [N, C, H, W] or [C, H, W]; with return_indices, `[output, indices]`
 * (int64 flat positions in each H×W plane). The gradient goes to each window's first maximum.
 * @example torch.max_pool2d(torch.randn(1, 6, 28, 28), 2).shape  // [1, 6, 14, 14]
 */
export function max_pool2d(
  input: Tensor,
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  return maxPool(
    input,
    parseArgs("max_pool2d", args, [...MAX_POOL_NAMES], maxPoolDefaults()),
  );
}

/**
 * `F.max_pool1d(input, kernel_size, stride=kernel_size, padding=0, dilation=1, ceil_mode=false,
 * return_indices=false)` on [N, C, L] or [C, L]: max_pool2d over a height-1 view, as PyTorch.
 * @example torch.max_pool1d(torch.randn(2, 3, 8), 2).shape  // [2, 3, 4]
 */
export function max_pool1d(
  input: Tensor,
  ...args: unknown[]
): Tensor | [Tensor, Tensor] {
  const o = parseArgs(
    "max_pool1d",
    args,
    [...MAX_POOL_NAMES],
    maxPoolDefaults(),
  );
  if (input.dim() !== 2 && input.dim() !== 3) {
    throw new RuntimeError(
      `max_pool1d() Expected 2D or 3D input tensor, but got ${input.dim()}D`,
    );
  }
  const one = (v: IntOrPair | null) =>
    v === null ? null : [1, typeof v === "number" ? v : v[0]];
  const r = maxPool(unsqueeze(input, -2), {
    ...o,
    kernel_size: one(o.kernel_size)!,
    stride: one(o.stride),
    padding: [0, typeof o.padding === "number" ? o.padding : o.padding[0]],
    dilation: one(o.dilation)!,
  });
  return Array.isArray(r)
    ? [squeeze(r[0], -2), squeeze(r[1], -2)]
    : squeeze(r, -2);
}

/**
 * `F.avg_pool2d(input, kernel_size, stride=kernel_size, padding=0, ceil_mode=false,
 * count_include_pad=true, divisor_override?)` on [N, C, H, W] or [C, H, W].
 * @example torch.avg_pool2d(torch.ones(1, 1, 4, 4), 2)  // all ones, [1, 1, 2, 2]
 */
export function avg_pool2d(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs(
    "avg_pool2d",
    args,
    [
      "kernel_size",
      "stride",
      "padding",
      "ceil_mode",
      "count_include_pad",
      "divisor_override",
    ],
    {
      kernel_size: undefined as unknown as IntOrPair,
      stride: null as IntOrPair | null,
      padding: 0 as IntOrPair,
      ceil_mode: false,
      count_include_pad: true,
      divisor_override: null as number | null,
    },
  );
  const g = poolGeom(
    "avg_pool2d",
    input,
    o.kernel_size,
    o.stride,
    o.padding,
    1,
    o.ceil_mode,
  );
  if (o.divisor_override === 0) {
    throw new RuntimeError("divisor must be not zero");
  }
  const taps = g.kh * g.kw, L = g.oh * g.ow;
  const idx = new Int32Array(L * taps).fill(-1), w = new Float64Array(L * taps);
  for (let y = 0; y < g.oh; y++) {
    for (let x = 0; x < g.ow; x++) {
      // ATen's window: clipped to the padded input for count_include_pad, then to the input.
      let h0 = y * g.sh - g.ph, w0 = x * g.sw - g.pw;
      let h1 = Math.min(h0 + g.kh, g.H + g.ph),
        w1 = Math.min(w0 + g.kw, g.W + g.pw);
      const poolSize = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0);
      w0 = Math.max(w0, 0);
      h1 = Math.min(h1, g.H);
      w1 = Math.min(w1, g.W);
      if (h0 >= h1 || w0 >= w1) continue;
      const div = o.divisor_override ??
        (o.count_include_pad ? poolSize : (h1 - h0) * (w1 - w0));
      let q = (y * g.ow + x) * taps;
      for (let iy = h0; iy < h1; iy++) {
        for (let ix = w0; ix < w1; ix++, q++) {
          idx[q] = iy * g.W + ix;
          w[q] = 1 / div;
        }
      }
    }
  }
  const map: PlaneMap = { inSize: g.H * g.W, outSize: L, taps, idx, w };
  return applyMap(input, {
    name: "AvgPool2DBackward0",
    adjointName: "AvgPool2DBackwardBackward0",
    map,
    planes: input.numel() / (g.H * g.W),
    inShape: [...input._shape],
    outShape: [...input._shape.slice(0, -2), g.oh, g.ow],
  });
}

/**
 * `F.adaptive_avg_pool2d(input, output_size)`: averages over windows [floor(i*H/oh),
 * ceil((i+1)*H/oh)); output_size an int, a pair, or a pair with null (keep that size).
 * @example torch.adaptive_avg_pool2d(torch.randn(1, 3, 7, 9), [2, null]).shape  // [1, 3, 2, 9]
 */
export function adaptive_avg_pool2d(
  input: Tensor,
  output_size: number | (number | null)[],
): Tensor {
  if ((input.dim() !== 3 && input.dim() !== 4) || input.numel() === 0) {
    throw new RuntimeError(
      `adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [${
        input._shape.join(", ")
      }]`,
    );
  }
  const [H, W] = input._shape.slice(-2);
  const sizes = typeof output_size === "number"
    ? [output_size, output_size]
    : output_size;
  const oh = sizes[0] ?? H, ow = sizes[1] ?? W;
  // ATen takes a mean for a 1x1 output (MeanBackward1 in the graph).
  if (oh === 1 && ow === 1) return input.mean([-1, -2], true);
  const start = (i: number, o: number, n: number) => Math.floor(i * n / o);
  const end = (i: number, o: number, n: number) => Math.ceil((i + 1) * n / o);
  let kh = 0, kw = 0;
  for (let y = 0; y < oh; y++) {
    kh = Math.max(kh, end(y, oh, H) - start(y, oh, H));
  }
  for (let x = 0; x < ow; x++) {
    kw = Math.max(kw, end(x, ow, W) - start(x, ow, W));
  }
  const taps = kh * kw, L = oh * ow;
  const idx = new Int32Array(L * taps).fill(-1), w = new Float64Array(L * taps);
  for (let y = 0; y < oh; y++) {
    const h0 = start(y, oh, H), h1 = end(y, oh, H);
    for (let x = 0; x < ow; x++) {
      const w0 = start(x, ow, W), w1 = end(x, ow, W);
      const n = (h1 - h0) * (w1 - w0);
      let q = (y * ow + x) * taps;
      for (let iy = h0; iy < h1; iy++) {
        for (let ix = w0; ix < w1; ix++, q++) {
          idx[q] = iy * W + ix;
          w[q] = 1 / n;
        }
      }
    }
  }
  return applyMap(input, {
    name: "AdaptiveAvgPool2DBackward0",
    adjointName: "AdaptiveAvgPool2DBackwardBackward0",
    map: { inSize: H * W, outSize: L, taps, idx, w },
    planes: input.numel() / (H * W),
    inShape: [...input._shape],
    outShape: [...input._shape.slice(0, -2), oh, ow],
  });
}
