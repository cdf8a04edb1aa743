// Ops that rearrange or mask elements (flip, roll, tril, triu, repeat, tile) and the fused
// arithmetic PyTorch users reach for (square, lerp, addcmul, addcdiv, addmm, isclose). Each is a
// composition of primitives, so it runs on every device, and records PyTorch's node with a
// backward written with other ops.

import { IndexError, RuntimeError } from "../errors.ts";
import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { record } from "../autograd/record.ts";
import { reduceTo } from "../autograd/_grad_ops.ts";
import { deliver, type OutOptions, scalarTypeName } from "./core.ts";
import { arange, empty, full, ones, tensor, zeros } from "./creation.ts";
import { asStrided, viewOf } from "./_view_core.ts";
import { broadcastShapes } from "../shape.ts";

/** `dims` wrapped, PyTorch's error for one listed twice. */
function dimList(x: Tensor, dims: number | number[]): number[] {
  const list = (Array.isArray(dims) ? dims : [dims]).map((d) =>
    wrapDim(d, x.dim())
  );
  list.forEach((d, i) => {
    if (list.indexOf(d) !== i) {
      throw new RuntimeError(
        `dim ${d} appears multiple times in the list of dims`,
      );
    }
  });
  return list;
}

/** int64 indices on x's device: n-1, ..., 0 (reversed) or (i - shift) mod n (rolled). */
function order(n: number, x: Tensor, shift?: number): Tensor {
  const dev = { dtype: "int64" as const, device: x.device };
  return shift === undefined
    ? arange(n - 1, -1, -1, dev)
    : arange(n, dev).sub(shift).remainder(n);
}

/** One op's output with PyTorch's node and a backward in other ops. */
function recorded(
  name: string,
  inputs: readonly unknown[],
  out: Tensor,
  backward: (g: Tensor) => (Tensor | undefined)[],
  save: readonly Tensor[] = [],
): Tensor {
  record({
    name,
    inputs,
    outputs: [out],
    save,
    backward: ([g]) => backward(g),
  });
  return out;
}

/** `torch.flip(input, dims)`: the elements in reverse order along each of dims (a copy). */
export function flip(input: Tensor, dims: number | number[]): Tensor {
  const list = dimList(input, dims);
  const out = no_grad(() => {
    let y = input;
    for (const d of list) y = y.index_select(d, order(input._shape[d], input));
    return y === input ? input.clone() : y;
  });
  return recorded("FlipBackward0", [input], out, (g) => [flip(g, list)]);
}

/**
 * `torch.roll(input, shifts, dims = None)`: elements shifted along dims, wrapping around; with no
 * dims, over the flattened tensor.
 */
export function roll(
  input: Tensor,
  shifts: number | number[],
  opts: { dims?: number | number[] | null } = {},
): Tensor {
  const s = Array.isArray(shifts) ? shifts : [shifts];
  const flat = opts.dims === undefined || opts.dims === null;
  if (flat && s.length !== 1) {
    throw new RuntimeError(
      `roll: shifts and dims must have the same length, got ${s.length} and 0`,
    );
  }
  const dims = flat ? [] : Array.isArray(opts.dims) ? opts.dims : [opts.dims!];
  if (!flat && dims.length !== s.length) {
    throw new RuntimeError(
      `shifts and dimensions must align. shifts: ${s.length}, dims:${dims.length}`,
    );
  }
  const list = dims.map((d) => wrapDim(d, input.dim()));
  const out = no_grad(() => {
    // With no dims, the flattened tensor rolls and takes the input's shape again.
    let y = flat ? input.flatten() : input;
    (flat ? [0] : list).forEach((d, k) => {
      const n = y._shape[d];
      if (n > 0) y = y.index_select(d, order(n, input, s[k] % n));
    });
    y = flat ? y.view(input._shape) : y;
    return y === input ? input.clone() : y;
  });
  return recorded(
    "RollBackward0",
    [input],
    out,
    (g) => [roll(g, s.map((v) => -v), { dims: flat ? null : list })],
  );
}

/** Where element (…, i, j) keeps its value: j - i ≤ k (tril) or j - i ≥ k (triu). */
function triangle(x: Tensor, k: number, lower: boolean): Tensor {
  const n = x.dim();
  const rows = x._shape[n - 2], cols = x._shape[n - 1];
  const dev = { dtype: "int64" as const, device: x.device };
  const diff = arange(cols, dev).view(1, cols).sub(
    arange(rows, dev).view(rows, 1),
  );
  return lower ? diff.le(k) : diff.ge(k);
}

function band(
  name: "tril" | "triu",
  input: Tensor,
  diagonal: number,
  out?: Tensor,
): Tensor {
  // PyTorch's message is the one for dim -2 of a 1-D tensor.
  if (input.dim() < 2) wrapDim(-2, input.dim());
  const lower = name === "tril";
  const result = no_grad(() =>
    input.masked_fill(triangle(input, diagonal, lower).logical_not(), 0)
  );
  const node = lower ? "TrilBackward0" : "TriuBackward0";
  return deliver(
    recorded(node, [input], result, (g) => [band(name, g, diagonal)]),
    out,
  );
}

/** `torch.tril(input, diagonal = 0)`: the lower triangle (j - i ≤ diagonal) of the last two dims. */
export function tril(
  input: Tensor,
  opts: { diagonal?: number } & OutOptions = {},
): Tensor {
  return band("tril", input, opts.diagonal ?? 0, opts.out);
}

/** `torch.triu(input, diagonal = 0)`: the upper triangle (j - i ≥ diagonal) of the last two dims. */
export function triu(
  input: Tensor,
  opts: { diagonal?: number } & OutOptions = {},
): Tensor {
  return band("triu", input, opts.diagonal ?? 0, opts.out);
}

