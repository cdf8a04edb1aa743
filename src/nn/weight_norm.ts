// `nn.utils.weight_norm` and `nn.utils.spectral_norm` as PyTorch 1.13 writes them: the weight
// becomes a tensor recomputed before each forward (a forward pre-hook) from new parameters —
// magnitude and direction (weight_g, weight_v), or the original weight divided by its largest
// singular value, estimated by power iteration (weight_orig, and the buffers weight_u, weight_v).

import { RuntimeError, ValueError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { empty } from "../ops/creation.ts";
import { normal_ } from "../ops/random.ts";
import type { Module, RemovableHandle } from "./module.ts";
import { Parameter } from "./parameter.ts";

type Params = Record<string, unknown>;
const attrs = (m: Module) => m as unknown as Params;

/** `norm_except_dim(v, 2, dim)`: the 2-norm over every dim but `dim` (all of them for -1). */
function normExceptDim(v: Tensor, dim: number): Tensor {
  if (dim === -1) return v.norm(2);
  const d = dim < 0 ? dim + v.dim() : dim;
  const others = Array.from({ length: v.dim() }, (_, i) => i).filter((i) =>
    i !== d
  );
  return v.mul(v).sum(others, { keepdim: true }).sqrt();
}

interface NormHooks {
  /** Each weight-normed name's hook and the dim it normalises over. */
  weightNorm?: Map<string, { handle: RemovableHandle; dim: number }>;
  spectralNorm?: Map<string, RemovableHandle>;
}
const hooks = new WeakMap<Module, NormHooks>();

function parameterOf(module: Module, name: string): Parameter {
  const w = attrs(module)[name];
  if (!(w instanceof Parameter)) {
    throw new RuntimeError(
      `Module '${module.constructor.name}' has no parameter or buffer with name '${name}'`,
    );
  }
  return w;
}

/**
 * `weight_norm(module, name = 'weight', dim = 0)`: w = g · v / ‖v‖, ‖·‖ over every dim but `dim`
 * (`dim = None` normalises over all). Returns the module.
 */
export function weight_norm(
  module: Module,
  name = "weight",
  dim: number | null = 0,
): Module {
  const d = dim ?? -1;
  const registered = hooks.get(module)?.weightNorm;
  if (registered?.has(name)) {
    throw new RuntimeError(
      `Cannot register two weight_norm hooks on the same parameter ${name}`,
    );
  }
  const weight = parameterOf(module, name);
  delete attrs(module)[name];
  attrs(module)[`${name}_g`] = new Parameter(
    no_grad(() => normExceptDim(weight, d)),
  );
  attrs(module)[`${name}_v`] = new Parameter(weight.detach());
  const compute = () => {
    const g = attrs(module)[`${name}_g`] as Tensor;
    const v = attrs(module)[`${name}_v`] as Tensor;
    return v.mul(g.div(normExceptDim(v, d)));
  };
  attrs(module)[name] = compute();
  const handle = module.register_forward_pre_hook(() => {
    attrs(module)[name] = compute();
  });
  const h = hooks.get(module) ?? {};
  (h.weightNorm ??= new Map()).set(name, { handle, dim: d });
  hooks.set(module, h);
  return module;
}

/** `remove_weight_norm(module, name = 'weight')`: the weight a parameter again. */
export function remove_weight_norm(module: Module, name = "weight"): Module {
  const entry = hooks.get(module)?.weightNorm?.get(name);
  if (!entry) {
    throw new ValueError(
      `weight_norm of '${name}' not found in ${module.constructor.name}`,
    );
  }
  const g = attrs(module)[`${name}_g`] as Tensor;
  const v = attrs(module)[`${name}_v`] as Tensor;
  const weight = no_grad(() => v.mul(g.div(normExceptDim(v, entry.dim))));
  entry.handle.remove();
  hooks.get(module)!.weightNorm!.delete(name);
  delete attrs(module)[name];
  delete attrs(module)[`${name}_g`];
  delete attrs(module)[`${name}_v`];
  attrs(module)[name] = new Parameter(weight);
  return module;
}

/** `F.normalize(x, dim = 0, eps)` for a vector. */
const unit = (x: Tensor, eps: number) => x.div(x.norm(2).clamp(eps, null));

/**
 * `spectral_norm(module, name = 'weight', n_power_iterations = 1, eps = 1e-12, dim = None)`: the
 * weight divided by its spectral norm, estimated by power iteration in training mode (the
 * vectors u, v kept as buffers). `dim` defaults to 0, 1 for the transposed convolutions.
 */
export function spectral_norm(
  module: Module,
  name = "weight",
  n_power_iterations = 1,
  eps = 1e-12,
  dim: number | null = null,
): Module {
  if (n_power_iterations <= 0) {
    throw new ValueError(
      `Expected n_power_iterations to be positive, but got n_power_iterations=${n_power_iterations}`,
    );
  }
  const registered = hooks.get(module)?.spectralNorm;
  if (registered?.has(name)) {
    throw new RuntimeError(
      `Cannot register two spectral_norm hooks on the same parameter ${name}`,
    );
  }
  const d = dim ??
    (module.constructor.name.startsWith("ConvTranspose") ? 1 : 0);
  const weight = parameterOf(module, name);
  const toMatrix = (w: Tensor) => {
    let m = w;
    if (d !== 0) {
      const order = [
        d,
        ...Array.from({ length: w.dim() }, (_, i) => i)
          .filter((i) => i !== d),
      ];
      m = m.permute(order);
    }
    return m.reshape([m.size(0), -1]);
  };
  const [h, w] = toMatrix(weight).shape;
  const draw = (n: number) => {
    const t = empty([n], { dtype: weight.dtype, device: weight.device });
    normal_(t, 0, 1);
    return unit(t, eps);
  };
  const u0 = no_grad(() => draw(h)), v0 = no_grad(() => draw(w));
  delete attrs(module)[name];
  attrs(module)[`${name}_orig`] = weight;
  attrs(module)[name] = weight.detach();
  module.register_buffer(`${name}_u`, u0);
  module.register_buffer(`${name}_v`, v0);
  const compute = (powerIteration: boolean) => {
    const orig = attrs(module)[`${name}_orig`] as Tensor;
    let u = attrs(module)[`${name}_u`] as Tensor;
    let v = attrs(module)[`${name}_v`] as Tensor;
    const mat = toMatrix(orig);
    if (powerIteration) {
      no_grad(() => {
        for (let i = 0; i < n_power_iterations; i++) {
          v.copy_(unit(mat.detach().t().mv(u), eps));
          u.copy_(unit(mat.detach().mv(v), eps));
        }
      });
      u = u.clone();
      v = v.clone();
    }
    const sigma = u.dot(mat.mv(v));
    return orig.div(sigma);
  };
  const handle = module.register_forward_pre_hook((m) => {
    attrs(module)[name] = compute(m.training);
  });
  const hs = hooks.get(module) ?? {};
  (hs.spectralNorm ??= new Map()).set(name, handle);
  hooks.set(module, hs);
  return module;
}

/** `remove_spectral_norm(module, name = 'weight')`. */
export function remove_spectral_norm(
  module: Module,
  name = "weight",
): Module {
  const handle = hooks.get(module)?.spectralNorm?.get(name);
  if (!handle) {
    throw new ValueError(
      `spectral_norm of '${name}' not found in ${module.constructor.name}`,
    );
  }
  handle.remove();
  hooks.get(module)!.spectralNorm!.delete(name);
  const weight = no_grad(() => (attrs(module)[name] as Tensor).detach());
  delete attrs(module)[name];
  delete attrs(module)[`${name}_orig`];
  module._buffers.delete(`${name}_u`);
  module._buffers.delete(`${name}_v`);
  delete attrs(module)[`${name}_u`];
  delete attrs(module)[`${name}_v`];
  attrs(module)[name] = new Parameter(weight);
  return module;
}
