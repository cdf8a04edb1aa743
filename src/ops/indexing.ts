// Joining and indexing: cat, stack, gather, scatter, index_select, index_add, masked ops, nonzero.
// Each calls its primitive (copy, gather, scatter, indexSelect, indexAdd, where) on the inputs'
// backend; the ops whose result size depends on the values (masked_select, nonzero) read what
// decides it through the counted host fallback.

import { bool, get_default_dtype, int64, result_type } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import { broadcastShapes, broadcastStrides, wrapDim } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { complexCat, throughPairs } from "../complex.ts";
import type { View } from "../backend/backend.ts";
import { parseArgs } from "./_args.ts";
import {
  backendOf,
  broadcastView,
  cast,
  contiguous,
  deliver,
  type OutOptions,
  roundScalar,
  scalarTypeName,
  transfer,
} from "./core.ts";
import type { TensorOrScalar } from "./elementwise.ts";
import { unsqueeze } from "./views.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { where } from "./elementwise.ts";
import { fromHost, hostValues } from "./_fallback.ts";

/** `torch.cat(tensors, dim = 0)`: joins along an existing dim, promoting dtypes. */
export function cat(
  tensors: Tensor[],
  dim: number | ({ dim?: number } & OutOptions) = 0,
  opts: OutOptions = {},
): Tensor {
  const o = typeof dim === "number"
    ? { dim, out: opts.out }
    : { dim: dim.dim ?? 0, out: dim.out };
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new RuntimeError("torch.cat(): expected a non-empty list of Tensors");
  }
  if (tensors.some((t) => t.dtype.is_complex)) {
    return deliver(complexCat(tensors, o.dim), o.out);
  }
  const backend = backendOf(...tensors);
  // 1-D empty tensors are skipped, a legacy rule PyTorch keeps.
  const parts = tensors.filter((t) => !(t.dim() === 1 && t._shape[0] === 0));
  const dtype = result_type(
    ...tensors.map((t) => ({ dtype: t.dtype, dim: Math.max(t.dim(), 1) })),
  );
  if (parts.length === 0) {
    return deliver(Tensor.empty([0], dtype, backend), o.out);
  }
  const ref = parts[0];
  const d = wrapDim(o.dim, ref.dim());
  parts.forEach((t, i) => {
    if (t.dim() !== ref.dim()) {
      throw new RuntimeError(
        `Tensors must have same number of dimensions: got ${ref.dim()} and ${t.dim()}`,
      );
    }
    t._shape.forEach((s, k) => {
      if (k !== d && s !== ref._shape[k]) {
        throw new RuntimeError(
          `Sizes of tensors must match except in dimension ${d}. Expected size ${
            ref._shape[k]
          } but got size ${s} for tensor number ${i} in the list.`,
        );
      }
    });
  });
  const shape = [...ref._shape];
  shape[d] = parts.reduce((a, t) => a + t._shape[d], 0);
  const out = Tensor.empty(shape, dtype, backend);
  // Each part is copied (and cast) into its slice of out along d.
  const dst = out._view();
  let start = 0;
  for (const t of parts) {
    if (t.numel() > 0) {
      backend.ops.copy(
        { ...dst, offset: start * out._strides[d] },
        t._view(),
        t._shape,
      );
    }
    start += t._shape[d];
  }
  // Each input's gradient is its slice of g; skipped empty inputs get none.
  const starts: number[] = [];
  let at = 0;
  for (const t of tensors) {
    starts.push(parts.includes(t) ? at : -1);
    if (parts.includes(t)) at += t._shape[d];
  }
  record({
    name: "CatBackward0",
    inputs: [tensors, o.dim],
    outputs: [out],
    backward: ([g]) => [
      ...tensors.map((t, i) =>
        starts[i] < 0
          ? Tensor.empty(t._shape, g.dtype, g.storage.backend)
          : g.narrow(d, starts[i], t._shape[d])
      ),
      undefined,
    ],
  });
  return deliver(out, o.out);
}

