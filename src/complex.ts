// Complex tensors. complex64 and complex128 keep PyTorch's (and NumPy's) memory layout, each
// element a (real, imaginary) pair in its parts' array. No kernel sees a complex dtype: every
// complex op here is a composition of real ops over `view_as_real`, the pairs seen as a real
// tensor with a trailing dim of 2. Autograd therefore needs only the two bridging views, and a
// complex gradient comes out as PyTorch defines it (dL/d real + i dL/d imaginary). Any other op
// given a complex tensor raises (Tensor._view refuses complex dtypes) instead of reading pairs as
// reals.

import {
  type DType,
  float64,
  get_default_dtype,
  result_type,
  toComplexType,
  toRealType,
} from "./dtype.ts";
import { RuntimeError } from "./errors.ts";
import { Tensor } from "./tensor.ts";
import { broadcastShapes, wrapDim } from "./shape.ts";
import { record } from "./autograd/record.ts";
import { broadcast_tensors } from "./ops/arrange.ts";
import { cat, stack } from "./ops/indexing.ts";
import { full } from "./ops/creation.ts";
import { where } from "./ops/elementwise.ts";
import { deliver, type OutOptions } from "./ops/core.ts";
import { is_grad_enabled, no_grad } from "./autograd/grad_mode.ts";

/** A complex number, as `item()` and `tolist()` give a complex tensor's elements. */
export class Complex {
  /** The real part. */
  readonly real: number;
  /** The imaginary part. */
  readonly imag: number;

  /** `new Complex(1, -2)` is Python's `1-2j`. */
  constructor(real: number, imag: number) {
    this.real = real;
    this.imag = imag;
  }

  /** Python's repr: `(1+2j)`, `-3j`, `(nan+infj)`. */
  toString(): string {
    const f = (v: number) =>
      Number.isNaN(v)
        ? "nan"
        : !Number.isFinite(v)
        ? (v > 0 ? "inf" : "-inf")
        : Number.isInteger(v) && Math.abs(v) < 1e16
        ? (Object.is(v, -0) ? "-0" : String(v))
        : String(v);
    const im = f(this.imag);
    if (this.real === 0 && !Object.is(this.real, -0)) return `${im}j`;
    const sign = im.startsWith("-") ? "" : "+";
    return `(${f(this.real)}${sign}${im}j)`;
  }