/**
 * `x.repeat(*sizes)`: x tiled sizes[i] times along each dim (more sizes than dims add leading
 * dims). A copy, unlike expand.
 */
export function repeat(input: Tensor, ...sizes: (number | number[])[]): Tensor {
  const reps = sizes.length === 1 && Array.isArray(sizes[0])
    ? sizes[0]
    : sizes as number[];
  if (reps.length < input.dim()) {
    throw new RuntimeError(
      "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor",
    );
  }
  const lead = reps.length - input.dim();
  const shape = [...Array(lead).fill(1), ...input._shape];
  // [r0, s0, r1, s1, ...]: x broadcast against the repeats, then folded.
  const spread = shape.flatMap((s) => [1, s]);
  const target = shape.flatMap((s, i) => [reps[i], s]);
  const outShape = shape.map((s, i) => s * reps[i]);
  const result = no_grad(() =>
    input.reshape(spread).expand(target).contiguous().view(outShape)
  );
  return recorded("RepeatBackward0", [input], result, (g) => {
    const folded = g.reshape(target);
    const summed = folded.sum(
      target.map((_, i) => i).filter((i) => i % 2 === 0),
    );
    return [summed.reshape(input._shape)];
  });
}

/** `torch.tile(input, dims)`: repeat, with fewer dims than the tensor's padded with ones in front. */
export function tile(input: Tensor, dims: number[]): Tensor {
  const reps = dims.length < input.dim()
    ? [...Array(input.dim() - dims.length).fill(1), ...dims]
    : dims;
  return repeat(input, reps);
}

/** `torch.square(input)`: input * input, as PyTorch's pow(input, 2) (PowBackward0). */
export function square(input: Tensor, opts: OutOptions = {}): Tensor {
  return deliver(input.pow(2), opts.out);
}

/**
 * `torch.lerp(input, end, weight)`: input + weight·(end − input), computed as PyTorch does (from
 * the nearer end when |weight| ≥ 0.5), so the result is exact at weight 0 and 1.
 */
export function lerp(
  input: Tensor,
  end: Tensor,
  weight: Tensor | number,
  opts: OutOptions = {},
): Tensor {
  const wTensor = typeof weight !== "number";
  const result = no_grad(() => {
    const diff = end.sub(input);
    if (!wTensor) {
      return Math.abs(weight) < 0.5
        ? input.add(diff.mul(weight))
        : end.sub(diff.mul(1 - weight));
    }
    const w = weight as Tensor;
    const near = w.abs().lt(0.5);
    return input.add(diff.mul(w)).where(
      near,
      end.sub(diff.mul(w.neg().add(1))),
    );
  });
  const node = recorded(
    wTensor ? "LerpBackward1" : "LerpBackward0",
    wTensor ? [input, end, weight] : [input, end],
    result,
    (g) => {
      const err = () => new RuntimeError("lerp: gradient shape mismatch");
      const w = weight;
      const gi = reduceTo(
        typeof w === "number" ? g.mul(1 - w) : g.mul(w.neg().add(1)),
        input._shape,
        err,
      );
      const ge = reduceTo(g.mul(w), end._shape, err);
      if (typeof w === "number") return [gi, ge];
      return [gi, ge, reduceTo(g.mul(end.sub(input)), w._shape, err)];
    },
  );
  return deliver(node, opts.out);
}

/** `torch.addcmul(input, tensor1, tensor2, value = 1)`: input + value·tensor1·tensor2. */
export function addcmul(
  input: Tensor,
  tensor1: Tensor,
  tensor2: Tensor,
  opts: { value?: number } & OutOptions = {},
): Tensor {
  const value = opts.value ?? 1;
  const result = no_grad(() =>
    input.add(
      value === 1 ? tensor1.mul(tensor2) : tensor1.mul(value).mul(tensor2),
    )
  );
  const err = () => new RuntimeError("addcmul: gradient shape mismatch");
  return deliver(
    recorded("AddcmulBackward0", [input, tensor1, tensor2], result, (g) => [
      reduceTo(g, input._shape, err),
      reduceTo(g.mul(tensor2).mul(value), tensor1._shape, err),
      reduceTo(g.mul(tensor1).mul(value), tensor2._shape, err),
    ]),
    opts.out,
  );
}

/** `torch.addcdiv(input, tensor1, tensor2, value = 1)`: input + value·tensor1/tensor2. */
export function addcdiv(
  input: Tensor,
  tensor1: Tensor,
  tensor2: Tensor,
  opts: { value?: number } & OutOptions = {},
): Tensor {
  if (!tensor1.dtype.is_floating_point && !tensor2.dtype.is_floating_point) {
    throw new RuntimeError(
      "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: (input + value * tensor1 / tensor2), for all dtypes.",
    );
  }
  const value = opts.value ?? 1;
  const result = no_grad(() =>
    input.add(
      value === 1 ? tensor1.div(tensor2) : tensor1.mul(value).div(tensor2),
    )
  );
  const err = () => new RuntimeError("addcdiv: gradient shape mismatch");
  return deliver(
    recorded("AddcdivBackward0", [input, tensor1, tensor2], result, (g) => [
      reduceTo(g, input._shape, err),
      reduceTo(g.mul(value).div(tensor2), tensor1._shape, err),
      reduceTo(
        g.mul(value).mul(tensor1).div(tensor2.mul(tensor2)).neg(),
        tensor2._shape,
        err,
      ),
    ]),
    opts.out,
  );
}

