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

/**
 * `torch.multinomial(input, num_samples, replacement = false, { generator })`: indices drawn from
 * each row of weights, as PyTorch 1.13's CPU kernel draws them: without replacement, the
 * num_samples largest P/q for q ~ Exp(1) (drawn over the whole input first); with replacement, a
 * search of the normalised running sum (in the input's dtype) for each 53-bit uniform.
 */
export function multinomial(
  input: Tensor,
  num_samples: number,
  ...args: unknown[]
): Tensor {
  const o = parseArgs("multinomial", args, ["replacement"], {
    replacement: false,
    generator: undefined as Generator | undefined,
  });
  if (input.dim() !== 1 && input.dim() !== 2) {
    throw new RuntimeError("prob_dist must be 1 or 2 dim");
  }
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `multinomial only supports floating-point dtypes for input, got: ${input.dtype.scalar_name}`,
    );
  }
  if (!(num_samples > 0)) {
    throw new RuntimeError("cannot sample n_sample <= 0 samples");
  }
  const n = input.size(-1), rows = input.dim() === 1 ? 1 : input.size(0);
  if (!o.replacement && num_samples > n) {
    throw new RuntimeError(
      "cannot sample n_sample > prob_dist.size(-1) samples without replacement",
    );
  }
  const [p] = hostValues("multinomial", input.detach());
  // float32 (and the 16-bit floats, computed as float32) round each step as PyTorch's do.
  const r = input.dtype === float64 ? (x: number) => x : Math.fround;
  const g = gen(o);
  const out = new Float64Array(rows * num_samples);
  if (!o.replacement) {
    let bad = false;
    for (let i = 0; i < p.length; i++) {
      if (!(p[i] >= 0 && p[i] < Infinity)) bad = true;
    }
    if (bad) {
      throw new RuntimeError(
        "probability tensor contains either `inf`, `nan` or element < 0",
      );
    }
    for (let row = 0; row < rows; row++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += p[row * n + k];
      if (sum === 0) {
        throw new RuntimeError(
          "invalid multinomial distribution (sum of probabilities <= 0)",
        );
      }
    }
    const q = new Float64Array(p.length);
    dist.fill_exponential(g, q, "float64", 1);
    for (let row = 0; row < rows; row++) {
      const keys = Array.from({ length: n }, (_, k) => {
        const e = r(q[row * n + k]);
        return [r(p[row * n + k] / e), k] as const;
      });
      keys.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
      for (let j = 0; j < num_samples; j++) {
        out[row * num_samples + j] = keys[j][1];
      }
    }
  } else {
    const cum = new Float64Array(n);
    for (let row = 0; row < rows; row++) {
      let acc = 0;
      for (let k = 0; k < n; k++) {
        const v = p[row * n + k];
        if (!(v >= 0) || !Number.isFinite(v)) {
          throw new RuntimeError(
            v < 0
              ? "invalid multinomial distribution (encountering probability entry < 0)"
              : "invalid multinomial distribution (encountering probability entry = infinity or NaN)",
          );
        }
        acc = r(acc + v);
        cum[k] = acc;
      }
      if (!(acc > 0)) {
        throw new RuntimeError(
          "invalid multinomial distribution (sum of probabilities <= 0)",
        );
      }
      for (let k = 0; k < n; k++) cum[k] = r(cum[k] / acc);
      cum[n - 1] = 1;
      for (let j = 0; j < num_samples; j++) {
        const u = g.uniform_f64();
        let lo = 0, hi = n;
        while (hi - lo > 0) {
          const mid = lo + ((hi - lo) >> 1);
          if (cum[mid] < u) lo = mid + 1;
          else hi = mid;
        }
        out[row * num_samples + j] = lo;
      }
    }
  }
  const shape = input.dim() === 1 ? [num_samples] : [rows, num_samples];
  return tensor(out, { dtype: int64, device: input.device }).reshape(shape);
}

/** log Γ(x) for x > 0 (Lanczos, g = 7): what sample_poisson's acceptance test needs. */
function lgamma(x: number): number {
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) {
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  }
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t +
    Math.log(a);
}

/** One Poisson draw as PyTorch's sample_poisson makes it (transformed rejection for λ ≥ 10). */
function samplePoisson(lambda: number, g: Generator): number {
  if (lambda >= 10) {
    const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const U = g.uniform_f64() - 0.5;
      const V = g.uniform_f64();
      const us = 0.5 - Math.abs(U);
      const k = Math.floor((2 * a / us + b) * U + lambda + 0.43);
      if (us >= 0.07 && V <= vr) return k;
      if (k < 0 || (us < 0.013 && V > us)) continue;
      if (
        Math.log(V) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
          -lambda + k * loglam - lgamma(k + 1)
      ) return k;
    }
  }
  if (lambda === 0) return 0;
  const enlam = Math.exp(-lambda);
  let x = 0, prod = 1;
  for (;;) {
    prod *= g.uniform_f64();
    if (prod > enlam) x += 1;
    else return x;
  }
}

/** `torch.poisson(input, { generator })`: one Poisson draw per rate, in input's dtype. */
export function poisson(
  input: Tensor,
  opts: { generator?: Generator } = {},
): Tensor {
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `"poisson_cpu" not implemented for '${input.dtype.scalar_name}'`,
    );
  }
  const [rates] = hostValues("poisson", input.detach());
  const g = gen(opts);
  const out = new Float64Array(rates.length);
  for (let i = 0; i < rates.length; i++) {
    if (!(rates[i] >= 0)) {
      throw new RuntimeError(
        "invalid Poisson rate, expected rate to be non-negative",
      );
    }
    out[i] = samplePoisson(rates[i], g);
  }
  return tensor(out, { dtype: input.dtype, device: input.device })
    .reshape([...input._shape]);
}
