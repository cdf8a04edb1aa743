// Convolutions: conv1d, conv2d and conv_transpose2d (one ConvolutionBackward0 node each, on the
// im2col + GEMM kernels), and F.unfold / F.fold as im2col plane maps that are each other's gradient.

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import {
  convBackwardData,
  convBackwardWeight,
  convForward,
  type ConvGeom,
  im2colMap,
} from "../backend/cpu/conv.ts";
import type { Floats } from "../backend/cpu/matmul.ts";
import { parseArgs } from "./_args.ts";
import { applyAdjoint, applyMap, type MapOp } from "./_plane.ts";
import { contiguous, scalarTypeName } from "./core.ts";
import { squeeze, unsqueeze } from "./views.ts";
import { pad } from "./resize.ts";

/** An int for every spatial dim, or one int per dim. */
export type IntOrList = number | number[];

/** A convolution call's parameters, one entry per spatial dim (1 or 2). */
interface ConvParams {
  stride: number[];
  padding: number[];
  dilation: number[];
  outputPadding: number[];
  groups: number;
  transposed: boolean;
}

const list = (v: number[]) => `[${v.join(", ")}]`;

/** PyTorch's expand_param_if_needed: an int, or a list of one or `sp` ints. */
export function expandParam(name: string, v: IntOrList, sp: number): number[] {
  if (typeof v === "number") return new Array(sp).fill(v);
  if (v.length === 1) return new Array(sp).fill(v[0]);
  if (v.length !== sp) {
    throw new RuntimeError(
      `expected ${name} to be a single integer value or a list of ${sp} values to match the convolution dimensions, but got ${name}=${
        list(v)
      }`,
    );
  }
  return [...v];
}

/** A per-dim value as the 2-D kernels see it: 1-D convolutions are 2-D ones with height 1. */
function two(v: number[], fill: number): [number, number] {
  return v.length === 1 ? [fill, v[0]] : [v[0], v[1]];
}

function geometry(
  big: number[],
  small: number[],
  weight: number[],
  p: ConvParams,
): ConvGeom {
  const [H, W] = two(big.slice(2), 1), [oh, ow] = two(small.slice(2), 1);
  const [kh, kw] = two(weight.slice(2), 1);
  const [sh, sw] = two(p.stride, 1), [ph, pw] = two(p.padding, 0);
  const [dh, dw] = two(p.dilation, 1);
  return {
    N: big[0],
    C: big[1],
    H,
    W,
    O: small[1],
    oh,
    ow,
    G: p.groups,
    kh,
    kw,
    sh,
    sw,
    ph,
    pw,
    dh,
    dw,
  };
}

/** Output padding that makes a transposed convolution of `small` come out at `big`'s size. */
function outputPaddingFor(
  big: number[],
  small: number[],
  kernel: number[],
  p: ConvParams,
): number[] {
  return p.stride.map((s, i) =>
    big[i + 2] -
    ((small[i + 2] - 1) * s - 2 * p.padding[i] +
      p.dilation[i] * (kernel[i + 2] - 1) + 1)
  );
}

const data = (t: Tensor) => t.storage.data as Floats;

/**
 * ATen's convolution on batched input: the forward convolution, or with `transposed` its adjoint.
 * Records one ConvolutionBackward0 node: the input gradient is the convolution the other way
 * round, the weight gradient `convWeight`, the bias gradient a sum.
 */
