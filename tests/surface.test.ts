// The PyTorch names issues 16-18 add, listed so that the surface cannot shrink unnoticed: each
// name here must exist. (What those issues still lack is in the README's coverage table.)

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const ISSUE_17 = {
  "torch.optim": [
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Rprop",
    "ASGD",
    "LBFGS",
    "SparseAdam",
  ],
  "torch.optim.lr_scheduler": [
    "MultiplicativeLR",
    "ConstantLR",
    "LinearLR",
    "PolynomialLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "SequentialLR",
    "ChainedScheduler",
  ],
  torch: [
    "flip",
    "roll",
    "tril",
    "triu",
    "tile",
    "square",
    "lerp",
    "addcmul",
    "addcdiv",
    "addmm",
    "isclose",
    "broadcast_to",
    "broadcast_tensors",
    "diag",
    "baddbmm",
    "tensor_split",
    "meshgrid",
    "index_add",
    "index_copy",
    "index_fill",
    "take",
    "kthvalue",
    "median",
    "mode",
    "repeat_interleave",
    "cdist",
    "einsum",
    "cosine_similarity",
    "bincount",
    "histc",
    "pi",
    "set_num_threads",
    "get_num_threads",
    "finfo",
    "iinfo",
    "multinomial",
    "poisson",
    "index_put",
  ],
  Tensor: [
    "flip",
    "roll",
    "tril",
    "tril_",
    "triu",
    "triu_",
    "repeat",
    "tile",
    "square",
    "square_",
    "lerp",
    "lerp_",
    "addcmul",
    "addcmul_",
    "addcdiv",
    "addcdiv_",
    "addmm",
    "addmm_",
    "isclose",
    "broadcast_to",
    "diag",
    "baddbmm",
    "baddbmm_",
    "tensor_split",
    "new_zeros",
    "new_ones",
    "new_empty",
    "new_full",
    "new_tensor",
    "unfold",
    "index_add",
    "index_add_",
    "index_copy",
    "index_copy_",
    "index_fill",
    "index_fill_",
    "take",
    "kthvalue",
    "median",
    "mode",
    "repeat_interleave",
    "bincount",
    "histc",
    "T",
    "mT",
    "multinomial",
    "index_put",
    "index_put_",
  ],
} as const;

const ISSUE_17_FFT_COMPLEX = {
  "torch.fft": [
    "fft",
    "ifft",
    "rfft",
    "irfft",
    "fftn",
    "ifftn",
    "fft2",
    "ifft2",
    "rfftn",
    "irfftn",
    "rfft2",
    "irfft2",
    "fftfreq",
    "rfftfreq",
    "fftshift",
    "ifftshift",
  ],
  torch: [
    "complex64",
    "complex128",
    "cfloat",
    "cdouble",
    "complex",
    "polar",
    "view_as_real",
    "view_as_complex",
    "conj",
    "conj_physical",
    "angle",
    "sgn",
    "real",
    "imag",
    "is_complex",
    "Complex",
  ],
  Tensor: [
    "real",
    "imag",
    "is_complex",
    "conj",
    "conj_physical",
    "angle",
    "sgn",
  ],
} as const;

const ISSUE_17_LINALG = {
  "torch.linalg": [
    "vector_norm",
    "matrix_norm",
    "norm",
    "det",
    "slogdet",
    "inv",
    "solve",
    "cholesky",
    "qr",
    "eigh",
    "eigvalsh",
    "svd",
    "svdvals",
    "LinAlgError",
  ],
} as const;

