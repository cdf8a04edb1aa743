// Joining and indexing: cat, stack, gather, scatter, index_select, masked ops, nonzero.

import { bool, int64, result_type } from "../dtype.ts";
import { IndexError, RuntimeError } from "../errors.ts";
import {
  broadcastShapes,
  broadcastStrides,
  contiguousStrides,
  wrapDim,
} from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { readDoubles, writeDoubles } from "../backend/cpu/elementwise.ts";
import { elementOffsets } from "../backend/cpu/iter.ts";
import { parseArgs } from "./_args.ts";
import {
  cast,
  contiguous,
  copyInto,
  deliver,
  type OutOptions,
  scalarTypeName,
} from "./core.ts";
import type { TensorOrScalar } from "./elementwise.ts";
import { narrow, unsqueeze } from "./views.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { where } from "./elementwise.ts";
import { tensor } from "./creation.ts";

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
  // 1-D empty tensors are skipped, a legacy rule PyTorch keeps.
  const parts = tensors.filter((t) => !(t.dim() === 1 && t._shape[0] === 0));
  const dtype = result_type(
    ...tensors.map((t) => ({ dtype: t.dtype, dim: Math.max(t.dim(), 1) })),
  );
  if (parts.length === 0) return deliver(Tensor.empty([0], dtype), o.out);
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
  const out = Tensor.empty(shape, dtype);
  let start = 0;
  for (const t of parts) {
    copyInto(narrow(out, d, start, t._shape[d]), t);
    start += t._shape[d];
  }
  out.storage.version = 0;
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
    backward: (
      [g],
    ) => [
      ...tensors.map((
        t,
        i,
      ) => (starts[i] < 0
        ? Tensor.empty(t._shape, g.dtype)
        : g.narrow(d, starts[i], t._shape[d]))
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

/** Row-major coordinates of every element of `shape`, one callback per element (index ops only). */
function forEachCoord(
  shape: readonly number[],
  f: (coord: number[], flat: number) => void,
): void {
  const n = shape.reduce((a, b) => a * b, 1);
  const coord = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    f(coord, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++coord[d] < shape[d]) break;
      coord[d] = 0;
    }
  }
}

function indexValue(v: number, size: number, dim: number): number {
  if (v < -size || v >= size) {
    throw new IndexError(
      `index ${v} is out of bounds for dimension ${dim} with size ${size}`,
    );
  }
  return v < 0 ? v + size : v;
}

/** `torch.gather(input, dim, index)`: out[i][j] = input[index[i][j]][j] for dim 0, and so on. */
export function gather(
  input: Tensor,
  dim: number,
  index: Tensor,
  opts: OutOptions = {},
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
  const idx = readDoubles(index._operand(), index._shape);
  const src = readDoubles(input._operand(), input._shape);
  const inStrides = contiguousStrides(input._shape);
  const values = new Float64Array(idx.length);
  forEachCoord(index._shape, (c, flat) => {
    let off = 0;
    for (let k = 0; k < c.length; k++) {
      off += (k === d ? indexValue(idx[flat], input._shape[d] ?? 1, d) : c[k]) *
        (inStrides[k] ?? 0);
    }
    values[flat] = src[off];
  });
  const out = Tensor.empty(index._shape, input.dtype);
  writeDoubles(out._operand(), input.dtype.name, values, index._shape);
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
      scatter_add(Tensor.empty(inShape, g.dtype), d, i, g),
      undefined,
      undefined,
    ],
  });
  return deliver(out, opts.out);
}

