// Containers: Sequential, ModuleList and ModuleDict (children kept as own properties "0", "1", ...).

import { IndexError } from "../../errors.ts";
import { KeyError, Module } from "../module.ts";

function defineLength(m: Module, count: (self: Module) => number): void {
  // A module is a function, whose own `length` would otherwise shadow a getter. The getter reads
  // its receiver, so that a deep copy (nn/copy.ts) that takes the property counts its own children.
  Object.defineProperty(m, "length", {
    get(this: Module) {
      return count(this);
    },
    configurable: true,
  });
}

function childList(m: Module): Module[] {
  return Object.values(m).filter((v): v is Module => v instanceof Module);
}

function wrapIndex(i: number, n: number, what: string): number {
  const j = i < 0 ? i + n : i;
  if (!Number.isInteger(j) || j < 0 || j >= n) {
    throw new IndexError(`index ${i} is out of range`);
  }
  void what;
  return j;
}

/**
 * `nn.Sequential(...modules)` or `nn.Sequential({ name: module, ... })`: runs its children in
 * order, each on the previous one's output.
 * @example const net = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
 */
export class Sequential extends Module {
  declare readonly length: number;
  [index: number]: Module;

  constructor(...modules: (Module | Record<string, Module>)[]) {
    super();
    if (
      modules.length === 1 && !(modules[0] instanceof Module) &&
      typeof modules[0] === "object"
    ) {
      for (const [k, m] of Object.entries(modules[0])) this.add_module(k, m);
    } else {
      (modules as Module[]).forEach((m, i) => this.add_module(String(i), m));
    }
    defineLength(this, (self) => childList(self).length);
  }

  /** `seq[i]` in Python: the i-th module (negative counts from the end). */
  get(i: number): Module {
    const list = childList(this);
    return list[wrapIndex(i, list.length, "Sequential")];
  }

  /** `seq.append(module)`. */
  append(module: Module): this {
    this.add_module(String(childList(this).length), module);
    return this;
  }

  [Symbol.iterator](): Iterator<Module> {
    return childList(this)[Symbol.iterator]();
  }

  forward(input: unknown): unknown {
    let x = input;
    for (const m of childList(this)) x = m(x);
    return x;
  }
}

/**
 * `nn.ModuleList(modules = [])`: a list of submodules whose parameters the parent sees.
 * @example class Net extends nn.Module { layers = new nn.ModuleList([new nn.Linear(2, 2)]); }
 */
export class ModuleList extends Module {
  declare readonly length: number;
  [index: number]: Module;

  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
    defineLength(this, (self) => childList(self).length);
  }

  /** `list[i]`. */
  get(i: number): Module {
    const list = childList(this);
    return list[wrapIndex(i, list.length, "ModuleList")];
  }

  /** `list[i] = module`. */
  set(i: number, module: Module): void {
    const list = childList(this);
    this.add_module(String(wrapIndex(i, list.length, "ModuleList")), module);
  }

  /** `list.append(module)`. */
  append(module: Module): this {
    this.add_module(String(childList(this).length), module);
    return this;
  }

  /** `list.extend(modules)`. */
  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** `list.insert(index, module)`: later modules move up one place. */
  insert(index: number, module: Module): void {
    const list = childList(this);
    const at = Math.max(
      0,
      Math.min(list.length, index < 0 ? index + list.length : index),
    );
    list.splice(at, 0, module);
    list.forEach((m, i) => this.add_module(String(i), m));
  }

  [Symbol.iterator](): Iterator<Module> {
    return childList(this)[Symbol.iterator]();
  }
}

/**
 * `nn.ModuleDict(modules = {})`: submodules by name, in insertion order.
 * @example const heads = new nn.ModuleDict({ cls: new nn.Linear(8, 3), box: new nn.Linear(8, 4) });
 */
export class ModuleDict extends Module {
  declare readonly length: number;

  constructor(
    modules: Record<string, Module> | Iterable<[string, Module]> = {},
  ) {
    super();
    this.update(modules);
    defineLength(this, (self) => (self as ModuleDict).keys().length);
  }

  /** `dict[key]`. */
  get(key: string): Module {
    const m = (this as unknown as Record<string, unknown>)[key];
    if (!(m instanceof Module)) throw new KeyError(key);
    return m;
  }

  /** `dict[key] = module`. */
  set(key: string, module: Module): void {
    this.add_module(key, module);
  }

  /** `key in dict`. */
  has(key: string): boolean {
    return this.keys().includes(key);
  }

  /** `dict.pop(key)`: removes and returns the module. */
  pop(key: string): Module {
    const m = this.get(key);
    delete (this as unknown as Record<string, unknown>)[key];
    return m;
  }

  keys(): string[] {
    return [...this.named_children()].map(([k]) => k);
  }

  values(): Module[] {
    return [...this.named_children()].map(([, m]) => m);
  }

  items(): [string, Module][] {
    return [...this.named_children()];
  }

  /** `dict.update(modules)`. */
  update(modules: Record<string, Module> | Iterable<[string, Module]>): void {
    const entries = Symbol.iterator in modules
      ? [...(modules as Iterable<[string, Module]>)]
      : Object.entries(modules);
    for (const [k, m] of entries) this.add_module(k, m);
  }

  [Symbol.iterator](): Iterator<string> {
    return this.keys()[Symbol.iterator]();
  }
}
