// Conv1d, Conv2d and ConvTranspose2d (PyTorch's _ConvNd: shapes, checks, init and repr).

import { ValueError } from "../../errors.ts";
import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import {
  conv1d,
  conv2d,
  conv3d,
  conv_transpose1d,
  conv_transpose2d,
} from "../../ops/conv.ts";
import { pad } from "../../ops/resize.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as init from "../init.ts";
import { ntuple, paramDtype, py } from "./_util.ts";

type IntOrTuple = number | number[];

const CONV_DEFAULTS = {
  stride: 1 as IntOrTuple,
  padding: 0 as IntOrTuple | "same" | "valid",
  dilation: 1 as IntOrTuple,
  groups: 1,
  bias: true,
  padding_mode: "zeros",
  output_padding: 0 as IntOrTuple,
  device: undefined as unknown,
  dtype: undefined as unknown,
};

const PADDING_MODES = ["zeros", "reflect", "replicate", "circular"];

/** The shared body of the convolutions (PyTorch's `_ConvNd`). */
export class _ConvNd extends Module {
  in_channels: number;
  out_channels: number;
  kernel_size: number[];
  stride: number[];
  padding: number[] | "same" | "valid";
  dilation: number[];
  transposed: boolean;
  output_padding: number[];
  groups: number;
  padding_mode: string;
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    n: number,
    transposed: boolean,
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    o: typeof CONV_DEFAULTS,
  ) {
    super();
    if (o.groups <= 0) {
      throw new ValueError("groups must be a positive integer");
    }
    if (in_channels % o.groups !== 0) {
      throw new ValueError("in_channels must be divisible by groups");
    }
    if (out_channels % o.groups !== 0) {
      throw new ValueError("out_channels must be divisible by groups");
    }
    const stride = ntuple(o.stride, n);
    if (typeof o.padding === "string") {
      if (o.padding !== "same" && o.padding !== "valid") {
        throw new ValueError(
          `Invalid padding string '${o.padding}', should be one of {'valid', 'same'}`,
        );
      }
      if (o.padding === "same" && stride.some((s) => s !== 1)) {
        throw new ValueError(
          "padding='same' is not supported for strided convolutions",
        );
      }
    }
    if (!PADDING_MODES.includes(o.padding_mode)) {
      throw new ValueError(
        `padding_mode must be one of {${
          PADDING_MODES.map((m) => `'${m}'`).join(", ")
        }}, but got padding_mode='${o.padding_mode}'`,
      );
    }
    this.in_channels = in_channels;
    this.out_channels = out_channels;
    this.kernel_size = ntuple(kernel_size, n);
    this.stride = stride;
    this.padding = typeof o.padding === "string"
      ? o.padding
      : ntuple(o.padding, n);
    this.dilation = ntuple(o.dilation, n);
    this.transposed = transposed;
    this.output_padding = ntuple(o.output_padding, n);
    this.groups = o.groups;
    this.padding_mode = o.padding_mode;
    const dtype = paramDtype(o.dtype);
    const shape = transposed
      ? [in_channels, out_channels / o.groups, ...this.kernel_size]
      : [out_channels, in_channels / o.groups, ...this.kernel_size];
    this.weight = new Parameter(Tensor.empty(shape, dtype));
    this.bias = o.bias
      ? new Parameter(Tensor.empty([out_channels], dtype))
      : null;
    this.reset_parameters();
  }

  /**
   * F.pad's list for a padding_mode other than zeros, last dim first (PyTorch's
   * `_reversed_padding_repeated_twice`); "same" puts the odd one out on the right.
   */
  get _reversed_padding_repeated_twice(): number[] {
    const n = this.kernel_size.length, out: number[] = [];
    for (let i = n - 1; i >= 0; i--) {
      if (this.padding === "valid") out.push(0, 0);
      else if (this.padding === "same") {
        const total = this.dilation[i] * (this.kernel_size[i] - 1);
        const left = Math.floor(total / 2);
        out.push(left, total - left);
      } else out.push(this.padding[i], this.padding[i]);
    }
    return out;
  }

  /**
   * PyTorch's `_conv_forward`: the convolution of input, which padding_mode other than zeros pads
   * here (the convolution itself then pads nothing).
   */
  protected _convForward(input: Tensor, conv: typeof conv2d): Tensor {
    const zeros = this.padding_mode === "zeros";
    return conv(
      zeros
        ? input
        : pad(input, this._reversed_padding_repeated_twice, this.padding_mode),
      this.weight,
      this.bias,
      this.stride,
      zeros ? this.padding : this.kernel_size.map(() => 0),
      this.dilation,
      this.groups,
    );
  }

  /** PyTorch's initialisation: kaiming_uniform_(a = sqrt(5)), then the bias U(±1/sqrt(fan_in)). */
  reset_parameters(): void {
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      if (fanIn !== 0) {
        const bound = 1 / Math.sqrt(fanIn);
        init.uniform_(this.bias, -bound, bound);
      }
    }
  }

  override extra_repr(): string {
    let s = `${this.in_channels}, ${this.out_channels}, kernel_size=${
      py(this.kernel_size)
    }, stride=${py(this.stride)}`;
    const p = this.padding;
    if (typeof p === "string" || p.some((v) => v !== 0)) {
      s += `, padding=${py(p)}`;
    }
    if (this.dilation.some((v) => v !== 1)) {
      s += `, dilation=${py(this.dilation)}`;
    }
    if (this.output_padding.some((v) => v !== 0)) {
      s += `, output_padding=${py(this.output_padding)}`;
    }
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ", bias=False";
    if (this.padding_mode !== "zeros") {
      s += `, padding_mode=${this.padding_mode}`;
    }
    return s;
  }

  override legacy_repr(): string | undefined {
    // PyTorch 0.3 printed convolutions as today, without the options it did not have.
    return typeof this.padding === "string"
      ? undefined
      : `${this.constructor.name}(${this.extra_repr()})`;
  }
}