/** `torch.addmm(input, mat1, mat2, *, beta = 1, alpha = 1)`: beta·input + alpha·(mat1 @ mat2). */
export function addmm(
  input: Tensor,
  mat1: Tensor,
  mat2: Tensor,
  opts: { beta?: number; alpha?: number } & OutOptions = {},
): Tensor {
  const beta = opts.beta ?? 1, alpha = opts.alpha ?? 1;
  if (mat1.dim() !== 2 || mat2.dim() !== 2) {
    throw new RuntimeError(
      `${mat1.dim() !== 2 ? "mat1" : "mat2"} must be a matrix, got ${
        mat1.dim() !== 2 ? mat1.dim() : mat2.dim()
      }-D tensor`,
    );
  }
  const result = no_grad(() => {
    const prod = mat1.mm(mat2);
    const scaled = alpha === 1 ? prod : prod.mul(alpha);
    // beta = 0 ignores input's values (NaN and inf included), as in PyTorch; not its shape.
    if (beta === 0) {
      input.expand(scaled._shape);
      return scaled;
    }
    return (beta === 1 ? input : input.mul(beta)).add(scaled);
  });
  const err = () => new RuntimeError("addmm: gradient shape mismatch");
  return deliver(
    recorded("AddmmBackward0", [input, mat1, mat2], result, (g) => [
      reduceTo(beta === 1 ? g : g.mul(beta), input._shape, err),
      g.mm(mat2.t()).mul(alpha),
      mat1.t().mm(g).mul(alpha),
    ]),
    opts.out,
  );
}

/**
 * `torch.isclose(input, other, rtol = 1e-5, atol = 1e-8, equal_nan = False)`: |input − other| ≤
 * atol + rtol·|other| elementwise; equal infinities are close, NaNs only with equal_nan.
 */
export function isclose(
  input: Tensor,
  other: Tensor,
  opts: { rtol?: number; atol?: number; equal_nan?: boolean } = {},
): Tensor {
  const rtol = opts.rtol ?? 1e-5, atol = opts.atol ?? 1e-8;
  if (input.dtype !== other.dtype) {
    throw new RuntimeError(
      `${scalarTypeName(input.dtype)} did not match ${
        scalarTypeName(other.dtype)
      }`,
    );
  }
  if (rtol < 0) {
    throw new RuntimeError(
      `rtol must be greater than or equal to zero, but got ${rtol}`,
    );
  }
  if (atol < 0) {
    throw new RuntimeError(
      `atol must be greater than or equal to zero, but got ${atol}`,
    );
  }
  return no_grad(() => {
    let close = input.eq(other);
    if (opts.equal_nan) {
      close = close.logical_or(input.isnan().logical_and(other.isnan()));
    }
    if (!input.dtype.is_floating_point) {
      // As PyTorch: the allowed error in the default float dtype, the actual one in the inputs'.
      const a = input.dtype.name === "bool" ? input.float() : input;
      const b = other.dtype.name === "bool" ? other.float() : other;
      return close.logical_or(a.sub(b).abs().le(b.mul(rtol).abs().add(atol)));
    }
    const finite = input.isfinite().logical_and(other.isfinite());
    const near = input.sub(other).abs().le(other.abs().mul(rtol).add(atol));
    return close.logical_or(near.logical_and(finite));
  });
}

/** `torch.broadcast_to(input, size)`: input expanded to size (a view, as expand). */
export function broadcast_to(input: Tensor, size: number[]): Tensor {
  return input.expand(size);
}

/** `torch.broadcast_tensors(*tensors)`: each tensor expanded to their common broadcast shape. */
export function broadcast_tensors(...tensors: (Tensor | Tensor[])[]): Tensor[] {
  const list = tensors.length === 1 && Array.isArray(tensors[0])
    ? tensors[0]
    : tensors as Tensor[];
  const shape = broadcastShapes(...list.map((t) => t._shape));
  return list.map((t) => t.expand(shape));
}

/** Flat positions (row·cols + col) of diagonal k of a rows×cols matrix, on x's device. */
function diagonalAt(rows: number, cols: number, k: number, x: Tensor): Tensor {
  const len = Math.max(
    0,
    k >= 0 ? Math.min(rows, cols - k) : Math.min(rows + k, cols),
  );
  const i = arange(len, { dtype: "int64", device: x.device });
  return (k >= 0 ? i : i.add(-k)).mul(cols).add(k >= 0 ? i.add(k) : i);
}

/** A zero rows×cols matrix with `values` on diagonal k (differentiable in `values`). */
function onDiagonal(
  values: Tensor,
  rows: number,
  cols: number,
  k: number,
): Tensor {
  const pos = diagonalAt(rows, cols, k, values);
  const flat = zeros([rows * cols], {
    dtype: values.dtype,
    device: values.device,
  });
  return flat.scatter(0, pos, values).view(rows, cols);
}

/**
 * `torch.diag(input, diagonal = 0)`: a 1-D input becomes a square matrix with it on the chosen
 * diagonal; a 2-D input gives that diagonal as a 1-D tensor (a copy).
 */
export function diag(
  input: Tensor,
  opts: { diagonal?: number } & OutOptions = {},
): Tensor {
  const k = opts.diagonal ?? 0;
  if (input.dim() !== 1 && input.dim() !== 2) {
    throw new RuntimeError("matrix or a vector expected");
  }
  const result = no_grad(() => {
    if (input.dim() === 1) {
      const n = input._shape[0] + Math.abs(k);
      return onDiagonal(input, n, n, k);
    }
    const [r, c] = input._shape;
    return input.reshape(-1).index_select(0, diagonalAt(r, c, k, input));
  });
  return deliver(
    recorded("DiagBackward0", [input], result, (g) => {
      if (input.dim() === 1) return [diag(g, { diagonal: k })];
      const [r, c] = input._shape;
      return [onDiagonal(g, r, c, k)];
    }),
    opts.out,
  );
}

/**
 * `torch.baddbmm(input, batch1, batch2, *, beta = 1, alpha = 1)`: beta·input + alpha·(batch1 @
 * batch2), batch by batch.
 */