  /** Node's and Deno's console hooks. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/** The error for an op that has no complex form. */
export function notForComplex(op: string, dtype: DType): RuntimeError {
  return new RuntimeError(
    `"${op}" not implemented for '${dtype.scalar_name}'`,
  );
}

/** x's pairs as a real tensor [...shape, 2] over the same storage (no autograd). */
export function pairsOf(z: Tensor): Tensor {
  return new Tensor(
    z.storage,
    [...z._shape, 2],
    [...z._strides.map((s) => 2 * s), 1],
    2 * z.storage_offset_,
    toRealType(z.dtype),
  );
}

/** The complex tensor whose pairs are r's last dim (no checks, no autograd). */
function complexOver(r: Tensor): Tensor {
  return new Tensor(
    r.storage,
    r._shape.slice(0, -1),
    r._strides.slice(0, -1).map((s) => s / 2),
    r.storage_offset_ / 2,
    toComplexType(r.dtype),
  );
}

/** A view y of x over the same storage, recorded with `backward`, as the view ops record. */
function bridge(
  name: string,
  x: Tensor,
  y: Tensor,
  backward: (g: Tensor) => Tensor,
): Tensor {
  y._variable = x._variable;
  y._base = x._base ?? x;
  y._baseNode = y._base.grad_fn;
  if (x.requires_grad && is_grad_enabled()) y._base._hasGraphViews = true;
  record({
    name,
    inputs: [x],
    outputs: [y],
    backward: ([g]) => [backward(g)],
  });
  return y;
}

/** `torch.view_as_real(z)`: a complex tensor's pairs as a real tensor with a last dim of 2. */
export function view_as_real(z: Tensor): Tensor {
  if (!z.dtype.is_complex) {
    throw new RuntimeError(
      "view_as_real is only supported for complex tensors",
    );
  }
  return bridge(
    "ViewAsRealBackward0",
    z,
    pairsOf(z),
    (g) => view_as_complex(g.contiguous()),
  );
}

/** `torch.view_as_complex(x)`: a float or double tensor's last dim of 2 as complex elements. */
export function view_as_complex(x: Tensor): Tensor {
  if (x.dtype.name !== "float32" && x.dtype.name !== "float64") {
    throw new RuntimeError(
      `view_as_complex is only supported for half, float and double tensors, but got a tensor of scalar type: ${x.dtype.scalar_name}`,
    );
  }
  const d = x.dim();
  if (d === 0 || x._shape[d - 1] !== 2) {
    throw new RuntimeError("Tensor must have a last dimension of size 2");
  }
  if (x._strides[d - 1] !== 1) {
    throw new RuntimeError("Tensor must have a last dimension with stride 1");
  }
  if (x._strides.slice(0, -1).some((s) => s % 2 !== 0)) {
    throw new RuntimeError(
      "Tensor must have a stride divisible by 2 for all but last dimension",
    );
  }
  if (x.storage_offset_ % 2 !== 0) {
    throw new RuntimeError("Tensor must have a storage_offset divisible by 2");
  }
  return bridge(
    "ViewAsComplexBackward0",
    x,
    complexOver(x),
    (g) => view_as_real(g),
  );
}

/** The real part of a complex tensor, as a view (`z.real`). */
export function realPart(z: Tensor): Tensor {
  return view_as_real(z).select(-1, 0);
}

/** The imaginary part of a complex tensor, as a view (`z.imag`). */
export function imagPart(z: Tensor): Tensor {
  if (!z.dtype.is_complex) {
    throw new RuntimeError(
      "imag is not implemented for tensors with non-complex dtypes.",
    );
  }
  return view_as_real(z).select(-1, 1);
}

/** The complex tensor re + i im from two real tensors of one dtype, broadcast together. */
export function fromParts(re: Tensor, im: Tensor): Tensor {
  const [a, b] = broadcast_tensors(re, im);
  return view_as_complex(stack([a, b], -1));
}

/** A real tensor of `shape` filled with v, in dtype d. */
const filled = (shape: number[], v: number, d: DType) =>
  full(shape, v, { dtype: d });

/**
 * `torch.complex(real, imag)`: real + i imag, broadcast; both float32 or both float64.
 * @example torch.complex(torch.tensor([1, 2]).float(), torch.tensor([3, 4]).float())
 */
export function complex(
  real: Tensor,
  imag: Tensor,
  opts: OutOptions = {},
): Tensor {
  checkParts(real, imag);
  return deliver(fromParts(real, imag), opts.out);
}

/** torch.complex's and torch.polar's checks: both float32 or both float64. */
function checkParts(real: Tensor, imag: Tensor): void {
  const ok = (t: Tensor) =>
    t.dtype.name === "float32" || t.dtype.name === "float64";
  if (!ok(real) || !ok(imag)) {
    throw new RuntimeError(
      `Expected both inputs to be Half, Float or Double tensors but got ${real.dtype.scalar_name} and ${imag.dtype.scalar_name}`,
    );
  }
  if (real.dtype !== imag.dtype) {
    throw new RuntimeError(
      `Expected object of scalar type ${real.dtype.scalar_name} but got scalar type ${imag.dtype.scalar_name} for second argument`,
    );
  }
}

/** `torch.polar(abs, angle)`: abs·(cos angle + i sin angle). */
export function polar(
  abs: Tensor,
  angle: Tensor,
  opts: OutOptions = {},
): Tensor {
  checkParts(abs, angle);
  return deliver(
    fromParts(abs.mul(angle.cos()), abs.mul(angle.sin())),
    opts.out,
  );
}

/** An operand as real and imaginary parts in dtype d (im null for a real operand). */
type Parts = [Tensor | number, Tensor | number | null];

/** x's real and imaginary parts in dtype d (imaginary null for a real x). */
export function tensorParts(x: Tensor, d: DType): [Tensor, Tensor | null] {
  if (x.dtype.is_complex) return [realPart(x).to(d), imagPart(x).to(d)];
  return [x.to(d), null];
}

function partsOf(v: Tensor | number | boolean, d: DType): Parts {
  return v instanceof Tensor ? tensorParts(v, d) : [Number(v), null];
}

const times = (a: Tensor | number, b: Tensor | number): Tensor | number =>
  typeof a === "number" ? (typeof b === "number" ? a * b : b.mul(a)) : a.mul(b);
const plus = (a: Tensor | number, b: Tensor | number): Tensor | number =>
  typeof a === "number" ? (typeof b === "number" ? a + b : b.add(a)) : a.add(b);
const minus = (a: Tensor | number, b: Tensor | number): Tensor | number =>
  typeof a === "number"
    ? (typeof b === "number" ? a - b : b.neg().add(a))
    : a.sub(b);

/** A complex result from parts, at least one of which is a tensor; shape is the broadcast one. */
function assemble(
  re: Tensor | number,
  im: Tensor | number | null,
  d: DType,
  shape: number[],
): Tensor {
  const full = (v: Tensor | number | null) =>
    v instanceof Tensor ? v.expand(shape) : filled(shape, v ?? 0, d);
  return fromParts(full(re), full(im));
}

const COMPLEX_BINARY = new Set(["add", "sub", "mul", "div", "eq", "ne"]);

/**
 * A binary op with a complex operand: add, sub, mul and div (with PyTorch's promotion), eq and
 * ne; the others raise. With `into`, the result is copied there (outside autograd).
 */
export function complexBinary(
  name: string,
  a: Tensor | number | boolean,
  b: Tensor | number | boolean,
  alpha: number,
  into?: Tensor,
): Tensor {
  const operand = (v: Tensor | number | boolean) =>
    v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v as number;
  const common = result_type(operand(a), operand(b));
  if (!COMPLEX_BINARY.has(name)) throw notForComplex(name, common);
  const d = toRealType(common);
  const [ar, ai] = partsOf(a, d);
  let [br, bi] = partsOf(b, d);
  if (alpha !== 1) {
    br = times(br, alpha);
    bi = bi === null ? null : times(bi, alpha);
  }
  const shapeOf = (v: Tensor | number | boolean) =>
    v instanceof Tensor ? v._shape : [];
  const shape = broadcastShapes(shapeOf(a), shapeOf(b));
  let result: Tensor;
  if (name === "eq" || name === "ne") {
    const re = (x: Tensor | number) =>
      x instanceof Tensor ? x : filled(shape, x, d);
    const sameRe = re(ar).eq(re(br));
    const sameIm = re(ai ?? 0).eq(re(bi ?? 0));
    result = sameRe.logical_and(sameIm);
    if (name === "ne") result = result.logical_not();
    return deliverComplex(result, into);
  }
  if (name === "add" || name === "sub") {
    const f = name === "add" ? plus : minus;
    const im = ai === null && bi === null ? null : f(ai ?? 0, bi ?? 0);
    result = assemble(f(ar, br), im, d, shape);
  } else if (name === "mul") {
    const re = bi === null || ai === null
      ? times(ar, br)
      : minus(times(ar, br), times(ai, bi));
    const im = ai === null && bi === null
      ? null
      : bi === null
      ? times(ai!, br)
      : ai === null
      ? times(ar, bi)
      : plus(times(ar, bi), times(ai, br));
    result = assemble(re, im, d, shape);
  } else {
    // div: by a real divisor part by part, else (a · conj b) / |b|²
    if (bi === null) {
      const over = (x: Tensor | number) =>
        x instanceof Tensor
          ? x.div(br)
          : (br instanceof Tensor ? br.reciprocal().mul(x) : x / br);
      result = assemble(over(ar), ai === null ? null : over(ai), d, shape);
    } else {
      const den = plus(times(br, br), times(bi, bi));
      const re = ai === null
        ? times(ar, br)
        : plus(times(ar, br), times(ai, bi));
      const im = ai === null
        ? times(times(ar, bi), -1)
        : minus(times(ai, br), times(ar, bi));
      const over = (x: Tensor | number) =>
        x instanceof Tensor ? x.div(den) : (den as Tensor).reciprocal().mul(x);
      result = assemble(over(re), over(im), d, shape);
    }
  }
  return deliverComplex(result, into);
}

/** abs(z) with PyTorch's gradient g·sgn(z) (zero at 0, where the composition would give NaN). */
function complexAbs(z: Tensor): Tensor {
  const out = no_grad(() => {
    const p = pairsOf(z);
    return p.mul(p).sum(-1).sqrt();
  });
  record({
    name: "AbsBackward0",
    inputs: [z],
    outputs: [out],
    backward: ([g]) => {
      const re = realPart(z), im = imagPart(z);
      const safe = out.masked_fill(out.eq(0), 1);
      const scale = g.div(safe).masked_fill(out.eq(0), 0);
      return [fromParts(re.mul(scale), im.mul(scale))];
    },
  });
  return out;
}

/** A unary op on a complex tensor: neg, conj, abs, angle, exp, reciprocal, sgn; others raise. */
export function complexUnary(name: string, z: Tensor): Tensor {
  const re = () => realPart(z), im = () => imagPart(z);
  switch (name) {
    case "neg":
      return fromParts(re().neg(), im().neg());
    case "conj":
    case "conj_physical":
      return fromParts(re().clone(), im().neg());
    case "abs":
      return complexAbs(z);
    case "angle":
      return im().atan2(re());
    case "exp": {
      const m = re().exp();
      return fromParts(m.mul(im().cos()), m.mul(im().sin()));
    }
    case "reciprocal": {
      const den = re().square().add(im().square());
      return fromParts(re().div(den), im().neg().div(den));
    }
    case "sgn": {
      const a = complexAbs(z);
      const safe = a.masked_fill(a.eq(0), 1);
      return fromParts(re().div(safe), im().div(safe));
    }
  }
  throw notForComplex(name, z.dtype);
}

/** sum or mean of a complex tensor over dims (all when null), through its pairs. */
export function complexReduce(
  name: "sum" | "mean",
  z: Tensor,
  dims: number[] | null,
  keepdim: boolean,
): Tensor {
  const n = z.dim();
  const ds = dims === null
    ? Array.from({ length: n }, (_, i) => i)
    : dims.map((d) => wrapDim(d, n));
  const p = view_as_real(z);
  // A 0-d tensor has no dim to reduce (its dim 0 would be the pairs').
  if (ds.length === 0 || n === 0) return view_as_complex(p.clone());
  const r = name === "sum" ? p.sum(ds, keepdim) : p.mean(ds, keepdim);
  return view_as_complex(r.contiguous());
}

/** Copies src into dst where either is complex (casts: a real source has imaginary part 0). */
export function complexCopy(dst: Tensor, src: Tensor): void {
  no_grad(() => {
    if (dst.dtype.is_complex) {
      const d = pairsOf(dst);
      if (src.dtype.is_complex) {
        d.copy_(pairsOf(src).expand([...dst._shape, 2]));
      } else {
        d.select(-1, 0).copy_(src.expand(dst._shape));
        d.select(-1, 1).fill_(0);
      }
    } else {
      // Complex to real keeps the real part, as PyTorch does (with a warning there).
      dst.copy_(pairsOf(src).select(-1, 0).expand(dst._shape));
    }
  });
}

/** `z.item()` and `z.tolist()` elements: Complex numbers. */
export function complexElements(z: Tensor): Complex[] {
  const flat = pairsOf(z).to(float64).contiguous().reshape(-1);
  const v = flat.tolist() as number[];
  const out: Complex[] = [];
  for (let i = 0; i < v.length; i += 2) out.push(new Complex(v[i], v[i + 1]));
  return out;
}

/** Writes an op's complex result into `into` (in-place and out= forms), outside autograd. */
export function deliverComplex(result: Tensor, into?: Tensor): Tensor {
  if (!into) return result;
  if (result.dtype.is_complex && !into.dtype.is_complex) {
    throw new RuntimeError(
      `result type ${result.dtype.scalar_name} can't be cast to the desired output type ${into.dtype.scalar_name}`,
    );
  }
  if (is_grad_enabled() && (result.requires_grad || into.requires_grad)) {
    throw new RuntimeError(
      "in-place operations on complex tensors that require grad are not supported yet",
    );
  }
  return into.copy_(result);
}

/** `torch.conj(x)`: the complex conjugate (a real tensor is its own). */
export function conj(x: Tensor): Tensor {
  return x.dtype.is_complex ? complexUnary("conj", x) : x;
}

/** `torch.conj_physical(x)`: the conjugate, always a new tensor. */
export function conj_physical(x: Tensor, opts: OutOptions = {}): Tensor {
  return deliver(
    x.dtype.is_complex ? complexUnary("conj", x) : x.clone(),
    opts.out,
  );
}

/** `torch.angle(x)`: the argument of each element; for a real tensor 0, or π where negative. */
export function angle(x: Tensor, opts: OutOptions = {}): Tensor {
  return deliver(angleOf(x), opts.out);
}

function angleOf(x: Tensor): Tensor {
  if (x.dtype.is_complex) return complexUnary("angle", x);
  const f = x.is_floating_point() ? x : x.to(get_default_dtype());
  // π where negative, 0 elsewhere, NaN kept; the gradient is zero, connected to f.
  const zero = where(f.isfinite(), f.mul(0), 0);
  return where(
    f.isnan(),
    f.detach(),
    f.lt(0).to(f.dtype).mul(Math.PI).add(zero),
  );
}

/** `torch.sgn(x)`: x / |x| for complex x (0 at 0), the sign for real x. */
export function sgn(x: Tensor, opts: OutOptions = {}): Tensor {
  return deliver(
    x.dtype.is_complex ? complexUnary("sgn", x) : x.sign(),
    opts.out,
  );
}

/** `torch.real(x)`: x.real. */
export function real(x: Tensor): Tensor {
  return x.real;
}

/** `torch.imag(x)`: x.imag (complex tensors only). */
export function imag(x: Tensor): Tensor {
  return x.imag;
}

/** `torch.is_complex(x)`: whether x has a complex dtype. */
export function is_complex(x: Tensor): boolean {
  return x.dtype.is_complex;
}

/** The common complex dtype of tensors, at least one of them complex. */
function commonComplex(tensors: Tensor[]): DType {
  return toComplexType(
    result_type(
      ...tensors.map((t) => ({ dtype: t.dtype, dim: Math.max(t.dim(), 1) })),
    ),
  );
}

/** `torch.cat` with a complex tensor among its inputs: the pairs joined, the real ones cast. */
export function complexCat(tensors: Tensor[], dim: number): Tensor {
  const dtype = commonComplex(tensors);
  const kept = tensors.filter((t) => !(t.dim() === 1 && t._shape[0] === 0));
  if (kept.length === 0) return Tensor.empty([0], dtype);
  const d = dim < 0 ? dim + kept[0].dim() : dim;
  const pairs = kept.map((t) => view_as_real(t.to(dtype)));
  return view_as_complex(cat(pairs, d));
}

/** A data-moving op (index_select, flip, roll) applied to z's pairs; dims are z's (≥ 0). */
export function throughPairs(z: Tensor, fn: (pairs: Tensor) => Tensor): Tensor {
  return view_as_complex(fn(view_as_real(z)).contiguous());
}

/** `torch.matmul` of complex tensors: four real products. */
export function complexMatmul(a: Tensor, b: Tensor): Tensor {
  // As PyTorch: no promotion in a matrix product.
  if (a.dtype !== b.dtype) {
    throw new RuntimeError(
      `expected scalar type ${a.dtype.scalar_name} but found ${b.dtype.scalar_name}`,
    );
  }
  const dtype = commonComplex([a, b]);
  const d = toRealType(dtype);
  const [ar, ai] = partsOf(a, d), [br, bi] = partsOf(b, d);
  const mm = (x: Tensor | number | null, y: Tensor | number | null) =>
    (x as Tensor).matmul(y as Tensor);
  const re = ai === null || bi === null
    ? mm(ar, br)
    : mm(ar, br).sub(mm(ai, bi));
  const im = ai === null
    ? mm(ar, bi)
    : bi === null
    ? mm(ai, br)
    : mm(ar, bi).add(mm(ai, br));
  return fromParts(re, im);
}
