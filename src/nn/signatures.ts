// The Python signatures of `torch.nn`: every layer's constructor, `nn.functional`, `nn.init` and
// `nn.utils`, declared once (src/signature.ts) with PyTorch 1.13's names, order and defaults; the
// parameters PyTorch has and flambeau does not are left out, so that they raise PyTorch's TypeError
// instead of being ignored.

const DD = "device: device? = None, dtype: dtype? = None";
const REDUCTION =
  "size_average: bool? = None, reduce: bool? = None, reduction: str = 'mean'";
const CONV =
  "stride: int|int[] = 1, padding: int|int[]|str = 0, dilation: int|int[] = 1, groups: int = 1";
const RNN_ARGS =
  "num_layers: int = 1, bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False";
const TRANSFORMER_LAYER =
  "dim_feedforward: int = 2048, dropout: float = 0.1, activation: str|callable = 'relu', layer_norm_eps: float = 1e-05, batch_first: bool = False, norm_first: bool = False";
const INPLACE = "(inplace: bool = False)";
const INSTANCE_NORM =
  `(num_features: int, eps: float = 1e-05, momentum: float = 0.1, affine: bool = False, track_running_stats: bool = False, ${DD})`;
const MAX_POOL =
  "kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, dilation: int|int[] = 1, return_indices: bool = False, ceil_mode: bool = False";