export function baddbmm(
  input: Tensor,
  batch1: Tensor,
  batch2: Tensor,
  opts: { beta?: number; alpha?: number } & OutOptions = {},
): Tensor {
  const beta = opts.beta ?? 1, alpha = opts.alpha ?? 1;
  // PyTorch's message is the one for dim 2 of a tensor with fewer dims.
  for (const t of [batch1, batch2]) if (t.dim() < 3) wrapDim(2, t.dim());
  for (const [name, t] of [["batch1", batch1], ["batch2", batch2]] as const) {
    if (t.dim() !== 3) throw new RuntimeError(`${name} must be a 3D tensor`);
  }
  const result = no_grad(() => {
    const prod = batch1.bmm(batch2);
    const scaled = alpha === 1 ? prod : prod.mul(alpha);
    if (beta === 0) {
      input.expand(scaled._shape);
      return scaled;
    }
    return (beta === 1 ? input : input.mul(beta)).add(scaled);
  });
  const err = () => new RuntimeError("baddbmm: gradient shape mismatch");
  return deliver(
    recorded("BaddbmmBackward0", [input, batch1, batch2], result, (g) => [
      reduceTo(beta === 1 ? g : g.mul(beta), input._shape, err),
      g.bmm(batch2.transpose(1, 2)).mul(alpha),
      batch1.transpose(1, 2).bmm(g).mul(alpha),
    ]),
    opts.out,
  );
}

/**
 * `torch.tensor_split(input, indices_or_sections, dim = 0)`: views of input along dim, either n
 * parts as equal as can be (the first ones one longer) or cut at the given indices.
 */
export function tensor_split(
  input: Tensor,
  indices_or_sections: number | number[],
  opts: { dim?: number } = {},
): Tensor[] {
  const d = wrapDim(opts.dim ?? 0, input.dim());
  const len = input._shape[d];
  let cuts: number[];
  if (typeof indices_or_sections === "number") {
    const n = indices_or_sections;
    if (!(n > 0)) {
      throw new RuntimeError(
        `number of sections must be larger than 0, got ${n}`,
      );
    }
    const base = Math.floor(len / n), extra = len % n;
    cuts = [];
    let at = 0;
    for (let i = 0; i < n - 1; i++) cuts.push(at += base + (i < extra ? 1 : 0));
  } else cuts = indices_or_sections;
  const bounds = [0, ...cuts, len].map((v) =>
    Math.min(Math.max(v < 0 ? v + len : v, 0), len)
  );
  const parts: Tensor[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const start = bounds[i], stop = Math.max(bounds[i + 1], start);
    parts.push(input.narrow(d, start, stop - start));
  }
  return parts;
}

/**
 * `torch.meshgrid(*tensors, indexing = "ij")`: the grids of N 1-D tensors, each output of shape
 * (len0, len1, ...) ("xy" swaps the first two, as NumPy's). Views of the inputs (expand).
 */
