// `nn.utils`: gradient clipping and flattening parameters to one vector and back.

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { zeros } from "../ops/creation.ts";
import { cat, stack } from "../ops/indexing.ts";
import { norm } from "../ops/reduce.ts";
import { clamp } from "../ops/elementwise.ts";

export {
  remove_spectral_norm,
  remove_weight_norm,
  spectral_norm,
  weight_norm,
} from "./weight_norm.ts";

/** A tensor or an iterable of them (a Module's `parameters()`). */
export type Tensors = Tensor | Iterable<Tensor>;

function list(parameters: Tensors): Tensor[] {
  return parameters instanceof Tensor ? [parameters] : [...parameters];
}

/**
 * `clip_grad_norm_(parameters, max_norm, norm_type = 2, error_if_nonfinite = false)`: scales the
 * gradients in place so that their joint norm (the norm of the per-gradient norms) is at most
 * max_norm, by max_norm / (total_norm + 1e-6) clamped to 1. Returns the total norm before clipping.
 * @example
 * loss.backward();
 * nn.utils.clip_grad_norm_(net.parameters(), 1.0);
 * opt.step();
 */
export function clip_grad_norm_(
  parameters: Tensors,
  max_norm: number,
  norm_type = 2,
  error_if_nonfinite = false,
): Tensor {
  const grads = list(parameters).map((p) => p.grad).filter((g): g is Tensor =>
    g !== null
  );
  if (grads.length === 0) return zeros([]);
  return no_grad(() => {
    let total: Tensor;
    if (norm_type === Infinity) {
      const norms = grads.map((g) => g.abs().max());
      total = norms.length === 1 ? norms[0] : stack(norms).max();
    } else {
      total = norm(stack(grads.map((g) => norm(g, norm_type))), norm_type);
    }
    if (error_if_nonfinite && !Number.isFinite(total.item())) {
      throw new RuntimeError(
        `The total norm of order ${
          pyFloat(norm_type)
        } for gradients from \`parameters\` is non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite norm anyway, set \`error_if_nonfinite=False\``,
      );
    }
    const clip_coef = total.add(1e-6).reciprocal().mul(max_norm);
    const clamped = clamp(clip_coef, { max: 1.0 });
    for (const g of grads) g.mul_(clamped);
    return total;
  });
}

/**
 * `clip_grad_value_(parameters, clip_value)`: clamps every gradient element to
 * [-clip_value, clip_value] in place.
 * @example
 * nn.utils.clip_grad_value_(net.parameters(), 0.5);
 */
export function clip_grad_value_(
  parameters: Tensors,
  clip_value: number,
): void {
  no_grad(() => {
    for (const p of list(parameters)) {
      p.grad?.clamp_({ min: -clip_value, max: clip_value });
    }
  });
}

/**
 * `parameters_to_vector(parameters)`: every parameter flattened and concatenated into one vector.
 * @example
 * const flat = nn.utils.parameters_to_vector(net.parameters());
 */
export function parameters_to_vector(parameters: Iterable<Tensor>): Tensor {
  return cat([...parameters].map((p) => p.reshape(-1)));
}

/**
 * `vector_to_parameters(vec, parameters)`: each parameter's `.data` becomes the next slice of vec
 * (a view of it, as in PyTorch).
 * @example
 * nn.utils.vector_to_parameters(flat.mul(0.5), net.parameters());
 */
export function vector_to_parameters(
  vec: Tensor,
  parameters: Iterable<Tensor>,
): void {
  if (!(vec instanceof Tensor)) {
    throw new TypeError(`expected torch.Tensor, but got: ${typeof vec}`);
  }
  let pointer = 0;
  for (const p of parameters) {
    const n = p.numel();
    p.data = vec.narrow(0, pointer, n).view_as(p).data;
    pointer += n;
  }
}

/** Python's repr of a float, as PyTorch's message shows norm_type (`2.0`, `inf`). */
function pyFloat(v: number): string {
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}