/** `torch.nn.*` layer constructors (without `self`). */
export const NN_CLASSES = {
  Identity: "(*args: any)",
  Linear: `(in_features: int, out_features: int, bias: bool = True, ${DD})`,
  Bilinear:
    `(in1_features: int, in2_features: int, out_features: int, bias: bool = True, ${DD})`,
  ReLU: "(inplace: bool = False)",
  LeakyReLU: "(negative_slope: float = 0.01, inplace: bool = False)",
  ELU: "(alpha: float = 1.0, inplace: bool = False)",
  GELU: "(approximate: str = 'none')",
  SiLU: "(inplace: bool = False)",
  Sigmoid: "()",
  Tanh: "()",
  Softmax: "(dim: int? = None)",
  LogSoftmax: "(dim: int? = None)",
  Dropout: "(p: float = 0.5, inplace: bool = False)",
  Flatten: "(start_dim: int = 1, end_dim: int = -1)",
  Embedding:
    `(num_embeddings: int, embedding_dim: int, padding_idx: int? = None, max_norm: float? = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False, _weight: Tensor? = None, ${DD})`,
  BatchNorm1d:
    `(num_features: int, eps: float = 1e-05, momentum: float? = 0.1, affine: bool = True, track_running_stats: bool = True, ${DD})`,
  BatchNorm2d:
    `(num_features: int, eps: float = 1e-05, momentum: float? = 0.1, affine: bool = True, track_running_stats: bool = True, ${DD})`,
  LayerNorm:
    `(normalized_shape: int|int[], eps: float = 1e-05, elementwise_affine: bool = True, ${DD})`,
  Sequential: { sig: "(*args: Module|dict)", emit: "positional" },
  ModuleList: { sig: "(modules: iterable? = None)", emit: "positional" },
  ModuleDict: { sig: "(modules: dict|iterable? = None)", emit: "positional" },
  Conv1d:
    `(in_channels: int, out_channels: int, kernel_size: int|int[], ${CONV}, bias: bool = True, padding_mode: str = 'zeros', ${DD})`,
  Conv2d:
    `(in_channels: int, out_channels: int, kernel_size: int|int[], ${CONV}, bias: bool = True, padding_mode: str = 'zeros', ${DD})`,
  ConvTranspose2d:
    `(in_channels: int, out_channels: int, kernel_size: int|int[], stride: int|int[] = 1, padding: int|int[] = 0, output_padding: int|int[] = 0, groups: int = 1, bias: bool = True, dilation: int|int[] = 1, padding_mode: str = 'zeros', ${DD})`,
  MaxPool1d: `(${MAX_POOL})`,
  MaxPool2d: `(${MAX_POOL})`,
  AvgPool2d:
    "(kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int? = None)",
  AdaptiveAvgPool2d: "(output_size: any)",
  L1Loss: `(${REDUCTION})`,
  MSELoss: `(${REDUCTION})`,
  SmoothL1Loss: `(${REDUCTION}, beta: float = 1.0)`,
  NLLLoss:
    "(weight: Tensor? = None, size_average: bool? = None, ignore_index: int = -100, reduce: bool? = None, reduction: str = 'mean')",
  CrossEntropyLoss:
    "(weight: Tensor? = None, size_average: bool? = None, ignore_index: int = -100, reduce: bool? = None, reduction: str = 'mean', label_smoothing: float = 0.0)",
  BCELoss: `(weight: Tensor? = None, ${REDUCTION})`,
  BCEWithLogitsLoss:
    `(weight: Tensor? = None, ${REDUCTION}, pos_weight: Tensor? = None)`,
  KLDivLoss: `(${REDUCTION}, log_target: bool = False)`,
  RNN:
    `(input_size: int, hidden_size: int, ${RNN_ARGS}, *, nonlinearity: str = 'tanh', proj_size: int? = None, ${DD})`,
  LSTM:
    `(input_size: int, hidden_size: int, ${RNN_ARGS}, proj_size: int = 0, ${DD})`,
  GRU:
    `(input_size: int, hidden_size: int, ${RNN_ARGS}, *, proj_size: int? = None, ${DD})`,
  RNNCell:
    `(input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = 'tanh', ${DD})`,
  LSTMCell: `(input_size: int, hidden_size: int, bias: bool = True, ${DD})`,
  GRUCell: `(input_size: int, hidden_size: int, bias: bool = True, ${DD})`,
  MultiheadAttention:
    `(embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int? = None, vdim: int? = None, batch_first: bool = False, ${DD})`,
  TransformerEncoderLayer:
    `(d_model: int, nhead: int, ${TRANSFORMER_LAYER}, ${DD})`,
  TransformerDecoderLayer:
    `(d_model: int, nhead: int, ${TRANSFORMER_LAYER}, ${DD})`,
  TransformerEncoder:
    "(encoder_layer: Module, num_layers: int, norm: Module? = None, enable_nested_tensor: bool = True, mask_check: bool = True)",
  TransformerDecoder:
    "(decoder_layer: Module, num_layers: int, norm: Module? = None)",
  Transformer:
    `(d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6, dim_feedforward: int = 2048, dropout: float = 0.1, activation: str|callable = 'relu', custom_encoder: Module? = None, custom_decoder: Module? = None, layer_norm_eps: float = 1e-05, batch_first: bool = False, norm_first: bool = False, ${DD})`,
  Hardtanh:
    "(min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False)",
  ReLU6: INPLACE,
  SELU: INPLACE,
  Mish: INPLACE,
  Hardswish: INPLACE,
  Hardsigmoid: INPLACE,
  Softsign: "()",
  LogSigmoid: "()",
  Tanhshrink: "()",
  CELU: "(alpha: float = 1.0, inplace: bool = False)",
  Softplus: "(beta: float = 1, threshold: float = 20)",
  GLU: "(dim: int = -1)",
  Softmin: "(dim: int? = None)",
  Threshold: "(threshold: float, value: float, inplace: bool = False)",
  Hardshrink: "(lambd: float = 0.5)",
  Softshrink: "(lambd: float = 0.5)",
  PReLU: `(num_parameters: int = 1, init: float = 0.25, ${DD})`,
  GroupNorm:
    `(num_groups: int, num_channels: int, eps: float = 1e-05, affine: bool = True, ${DD})`,
  InstanceNorm1d: INSTANCE_NORM,
  InstanceNorm2d: INSTANCE_NORM,
  LocalResponseNorm:
    "(size: int, alpha: float = 0.0001, beta: float = 0.75, k: float = 1.0)",
  Dropout1d: "(p: float = 0.5, inplace: bool = False)",
  Dropout2d: "(p: float = 0.5, inplace: bool = False)",
  AlphaDropout: "(p: float = 0.5, inplace: bool = False)",
  FeatureAlphaDropout: "(p: float = 0.5, inplace: bool = False)",
  PixelShuffle: "(upscale_factor: int)",
  PixelUnshuffle: "(downscale_factor: int)",
  Unflatten: "(dim: int, unflattened_size: int[])",
  AvgPool1d:
    "(kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, ceil_mode: bool = False, count_include_pad: bool = True)",
  AdaptiveAvgPool1d: "(output_size: int|int[])",
  ZeroPad2d: "(padding: int|int[])",
  ConstantPad1d: "(padding: int|int[], value: float)",
  ConstantPad2d: "(padding: int|int[], value: float)",
  ConstantPad3d: "(padding: int|int[], value: float)",
  ReflectionPad1d: "(padding: int|int[])",
  ReflectionPad2d: "(padding: int|int[])",
  ReplicationPad1d: "(padding: int|int[])",
  ReplicationPad2d: "(padding: int|int[])",
  ReplicationPad3d: "(padding: int|int[])",
  Upsample:
    "(size: int|int[]? = None, scale_factor: float|float[]? = None, mode: str = 'nearest', align_corners: bool? = None)",
  CosineSimilarity: "(dim: int = 1, eps: float = 1e-08)",
  PairwiseDistance:
    "(p: float = 2.0, eps: float = 1e-06, keepdim: bool = False)",
  HuberLoss: "(reduction: str = 'mean', delta: float = 1.0)",
  MarginRankingLoss: `(margin: float = 0.0, ${REDUCTION})`,
  HingeEmbeddingLoss: `(margin: float = 1.0, ${REDUCTION})`,
  SoftMarginLoss: `(${REDUCTION})`,
  CosineEmbeddingLoss: `(margin: float = 0.0, ${REDUCTION})`,
  TripletMarginLoss:
    `(margin: float = 1.0, p: float = 2.0, eps: float = 1e-06, swap: bool = False, ${REDUCTION})`,
  PoissonNLLLoss:
    "(log_input: bool = True, full: bool = False, size_average: bool? = None, eps: float = 1e-08, reduce: bool? = None, reduction: str = 'mean')",
  GaussianNLLLoss:
    "(*, full: bool = False, eps: float = 1e-06, reduction: str = 'mean')",
  MultiLabelSoftMarginLoss: `(weight: Tensor? = None, ${REDUCTION})`,
  Conv3d:
    `(in_channels: int, out_channels: int, kernel_size: int|int[], ${CONV}, bias: bool = True, padding_mode: str = 'zeros', ${DD})`,
  ConvTranspose1d:
    `(in_channels: int, out_channels: int, kernel_size: int|int[], stride: int|int[] = 1, padding: int|int[] = 0, output_padding: int|int[] = 0, groups: int = 1, bias: bool = True, dilation: int|int[] = 1, padding_mode: str = 'zeros', ${DD})`,
  AdaptiveMaxPool1d: "(output_size: int|int[], return_indices: bool = False)",
  AdaptiveMaxPool2d: "(output_size: any, return_indices: bool = False)",
  ParameterList: { sig: "(values: iterable? = None)", emit: "positional" },
  ParameterDict: { sig: "(parameters: dict? = None)", emit: "positional" },
  EmbeddingBag:
    `(num_embeddings: int, embedding_dim: int, max_norm: float? = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = 'mean', sparse: bool = False, _weight: Tensor? = None, include_last_offset: bool = False, padding_idx: int? = None, ${DD})`,
  CTCLoss:
    "(blank: int = 0, reduction: str = 'mean', zero_infinity: bool = False)",
  Module: "()",
  Parameter: {
    sig: "(data: Tensor? = None, requires_grad: bool = True)",
    emit: "positional",
  },
} as const;

