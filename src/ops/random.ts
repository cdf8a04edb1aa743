// Random sampling: factories (rand, randn, randint, randperm, normal) and in-place fills, all drawing
// from PyTorch's generator (src/random) so that a seed gives PyTorch's numbers. The numbers are made
// on the host, in the order PyTorch's CPU generator makes them, and written to the tensor's device.

import { type DType, float64, get_default_dtype, int64 } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes, contiguousStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { Storage } from "../storage.ts";
import type { DTypeName, StorageArray } from "../dtype.ts";
import { toBf16 } from "../bfloat16.ts";
import { hostValues } from "./_fallback.ts";
import { default_generator, type Generator } from "../random/generator.ts";
import * as dist from "../random/distributions.ts";
import { isOptions, parseArgs } from "./_args.ts";
import { cast, copyInto, dtypeArg } from "./core.ts";
import {
  factoryBackend,
  type FactoryOptions,
  finishFactory,
  sizeAndOptions,
  tensor,
} from "./creation.ts";
import { applyBinary } from "./elementwise.ts";

/** Factory options plus the generator to draw from. */
export interface RandomOptions extends FactoryOptions {
  /** The `torch.Generator` to draw from; `torch.default_generator` when absent. */
  generator?: Generator;
}

/** True when the elements fill a storage span without gaps, in some order of dims. */
function isDense(t: Tensor): boolean {
  const dims = t._shape.map((s, i) => [s, t._strides[i]]).filter(([s]) =>
    s !== 1
  ).sort((a, b) => a[1] - b[1]);
  let expected = 1;
  for (const [s, st] of dims) {
    if (st !== expected) return false;
    expected *= s;
  }
  return true;
}

/** A CPU tensor over a host array of row-major elements. */
function hostTensor(data: StorageArray, t: Tensor): Tensor {
  return new Tensor(
    new Storage(data),
    [...t._shape],
    contiguousStrides(t._shape),
    0,
    t.dtype,
  );
}

/**
 * Runs `fill(span, contiguous)` on a host array and writes it over the tensor's memory: the
 * contiguous slab itself, a dense permuted tensor in storage order (PyTorch's TensorIterator
 * order), else in row-major order through a strided copy.
 */
function fillTensor(
  t: Tensor,
  fill: (out: StorageArray, contiguous: boolean) => void,
  floatDraw = false,
): Tensor {
  checkDrawable(t, floatDraw);
  const n = t.numel();
  if (n === 0) return t;
  const host = new t.dtype.array(n);
  if (t.is_contiguous() || isDense(t)) {
    const start = t.storage_offset_ +
      t._strides.reduce(
        (a, st, i) => a + (st < 0 ? st * (t._shape[i] - 1) : 0),
        0,
      );
    fill(host, t.is_contiguous());
    const { backend, buffer } = t.storage;
    backend.write(buffer, t.dtype.name, start, host);
  } else {
    fill(host, false);
    copyInto(t, hostTensor(host, t));
  }
  t._bump();
  return t;
}

/**
 * The generator's kernels write float16/32/64 and the PyTorch 1.x integer dtypes, each as
 * PyTorch's CPU kernel does, and bfloat16 for uniform_, normal_, bernoulli_ and exponential_
 * (rand, randn, nn.init, dropout); random_ into bfloat16 and the uint16/32/64 draws would need
 * kernels of their own to give PyTorch's numbers, so they raise rather than give other numbers.
 */
function checkDrawable(t: Tensor, floatDraw = false): void {
  const name = t.dtype.name;
  if (
    (name === "bfloat16" && !floatDraw) || name === "uint16" ||
    name === "uint32" || name === "uint64"
  ) {
    throw new RuntimeError(
      `random draws into ${t.dtype} tensors are not implemented in flambeau yet: draw in torch.float32 (or torch.int64) and convert with .to(${t.dtype})`,
    );
  }
}

function gen(opts: { generator?: Generator }): Generator {
  return opts.generator ?? default_generator;
}

/** `x.uniform_(from = 0, to = 1, { generator })`. */
export function uniform_(self: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("uniform_", args, ["from", "to"], {
    from: 0,
    to: 1,
    generator: undefined as Generator | undefined,
  });
  return fillTensor(
    self,
    (out) => dist.fill_uniform(gen(o), out, self.dtype.name, o.from, o.to),
    true,
  );
}