/** `torch.concat(tensors, dim = 0)`: an alias of `torch.cat`. */
export const concat: typeof cat = cat;

/** `torch.stack(tensors, dim = 0, { out })`: joins along a new dim; all shapes must be equal. */
export function stack(tensors: Tensor[], ...args: unknown[]): Tensor {
  const o = parseArgs("stack", args, ["dim"], {
    dim: 0,
    out: undefined as Tensor | undefined,
  });
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new RuntimeError("stack expects a non-empty TensorList");
  }
  const ref = tensors[0]._shape;
  tensors.forEach((t, i) => {
    if (
      t._shape.length !== ref.length || t._shape.some((s, k) => s !== ref[k])
    ) {
      throw new RuntimeError(
        `stack expects each tensor to be equal size, but got [${
          ref.join(", ")
        }] at entry 0 and [${t._shape.join(", ")}] at entry ${i}`,
      );
    }
  });
  const d = wrapDim(o.dim, ref.length + 1);
  const out = no_grad(() => cat(tensors.map((t) => unsqueeze(t, d)), d));
  record({
    name: "StackBackward0",
    inputs: [tensors, o.dim],
    outputs: [out],
    backward: ([g]) => [...g.unbind(d), undefined],
  });
  return deliver(out, o.out);
}

function checkIndex(fn: string, index: Tensor): void {
  if (index.dtype !== int64) {
    throw new RuntimeError(`${fn}(): Expected dtype int64 for index`);
  }
}

/**
 * t as a kernel operand with at least one dim: a 0-d tensor is seen as [1], so that gather and
 * scatter between 0-d and 1-D tensors walk operands of one rank.
 */
function ranked(t: Tensor): { view: View; shape: number[] } {
  if (t.dim() > 0) return { view: t._view(), shape: t._shape };
  return { view: { ...t._view(), strides: [1] }, shape: [1] };
}

/** Strides of `view` padded with zeros to `rank` (a 0-d operand against a 1-D index). */
function padded(view: View, rank: number): View {
  if (view.strides.length >= rank) return view;
  return {
    ...view,
    strides: [
      ...view.strides,
      ...new Array(rank - view.strides.length).fill(0),
    ],
  };
}

/** gather's and scatter's bad index: a RuntimeError in PyTorch (indexing's is an IndexError). */
function outOfBounds(v: number, d: number, size: number): RuntimeError {
  return new RuntimeError(
    `index ${v} is out of bounds for dimension ${d} with size ${size}`,
  );
}

/** `torch.gather(input, dim, index)`: out[i][j] = input[index[i][j]][j] for dim 0, and so on. */
export function gather(
  input: Tensor,
  dim: number,
  index: Tensor,
  opts: OutOptions = {},
): Tensor {
  return gatherImpl(input, dim, index, opts, false);
}

/**
 * gather, told whether the caller has already found every index in range (`checked`), so that a
 * device whose check costs a synchronous read skips it: nll_loss checks its targets first, and
 * a backward reuses the index its forward checked.
 */