const LOSS = `(input: Tensor, target: Tensor, ${REDUCTION})`;
const SOFTMAX =
  "(input: Tensor, dim: int? = None, _stacklevel: int = 3, dtype: dtype? = None)";

/** `torch.nn.functional.*`. */
export const FUNCTIONAL = {
  relu: "(input: Tensor, inplace: bool = False)",
  relu_: "(input: Tensor)",
  leaky_relu:
    "(input: Tensor, negative_slope: float = 0.01, inplace: bool = False)",
  elu: "(input: Tensor, alpha: float = 1.0, inplace: bool = False)",
  gelu: "(input: Tensor, approximate: str = 'none')",
  silu: "(input: Tensor, inplace: bool = False)",
  sigmoid: "(input: Tensor)",
  tanh: "(input: Tensor)",
  softmax: SOFTMAX,
  log_softmax: SOFTMAX,
  dropout:
    "(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False)",
  linear: {
    sig: "(input: Tensor, weight: Tensor, bias: Tensor? = None)",
    emit: "positional",
  },
  bilinear: {
    sig:
      "(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor? = None)",
    emit: "positional",
  },
  batch_norm:
    "(input: Tensor, running_mean: Tensor?, running_var: Tensor?, weight: Tensor? = None, bias: Tensor? = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-05)",
  layer_norm:
    "(input: Tensor, normalized_shape: int|int[], weight: Tensor? = None, bias: Tensor? = None, eps: float = 1e-05)",
  embedding:
    "(input: Tensor, weight: Tensor, padding_idx: int? = None, max_norm: float? = None, norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False)",
  normalize:
    "(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12)",
  flatten: "(input: Tensor, start_dim: int = 0, end_dim: int = -1)",
  conv1d: `(input: Tensor, weight: Tensor, bias: Tensor? = None, ${CONV})`,
  conv2d: `(input: Tensor, weight: Tensor, bias: Tensor? = None, ${CONV})`,
  conv_transpose2d:
    "(input: Tensor, weight: Tensor, bias: Tensor? = None, stride: int|int[] = 1, padding: int|int[] = 0, output_padding: int|int[] = 0, groups: int = 1, dilation: int|int[] = 1)",
  fold:
    "(input: Tensor, output_size: int|int[], kernel_size: int|int[], dilation: int|int[] = 1, padding: int|int[] = 0, stride: int|int[] = 1)",
  unfold:
    "(input: Tensor, kernel_size: int|int[], dilation: int|int[] = 1, padding: int|int[] = 0, stride: int|int[] = 1)",
  max_pool1d:
    "(input: Tensor, kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, dilation: int|int[] = 1, ceil_mode: bool = False, return_indices: bool = False)",
  max_pool2d:
    "(input: Tensor, kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, dilation: int|int[] = 1, ceil_mode: bool = False, return_indices: bool = False)",
  avg_pool2d:
    "(input: Tensor, kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: int? = None)",
  adaptive_avg_pool2d: "(input: Tensor, output_size: any)",
  interpolate:
    "(input: Tensor, size: int|int[]? = None, scale_factor: float|float[]? = None, mode: str = 'nearest', align_corners: bool? = None)",
  one_hot: "(tensor: Tensor, num_classes: int = -1)",
  pad:
    "(input: Tensor, pad: int[], mode: str = 'constant', value: float? = None)",
  scaled_dot_product_attention:
    "(query: Tensor, key: Tensor, value: Tensor, attn_mask: Tensor? = None, dropout_p: float = 0.0, is_causal: bool = False, *, scale: float? = None)",
  multi_head_attention_forward: {
    sig:
      "(query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int, in_proj_weight: Tensor?, in_proj_bias: Tensor?, bias_k: Tensor?, bias_v: Tensor?, add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Tensor?, training: bool = True, key_padding_mask: Tensor? = None, need_weights: bool = True, attn_mask: Tensor? = None, use_separate_proj_weight: bool = False, q_proj_weight: Tensor? = None, k_proj_weight: Tensor? = None, v_proj_weight: Tensor? = None, static_k: Tensor? = None, static_v: Tensor? = None, average_attn_weights: bool = True)",
    emit: 13,
  },
  hardtanh:
    "(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False)",
  relu6: "(input: Tensor, inplace: bool = False)",
  hardsigmoid: "(input: Tensor, inplace: bool = False)",
  hardswish: "(input: Tensor, inplace: bool = False)",
  selu: "(input: Tensor, inplace: bool = False)",
  mish: "(input: Tensor, inplace: bool = False)",
  celu: "(input: Tensor, alpha: float = 1.0, inplace: bool = False)",
  softplus: "(input: Tensor, beta: float = 1, threshold: float = 20)",
  softsign: "(input: Tensor)",
  logsigmoid: "(input: Tensor)",
  tanhshrink: "(input: Tensor)",
  glu: "(input: Tensor, dim: int = -1)",
  softmin:
    "(input: Tensor, dim: int? = None, _stacklevel: int = 3, dtype: dtype? = None)",
  threshold:
    "(input: Tensor, threshold: float, value: float, inplace: bool = False)",
  hardshrink: "(input: Tensor, lambd: float = 0.5)",
  softshrink: "(input: Tensor, lambd: float = 0.5)",
  prelu: { sig: "(input: Tensor, weight: Tensor)", emit: "positional" },
  group_norm:
    "(input: Tensor, num_groups: int, weight: Tensor? = None, bias: Tensor? = None, eps: float = 1e-05)",
  instance_norm:
    "(input: Tensor, running_mean: Tensor? = None, running_var: Tensor? = None, weight: Tensor? = None, bias: Tensor? = None, use_input_stats: bool = True, momentum: float = 0.1, eps: float = 1e-05)",
  local_response_norm:
    "(input: Tensor, size: int, alpha: float = 0.0001, beta: float = 0.75, k: float = 1.0)",
  dropout1d:
    "(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False)",
  dropout2d:
    "(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False)",
  alpha_dropout:
    "(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False)",
  feature_alpha_dropout:
    "(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False)",
  pixel_shuffle: {
    sig: "(input: Tensor, upscale_factor: int)",
    emit: "positional",
  },
  pixel_unshuffle: {
    sig: "(input: Tensor, downscale_factor: int)",
    emit: "positional",
  },
  avg_pool1d:
    "(input: Tensor, kernel_size: int|int[], stride: int|int[]? = None, padding: int|int[] = 0, ceil_mode: bool = False, count_include_pad: bool = True)",
  adaptive_avg_pool1d: {
    sig: "(input: Tensor, output_size: int|int[])",
    emit: "positional",
  },
  pairwise_distance:
    "(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False)",
  huber_loss:
    "(input: Tensor, target: Tensor, reduction: str = 'mean', delta: float = 1.0)",
  margin_ranking_loss:
    `(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, ${REDUCTION})`,
  hinge_embedding_loss:
    `(input: Tensor, target: Tensor, margin: float = 1.0, ${REDUCTION})`,
  soft_margin_loss: LOSS,
  cosine_embedding_loss:
    `(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0, ${REDUCTION})`,
  triplet_margin_loss:
    `(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2, eps: float = 1e-06, swap: bool = False, ${REDUCTION})`,
  poisson_nll_loss:
    "(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average: bool? = None, eps: float = 1e-08, reduce: bool? = None, reduction: str = 'mean')",
  gaussian_nll_loss:
    "(input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-06, reduction: str = 'mean')",
  multilabel_soft_margin_loss:
    `(input: Tensor, target: Tensor, weight: Tensor? = None, ${REDUCTION})`,
  conv3d: `(input: Tensor, weight: Tensor, bias: Tensor? = None, ${CONV})`,
  conv_transpose1d:
    "(input: Tensor, weight: Tensor, bias: Tensor? = None, stride: int|int[] = 1, padding: int|int[] = 0, output_padding: int|int[] = 0, groups: int = 1, dilation: int|int[] = 1)",
  gumbel_softmax:
    "(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1)",
  adaptive_max_pool1d:
    "(input: Tensor, output_size: int|int[], return_indices: bool = False)",
  adaptive_max_pool2d:
    "(input: Tensor, output_size: any, return_indices: bool = False)",
  grid_sample:
    "(input: Tensor, grid: Tensor, mode: str = 'bilinear', padding_mode: str = 'zeros', align_corners: bool? = None)",
  embedding_bag:
    "(input: Tensor, weight: Tensor, offsets: Tensor? = None, max_norm: float? = None, norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = 'mean', sparse: bool = False, per_sample_weights: Tensor? = None, include_last_offset: bool = False, padding_idx: int? = None)",
  affine_grid: "(theta: Tensor, size: int[], align_corners: bool? = None)",
  ctc_loss:
    "(log_probs: Tensor, targets: Tensor, input_lengths: Tensor|int[], target_lengths: Tensor|int[], blank: int = 0, reduction: str = 'mean', zero_infinity: bool = False)",
  mse_loss: LOSS,
  l1_loss: LOSS,
  smooth_l1_loss:
    `(input: Tensor, target: Tensor, ${REDUCTION}, beta: float = 1.0)`,
  nll_loss:
    "(input: Tensor, target: Tensor, weight: Tensor? = None, size_average: bool? = None, ignore_index: int = -100, reduce: bool? = None, reduction: str = 'mean')",
  cross_entropy:
    "(input: Tensor, target: Tensor, weight: Tensor? = None, size_average: bool? = None, ignore_index: int = -100, reduce: bool? = None, reduction: str = 'mean', label_smoothing: float = 0.0)",
  binary_cross_entropy:
    `(input: Tensor, target: Tensor, weight: Tensor? = None, ${REDUCTION})`,
  binary_cross_entropy_with_logits:
    `(input: Tensor, target: Tensor, weight: Tensor? = None, ${REDUCTION}, pos_weight: Tensor? = None)`,
  kl_div:
    `(input: Tensor, target: Tensor, ${REDUCTION}, log_target: bool = False)`,
} as const;

