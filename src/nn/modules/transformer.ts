// Attention layers: MultiheadAttention and the Transformer's encoder and decoder layers and
// stacks, with PyTorch 1.13's parameter names, registration order, initialisation and masks, so a
// PyTorch state_dict loads and gives PyTorch's numbers. All are compositions of differentiable
// ops (nn/attention.ts), so they run and train wherever those ops do.

import { AssertionError, RuntimeError } from "../../errors.ts";
import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { full } from "../../ops/creation.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import { deepcopy } from "../copy.ts";
import * as F from "../functional.ts";
import * as init from "../init.ts";
import { multi_head_attention_forward } from "../attention.ts";
import { Dropout } from "./dropout.ts";
import { Linear } from "./linear.ts";
import { LayerNorm } from "./normalization.ts";
import { ModuleList } from "./container.ts";
import { paramDtype } from "./_util.ts";

/** MultiheadAttention's output projection: a Linear under the name PyTorch gives it. */
export class NonDynamicallyQuantizableLinear extends Linear {}

/**
 * `nn.MultiheadAttention(embed_dim, num_heads, dropout = 0, bias = true, add_bias_kv = false,
 * add_zero_attn = false, kdim = None, vdim = None, batch_first = false)`. Called as
 * `mha(query, key, value, key_padding_mask = None, need_weights = true, attn_mask = None,
 * average_attn_weights = true)` (or those by name in an options object),
 * it returns `[attn_output, attn_output_weights]`.
 * @example const mha = new nn.MultiheadAttention(8, 2); const [out, w] = mha(x, x, x)
 */
export class MultiheadAttention extends Module {
  embed_dim: number;
  kdim: number;
  vdim: number;
  _qkv_same_embed_dim: boolean;
  num_heads: number;
  dropout: number;
  batch_first: boolean;
  head_dim: number;
  q_proj_weight?: Parameter;
  k_proj_weight?: Parameter;
  v_proj_weight?: Parameter;
  in_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null;
  out_proj: NonDynamicallyQuantizableLinear;
  bias_k: Parameter | null;
  bias_v: Parameter | null;
  add_zero_attn: boolean;

  constructor(embed_dim: number, num_heads: number, ...args: unknown[]) {
    super();
    const o = parseArgs(
      "MultiheadAttention",
      args,
      [
        "dropout",
        "bias",
        "add_bias_kv",
        "add_zero_attn",
        "kdim",
        "vdim",
        "batch_first",
      ],
      {
        dropout: 0,
        bias: true,
        add_bias_kv: false,
        add_zero_attn: false,
        kdim: null as number | null,
        vdim: null as number | null,
        batch_first: false,
        device: undefined as unknown,
        dtype: undefined as unknown,
      },
    );
    const dtype = paramDtype(o.dtype);
    this.embed_dim = embed_dim;
    this.kdim = o.kdim ?? embed_dim;
    this.vdim = o.vdim ?? embed_dim;
    this._qkv_same_embed_dim = this.kdim === embed_dim &&
      this.vdim === embed_dim;
    this.num_heads = num_heads;
    this.dropout = o.dropout;
    this.batch_first = o.batch_first;
    this.head_dim = Math.floor(embed_dim / num_heads);
    if (this.head_dim * num_heads !== embed_dim) {
      throw new AssertionError("embed_dim must be divisible by num_heads");
    }
    const p = (...shape: number[]) => new Parameter(Tensor.empty(shape, dtype));
    if (!this._qkv_same_embed_dim) {
      this.q_proj_weight = p(embed_dim, embed_dim);
      this.k_proj_weight = p(embed_dim, this.kdim);
      this.v_proj_weight = p(embed_dim, this.vdim);
      this.in_proj_weight = null;
    } else {
      this.in_proj_weight = p(3 * embed_dim, embed_dim);
    }
    this.in_proj_bias = o.bias ? p(3 * embed_dim) : null;
    this.out_proj = new NonDynamicallyQuantizableLinear(embed_dim, embed_dim, {
      bias: o.bias,
      dtype,
    });
    this.bias_k = o.add_bias_kv ? p(1, 1, embed_dim) : null;
    this.bias_v = o.add_bias_kv ? p(1, 1, embed_dim) : null;
    this.add_zero_attn = o.add_zero_attn;
    this._reset_parameters();
  }

