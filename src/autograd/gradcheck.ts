// torch.autograd.gradcheck: analytical gradients against central finite differences.

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { hostDoubles } from "../host.ts";
import { roundScalar } from "../ops/core.ts";
import { no_grad } from "./grad_mode.ts";
import { grad } from "./functions.ts";

/** Options of `gradcheck`, as PyTorch's keyword arguments. */
export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw on a mismatch (the default) instead of returning false. */
  raise_exception?: boolean;
}

type Fn = (...inputs: Tensor[]) => Tensor | Tensor[];

function outputsOf(fn: Fn, inputs: Tensor[]): Tensor[] {
  const out = fn(...inputs);
  return (Array.isArray(out) ? out : [out]).filter((t) =>
    t.dtype.is_floating_point
  );
}

/** The storage offset of each element of x, in row-major order. */
function storageOffsets(x: Tensor): number[] {
  const out: number[] = [];
  const n = x.numel();
  const coord = new Array<number>(x.dim()).fill(0);
  let at = x.storage_offset_;
  for (let e = 0; e < n; e++) {
    out.push(at);
    for (let d = x.dim() - 1; d >= 0; d--) {
      at += x._strides[d];
      if (++coord[d] < x._shape[d]) break;
      at -= x._strides[d] * x._shape[d];
      coord[d] = 0;
    }
  }
  return out;
}

function values(t: Tensor): number[] {
  return t.reshape(-1).double().tolist() as number[];
}

/**
 * `torch.autograd.gradcheck(fn, inputs)`: for every input that requires grad and every output
 * element, the gradient from backward must match (f(x + eps) - f(x - eps)) / 2eps within
 * atol + rtol * |numerical|. Inputs should be float64, as in PyTorch.
 * @example torch.autograd.gradcheck((x) => x.tanh(), [torch.randn(3, { dtype: torch.float64, requires_grad: true })])
 */
export function gradcheck(
  fn: Fn,
  inputs: Tensor | Tensor[],
  opts: GradcheckOptions = {},
): boolean {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raise_exception = true } = opts;
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const wrt = ins.filter((t) => t.requires_grad);
  if (wrt.length === 0) {
    throw new RuntimeError(
      "gradcheck expects at least one input tensor to require gradient",
    );
  }
  const outs = outputsOf(fn, ins);
  for (let oi = 0; oi < outs.length; oi++) {
    const out = outs[oi];
    const n = out.numel();
    // Analytical Jacobian, one backward per output element.
    const analytical = wrt.map((x) =>
      Array.from({ length: x.numel() }, () => new Float64Array(n))
    );
    for (let k = 0; k < n; k++) {
      // Zeros with a 1 at element k (the tensor is fresh, so k is its storage offset).
      const onehot = Tensor.empty(out._shape, out.dtype, out.storage.backend);
      onehot.storage.backend.ops.fill(
        { ...onehot._view(), offset: k, strides: [] },
        1,
        [],
      );
      const grads = grad([out], wrt, {
        grad_outputs: [onehot],
        retain_graph: true,
        allow_unused: true,
      });
      grads.forEach((g, wi) => {
        if (!g) return;
        values(g).forEach((v, j) => (analytical[wi][j][k] = v));
      });
    }
    // Numerical Jacobian by central differences, writing each perturbed element in place through
    // its backend (a one-element fill at the element's storage offset).
    for (let wi = 0; wi < wrt.length; wi++) {
      const x = wrt[wi];
      const originals = hostDoubles(x);
      const offsets = storageOffsets(x);
      const set = (j: number, v: number) =>
        x.storage.backend.ops.fill(
          { ...x._view(), offset: offsets[j], strides: [] },
          roundScalar(v, x.dtype),
          [],
        );
      for (let j = 0; j < offsets.length; j++) {
        const orig = originals[j];
        const probe = (delta: number) => {
          set(j, orig + delta);
          return values(no_grad(() => outputsOf(fn, ins))[oi]);
        };
        const plus = probe(eps), minus = probe(-eps);
        set(j, orig);
        for (let k = 0; k < n; k++) {
          const numerical = (plus[k] - minus[k]) / (2 * eps);
          const a = analytical[wi][j][k];
          if (!(Math.abs(a - numerical) <= atol + rtol * Math.abs(numerical))) {
            if (!raise_exception) return false;
            throw new RuntimeError(
              `Jacobian mismatch for output ${oi} with respect to input ${
                ins.indexOf(x)
              },\nnumerical:${numerical}\nanalytical:${a}\n(at input element ${j}, output element ${k})`,
            );
          }
        }
      }
    }
  }
  return true;
}
