// The user-facing autograd calls: backward, grad, retain_grad, requires_grad_, Variable, and the
// checks in-place ops make.

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { is_grad_enabled } from "./grad_mode.ts";
import { AccumulateGrad, type Edge } from "./node.ts";
import { run } from "./engine.ts";
import { edgeOf } from "./record.ts";

/** Options of `tensor.backward(gradient, options)`, as PyTorch's keyword arguments. */
export interface BackwardOptions {
  retain_graph?: boolean;
  create_graph?: boolean;
  /** Accumulate only into these tensors. */
  inputs?: Tensor | Tensor[];
}

function rootGrad(t: Tensor, grad: Tensor | undefined, index: number): Tensor {
  if (grad === undefined || grad === null) {
    if (t.numel() !== 1) {
      throw new RuntimeError(
        "grad can be implicitly created only for scalar outputs",
      );
    }
    return Tensor.empty(t._shape, t.dtype, t.storage.backend).fill_(1);
  }
  if (!(grad instanceof Tensor)) {
    throw new TypeError("gradient must be a Tensor");
  }
  if (
    grad._shape.length !== t._shape.length ||
    grad._shape.some((s, i) => s !== t._shape[i])
  ) {
    throw new RuntimeError(
      `Mismatch in shape: grad_output[${index}] has a shape of torch.Size([${
        grad._shape.join(", ")
      }]) and output[${index}] has a shape of torch.Size([${
        t._shape.join(", ")
      }]).`,
    );
  }
  return grad;
}

function rootEdge(t: Tensor, index: number): Edge {
  const e = edgeOf(t);
  if (!e) {
    throw new RuntimeError(
      `element ${index} of tensors does not require grad and does not have a grad_fn`,
    );
  }
  return e;
}

/**
 * `tensor.backward(gradient?, { retain_graph, create_graph, inputs })`: accumulates d(tensor)/d(leaf)
 * into every leaf's `.grad`. A non-scalar tensor needs the gradient of some scalar with respect to it.
 */
export function backward(
  t: Tensor,
  gradient?: Tensor | BackwardOptions,
  opts: BackwardOptions = {},
): void {
  if (gradient !== undefined && !(gradient instanceof Tensor)) {
    [gradient, opts] = [undefined, gradient];
  }
  const createGraph = opts.create_graph ?? false;
  let onlyLeaves: Set<AccumulateGrad> | undefined;
  if (opts.inputs !== undefined) {
    const list = Array.isArray(opts.inputs) ? opts.inputs : [opts.inputs];
    if (list.length === 0) {
      throw new RuntimeError(
        "'inputs' argument to backward() cannot be empty.",
      );
    }
    onlyLeaves = new Set();
    for (const x of list) {
      const e = edgeOf(x);
      if (!e) {
        throw new RuntimeError(
          "One of the differentiated Tensors does not require grad",
        );
      }
      if (e.node instanceof AccumulateGrad) onlyLeaves.add(e.node);
      else retain_grad(x);
    }
  }
  run([{ edge: rootEdge(t, 0), grad: rootGrad(t, gradient, 0) }], {
    keepGraph: opts.retain_graph ?? createGraph,
    createGraph,
    onlyLeaves,
  });
}

/** Options of `torch.autograd.grad`. */
export interface GradOptions {
  grad_outputs?: Tensor | (Tensor | null | undefined)[] | null;
  retain_graph?: boolean;
  create_graph?: boolean;
  allow_unused?: boolean;
}

/**
 * `torch.autograd.grad(outputs, inputs, options)`: the gradients of the outputs with respect to the
 * inputs, returned instead of accumulated into `.grad`.
 * @example const [dx] = torch.autograd.grad(x.pow(2).sum(), [x]); // 2 * x
 */
