// Embedding: a lookup table of learnable rows, N(0, 1) at construction as in PyTorch.

import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { no_grad } from "../../autograd/grad_mode.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as F from "../functional.ts";
import * as init from "../init.ts";
import { paramDtype, pyFloat } from "./_util.ts";

interface EmbeddingOptions {
  padding_idx?: number | null;
  max_norm?: number | null;
  dtype?: unknown;
  _weight?: Tensor | null;
}

/**
 * `nn.Embedding(num_embeddings, embedding_dim, padding_idx = null)`: row i of the weight for index
 * i; the padding row starts at zero and receives no gradient.
 * @example new nn.Embedding(10, 3)(torch.tensor([[1, 2], [4, 5]]))  // shape [2, 2, 3]
 */
export class Embedding extends Module {
  num_embeddings: number;
  embedding_dim: number;
  padding_idx: number | null;
  max_norm: number | null;
  weight: Parameter;

  constructor(
    num_embeddings: number,
    embedding_dim: number,
    ...args: unknown[]
  ) {
    super();
    const o = parseArgs(
      "Embedding",
      args,
      ["padding_idx", "max_norm"],
      {
        padding_idx: null as number | null,
        max_norm: null as number | null,
        dtype: undefined as unknown,
        device: undefined as unknown,
        _weight: null as Tensor | null,
      } as Required<EmbeddingOptions> & { device: unknown },
    );
    let pad = o.padding_idx;
    if (pad !== null) {
      if (pad >= num_embeddings || pad < -num_embeddings) {
        throw new Error("Padding_idx must be within num_embeddings");
      }
      if (pad < 0) pad += num_embeddings;
    }
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.padding_idx = pad;
    this.max_norm = o.max_norm;
    if (o._weight) {
      this.weight = new Parameter(o._weight);
    } else {
      this.weight = new Parameter(
        Tensor.empty([num_embeddings, embedding_dim], paramDtype(o.dtype)),
      );
      this.reset_parameters();
    }
  }

  /** `Embedding.from_pretrained(embeddings, { freeze = true, padding_idx })`. */
  static from_pretrained(
    embeddings: Tensor,
    opts: { freeze?: boolean; padding_idx?: number | null } = {},
  ): Embedding {
    const [rows, cols] = embeddings._shape;
    const e = new Embedding(rows, cols, {
      padding_idx: opts.padding_idx ?? null,
      _weight: embeddings,
    });
    e.weight.requires_grad = !(opts.freeze ?? true);
    return e;
  }

  /** PyTorch's initialisation: N(0, 1), then the padding row zeroed (no draws). */
  reset_parameters(): void {
    init.normal_(this.weight);
    if (this.padding_idx !== null) {
      no_grad(() => this.weight.select(0, this.padding_idx!).fill_(0));
    }
  }

  forward(input: Tensor): Tensor {
    return F.embedding(input, this.weight, this.padding_idx, this.max_norm);
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    return s;
  }
}