  /** PyTorch's initialisation: Xavier-uniform projections, zero biases, Xavier-normal bias_k/v. */
  _reset_parameters(): void {
    if (this._qkv_same_embed_dim) init.xavier_uniform_(this.in_proj_weight!);
    else {
      init.xavier_uniform_(this.q_proj_weight!);
      init.xavier_uniform_(this.k_proj_weight!);
      init.xavier_uniform_(this.v_proj_weight!);
    }
    if (this.in_proj_bias) {
      init.constant_(this.in_proj_bias, 0);
      init.constant_(this.out_proj.bias!, 0);
    }
    if (this.bias_k) init.xavier_normal_(this.bias_k);
    if (this.bias_v) init.xavier_normal_(this.bias_v);
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    key_padding_mask: Tensor | null = null,
    need_weights = true,
    attn_mask: Tensor | null = null,
    average_attn_weights = true,
  ): [Tensor, Tensor | null] {
    const batched = query.dim() === 3;
    if (this.batch_first && batched) {
      // Transposed together, so that self-attention stays one tensor (one packed projection).
      if (key === value) {
        if (query === key) query = key = value = query.transpose(1, 0);
        else {
          [query, key] = [query.transpose(1, 0), key.transpose(1, 0)];
          value = key;
        }
      } else {
        [query, key, value] = [query, key, value].map((x) => x.transpose(1, 0));
      }
    }
    const [out, weights] = multi_head_attention_forward(
      query,
      key,
      value,
      this.embed_dim,
      this.num_heads,
      this.in_proj_weight,
      this.in_proj_bias,
      this.bias_k,
      this.bias_v,
      this.add_zero_attn,
      this.dropout,
      this.out_proj.weight,
      this.out_proj.bias,
      {
        training: this.training,
        key_padding_mask,
        need_weights,
        attn_mask,
        average_attn_weights,
        ...(this._qkv_same_embed_dim ? {} : {
          use_separate_proj_weight: true,
          q_proj_weight: this.q_proj_weight,
          k_proj_weight: this.k_proj_weight,
          v_proj_weight: this.v_proj_weight,
        }),
      },
    );
    return [this.batch_first && batched ? out.transpose(1, 0) : out, weights];
  }
}

type Activation = string | ((x: Tensor) => Tensor);

/** PyTorch's `_get_activation_fn`: "relu" and "gelu" by name, anything callable as it is. */
function activationOf(a: Activation): (x: Tensor) => Tensor {
  if (typeof a !== "string") return a;
  if (a === "relu") return (x) => F.relu(x);
  if (a === "gelu") return (x) => F.gelu(x);
  throw new RuntimeError(`activation should be relu/gelu, not ${a}`);
}

const LAYER_NAMES = [
  "dim_feedforward",
  "dropout",
  "activation",
  "layer_norm_eps",
  "batch_first",
  "norm_first",
] as const;
const LAYER_DEFAULTS = {
  dim_feedforward: 2048,
  dropout: 0.1,
  activation: "relu" as Activation,
  layer_norm_eps: 1e-5,
  batch_first: false,
  norm_first: false,
  device: undefined as unknown,
  dtype: undefined as unknown,
};

type MaskOpts = Record<string, Tensor | null | undefined>;

/**
 * `nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward = 2048, dropout = 0.1,
 * activation = 'relu', layer_norm_eps = 1e-5, batch_first = false, norm_first = false)`:
 * self-attention then a feed-forward block, each with a residual connection and layer norm.
 * @example const layer = new nn.TransformerEncoderLayer(16, 4); layer(torch.randn(10, 2, 16))
 */