const GEN = "*, generator: Generator? = None";

/** `torch.nn.init.*` (a `generator` keyword as later PyTorch has). */
export const INIT = {
  calculate_gain: {
    sig: "(nonlinearity: str, param: float? = None)",
    emit: "positional",
  },
  _calculate_fan_in_and_fan_out: "(tensor: Tensor)",
  uniform_: {
    sig: `(tensor: Tensor, a: float = 0.0, b: float = 1.0, ${GEN})`,
    emit: "positional",
  },
  normal_: {
    sig: `(tensor: Tensor, mean: float = 0.0, std: float = 1.0, ${GEN})`,
    emit: "positional",
  },
  constant_: "(tensor: Tensor, val: Number)",
  ones_: "(tensor: Tensor)",
  zeros_: "(tensor: Tensor)",
  eye_: "(tensor: Tensor)",
  xavier_uniform_: {
    sig: `(tensor: Tensor, gain: float = 1.0, ${GEN})`,
    emit: "positional",
  },
  xavier_normal_: {
    sig: `(tensor: Tensor, gain: float = 1.0, ${GEN})`,
    emit: "positional",
  },
  kaiming_uniform_:
    `(tensor: Tensor, a: float = 0, mode: str = 'fan_in', nonlinearity: str = 'leaky_relu', ${GEN})`,
  kaiming_normal_:
    `(tensor: Tensor, a: float = 0, mode: str = 'fan_in', nonlinearity: str = 'leaky_relu', ${GEN})`,
  orthogonal_: {
    sig: `(tensor: Tensor, gain: float = 1, ${GEN})`,
    emit: "positional",
  },
  trunc_normal_: {
    sig:
      `(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, ${GEN})`,
    emit: "positional",
  },
} as const;