/** `x.normal_(mean = 0, std = 1, { generator })`. */
export function normal_(self: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("normal_", args, ["mean", "std"], {
    mean: 0,
    std: 1,
    generator: undefined as Generator | undefined,
  });
  return fillTensor(
    self,
    (out, c) =>
      dist.fill_normal(gen(o), out, self.dtype.name, o.mean, o.std, c),
    true,
  );
}

/** `x.random_()`, `x.random_(to)`, `x.random_(from, to)`: integers drawn uniformly. */
export function random_(self: Tensor, ...args: unknown[]): Tensor {
  const opts = (isOptions(args[args.length - 1]) ? args.pop() : {}) as {
    generator?: Generator;
  };
  const [from, to] = args as [
    number | bigint | undefined,
    number | bigint | null | undefined,
  ];
  return fillTensor(
    self,
    (out) => dist.fill_random(gen(opts), out, self.dtype.name, from, to),
  );
}

/**
 * PyTorch's bfloat16 bernoulli_ and exponential_ give its float32 draws rounded to bfloat16 (checked
 * against 1.13 in tests/dtypes.test.ts); other dtypes draw as themselves.
 */
function drawAs32(
  out: StorageArray,
  dtype: DTypeName,
  fill: (out: StorageArray, dtype: DTypeName) => void,
): void {
  if (dtype !== "bfloat16") return fill(out, dtype);
  const f = new Float32Array(out.length);
  fill(f, "float32");
  const o = out as Uint16Array;
  for (let i = 0; i < f.length; i++) o[i] = toBf16(f[i]);
}

/** `x.exponential_(lambd = 1)`. */
export function exponential_(self: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("exponential_", args, ["lambd"], {
    lambd: 1,
    generator: undefined as Generator | undefined,
  });
  return fillTensor(
    self,
    (out) =>
      drawAs32(
        out,
        self.dtype.name,
        (h, d) => dist.fill_exponential(gen(o), h, d, o.lambd),
      ),
    true,
  );
}

/** `x.bernoulli_(p = 0.5)`: p a number or a tensor of probabilities broadcast to x. */
export function bernoulli_(self: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("bernoulli_", args, ["p"], {
    p: 0.5 as number | Tensor,
    generator: undefined as Generator | undefined,
  });
  if (o.p instanceof Tensor) {
    const p = o.p;
    broadcastShapes(self._shape, p._shape);
    checkDrawable(self, true);
    // The probabilities are read on the host (counted: there is no primitive for this draw).
    const [probs] = hostValues("bernoulli", p.detach().expand(self._shape));
    const host = new self.dtype.array(self.numel());
    drawAs32(
      host,
      self.dtype.name,
      (h, d) =>
        dist.fill_bernoulli_tensor(gen(o), h, d, probs, p.dtype === float64),
    );
    return copyInto(self, hostTensor(host, self));
  }
  const p = o.p;
  return fillTensor(
    self,
    (out) =>
      drawAs32(
        out,
        self.dtype.name,
        (h, d) => dist.fill_bernoulli_scalar(gen(o), h, d, p),
      ),
    true,
  );
}

/** `torch.bernoulli(probs, { generator })`: 0/1 samples in probs' dtype. */
export function bernoulli(
  input: Tensor,
  opts: { generator?: Generator; p?: number } = {},
): Tensor {
  const out = Tensor.empty(input._shape, input.dtype, input.storage.backend);
  return bernoulli_(out, opts.p ?? input, { generator: opts.generator });
}

function randomFactory(
  fn: string,
  args: unknown[],
  fill: (t: Tensor, g: Generator) => void,
  floatOnly = true,
): Tensor {
  const [shape, opts] = sizeAndOptions<RandomOptions>(fn, args);
  const dtype = dtypeArg(opts.dtype) ?? get_default_dtype();
  if (floatOnly && !dtype.is_floating_point) {
    throw new RuntimeError(
      `"${
        fn === "rand" ? "check_uniform_bounds" : "normal_kernel_cpu"
      }" not implemented for '${dtype.scalar_name}'`,
    );
  }
  const t = Tensor.empty(shape, dtype, factoryBackend(opts));
  fill(t, gen(opts));
  t.storage.version = 0;
  return finishFactory(t, opts);
}

