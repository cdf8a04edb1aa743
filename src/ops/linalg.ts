// Matrix products: matmul with batch broadcasting, and mm, bmm, mv, dot, outer in its terms.

import { RuntimeError } from "../errors.ts";
import { broadcastShapes } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { complexMatmul } from "../complex.ts";
import {
  backendOf,
  canWriteInto,
  deliver,
  type OutOptions,
  scalarTypeName,
} from "./core.ts";
import { applyBinary } from "./elementwise.ts";
import { expand, reshape, squeeze, unsqueeze } from "./views.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";

function sameDtype(a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new RuntimeError(
      `expected scalar type ${scalarTypeName(a.dtype)} but found ${
        scalarTypeName(b.dtype)
      }`,
    );
  }
  if (a.dtype.name === "bool") {
    throw new RuntimeError(`"addmm_impl_cpu_" not implemented for 'Bool'`);
  }
}

/**
 * Batched product of [..., m, k] and [..., k, n] whose batch dims already match, on the operands'
 * device. Operands are read in place through their strides: a transposed weight or an expanded
 * (stride-0) batch dim costs nothing.
 */
function batched(a: Tensor, b: Tensor, into?: Tensor): Tensor {
  const backend = backendOf(a, b);
  const m = a._shape[a.dim() - 2],
    k = a._shape[a.dim() - 1],
    n = b._shape[b.dim() - 1];
  const batch = a._shape.slice(0, -2), shape = [...batch, m, n];
  // An out= tensor of the result's shape and dtype, contiguous and apart from the operands, is
  // written directly (a new result copied into it cost a 1024² product 0.8 ms of 23).
  const direct = into instanceof Tensor && into.is_contiguous() &&
    into.storage !== a.storage && into.storage !== b.storage &&
    canWriteInto(into, shape, a.dtype, backend, [a, b]);
  const out = direct ? into : Tensor.empty(shape, a.dtype, backend);
  if (out.numel() > 0) {
    backend.ops.matmul(a._view(), b._view(), out._view(), batch, m, k, n);
  }
  if (direct) into._bump();
  return out;
}

/** `torch.mm(a, b)`: [m, k] · [k, n]. */
export function mm(input: Tensor, mat2: Tensor, opts: OutOptions = {}): Tensor {
  if (input.dim() !== 2) throw new RuntimeError("self must be a matrix");
  if (mat2.dim() !== 2) throw new RuntimeError("mat2 must be a matrix");
  if (input._shape[1] !== mat2._shape[0]) {
    throw new RuntimeError(
      `mat1 and mat2 shapes cannot be multiplied (${
        input._shape.join("x")
      } and ${mat2._shape.join("x")})`,
    );
  }
  sameDtype(input, mat2);
  const out = batched(input, mat2, opts.out);
  if (out === opts.out) return out;
  record({
    name: "MmBackward0",
    inputs: [input, mat2],
    outputs: [out],
    save: [input, mat2],
    backward: ([g], [a, b]) => [g.mm(b.t()), a.t().mm(g)],
  });
  return deliver(out, opts.out);
}

/** `torch.bmm(a, b)`: [B, m, k] · [B, k, n]. */
export function bmm(
  input: Tensor,
  mat2: Tensor,
  opts: OutOptions = {},
): Tensor {
  if (input.dim() !== 3) throw new RuntimeError("batch1 must be a 3D tensor");
  if (mat2.dim() !== 3) throw new RuntimeError("batch2 must be a 3D tensor");
  const [bs, , k] = input._shape;
  if (mat2._shape[0] !== bs || mat2._shape[1] !== k) {
    throw new RuntimeError(
      `Expected size for first two dimensions of batch2 tensor to be: [${bs}, ${k}] but got: [${
        mat2._shape[0]
      }, ${mat2._shape[1]}].`,
    );
  }
  sameDtype(input, mat2);
  return deliver(batchedProduct("BmmBackward0", input, mat2), opts.out);
}

/** A product of [..., m, k] and [..., k, n] with equal batch dims, recorded under `name`. */
function batchedProduct(name: string, a: Tensor, b: Tensor): Tensor {
  const out = batched(a, b);
  const mT = (t: Tensor) => t.transpose(-2, -1);
  record({
    name,
    inputs: [a, b],
    outputs: [out],
    save: [a, b],
    backward: ([g], [x, y]) => [g.matmul(mT(y)), mT(x).matmul(g)],
  });
  return out;
}

