// The backward pass: a topological sweep over the graph (iterative, so chains of any length run in
// linear time without recursion), accumulating gradients into leaves or capturing them for grad().

import { RuntimeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { sameShape } from "../shape.ts";
import { enable_grad, is_anomaly_enabled, no_grad } from "./grad_mode.ts";
import { AccumulateGrad, type Edge, type Meta, type Node } from "./node.ts";
import { accumulate, reduceTo } from "./_grad_ops.ts";

export interface RunOptions {
  keepGraph: boolean;
  createGraph: boolean;
  /** For autograd.grad: the edges whose incoming gradient is returned (nothing accumulates). */
  captures?: Edge[];
  /** For backward({ inputs }): only these leaves accumulate. */
  onlyLeaves?: Set<AccumulateGrad>;
}

/** Fits an incoming gradient to what its input expects: undoes broadcasting, matches the dtype. */
function validate(grad: Tensor, meta: Meta, node: Node): Tensor {
  let g = grad;
  if (!sameShape(g._shape, meta.shape)) {
    g = reduceTo(g, meta.shape, () =>
      new RuntimeError(
        `Function ${node._name} returned an invalid gradient at index 0 - got [${
          g._shape.join(", ")
        }] but expected shape compatible with [${meta.shape.join(", ")}]`,
      ));
  }
  return g.dtype === meta.dtype ? g : g.to(meta.dtype);
}

/** Nodes reachable from the roots and how many edges point at each. */
function dependencies(roots: Node[]): Map<Node, number> {
  const deps = new Map<Node, number>();
  const seen = new Set<Node>(roots);
  const stack = [...roots];
  while (stack.length) {
    const n = stack.pop()!;
    for (const e of n.next) {
      if (!e) continue;
      deps.set(e.node, (deps.get(e.node) ?? 0) + 1);
      if (!seen.has(e.node)) {
        seen.add(e.node);
        stack.push(e.node);
      }
    }
  }
  for (const r of roots) if (!deps.has(r)) deps.set(r, 0);
  return deps;
}

/** A topological order of the graph (each node before the nodes its edges point to). */
function topoOrder(roots: Node[], deps: Map<Node, number>): Node[] {
  const left = new Map(deps);
  const ready = roots.filter((r, i) =>
    left.get(r) === 0 && roots.indexOf(r) === i
  );
  const order: Node[] = [];
  while (ready.length) {
    const n = ready.pop()!;
    order.push(n);
    for (const e of n.next) {
      if (!e) continue;
      const d = left.get(e.node)! - 1;
      left.set(e.node, d);
      if (d === 0) ready.push(e.node);
    }
  }
  return order;
}

/**
 * Runs backward from `roots` (node, output number, gradient). Returns the captured gradients, in
 * the order of `opts.captures`.
 */
export function run(
  roots: { edge: Edge; grad: Tensor }[],
  opts: RunOptions,
): (Tensor | null)[] {
  const rootNodes = roots.map((r) => r.edge.node);
  const deps = dependencies(rootNodes);
  const order = topoOrder(rootNodes, deps);
  // With captures, only nodes that lead to a captured edge need to run.
  let needed: Set<Node> | undefined;
  if (opts.captures) {
    needed = new Set();
    const targets = new Set(opts.captures.map((c) => c.node));
    for (let i = order.length - 1; i >= 0; i--) {
      const n = order[i];
      if (n.next.some((e) => e && needed!.has(e.node))) needed.add(n);
      if (targets.has(n)) needed.add(n);
    }
  }
  const buffers = new Map<Node, (Tensor | null)[]>();
  const add = (edge: Edge, g: Tensor) => {
    const buf = buffers.get(edge.node) ?? [];
    buffers.set(edge.node, buf);
    buf[edge.nr] = buf[edge.nr]
      ? accumulate(buf[edge.nr]!, g, opts.createGraph)
      : g;
  };
  for (const r of roots) add(r.edge, r.grad);
  const captured: (Tensor | null)[] = (opts.captures ?? []).map(() => null);
  const scope = opts.createGraph ? enable_grad() : no_grad();
  try {
    for (const node of order) {
      const grads = buffers.get(node) ?? [];
      buffers.delete(node);
      // Tensor hooks see (and may replace) the gradient before anything uses it.
      node.hooks?.forEach((hooks, nr) => {
        for (const hook of hooks.values()) {
          if (!grads[nr]) break;
          const r = hook(grads[nr]!);
          if (r !== undefined && r !== null) grads[nr] = r;
        }
      });
      opts.captures?.forEach((c, i) => {
        if (c.node === node && grads[c.nr]) captured[i] = grads[c.nr]!;
      });
      node.retained.forEach((t, nr) => {
        if (t && grads[nr]) {
          t.grad = t.grad
            ? accumulate(t.grad, grads[nr]!, opts.createGraph)
            : detachFor(grads[nr]!, opts);
        }
      });
      if (needed && !needed.has(node)) continue;
      if (node instanceof AccumulateGrad) {
        if (
          !opts.captures && (!opts.onlyLeaves || opts.onlyLeaves.has(node)) &&
          grads[0]
        ) {
          const v = node.variable;
          v.grad = v.grad
            ? accumulate(v.grad, grads[0], opts.createGraph)
            : detachFor(grads[0], opts);
        }
        continue;
      }
      if (grads.every((g) => !g)) continue;
      const full = node.outputMeta.map((m, i) => grads[i] ?? zerosFor(m));
      const inputGrads = node.apply(full, opts.keepGraph);
      if (is_anomaly_enabled()) {
        inputGrads.forEach((g, i) => {
          if (g && no_grad(() => g.isnan().any().item())) {
            throw new RuntimeError(
              `Function '${node.name()}' returned nan values in its ${i}th output.`,
            );
          }
        });
      }
      node.next.forEach((e, i) => {
        const g = inputGrads[i];
        if (!e || !g) return;
        add(e, validate(g, node.inputMeta[i]!, node));
      });
    }
  } finally {
    scope.restore();
  }
  return captured;
}

function detachFor(g: Tensor, opts: RunOptions): Tensor {
  const out = opts.createGraph ? g : g.detach().clone();
  out._variable = true;
  return out;
}

/** The gradient of an output nobody used: zeros (fresh memory is zero-filled). */
function zerosFor(m: Meta): Tensor {
  return Tensor.empty(m.shape, m.dtype, m.backend);
}