export function grad(
  outputs: Tensor | Tensor[],
  inputs: Tensor | Tensor[],
  opts: GradOptions = {},
): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = opts.grad_outputs == null
    ? outs.map(() => undefined)
    : Array.isArray(opts.grad_outputs)
    ? opts.grad_outputs
    : [opts.grad_outputs];
  if (gos.length !== outs.length) {
    throw new RuntimeError(
      `grad requires one grad_output per output: got ${gos.length} for ${outs.length} outputs`,
    );
  }
  const captures = ins.map((x) => {
    const e = edgeOf(x);
    if (!e) {
      throw new RuntimeError(
        "One of the differentiated Tensors does not require grad",
      );
    }
    return e;
  });
  const createGraph = opts.create_graph ?? false;
  const result = run(
    outs.map((o, i) => ({
      edge: rootEdge(o, i),
      grad: rootGrad(o, gos[i] ?? undefined, i),
    })),
    { keepGraph: opts.retain_graph ?? createGraph, createGraph, captures },
  );
  return result.map((g) => {
    if (g) return createGraph ? g : g.detach();
    if (!opts.allow_unused) {
      throw new RuntimeError(
        "One of the differentiated Tensors appears to not have been used in the graph. Set allow_unused=True if this is the desired behavior.",
      );
    }
    return null;
  });
}

/** `x.retain_grad()`: a non-leaf keeps its gradient in `.grad` after backward. */
export function retain_grad(t: Tensor): void {
  if (!t.requires_grad) {
    throw new RuntimeError(
      "can't retain_grad on Tensor that has requires_grad=False",
    );
  }
  if (t.grad_fn) t.grad_fn.retained[t._output_nr] = t;
}

/** `x.requires_grad_(flag = true)`: sets a leaf's flag in place and returns it. */
export function requires_grad_(t: Tensor, flag = true): Tensor {
  t.requires_grad = flag;
  return t;
}

/**
 * `torch.autograd.Variable(tensor, { requires_grad })`, PyTorch 0.3's wrapper: since 0.4 it returns a
 * tensor, here one that shares the data and prints `Variable containing:` in the legacy style.
 */
export function Variable(
  data: Tensor,
  opts: { requires_grad?: boolean; volatile?: boolean } = {},
): Tensor {
  if (!(data instanceof Tensor)) {
    throw new TypeError(
      "Variable data has to be a tensor, but got " + typeof data,
    );
  }
  const v = data.detach();
  v._variable = true;
  if (opts.requires_grad) v.requires_grad = true;
  return v;
}

/**
 * Refuses in-place writes that autograd cannot follow, with PyTorch's message where PyTorch refuses
 * too. A write through assignInPlace (`rebases`) on a view, or on a base with views, rebases the
 * history as PyTorch's CopySlices does (src/ops/core.ts); the few writes that record no node are
 * refused there rather than giving wrong gradients.
 */
export function checkInPlace(t: Tensor, rebases = false): void {
  if (!is_grad_enabled()) return;
  if (t.is_leaf && t._requires_grad) {
    throw new RuntimeError(
      "a leaf Variable that requires grad is being used in an in-place operation.",
    );
  }
  const base = t._base;
  if (base && base.is_leaf && base._requires_grad) {
    throw new RuntimeError(
      "a view of a leaf Variable that requires grad is being used in an in-place operation.",
    );
  }
  // A write that records a node (assignInPlace) rebases the graph as PyTorch's CopySlices does;
  // the others would leave the base's gradient blind to it.
  if (
    !rebases &&
    ((base && base.requires_grad) || (t._hasGraphViews && t.requires_grad))
  ) {
    throw new RuntimeError(
      "an in-place operation on a view of a tensor that requires grad (or on a tensor whose views autograd tracks) is not supported yet in flambeau; use the out-of-place op",
    );
  }
}

let nextTensorHook = 0;

/**
 * `t.register_hook(hook)`: hook(grad) runs each time the gradient with respect to t is computed,
 * before it is used (a leaf's before it is accumulated into `.grad`); a returned tensor replaces
 * it. `handle.remove()` unregisters the hook.
 */
export function register_hook(
  t: Tensor,
  hook: (grad: Tensor) => Tensor | void,
): { remove(): void } {
  if (!t.requires_grad) {
    throw new RuntimeError(
      "cannot register a hook on a tensor that doesn't require gradient",
    );
  }
  const node = t.grad_fn ?? (t._accumulator ??= new AccumulateGrad(t));
  const nr = t.grad_fn ? t._output_nr : 0;
  node.hooks ??= new Map();
  let hooks = node.hooks.get(nr);
  if (!hooks) node.hooks.set(nr, hooks = new Map());
  const id = nextTensorHook++;
  hooks.set(id, hook);
  return { remove: () => void hooks!.delete(id) };
}
