// The recorded convolution: geometry for the im2col + GEMM kernels, the forward (or transposed)
// pass, and one ConvolutionBackward0 node with its input, weight and bias gradients.

import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import type { ConvGeom, View } from "../backend/backend.ts";
import { backendOf, contiguous } from "./core.ts";

/** A convolution call's parameters, one entry per spatial dim (1 or 2). */
export interface ConvParams {
  stride: number[];
  padding: number[];
  dilation: number[];
  outputPadding: number[];
  groups: number;
  transposed: boolean;
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
  const backend = backendOf(input, weight, bias);
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
    out = Tensor.empty(small, input.dtype, backend);
    const g = geometry(input._shape, small, ws, p);
    const b = bias && contiguous(bias)._view();
    backend.ops.conv2d(x._view(), w._view(), b, out._view(), g);
  } else {
    const big = [input._shape[0], ws[1] * p.groups];
    for (let i = 0; i < p.stride.length; i++) {
      big.push(
        (input._shape[i + 2] - 1) * p.stride[i] - 2 * p.padding[i] +
          p.dilation[i] * (ws[i + 2] - 1) + p.outputPadding[i] + 1,
      );
    }
    out = Tensor.empty(big, input.dtype, backend);
    const g = geometry(big, input._shape, ws, p);
    backend.ops.conv2dBackwardInput(x._view(), w._view(), out._view(), g);
  }
  if (bias && p.transposed) addBias(out, bias);
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

/**
 * out[:, c] += bias[c] over every plane: the binary add primitive, in place, with the bias walked
 * as a [1, C, 1, ...] broadcast (stride 0 everywhere but the channel dim). Not recorded: the
 * convolution's node gives the bias its gradient.
 */
function addBias(out: Tensor, bias: Tensor): void {
  const o = out._view();
  const b: View = {
    buffer: bias.storage.buffer,
    dtype: bias.dtype.name,
    offset: bias.storage_offset_,
    strides: out._shape.map((_, i) => (i === 1 ? bias._strides[0] : 0)),
  };
  out.storage.backend.ops.binary("add", o, b, o, out._shape);
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
  const backend = backendOf(big, small);
  const b = contiguous(big), s = contiguous(small);
  const out = Tensor.empty(shape, big.dtype, backend);
  const g = geometry(big._shape, small._shape, shape, p);
  backend.ops.conv2dBackwardWeight(b._view(), s._view(), out._view(), g);
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
