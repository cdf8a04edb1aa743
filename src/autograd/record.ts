// Recording: the one call every differentiable op makes after computing its outputs. It links the
// outputs to a new graph node when grad mode is on and an input requires grad.

import type { Tensor } from "../tensor.ts";
import { is_grad_enabled } from "./grad_mode.ts";
import { AccumulateGrad, type BackwardFn, type Edge, Node } from "./node.ts";

/** What an op tells autograd about one call. */
export interface Recording {
  /** PyTorch's node name, e.g. "MulBackward0". */
  name: string;
  /** The op's inputs in order; the backward returns one gradient per entry (undefined for non-tensors). */
  inputs: readonly unknown[];
  /** The op's outputs. */
  outputs: readonly Tensor[];
  /** Tensors the backward reads; they are version-checked when backward runs. */
  save?: readonly Tensor[];
  /** Gradients of the inputs from gradients of the outputs, written with differentiable ops. */
  backward: BackwardFn;
}

let regenerate: ((view: Tensor) => void) | undefined;

/**
 * Installs what remakes a view's `grad_fn` from its base's current one, for views whose base was
 * written in place since (src/ops/core.ts rebaseView: the ops are not autograd's to import).
 */
export function setViewRegenerator(f: (view: Tensor) => void): void {
  regenerate = f;
}

/** The edge a gradient for `t` flows into, or null when `t` needs none. */
export function edgeOf(t: Tensor): Edge | null {
  if (t._base !== null && t._baseNode !== t._base.grad_fn) regenerate?.(t);
  if (t.grad_fn) return { node: t.grad_fn, nr: t._output_nr };
  if (!t._requires_grad) return null;
  t._accumulator ??= new AccumulateGrad(t);
  return { node: t._accumulator, nr: 0 };
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === "object" && x !== null && "grad_fn" in x && "_shape" in x;
}

/** Tensors among an op's inputs, looking one level into lists (cat, stack). */
function tensorsIn(inputs: readonly unknown[]): Tensor[] {
  const out: Tensor[] = [];
  for (const x of inputs) {
    if (isTensor(x)) out.push(x);
    else if (Array.isArray(x)) {
      for (const y of x) if (isTensor(y)) out.push(y);
    }
  }
  return out;
}

/**
 * Records an op call: outputs of an op on a `Variable` stay Variables (PyTorch 0.3 printing), and
 * when grad mode is on and some input requires grad, the outputs get a node whose edges lead to
 * the inputs. List inputs (cat's tensors) flatten into one edge each, in order. (Plain loops: this
 * runs for every op, and its closures and arrays were a tenth of a small op's time.)
 */
export function record(r: Recording): void {
  const { inputs, outputs } = r;
  let variable = false, grad = false, lists = false;
  for (const x of inputs) {
    if (isTensor(x)) {
      variable ||= x._variable;
      grad ||= x.requires_grad;
    } else if (Array.isArray(x)) {
      lists = true;
      for (const y of x) {
        if (isTensor(y)) {
          variable ||= y._variable;
          grad ||= y.requires_grad;
        }
      }
    }
  }
  if (variable || grad) { for (const o of outputs) o._variable = true; }
  if (!grad || !is_grad_enabled()) return;
  let edgeInputs = inputs;
  if (lists) {
    const flat: unknown[] = [];
    for (const x of inputs) {
      if (Array.isArray(x) && x.some(isTensor)) {
        for (const y of x) flat.push(isTensor(y) ? y : undefined);
      } else flat.push(x);
    }
    edgeInputs = flat;
  }
  const next: (Edge | null)[] = [];
  const inputMeta: ({ shape: number[]; dtype: Tensor["dtype"] } | null)[] = [];
  for (const x of edgeInputs) {
    if (isTensor(x)) {
      next.push(edgeOf(x));
      inputMeta.push({ shape: x._shape, dtype: x.dtype });
    } else {
      next.push(null);
      inputMeta.push(null);
    }
  }
  const outputMeta = [];
  for (const o of outputs) {
    outputMeta.push({
      shape: o._shape,
      dtype: o.dtype,
      backend: o.storage.backend,
    });
  }
  const save = r.save ?? [];
  const node = new Node(r.name, next, inputMeta, outputMeta, save, r.backward);
  for (let i = 0; i < outputs.length; i++) {
    outputs[i].grad_fn = node;
    outputs[i]._output_nr = i;
  }
  // Saved outputs (exp, sigmoid save their result) are named after this node in errors.
  for (const t of save) {
    if (outputs.includes(t)) {
      node.describeSaved();
      break;
    }
  }
}

/**
 * For ops without a gradient (comparisons, argmax, ...): outputs of an op on a `Variable` are still
 * Variables, as in PyTorch 0.3, but never require grad.
 */
export function propagate(
  inputs: readonly unknown[],
  outputs: readonly Tensor[],
): void {
  if (tensorsIn(inputs).some((t) => t._variable || t.requires_grad)) {
    for (const o of outputs) {
      o._variable = true;
    }
  }
}
