// Dropout: zeroes elements with probability p in training mode, with PyTorch's mask stream.

import type { Tensor } from "../../tensor.ts";
import { ValueError } from "../../errors.ts";
import { parseArgs } from "../../ops/_args.ts";
import { Module } from "../module.ts";
import * as F from "../functional.ts";
import { pyFloat } from "./_util.ts";

/**
 * `nn.Dropout(p = 0.5, inplace = false)`: in training mode each element is zeroed with
 * probability p and the rest scaled by 1 / (1 - p); in eval mode it is the identity.
 * @example const drop = new nn.Dropout(0.2); drop.eval(); drop(x)  // x itself
 */
export class Dropout extends Module {
  p: number;
  inplace: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("Dropout", args, ["p", "inplace"], {
      p: 0.5,
      inplace: false,
    });
    if (o.p < 0 || o.p > 1) {
      throw new ValueError(
        `dropout probability has to be between 0 and 1, but got ${o.p}`,
      );
    }
    this.p = o.p;
    this.inplace = o.inplace;
  }

  forward(input: Tensor): Tensor {
    return F.dropout(input, this.p, this.training, this.inplace);
  }

  override extra_repr(): string {
    return `p=${pyFloat(this.p)}, inplace=${this.inplace ? "True" : "False"}`;
  }

  override legacy_repr(): string {
    return `Dropout (p = ${pyFloat(this.p)}${this.inplace ? ", inplace" : ""})`;
  }
}