export function meshgrid(
  ...args: (Tensor | Tensor[] | { indexing?: string })[]
): Tensor[] {
  const last = args[args.length - 1];
  const opts = last && !Array.isArray(last) && !("_shape" in last)
    ? args.pop() as { indexing?: string }
    : {};
  const list =
    (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as Tensor[];
  const indexing = opts.indexing ?? "ij";
  if (indexing !== "ij" && indexing !== "xy") {
    throw new RuntimeError(
      `torch.meshgrid: indexing must be one of "xy" or "ij", but received: ${indexing}`,
    );
  }
  list.forEach((t, i) => {
    if (t.dim() > 1) {
      throw new RuntimeError(
        `torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: ${t.dim()}-D at ${i}`,
      );
    }
  });
  const swap = indexing === "xy" && list.length >= 2;
  const order = swap ? [list[1], list[0], ...list.slice(2)] : list;
  const shape = order.map((t) => t.numel());
  const grids = order.map((t, i) => {
    const view = shape.map((_, j) => (j === i ? -1 : 1));
    return t.reshape(view).expand(shape);
  });
  if (swap) {
    // Each grid back in its input's place, its first two dims in xy order.
    const back = [grids[1], grids[0], ...grids.slice(2)];
    return back;
  }
  return grids;
}

type NewOptions = {
  dtype?: unknown;
  device?: unknown;
  requires_grad?: boolean;
};

/** A `new_*` method's sizes (spread or one list) and options. */
function sizedArgs(args: unknown[]): { size: number[]; opts: NewOptions } {
  const last = args[args.length - 1];
  const opts = last !== null && typeof last === "object" && !Array.isArray(last)
    ? args.pop() as NewOptions
    : {};
  const size = args.length === 1 && Array.isArray(args[0])
    ? args[0] as number[]
    : args as number[];
  return { size, opts };
}

/** self's dtype and device, unless the options give others. */
function like(self: Tensor, opts: NewOptions): Record<string, unknown> {
  return {
    dtype: opts.dtype ?? self.dtype,
    device: opts.device ?? self.device,
    requires_grad: opts.requires_grad ?? false,
  };
}

/** `x.new_zeros(*size)`: zeros with x's dtype and device (unless given). */
export function new_zeros(self: Tensor, ...args: unknown[]): Tensor {
  const { size, opts } = sizedArgs(args);
  return zeros(size, like(self, opts) as never);
}

/** `x.new_ones(*size)`: ones with x's dtype and device (unless given). */
export function new_ones(self: Tensor, ...args: unknown[]): Tensor {
  const { size, opts } = sizedArgs(args);
  return ones(size, like(self, opts) as never);
}

/** `x.new_empty(*size)`: an uninitialised (here zeroed) tensor with x's dtype and device. */
export function new_empty(self: Tensor, ...args: unknown[]): Tensor {
  const { size, opts } = sizedArgs(args);
  return empty(size, like(self, opts) as never);
}

/** `x.new_full(size, fill_value)`: fill_value everywhere, with x's dtype and device. */
export function new_full(
  self: Tensor,
  size: number[],
  fill_value: number | boolean,
  opts: NewOptions = {},
): Tensor {
  return full(size, fill_value, like(self, opts) as never);
}

/** `x.new_tensor(data)`: a new tensor (a copy) of data, with x's dtype and device. */
export function new_tensor(
  self: Tensor,
  data: unknown,
  opts: NewOptions = {},
): Tensor {
  return tensor(data as never, like(self, opts) as never);
}

/** A bool mask over `input` that is true in the slices along dim that `index` names. */
function sliceMask(input: Tensor, d: number, index: Tensor): Tensor {
  const n = input._shape[d];
  const hit = zeros([n], { dtype: "int64", device: input.device })
    .index_add(
      0,
      index.reshape(-1),
      ones([index.numel()], { dtype: "int64", device: input.device }),
    )
    .gt(0);
  const view = input._shape.map((_, k) => (k === d ? n : 1));
  return hit.reshape(view.length ? view : [n]);
}

/**
 * `torch.index_fill(input, dim, index, value)`: the slices index names along dim set to value (a
 * number, or a 0-d tensor that then gets the gradient of every element it filled).
 */
export function index_fill(
  input: Tensor,
  dim: number,
  index: Tensor,
  value: Tensor | number,
): Tensor {
  const d = wrapDim(dim, Math.max(input.dim(), 1));
  if (index.dim() > 1) {
    throw new IndexError("index_fill_(): Index is supposed to be a vector");
  }
  const x = input.dim() === 0 ? input.reshape(1) : input;
  const mask = no_grad(() => sliceMask(x, d, index));
  const fill = typeof value === "number" ? value : value.item() as number;
  const result = no_grad(() => x.masked_fill(mask, fill).reshape(input._shape));
  const onX = (g: Tensor) => g.reshape(x._shape);
  if (typeof value === "number") {
    return recorded("IndexFillBackward0", [input], result, (g) => [
      onX(g).masked_fill(mask, 0).reshape(input._shape),
    ]);
  }
  return recorded("IndexFillBackward1", [input, value], result, (g) => [
    onX(g).masked_fill(mask, 0).reshape(input._shape),
    onX(g).masked_fill(mask.logical_not(), 0).sum().reshape(value._shape),
  ]);
}

/** `torch.index_copy(input, dim, index, source)`: the slices index names along dim replaced by source's. */
export function index_copy(
  input: Tensor,
  dim: number,
  index: Tensor,
  source: Tensor,
): Tensor {
  const d = wrapDim(dim, Math.max(input.dim(), 1));
  if (index.dim() > 1) {
    throw new IndexError(
      "index_copy_(): Index should have dimension 1 or 0 (got " + index.dim() +
        ")",
    );
  }
  if (source.dtype !== input.dtype) {
    throw new RuntimeError(
      `index_copy_(): self and source expected to have the same dtype, but got (self) ${
        scalarTypeName(input.dtype)
      } and (source) ${scalarTypeName(source.dtype)}`,
    );
  }
  const result = no_grad(() => {
    const cleared = input.masked_fill(sliceMask(input, d, index), 0);
    return cleared.index_add(d, index.reshape(-1), source);
  });
  return recorded(
    "IndexCopyBackward0",
    [input, source],
    result,
    (
      g,
    ) => [
      g.masked_fill(sliceMask(input, d, index), 0),
      g.index_select(d, index.reshape(-1)).reshape(source._shape),
    ],
  );
}

/** `torch.take(input, index)`: input's elements at the flat positions of index, in index's shape. */
export function take(input: Tensor, index: Tensor): Tensor {
  if (index.dtype.name !== "int64") {
    throw new RuntimeError(
      `take(): Expected a long tensor for index, but got ${
        scalarTypeName(index.dtype)
      }`,
    );
  }
  const n = input.numel();
  const flat = index.reshape(-1);
  const result = no_grad(() => {
    if (flat.numel() > 0) {
      const lo = flat.min().item() as number, hi = flat.max().item() as number;
      const bad = lo < -n ? lo : hi >= n ? hi : undefined;
      if (bad !== undefined) {
        throw new IndexError(
          `out of range: tried to access index ${bad} on a tensor of ${n} elements.`,
        );
      }
    }
    // Negative indices count from the end, as in PyTorch.
    const pos = flat.remainder(Math.max(n, 1));
    return input.reshape(-1).index_select(0, pos).reshape(index._shape);
  });
  return recorded("TakeBackward0", [input], result, (g) => {
    const pos = flat.remainder(Math.max(n, 1));
    return [
      zeros([n], { dtype: g.dtype, device: g.device }).index_add(
        0,
        pos,
        g.reshape(-1),
      )
        .reshape(input._shape),
    ];
  });
}

/**
 * `torch.cosine_similarity(x1, x2, dim = 1, eps = 1e-8)`: Σ x1·x2 / (‖x1‖‖x2‖) along dim, each
 * norm clamped at eps, computed as PyTorch 1.13 does (each operand normalised, then the sum).
 */
export function cosine_similarity(
  x1: Tensor,
  x2: Tensor,
  opts: { dim?: number; eps?: number } = {},
): Tensor {
  const dim = opts.dim ?? 1, eps = opts.eps ?? 1e-8;
  const shape = broadcastShapes(x1._shape, x2._shape);
  const d = wrapDim(dim, shape.length);
  const a = x1.expand(shape), b = x2.expand(shape);
  const norm = (t: Tensor) =>
    t.mul(t).sum(d, { keepdim: true }).clamp({ min: eps * eps }).sqrt();
  return a.div(norm(a)).mul(b.div(norm(b))).sum(d);
}

/**
 * `torch.bincount(input, weights = None, minlength = 0)`: how often each non-negative integer
 * occurs in a 1-D input (or the sum of its weights), for 0 ... max(max(input) + 1, minlength) - 1.
 */
export function bincount(
  input: Tensor,
  opts: { weights?: Tensor | null; minlength?: number } = {},
): Tensor {
  const minlength = opts.minlength ?? 0;
  if (
    input.dim() !== 1 || input.dtype.is_floating_point ||
    input.dtype.name === "bool"
  ) {
    throw new RuntimeError(
      "bincount only supports 1-d non-negative integral inputs.",
    );
  }
  if (minlength < 0) throw new RuntimeError("minlength should be >= 0");
  const w = opts.weights ?? null;
  if (w && (w.dim() !== 1 || w._shape[0] !== input._shape[0])) {
    throw new RuntimeError(
      "weights should be 1-d and have the same length as input",
    );
  }
  return no_grad(() => {
    const n = input.numel();
    if (n > 0 && (input.min().item() as number) < 0) {
      throw new RuntimeError(
        "bincount only supports 1-d non-negative integral inputs.",
      );
    }
    const size = Math.max(
      n > 0 ? Number(input.max().item()) + 1 : 0,
      minlength,
    );
    // Float weights keep their dtype; integer weights count in float64; no weights in int64.
    const dtype = w
      ? (w.dtype.is_floating_point ? w.dtype : "float64")
      : "int64";
    const dev = { dtype: dtype as never, device: input.device };
    const values = w ? w.to(dtype as never) : ones([n], dev);
    const out = zeros([size], dev);
    return n > 0 ? out.index_add(0, input.to("int64"), values) : out;
  });
}

/**
 * `torch.histc(input, bins = 100, min = 0, max = 0)`: counts of input's elements in `bins` equal
 * bins over [min, max] (the data's own range when both are 0), in input's dtype; elements outside
 * are ignored, the maximum falls in the last bin.
 */
export function histc(
  input: Tensor,
  opts: { bins?: number; min?: number; max?: number } & OutOptions = {},
): Tensor {
  const bins = opts.bins ?? 100;
  if (!input.dtype.is_floating_point) {
    throw new RuntimeError(
      `"histogram_cpu" not implemented for '${scalarTypeName(input.dtype)}'`,
    );
  }
  if (bins <= 0) throw new RuntimeError("torch.histc(): bins must be > 0");
  const result = no_grad(() => {
    let lo = opts.min ?? 0, hi = opts.max ?? 0;
    if (lo === hi && input.numel() > 0) {
      lo = input.min().item() as number;
      hi = input.max().item() as number;
    }
    if (lo === hi) {
      lo -= 1;
      hi += 1;
    }
    if (lo > hi) {
      throw new RuntimeError("torch.histc(): max must be larger than min");
    }
    // In the input's dtype, in PyTorch's order: (x - min) · bins / (max - min).
    const flat = input.reshape(-1);
    const inside = flat.ge(lo).logical_and(flat.le(hi));
    const pos = flat.sub(lo).mul(bins).div(hi - lo).floor()
      .clamp({ min: 0, max: bins - 1 }).masked_select(inside).to("int64");
    const dev = { dtype: input.dtype, device: input.device } as never;
    return zeros([bins], dev).index_add(0, pos, ones([pos.numel()], dev));
  });
  return deliver(result, opts.out);
}

/**
 * `torch.repeat_interleave(input, repeats, dim = None)`: each element (or slice along dim)
 * repeated `repeats` times, or repeats[i] times for a tensor of counts; without dim, over the
 * flattened input. An index_select, as in PyTorch.
 */
export function repeat_interleave(
  input: Tensor,
  repeats: Tensor | number,
  opts: { dim?: number | null; output_size?: number | null } = {},
): Tensor {
  const flat = opts.dim === undefined || opts.dim === null;
  const x = flat ? input.reshape(-1) : input;
  const d = flat ? 0 : wrapDim(opts.dim as number, input.dim());
  const n = x._shape[d];
  const counts: number[] = typeof repeats === "number"
    ? Array(n).fill(repeats)
    : (repeats.reshape(-1).tolist() as number[]).map(Number);
  if (typeof repeats !== "number" && counts.length === 1 && n !== 1) {
    counts.length = 0;
    for (let i = 0; i < n; i++) counts.push(Number(repeats.reshape(-1).item()));
  }
  if (counts.length !== n) {
    throw new RuntimeError(
      "repeats must have the same size as input along dim",
    );
  }
  if (counts.some((c) => c < 0)) {
    throw new RuntimeError("repeats can not be negative");
  }
  const idx: number[] = [];
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) idx.push(i);
  });
  if (
    opts.output_size !== undefined && opts.output_size !== null &&
    opts.output_size !== idx.length
  ) {
    throw new RuntimeError("allocated size does not match required size");
  }
  return x.index_select(
    d,
    tensor(idx, { dtype: "int64", device: x.device } as never),
  );
}