function scatterInto(
  fn: string,
  input: Tensor,
  dim: number,
  index: Tensor,
  src: TensorOrScalar,
  reduce: (old: number, v: number) => number,
): Tensor {
  checkIndex(fn, index);
  const d = wrapDim(dim, input.dim());
  if (index.dim() !== input.dim() && !(index.dim() <= 1 && input.dim() <= 1)) {
    throw new RuntimeError(
      "Index tensor must have the same number of dimensions as self tensor",
    );
  }
  const out = cast(input, input.dtype, true);
  const values = readDoubles(out._operand(), out._shape);
  const idx = readDoubles(index._operand(), index._shape);
  const srcT = src instanceof Tensor ? src : undefined;
  if (srcT && srcT.dtype !== input.dtype) {
    throw new RuntimeError(
      `${fn}(): Expected self.dtype to be equal to src.dtype`,
    );
  }
  const srcVals = srcT ? readDoubles(srcT._operand(), srcT._shape) : undefined;
  const srcStrides = srcT ? contiguousStrides(srcT._shape) : [];
  const outStrides = contiguousStrides(out._shape);
  const scalar = typeof src === "boolean" ? Number(src) : src as number;
  forEachCoord(index._shape, (c, flat) => {
    let off = 0, soff = 0;
    for (let k = 0; k < c.length; k++) {
      off += (k === d ? indexValue(idx[flat], out._shape[d] ?? 1, d) : c[k]) *
        (outStrides[k] ?? 0);
      soff += c[k] * (srcStrides[k] ?? 0);
    }
    values[off] = reduce(values[off], srcVals ? srcVals[soff] : scalar);
  });
  writeDoubles(out._operand(), out.dtype.name, values, out._shape);
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
    backward: ([g], [i]) => [
      fn === "scatter_add" ? g : scatter(g, d, i, 0),
      undefined,
      undefined,
      srcT ? g.gather(d, i) : undefined,
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
  return scatterInto("scatter", input, dim, index, s, (_, v) => v);
}

/** `torch.scatter_add(input, dim, index, src)`: as scatter, adding into the target. */
export function scatter_add(
  input: Tensor,
  dim: number,
  index: Tensor,
  src: Tensor,
): Tensor {
  return scatterInto("scatter_add", input, dim, index, src, (a, v) => a + v);
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
  const idx = readDoubles(index._operand(), index._shape);
  const size = input.dim() === 0 ? 1 : input._shape[d];
  const shape = input.dim() === 0 ? [...index._shape] : [...input._shape];
  if (input.dim() > 0) shape[d] = idx.length;
  const out = Tensor.empty(shape, input.dtype);
  idx.forEach((v, i) => {
    if (v < 0 || v >= size) throw new IndexError(`index out of range in self`);
    if (input.dim() === 0) copyInto(narrow(out, 0, i, 1), input);
    else copyInto(narrow(out, d, i, 1), narrow(input, d, v, 1));
  });
  out.storage.version = 0;
  const inShape = [...input._shape];
  record({
    name: "IndexSelectBackward0",
    inputs: [input, dim, index],
    outputs: [out],
    save: [index],
    backward: ([g], [i]) => {
      if (inShape.length === 0) return [g.sum(), undefined, undefined];
      // index_add: every selected slice adds its gradient back at its index.
      const along = inShape.map((_, k) => (k === d ? -1 : 1));
      return [
        scatter_add(
          Tensor.empty(inShape, g.dtype),
          d,
          i.long().reshape(along).expand(g._shape),
          g,
        ),
        undefined,
        undefined,
      ];
    },
  });
  return deliver(out, opts.out);
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

/** `torch.masked_fill(input, mask, value)`: value where mask is true (mask broadcasts to input). */
export function masked_fill(
  input: Tensor,
  mask: Tensor,
  value: number | boolean | Tensor,
): Tensor {
  checkMask("masked_fill_", mask);
  // PyTorch broadcasts the mask with self ("tensor a" is the mask), and self cannot grow.
  broadcastShapes(mask._shape, input._shape);
  if (value instanceof Tensor && value.dim() !== 0) {
    throw new RuntimeError(
      `masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ${value.dim()} dimension(s).`,
    );
  }
  const v = value instanceof Tensor ? Number(value.item()) : Number(value);
  const m = readDoubles(
    {
      data: mask.storage.data,
      offset: mask.storage_offset_,
      strides: broadcastStrides(mask._shape, mask._strides, input._shape),
    },
    input._shape,
  );
  const values = readDoubles(input._operand(), input._shape);
  for (let i = 0; i < values.length; i++) if (m[i] !== 0) values[i] = v;
  const out = Tensor.empty(input._shape, input.dtype);
  writeDoubles(out._operand(), out.dtype.name, values, out._shape);
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
  const view = (t: Tensor) => ({
    data: t.storage.data,
    offset: t.storage_offset_,
    strides: broadcastStrides(t._shape, t._strides, shape),
  });
  const m = readDoubles(view(mask), shape);
  const offsets = elementOffsets(
    shape,
    view(input).strides,
    input.storage_offset_,
  );
  const picked: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) picked.push(offsets[i]);
  const out = Tensor.empty([picked.length], input.dtype);
  const src = input.storage.data, dst = out.storage.data;
  picked.forEach((off, i) => (dst[i] = src[off]));
  // The gradient lands back at the selected positions of the broadcast shape.
  const positions: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] !== 0) positions.push(i);
  record({
    name: "MaskedSelectBackward0",
    inputs: [input, mask],
    outputs: [out],
    backward: ([g]) => {
      const flat = Tensor.empty([m.length], g.dtype);
      const at = tensor(Float64Array.from(positions), { dtype: int64 });
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
  const values = readDoubles(input._operand(), input._shape);
  const coords: number[] = [];
  let count = 0;
  forEachCoord(input._shape, (c, flat) => {
    if (values[flat] !== 0) {
      coords.push(...c);
      count++;
    }
  });
  const rank = input.dim();
  const out = Tensor.empty([count, rank], int64);
  writeDoubles(out._operand(), "int64", Float64Array.from(coords), out._shape);
  if (opts.as_tuple) {
    if (rank === 0) return [Tensor.empty([count], int64).fill_(0)];
    return [...Array(rank).keys()].map((d) => contiguous(out.select(1, d)));
  }
  return deliver(out, opts.out);
}

/** `torch.allclose(a, b, { rtol = 1e-5, atol = 1e-8, equal_nan = false })`. */
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
  const shape = broadcastShapes(input._shape, other._shape);
  const a = readDoubles({
    ...input._operand(),
    strides: broadcastStrides(input._shape, input._strides, shape),
  }, shape);
  const b = readDoubles({
    ...other._operand(),
    strides: broadcastStrides(other._shape, other._strides, shape),
  }, shape);
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y) continue;
    if (x !== x || y !== y) {
      if (o.equal_nan && x !== x && y !== y) continue;
      return false;
    }
    if (!(Math.abs(x - y) <= o.atol + o.rtol * Math.abs(y))) return false;
  }
  return true;
}

/** `torch.equal(a, b)`: same shape and the same values (false, not an error, on other shapes). */
export function equal(input: Tensor, other: Tensor): boolean {
  if (
    input._shape.length !== other._shape.length ||
    input._shape.some((s, i) => s !== other._shape[i])
  ) return false;
  const a = readDoubles(input._operand(), input._shape),
    b = readDoubles(other._operand(), other._shape);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
