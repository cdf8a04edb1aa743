// `torch.nn`: modules, layers, losses, functional, init and utils, each behind its PyTorch signature
// (declared in signatures.ts; the implementations live in modules/, functional.ts, init.ts, utils.ts).

import {
  bindMethods,
  signAll,
  signClasses,
  signedClassAs,
  type SignedClassTable,
  type SignedTable,
} from "../signature.ts";
import * as m from "./modules/mod.ts";
import * as L from "./modules/loss.ts";
import { Module as ModuleImpl } from "./module.ts";
import { Parameter as ParameterImpl } from "./parameter.ts";
import * as F from "./functional.ts";
import * as I from "./init.ts";
import * as U from "./utils.ts";
import * as R from "./rnn_utils.ts";
import * as PZ from "./parametrize.ts";
import type { Tensor } from "../tensor.ts";
import {
  CONTAINER_METHODS,
  FORWARD,
  FUNCTIONAL,
  INIT,
  MODULE_METHODS,
  NN_CLASSES,
  PACKED_SEQUENCE,
  PARAMETRIZE,
  RNN_UTILS,
  UTILS,
} from "./signatures.ts";

export type { RemovableHandle, StateDict } from "./module.ts";
export { _BatchNorm, _ConvNd, RNNBase, RNNCellBase } from "./modules/mod.ts";

type Stackless = (
  input: Tensor,
  o?: { dim?: number | null; _stacklevel?: number; dtype?: unknown },
) => Tensor;

/** F.softmax's `_stacklevel` only steers Python's warning; it is accepted and dropped. */
function stackless(
  fn: (input: Tensor, opts: { dim?: number | null; dtype?: unknown }) => Tensor,
): Stackless {
  return (
    input: Tensor,
    o: { dim?: number | null; _stacklevel?: number; dtype?: unknown } = {},
  ) => fn(input, { dim: o.dim ?? undefined, dtype: o.dtype });
}

/** `torch.nn.functional` (F): the layers as functions. */
const F_IMPLS = {
  ...F,
  softmax: stackless(F.softmax) as Stackless,
  log_softmax: stackless(F.log_softmax) as Stackless,
};
export const functional: SignedTable<typeof FUNCTIONAL, typeof F_IMPLS> =
  signAll("torch.nn.functional", FUNCTIONAL, F_IMPLS);
/** `torch.nn.init`: in-place initialisers with PyTorch's draws. */
export const init: SignedTable<typeof INIT, typeof I> = signAll(
  "torch.nn.init",
  INIT,
  I,
);
/** `torch.nn.utils.rnn`: padding and packing sequences of different lengths. */
const rnn: SignedTable<typeof RNN_UTILS, typeof R> & {
  PackedSequence: typeof R.PackedSequence;
} = {
  ...signAll("torch.nn.utils.rnn", RNN_UTILS, R),
  PackedSequence: signedClassAs(
    "torch.nn.utils.rnn.PackedSequence",
    PACKED_SEQUENCE.constructor,
    R.PackedSequence,
  ),
};
bindMethods(R.PackedSequence, "torch.nn.utils.rnn", PACKED_SEQUENCE.methods);
/** `torch.nn.utils.parametrize`: register_parametrization and friends. */
const parametrize: SignedTable<typeof PARAMETRIZE, typeof PZ> = signAll(
  "torch.nn.utils.parametrize",
  PARAMETRIZE,
  PZ,
);
/** `torch.nn.utils`: gradient clipping, parameter helpers, `rnn` and `parametrize`. */
export const utils:
  & SignedTable<typeof UTILS, typeof U>
  & { rnn: typeof rnn; parametrize: typeof parametrize } = {
    ...signAll("torch.nn.utils", UTILS, U),
    rnn,
    parametrize,
  };

const IMPLS = { ...m, ...L, Module: ModuleImpl, Parameter: ParameterImpl };
const classes: SignedClassTable<typeof NN_CLASSES, typeof IMPLS> = signClasses(
  "torch.nn",
  NN_CLASSES,
  IMPLS,
);