/**
 * `torch.cdist(x1, x2, p = 2)`: the p-norm distance between each row of x1 ([..., P, M]) and each
 * row of x2 ([..., R, M]), [..., P, R]; computed directly (as PyTorch does for small inputs), for
 * p ≥ 0 including 0 (count of differing entries) and infinity.
 */
export function cdist(
  x1: Tensor,
  x2: Tensor,
  opts: { p?: number; compute_mode?: string } = {},
): Tensor {
  const p = opts.p ?? 2;
  if (x1.dim() < 2 || x2.dim() < 2) {
    throw new RuntimeError(
      `cdist only supports at least 2D tensors, X1 got: ${x1.dim()}D X2 got: ${x2.dim()}D`,
    );
  }
  const m1 = x1._shape[x1.dim() - 1], m2 = x2._shape[x2.dim() - 1];
  if (m1 !== m2) {
    throw new RuntimeError(
      `X1 and X2 must have the same number of columns. X1: ${m1} X2: ${m2}`,
    );
  }
  if (!(p >= 0)) {
    throw new RuntimeError("cdist only supports non-negative p values");
  }
  const diffOf = (a: Tensor, b: Tensor) => a.unsqueeze(-2).sub(b.unsqueeze(-3));
  const result = no_grad(() => {
    const diff = diffOf(x1, x2).abs();
    if (p === 0) return diff.ne(0).to(x1.dtype).sum(-1);
    if (p === Infinity) return diff.amax(-1);
    if (p === 1) return diff.sum(-1);
    if (p === 2) return diff.mul(diff).sum(-1).sqrt();
    return diff.pow(p).sum(-1).pow(1 / p);
  });
  const err = () => new RuntimeError("cdist: gradient shape mismatch");
  return recorded("CdistBackward0", [x1, x2], result, (g) => {
    const diff = diffOf(x1, x2);
    const dist = result.unsqueeze(-1);
    let w: Tensor; // d dist / d diff, elementwise, shape [..., P, R, M]
    if (p === 0) w = diff.mul(0);
    else if (p === 1) w = diff.sign();
    else if (p === Infinity) {
      // The gradient goes to the entries where |diff| is the maximum.
      w = diff.sign().mul(diff.abs().eq(dist).to(diff.dtype));
    } else {
      const safe = dist.masked_fill(dist.eq(0), 1);
      const ratio = diff.abs().div(safe).pow(p - 1).mul(diff.sign());
      w = ratio.masked_fill(dist.eq(0), 0);
    }
    const gd = g.unsqueeze(-1).mul(w);
    return [
      reduceTo(gd.sum(-2), x1._shape, err),
      reduceTo(gd.sum(-3).neg(), x2._shape, err),
    ];
  }, [result]);
}