export function convolution(
  input: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  p: ConvParams,
): Tensor {
  const x = contiguous(input), w = contiguous(weight);
  const ws = weight._shape;
  let out: Tensor;
  if (!p.transposed) {
    const small = [input._shape[0], ws[0]];
    for (let i = 0; i < p.stride.length; i++) {
      small.push(
        Math.floor(
          (input._shape[i + 2] + 2 * p.padding[i] -
            p.dilation[i] * (ws[i + 2] - 1) -
            1) / p.stride[i],
        ) + 1,
      );
    }
    out = Tensor.empty(small, input.dtype);
    const g = geometry(input._shape, small, ws, p);
    convForward(
      data(x),
      x.storage_offset_,
      data(w),
      w.storage_offset_,
      data(out),
      g,
    );
  } else {
    const big = [input._shape[0], ws[1] * p.groups];
    for (let i = 0; i < p.stride.length; i++) {
      big.push(
        (input._shape[i + 2] - 1) * p.stride[i] - 2 * p.padding[i] +
          p.dilation[i] * (ws[i + 2] - 1) + p.outputPadding[i] + 1,
      );
    }
    out = Tensor.empty(big, input.dtype);
    const g = geometry(big, input._shape, ws, p);
    convBackwardData(
      data(x),
      x.storage_offset_,
      data(w),
      w.storage_offset_,
      data(out),
      g,
    );
  }
  if (bias) addBias(out, bias);
  const needs = [
    input.requires_grad,
    weight.requires_grad,
    !!bias?.requires_grad,
  ];
  const sumDims = out._shape.map((_, i) => i).filter((i) => i !== 1);
  record({
    name: "ConvolutionBackward0",
    inputs: [input, weight, bias ?? undefined],
    outputs: [out],
    save: [input, weight],
    backward: ([g], [xs, wt]) => {
      const back = { ...p, transposed: !p.transposed };
      if (back.transposed) {
        back.outputPadding = outputPaddingFor(
          xs._shape,
          g._shape,
          wt._shape,
          p,
        );
      }
      return [
        needs[0] ? convolution(g, wt, null, back) : undefined,
        needs[1]
          ? (p.transposed
            ? convWeight(g, xs, wt._shape, p)
            : convWeight(xs, g, wt._shape, p))
          : undefined,
        needs[2] ? g.sum(sumDims) : undefined,
      ];
    },
  });
  return out;
}

/** out[:, c] += bias[c] over every plane. */
function addBias(out: Tensor, bias: Tensor): void {
  const o = data(out), b = contiguous(bias);
  const bd = data(b), boff = b.storage_offset_;
  const [N, C] = out._shape;
  const L = out.numel() / (N * C);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const v = bd[boff + c], base = (n * C + c) * L;
      for (let t = 0; t < L; t++) o[base + t] += v;
    }
  }
}

/**
 * The weight gradient of the forward convolution big → small, as its own node. It is bilinear:
 * <convWeight(big, small), u> = <conv(big, u), small> = <big, convᵀ(small, u)>, which gives its
 * own gradients as convolutions with u in the weight's place.
 */
function convWeight(
  big: Tensor,
  small: Tensor,
  shape: number[],
  p: ConvParams,
): Tensor {
  const b = contiguous(big), s = contiguous(small);
  const out = Tensor.empty(shape, big.dtype);
  const g = geometry(big._shape, small._shape, shape, p);
  convBackwardWeight(
    data(b),
    b.storage_offset_,
    data(s),
    s.storage_offset_,
    data(out),
    g,
  );
  const needs = [big.requires_grad, small.requires_grad];
  record({
    name: "ConvolutionBackwardBackward0",
    inputs: [big, small],
    outputs: [out],
    save: [big, small],
    backward: ([u], [bs, ss]) => [
      needs[0]
        ? convolution(ss, u, null, {
          ...p,
          transposed: true,
          outputPadding: outputPaddingFor(bs._shape, ss._shape, u._shape, p),
        })
        : undefined,
      needs[1]
        ? convolution(bs, u, null, { ...p, transposed: false })
        : undefined,
    ],
  });
  return out;
}

type ConvArgs = {
  bias: Tensor | null;
  stride: IntOrList;
  padding: IntOrList | string;
  dilation: IntOrList;
  groups: number;
};