export function gatherImpl(
  input: Tensor,
  dim: number,
  index: Tensor,
  opts: OutOptions,
  checked: boolean,
): Tensor {
  checkIndex("gather", index);
  const d = wrapDim(dim, input.dim());
  if (index.dim() !== input.dim() && !(index.dim() <= 1 && input.dim() <= 1)) {
    throw new RuntimeError(
      "Index tensor must have the same number of dimensions as input tensor",
    );
  }
  index._shape.forEach((s, k) => {
    if (k !== d && s > input._shape[k]) {
      throw new RuntimeError(
        `Size does not match at dimension ${k} expected index [${
          index._shape.join(", ")
        }] to be smaller than self [${
          input._shape.join(", ")
        }] apart from dimension ${d}`,
      );
    }
  });
  const backend = backendOf(input, index);
  const out = Tensor.empty(index._shape, input.dtype, backend);
  const x = ranked(input);
  const bad = backend.ops.gather(
    padded(x.view, index.dim()),
    x.shape,
    d,
    index._view(),
    out._view(),
    index._shape,
    checked,
  );
  if (bad !== undefined) throw outOfBounds(bad, d, x.shape[d]);
  const inShape = [...input._shape];
  record({
    name: "GatherBackward0",
    inputs: [input, dim, index],
    outputs: [out],
    save: [index],
    backward: (
      [g],
      [i],
    ) => [
      scatterInto(
        "scatter_add",
        Tensor.empty(inShape, g.dtype, g.storage.backend),
        d,
        i,
        g,
        true,
      ),
      undefined,
      undefined,
    ],
  });
  return deliver(out, opts.out);
}

/** PyTorch's scatter_gather_shape_check: index may not exceed self (but along dim) nor src. */
function checkScatterShapes(
  self: Tensor,
  d: number,
  index: Tensor,
  src: Tensor | undefined,
): void {
  const wrong = index._shape.some((s, k) =>
    (k !== d && s > (self._shape[k] ?? 1)) ||
    (src !== undefined && s > (src._shape[k] ?? 1))
  );
  if (!wrong) return;
  const sizes = (t: Tensor) => `[${t._shape.join(", ")}]`;
  throw new RuntimeError(
    `Expected index ${sizes(index)} to be smaller than self ${
      sizes(self)
    } apart from dimension ${d}${
      src ? ` and to be smaller size than src ${sizes(src)}` : ""
    }`,
  );
}

function scatterInto(
  fn: "scatter" | "scatter_add",
  input: Tensor,
  dim: number,
  index: Tensor,
  src: TensorOrScalar,
  checked = false,
): Tensor {
  checkIndex(fn, index);
  const d = wrapDim(dim, input.dim());
  if (index.dim() !== input.dim() && !(index.dim() <= 1 && input.dim() <= 1)) {
    throw new RuntimeError(
      "Index tensor must have the same number of dimensions as self tensor",
    );
  }
  const srcT = src instanceof Tensor ? src : undefined;
  if (srcT && srcT.dtype !== input.dtype) {
    throw new RuntimeError(
      `${fn}(): Expected self.dtype to be equal to src.dtype`,
    );
  }
  checkScatterShapes(input, d, index, srcT);
  const backend = backendOf(input, index, srcT);
  const out = cast(input, input.dtype, true);
  const target = ranked(out);
  const value = srcT
    ? padded(ranked(srcT).view, index.dim())
    : roundScalar(src as number | boolean, input.dtype);
  const bad = backend.ops.scatter(
    fn === "scatter_add" ? "add" : "set",
    padded(target.view, index.dim()),
    target.shape,
    d,
    index._view(),
    value,
    index._shape,
    checked,
  );
  if (bad !== undefined) throw outOfBounds(bad, d, target.shape[d]);
  // Overwritten places take no gradient from input (scatter); src's gradient is g at its targets.
  record({
    name: fn === "scatter_add"
      ? "ScatterAddBackward0"
      : srcT
      ? "ScatterBackward0"
      : "ScatterBackward1",
    inputs: [input, dim, index, src],
    outputs: [out],
    save: [index],
    // The forward checked the index: its backward's uses of it need no second check.
    backward: ([g], [i]) => [
      fn === "scatter_add" ? g : scatterInto("scatter", g, d, i, 0, true),
      undefined,
      undefined,
      srcT ? gatherImpl(g, d, i, {}, true) : undefined,
    ],
  });
  return out;
}

/** `torch.scatter(input, dim, index, src)`: a copy of input with src written where index points. */
export function scatter(
  input: Tensor,
  dim: number,
  index: Tensor,
  src: TensorOrScalar | { value: number },
): Tensor {
  const s = typeof src === "object" && !(src instanceof Tensor)
    ? src.value
    : src;
  return scatterInto("scatter", input, dim, index, s);
}