/** `torch.nn.utils.*`. */
export const UTILS = {
  clip_grad_norm_: {
    sig:
      "(parameters: Tensor|iterable, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False)",
    emit: "positional",
  },
  clip_grad_value_: "(parameters: Tensor|iterable, clip_value: float)",
  parameters_to_vector: "(parameters: iterable)",
  weight_norm: {
    sig: "(module: Module, name: str = 'weight', dim: int? = 0)",
    emit: "positional",
  },
  remove_weight_norm: {
    sig: "(module: Module, name: str = 'weight')",
    emit: "positional",
  },
  spectral_norm: {
    sig:
      "(module: Module, name: str = 'weight', n_power_iterations: int = 1, eps: float = 1e-12, dim: int? = None)",
    emit: "positional",
  },
  remove_spectral_norm: {
    sig: "(module: Module, name: str = 'weight')",
    emit: "positional",
  },
  vector_to_parameters: "(vec: Tensor, parameters: iterable)",
} as const;

/** `torch.nn.utils.rnn.*`. */
export const RNN_UTILS = {
  pad_sequence:
    "(sequences: Tensor|Tensor[], batch_first: bool = False, padding_value: float = 0.0)",
  pack_padded_sequence:
    "(input: Tensor, lengths: Tensor|int[], batch_first: bool = False, enforce_sorted: bool = True)",
  pad_packed_sequence:
    "(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int? = None)",
  pack_sequence: "(sequences: Tensor[], enforce_sorted: bool = True)",
  unpad_sequence:
    "(padded_sequences: Tensor, lengths: Tensor|int[], batch_first: bool = False)",
  unpack_sequence: "(packed_sequences: PackedSequence)",
} as const;