export class TransformerEncoderLayer extends Module {
  self_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm_first: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: (x: Tensor) => Tensor;

  constructor(d_model: number, nhead: number, ...args: unknown[]) {
    super();
    const o = parseArgs(
      "TransformerEncoderLayer",
      args,
      LAYER_NAMES,
      LAYER_DEFAULTS,
    );
    const dtype = paramDtype(o.dtype);
    this.self_attn = new MultiheadAttention(d_model, nhead, {
      dropout: o.dropout,
      batch_first: o.batch_first,
      dtype,
    });
    this.linear1 = new Linear(d_model, o.dim_feedforward, { dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dim_feedforward, d_model, { dtype });
    this.norm_first = o.norm_first;
    this.norm1 = new LayerNorm(d_model, { eps: o.layer_norm_eps, dtype });
    this.norm2 = new LayerNorm(d_model, { eps: o.layer_norm_eps, dtype });
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.activation = activationOf(o.activation);
  }

  forward(
    src: Tensor,
    src_mask: Tensor | null = null,
    src_key_padding_mask: Tensor | null = null,
  ): Tensor {
    checkPaddingMask(src_key_padding_mask);
    let x = src;
    const sa = (y: Tensor) =>
      this.dropout1(
        this.self_attn(y, y, y, src_key_padding_mask, false, src_mask)[0],
      );
    if (this.norm_first) {
      x = x.add(sa(this.norm1(x)));
      x = x.add(this._ff_block(this.norm2(x)));
    } else {
      x = this.norm1(x.add(sa(x)));
      x = this.norm2(x.add(this._ff_block(x)));
    }
    return x;
  }

  /** The feed-forward block: linear2(dropout(activation(linear1(x)))), then dropout2. */
  protected _ff_block(x: Tensor): Tensor {
    return this.dropout2(
      this.linear2(this.dropout(this.activation(this.linear1(x)))),
    );
  }
}

function checkPaddingMask(m: Tensor | null | undefined): void {
  if (m && m.dtype.name !== "bool" && !m.is_floating_point()) {
    throw new AssertionError(
      "only bool and floating types of key_padding_mask are supported",
    );
  }
}

/**
 * `nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward = 2048, dropout = 0.1,
 * activation = 'relu', layer_norm_eps = 1e-5, batch_first = false, norm_first = false)`:
 * self-attention, attention over the encoder's output (memory), then a feed-forward block.
 */
export class TransformerDecoderLayer extends Module {
  self_attn: MultiheadAttention;
  multihead_attn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  norm_first: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: (x: Tensor) => Tensor;

  constructor(d_model: number, nhead: number, ...args: unknown[]) {
    super();
    const o = parseArgs(
      "TransformerDecoderLayer",
      args,
      LAYER_NAMES,
      LAYER_DEFAULTS,
    );
    const dtype = paramDtype(o.dtype);
    const mha = () =>
      new MultiheadAttention(d_model, nhead, {
        dropout: o.dropout,
        batch_first: o.batch_first,
        dtype,
      });
    this.self_attn = mha();
    this.multihead_attn = mha();
    this.linear1 = new Linear(d_model, o.dim_feedforward, { dtype });
    this.dropout = new Dropout(o.dropout);
    this.linear2 = new Linear(o.dim_feedforward, d_model, { dtype });
    this.norm_first = o.norm_first;
    const norm = () => new LayerNorm(d_model, { eps: o.layer_norm_eps, dtype });
    this.norm1 = norm();
    this.norm2 = norm();
    this.norm3 = norm();
    this.dropout1 = new Dropout(o.dropout);
    this.dropout2 = new Dropout(o.dropout);
    this.dropout3 = new Dropout(o.dropout);
    this.activation = activationOf(o.activation);
  }

