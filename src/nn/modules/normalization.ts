// BatchNorm1d/2d (running statistics as buffers) and LayerNorm.

import { int64 } from "../../dtype.ts";
import { ValueError } from "../../errors.ts";
import { Tensor } from "../../tensor.ts";
import { parseArgs } from "../../ops/_args.ts";
import { no_grad } from "../../autograd/grad_mode.ts";
import { Module } from "../module.ts";
import { Parameter } from "../parameter.ts";
import * as F from "../functional.ts";
import * as init from "../init.ts";
import { paramDtype, py, pyFloat } from "./_util.ts";

/** The shared body of BatchNorm1d and BatchNorm2d (PyTorch's `_BatchNorm`). */
export class _BatchNorm extends Module {
  num_features: number;
  eps: number;
  momentum: number | null;
  affine: boolean;
  track_running_stats: boolean;
  weight: Parameter | null;
  bias: Parameter | null;
  declare running_mean: Tensor | null;
  declare running_var: Tensor | null;
  declare num_batches_tracked: Tensor | null;

  constructor(num_features: number, ...args: unknown[]) {
    super();
    const o = parseArgs(new.target.name, args, [
      "eps",
      "momentum",
      "affine",
      "track_running_stats",
    ], {
      eps: 1e-5,
      momentum: 0.1 as number | null,
      affine: true,
      track_running_stats: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const dtype = paramDtype(o.dtype);
    this.num_features = num_features;
    this.eps = o.eps;
    this.momentum = o.momentum;
    this.affine = o.affine;
    this.track_running_stats = o.track_running_stats;
    this.weight = o.affine
      ? new Parameter(Tensor.empty([num_features], dtype))
      : null;
    this.bias = o.affine
      ? new Parameter(Tensor.empty([num_features], dtype))
      : null;
    const stats = o.track_running_stats;
    this.register_buffer(
      "running_mean",
      stats ? Tensor.empty([num_features], dtype) : null,
    );
    this.register_buffer(
      "running_var",
      stats ? Tensor.empty([num_features], dtype) : null,
    );
    this.register_buffer(
      "num_batches_tracked",
      stats ? Tensor.empty([], int64) : null,
    );
    this.reset_parameters();
  }

  /** Zeroes the running mean and the batch count, sets the running variance to 1. */
  reset_running_stats(): void {
    if (!this.track_running_stats) return;
    no_grad(() => {
      this.running_mean!.zero_();
      this.running_var!.fill_(1);
      this.num_batches_tracked!.zero_();
    });
  }

  /** PyTorch's initialisation: the running stats reset, weight 1, bias 0 (no draws). */
  reset_parameters(): void {
    this.reset_running_stats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }

  _check_input_dim(_input: Tensor): void {}

  forward(input: Tensor): Tensor {
    this._check_input_dim(input);
    let factor = this.momentum ?? 0;
    if (this.training && this.track_running_stats && this.num_batches_tracked) {
      no_grad(() => this.num_batches_tracked!.add_(1));
      if (this.momentum === null) {
        factor = 1 / Number(this.num_batches_tracked.item());
      }
    }
    const bnTraining = this.training ||
      (this.running_mean === null && this.running_var === null);
    const useStats = !this.training || this.track_running_stats;
    return F.batch_norm(
      input,
      useStats ? this.running_mean : null,
      useStats ? this.running_var : null,
      this.weight,
      this.bias,
      bnTraining,
      factor,
      this.eps,
    );
  }

  override extra_repr(): string {
    return `${this.num_features}, eps=${pyFloat(this.eps)}, momentum=${
      this.momentum === null ? "None" : pyFloat(this.momentum)
    }, affine=${py(this.affine)}, track_running_stats=${
      py(this.track_running_stats)
    }`;
  }

  override legacy_repr(): string {
    return `${this.constructor.name}(${this.num_features}, eps=${
      pyFloat(this.eps)
    }, momentum=${
      this.momentum === null ? "None" : pyFloat(this.momentum)
    }, affine=${py(this.affine)})`;
  }
}

/**
 * `nn.BatchNorm1d(num_features, eps = 1e-5, momentum = 0.1, affine = true,
 * track_running_stats = true)`: over (N, C) or (N, C, L) inputs.
 * @example new nn.BatchNorm1d(3)(torch.randn(4, 3))
 */
export class BatchNorm1d extends _BatchNorm {
  override _check_input_dim(input: Tensor): void {
    if (input.dim() !== 2 && input.dim() !== 3) {
      throw new ValueError(
        `expected 2D or 3D input (got ${input.dim()}D input)`,
      );
    }
  }
}

/**
 * `nn.BatchNorm2d(num_features, ...)`: over (N, C, H, W) inputs, one mean and variance per channel.
 * @example new nn.BatchNorm2d(6)(torch.randn(2, 6, 4, 4))
 */
export class BatchNorm2d extends _BatchNorm {
  override _check_input_dim(input: Tensor): void {
    if (input.dim() !== 4) {
      throw new ValueError(`expected 4D input (got ${input.dim()}D input)`);
    }
  }
}

/**
 * `nn.LayerNorm(normalized_shape, eps = 1e-5, elementwise_affine = true)`: normalises over the
 * trailing dims, with a learnable weight (1) and bias (0) of that shape.
 * @example new nn.LayerNorm(10)(torch.randn(4, 10))
 */
export class LayerNorm extends Module {
  normalized_shape: number[];
  eps: number;
  elementwise_affine: boolean;
  weight: Parameter | null;
  bias: Parameter | null;

  constructor(normalized_shape: number | number[], ...args: unknown[]) {
    super();
    const o = parseArgs("LayerNorm", args, ["eps", "elementwise_affine"], {
      eps: 1e-5,
      elementwise_affine: true,
      device: undefined as unknown,
      dtype: undefined as unknown,
    });
    const shape = typeof normalized_shape === "number"
      ? [normalized_shape]
      : [...normalized_shape];
    const dtype = paramDtype(o.dtype);
    this.normalized_shape = shape;
    this.eps = o.eps;
    this.elementwise_affine = o.elementwise_affine;
    this.weight = o.elementwise_affine
      ? new Parameter(Tensor.empty(shape, dtype))
      : null;
    this.bias = o.elementwise_affine
      ? new Parameter(Tensor.empty(shape, dtype))
      : null;
    this.reset_parameters();
  }

  /** Weight 1, bias 0. */
  reset_parameters(): void {
    if (this.weight) init.ones_(this.weight);
    if (this.bias) init.zeros_(this.bias);
  }

  forward(input: Tensor): Tensor {
    return F.layer_norm(
      input,
      this.normalized_shape,
      this.weight,
      this.bias,
      this.eps,
    );
  }

  override extra_repr(): string {
    return `${py(this.normalized_shape)}, eps=${
      pyFloat(this.eps)
    }, elementwise_affine=${py(this.elementwise_affine)}`;
  }
}
