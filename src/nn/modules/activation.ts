// Activation layers: ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softmax, LogSoftmax.

import type { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { Module } from "../module.ts";
import * as F from "../functional.ts";
import { pyFloat } from "./_util.ts";

function inplaceArg(fn: string, args: unknown[]): boolean {
  return parseArgs(fn, args, ["inplace"], { inplace: false }).inplace;
}

/**
 * `nn.ReLU(inplace = false)`: max(x, 0).
 * @example new nn.ReLU()(torch.tensor([-1, 2]))  // 0 2
 */
export class ReLU extends Module {
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    this.inplace = inplaceArg("ReLU", args);
  }

  forward(input: Tensor): Tensor {
    return F.relu(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }

  override legacy_repr(): string {
    return `ReLU (${this.inplace ? "inplace" : ""})`;
  }
}

/**
 * `nn.LeakyReLU(negative_slope = 0.01, inplace = false)`.
 * @example new nn.LeakyReLU(0.2)(x)
 */
export class LeakyReLU extends Module {
  negative_slope: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("LeakyReLU", args, ["negative_slope", "inplace"], {
      negative_slope: 0.01,
      inplace: false,
    });
    this.negative_slope = o.negative_slope;
    this.inplace = o.inplace;
  }

  forward(input: Tensor): Tensor {
    return F.leaky_relu(input, this.negative_slope, this.inplace);
  }

  override extra_repr(): string {
    return `negative_slope=${pyFloat(this.negative_slope)}${
      this.inplace ? ", inplace=True" : ""
    }`;
  }

  override legacy_repr(): string {
    return `LeakyReLU (${pyFloat(this.negative_slope)}${
      this.inplace ? ", inplace" : ""
    })`;
  }
}

/**
 * `nn.ELU(alpha = 1, inplace = false)`.
 * @example new nn.ELU()(x)
 */
export class ELU extends Module {
  alpha: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("ELU", args, ["alpha", "inplace"], {
      alpha: 1,
      inplace: false,
    });
    this.alpha = o.alpha;
    this.inplace = o.inplace;
  }

  forward(input: Tensor): Tensor {
    return F.elu(input, this.alpha, this.inplace);
  }

  override extra_repr(): string {
    return `alpha=${pyFloat(this.alpha)}${
      this.inplace ? ", inplace=True" : ""
    }`;
  }

  override legacy_repr(): string {
    return `ELU (alpha=${pyFloat(this.alpha)}${
      this.inplace ? ", inplace" : ""
    })`;
  }
}

/**
 * `nn.GELU(approximate = "none")`: x Φ(x), or the tanh approximation.
 * @example new nn.GELU({ approximate: "tanh" })(x)
 */
export class GELU extends Module {
  approximate: string;

  constructor(...args: unknown[]) {
    super();
    this.approximate = parseArgs("GELU", args, ["approximate"], {
      approximate: "none",
    }).approximate;
  }

  forward(input: Tensor): Tensor {
    return F.gelu(input, { approximate: this.approximate });
  }

  override extra_repr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/**
 * `nn.SiLU(inplace = false)`: x * sigmoid(x).
 * @example new nn.SiLU()(x)
 */
export class SiLU extends Module {
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    this.inplace = inplaceArg("SiLU", args);
  }

  forward(input: Tensor): Tensor {
    return F.silu(input, this.inplace);
  }

  override extra_repr(): string {
    return this.inplace ? "inplace=True" : "";
  }
}

/**
 * `nn.Sigmoid()`.
 * @example new nn.Sigmoid()(x)
 */
export class Sigmoid extends Module {
  forward(input: Tensor): Tensor {
    return input.sigmoid();
  }

  override legacy_repr(): string {
    return "Sigmoid ()";
  }
}

/**
 * `nn.Tanh()`.
 * @example new nn.Tanh()(x)
 */
export class Tanh extends Module {
  forward(input: Tensor): Tensor {
    return input.tanh();
  }

  override legacy_repr(): string {
    return "Tanh ()";
  }
}

/** PyTorch's `_get_softmax_dim`: the implicit dim of a softmax built without one. */
function softmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * `nn.Softmax(dim = null)`: exp(x) / sum(exp(x)) along dim.
 * @example new nn.Softmax(1)(torch.randn(2, 3))
 */
export class Softmax extends Module {
  dim: number | null;

  constructor(...args: unknown[]) {
    super();
    this.dim = parseArgs("Softmax", args, ["dim"], {
      dim: null as number | null,
    }).dim;
  }

  forward(input: Tensor): Tensor {
    return F.softmax(input, this.dim ?? softmaxDim(input.dim()));
  }

  override extra_repr(): string {
    return `dim=${this.dim ?? "None"}`;
  }

  override legacy_repr(): string {
    return "Softmax ()";
  }
}

/**
 * `nn.LogSoftmax(dim = null)`: log(softmax(x)) along dim, computed stably.
 * @example new nn.LogSoftmax(1)(torch.randn(2, 3))
 */
export class LogSoftmax extends Module {
  dim: number | null;

  constructor(...args: unknown[]) {
    super();
    this.dim = parseArgs("LogSoftmax", args, ["dim"], {
      dim: null as number | null,
    }).dim;
  }

  forward(input: Tensor): Tensor {
    return F.log_softmax(input, this.dim ?? softmaxDim(input.dim()));
  }

  override extra_repr(): string {
    return `dim=${this.dim ?? "None"}`;
  }

  override legacy_repr(): string {
    return "LogSoftmax ()";
  }
}
