// Sample arguments for tests/signatures.test.ts, from a parameter's name and declared type, with
// per-callable examples where the defaults alone do not run (the test compares every call form of
// the same samples, so a sample that makes the op fail is still a valid test, only a weaker one).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as torch from "../../mod.ts";
import { admits, type Param } from "../../src/signature.ts";
import { serialize } from "../../interop/checkpoint.ts";
import { encode } from "../../interop/npy.ts";

const f64 = (...shape: number[]) => torch.randn(shape, { dtype: "float64" });
const leaf = () => f64(2, 3).requires_grad_();
const dir = mkdtempSync(join(tmpdir(), "flambeau-signatures-"));
/** Removes the folder the samples write into (torch.save's file). */
export const removeSampleFiles = (): void =>
  rmSync(dir, { recursive: true, force: true });

/** Values by parameter name (used where the declared type admits them). */
const BY_NAME: Record<string, () => unknown> = {
  input: () => f64(2, 3),
  self: () => f64(2, 3),
  target: () => torch.rand([2, 3], { dtype: "float64" }),
  index: () => torch.zeros([2, 3], { dtype: "int64" }),
  mask: () => torch.tensor([[true, false, true], [false, true, false]]),
  condition: () => torch.tensor([[true, false, true], [false, true, false]]),
  weight: () => f64(4, 3),
  running_mean: () => torch.zeros(3, { dtype: "float64" }),
  running_var: () => torch.ones(3, { dtype: "float64" }),
  tensors: () => [f64(2, 3), f64(2, 3)],
  dim: () => 0,
  dim0: () => 0,
  dim1: () => 1,
  axis0: () => 0,
  axis1: () => 1,
  start_dim: () => 0,
  end_dim: () => -1,
  dims: () => [1, 0],
  shape: () => [3, 2],
  size: () => [2, 3],
  sizes: () => [2, 1],
  k: () => 1,
  chunks: () => 2,
  split_size_or_sections: () => 1,
  start: () => 0,
  length: () => 1,
  end: () => 5,
  steps: () => 5,
  n: () => 3,
  high: () => 5,
  low: () => 0,
  fill_value: () => 2,
  value: () => 1.5,
  normalized_shape: () => 3,
  kernel_size: () => 2,
  output_size: () => 2,
  pad: () => [1, 1],
  nonlinearity: () => "relu",
  d: () => "float32",
  type1: () => "float32",
  type2: () => "int64",
  seed: () => 0,
  mode: () => true,
  fn: () => () => 1,
  func: () => (x: torch.Tensor) => x.sum(),
  optimizer: () => new torch.optim.SGD([leaf()], { lr: 1 }),
  params: () => [leaf()],
  parameters: () => [leaf()],
  max_norm: () => 1,
  clip_value: () => 1,
  vec: () => f64(3),
  defaults: () => ({ lr: 0.1 }),
  step_size: () => 2,
  gamma: () => 0.5,
  milestones: () => [1, 2],
  T_max: () => 4,
  lr_lambda: () => (e: number) => 0.5 ** e,
  max_lr: () => 0.1,
  data: () => [1, 2, 3],
  dataset: () => new torch.utils.data.TensorDataset(f64(4, 2)),
  datasets: () => [
    new torch.utils.data.TensorDataset(f64(4, 2)),
    new torch.utils.data.TensorDataset(f64(2, 2)),
  ],
  data_source: () => [1, 2, 3],
  sampler: () => [0, 1, 2],
  indices: () => [0, 1],
  lengths: () => [2, 2],
  batch: () => [f64(2), f64(2)],
  batch_size: () => 2,
  obj: () => f64(2),
  new_state: () => torch.get_rng_state(),
  ndarray: () => Float64Array.of(1, 2, 3),
  file: () => encode(f64(2, 2)),
  backend: () => torch.backends.find("cpu"),
  name: () => "no-such-device",
  device: () => "cpu",
  modules: () => [new torch.nn.ReLU()],
  outputs: () => leaf().sum(),
  inputs: () => leaf(),
  param_group: () => ({ params: [leaf()] }),
  key: () => "a",
  idx: () => 0,
};

const VISION_ROOT = new URL("../fixtures/vision", import.meta.url).pathname;