/** `torch.rand(2, 3, { generator, dtype })`: uniform on [0, 1). */
export function rand(...args: (number | number[] | RandomOptions)[]): Tensor {
  return randomFactory("rand", args, (t, g) => uniform_(t, { generator: g }));
}

/** `torch.randn(2, 3, { generator, dtype })`: standard normal. */
export function randn(...args: (number | number[] | RandomOptions)[]): Tensor {
  return randomFactory("randn", args, (t, g) => normal_(t, { generator: g }));
}

/** `torch.randint(low = 0, high, size, { dtype = int64, generator })`. */
export function randint(
  ...args: (number | number[] | RandomOptions)[]
): Tensor {
  const opts =
    (isOptions(args[args.length - 1]) ? args.pop() : {}) as RandomOptions;
  const size = args.pop();
  if (!Array.isArray(size)) {
    throw new TypeError(
      "randint() missing required argument 'size' (a list of ints)",
    );
  }
  const [low, high] = args.length === 1
    ? [0, args[0] as number]
    : [args[0] as number, args[1] as number];
  if (high === undefined) {
    throw new TypeError("randint() missing required argument 'high'");
  }
  const dtype = dtypeArg(opts.dtype) ?? int64;
  const t = Tensor.empty(size, dtype, factoryBackend(opts));
  fillTensor(
    t,
    (out) => dist.fill_random(gen(opts), out, dtype.name, low, high),
  );
  t.storage.version = 0;
  return finishFactory(t, opts);
}

/** `torch.randperm(n, { dtype = int64, generator })`: a random permutation of 0..n-1. */
export function randperm(n: number, opts: RandomOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) {
    throw new RuntimeError(`n must be non-negative, got${n}`);
  }
  const values = dist.randperm(gen(opts), n);
  const dtype = dtypeArg(opts.dtype) ?? int64;
  return finishFactory(
    tensor(values, { dtype, device: opts.device }),
    opts,
  );
}

/** `torch.rand_like(x)`, `torch.randn_like(x)`: the same shape and dtype, fresh samples. */
export function rand_like(x: Tensor, opts: RandomOptions = {}): Tensor {
  return rand(x._shape, {
    ...opts,
    dtype: dtypeArg(opts.dtype) ?? x.dtype,
    device: opts.device ?? x.device,
  });
}

/** `torch.randn_like(x)`: standard normal samples of x's shape and dtype. */
export function randn_like(x: Tensor, opts: RandomOptions = {}): Tensor {
  return randn(x._shape, {
    ...opts,
    dtype: dtypeArg(opts.dtype) ?? x.dtype,
    device: opts.device ?? x.device,
  });
}

/**
 * `torch.normal(mean, std, size?)`: with numbers and a size, `empty(size).normal_(mean, std)`; with
 * tensors, standard normals scaled and shifted elementwise (PyTorch's mul then add).
 */
export function normal(
  mean: number | Tensor,
  std: number | Tensor,
  ...rest: unknown[]
): Tensor {
  const opts =
    (isOptions(rest[rest.length - 1]) ? rest.pop() : {}) as RandomOptions;
  if (typeof mean === "number" && typeof std === "number") {
    const size = rest[0] as number[] | undefined;
    if (!size) {
      throw new TypeError("normal() with float mean and std needs a size");
    }
    return randomFactory(
      "normal",
      [size, opts],
      (t, g) => normal_(t, mean, std, { generator: g }),
    );
  }
  const ref = (mean instanceof Tensor ? mean : std) as Tensor;
  const shape = broadcastShapes(
    mean instanceof Tensor ? mean._shape : [],
    std instanceof Tensor ? std._shape : [],
  );
  const dtype: DType = ref.dtype;
  if (typeof std === "number") {
    const z = normal_(Tensor.empty(shape, dtype, ref.storage.backend), 0, std, {
      generator: gen(opts),
    });
    return applyBinary("add", z, mean);
  }
  const z = normal_(Tensor.empty(shape, dtype, ref.storage.backend), 0, 1, {
    generator: gen(opts),
  });
  return applyBinary(
    "add",
    applyBinary("mul", z, std),
    typeof mean === "number" ? cast(applyBinary("add", 0, mean), dtype) : mean,
  );
}