/** `torch.scatter_add(input, dim, index, src)`: as scatter, adding into the target. */
export function scatter_add(
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor,
): Tensor {
  return scatterInto("scatter_add", input, dim, index, src);
}

/** `torch.index_select(input, dim, index)`: whole slices picked by a 1-D index. */
export function index_select(
  input: Tensor,
  dim: number,
  index: Tensor,
  opts: OutOptions = {},
): Tensor {
  if (index.dim() > 1) {
    throw new IndexError("index_select(): Index is supposed to be a vector");
  }
  if (index.dtype !== int64 && index.dtype.name !== "int32") {
    throw new RuntimeError(
      "index_select(): Expected dtype int32 or int64 for index",
    );
  }
  const d = wrapDim(dim, input.dim());
  if (input.dtype.is_complex) {
    return deliver(
      throughPairs(input, (p) => index_select(p, d, index)),
      opts.out,
    );
  }
  const backend = backendOf(input, index);
  const n = index.numel();
  const shape = input.dim() === 0 ? [...index._shape] : [...input._shape];
  if (input.dim() > 0) shape[d] = n;
  const out = Tensor.empty(shape, input.dtype, backend);
  // A 0-d input is a one-element vector.
  const x = ranked(input);
  const outShape = [...x.shape];
  outShape[d] = n;
  const bad = backend.ops.indexSelect(
    x.view,
    x.shape,
    d,
    index._view(),
    n,
    { ...out._view(), strides: contiguousOf(outShape) },
  );
  if (bad !== undefined) throw new IndexError("index out of range in self");
  const inShape = [...input._shape];
  record({
    name: "IndexSelectBackward0",
    inputs: [input, dim, index],
    outputs: [out],
    save: [index],
    backward: ([g], [i]) => {
      if (inShape.length === 0) return [g.sum(), undefined, undefined];
      // index_add: every selected slice adds its gradient back at its index.
      const zeros = Tensor.empty(inShape, g.dtype, g.storage.backend);
      return [index_add(zeros, d, i, g), undefined, undefined];
    },
  });
  return deliver(out, opts.out);
}

function contiguousOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  for (let i = shape.length - 1, acc = 1; i >= 0; acc *= shape[i], i--) {
    s[i] = acc;
  }
  return s;
}

/**
 * `torch.index_add(input, dim, index, source, { alpha = 1 })`: a copy of input with alpha ·
 * source's slices along dim added at the 1-D index's positions (repeats accumulate).
 */
export function index_add(
  input: Tensor,
  dim: number,
  index: Tensor,
  source: Tensor,
  opts: { alpha?: number } = {},
): Tensor {
  const alpha = opts.alpha ?? 1;
  if (index.dim() > 1) {
    throw new IndexError("index_add_(): Index is supposed to be a vector");
  }
  if (index.dtype !== int64 && index.dtype.name !== "int32") {
    throw new RuntimeError(
      "index_add_(): Expected dtype int32/int64 for index",
    );
  }
  if (source.dtype !== input.dtype) {
    throw new RuntimeError(
      "index_add_(): self and source expected to have the same dtype, but got (self) " +
        `${scalarTypeName(input.dtype)} and (source) ${
          scalarTypeName(source.dtype)
        }`,
    );
  }
  const d = wrapDim(dim, input.dim());
  const backend = backendOf(input, index, source);
  const x = ranked(input), s = ranked(source);
  const n = index.numel();
  if (
    s.shape.length !== x.shape.length || s.shape[d] !== n ||
    s.shape.some((v, k) => k !== d && v !== x.shape[k])
  ) {
    throw new RuntimeError(
      `index_add_(): source [${source._shape.join(", ")}] must match self [${
        input._shape.join(", ")
      }] except along dim ${d}, where its size must be the index's length ${n}`,
    );
  }
  const out = cast(input, input.dtype, true);
  const bad = backend.ops.indexAdd(
    ranked(out).view,
    x.shape,
    d,
    index._view(),
    s.view,
    s.shape,
    roundScalar(alpha, input.dtype),
  );
  if (bad !== undefined) throw new IndexError("index out of range in self");
  record({
    name: "IndexAddBackward0",
    inputs: [input, dim, index, source],
    outputs: [out],
    save: [index],
    backward: ([g], [i]) => {
      const gs = input.dim() === 0 ? g : index_select(g, d, i);
      return [
        g,
        undefined,
        undefined,
        (alpha === 1 ? gs : gs.mul(alpha)).reshape(source._shape),
      ];
    },
  });
  return out;
}

