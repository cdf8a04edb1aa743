// optim.Optimizer: parameter groups, per-parameter state, zero_grad and PyTorch 1.13's state_dict.

import { RuntimeError, ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { enable_grad, no_grad } from "../autograd/grad_mode.ts";
import { zeroGrad } from "../nn/module.ts";

/** A value an optimizer keeps per parameter (`exp_avg`, `step`, `momentum_buffer`, ...). */
export type StateValue = Tensor | number | null;

/** One parameter's optimizer state, as PyTorch's `optimizer.state[p]`. */
export type ParamState = Record<string, StateValue>;

/** A parameter group: its parameters and every hyperparameter, which users may change (`group.lr = 0.1`). */
export type ParamGroup<H extends object = Record<string, unknown>> =
  & H
  & { params: Tensor[]; lr: number; [option: string]: unknown };

/** What a constructor or `add_param_group` accepts for a group: parameters plus any overrides. */
export type ParamGroupInput<H extends object = Record<string, unknown>> =
  & Partial<H>
  & { params: Iterable<Tensor> | Tensor; [option: string]: unknown };

/** The optimizer's parameters: tensors (one group) or param-group objects. */
export type Params<H extends object = Record<string, unknown>> =
  | Iterable<Tensor>
  | Iterable<ParamGroupInput<H>>;

/** `optimizer.state_dict()`: state keyed by parameter index, groups listing indices (PyTorch's layout). */
export interface OptimizerStateDict {
  /** Each parameter's state, keyed by its index across all groups. */
  state: Record<number, ParamState>;
  /** The groups' hyperparameters, with `params` listing indices. */
  param_groups: (Record<string, unknown> & { params: number[] })[];
}

/** PyTorch's `required` marker: a default the user must supply (SGD's lr in 1.13). */
export const required: unique symbol = Symbol("required parameter");

/** The closure `step()` may take: re-evaluates the model and returns the loss. */
export type Closure = () => Tensor | number;

/**
 * The base class of all optimizers: holds `param_groups` (each group's hyperparameters filled in
 * from `defaults`) and `state` (a Map from parameter to its state). Subclasses define `step`.
 * @example
 * const opt = new optim.SGD(net.parameters(), { lr: 0.1 });
 * opt.zero_grad();
 * loss.backward();
 * opt.step();
 * opt.param_groups[0].lr = 0.01;
 */
export abstract class Optimizer<H extends object = Record<string, unknown>> {
  /** The hyperparameters a group gets when it does not set them. */
  defaults: Record<string, unknown>;
  /** Per-parameter state; parameters without state have no entry yet (PyTorch's defaultdict). */
  state: Map<Tensor, ParamState> = new Map();
  /** The parameter groups, each with all its hyperparameters. */
  param_groups: ParamGroup<H>[] = [];
  /** How many times `step()` ran; schedulers read it to warn about calling them first. */
  _step_count = 0;

  /** Builds the groups from `params`, filling in `defaults`; checks as PyTorch does. */
  constructor(params: Params<H>, defaults: H) {
    this.defaults = { ...defaults } as Record<string, unknown>;
    if (params instanceof Tensor) {
      throw new TypeError(
        "params argument given to the optimizer should be an iterable of Tensors or dicts, but got torch.Tensor",
      );
    }
    const list = [...params] as (Tensor | ParamGroupInput<H>)[];
    if (list.length === 0) {
      throw new ValueError("optimizer got an empty parameter list");
    }
    const groups = list[0] instanceof Tensor
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>]
      : list as ParamGroupInput<H>[];
    for (const g of groups) this.add_param_group(g);
  }

  /** One optimization step over every group; with a closure, returns the loss it computed. */
  abstract step(closure?: Closure): Tensor | number | undefined;

  /** Runs the closure with grad enabled, then `update` without recording (PyTorch's step prologue). */
  protected _step(
    closure: Closure | undefined,
    update: (group: ParamGroup<H>) => void,
  ): Tensor | number | undefined {
    this._step_count++;
    const loss = closure ? enable_grad(closure) : undefined;
    no_grad(() => {
      for (const group of this.param_groups) update(group);
    });
    return loss;
  }

  /** The state of parameter p, created empty on first use (`self.state[p]`); for subclasses. */
  _state(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, s = {});
    return s;
  }

  /** `zero_grad({ set_to_none = false })`: zeroes (or, with set_to_none, drops) every gradient. */
  zero_grad(opts: { set_to_none?: boolean } = {}): void {
    for (const group of this.param_groups) {
      for (const p of group.params) zeroGrad(p, opts.set_to_none ?? false);
    }
  }

  /** `add_param_group(group)`: adds parameters with their own hyperparameters (fine-tuning). */
  add_param_group(param_group: ParamGroupInput<H>): void {
    if (
      param_group === null || typeof param_group !== "object" ||
      param_group instanceof Tensor
    ) {
      throw new TypeError("param group must be a dict");
    }
    const raw = param_group.params;
    if (raw instanceof Set) {
      throw new TypeError(
        "optimizer parameters need to be organized in ordered collections, but the ordering of tensors in sets will change between runs. Please use a list instead.",
      );
    }
    const params = raw instanceof Tensor ? [raw] : [...raw];
    for (const p of params) {
      if (!(p instanceof Tensor)) {
        throw new TypeError(
          `optimizer can only optimize Tensors, but one of the params is ${typeof p}`,
        );
      }
      if (!p.is_leaf) throw new ValueError("can't optimize a non-leaf Tensor");
    }
    const group: Record<string, unknown> = { ...param_group, params };
    for (const [name, value] of Object.entries(this.defaults)) {
      if (value === required && !(name in group)) {
        throw new ValueError(
          `parameter group didn't specify a value of required optimization parameter ${name}`,
        );
      }
      if (!(name in group)) group[name] = value;
    }
    if (new Set(params).size !== params.length) {
      console.warn(
        "optimizer contains a parameter group with duplicate parameters; in future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
      );
    }
    const seen = new Set(this.param_groups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) {
      throw new ValueError(
        "some parameters appear in more than one parameter group",
      );
    }
    this.param_groups.push(group as ParamGroup<H>);
  }

  /**
   * `state_dict()`: `{ state, param_groups }` with parameters replaced by their index across all
   * groups. Like PyTorch, the state tensors are the live ones (not copies).
   */
  state_dict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let start = 0;
    const param_groups = this.param_groups.map((g) => {
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== "params") packed[k] = v;
      g.params.forEach((p, i) => {
        if (!index.has(p)) index.set(p, start + i);
      });
      start += g.params.length;
      return { ...packed, params: g.params.map((p) => index.get(p)!) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, param_groups };
  }

  /**
   * `load_state_dict(sd)`: copies of the saved state (floating tensors cast to their parameter's
   * dtype, except `step`) and the saved hyperparameters, matched to this optimizer's parameters
   * by position.
   */
  load_state_dict(state_dict: OptimizerStateDict): void {
    const saved = state_dict.param_groups;
    if (saved.length !== this.param_groups.length) {
      throw new ValueError(
        "loaded state dict has a different number of parameter groups",
      );
    }
    if (
      saved.some((g, i) =>
        g.params.length !== this.param_groups[i].params.length
      )
    ) {
      throw new ValueError(
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
      );
    }
    const idMap = new Map<number, Tensor>();
    saved.forEach((g, i) =>
      g.params.forEach((id, j) => idMap.set(id, this.param_groups[i].params[j]))
    );
    const copy = (p: Tensor, key: string, v: StateValue): StateValue => {
      if (!(v instanceof Tensor)) return v;
      const c = no_grad(() => v.clone());
      return key !== "step" && p.is_floating_point() ? c.to(p.dtype) : c;
    };
    const state = new Map<Tensor, ParamState>();
    for (const [k, s] of Object.entries(state_dict.state)) {
      const p = idMap.get(Number(k));
      if (!p) {
        throw new RuntimeError(
          `loaded state dict has state for parameter ${k}, which no group lists`,
        );
      }
      const entry: ParamState = {};
      for (const [key, v] of Object.entries(s)) entry[key] = copy(p, key, v);
      state.set(p, entry);
    }
    this.state = state;
    this.param_groups = saved.map((g, i) => {
      const group = structuredCopy(g) as Record<string, unknown>;
      group.params = this.param_groups[i].params;
      return group as ParamGroup<H>;
    });
  }

  /** PyTorch's repr: `SGD (\nParameter Group 0\n    dampening: 0\n ...)`, keys sorted. */
  toString(): string {
    let s = `${this.constructor.name} (`;
    this.param_groups.forEach((g, i) => {
      s += `\nParameter Group ${i}\n`;
      for (const k of Object.keys(g).filter((k) => k !== "params").sort()) {
        s += `    ${k}: ${pyRepr(g[k])}\n`;
      }
    });
    return s + ")";
  }

  /** The REPL and console.log print the repr, not a dump of every weight. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

/** A deep copy of plain data (arrays, objects, numbers), as Python's deepcopy of a group dict. */
function structuredCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCopy);
  if (v !== null && typeof v === "object" && !(v instanceof Tensor)) {
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => [k, structuredCopy(x)]),
    );
  }
  return v;
}

function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Array.isArray(v)) return `(${v.map(pyRepr).join(", ")})`;
  // Python writes exponents with at least two digits: 1e-08, not 1e-8.
  if (typeof v === "number") return String(v).replace(/e([+-])(\d)$/, "e$10$2");
  return String(v);
}

/** PyTorch's hyperparameter checks: `Invalid learning rate: -1`. */
export function checkNonNegative(what: string, value: number): void {
  if (!(value >= 0)) throw new ValueError(`Invalid ${what}: ${value}`);
}