/** `torch.nn.utils.parametrize.*`. */
export const PARAMETRIZE = {
  register_parametrization: {
    sig:
      "(module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False)",
    emit: "positional",
  },
  remove_parametrizations: {
    sig: "(module: Module, tensor_name: str, leave_parametrized: bool = True)",
    emit: "positional",
  },
  is_parametrized: {
    sig: "(module: Module, tensor_name: str? = None)",
    emit: "positional",
  },
} as const;

/** `nn.utils.rnn.PackedSequence`: PyTorch's namedtuple and the methods it adds. */
export const PACKED_SEQUENCE = {
  constructor: {
    sig:
      "(data: Tensor, batch_sizes: Tensor, sorted_indices: Tensor? = None, unsorted_indices: Tensor? = None)",
    emit: "positional",
  },
  methods: {
    to: { sig: "(self: PackedSequence, *args: any)", emit: "positional" },
    float: "(self: PackedSequence)",
    double: "(self: PackedSequence)",
    cpu: "(self: PackedSequence)",
    is_pinned: "(self: PackedSequence)",
  },
} as const;

/** `nn.Module`'s methods (every layer inherits them), `self` first. */
export const MODULE_METHODS = {
  train: "(self: Module, mode: bool = True)",
  eval: "(self: Module)",
  zero_grad: { sig: "(self: Module, set_to_none: bool = False)", emit: 1 },
  requires_grad_: "(self: Module, requires_grad: bool = True)",
  apply: "(self: Module, fn: callable)",
  cuda: "(self: Module)",
  cpu: "(self: Module)",
  double: "(self: Module)",
  float: "(self: Module)",
  half: "(self: Module)",
  bfloat16: "(self: Module)",
  to:
    "(self: Module, device: device|dtype? = None, dtype: dtype? = None, non_blocking: bool = False)",
  state_dict: {
    sig: "(self: Module, *, prefix: str = '', keep_vars: bool = False)",
    emit: 1,
  },
  load_state_dict: {
    sig: "(self: Module, state_dict: dict|object, strict: bool = True)",
    emit: 2,
  },
  parameters: "(self: Module, recurse: bool = True)",
  named_parameters: "(self: Module, prefix: str = '', recurse: bool = True)",
  buffers: "(self: Module, recurse: bool = True)",
  named_buffers: "(self: Module, prefix: str = '', recurse: bool = True)",
  children: "(self: Module)",
  named_children: "(self: Module)",
  modules: "(self: Module)",
  named_modules: "(self: Module, memo: object? = None, prefix: str = '')",
  register_buffer:
    "(self: Module, name: str, tensor: Tensor?, persistent: bool = True)",
  register_parameter: "(self: Module, name: str, param: Tensor?)",
  add_module: "(self: Module, name: str, module: Module?)",
  register_module: "(self: Module, name: str, module: Module?)",
  register_forward_hook: "(self: Module, hook: callable)",
  register_forward_pre_hook: "(self: Module, hook: callable)",
  register_full_backward_hook: "(self: Module, hook: callable)",
  extra_repr: "(self: Module)",
  legacy_repr: "(self: Module)",
  reset_parameters: "(self: Module)",
  reset_running_stats: "(self: Module)",
} as const;