function checkMask(fn: string, mask: Tensor): void {
  if (mask.dtype !== bool) {
    throw new RuntimeError(
      `${fn} only supports boolean masks, but got mask with dtype ${
        scalarTypeName(mask.dtype).toLowerCase()
      }`,
    );
  }
}

/** t seen over `shape` (stride 0 along broadcast dims), without autograd: an operand for host reads. */
function broadcastTo(t: Tensor, shape: number[]): Tensor {
  return new Tensor(
    t.storage,
    [...shape],
    broadcastStrides(t._shape, t._strides, shape),
    t.storage_offset_,
    t.dtype,
  );
}

/** `torch.masked_fill(input, mask, value)`: value where mask is true (mask broadcasts with input). */
export function masked_fill(
  input: Tensor,
  mask: Tensor,
  value: number | boolean | Tensor,
): Tensor {
  checkMask("masked_fill_", mask);
  // PyTorch broadcasts the mask with self ("tensor a" is the mask).
  const shape = broadcastShapes(mask._shape, input._shape);
  if (value instanceof Tensor && value.dim() !== 0) {
    throw new RuntimeError(
      `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.dim()} dimension(s).`,
    );
  }
  const backend = backendOf(input, mask);
  // A 0-d value tensor stays where it is read: on the device, cast to input's dtype (a 0-d CPU
  // value is moved, as PyTorch accepts one with a device self).
  const v = value instanceof Tensor
    ? broadcastView(transfer(cast(value, input.dtype), backend), shape)
    : roundScalar(value, input.dtype);
  const out = Tensor.empty(shape, input.dtype, backend);
  backend.ops.where(
    broadcastView(mask, shape),
    v,
    broadcastView(input, shape),
    out._view(),
    shape,
  );
  record({
    name: value instanceof Tensor
      ? "MaskedFillBackward1"
      : "MaskedFillBackward0",
    inputs: [input, mask, value],
    outputs: [out],
    save: [mask],
    backward: ([g], [mk]) => [
      g.masked_fill(mk, 0),
      undefined,
      value instanceof Tensor ? where(mk, g, 0).sum() : undefined,
    ],
  });
  return out;
}

/** Row-major positions of the nonzero elements of doubles. */
function positionsOf(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) count++;
  const out = new Float64Array(count);
  for (let i = 0, k = 0; i < values.length; i++) {
    if (values[i] !== 0) out[k++] = i;
  }
  return out;
}