/** `torch.mv(mat, vec)`: [m, k] · [k]. */
export function mv(input: Tensor, vec: Tensor, opts: OutOptions = {}): Tensor {
  if (input.dim() !== 2 || vec.dim() !== 1) {
    throw new RuntimeError(
      `vector + matrix @ vector expected, got 1, ${input.dim()}, ${vec.dim()}`,
    );
  }
  const [m, k] = input._shape;
  if (k !== vec._shape[0]) {
    // PyTorch's addmv names the result's size first: result m, matrix m x k, vector size.
    throw new RuntimeError(
      `size mismatch, got ${m}, ${m}x${k},${vec._shape[0]}`,
    );
  }
  sameDtype(input, vec);
  const out = no_grad(() => squeeze(batched(input, unsqueeze(vec, 1)), 1));
  record({
    name: "MvBackward0",
    inputs: [input, vec],
    outputs: [out],
    save: [input, vec],
    backward: ([g], [m, v]) => [outer(g, v), m.t().mv(g)],
  });
  return deliver(out, opts.out);
}

/** `torch.dot(a, b)`: the inner product of two vectors, a 0-d tensor. */
export function dot(
  input: Tensor,
  other: Tensor,
  opts: OutOptions = {},
): Tensor {
  if (input.dim() !== 1 || other.dim() !== 1) {
    throw new RuntimeError(
      `1D tensors expected, but got ${input.dim()}D and ${other.dim()}D tensors`,
    );
  }
  if (input.dtype !== other.dtype) {
    throw new RuntimeError(
      `dot : expected both vectors to have same dtype, but found ${
        scalarTypeName(input.dtype)
      } and ${scalarTypeName(other.dtype)}`,
    );
  }
  if (input._shape[0] !== other._shape[0]) {
    throw new RuntimeError(
      `inconsistent tensor size, expected tensor [${
        input._shape[0]
      }] and src [${
        other._shape[0]
      }] to have the same number of elements, but got ${input._shape[0]} and ${
        other._shape[0]
      } elements respectively`,
    );
  }
  const out = no_grad(() =>
    reshape(batched(unsqueeze(input, 0), unsqueeze(other, 1)), [])
  );
  record({
    name: "DotBackward0",
    inputs: [input, other],
    outputs: [out],
    save: [input, other],
    backward: ([g], [a, b]) => [g.mul(b), g.mul(a)],
  });
  return deliver(out, opts.out);
}

/** `torch.outer(a, b)`: [n] ⊗ [m] → [n, m], with type promotion as multiplication. */
export function outer(
  input: Tensor,
  vec2: Tensor,
  opts: OutOptions = {},
): Tensor {
  for (const [name, v] of [["self", input], ["vec2", vec2]] as const) {
    if (v.dim() !== 1) {
      throw new RuntimeError(
        `outer: Expected 1-D argument ${name}, but got ${v.dim()}-D`,
      );
    }
  }
  return deliver(
    applyBinary("mul", unsqueeze(input, 1), unsqueeze(vec2, 0)),
    opts.out,
  );
}

/**
 * `torch.matmul(a, b)`: dot for two vectors, mv/mm for matrices, and batched products whose
 * batch dims broadcast; a 1-D operand gets a dim added and removed again, as PyTorch.
 */
export function matmul(
  input: Tensor,
  other: Tensor,
  opts: OutOptions = {},
): Tensor {
  if (input.dtype.is_complex || other.dtype.is_complex) {
    return deliver(complexMatmul(input, other), opts.out);
  }
  const da = input.dim(), db = other.dim();
  if (da === 0 || db === 0) {
    throw new RuntimeError(
      `both arguments to matmul need to be at least 1D, but they are ${da}D and ${db}D`,
    );
  }
  if (da === 1 && db === 1) return dot(input, other, opts);
  if (da === 2 && db === 1) {
    if (input._shape[1] !== other._shape[0]) {
      throw new RuntimeError(
        `size mismatch, got ${input._shape[0]}, ${input._shape.join("x")},${
          other._shape[0]
        }`,
      );
    }
    return mv(input, other, opts);
  }
  if (da === 1 && db === 2) {
    return deliver(squeeze(mm(unsqueeze(input, 0), other), 0), opts.out);
  }
  if (da === 2 && db === 2) return mm(input, other, opts);
  const a = da === 1 ? unsqueeze(input, 0) : input;
  const b = db === 1 ? unsqueeze(other, 1) : other;
  const k = a._shape[a.dim() - 1];
  if (b._shape[b.dim() - 2] !== k) {
    throw new RuntimeError(
      `mat1 and mat2 shapes cannot be multiplied (${
        a._shape.slice(0, -1).reduce((x, y) => x * y, 1)
      }x${k} and ${b._shape[b.dim() - 2]}x${b._shape[b.dim() - 1]})`,
    );
  }
  sameDtype(a, b);
  const batch = broadcastShapes(a._shape.slice(0, -2), b._shape.slice(0, -2));
  const ea = expand(a, [...batch, ...a._shape.slice(-2)]);
  const eb = expand(b, [...batch, ...b._shape.slice(-2)]);
  let r = batchedProduct("UnsafeViewBackward0", ea, eb);
  if (da === 1) r = squeeze(r, -2);
  if (db === 1) r = squeeze(r, -1);
  return deliver(r, opts.out);
}
