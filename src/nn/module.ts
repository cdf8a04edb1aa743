// nn.Module: callable modules whose parameters, buffers and submodules are found by reflecting
// over their own properties (JavaScript keeps insertion order, so the class body's order is
// PyTorch's registration order), with PyTorch's traversal, state_dict and repr.

import { DType, toDType } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import type { DeviceLike } from "../device.ts";
import { Tensor } from "../tensor.ts";
import { get_printoptions } from "../print/mod.ts";
import { is_grad_enabled, no_grad } from "../autograd/grad_mode.ts";
import { Function, type FunctionCtx } from "../autograd/function.ts";
import { Parameter } from "./parameter.ts";

type Hook = (module: Module, input: unknown[], output: unknown) => unknown;
type PreHook = (module: Module, input: unknown[]) => unknown;
type Grads = (Tensor | null)[];
type BackwardHook = (
  module: Module,
  grad_input: Grads,
  grad_output: Grads,
) => Grads | null | undefined | void;

/** What `register_forward_hook` returns: `handle.remove()` unregisters the hook. */
export interface RemovableHandle {
  remove(): void;
}

/** The result of `load_state_dict`: keys that did not line up (empty unless `strict: false`). */
export interface IncompatibleKeys {
  missing_keys: string[];
  unexpected_keys: string[];
}

/** A state dict: names like `conv1.weight` to tensors, in PyTorch's order. */
export type StateDict = Record<string, Tensor>;

// Every module instance is a function (so `net(x)` runs forward); TypeScript learns it here.
export interface Module {
  // deno-lint-ignore no-explicit-any
  (...args: any[]): any;
}

/**
 * The base class of all layers and models. Subclasses assign parameters and submodules as
 * properties and define `forward`; calling the module runs forward and its hooks.
 * @example
 * class Net extends nn.Module {
 *   fc = new nn.Linear(4, 2);
 *   forward(x: torch.Tensor) { return this.fc(x); }
 * }
 */
export class Module {
  /** Training mode (`train()` / `eval()`), which Dropout and BatchNorm follow. */
  declare training: boolean;
  declare _buffers: Map<string, Tensor | null>;
  declare _nonPersistent: Set<string>;
  declare _forwardHooks: Map<number, Hook>;
  declare _forwardPreHooks: Map<number, PreHook>;
  declare _backwardHooks: Map<number, BackwardHook>;

  constructor() {
    const self =
      ((...args: unknown[]) => self._call(args)) as unknown as Module;
    Object.setPrototypeOf(self, new.target.prototype);
    const hidden = (value: unknown) => ({
      value,
      writable: true,
      enumerable: false,
      configurable: true,
    });
    Object.defineProperties(self, {
      training: hidden(true),
      _buffers: hidden(new Map()),
      _nonPersistent: hidden(new Set()),
      _forwardHooks: hidden(new Map()),
      _forwardPreHooks: hidden(new Map()),
      _backwardHooks: hidden(new Map()),
    });
    return self;
  }

  // `forward` is deliberately not declared here: a subclass's `forward` is then not an override,
  // so the tutorial's classes type-check as PyTorch users write them (no `override` keyword).
  _call(args: unknown[]): unknown {
    const forward =
      (this as unknown as { forward?: (...a: unknown[]) => unknown }).forward;
    if (typeof forward !== "function") {
      throw new RuntimeError(
        `Module [${this.constructor.name}] is missing the required "forward" function`,
      );
    }
    for (const hook of this._forwardPreHooks.values()) {
      // A pre-hook may replace the input: a tuple replaces all, one value the only one.
      const replaced = hook(this, args);
      if (replaced !== undefined) {
        args = Array.isArray(replaced) ? replaced : [replaced];
      }
    }
    let out = this._backwardHooks.size > 0 && is_grad_enabled()
      ? this._withBackwardHooks(forward, args)
      : forward.apply(this, args);
    for (const hook of this._forwardHooks.values()) {
      const replaced = hook(this, args, out);
      if (replaced !== undefined) out = replaced;
    }
    return out;
  }