  forward(
    tgt: Tensor,
    memory: Tensor,
    tgt_mask: Tensor | null = null,
    memory_mask: Tensor | null = null,
    tgt_key_padding_mask: Tensor | null = null,
    memory_key_padding_mask: Tensor | null = null,
  ): Tensor {
    const sa = (y: Tensor) =>
      this.dropout1(
        this.self_attn(y, y, y, tgt_key_padding_mask, false, tgt_mask)[0],
      );
    const mha = (y: Tensor) =>
      this.dropout2(
        this.multihead_attn(
          y,
          memory,
          memory,
          memory_key_padding_mask,
          false,
          memory_mask,
        )[0],
      );
    const ff = (y: Tensor) =>
      this.dropout3(
        this.linear2(this.dropout(this.activation(this.linear1(y)))),
      );
    let x = tgt;
    if (this.norm_first) {
      x = x.add(sa(this.norm1(x)));
      x = x.add(mha(this.norm2(x)));
      x = x.add(ff(this.norm3(x)));
    } else {
      x = this.norm1(x.add(sa(x)));
      x = this.norm2(x.add(mha(x)));
      x = this.norm3(x.add(ff(x)));
    }
    return x;
  }
}

/** PyTorch's `_get_clones`: n deep copies of a layer. */
function clones(layer: Module, n: number): ModuleList {
  return new ModuleList(Array.from({ length: n }, () => deepcopy(layer)));
}

/**
 * `nn.TransformerEncoder(encoder_layer, num_layers, norm = None)`: `num_layers` copies of the
 * layer (each with its own weights, copied from it), then the optional norm.
 */
export class TransformerEncoder extends Module {
  layers: ModuleList;
  num_layers: number;
  norm: Module | null;
  enable_nested_tensor: boolean;
  mask_check: boolean;

  constructor(
    encoder_layer: TransformerEncoderLayer,
    num_layers: number,
    ...args: unknown[]
  ) {
    super();
    const o = parseArgs(
      "TransformerEncoder",
      args,
      ["norm", "enable_nested_tensor", "mask_check"],
      {
        norm: null as Module | null,
        enable_nested_tensor: true,
        mask_check: true,
      },
    );
    this.layers = clones(encoder_layer, num_layers);
    this.num_layers = num_layers;
    this.norm = o.norm;
    this.enable_nested_tensor = o.enable_nested_tensor;
    this.mask_check = o.mask_check;
  }

  forward(
    src: Tensor,
    mask: Tensor | null = null,
    src_key_padding_mask: Tensor | null = null,
  ): Tensor {
    let out = src;
    for (const layer of this.layers.children()) {
      out = layer(out, mask, src_key_padding_mask);
    }
    return this.norm ? this.norm(out) : out;
  }
}

/** `nn.TransformerDecoder(decoder_layer, num_layers, norm = None)`. */
export class TransformerDecoder extends Module {
  layers: ModuleList;
  num_layers: number;
  norm: Module | null;

  constructor(
    decoder_layer: TransformerDecoderLayer,
    num_layers: number,
    ...args: unknown[]
  ) {
    super();
    const o = parseArgs("TransformerDecoder", args, ["norm"], {
      norm: null as Module | null,
    });
    this.layers = clones(decoder_layer, num_layers);
    this.num_layers = num_layers;
    this.norm = o.norm;
  }

  forward(
    tgt: Tensor,
    memory: Tensor,
    tgt_mask: Tensor | null = null,
    memory_mask: Tensor | null = null,
    tgt_key_padding_mask: Tensor | null = null,
    memory_key_padding_mask: Tensor | null = null,
  ): Tensor {
    let out = tgt;
    for (const layer of this.layers.children()) {
      out = layer(
        out,
        memory,
        tgt_mask,
        memory_mask,
        tgt_key_padding_mask,
        memory_key_padding_mask,
      );
    }
    return this.norm ? this.norm(out) : out;
  }
}

/**
 * `nn.Transformer(d_model = 512, nhead = 8, num_encoder_layers = 6, num_decoder_layers = 6,
 * dim_feedforward = 2048, dropout = 0.1, activation = 'relu', custom_encoder = None,
 * custom_decoder = None, layer_norm_eps = 1e-5, batch_first = false, norm_first = false)`.
 * @example const model = new nn.Transformer({ d_model: 32, nhead: 4 }); model(src, tgt, { tgt_mask })
 */
export class Transformer extends Module {
  encoder: Module;
  decoder: Module;
  d_model: number;
  nhead: number;
  batch_first: boolean;