/** Argument checks in ATen's order, then the convolution on a batched view of the input. */
function convNd(
  fn: string,
  sp: number,
  input: Tensor,
  weight: Tensor,
  o: ConvArgs & { output_padding?: IntOrList },
  transposed: boolean,
): Tensor {
  const d = input.dim();
  if (d !== sp + 1 && d !== sp + 2) {
    throw new RuntimeError(
      `Expected ${sp + 1}D (unbatched) or ${
        sp + 2
      }D (batched) input to ${fn}, but got input of size: ${
        list(input._shape)
      }`,
    );
  }
  const unbatched = d === sp + 1;
  let x = unbatched ? unsqueeze(input, 0) : input;
  const stride = expandParam("stride", o.stride, sp);
  const dilation = expandParam("dilation", o.dilation, sp);
  const outputPadding = expandParam(
    "output_padding",
    o.output_padding ?? 0,
    sp,
  );
  const ws = weight._shape;
  let padding: number[];
  if (typeof o.padding === "string") {
    if (o.padding === "valid") padding = new Array(sp).fill(0);
    else if (o.padding === "same") {
      if (stride.some((s) => s !== 1)) {
        throw new RuntimeError(
          "padding='same' is not supported for strided convolutions",
        );
      }
      // Total padding d(k-1) split as ATen does: the odd one out goes on the right, by padding the
      // input first.
      const total = dilation.map((dl, i) => dl * ((ws[i + 2] ?? 1) - 1));
      padding = total.map((t) => Math.floor(t / 2));
      if (total.some((t, i) => t !== 2 * padding[i])) {
        const extra: number[] = [];
        for (let i = sp - 1; i >= 0; i--) {
          extra.push(0, total[i] - 2 * padding[i]);
        }
        x = pad(x, extra);
      }
    } else {
      throw new RuntimeError(`Invalid padding string: '${o.padding}'`);
    }
  } else padding = expandParam("padding", o.padding, sp);
  if (padding.some((v) => v < 0)) {
    throw new RuntimeError("negative padding is not supported");
  }
  if (outputPadding.some((v) => v < 0)) {
    throw new RuntimeError("negative output_padding is not supported");
  }
  if (stride.some((v) => v <= 0)) {
    throw new RuntimeError("non-positive stride is not supported");
  }
  if (dilation.some((v) => v <= 0)) {
    throw new RuntimeError(
      `dilation should be greater than zero, but got ${list(dilation)}`,
    );
  }
  for (const t of [weight, o.bias]) {
    if (t && t.dtype !== input.dtype) {
      throw new RuntimeError(
        `expected scalar type ${scalarTypeName(input.dtype)} but found ${
          scalarTypeName(t.dtype)
        }`,
      );
    }
  }
  if (!input.dtype.is_floating_point || input.dtype.name === "float16") {
    throw new RuntimeError(
      `"slow_conv2d_cpu" not implemented for '${scalarTypeName(input.dtype)}'`,
    );
  }
  const k = x.dim(), g = o.groups;
  if (weight.dim() !== k) {
    throw new RuntimeError(
      `Expected ${weight.dim()}-dimensional input for ${weight.dim()}-dimensional weight ${
        list(ws)
      }, but got ${k}-dimensional input of size ${list(x._shape)} instead`,
    );
  }
  if (ws[0] < g) {
    throw new RuntimeError(
      `Given groups=${g}, expected weight to be at least ${g} at dimension 0, but got weight of size ${
        list(ws)
      } instead`,
    );
  }
  if (ws[0] % g !== 0) {
    throw new RuntimeError(
      `Given groups=${g}, expected weight to be divisible by ${g} at dimension 0, but got weight of size [${
        list(ws)
      }] instead`,
    );
  }
  const channels = transposed ? ws[0] : ws[1] * g;
  if (x._shape[1] !== channels) {
    throw new RuntimeError(
      `Given ${transposed ? "transposed=1" : `groups=${g}`}, weight of size ${
        list(ws)
      }, expected input${
        list(x._shape)
      } to have ${channels} channels, but got ${x._shape[1]} channels instead`,
    );
  }
  const biasSize = transposed ? ws[1] * g : ws[0];
  if (o.bias && (o.bias.dim() !== 1 || o.bias._shape[0] !== biasSize)) {
    throw new RuntimeError(
      `Given weight of size ${
        list(ws)
      }, expected bias to be 1-dimensional with ${biasSize} elements, but got bias of size ${
        list(o.bias._shape)
      } instead`,
    );
  }
  if (!transposed) {
    const padded = x._shape.slice(2).map((s, i) => s + 2 * padding[i]);
    const kernel = ws.slice(2).map((s, i) => dilation[i] * (s - 1) + 1);
    if (padded.some((s, i) => s < kernel[i])) {
      throw new RuntimeError(
        `Calculated padded input size per channel: (${
          padded.join(" x ")
        }). Kernel size: (${
          kernel.join(" x ")
        }). Kernel size can't be greater than actual input size`,
      );
    }
  } else if (outputPadding.some((v, i) => v >= stride[i] && v >= dilation[i])) {
    const hw = sp === 2 ? ["height", "width"] : ["width"];
    const part = (name: string, v: number[]) =>
      hw.map((h, i) => `${name}_${h}: ${v[i]}`).join(" ");
    throw new RuntimeError(
      `output padding must be smaller than either stride or dilation, but got ${
        part("output_padding", outputPadding)
      } ${part("stride", stride)} ${part("dilation", dilation)}`,
    );
  }
  const out = convolution(x, weight, o.bias, {
    stride,
    padding,
    dilation,
    outputPadding,
    groups: g,
    transposed,
  });
  return unbatched ? squeeze(out, 0) : out;
}