/**
 * `x.unfold(dimension, size, step)`: a view of every window of `size` elements along dimension,
 * `step` apart: that dim becomes the window count and a last dim of `size` is added.
 */
export function unfold(
  x: Tensor,
  dimension: number,
  size: number,
  step: number,
): Tensor {
  const rank = Math.max(x.dim(), 1);
  const d = wrapDim(dimension, rank);
  const n = x.dim() === 0 ? 1 : x._shape[d];
  if (size > n) {
    throw new RuntimeError(
      `maximum size for tensor at dimension ${d} is ${n} but size is ${size}`,
    );
  }
  if (step <= 0) throw new RuntimeError(`step is ${step} but must be > 0`);
  if (x.dim() === 0) return x.reshape([size]);
  const windows = Math.floor((n - size) / step) + 1;
  const shape = [...x._shape], strides = [...x._strides];
  shape[d] = windows;
  strides[d] = x._strides[d] * step;
  const out = asStrided(x, [...shape, size], [...strides, x._strides[d]]);
  const inShape = [...x._shape];
  return viewOf("UnfoldBackward0", x, out, (g) => {
    // Each window's elements go back to positions w·step + k along d, overlaps summed.
    const order = [...Array(g.dim()).keys()];
    order.splice(d + 1, 0, order.pop()!);
    const spread = g.permute(order);
    const merged = spread.reshape([
      ...inShape.slice(0, d),
      windows * size,
      ...inShape.slice(d + 1),
    ]);
    const pos = arange(windows, { dtype: "int64", device: g.device }).mul(step)
      .unsqueeze(1).add(arange(size, { dtype: "int64", device: g.device }))
      .reshape(-1);
    return zeros(inShape, { dtype: g.dtype, device: g.device }).index_add(
      d,
      pos,
      merged,
    );
  });
}

/** A row-major host list of an index tensor's values, and its shape. */
function indexValues(t: Tensor): { values: number[]; shape: number[] } {
  return {
    values: (t.reshape(-1).tolist() as (number | bigint)[]).map(Number),
    shape: [...t._shape],
  };
}

/**
 * How `x[indices]` lays out: the flat position within the indexed dims of each broadcast index
 * tuple (`lin`), the dims permuted indexed-first (`order`), and the shape of the indexed result
 * (`target`) with where its broadcast dims sit (`pre` dims before them when they stay in place).
 */
interface IndexPlan {
  lin: number[];
  order: number[];
  /** The flat count of the indexed dims, and the sizes of the others in order. */
  n: number;
  rest: number[];
  B: number[];
  pre: number[];
  post: number[];
  target: number[];
}

