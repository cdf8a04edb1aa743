// torch.autograd.Function: an op a user defines with a static forward and a static backward,
// called through `apply`, recorded in the graph as one node named `<ClassName>Backward` (as in
// PyTorch). Saved tensors are version-checked like any op's.

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { is_grad_enabled, no_grad } from "./grad_mode.ts";
import { record } from "./record.ts";

/** What forward and backward share: saved tensors, which inputs need a gradient, marks. */
export class FunctionCtx {
  /** One boolean per forward argument: whether its gradient is needed. */
  needs_input_grad: boolean[] = [];
  /** Outputs that get no gradient (indices, masks). */
  readonly _nonDifferentiable: Set<Tensor> = new Set();
  /** Inputs forward modified in place. */
  readonly _dirty: Set<Tensor> = new Set();
  _saved: Tensor[] = [];
  /** Filled in by apply: the saved tensors as the node holds them (version-checked). */
  _savedFromNode: (() => Tensor[]) | undefined;
  /** Whether output gradients of unused outputs arrive as zeros (PyTorch's default) or null. */
  materialize_grads: boolean = true;
  [key: string]: unknown;

  /** `ctx.save_for_backward(*tensors)`: tensors backward will read (null allowed). */
  save_for_backward(...tensors: (Tensor | null | undefined)[]): void {
    for (const t of tensors) {
      if (t !== null && t !== undefined && !(t instanceof Tensor)) {
        throw new TypeError(
          "save_for_backward can only save variables, but argument is not a tensor",
        );
      }
    }
    this._saved = tensors as Tensor[];
  }

  /** `ctx.saved_tensors`: what forward saved, checked against in-place changes since. */
  get saved_tensors(): Tensor[] {
    return this._savedFromNode ? this._savedFromNode() : this._saved;
  }

  /** `ctx.mark_non_differentiable(*outputs)`: these outputs do not require grad. */
  mark_non_differentiable(...outputs: Tensor[]): void {
    for (const o of outputs) this._nonDifferentiable.add(o);
  }

  /** `ctx.mark_dirty(*inputs)`: forward changed these inputs in place (and returns them). */
  mark_dirty(...inputs: Tensor[]): void {
    for (const i of inputs) this._dirty.add(i);
  }

  /** `ctx.set_materialize_grads(value)`: whether unused outputs' gradients are zeros or null. */
  set_materialize_grads(value: boolean): void {
    this.materialize_grads = value;
  }
}

type Static = {
  name: string;
  forward(ctx: FunctionCtx, ...args: unknown[]): unknown;
  backward(ctx: FunctionCtx, ...grads: (Tensor | null)[]): unknown;
};

function applyFunction(cls: Static, args: unknown[]): unknown {
  const ctx = new FunctionCtx();
  ctx.needs_input_grad = args.map((a) =>
    a instanceof Tensor && a.requires_grad
  );
  const raw = no_grad(() => cls.forward(ctx, ...args));
  for (const t of ctx._dirty) {
    if (t.is_leaf && t.requires_grad) {
      throw new RuntimeError(
        "a leaf Variable that requires grad has been used in an in-place operation.",
      );
    }
  }
  const tuple = Array.isArray(raw);
  const outs = (tuple ? raw : [raw]) as unknown[];
  // An output that is an input (returned as is, without mark_dirty) is a new view of it in PyTorch.
  const tensors = outs.map((o) =>
    o instanceof Tensor && args.includes(o) && !ctx._dirty.has(o)
      ? o.view_as(o)
      : o
  );
  const differentiable = tensors.filter((o): o is Tensor =>
    o instanceof Tensor && !ctx._nonDifferentiable.has(o)
  );
  const inputs = args;
  const saved = ctx._saved.filter((t) => t instanceof Tensor);
  if (
    is_grad_enabled() &&
    args.some((a) => a instanceof Tensor && a.requires_grad)
  ) {
    for (const o of differentiable) {
      if (!o.dtype.is_floating_point) {
        throw new RuntimeError(
          "only Tensors of floating point dtype can require gradients",
        );
      }
    }
  }
  record({
    name: `${cls.name}Backward`,
    inputs,
    outputs: differentiable,
    save: saved,
    backward: (grads, kept) => {
      ctx._savedFromNode = () =>
        ctx._saved.map((
          t,
        ) => (t instanceof Tensor ? kept[saved.indexOf(t)] : t));
      const given = ctx.materialize_grads ? grads : grads.map((g) => g ?? null);
      const raw = cls.backward(ctx, ...given);
      const list =
        (Array.isArray(raw) ? raw : [raw]) as (Tensor | null | undefined)[];
      const expected = args.length;
      // Trailing nulls beyond the inputs are allowed, as in PyTorch.
      if (
        list.length < expected || list.slice(expected).some((g) => g != null)
      ) {
        throw new RuntimeError(
          `function ${cls.name}Backward returned an incorrect number of gradients (expected ${expected}, got ${list.length})`,
        );
      }
      return args.map((a, i) => {
        const g = list[i];
        if (!(a instanceof Tensor) || g === null || g === undefined) {
          return undefined;
        }
        if (!(g instanceof Tensor)) {
          throw new TypeError(
            `function ${cls.name}Backward returned a gradient different than None at position ${
              i + 1
            }, but the corresponding forward input was not a Variable`,
          );
        }
        return g;
      });
    },
  });
  return tuple ? tensors : tensors[0];
}

/**
 * `torch.autograd.Function`: subclass it with `static forward(ctx, ...args)` and
 * `static backward(ctx, ...grads)`, and call `MyFn.apply(...args)` (also detached:
 * `const f = MyFn.apply; f(x)`, as Python's bound classmethod).
 *
 * @example
 * class Exp extends torch.autograd.Function {
 *   static forward(ctx, x) { const y = x.exp(); ctx.save_for_backward(y); return y; }
 *   static backward(ctx, g) { const [y] = ctx.saved_tensors; return g.mul(y); }
 * }
 * const y = Exp.apply(torch.ones(2, { requires_grad: true }));
 */
export class Function {
  /** Override: computes the outputs from the inputs (grad mode off), saving what backward needs. */
  static forward(_ctx: FunctionCtx, ..._args: unknown[]): unknown {
    throw new RuntimeError(
      "You must implement the forward function for custom autograd.Function.",
    );
  }

  /** Override: the inputs' gradients (one per forward argument, null where none) from the outputs'. */
  static backward(_ctx: FunctionCtx, ..._grads: (Tensor | null)[]): unknown {
    throw new RuntimeError(
      "You must implement either the backward or vjp method for your custom autograd.Function to use it with backward mode AD.",
    );
  }

  /** `MyFn.apply(*args)`: runs forward and records backward; works detached from the class too. */
  // deno-lint-ignore no-explicit-any
  static get apply(): (...args: any[]) => any {
    const cls = this as unknown as Static;
    return (...args: unknown[]) => applyFunction(cls, args);
  }
}
