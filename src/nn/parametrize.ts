// `nn.utils.parametrize` as PyTorch 1.13 does it: `register_parametrization(module, "weight", p)`
// moves the parameter to `module.parametrizations.weight.original` and makes `module.weight` the
// result of the parametrizations applied in order, computed on each read (assigning to it goes
// through their `right_inverse`). The module's class becomes `Parametrized<Class>`, as in PyTorch.

import { RuntimeError, ValueError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";
import { ModuleDict } from "./modules/container.ts";

type Parametrization = Module & {
  right_inverse?: (value: Tensor) => Tensor;
};
type Attrs = Record<string, unknown>;

/** `ParametrizationList`: the parametrizations of one tensor, and its `original` value. */
export class ParametrizationList extends Module {
  declare original: Parameter;

  constructor(modules: Parametrization[], original: Parameter) {
    super();
    modules.forEach((m, i) => ((this as unknown as Attrs)[String(i)] = m));
    // With a right_inverse, the stored value is the one the parametrizations map to `original`.
    let value: Tensor = original;
    for (let i = modules.length - 1; i >= 0; i--) {
      const inv = modules[i].right_inverse;
      if (inv) value = no_grad(() => inv.call(modules[i], value));
    }
    if (value !== original) original.data = value.detach().clone();
    (this as unknown as Attrs).original = original;
  }

  /** The parametrizations in order. */
  list(): Parametrization[] {
    return [...this.children()] as Parametrization[];
  }

  append(m: Parametrization): void {
    (this as unknown as Attrs)[String(this.list().length)] = m;
  }

  /** The parametrized value: original through each parametrization. */
  forward(): Tensor {
    let x: Tensor = this.original;
    for (const m of this.list()) x = m(x) as Tensor;
    return x;
  }

  /** Stores `value` by the right inverses, last parametrization first. */
  right_inverse(value: Tensor): void {
    let v = value;
    const ms = this.list();
    for (let i = ms.length - 1; i >= 0; i--) {
      const inv = ms[i].right_inverse;
      if (!inv) {
        throw new RuntimeError(
          `parametrization ${
            ms[i].constructor.name
          } does not implement right_inverse.`,
        );
      }
      v = no_grad(() => inv.call(ms[i], v));
    }
    this.original.data = v.detach().clone();
  }
}

const originalClasses = new WeakMap<object, { prototype: object }>();

/** Gives the module a class of its own, `Parametrized<Class>`, where the accessors can live. */
function injectClass(module: Module): void {
  if (originalClasses.has(module)) return;
  const proto = Object.getPrototypeOf(module);
  const base = proto.constructor as abstract new (...a: never[]) => unknown;
  const name = `Parametrized${base.name}`;
  const cls = { [name]: class extends (base as new () => object) {} }[name];
  Object.setPrototypeOf(module, cls.prototype);
  originalClasses.set(module, proto.constructor);
}

/** `is_parametrized(module, tensor_name = None)`. */
export function is_parametrized(
  module: Module,
  tensor_name: string | null = null,
): boolean {
  const ps = (module as unknown as Attrs).parametrizations;
  if (!(ps instanceof ModuleDict)) return false;
  return tensor_name === null ? ps.keys().length > 0 : ps.has(tensor_name);
}

/**
 * `register_parametrization(module, tensor_name, parametrization, unsafe = false)`: see the file's
 * comment. Returns the module.
 */
export function register_parametrization(
  module: Module,
  tensor_name: string,
  parametrization: Parametrization,
  _unsafe = false,
): Module {
  const attrs = module as unknown as Attrs;
  if (is_parametrized(module, tensor_name)) {
    ((attrs.parametrizations as ModuleDict).get(
      tensor_name,
    ) as ParametrizationList).append(parametrization);
    return module;
  }
  const original = attrs[tensor_name];
  if (!(original instanceof Parameter)) {
    throw new ValueError(
      `Module '${module.constructor.name}' does not have a parameter, a buffer, or a parametrized element with name '${tensor_name}'`,
    );
  }
  const list = new ParametrizationList([parametrization], original);
  delete attrs[tensor_name];
  if (!(attrs.parametrizations instanceof ModuleDict)) {
    attrs.parametrizations = new ModuleDict();
  }
  (attrs.parametrizations as ModuleDict).set(tensor_name, list);
  injectClass(module);
  Object.defineProperty(Object.getPrototypeOf(module), tensor_name, {
    get(this: Module) {
      const ps = (this as unknown as Attrs).parametrizations as ModuleDict;
      return (ps.get(tensor_name) as ParametrizationList).forward();
    },
    set(this: Module, value: Tensor) {
      const ps = (this as unknown as Attrs).parametrizations as ModuleDict;
      (ps.get(tensor_name) as ParametrizationList).right_inverse(value);
    },
    configurable: true,
  });
  return module;
}

/**
 * `remove_parametrizations(module, tensor_name, leave_parametrized = true)`: the tensor a plain
 * parameter again, holding the parametrized value (or the original one).
 */
export function remove_parametrizations(
  module: Module,
  tensor_name: string,
  leave_parametrized = true,
): Module {
  if (!is_parametrized(module, tensor_name)) {
    throw new ValueError(
      `Module ${module.constructor.name} does not have a parametrization on ${tensor_name}`,
    );
  }
  const attrs = module as unknown as Attrs;
  const ps = attrs.parametrizations as ModuleDict;
  const list = ps.get(tensor_name) as ParametrizationList;
  const original = list.original;
  if (leave_parametrized) {
    original.data = no_grad(() => list.forward().detach().clone());
  }
  delete Object.getPrototypeOf(module)[tensor_name];
  ps.pop(tensor_name);
  attrs[tensor_name] = original;
  if (ps.keys().length === 0) {
    delete attrs.parametrizations;
    const cls = originalClasses.get(module)!;
    Object.setPrototypeOf(module, cls.prototype);
    originalClasses.delete(module);
  }
  return module;
}
