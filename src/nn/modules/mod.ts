// Every layer and container of `torch.nn`, by family.

export { Bilinear, Identity, Linear } from "./linear.ts";
export {
  ELU,
  GELU,
  LeakyReLU,
  LogSoftmax,
  ReLU,
  Sigmoid,
  SiLU,
  Softmax,
  Tanh,
} from "./activation.ts";
export { Dropout } from "./dropout.ts";
export { Flatten } from "./flatten.ts";
export { Embedding } from "./sparse.ts";
export {
  _BatchNorm,
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
} from "./normalization.ts";
export { ModuleDict, ModuleList, Sequential } from "./container.ts";
export {
  _ConvNd,
  Conv1d,
  Conv2d,
  Conv3d,
  ConvTranspose1d,
  ConvTranspose2d,
} from "./conv.ts";
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  MaxPool1d,
  MaxPool2d,
} from "./pooling.ts";
export {
  GRU,
  GRUCell,
  LSTM,
  LSTMCell,
  RNN,
  RNNBase,
  RNNCell,
  RNNCellBase,
} from "./rnn.ts";
export {
  MultiheadAttention,
  Transformer,
  TransformerDecoder,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerEncoderLayer,
} from "./transformer.ts";
export * from "./extra.ts";
