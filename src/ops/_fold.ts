// F.unfold and F.fold: im2col as a linear plane map, each the other's gradient.

import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { im2colMap } from "../backend/geometry.ts";
import { parseArgs } from "./_args.ts";
import { applyAdjoint, applyMap, type MapOp } from "./_plane.ts";
import { type IntOrList, list } from "./conv.ts";

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