// The methods every layer has (train, parameters, state_dict, ...), its forward and the
// containers' own methods are bound in place, where each class defines them.
const ownTo = ModuleImpl.prototype.to;
/** `to(device, dtype)` bound, in the one-argument form Module.to takes. */
function moduleTo(this: ModuleImpl, device?: unknown, dtype?: unknown) {
  if (device == null && dtype == null) return this;
  const target = dtype == null
    ? device
    : { dtype, ...(device == null ? {} : { device }) };
  return ownTo.call(this, target as Parameters<typeof ownTo>[0]);
}
for (const [name, cls] of Object.entries(IMPLS)) {
  if (
    cls === ParameterImpl ||
    !(cls.prototype instanceof ModuleImpl || cls === ModuleImpl)
  ) continue;
  bindMethods(cls, "torch.nn", MODULE_METHODS, { to: moduleTo });
  if (name in FORWARD) {
    bindMethods(cls, "torch.nn", {
      forward: FORWARD[name as keyof typeof FORWARD],
    });
  }
  if (name in CONTAINER_METHODS) {
    bindMethods(
      cls,
      "torch.nn",
      CONTAINER_METHODS[name as keyof typeof CONTAINER_METHODS],
    );
  }
}

/** Every layer of `torch.nn`, bound through its constructor's signature. */
export const Identity = classes.Identity;
export const Linear = classes.Linear;
export const Bilinear = classes.Bilinear;
export const ReLU = classes.ReLU;
export const LeakyReLU = classes.LeakyReLU;
export const ELU = classes.ELU;
export const GELU = classes.GELU;
export const SiLU = classes.SiLU;
export const Sigmoid = classes.Sigmoid;
export const Tanh = classes.Tanh;
export const Softmax = classes.Softmax;
export const LogSoftmax = classes.LogSoftmax;
export const Dropout = classes.Dropout;
export const Flatten = classes.Flatten;
export const Embedding = classes.Embedding;
export const BatchNorm1d = classes.BatchNorm1d;
export const BatchNorm2d = classes.BatchNorm2d;
export const LayerNorm = classes.LayerNorm;
export const Sequential = classes.Sequential;
export const ModuleList = classes.ModuleList;
export const ModuleDict = classes.ModuleDict;
export const Conv1d = classes.Conv1d;
export const Conv2d = classes.Conv2d;
export const ConvTranspose2d = classes.ConvTranspose2d;
export const MaxPool1d = classes.MaxPool1d;
export const MaxPool2d = classes.MaxPool2d;
export const AvgPool2d = classes.AvgPool2d;
export const AdaptiveAvgPool2d = classes.AdaptiveAvgPool2d;
export const L1Loss = classes.L1Loss;
export const MSELoss = classes.MSELoss;
export const SmoothL1Loss = classes.SmoothL1Loss;
export const NLLLoss = classes.NLLLoss;
export const CrossEntropyLoss = classes.CrossEntropyLoss;
export const BCELoss = classes.BCELoss;
export const BCEWithLogitsLoss = classes.BCEWithLogitsLoss;
export const KLDivLoss = classes.KLDivLoss;
export const RNN = classes.RNN;
export const LSTM = classes.LSTM;
export const GRU = classes.GRU;
export const RNNCell = classes.RNNCell;
export const LSTMCell = classes.LSTMCell;
export const GRUCell = classes.GRUCell;
export const MultiheadAttention = classes.MultiheadAttention;
export const TransformerEncoderLayer = classes.TransformerEncoderLayer;
export const TransformerEncoder = classes.TransformerEncoder;
export const TransformerDecoderLayer = classes.TransformerDecoderLayer;
export const TransformerDecoder = classes.TransformerDecoder;
export const Transformer = classes.Transformer;
export const Hardtanh = classes.Hardtanh;
export const ReLU6 = classes.ReLU6;
export const SELU = classes.SELU;
export const Mish = classes.Mish;
export const Hardswish = classes.Hardswish;
export const Hardsigmoid = classes.Hardsigmoid;
export const Softsign = classes.Softsign;
export const LogSigmoid = classes.LogSigmoid;
export const Tanhshrink = classes.Tanhshrink;
export const CELU = classes.CELU;
export const Softplus = classes.Softplus;
export const GLU = classes.GLU;
export const Softmin = classes.Softmin;
export const Threshold = classes.Threshold;
export const Hardshrink = classes.Hardshrink;
export const Softshrink = classes.Softshrink;
export const PReLU = classes.PReLU;
export const GroupNorm = classes.GroupNorm;
export const InstanceNorm1d = classes.InstanceNorm1d;
export const InstanceNorm2d = classes.InstanceNorm2d;
export const LocalResponseNorm = classes.LocalResponseNorm;
export const Dropout1d = classes.Dropout1d;
export const Dropout2d = classes.Dropout2d;
export const AlphaDropout = classes.AlphaDropout;
export const FeatureAlphaDropout = classes.FeatureAlphaDropout;
export const PixelShuffle = classes.PixelShuffle;
export const PixelUnshuffle = classes.PixelUnshuffle;
export const Unflatten = classes.Unflatten;
export const AvgPool1d = classes.AvgPool1d;
export const AdaptiveAvgPool1d = classes.AdaptiveAvgPool1d;
export const ZeroPad2d = classes.ZeroPad2d;
export const ConstantPad1d = classes.ConstantPad1d;
export const ConstantPad2d = classes.ConstantPad2d;
export const ConstantPad3d = classes.ConstantPad3d;
export const ReflectionPad1d = classes.ReflectionPad1d;
export const ReflectionPad2d = classes.ReflectionPad2d;
export const ReplicationPad1d = classes.ReplicationPad1d;
export const ReplicationPad2d = classes.ReplicationPad2d;
export const ReplicationPad3d = classes.ReplicationPad3d;
export const Upsample = classes.Upsample;
export const CosineSimilarity = classes.CosineSimilarity;
export const PairwiseDistance = classes.PairwiseDistance;
export const HuberLoss = classes.HuberLoss;
export const MarginRankingLoss = classes.MarginRankingLoss;
export const HingeEmbeddingLoss = classes.HingeEmbeddingLoss;
export const SoftMarginLoss = classes.SoftMarginLoss;
export const CosineEmbeddingLoss = classes.CosineEmbeddingLoss;
export const TripletMarginLoss = classes.TripletMarginLoss;
export const PoissonNLLLoss = classes.PoissonNLLLoss;
export const GaussianNLLLoss = classes.GaussianNLLLoss;
export const MultiLabelSoftMarginLoss = classes.MultiLabelSoftMarginLoss;
export const ConvTranspose1d = classes.ConvTranspose1d;
export const AdaptiveMaxPool1d = classes.AdaptiveMaxPool1d;
export const AdaptiveMaxPool2d = classes.AdaptiveMaxPool2d;
export const ParameterList = classes.ParameterList;
export const ParameterDict = classes.ParameterDict;
export const EmbeddingBag = classes.EmbeddingBag;
export const CTCLoss = classes.CTCLoss;
export const Conv3d = classes.Conv3d;
export const Module = classes.Module;
export const Parameter = classes.Parameter;
export type Module = ModuleImpl;
export type Parameter = ParameterImpl;
export type Identity = m.Identity;
export type Linear = m.Linear;
export type Bilinear = m.Bilinear;
export type ReLU = m.ReLU;
export type LeakyReLU = m.LeakyReLU;
export type ELU = m.ELU;
export type GELU = m.GELU;
export type SiLU = m.SiLU;
export type Sigmoid = m.Sigmoid;
export type Tanh = m.Tanh;
export type Softmax = m.Softmax;
export type LogSoftmax = m.LogSoftmax;
export type Dropout = m.Dropout;
export type Flatten = m.Flatten;
export type Embedding = m.Embedding;
export type BatchNorm1d = m.BatchNorm1d;
export type BatchNorm2d = m.BatchNorm2d;
export type LayerNorm = m.LayerNorm;
export type Sequential = m.Sequential;
export type ModuleList = m.ModuleList;
export type ModuleDict = m.ModuleDict;
export type Conv1d = m.Conv1d;
export type Conv2d = m.Conv2d;
export type ConvTranspose2d = m.ConvTranspose2d;
export type MaxPool1d = m.MaxPool1d;
export type MaxPool2d = m.MaxPool2d;
export type AvgPool2d = m.AvgPool2d;
export type AdaptiveAvgPool2d = m.AdaptiveAvgPool2d;
export type L1Loss = L.L1Loss;
export type MSELoss = L.MSELoss;
export type SmoothL1Loss = L.SmoothL1Loss;
export type NLLLoss = L.NLLLoss;
export type CrossEntropyLoss = L.CrossEntropyLoss;
export type BCELoss = L.BCELoss;
export type BCEWithLogitsLoss = L.BCEWithLogitsLoss;
export type KLDivLoss = L.KLDivLoss;
export type RNN = m.RNN;
export type LSTM = m.LSTM;
export type GRU = m.GRU;
export type RNNCell = m.RNNCell;
export type LSTMCell = m.LSTMCell;
export type GRUCell = m.GRUCell;
export type PackedSequence = R.PackedSequence;
export type Conv3d = m.Conv3d;
export type CTCLoss = m.CTCLoss;
export type EmbeddingBag = m.EmbeddingBag;
export type ConvTranspose1d = m.ConvTranspose1d;
export type AdaptiveMaxPool1d = m.AdaptiveMaxPool1d;
export type AdaptiveMaxPool2d = m.AdaptiveMaxPool2d;
export type ParameterList = m.ParameterList;
export type ParameterDict = m.ParameterDict;
export type HuberLoss = L.HuberLoss;
export type MarginRankingLoss = L.MarginRankingLoss;
export type HingeEmbeddingLoss = L.HingeEmbeddingLoss;
export type SoftMarginLoss = L.SoftMarginLoss;
export type CosineEmbeddingLoss = L.CosineEmbeddingLoss;
export type TripletMarginLoss = L.TripletMarginLoss;
export type PoissonNLLLoss = L.PoissonNLLLoss;
export type GaussianNLLLoss = L.GaussianNLLLoss;
export type MultiLabelSoftMarginLoss = L.MultiLabelSoftMarginLoss;
export type Hardtanh = m.Hardtanh;
export type ReLU6 = m.ReLU6;
export type SELU = m.SELU;
export type Mish = m.Mish;
export type Hardswish = m.Hardswish;
export type Hardsigmoid = m.Hardsigmoid;
export type Softsign = m.Softsign;
export type LogSigmoid = m.LogSigmoid;
export type Tanhshrink = m.Tanhshrink;
export type CELU = m.CELU;
export type Softplus = m.Softplus;
export type GLU = m.GLU;
export type Softmin = m.Softmin;
export type Threshold = m.Threshold;
export type Hardshrink = m.Hardshrink;
export type Softshrink = m.Softshrink;
export type PReLU = m.PReLU;
export type GroupNorm = m.GroupNorm;
export type InstanceNorm1d = m.InstanceNorm1d;
export type InstanceNorm2d = m.InstanceNorm2d;
export type LocalResponseNorm = m.LocalResponseNorm;
export type Dropout1d = m.Dropout1d;
export type Dropout2d = m.Dropout2d;
export type AlphaDropout = m.AlphaDropout;
export type FeatureAlphaDropout = m.FeatureAlphaDropout;
export type PixelShuffle = m.PixelShuffle;
export type PixelUnshuffle = m.PixelUnshuffle;
export type Unflatten = m.Unflatten;
export type AvgPool1d = m.AvgPool1d;
export type AdaptiveAvgPool1d = m.AdaptiveAvgPool1d;
export type ZeroPad2d = m.ZeroPad2d;
export type ConstantPad1d = m.ConstantPad1d;
export type ConstantPad2d = m.ConstantPad2d;
export type ConstantPad3d = m.ConstantPad3d;
export type ReflectionPad1d = m.ReflectionPad1d;
export type ReflectionPad2d = m.ReflectionPad2d;
export type ReplicationPad1d = m.ReplicationPad1d;
export type ReplicationPad2d = m.ReplicationPad2d;
export type ReplicationPad3d = m.ReplicationPad3d;
export type Upsample = m.Upsample;
export type CosineSimilarity = m.CosineSimilarity;
export type PairwiseDistance = m.PairwiseDistance;
export type MultiheadAttention = m.MultiheadAttention;
export type TransformerEncoderLayer = m.TransformerEncoderLayer;
export type TransformerEncoder = m.TransformerEncoder;
export type TransformerDecoderLayer = m.TransformerDecoderLayer;
export type TransformerDecoder = m.TransformerDecoder;
export type Transformer = m.Transformer;