  /** `register_forward_hook(hook)`: hook(module, input, output) runs after forward; a return value replaces the output. */
  register_forward_hook(hook: Hook): RemovableHandle {
    const id = nextHookId++;
    this._forwardHooks.set(id, hook);
    return { remove: () => void this._forwardHooks.delete(id) };
  }

  /**
   * `register_full_backward_hook(hook)`: hook(module, grad_input, grad_output) runs when the
   * gradients with respect to the module's tensor inputs are computed; a returned list replaces
   * grad_input. grad_output holds the gradients of the module's tensor outputs.
   */
  register_full_backward_hook(hook: BackwardHook): RemovableHandle {
    const id = nextHookId++;
    this._backwardHooks.set(id, hook);
    return { remove: () => void this._backwardHooks.delete(id) };
  }

  /**
   * forward between two identity autograd functions, as PyTorch's BackwardHook does: the one on
   * the outputs keeps their gradients, the one on the inputs hands both to the hooks.
   */
  _withBackwardHooks(
    forward: (...a: unknown[]) => unknown,
    args: unknown[],
  ): unknown {
    let gradOutputs: Grads = [];
    const where = args.flatMap((a, i) => (a instanceof Tensor ? [i] : []));
    const fire = (gradInputs: Grads): Grads => {
      for (const hook of this._backwardHooks.values()) {
        const r = hook(this, gradInputs, gradOutputs);
        if (r === null || r === undefined) continue;
        if (!Array.isArray(r) || r.length !== gradInputs.length) {
          throw new RuntimeError(
            `Backward hook returned an invalid number of grad_input, got ${
              Array.isArray(r) ? r.length : 1
            }, but expected ${gradInputs.length}`,
          );
        }
        gradInputs = r;
      }
      return gradInputs;
    };
    const inputsNeedGrad = where.some((i) => (args[i] as Tensor).requires_grad);
    /** An identity over tensors whose backward calls `onGrads` with their gradients. */
    const identity = (xs: Tensor[], onGrads: (g: Grads) => Grads) => {
      class BackwardHookFunction extends Function {
        static override forward(ctx: FunctionCtx, ...ts: Tensor[]) {
          ctx.mark_non_differentiable(...ts.filter((t) => !t.requires_grad));
          return ts;
        }
        static override backward(_ctx: FunctionCtx, ...grads: Grads) {
          return onGrads(grads);
        }
      }
      return BackwardHookFunction.apply(...xs) as unknown as Tensor[];
    };
    if (inputsNeedGrad) {
      const wrapped = identity(where.map((i) => args[i] as Tensor), fire);
      args = [...args];
      where.forEach((i, k) => (args[i] = wrapped[k]));
    }
    const out = forward.apply(this, args);
    const outs = Array.isArray(out) ? [...out] : [out];
    const at = outs.flatMap((o, i) =>
      o instanceof Tensor && o.requires_grad ? [i] : []
    );
    if (at.length === 0) return out;
    const wrapped = identity(at.map((i) => outs[i] as Tensor), (grads) => {
      gradOutputs = grads;
      // No input needs a gradient: the hooks run now, with none for the inputs (as in PyTorch).
      if (!inputsNeedGrad) fire(where.map(() => null));
      return grads;
    });
    at.forEach((i, k) => (outs[i] = wrapped[k]));
    return Array.isArray(out) ? outs : outs[0];
  }

  /**
   * `register_forward_pre_hook(hook)`: hook(module, input) runs before forward; a return value
   * replaces the input (a tuple the whole input, anything else the single argument).
   */
  register_forward_pre_hook(hook: PreHook): RemovableHandle {
    const id = nextHookId++;
    this._forwardPreHooks.set(id, hook);
    return { remove: () => void this._forwardPreHooks.delete(id) };
  }