const ONE = "(self: Module, input: Tensor)";
const TWO = "(self: Module, input: Tensor, target: Tensor)";
const DECODER =
  "(self: Module, tgt: Tensor, memory: Tensor, tgt_mask: Tensor? = None, memory_mask: Tensor? = None, tgt_key_padding_mask: Tensor? = None, memory_key_padding_mask: Tensor? = None)";

/** Each layer's `forward` (called by `layer(x)`). */
export const FORWARD = {
  Identity: "(self: Module, input: any)",
  Linear: ONE,
  Bilinear: "(self: Module, input1: Tensor, input2: Tensor)",
  ReLU: ONE,
  LeakyReLU: ONE,
  ELU: ONE,
  GELU: ONE,
  SiLU: ONE,
  Sigmoid: ONE,
  Tanh: ONE,
  Softmax: ONE,
  LogSoftmax: ONE,
  Dropout: ONE,
  Flatten: ONE,
  Embedding: ONE,
  BatchNorm1d: ONE,
  BatchNorm2d: ONE,
  LayerNorm: ONE,
  Sequential: "(self: Module, input: any)",
  Conv1d: ONE,
  Conv2d: ONE,
  ConvTranspose2d: ONE,
  MaxPool1d: ONE,
  MaxPool2d: ONE,
  AvgPool2d: ONE,
  AdaptiveAvgPool2d: ONE,
  RNN: "(self: Module, input: Tensor|PackedSequence, hx: Tensor? = None)",
  LSTM: "(self: Module, input: Tensor|PackedSequence, hx: Tensor[]? = None)",
  GRU: "(self: Module, input: Tensor|PackedSequence, hx: Tensor? = None)",
  RNNCell: "(self: Module, input: Tensor, hx: Tensor? = None)",
  LSTMCell: "(self: Module, input: Tensor, hx: Tensor[]? = None)",
  GRUCell: "(self: Module, input: Tensor, hx: Tensor? = None)",
  MultiheadAttention:
    "(self: Module, query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Tensor? = None, need_weights: bool = True, attn_mask: Tensor? = None, average_attn_weights: bool = True)",
  TransformerEncoderLayer:
    "(self: Module, src: Tensor, src_mask: Tensor? = None, src_key_padding_mask: Tensor? = None)",
  TransformerEncoder:
    "(self: Module, src: Tensor, mask: Tensor? = None, src_key_padding_mask: Tensor? = None)",
  TransformerDecoderLayer: DECODER,
  TransformerDecoder: DECODER,
  Transformer:
    "(self: Module, src: Tensor, tgt: Tensor, src_mask: Tensor? = None, tgt_mask: Tensor? = None, memory_mask: Tensor? = None, src_key_padding_mask: Tensor? = None, tgt_key_padding_mask: Tensor? = None, memory_key_padding_mask: Tensor? = None)",
  Hardtanh: ONE,
  ReLU6: ONE,
  SELU: ONE,
  Mish: ONE,
  Hardswish: ONE,
  Hardsigmoid: ONE,
  Softsign: ONE,
  LogSigmoid: ONE,
  Tanhshrink: ONE,
  CELU: ONE,
  Softplus: ONE,
  GLU: ONE,
  Softmin: ONE,
  Threshold: ONE,
  Hardshrink: ONE,
  Softshrink: ONE,
  PReLU: ONE,
  GroupNorm: ONE,
  InstanceNorm1d: ONE,
  InstanceNorm2d: ONE,
  LocalResponseNorm: ONE,
  Dropout1d: ONE,
  Dropout2d: ONE,
  AlphaDropout: ONE,
  FeatureAlphaDropout: ONE,
  PixelShuffle: ONE,
  PixelUnshuffle: ONE,
  Unflatten: ONE,
  AvgPool1d: ONE,
  AdaptiveAvgPool1d: ONE,
  ZeroPad2d: ONE,
  ConstantPad1d: ONE,
  ConstantPad2d: ONE,
  ConstantPad3d: ONE,
  ReflectionPad1d: ONE,
  ReflectionPad2d: ONE,
  ReplicationPad1d: ONE,
  ReplicationPad2d: ONE,
  ReplicationPad3d: ONE,
  Upsample: ONE,
  CosineSimilarity: "(self: Module, x1: Tensor, x2: Tensor)",
  PairwiseDistance: "(self: Module, x1: Tensor, x2: Tensor)",
  HuberLoss: TWO,
  HingeEmbeddingLoss: TWO,
  SoftMarginLoss: TWO,
  MultiLabelSoftMarginLoss: TWO,
  PoissonNLLLoss: "(self: Module, log_input: Tensor, target: Tensor)",
  MarginRankingLoss:
    "(self: Module, input1: Tensor, input2: Tensor, target: Tensor)",
  CosineEmbeddingLoss:
    "(self: Module, input1: Tensor, input2: Tensor, target: Tensor)",
  TripletMarginLoss:
    "(self: Module, anchor: Tensor, positive: Tensor, negative: Tensor)",
  GaussianNLLLoss: "(self: Module, input: Tensor, target: Tensor, var: Tensor)",
  ConvTranspose1d: ONE,
  Conv3d: ONE,
  AdaptiveMaxPool1d: ONE,
  AdaptiveMaxPool2d: ONE,
  EmbeddingBag:
    "(self: Module, input: Tensor, offsets: Tensor? = None, per_sample_weights: Tensor? = None)",
  CTCLoss:
    "(self: Module, log_probs: Tensor, targets: Tensor, input_lengths: Tensor|int[], target_lengths: Tensor|int[])",
  L1Loss: TWO,
  MSELoss: TWO,
  SmoothL1Loss: TWO,
  NLLLoss: TWO,
  CrossEntropyLoss: TWO,
  BCELoss: TWO,
  BCEWithLogitsLoss: TWO,
  KLDivLoss: TWO,
} as const;