function planIndex(input: Tensor, indices: (Tensor | null)[]): IndexPlan {
  // Each indexed dim's (broadcastable) index list; null for a slice.
  const perDim: ({ values: number[]; shape: number[] } | null)[] = [];
  for (const ix of indices) {
    if (ix === null || ix === undefined) {
      perDim.push(null);
      continue;
    }
    const kind = ix.dtype.name;
    if (kind === "bool" || kind === "uint8") {
      const at = perDim.length;
      for (let k = 0; k < ix.dim(); k++) {
        if (ix._shape[k] !== input._shape[at + k]) {
          throw new IndexError(
            `The shape of the mask [${
              ix._shape.join(", ")
            }] at index ${k} does not match the shape of the indexed tensor [${
              input._shape.join(", ")
            }] at index ${at + k}`,
          );
        }
      }
      const nz = ix.nonzero() as Tensor;
      for (let k = 0; k < ix.dim(); k++) {
        perDim.push(indexValues(nz.select(1, k)));
      }
    } else if (!["int64", "int32", "int16", "int8"].includes(kind)) {
      throw new IndexError(
        "tensors used as indices must be long, int, byte or bool tensors",
      );
    } else perDim.push(indexValues(ix));
  }
  if (perDim.length > input.dim()) {
    throw new IndexError(
      `too many indices for tensor of dimension ${input.dim()} (got ${perDim.length})`,
    );
  }
  while (perDim.length < input.dim()) perDim.push(null);
  const adv = perDim.flatMap((p, d) => (p ? [d] : []));
  const others = perDim.flatMap((p, d) => (p ? [] : [d]));
  const B = adv.length
    ? broadcastShapes(...adv.map((d) => perDim[d]!.shape))
    : [];
  const nB = B.reduce((a, b) => a * b, 1);
  const lin = new Array<number>(adv.length ? nB : 1).fill(0);
  let n = 1;
  for (let a = adv.length - 1; a >= 0; a--) {
    const d = adv[a],
      size = input._shape[d],
      { values: vs, shape } = perDim[d]!;
    const strides = shape.map((_, k) =>
      shape.slice(k + 1).reduce((x, y) => x * y, 1)
    );
    const off = B.length - shape.length;
    for (let j = 0; j < nB; j++) {
      let rem = j, at = 0;
      for (let k = B.length - 1; k >= 0; k--) {
        const c = rem % B[k];
        rem = (rem - c) / B[k];
        if (k >= off && shape[k - off] !== 1) at += c * strides[k - off];
      }
      let v = vs[at];
      if (v < -size || v >= size) {
        throw new IndexError(
          `index ${v} is out of bounds for dimension ${d} with size ${size}`,
        );
      }
      if (v < 0) v += size;
      lin[j] += v * n;
    }
    n *= size;
  }
  // The broadcast dims take the place of adjacent indexed dims in x[indices], else come first.
  const adjacent = adv.every((d, i) => i === 0 || d === adv[i - 1] + 1);
  const pre = adjacent ? others.filter((d) => d < adv[0]) : [];
  const post = others.filter((d) => !pre.includes(d));
  return {
    lin,
    order: [...adv, ...others],
    n,
    rest: others.map((d) => input._shape[d]),
    B,
    pre,
    post,
    target: [
      ...pre.map((d) => input._shape[d]),
      ...B,
      ...post.map((d) => input._shape[d]),
    ],
  };
}

/** `x` as (indexed positions, other dims...), the layout the plan's `lin` addresses. */
const flatIndexed = (x: Tensor, p: IndexPlan) =>
  x.permute(p.order).reshape([p.n, ...p.rest]);

/** Back from the flat layout to x's own. */
function unflatIndexed(flat: Tensor, x: Tensor, p: IndexPlan): Tensor {
  const permuted = p.order.map((d) => x._shape[d]);
  const inverse = p.order.map((_, i) => p.order.indexOf(i));
  return flat.reshape(permuted).permute(inverse);
}

/** The layout of `x[indices]` from rows of the flat layout, (nB, rest...) to `target`. */
function toTarget(rows: Tensor, p: IndexPlan): Tensor {
  const t = rows.reshape([...p.B, ...p.rest]);
  if (p.pre.length === 0) return t;
  const b = p.B.length, a = p.pre.length;
  return t.permute([
    ...p.pre.map((_, k) => b + k),
    ...p.B.map((_, k) => k),
    ...p.post.map((_, k) => b + a + k),
  ]);
}

/**
 * `torch.index_put(input, indices, values, accumulate = false)`: Python's `x[indices] = values`
 * with tensor indices (a bool mask indexes as many dims as it has), or `+=` with `accumulate`.
 * Where indices repeat without accumulate the last write wins, as on PyTorch's CPU.
 */
export function index_put(
  input: Tensor,
  indices: (Tensor | null)[],
  values: Tensor,
  accumulate = false,
): Tensor {
  if (values.dtype !== input.dtype) {
    throw new RuntimeError(
      `Index put requires the source and destination dtypes match, got ${
        scalarTypeName(input.dtype)
      } for the destination and ${
        scalarTypeName(values.dtype)
      } for the source.`,
    );
  }
  const p = planIndex(input, indices);
  let fits = true;
  try {
    const b = broadcastShapes(values._shape, p.target);
    fits = b.length === p.target.length &&
      b.every((s, k) => s === p.target[k]);
  } catch {
    fits = false;
  }
  if (!fits) {
    throw new RuntimeError(
      `shape mismatch: value tensor of shape [${
        values._shape.join(", ")
      }] cannot be broadcast to indexing result of shape [${
        p.target.join(", ")
      }]`,
    );
  }
  const device = input.device;
  const long = (xs: number[]) => tensor(xs, { dtype: "int64", device });
  const linT = long(p.lin);
  // values as rows of the flat layout: (nB, rest...).
  const rowsOf = (v: Tensor) => {
    let t = v.expand(p.target);
    if (p.pre.length > 0) {
      const a = p.pre.length, b = p.B.length;
      t = t.permute([
        ...p.B.map((_, k) => a + k),
        ...p.pre.map((_, k) => k),
        ...p.post.map((_, k) => a + b + k),
      ]);
    }
    return t.reshape([p.lin.length, ...p.rest]);
  };
  const result = no_grad(() => {
    const flat = flatIndexed(input, p);
    if (accumulate) {
      return unflatIndexed(flat.index_add(0, linT, rowsOf(values)), input, p);
    }
    const last = new Map<number, number>();
    p.lin.forEach((l, j) => last.set(l, j));
    const kept = [...last.values()].sort((a, b) => a - b);
    const written = flat.index_copy(
      0,
      long(kept.map((j) => p.lin[j])),
      rowsOf(values).index_select(0, long(kept)),
    );
    return unflatIndexed(written, input, p);
  });
  return recorded("IndexPutBackward0", [input, values], result, (g) => [
    // Written positions take their gradient from values (all of it with accumulate).
    accumulate ? g : unflatIndexed(
      flatIndexed(g, p).index_fill(0, linT, 0),
      input,
      p,
    ),
    reduceTo(
      toTarget(flatIndexed(g, p).index_select(0, linT), p),
      values._shape,
      () => new RuntimeError("index_put: values do not broadcast"),
    ),
  ]);
}