  /** `register_buffer(name, tensor, persistent = true)`: state that is saved but not learned (running means). */
  register_buffer(
    name: string,
    tensor: Tensor | null,
    persistent = true,
  ): void {
    if (name.includes(".")) {
      throw new KeyError(`buffer name can't contain ".", got: ${name}`);
    }
    if (name in this && !this._buffers.has(name)) {
      throw new KeyError(`attribute '${name}' already exists`);
    }
    this._buffers.set(name, tensor);
    if (!persistent) this._nonPersistent.add(name);
    Object.defineProperty(this, name, {
      get: () => this._buffers.get(name),
      set: (t: Tensor | null) => this._buffers.set(name, t),
      enumerable: false,
      configurable: true,
    });
  }

  /** `register_parameter(name, param)`. */
  register_parameter(name: string, param: Parameter | null): void {
    if (param !== null && !(param instanceof Parameter)) {
      throw new TypeError(
        `cannot assign '${
          typeName(param)
        }' object to parameter '${name}' (torch.nn.Parameter or None required)`,
      );
    }
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /** `add_module(name, module)` (also `register_module`). */
  add_module(name: string, module: Module | null): void {
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  register_module(name: string, module: Module | null): void {
    this.add_module(name, module);
  }

  /** Own parameters, in registration order. */
  _ownParameters(): [string, Parameter][] {
    return Object.entries(this).filter((e): e is [string, Parameter] =>
      e[1] instanceof Parameter
    );
  }

  /** Own buffers, in registration order. */
  _ownBuffers(): [string, Tensor][] {
    return [...this._buffers].filter((e): e is [string, Tensor] =>
      e[1] instanceof Tensor
    );
  }

  /** `named_children()`: direct submodules, in registration order. */
  *named_children(): Generator<[string, Module]> {
    const seen = new Set<Module>();
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        yield [k, v];
      }
    }
  }

  *children(): Generator<Module> {
    for (const [, m] of this.named_children()) yield m;
  }