/** Per-callable values by parameter name (defaulted ones included), where the defaults do not run. */
const EXAMPLES: Record<string, () => Record<string, unknown>> = {
  "torch.optim.SGD": () => ({ lr: 0.1 }),
  "torch.optim.lr_scheduler.OneCycleLR": () => ({ total_steps: 10 }),
  // Modes that would stay switched for the rest of the process: a callable, or off.
  "torch.inference_mode": () => ({ mode: () => 1 }),
  "torch.autograd.set_detect_anomaly": () => ({ mode: false }),
  "torch.optim.lr_scheduler.SequentialLR": () => {
    const optimizer = new torch.optim.SGD([leaf()], { lr: 1 });
    return {
      optimizer,
      schedulers: [
        new torch.optim.lr_scheduler.ConstantLR(optimizer, 0.5, 2),
        new torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.9),
      ],
      milestones: [2],
    };
  },
  "torch.optim.lr_scheduler.ChainedScheduler": () => {
    const optimizer = new torch.optim.SGD([leaf()], { lr: 1 });
    return {
      schedulers: [
        new torch.optim.lr_scheduler.ConstantLR(optimizer, 0.5, 2),
        new torch.optim.lr_scheduler.ExponentialLR(optimizer, 0.9),
      ],
    };
  },
  "torch.nn.ModuleDict": () => ({ modules: { a: new torch.nn.ReLU() } }),
  "torch.nn.ParameterDict": () => ({
    parameters: { a: new torch.nn.Parameter(torch.ones(2)) },
  }),
  "torch.nn.Sequential": () => ({ args: [new torch.nn.ReLU()] }),
  "torch.nn.ModuleList": () => ({ modules: [new torch.nn.ReLU()] }),
  "torch.nn.ModuleDict#update": () => ({ modules: { b: new torch.nn.ReLU() } }),
  "torch.nn.Module#to": () => ({ dtype: "float64" }),
  // The small dataset files the vision tests read.
  "torch.vision.datasets.MNIST": () => ({ root: VISION_ROOT }),
  "torch.vision.datasets.CIFAR10": () => ({ root: VISION_ROOT, train: false }),
  "torch.vision.datasets.ImageFolder": () => ({
    root: `${VISION_ROOT}/folder`,
  }),
  // Stacks of a layer that takes the samples' (2, 3) float64 input: d_model 3, one head.
  "torch.nn.TransformerEncoder": () => ({
    encoder_layer: new torch.nn.TransformerEncoderLayer(3, 1, 4, {
      dtype: "float64",
    }),
  }),
  "torch.nn.Transformer": () => ({
    d_model: 3,
    nhead: 1,
    num_encoder_layers: 1,
    num_decoder_layers: 1,
    dim_feedforward: 4,
    dtype: "float64",
  }),
  "torch.nn.TransformerDecoder": () => ({
    decoder_layer: new torch.nn.TransformerDecoderLayer(3, 1, 4, {
      dtype: "float64",
    }),
  }),
  "torch.nn.functional.embedding": () => ({
    input: torch.tensor([1, 2]),
    weight: f64(4, 3),
  }),
  "torch.nn.functional.one_hot": () => ({ tensor: torch.tensor([0, 2]) }),
  "torch.nn.functional.nll_loss": () => ({ target: torch.tensor([0, 2]) }),
  "torch.nn.functional.cross_entropy": () => ({ target: torch.tensor([0, 2]) }),
  "torch.nn.functional.max_pool1d": () => ({ input: f64(1, 2, 4) }),
  "torch.nn.functional.max_pool2d": () => ({ input: f64(1, 1, 4, 4) }),
  "torch.nn.functional.avg_pool2d": () => ({ input: f64(1, 1, 4, 4) }),
  "torch.nn.functional.conv1d": () => ({
    input: f64(1, 3, 5),
    weight: f64(2, 3, 2),
  }),
  "torch.nn.functional.conv2d": () => ({
    input: f64(1, 3, 5, 5),
    weight: f64(2, 3, 2, 2),
  }),
  "torch.nn.functional.conv_transpose2d": () => ({
    input: f64(1, 3, 4, 4),
    weight: f64(3, 2, 2, 2),
  }),
  "torch.nn.functional.interpolate": () => ({
    input: f64(1, 1, 2, 2),
    size: 4,
  }),
  "torch.nn.functional.adaptive_avg_pool2d": () => ({ input: f64(1, 1, 4, 4) }),
  "torch.nn.functional.bilinear": () => ({
    input1: f64(2, 3),
    input2: f64(2, 3),
    weight: f64(4, 3, 3),
  }),
  "torch.nn.functional.unfold": () => ({ input: f64(1, 1, 3, 3) }),
  "torch.nn.functional.fold": () => ({
    input: f64(1, 4, 4),
    output_size: 3,
    kernel_size: 2,
  }),
  "torch.nn.utils.vector_to_parameters": () => ({ vec: f64(6) }),
  "torch.no_grad": () => ({ fn: () => 1 }),
  "torch.enable_grad": () => ({ fn: () => 1 }),
  "torch.set_grad_enabled": () => ({ mode: true, fn: () => 1 }),
  "torch.save": () => ({ f: join(dir, "x.pt") }),
  "torch.load": () => ({ f: serialize(f64(2)) }),
  "torch.autograd.grad": () => {
    const x = leaf();
    return { outputs: x.pow(2).sum(), inputs: x };
  },
  "torch.autograd.backward": () => ({ tensors: leaf().pow(2).sum() }),
  "torch.autograd.gradcheck": () => ({ inputs: leaf() }),
  "torch.tensor": () => ({ dtype: "float64" }),
  "torch.normal": () => ({
    mean: f64(2, 3),
    std: torch.ones([2, 3], { dtype: "float64" }),
  }),
  "torch.bernoulli": () => ({
    input: torch.rand([2, 3], { dtype: "float64" }),
  }),
  "torch.mm": () => ({ mat2: f64(3, 2) }),
  "torch.matmul": () => ({ other: f64(3, 2) }),
  "torch.bmm": () => ({ input: f64(2, 2, 3), mat2: f64(2, 3, 2) }),
  "torch.mv": () => ({ vec: f64(3) }),
  "torch.dot": () => ({ input: f64(3), tensor: f64(3) }),
  "torch.outer": () => ({ input: f64(2), vec2: f64(3) }),
  "torch.index_select": () => ({ index: torch.tensor([0, 1]) }),
  "torch.scatter": () => ({ src: f64(2, 3) }),
  "torch.narrow": () => ({ dim: 1 }),
  "torch.unflatten": () => ({ dim: 1, sizes: [3, 1] }),
  "torch.swapaxes": () => ({}),
  "Tensor.backward": () => ({ self: leaf().sum() }),
  "Tensor.retain_grad": () => ({ self: leaf().mul(2) }),
  "Tensor.view": () => ({ size: [6] }),
  "Tensor.expand": () => ({ self: f64(1, 3), size: [2, 3] }),
  "Tensor.index": () => ({ indices: [0] }),
  "Tensor.to": () => ({ dtype: "float32", device: "cpu" }),
  "Tensor.fill_": () => ({ value: 2 }),
  "Tensor.random_": () => ({ from: 0, to: 5 }),
  "Tensor.bernoulli_": () => ({ p: 0.5 }),
  "Tensor.type": () => ({ dtype: "torch.FloatTensor" }),
  "Tensor.item": () => ({ self: f64(1) }),
  "Tensor.item_async": () => ({ self: f64(1) }),
  "torch.clamp": () => ({ min: 0 }),
  "torch.clip": () => ({ max: 0 }),
  "torch.nn.functional.softmax": () => ({ dim: 1 }),
  "torch.nn.functional.log_softmax": () => ({ dim: 1 }),
  "torch.nn.functional.binary_cross_entropy": () => ({
    input: torch.rand([2, 3], { dtype: "float64" }),
  }),
  "torch.backends.fallback.set_mode": () => ({ mode: "allow" }),
  "torch.utils.data.TensorDataset": () => ({ tensors: [f64(4, 2), f64(4)] }),
  "torch.utils.data.random_split": () => ({ lengths: [2, 2] }),
};
// Shared functions are also methods: a Tensor method's examples are its function's.
for (const [k, v] of Object.entries(EXAMPLES)) {
  if (k.startsWith("torch.") && !(`Tensor.${k.slice(6)}` in EXAMPLES)) {
    EXAMPLES[`Tensor.${k.slice(6)}`] = () => {
      const o = v();
      return "input" in o ? { ...o, self: o.input } : o;
    };
  }
}