/** The containers' own methods (`get` and `set` are Python's `[i]`), and the recurrent layers'. */
export const CONTAINER_METHODS = {
  ParameterList: {
    get: "(self: Module, idx: int)",
    append: "(self: Module, value: Tensor)",
    extend: "(self: Module, values: iterable)",
  },
  ParameterDict: {
    get: "(self: Module, key: str)",
    set: "(self: Module, key: str, value: Tensor)",
    has: "(self: Module, key: str)",
    keys: "(self: Module)",
    values: "(self: Module)",
    items: "(self: Module)",
    update: "(self: Module, parameters: dict)",
  },
  LSTM: { flatten_parameters: "(self: Module)" },
  Sequential: {
    get: "(self: Module, idx: int)",
    append: "(self: Module, module: Module)",
  },
  ModuleList: {
    get: "(self: Module, idx: int)",
    set: "(self: Module, idx: int, module: Module)",
    append: "(self: Module, module: Module)",
    extend: "(self: Module, modules: iterable)",
    insert: "(self: Module, index: int, module: Module)",
  },
  ModuleDict: {
    get: "(self: Module, key: str)",
    set: "(self: Module, key: str, module: Module)",
    has: "(self: Module, key: str)",
    pop: "(self: Module, key: str)",
    keys: "(self: Module)",
    values: "(self: Module)",
    items: "(self: Module)",
    update: "(self: Module, modules: dict|iterable)",
  },
} as const;