const CONV_NAMES = ["bias", "stride", "padding", "dilation", "groups"] as const;
const convDefaults = (): ConvArgs => ({
  bias: null,
  stride: 1,
  padding: 0,
  dilation: 1,
  groups: 1,
});

/**
 * `F.conv1d(input, weight, bias?, stride=1, padding=0, dilation=1, groups=1)`: input [N, C, L] or
 * [C, L], weight [O, C/groups, k]; padding may be "valid" or "same".
 * @example torch.conv1d(torch.randn(2, 3, 10), torch.randn(4, 3, 3), null, 1, "same")
 */
export function conv1d(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("conv1d", args, [...CONV_NAMES], convDefaults());
  return convNd("conv1d", 1, input, weight, o, false);
}

/**
 * `F.conv2d(input, weight, bias?, stride=1, padding=0, dilation=1, groups=1)`: input [N, C, H, W]
 * or [C, H, W], weight [O, C/groups, kh, kw]; padding an int, a pair, "valid" or "same".
 * @example torch.conv2d(torch.randn(1, 1, 32, 32), torch.randn(6, 1, 5, 5))  // [1, 6, 28, 28]
 */
export function conv2d(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("conv2d", args, [...CONV_NAMES], convDefaults());
  return convNd("conv2d", 2, input, weight, o, false);
}

/**
 * `F.conv_transpose2d(input, weight, bias?, stride=1, padding=0, output_padding=0, groups=1,
 * dilation=1)`: the adjoint of conv2d, weight [C_in, C_out/groups, kh, kw].
 * @example torch.conv_transpose2d(torch.randn(1, 4, 5, 5), torch.randn(4, 2, 3, 3), null, 2)
 */
export function conv_transpose2d(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "conv_transpose2d",
    args,
    ["bias", "stride", "padding", "output_padding", "groups", "dilation"],
    { ...convDefaults(), output_padding: 0 as IntOrList },
  );
  if (typeof o.padding === "string") {
    throw new TypeError(
      "conv_transpose2d(): argument 'padding' must be tuple of ints, not str",
    );
  }
  return convNd("conv_transpose2d", 2, input, weight, o, true);
}

type FoldArgs = {
  kernel_size: IntOrList;
  dilation: IntOrList;
  padding: IntOrList;
  stride: IntOrList;
};

/** The im2col map op of F.unfold for a [N, C, H, W] input; F.fold runs it backwards. */
function im2colOp(
  N: number,
  C: number,
  H: number,
  W: number,
  o: FoldArgs,
): MapOp & { L: number; K: number } {
  const pair = (name: string, v: IntOrList) => {
    const r = typeof v === "number" ? [v, v] : [...v];
    if (r.length !== 2) {
      throw new RuntimeError(
        `${name} must be an int or a tuple of two ints, but got ${list(r)}`,
      );
    }
    return r;
  };
  const [kh, kw] = pair("kernel_size", o.kernel_size);
  const [dh, dw] = pair("dilation", o.dilation);
  const [ph, pw] = pair("padding", o.padding);
  const [sh, sw] = pair("stride", o.stride);
  const check = (
    ok: boolean,
    what: string,
    a: number,
    b: number,
    n: string,
  ) => {
    if (!ok) {
      throw new RuntimeError(
        `${what} should be greater than ${n}, but got ${
          what.split(" ")[0]
        }_height: ${a} ${what.split(" ")[0]}_width: ${b}`,
      );
    }
  };
  check(kh > 0 && kw > 0, "kernel size", kh, kw, "zero");
  check(dh > 0 && dw > 0, "dilation", dh, dw, "zero");
  check(ph >= 0 && pw >= 0, "padding", ph, pw, "or equal to zero");
  check(sh > 0 && sw > 0, "stride", sh, sw, "zero");
  const oh = Math.floor((H + 2 * ph - (dh * (kh - 1) + 1)) / sh) + 1;
  const ow = Math.floor((W + 2 * pw - (dw * (kw - 1) + 1)) / sw) + 1;
  if (oh < 1 || ow < 1) {
    throw new RuntimeError(
      `Given input with spatial size (${H}, ${W}), kernel_size=(${kh}, ${kw}), dilation=(${dh}, ${dw}), padding=(${ph}, ${pw}), calculated shape of the array of sliding blocks as (${oh}, ${ow}), but its components must be at least one.`,
    );
  }
  const map = im2colMap({ H, W, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw });
  const K = kh * kw, L = oh * ow;
  return {
    name: "Im2ColBackward0",
    adjointName: "Col2ImBackward0",
    map,
    planes: N * C,
    inShape: [N, C, H, W],
    outShape: [N, C * K, L],
    L,
    K,
  };
}

