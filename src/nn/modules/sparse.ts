// Embedding: a lookup table of learnable rows, N(0, 1) at construction as in PyTorch.

import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { no_grad } from "../../autograd/grad_mode.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as F from "../functional.ts";
import { _refuseSparse } from "../_embedding.ts";
import * as init from "../init.ts";
import { paramDtype, pyFloat } from "./_util.ts";

interface EmbeddingOptions {
  padding_idx?: number | null;
  max_norm?: number | null;
  norm_type?: number;
  scale_grad_by_freq?: boolean;
  sparse?: boolean;
  dtype?: unknown;
  _weight?: Tensor | null;
}

/**
 * `nn.Embedding(num_embeddings, embedding_dim, padding_idx = null, max_norm = null, norm_type = 2,
 * scale_grad_by_freq = false)`: row i of the weight for index i; the padding row starts at zero
 * and receives no gradient; rows looked up are renormalised to max_norm where given.
 * @example new nn.Embedding(10, 3)(torch.tensor([[1, 2], [4, 5]]))  // shape [2, 2, 3]
 */
export class Embedding extends Module {
  num_embeddings: number;
  embedding_dim: number;
  padding_idx: number | null;
  max_norm: number | null;
  norm_type: number;
  scale_grad_by_freq: boolean;
  sparse: boolean;
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
      [
        "padding_idx",
        "max_norm",
        "norm_type",
        "scale_grad_by_freq",
        "sparse",
        "_weight",
      ],
      {
        padding_idx: null as number | null,
        max_norm: null as number | null,
        norm_type: 2,
        scale_grad_by_freq: false,
        sparse: false,
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
    this.norm_type = o.norm_type;
    this.scale_grad_by_freq = o.scale_grad_by_freq;
    _refuseSparse("Embedding", o.sparse);
    this.sparse = o.sparse;
    if (o._weight) {
      this.weight = new Parameter(o._weight);
    } else {
      this.weight = new Parameter(
        Tensor.empty([num_embeddings, embedding_dim], paramDtype(o.dtype)),
      );
      this.reset_parameters();
    }
  }

  /**
   * `Embedding.from_pretrained(embeddings, { freeze = true, padding_idx, max_norm, norm_type,
   * scale_grad_by_freq })`.
   */
  static from_pretrained(
    embeddings: Tensor,
    opts: {
      freeze?: boolean;
      padding_idx?: number | null;
      max_norm?: number | null;
      norm_type?: number;
      scale_grad_by_freq?: boolean;
      sparse?: boolean;
    } = {},
  ): Embedding {
    const [rows, cols] = embeddings._shape;
    const { freeze: _, ...rest } = opts;
    const e = new Embedding(rows, cols, { ...rest, _weight: embeddings });
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
    return F.embedding(
      input,
      this.weight,
      this.padding_idx,
      this.max_norm,
      this.norm_type,
      this.scale_grad_by_freq,
      this.sparse,
    );
  }

  override extra_repr(): string {
    let s = `${this.num_embeddings}, ${this.embedding_dim}`;
    if (this.padding_idx !== null) s += `, padding_idx=${this.padding_idx}`;
    if (this.max_norm !== null) s += `, max_norm=${pyFloat(this.max_norm)}`;
    if (this.norm_type !== 2) s += `, norm_type=${pyFloat(this.norm_type)}`;
    if (this.scale_grad_by_freq) s += ", scale_grad_by_freq=True";
    return s;
  }
}
