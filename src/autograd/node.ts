// Graph nodes: one per recorded op (named like PyTorch's, e.g. MulBackward0), edges to the nodes
// of its inputs, and the tensors saved for backward with their versions.

import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";

/** Where a gradient flows: input `nr` of `node`'s outputs (for AccumulateGrad, always 0). */
export interface Edge {
  /** The node the gradient goes to. */
  node: Node;
  /** Which of that node's outputs the gradient belongs to. */
  nr: number;
}

/** Shape and dtype of something a gradient must match. */
export interface Meta {
  /** The sizes. */
  shape: number[];
  /** The dtype. */
  dtype: Tensor["dtype"];
  /** Where the tensor lives (outputs only: zero gradients of unused outputs are made there). */
  backend?: Tensor["storage"]["backend"];
}

/**
 * A tensor saved for backward, with the version it had and what produced it (output `nr` of
 * `node`, for the error; the message itself is only written when it is raised).
 */
interface Saved {
  tensor: Tensor;
  version: number;
  node: Node | null;
  nr: number;
}

const FREED =
  "Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). Saved intermediate values of the graph are freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if you need to access saved tensors after calling backward.";

/** Computes input gradients from output gradients, using the saved tensors. */
export type BackwardFn = (
  grads: Tensor[],
  saved: Tensor[],
) => (Tensor | null | undefined)[];

/**
 * A `grad_fn`: the record of one op in the autograd graph, named as PyTorch names it
 * (`x.mul(2).grad_fn.name()` is `"MulBackward0"`).
 */
export class Node {
  /** Hooks on the gradient of each output (`t.register_hook` on a tensor this node made). */
  hooks: Map<number, Map<number, (g: Tensor) => Tensor | void>> | undefined;
  /** PyTorch's node name, e.g. `"MulBackward0"` or `"AccumulateGrad"`; see `name()`. */
  readonly _name: string;
  /** One entry per op input: the edge its gradient flows to, or null when it needs none. */
  readonly next: (Edge | null)[];
  /** The shape and dtype of each input, to which incoming gradients are reduced and cast. */
  readonly inputMeta: (Meta | null)[];
  /** The shape and dtype of each output, for zero gradients of unused outputs. */
  readonly outputMeta: Meta[];
  /** Tensors that asked for `retain_grad()`, by output number. */
  retained: (Tensor | undefined)[] = [];
  private saved: Saved[] | undefined;
  private readonly hadSaved: boolean;
  private readonly fn: BackwardFn;

  /**
   * Internal: nodes are made by the ops that record them.
   *
   * @ignore
   */
  constructor(
    name: string,
    next: (Edge | null)[],
    inputMeta: (Meta | null)[],
    outputMeta: Meta[],
    saved: readonly Tensor[],
    fn: BackwardFn,
  ) {
    this._name = name;
    this.next = next;
    this.inputMeta = inputMeta;
    this.outputMeta = outputMeta;
    this.fn = fn;
    this.hadSaved = saved.length > 0;
    this.saved = [];
    for (const t of saved) {
      this.saved.push({
        tensor: t,
        version: t._version,
        node: t.grad_fn,
        nr: t._output_nr,
      });
    }
  }

  /** `grad_fn.name()`: PyTorch's node name, `"MulBackward0"`. */
  name(): string {
    return this._name;
  }

  /**
   * `grad_fn.next_functions`: for each input, `[node, output number]` of the node its gradient
   * flows to (a leaf's `AccumulateGrad`), or `[null, 0]` where none flows.
   */
  get next_functions(): [Node | null, number][] {
    return this.next.map((e) => e ? [e.node, e.nr] : [null, 0]);
  }

  /** `<MulBackward0 object>`, as Python's repr without the address. */
  toString(): string {
    return `<${this._name} object>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** Names the producer of each saved tensor again, once the node's own outputs point at it. */
  describeSaved(): void {
    for (const s of this.saved ?? []) {
      s.node = s.tensor.grad_fn;
      s.nr = s.tensor._output_nr;
    }
  }

  /** Whether `t` itself is among the saved tensors. */
  saves(t: Tensor): boolean {
    return (this.saved ?? []).some((s) => s.tensor === t);
  }

  /** Replaces a saved tensor (the old value of a tensor about to be overwritten in place). */
  replaceSaved(target: Tensor, snapshot: Tensor): void {
    for (const s of this.saved ?? []) {
      if (s.tensor === target) s.tensor = snapshot;
    }
  }

  /** The saved tensors, checked against in-place modification since they were saved. */
  unpack(): Tensor[] {
    if (!this.saved) throw new RuntimeError(FREED);
    return this.saved.map((s) => {
      if (s.tensor._version !== s.version) {
        const t = s.tensor;
        throw new RuntimeError(
          `one of the variables needed for gradient computation has been modified by an inplace operation: [${t.type()} [${
            t._shape.join(", ")
          }]]${
            describeOrigin(s)
          } is at version ${t._version}; expected version ${s.version} instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True).`,
        );
      }
      return s.tensor;
    });
  }

  /** Runs the backward function; frees the saved tensors unless the graph is kept. */
  apply(grads: Tensor[], keepGraph: boolean): (Tensor | null | undefined)[] {
    if (this.hadSaved && !this.saved) throw new RuntimeError(FREED);
    const out = this.fn(grads, this.hadSaved ? this.unpack() : []);
    if (!keepGraph) this.saved = undefined;
    return out;
  }
}

function describeOrigin(s: Saved): string {
  return s.node ? `, which is output ${s.nr} of ${s.node._name},` : "";
}

/** The node that accumulates into a leaf's `.grad`. */
export class AccumulateGrad extends Node {
  readonly variable: Tensor;
  constructor(variable: Tensor) {
    super(
      "AccumulateGrad",
      [],
      [],
      [{ shape: variable._shape, dtype: variable.dtype }],
      [],
      () => [],
    );
    this.variable = variable;
  }
}