/** `torch.masked_select(input, mask)`: the elements where mask is true, as a 1-D tensor. */
export function masked_select(
  input: Tensor,
  mask: Tensor,
  opts: OutOptions = {},
): Tensor {
  if (mask.dtype !== bool && mask.dtype.name !== "uint8") {
    throw new RuntimeError(
      "masked_select: expected BoolTensor or ByteTensor for mask",
    );
  }
  const shape = broadcastShapes(mask._shape, input._shape);
  backendOf(input, mask);
  // The result's size depends on the mask: it is read on the host (counted); the values are
  // then picked on the device by index_select from the flattened, broadcast input.
  const [m] = hostValues("masked_select", broadcastTo(mask, shape));
  const picked = positionsOf(m);
  const at = fromHost(picked, [picked.length], int64, input);
  const out = no_grad(() =>
    index_select(
      contiguous(broadcastTo(input, shape)).reshape(-1),
      0,
      at,
    )
  );
  // The gradient lands back at the selected positions of the broadcast shape.
  const total = m.length;
  record({
    name: "MaskedSelectBackward0",
    inputs: [input, mask],
    outputs: [out],
    backward: ([g]) => {
      const flat = Tensor.empty([total], g.dtype, g.storage.backend);
      return [scatter_add(flat, 0, at, g).reshape(shape), undefined];
    },
  });
  return deliver(out, opts.out);
}

/** `torch.nonzero(input)`: [n, ndim] int64 coordinates; `{ as_tuple: true }` gives one 1-D tensor per dim. */
export function nonzero(
  input: Tensor,
  opts: { as_tuple?: boolean } & OutOptions = {},
): Tensor | Tensor[] {
  const [values] = hostValues("nonzero", input);
  const rank = input.dim();
  const flat = positionsOf(values);
  const count = flat.length;
  const coords = new Float64Array(count * rank);
  for (let k = 0; k < count; k++) {
    let rest = flat[k];
    for (let d = rank - 1; d >= 0; d--) {
      const size = input._shape[d];
      coords[k * rank + d] = rest % size;
      rest = Math.floor(rest / size);
    }
  }
  const out = fromHost(coords, [count, rank], int64, input);
  if (opts.as_tuple) {
    if (rank === 0) return [Tensor.empty([count], int64, out.storage.backend)];
    return [...Array(rank).keys()].map((d) => contiguous(out.select(1, d)));
  }
  return deliver(out, opts.out);
}

/**
 * `torch.allclose(a, b, { rtol = 1e-5, atol = 1e-8, equal_nan = false })`: PyTorch's isclose, in
 * the inputs' dtype, then all(): equal, or |a − b| finite and within atol + |rtol · b|.
 */
export function allclose(
  input: Tensor,
  other: Tensor,
  ...args: unknown[]
): boolean {
  const o = parseArgs("allclose", args, ["rtol", "atol", "equal_nan"], {
    rtol: 1e-5,
    atol: 1e-8,
    equal_nan: false,
  });
  if (input.dtype !== other.dtype) {
    throw new RuntimeError(
      `${scalarTypeName(input.dtype)} did not match ${
        scalarTypeName(other.dtype)
      }`,
    );
  }
  for (const [name, v] of [["rtol", o.rtol], ["atol", o.atol]] as const) {
    if (!(v >= 0)) {
      throw new RuntimeError(
        `${name} must be greater than or equal to zero, but got ${v}`,
      );
    }
  }
  backendOf(input, other);
  return no_grad(() => {
    const a = input.detach(), b = other.detach();
    let close = a.eq(b);
    if (o.equal_nan && a.is_floating_point()) {
      close = close.logical_or(a.isnan().logical_and(b.isnan()));
    }
    // Integer inputs measure the allowed error in the default dtype, as PyTorch's isclose.
    const scale = a.is_floating_point() ? b : cast(b, get_default_dtype());
    const allowed = scale.mul(o.rtol).abs().add(o.atol);
    const actual = a.sub(b).abs();
    close = close.logical_or(actual.isfinite().logical_and(actual.le(allowed)));
    return close.all().item<boolean>();
  });
}

/** `torch.equal(a, b)`: same shape and the same values (false, not an error, on other shapes). */
export function equal(input: Tensor, other: Tensor): boolean {
  if (
    input._shape.length !== other._shape.length ||
    input._shape.some((s, i) => s !== other._shape[i])
  ) return false;
  backendOf(input, other);
  return no_grad(() => input.detach().eq(other.detach()).all().item<boolean>());
}