  /** `named_modules()`: this module and every descendant (each once), depth first. */
  *named_modules(
    memo: Set<Module> = new Set<Module>(),
    prefix = "",
  ): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, child] of this.named_children()) {
      yield* child.named_modules(memo, prefix ? `${prefix}.${name}` : name);
    }
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.named_modules()) yield m;
  }

  private *namedMembers(
    own: (m: Module) => [string, Tensor][],
    prefix: string,
    recurse: boolean,
  ): Generator<[string, Tensor]> {
    const seen = new Set<Tensor>();
    const mods = recurse
      ? this.named_modules(new Set(), prefix)
      : [[prefix, this] as [string, Module]];
    for (const [mp, m] of mods) {
      for (const [k, v] of own(m)) {
        if (seen.has(v)) continue;
        seen.add(v);
        yield [mp ? `${mp}.${k}` : k, v];
      }
    }
  }

  /** `named_parameters(prefix = "", recurse = true)`: each parameter once, PyTorch's order. */
  *named_parameters(
    prefix = "",
    recurse = true,
  ): Generator<[string, Parameter]> {
    yield* this.namedMembers(
      (m) => m._ownParameters(),
      prefix,
      recurse,
    ) as Generator<[string, Parameter]>;
  }

  /** `parameters(recurse = true)`: what an optimizer takes. */
  *parameters(recurse = true): Generator<Parameter> {
    for (const [, p] of this.named_parameters("", recurse)) yield p;
  }

  *named_buffers(prefix = "", recurse = true): Generator<[string, Tensor]> {
    yield* this.namedMembers((m) => m._ownBuffers(), prefix, recurse);
  }

  *buffers(recurse = true): Generator<Tensor> {
    for (const [, b] of this.named_buffers("", recurse)) yield b;
  }

  /** `train(mode = true)`: training mode for this module and all below it. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  /** `eval()`: the same as `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** `zero_grad({ set_to_none = false })` (PyTorch 1.13's default): zeroes every parameter's grad. */
  zero_grad(opts: { set_to_none?: boolean } = {}): void {
    for (const p of this.parameters()) zeroGrad(p, opts.set_to_none ?? false);
  }

  /** `requires_grad_(flag = true)` on every parameter. */
  requires_grad_(flag = true): this {
    for (const p of this.parameters()) p.requires_grad_(flag);
    return this;
  }

  /** `apply(fn)`: fn on every submodule (children first), then on this module. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * `to(dtype)` / `to(device)`: floating parameters and buffers converted in place (the
   * Parameter objects stay the same, so optimizers keep working).
   */
  to(
    target: DType | string | { dtype?: DType | string; device?: DeviceLike },
  ): this {
    let opts: { dtype?: DType | string; device?: DeviceLike };
    if (target instanceof DType) opts = { dtype: target };
    else if (typeof target === "string") {
      opts = isDtypeName(target) ? { dtype: target } : { device: target };
    } else opts = target;
    const device = opts.device;
    const dtype = opts.dtype === undefined ? undefined : toDType(opts.dtype);
    if (dtype && !dtype.is_floating_point) {
      throw new TypeError(
        `nn.Module.to only accepts floating point dtypes, but got desired dtype=${dtype}`,
      );
    }
    // Floating tensors take the dtype; every tensor takes the device.
    const move = (t: Tensor) =>
      t.to({
        dtype: dtype && t.is_floating_point() ? dtype : t.dtype,
        ...(device === undefined ? {} : { device }),
      });
    no_grad(() => {
      for (const m of this.modules()) {
        for (const [, p] of m._ownParameters()) {
          p.data = move(p.data);
          // The gradient follows its parameter, as in PyTorch's Module._apply.
          if (p.grad) p.grad = move(p.grad);
        }
        for (const [k, b] of m._ownBuffers()) m._buffers.set(k, move(b));
      }
    });
    return this;
  }

  /** `cuda()`: parameters and buffers moved to the WebGPU device (`"cuda"` is its alias). */
  cuda(): this {
    return this.to({ device: "cuda" });
  }

  double(): this {
    return this.to("float64");
  }

  float(): this {
    return this.to("float32");
  }

  half(): this {
    return this.to("float16");
  }

  /** `module.bfloat16()`: floating parameters and buffers cast to bfloat16. */
  bfloat16(): this {
    return this.to("bfloat16");
  }

  cpu(): this {
    return this.to({ device: "cpu" });
  }

  /** `state_dict()`: parameters and persistent buffers, detached, keyed by dotted names. */
  state_dict(opts: { prefix?: string; keep_vars?: boolean } = {}): StateDict {
    const out: StateDict = {};
    for (
      const [mp, m] of this.named_modules(
        new Set(),
        opts.prefix?.replace(/\.$/, "") ?? "",
      )
    ) {
      const key = (k: string) => (mp ? `${mp}.${k}` : k);
      for (const [k, p] of m._ownParameters()) {
        out[key(k)] = opts.keep_vars ? p : p.detach();
      }
      for (const [k, b] of m._ownBuffers()) {
        if (!m._nonPersistent.has(k)) {
          out[key(k)] = opts.keep_vars ? b : b.detach();
        }
      }
    }
    return out;
  }

  /**
   * `load_state_dict(sd, { strict = true })`: copies values into the existing parameters and
   * buffers; with strict, missing or unexpected keys raise PyTorch's error.
   */
  load_state_dict(
    stateDict: StateDict | Map<string, Tensor>,
    opts: { strict?: boolean } = {},
  ): IncompatibleKeys {
    const strict = opts.strict ?? true;
    const given = stateDict instanceof Map
      ? Object.fromEntries(stateDict)
      : stateDict;
    const own = this.state_dict({ keep_vars: true });
    const missing = Object.keys(own).filter((k) => !(k in given));
    const unexpected = Object.keys(given).filter((k) => !(k in own));
    const errors: string[] = [];
    for (const [k, target] of Object.entries(own)) {
      const src = given[k];
      if (!src) continue;
      if (!(src instanceof Tensor)) {
        errors.push(
          `While copying the parameter named "${k}", expected torch.Tensor or Tensor-like object from checkpoint but received ${typeof src}`,
        );
        continue;
      }
      if (
        src._shape.length !== target._shape.length ||
        src._shape.some((s, i) => s !== target._shape[i])
      ) {
        errors.push(
          `size mismatch for ${k}: copying a param with shape torch.Size([${
            src._shape.join(", ")
          }]) from checkpoint, the shape in current model is torch.Size([${
            target._shape.join(", ")
          }]).`,
        );
      }
    }
    if (strict) {
      if (unexpected.length) {
        errors.unshift(
          `Unexpected key(s) in state_dict: ${
            unexpected.map((k) => `"${k}"`).join(", ")
          }. `,
        );
      }
      if (missing.length) {
        errors.unshift(
          `Missing key(s) in state_dict: ${
            missing.map((k) => `"${k}"`).join(", ")
          }. `,
        );
      }
    }
    if (errors.length) {
      throw new RuntimeError(
        `Error(s) in loading state_dict for ${this.constructor.name}:\n\t${
          errors.join("\n\t")
        }`,
      );
    }
    no_grad(() => {
      for (const [k, target] of Object.entries(own)) {
        if (given[k]) target.copy_(given[k]);
      }
    });
    return {
      missing_keys: strict ? [] : missing,
      unexpected_keys: strict ? [] : unexpected,
    };
  }

  /** The arguments a layer shows in its repr, e.g. `1, 6, kernel_size=(5, 5), stride=(1, 1)`. */
  extra_repr(): string {
    return "";
  }

  /** PyTorch 0.3's repr of a leaf layer, where it differed from today's (`Linear (400 -> 120)`). */
  legacy_repr(): string | undefined {
    return undefined;
  }

  /** PyTorch's repr: the modern layout, or 0.3's in the legacy print style. */
  toString(): string {
    return get_printoptions().style === "legacy"
      ? this.legacyString()
      : this.modernString();
  }

  private modernString(): string {
    const extra = this.extra_repr();
    const lines = extra ? extra.split("\n") : [];
    for (const [name, child] of this.named_children()) {
      lines.push(`(${name}): ${indent(child.modernString(), 2)}`);
    }
    const name = this.constructor.name;
    if (lines.length === 0) return `${name}()`;
    if (
      lines.length === 1 && !extra.includes("\n") &&
      [...this.named_children()].length === 0
    ) return `${name}(${extra})`;
    return `${name}(\n  ${lines.join("\n  ")}\n)`;
  }

  private legacyString(): string {
    const children = [...this.named_children()];
    if (children.length === 0) return this.legacy_repr() ?? this.modernString();
    const lines = children.map(([name, child]) =>
      `  (${name}): ${indent(child.legacyString(), 2)}`
    );
    return `${this.constructor.name} (\n${lines.join("\n")}\n)`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

let nextHookId = 0;

/** PyTorch's `KeyError`. */
export class KeyError extends Error {
  override name = "KeyError";
}

function indent(s: string, n: number): string {
  return s.split("\n").join("\n" + " ".repeat(n));
}

function typeName(v: unknown): string {
  return v === null
    ? "None"
    : typeof v === "object"
    ? (v as object).constructor.name
    : typeof v;
}

function isDtypeName(s: string): boolean {
  try {
    toDType(s);
    return true;
  } catch {
    return false;
  }
}

/** Zeroes one parameter's gradient in place, or drops it (set_to_none). */
export function zeroGrad(p: Tensor, setToNone: boolean): void {
  if (!p.grad) return;
  if (setToNone) p.grad = null;
  else {
    if (p.grad.grad_fn) p.grad = p.grad.detach();
    else p.grad.requires_grad_(false);
    no_grad(() => p.grad!.zero_());
  }
}