/**
 * `F.unfold(input, kernel_size, dilation=1, padding=0, stride=1)`: sliding blocks of a
 * [N, C, H, W] (or [C, H, W]) input as columns, [N, C*kh*kw, L].
 * @example torch.unfold(torch.randn(1, 3, 4, 4), 2).shape  // [1, 12, 9]
 */
export function unfold(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs(
    "unfold",
    args,
    ["kernel_size", "dilation", "padding", "stride"],
    {
      kernel_size: undefined as unknown as IntOrList,
      dilation: 1,
      padding: 0,
      stride: 1,
    },
  );
  const d = input.dim();
  if (d !== 3 && d !== 4) {
    throw new RuntimeError(
      `Input Error: Only 3D or 4D input Tensors are supported (got ${d}D)`,
    );
  }
  const [N, C, H, W] = d === 3 ? [1, ...input._shape] : input._shape;
  const op = im2colOp(N, C, H, W, o);
  // Unbatched input is one node too, as PyTorch: the map only sees planes.
  if (d === 3) {
    op.inShape = op.inShape.slice(1);
    op.outShape = op.outShape.slice(1);
  }
  return applyMap(input, op);
}

/**
 * `F.fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1)`: sums columns
 * [N, C*kh*kw, L] (or [C*kh*kw, L]) back into [N, C, H, W]; the adjoint of unfold.
 * @example torch.fold(torch.ones(1, 12, 9), [4, 4], 2)
 */
export function fold(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs(
    "fold",
    args,
    ["output_size", "kernel_size", "dilation", "padding", "stride"],
    {
      output_size: undefined as unknown as IntOrList,
      kernel_size: undefined as unknown as IntOrList,
      dilation: 1,
      padding: 0,
      stride: 1,
    },
  );
  const d = input.dim();
  if (d !== 2 && d !== 3) {
    throw new RuntimeError(
      `Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got ${d}D)`,
    );
  }
  const xs = d === 2 ? [1, ...input._shape] : input._shape;
  const [H, W] = typeof o.output_size === "number"
    ? [o.output_size, o.output_size]
    : o.output_size;
  const [kh, kw] = typeof o.kernel_size === "number"
    ? [o.kernel_size, o.kernel_size]
    : o.kernel_size;
  const K = kh * kw;
  if (xs[1] % K !== 0) {
    throw new RuntimeError(
      `Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${
        xs[1]
      } and kernel_size=(${kh}, ${kw}).`,
    );
  }
  const op = im2colOp(xs[0], xs[1] / K, H, W, o);
  if (xs[2] !== op.L) {
    const [dh, dw] = typeof o.dilation === "number"
      ? [o.dilation, o.dilation]
      : o.dilation;
    const [ph, pw] = typeof o.padding === "number"
      ? [o.padding, o.padding]
      : o.padding;
    const [sh, sw] = typeof o.stride === "number"
      ? [o.stride, o.stride]
      : o.stride;
    const bh = Math.floor((H + 2 * ph - (dh * (kh - 1) + 1)) / sh) + 1;
    const bw = Math.floor((W + 2 * pw - (dw * (kw - 1) + 1)) / sw) + 1;
    throw new RuntimeError(
      `Given output_size=(${H}, ${W}), kernel_size=(${kh}, ${kw}), dilation=(${dh}, ${dw}), padding=(${ph}, ${pw}), stride=(${sh}, ${sw}), expected size of input's dimension 2 to match the calculated number of sliding blocks ${bh} * ${bw} = ${op.L}, but got input.size(2)=${
        xs[2]
      }.`,
    );
  }
  if (d === 2) {
    op.inShape = op.inShape.slice(1);
    op.outShape = op.outShape.slice(1);
  }
  return applyAdjoint(input, op);
}