  constructor(...args: unknown[]) {
    super();
    const o = parseArgs("Transformer", args, [
      "d_model",
      "nhead",
      "num_encoder_layers",
      "num_decoder_layers",
      "dim_feedforward",
      "dropout",
      "activation",
      "custom_encoder",
      "custom_decoder",
      "layer_norm_eps",
      "batch_first",
      "norm_first",
    ], {
      d_model: 512,
      nhead: 8,
      num_encoder_layers: 6,
      num_decoder_layers: 6,
      dim_feedforward: 2048,
      dropout: 0.1,
      activation: "relu" as Activation,
      custom_encoder: null as Module | null,
      custom_decoder: null as Module | null,
      layer_norm_eps: 1e-5,
      batch_first: false,
      norm_first: false,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const dtype = paramDtype(o.dtype);
    const layerOpts = {
      dim_feedforward: o.dim_feedforward,
      dropout: o.dropout,
      activation: o.activation,
      layer_norm_eps: o.layer_norm_eps,
      batch_first: o.batch_first,
      norm_first: o.norm_first,
      dtype,
    };
    const norm = () =>
      new LayerNorm(o.d_model, { eps: o.layer_norm_eps, dtype });
    this.encoder = o.custom_encoder ?? new TransformerEncoder(
      new TransformerEncoderLayer(o.d_model, o.nhead, layerOpts),
      o.num_encoder_layers,
      { norm: norm() },
    );
    this.decoder = o.custom_decoder ?? new TransformerDecoder(
      new TransformerDecoderLayer(o.d_model, o.nhead, layerOpts),
      o.num_decoder_layers,
      { norm: norm() },
    );
    this._reset_parameters();
    this.d_model = o.d_model;
    this.nhead = o.nhead;
    this.batch_first = o.batch_first;
  }

  /** PyTorch's initialisation: Xavier-uniform on every parameter with more than one dim. */
  _reset_parameters(): void {
    for (const p of this.parameters()) {
      if (p.dim() > 1) init.xavier_uniform_(p);
    }
  }

  forward(
    src: Tensor,
    tgt: Tensor,
    src_mask: Tensor | null = null,
    tgt_mask: Tensor | null = null,
    memory_mask: Tensor | null = null,
    src_key_padding_mask: Tensor | null = null,
    tgt_key_padding_mask: Tensor | null = null,
    memory_key_padding_mask: Tensor | null = null,
  ): Tensor {
    const batched = src.dim() === 3;
    const b = this.batch_first ? 0 : 1;
    if (batched && src.size(b) !== tgt.size(b)) {
      throw new RuntimeError("the batch number of src and tgt must be equal");
    }
    if (src.size(-1) !== this.d_model || tgt.size(-1) !== this.d_model) {
      throw new RuntimeError(
        "the feature number of src and tgt must be equal to d_model",
      );
    }
    const memory = this.encoder(src, src_mask, src_key_padding_mask);
    return this.decoder(
      tgt,
      memory,
      tgt_mask,
      memory_mask,
      tgt_key_padding_mask,
      memory_key_padding_mask,
    );
  }

  /** `Transformer.generate_square_subsequent_mask(sz)`: -inf above the diagonal, 0 elsewhere. */
  static generate_square_subsequent_mask(sz: number): Tensor {
    return full([sz, sz], -Infinity).triu(1);
  }
}