function convArgs(fn: string, args: unknown[], transposed: boolean) {
  const names = transposed
    ? [
      "stride",
      "padding",
      "output_padding",
      "groups",
      "bias",
      "dilation",
      "padding_mode",
    ] as const
    : [
      "stride",
      "padding",
      "dilation",
      "groups",
      "bias",
      "padding_mode",
    ] as const;
  return parseArgs(fn, args, names, { ...CONV_DEFAULTS });
}

/**
 * `nn.Conv1d(in_channels, out_channels, kernel_size, stride = 1, padding = 0, dilation = 1,
 * groups = 1, bias = true)`: over (N, C, L) inputs.
 * @example new nn.Conv1d(16, 33, 3, { stride: 2 })(torch.randn(20, 16, 50))
 */
export class Conv1d extends _ConvNd {
  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    ...args: unknown[]
  ) {
    super(
      1,
      false,
      in_channels,
      out_channels,
      kernel_size,
      convArgs("Conv1d", args, false),
    );
  }

  forward(input: Tensor): Tensor {
    return this._convForward(input, conv1d);
  }
}

/**
 * `nn.Conv2d(in_channels, out_channels, kernel_size, stride = 1, padding = 0, dilation = 1,
 * groups = 1, bias = true)`: padding may be a number, a pair, "valid" or "same".
 * @example new nn.Conv2d(1, 6, 5, { stride: 2, padding: "same" })
 */
export class Conv2d extends _ConvNd {
  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    ...args: unknown[]
  ) {
    super(
      2,
      false,
      in_channels,
      out_channels,
      kernel_size,
      convArgs("Conv2d", args, false),
    );
  }

  forward(input: Tensor): Tensor {
    return this._convForward(input, conv2d);
  }
}

/**
 * `nn.ConvTranspose2d(in_channels, out_channels, kernel_size, stride = 1, padding = 0,
 * output_padding = 0, groups = 1, bias = true, dilation = 1)`: the gradient of a Conv2d.
 * @example new nn.ConvTranspose2d(16, 33, 3, { stride: 2 })(torch.randn(1, 16, 5, 5))
 */
export class ConvTranspose2d extends _ConvNd {
  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    ...args: unknown[]
  ) {
    const o = convArgs("ConvTranspose2d", args, true);
    if (typeof o.padding === "string" || o.padding_mode !== "zeros") {
      throw new ValueError(
        'Only "zeros" padding mode is supported for ConvTranspose2d',
      );
    }
    super(2, true, in_channels, out_channels, kernel_size, o);
  }

  forward(input: Tensor): Tensor {
    return conv_transpose2d(
      input,
      this.weight,
      this.bias,
      this.stride,
      this.padding,
      this.output_padding,
      this.groups,
      this.dilation,
    );
  }
}

/**
 * `nn.ConvTranspose1d(in_channels, out_channels, kernel_size, stride = 1, padding = 0,
 * output_padding = 0, groups = 1, bias = true, dilation = 1)`: the adjoint of Conv1d.
 * @example new nn.ConvTranspose1d(4, 2, 3, { stride: 2 })(torch.randn(1, 4, 5))  // [1, 2, 11]
 */
export class ConvTranspose1d extends _ConvNd {
  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    ...args: unknown[]
  ) {
    const o = convArgs("ConvTranspose1d", args, true);
    if (typeof o.padding === "string" || o.padding_mode !== "zeros") {
      throw new ValueError(
        'Only "zeros" padding mode is supported for ConvTranspose1d',
      );
    }
    super(1, true, in_channels, out_channels, kernel_size, o);
  }

  forward(input: Tensor): Tensor {
    return conv_transpose1d(
      input,
      this.weight,
      this.bias,
      this.stride,
      this.padding,
      this.output_padding,
      this.groups,
      this.dilation,
    );
  }
}

/**
 * `nn.Conv3d(in_channels, out_channels, kernel_size, stride = 1, padding = 0, dilation = 1,
 * groups = 1, bias = true)`: over (N, C, D, H, W), as sums of 2-D convolutions over the depth.
 * @example new nn.Conv3d(2, 4, 3, { padding: 1 })(torch.randn(1, 2, 5, 8, 8))  // [1, 4, 5, 8, 8]
 */
export class Conv3d extends _ConvNd {
  constructor(
    in_channels: number,
    out_channels: number,
    kernel_size: IntOrTuple,
    ...args: unknown[]
  ) {
    super(
      3,
      false,
      in_channels,
      out_channels,
      kernel_size,
      convArgs("Conv3d", args, false),
    );
  }

  forward(input: Tensor): Tensor {
    return this._convForward(input, conv3d);
  }
}
