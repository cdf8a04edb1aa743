// Convolutions: conv1d, conv2d and conv_transpose2d (one ConvolutionBackward0 node each, on the
// im2col + GEMM kernels), and F.unfold / F.fold as im2col plane maps that are each other's gradient.
// The recorded op is in _convolution.ts; F.unfold / F.fold in _fold.ts.

import { bfloat16 } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { parseArgs } from "./_args.ts";
import { scalarTypeName } from "./core.ts";
import { squeeze, unsqueeze } from "./views.ts";
import { pad } from "./resize.ts";
import { convolution } from "./_convolution.ts";
import { stack } from "./indexing.ts";

export { convolution } from "./_convolution.ts";
export { fold, unfold } from "./_fold.ts";

/** An int for every spatial dim, or one int per dim. */
export type IntOrList = number | number[];

/** A shape or size list as PyTorch prints it: `[1, 2]`. */
export const list = (v: number[]) => `[${v.join(", ")}]`;

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
  const geometry = {
    stride,
    padding,
    dilation,
    outputPadding,
    groups: g,
    transposed,
  };
  // PyTorch's bfloat16 convolutions accumulate and add the bias in float32, rounding once.
  const out = input.dtype === bfloat16
    ? convolution(
      x.float(),
      weight.float(),
      o.bias ? o.bias.float() : null,
      geometry,
    ).to(bfloat16)
    : convolution(x, weight, o.bias, geometry);
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
 * `F.conv3d(input, weight, bias?, stride=1, padding=0, dilation=1, groups=1)`: input
 * [N, C, D, H, W] or [C, D, H, W], weight [O, C/groups, kd, kh, kw]. Each output depth slice is a
 * sum of conv2d over the kernel's depth, so it runs (and differentiates) wherever conv2d does.
 * @example torch.conv3d(torch.randn(1, 2, 4, 5, 5), torch.randn(3, 2, 2, 3, 3))  // [1, 3, 3, 3, 3]
 */
export function conv3d(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("conv3d", args, [...CONV_NAMES], convDefaults());
  const d = input.dim();
  if (d !== 4 && d !== 5) {
    throw new RuntimeError(
      `Expected 4D (unbatched) or 5D (batched) input to conv3d, but got input of size: ${
        list(input._shape)
      }`,
    );
  }
  if (weight.dim() !== 5) {
    throw new RuntimeError(
      `Expected 5-dimensional weight for 5-dimensional input ${
        list(input._shape)
      }, but got ${weight.dim()}-dimensional weight of size ${
        list(weight._shape)
      } instead`,
    );
  }
  let x = d === 4 ? unsqueeze(input, 0) : input;
  const [sd, sh, sw] = expandParam("stride", o.stride, 3);
  const [dd, dh, dw] = expandParam("dilation", o.dilation, 3);
  let pd: number, ph: number, pw: number;
  if (typeof o.padding === "string") {
    if (o.padding === "valid") [pd, ph, pw] = [0, 0, 0];
    else if (o.padding === "same") {
      if (sd !== 1 || sh !== 1 || sw !== 1) {
        throw new RuntimeError(
          "padding='same' is not supported for strided convolutions",
        );
      }
      // Total padding d(k-1) per dim, the odd one out on the right (padding the input first).
      const total = [dd, dh, dw].map((dl, i) => dl * (weight.size(i + 2) - 1));
      const left = total.map((t) => Math.floor(t / 2));
      const extra = total.map((t, i) => t - 2 * left[i]);
      if (extra.some((e) => e > 0)) {
        x = pad(x, [0, extra[2], 0, extra[1], 0, extra[0]]);
      }
      [pd, ph, pw] = left;
    } else {
      throw new RuntimeError(
        `Invalid padding string: '${o.padding}'`,
      );
    }
  } else [pd, ph, pw] = expandParam("padding", o.padding, 3);
  const kd = weight.size(2), D = x.size(2);
  const depth = Math.floor((D + 2 * pd - dd * (kd - 1) - 1) / sd) + 1;
  if (depth < 1) {
    throw new RuntimeError(
      `Calculated padded input size per channel: (${D + 2 * pd} x ${
        x.size(3) + 2 * ph
      } x ${x.size(4) + 2 * pw}). Kernel size: (${kd} x ${weight.size(3)} x ${
        weight.size(4)
      }). Kernel size can't be greater than actual input size`,
    );
  }
  const slices: Tensor[] = [];
  for (let od = 0; od < depth; od++) {
    let acc: Tensor | null = null;
    for (let k = 0; k < kd; k++) {
      const z = od * sd + k * dd - pd;
      if (z < 0 || z >= D) continue; // zero padding along depth
      const part = conv2d(
        x.select(2, z),
        weight.select(2, k),
        null,
        [sh, sw],
        [ph, pw],
        [dh, dw],
        o.groups,
      );
      acc = acc ? acc.add(part) : part;
    }
    if (acc === null) {
      // Only padding under the kernel: zeros of the right shape.
      const probe = conv2d(
        x.select(2, 0),
        weight.select(2, 0),
        null,
        [sh, sw],
        [ph, pw],
        [dh, dw],
        o.groups,
      );
      acc = probe.mul(0);
    }
    slices.push(acc);
  }
  let out = stack(slices, 2);
  if (o.bias) out = out.add(o.bias.reshape([1, -1, 1, 1, 1]));
  return d === 4 ? out.squeeze(0) : out;
}

/**
 * `F.conv_transpose1d(input, weight, bias?, stride=1, padding=0, output_padding=0, groups=1,
 * dilation=1)`: the adjoint of conv1d, weight [C_in, C_out/groups, k].
 * @example torch.conv_transpose1d(torch.randn(1, 4, 5), torch.randn(4, 2, 3))  // [1, 2, 7]
 */
export function conv_transpose1d(
  input: Tensor,
  weight: Tensor,
  ...args: unknown[]
): Tensor {
  const o = parseArgs(
    "conv_transpose1d",
    args,
    ["bias", "stride", "padding", "output_padding", "groups", "dilation"],
    { ...convDefaults(), output_padding: 0 as IntOrList },
  );
  if (typeof o.padding === "string") {
    throw new TypeError(
      "conv_transpose1d(): argument 'padding' must be tuple of ints, not str",
    );
  }
  return convNd("conv_transpose1d", 1, input, weight, o, true);
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
