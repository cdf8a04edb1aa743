// Python's `copy.deepcopy` for modules: a new callable module of the same class whose parameters,
// buffers and submodules are copies (shared ones stay shared within the copy, as deepcopy's memo
// keeps them). TransformerEncoder and TransformerDecoder clone their layer with it, as PyTorch's
// _get_clones does.

import { Tensor } from "../tensor.ts";
import { Module } from "./module.ts";
import { Parameter } from "./parameter.ts";

type Memo = Map<unknown, unknown>;

function copyTensor(t: Tensor, memo: Memo): Tensor {
  if (memo.has(t)) return memo.get(t) as Tensor;
  const data = t.detach().clone();
  const c = t instanceof Parameter
    ? new Parameter(data, t.requires_grad)
    : t.requires_grad
    ? data.requires_grad_()
    : data;
  if (t.grad) c.grad = t.grad.detach().clone();
  memo.set(t, c);
  return c;
}

function copyValue(v: unknown, memo: Memo): unknown {
  if (v instanceof Module) return deepcopy(v, memo);
  if (v instanceof Tensor) return copyTensor(v, memo);
  if (Array.isArray(v)) return v.map((x) => copyValue(x, memo));
  if (v instanceof Map) {
    return new Map([...v].map(([k, x]) => [k, copyValue(x, memo)]));
  }
  if (v instanceof Set) return new Set(v);
  return v;
}

/** `copy.deepcopy(module)`: an independent copy with the same values, mode and hooks. */
export function deepcopy<M extends Module>(m: M, memo: Memo = new Map()): M {
  if (memo.has(m)) return memo.get(m) as M;
  const c = ((...args: unknown[]) => c._call(args)) as unknown as Module;
  Object.setPrototypeOf(c, Object.getPrototypeOf(m));
  memo.set(m, c);
  for (const key of Reflect.ownKeys(m)) {
    // The arrow's own name and length, and buffers (accessors bound to their module), are not
    // copied as properties: the buffers are registered again below.
    if (typeof key === "string" && m._buffers.has(key)) continue;
    const d = Object.getOwnPropertyDescriptor(m, key)!;
    if ((key === "name" || key === "length") && "value" in d) continue;
    if (key === "_buffers" || key === "_nonPersistent") {
      Object.defineProperty(c, key, {
        ...d,
        value: key === "_buffers" ? new Map() : new Set(),
      });
      continue;
    }
    if ("value" in d) d.value = copyValue(d.value, memo);
    Object.defineProperty(c, key, d);
  }
  for (const [name, t] of m._buffers) {
    c.register_buffer(
      name,
      t ? copyTensor(t, memo) : null,
      !m._nonPersistent.has(name),
    );
  }
  return c as M;
}