/** A value of a declared type, for parameters no name or example covers. */
function byType(type: string): unknown {
  const t = type.split("|")[0].replace(/\?$/, "");
  if (t.endsWith("[]")) return [byType(t.slice(0, -2)), byType(t.slice(0, -2))];
  switch (t) {
    case "Tensor":
      return f64(2, 3);
    case "int":
      return 1;
    case "float":
      return 0.5;
    case "Number":
      return 2;
    case "bool":
      return false;
    case "str":
      return "mean";
    case "dtype":
      return "float64";
    case "device":
      return "cpu";
    case "callable":
      return () => 1;
    case "Generator":
      return new torch.Generator();
    case "Module":
      return new torch.nn.ReLU();
    case "Optimizer":
      return new torch.optim.SGD([leaf()], { lr: 1 });
    case "dict":
    case "object":
      return {};
    case "iterable":
    case "params":
      return [leaf()];
    default:
      return f64(2, 3);
  }
}

/** Fresh sample values for one overload, by name: required ones, and defaults that are not None. */
export function samples(path: string, params: Param[]): Map<string, unknown> {
  torch.manual_seed(0);
  const example = (EXAMPLES[path] ?? EXAMPLES[path.replace(/_$/, "")])?.() ??
    {};
  const out = new Map<string, unknown>();
  for (const p of params) {
    if (p.name in example && admits(p.type, example[p.name])) {
      out.set(p.name, example[p.name]);
    } else if (p.kind === "var") {
      const named = BY_NAME[p.name]?.();
      out.set(
        p.name,
        Array.isArray(named) && named.every((x) => admits(p.type, x))
          ? named
          : [byType(p.type)],
      );
    } else if (!p.required) {
      if (p.default !== undefined) out.set(p.name, p.default);
    } else {
      const named = BY_NAME[p.name]?.();
      out.set(
        p.name,
        named !== undefined && admits(p.type, named) ? named : byType(p.type),
      );
    }
  }
  return out;
}