const ISSUE_18 = {
  "torch.nn": [
    "ReLU6",
    "Hardtanh",
    "PReLU",
    "SELU",
    "CELU",
    "Mish",
    "Softplus",
    "Softsign",
    "Hardswish",
    "Hardsigmoid",
    "LogSigmoid",
    "GLU",
    "Softmin",
    "Threshold",
    "Hardshrink",
    "Softshrink",
    "Tanhshrink",
    "GroupNorm",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "LocalResponseNorm",
    "Dropout1d",
    "Dropout2d",
    "AlphaDropout",
    "FeatureAlphaDropout",
    "PixelShuffle",
    "PixelUnshuffle",
    "Unflatten",
    "AvgPool1d",
    "AdaptiveAvgPool1d",
    "ZeroPad2d",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "ReplicationPad3d",
    "Upsample",
    "CosineSimilarity",
    "PairwiseDistance",
    "HuberLoss",
    "MarginRankingLoss",
    "HingeEmbeddingLoss",
    "SoftMarginLoss",
    "CosineEmbeddingLoss",
    "TripletMarginLoss",
    "PoissonNLLLoss",
    "GaussianNLLLoss",
    "MultiLabelSoftMarginLoss",
    "ConvTranspose1d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "ParameterList",
    "ParameterDict",
    "EmbeddingBag",
    "CTCLoss",
    "Conv3d",
  ],
  "torch.nn.functional": [
    "conv_transpose1d",
    "gumbel_softmax",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "affine_grid",
    "grid_sample",
    "embedding_bag",
    "ctc_loss",
    "conv3d",
    "huber_loss",
    "margin_ranking_loss",
    "hinge_embedding_loss",
    "soft_margin_loss",
    "cosine_embedding_loss",
    "triplet_margin_loss",
    "poisson_nll_loss",
    "gaussian_nll_loss",
    "multilabel_soft_margin_loss",
    "relu6",
    "hardtanh",
    "prelu",
    "selu",
    "celu",
    "mish",
    "softplus",
    "softsign",
    "hardswish",
    "hardsigmoid",
    "logsigmoid",
    "glu",
    "softmin",
    "threshold",
    "hardshrink",
    "softshrink",
    "tanhshrink",
    "group_norm",
    "instance_norm",
    "local_response_norm",
    "dropout1d",
    "dropout2d",
    "alpha_dropout",
    "feature_alpha_dropout",
    "pixel_shuffle",
    "pixel_unshuffle",
    "avg_pool1d",
    "adaptive_avg_pool1d",
    "pairwise_distance",
  ],
  "torch.nn.utils": [
    "weight_norm",
    "remove_weight_norm",
    "spectral_norm",
    "remove_spectral_norm",
    "parametrize",
  ],
  "torch.nn.utils.parametrize": [
    "register_parametrization",
    "remove_parametrizations",
    "is_parametrized",
  ],
  "torch.utils.data": [
    "IterableDataset",
    "Sampler",
    "WeightedRandomSampler",
    "get_worker_info",
  ],
  "torch.vision.datasets": ["MNIST", "FashionMNIST", "CIFAR10", "ImageFolder"],
  "torch.vision.transforms": [
    "Compose",
    "ToTensor",
    "PILToTensor",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "CenterCrop",
    "Resize",
  ],
} as const;

const ISSUE_16 = {
  "torch.autograd": [
    "Function",
    "FunctionCtx",
    "set_detect_anomaly",
    "functional",
  ],
  "torch.autograd.functional": ["jacobian", "hessian"],
  torch: ["inference_mode", "is_anomaly_enabled"],
  Tensor: ["register_hook"],
  "nn.Module": [
    "register_forward_hook",
    "register_forward_pre_hook",
    "register_full_backward_hook",
  ],
  "torch.nn": [
    "RNN",
    "LSTM",
    "GRU",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "MultiheadAttention",
    "TransformerEncoderLayer",
    "TransformerEncoder",
    "TransformerDecoderLayer",
    "TransformerDecoder",
    "Transformer",
  ],
  "torch.nn.functional": [
    "scaled_dot_product_attention",
    "multi_head_attention_forward",
  ],
  "torch.nn.utils.rnn": [
    "PackedSequence",
    "pad_sequence",
    "pack_padded_sequence",
    "pad_packed_sequence",
    "pack_sequence",
    "unpad_sequence",
    "unpack_sequence",
  ],
} as const;

const ROOTS: Record<string, object> = {
  "torch.autograd": torch.autograd,
  "torch.autograd.functional": torch.autograd.functional,
  torch,
  "torch.optim": torch.optim,
  "torch.optim.lr_scheduler": torch.optim.lr_scheduler,
  Tensor: torch.Tensor.prototype,
  "nn.Module": torch.nn.Module.prototype,
  "torch.nn": torch.nn,
  "torch.nn.utils.rnn": torch.nn.utils.rnn,
  "torch.nn.functional": torch.nn.functional,
  "torch.linalg": torch.linalg,
  "torch.fft": torch.fft,
  "torch.nn.utils": torch.nn.utils,
  "torch.nn.utils.parametrize": torch.nn.utils.parametrize,
  "torch.utils.data": torch.utils.data,
  "torch.vision.datasets": torch.vision.datasets,
  "torch.vision.transforms": torch.vision.transforms,
};

describe("the surface issue 17 added so far", () => {
  for (const [where, names] of Object.entries(ISSUE_17)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});

describe("the surface issue 17 added so far: torch.fft and complex tensors", () => {
  for (const [where, names] of Object.entries(ISSUE_17_FFT_COMPLEX)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});

describe("the surface issue 17 added so far: torch.linalg", () => {
  for (const [where, names] of Object.entries(ISSUE_17_LINALG)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});

describe("the surface issue 18 added so far", () => {
  for (const [where, names] of Object.entries(ISSUE_18)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});

describe("the surface issue 16 added so far", () => {
  for (const [where, names] of Object.entries(ISSUE_16)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});

describe("x.T and x.mT", () => {
  test("T reverses the dims and mT swaps the last two, as views; mT needs two dims", () => {
    const x = torch.arange(24).view(2, 3, 4);
    assert.deepEqual([...x.T.shape], [4, 3, 2]);
    assert.ok(torch.equal(x.T, x.permute(2, 1, 0)));
    assert.ok(torch.equal(x.mT, x.transpose(1, 2)));
    assert.equal(x.mT.storage, x.storage);
    assert.throws(
      () => torch.arange(3).mT,
      /tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor./,
    );
    const w = torch.ones(2, 3, { requires_grad: true });
    assert.equal(w.T.grad_fn?.name(), "PermuteBackward0");
    assert.equal(w.mT.grad_fn?.name(), "TransposeBackward0");
  });
});
