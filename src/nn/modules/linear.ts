// Identity, Linear and Bilinear, initialised as PyTorch's reset_parameters does.

import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as F from "../functional.ts";
import * as init from "../init.ts";
import { paramDtype } from "./_util.ts";

/**
 * `nn.Identity()`: returns its input unchanged (a placeholder layer).
 * @example new nn.Identity()(x) === x
 */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  forward(input: Tensor): Tensor {
    return input;
  }
}

/**
 * `nn.Linear(in_features, out_features, bias = true, { dtype })`: y = x Wᵀ + b, with W of shape
 * (out, in) and both drawn from U(-1/sqrt(in), 1/sqrt(in)) as PyTorch draws them.
 * @example const fc = new nn.Linear(400, 120); fc(torch.randn(2, 400))  // shape [2, 120]
 */
export class Linear extends Module {
  in_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(in_features: number, out_features: number, ...args: unknown[]) {
    super();
    const o = parseArgs("Linear", args, ["bias"], {
      bias: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const dtype = paramDtype(o.dtype);
    this.in_features = in_features;
    this.out_features = out_features;
    this.weight = new Parameter(
      Tensor.empty([out_features, in_features], dtype),
    );
    this.bias = o.bias
      ? new Parameter(Tensor.empty([out_features], dtype))
      : null;
    this.reset_parameters();
  }

  /** PyTorch's initialisation: kaiming_uniform_(a = sqrt(5)) on the weight, U(±1/sqrt(fan_in)) on the bias. */
  reset_parameters(): void {
    init.kaiming_uniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = init._calculate_fan_in_and_fan_out(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(input: Tensor): Tensor {
    return F.linear(input, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${
      this.bias ? "True" : "False"
    }`;
  }

  override legacy_repr(): string {
    return `Linear (${this.in_features} -> ${this.out_features})`;
  }
}

/**
 * `nn.Bilinear(in1_features, in2_features, out_features, bias = true)`: y = x1ᵀ A x2 + b.
 * @example new nn.Bilinear(20, 30, 40)(torch.randn(128, 20), torch.randn(128, 30))  // [128, 40]
 */
export class Bilinear extends Module {
  in1_features: number;
  in2_features: number;
  out_features: number;
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    in1_features: number,
    in2_features: number,
    out_features: number,
    ...args: unknown[]
  ) {
    super();
    const o = parseArgs("Bilinear", args, ["bias"], {
      bias: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const dtype = paramDtype(o.dtype);
    this.in1_features = in1_features;
    this.in2_features = in2_features;
    this.out_features = out_features;
    this.weight = new Parameter(
      Tensor.empty([out_features, in1_features, in2_features], dtype),
    );
    this.bias = o.bias
      ? new Parameter(Tensor.empty([out_features], dtype))
      : null;
    this.reset_parameters();
  }

  /** PyTorch's initialisation: U(±1/sqrt(in1_features)) on weight and bias. */
  reset_parameters(): void {
    const bound = 1 / Math.sqrt(this.weight.size(1));
    init.uniform_(this.weight, -bound, bound);
    if (this.bias) init.uniform_(this.bias, -bound, bound);
  }

  forward(input1: Tensor, input2: Tensor): Tensor {
    return F.bilinear(input1, input2, this.weight, this.bias);
  }

  override extra_repr(): string {
    return `in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features}, bias=${
      this.bias ? "True" : "False"
    }`;
  }

  override legacy_repr(): string {
    return `Bilinear (in1_features=${this.in1_features}, in2_features=${this.in2_features}, out_features=${this.out_features})`;
  }
}
