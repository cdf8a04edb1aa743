// Flatten: merges a range of dims (by default all but the batch dim).

import type { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { Module } from "../module.ts";

/**
 * `nn.Flatten(start_dim = 1, end_dim = -1)`.
 * @example new nn.Flatten()(torch.zeros(2, 3, 4))  // shape [2, 12]
 */
export class Flatten extends Module {
  start_dim: number;
  end_dim: number;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("Flatten", args, ["start_dim", "end_dim"], {
      start_dim: 1,
      end_dim: -1,
    });
    this.start_dim = o.start_dim;
    this.end_dim = o.end_dim;
  }

  forward(input: Tensor): Tensor {
    return input.flatten(this.start_dim, this.end_dim);
  }

  override extra_repr(): string {
    return `start_dim=${this.start_dim}, end_dim=${this.end_dim}`;
  }
}
