// Pooling layers: MaxPool1d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.

import type { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import {
  adaptive_avg_pool2d,
  avg_pool2d,
  max_pool1d,
  max_pool2d,
} from "../../ops/pool.ts";
import { Module } from "../module.ts";
import { ntuple, py } from "./_util.ts";

type IntOrTuple = number | number[];

const MAX_DEFAULTS = {
  stride: null as IntOrTuple | null,
  padding: 0 as IntOrTuple,
  dilation: 1 as IntOrTuple,
  return_indices: false,
  ceil_mode: false,
};

/** The shared body of the max pools (PyTorch's `_MaxPoolNd`). */
export class _MaxPoolNd extends Module {
  kernel_size: IntOrTuple;
  stride: IntOrTuple;
  padding: IntOrTuple;
  dilation: IntOrTuple;
  return_indices: boolean;
  ceil_mode: boolean;

  constructor(kernel_size: IntOrTuple, args: unknown[]) {
    super();
    const o = parseArgs(new.target.name, args, [
      "stride",
      "padding",
      "dilation",
      "return_indices",
      "ceil_mode",
    ], { ...MAX_DEFAULTS });
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding;
    this.dilation = o.dilation;
    this.return_indices = o.return_indices;
    this.ceil_mode = o.ceil_mode;
  }

  override extra_repr(): string {
    return `kernel_size=${py(this.kernel_size)}, stride=${
      py(this.stride)
    }, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${
      py(this.ceil_mode)
    }`;
  }
}

/**
 * `nn.MaxPool1d(kernel_size, stride = kernel_size, padding = 0, dilation = 1, return_indices = false,
 * ceil_mode = false)`.
 * @example new nn.MaxPool1d(2)(torch.randn(1, 3, 8))  // shape [1, 3, 4]
 */
export class MaxPool1d extends _MaxPoolNd {
  constructor(kernel_size: IntOrTuple, ...args: unknown[]) {
    super(kernel_size, args);
  }

  forward(input: Tensor): unknown {
    return max_pool1d(
      input,
      this.kernel_size,
      this.stride,
      this.padding,
      this.dilation,
      {
        ceil_mode: this.ceil_mode,
        return_indices: this.return_indices,
      },
    );
  }

  override legacy_repr(): string {
    return `MaxPool1d (size=${py(this.kernel_size)}, stride=${
      py(this.stride)
    }, padding=${py(this.padding)}, dilation=${py(this.dilation)}, ceil_mode=${
      py(this.ceil_mode)
    })`;
  }
}

/**
 * `nn.MaxPool2d(kernel_size, stride = kernel_size, padding = 0, dilation = 1, ...)`.
 * @example new nn.MaxPool2d(2)(torch.randn(1, 6, 28, 28))  // shape [1, 6, 14, 14]
 */
export class MaxPool2d extends _MaxPoolNd {
  constructor(kernel_size: IntOrTuple, ...args: unknown[]) {
    super(kernel_size, args);
  }

  forward(input: Tensor): unknown {
    return max_pool2d(
      input,
      this.kernel_size,
      this.stride,
      this.padding,
      this.dilation,
      {
        ceil_mode: this.ceil_mode,
        return_indices: this.return_indices,
      },
    );
  }

  override legacy_repr(): string {
    const pair = (v: IntOrTuple) => py(ntuple(v, 2));
    const pad = ntuple(this.padding, 2).some((v) => v !== 0)
      ? `, padding=${pair(this.padding)}`
      : "";
    return `MaxPool2d (size=${pair(this.kernel_size)}, stride=${
      pair(this.stride)
    }${pad}, dilation=${pair(this.dilation)})`;
  }
}

/**
 * `nn.AvgPool2d(kernel_size, stride = kernel_size, padding = 0, ceil_mode = false,
 * count_include_pad = true, divisor_override = null)`.
 * @example new nn.AvgPool2d(2)(torch.randn(1, 1, 4, 4))  // shape [1, 1, 2, 2]
 */
export class AvgPool2d extends Module {
  kernel_size: IntOrTuple;
  stride: IntOrTuple;
  padding: IntOrTuple;
  ceil_mode: boolean;
  count_include_pad: boolean;
  divisor_override: number | null;

  constructor(kernel_size: IntOrTuple, ...args: unknown[]) {
    super();
    const o = parseArgs("AvgPool2d", args, [
      "stride",
      "padding",
      "ceil_mode",
      "count_include_pad",
      "divisor_override",
    ], {
      stride: null as IntOrTuple | null,
      padding: 0 as IntOrTuple,
      ceil_mode: false,
      count_include_pad: true,
      divisor_override: null as number | null,
    });
    this.kernel_size = kernel_size;
    this.stride = o.stride ?? kernel_size;
    this.padding = o.padding;
    this.ceil_mode = o.ceil_mode;
    this.count_include_pad = o.count_include_pad;
    this.divisor_override = o.divisor_override;
  }

  forward(input: Tensor): Tensor {
    return avg_pool2d(input, this.kernel_size, this.stride, this.padding, {
      ceil_mode: this.ceil_mode,
      count_include_pad: this.count_include_pad,
      divisor_override: this.divisor_override,
    });
  }

  override extra_repr(): string {
    return `kernel_size=${py(this.kernel_size)}, stride=${
      py(this.stride)
    }, padding=${py(this.padding)}`;
  }

  override legacy_repr(): string {
    return `AvgPool2d (size=${py(this.kernel_size)}, stride=${
      py(this.stride)
    }, padding=${py(this.padding)}, ceil_mode=${
      py(this.ceil_mode)
    }, count_include_pad=${py(this.count_include_pad)})`;
  }
}

/**
 * `nn.AdaptiveAvgPool2d(output_size)`: averages into a fixed output size (null keeps a dim).
 * @example new nn.AdaptiveAvgPool2d([5, 7])(torch.randn(1, 64, 8, 9))  // shape [1, 64, 5, 7]
 */
export class AdaptiveAvgPool2d extends Module {
  output_size: number | (number | null)[];

  constructor(output_size: number | (number | null)[]) {
    super();
    this.output_size = output_size;
  }

  forward(input: Tensor): Tensor {
    return adaptive_avg_pool2d(input, this.output_size);
  }

  override extra_repr(): string {
    return `output_size=${py(this.output_size)}`;
  }

  override legacy_repr(): string {
    return `AdaptiveAvgPool2d (output_size=${py(this.output_size)})`;
  }
}
