// Python signatures, declared once per public callable: the text is parsed at load time to bind
// calls exactly as Python binds them, and at compile time to give the TypeScript call forms.
//
// A declaration is Python's parameter list with light types:
//   "(input: Tensor, dim0: int, dim1: int)"
//   "(optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1, verbose: bool = False)"
//   "(input: Tensor, dim: int|int[], keepdim: bool = False, *, dtype: dtype? = None)"
//   "(self: Tensor, *size: int|int[])"
// Parameters are separated by ", " (so a default or type never holds ", "); `*` starts the
// keyword-only ones; `T?` admits None; `A|B` either; `T[]` a list. Every parameter may be given
// positionally (in order) or by name in one trailing options object, as Python allows; keyword-only
// ones only by name. An overloaded callable declares several lists, tried in order as PyTorch's
// argument parser does.
//
// Here: declaring, wrapping and the registry. The text's parsing and runtime types are in
// signature/text.ts, binding in signature/bind.ts, the TypeScript call forms in signature/types.ts.

import { bindCall } from "./signature/bind.ts";
import { type Emit, parseParams, type Signature } from "./signature/text.ts";
import type { Signed, SignedClass } from "./signature/types.ts";

export { bindCall } from "./signature/bind.ts";
export {
  admits,
  type Emit,
  type Param,
  parseParams,
  pyTypeName,
  type Signature,
} from "./signature/text.ts";
export type {
  ArgsOf,
  DropFirst,
  MethodOf,
  Signed,
  SignedClass,
  SigTypes,
} from "./signature/types.ts";

/** The symbol under which a bound callable carries its Signature. */
export const SIGNATURE: unique symbol = Symbol.for("flambeau.signature");
/** The symbol under which a bound function carries the implementation it binds for. */
export const IMPL: unique symbol = Symbol.for("flambeau.impl");

/** Every declaration, by qualified name: what the generated test walks. */
export const registry: Map<string, Signature> = new Map();

// ---------------------------------------------------------------------------------------------
// Declaring and wrapping.

/** Builds (and registers) a Signature from its declared texts. */
export function declare(
  qualname: string,
  texts: string | readonly string[],
  options: { emit?: Emit; isClass?: boolean; name?: string } = {},
): Signature {
  const list = typeof texts === "string" ? [texts] : texts;
  const short = qualname.slice(qualname.lastIndexOf(".") + 1);
  const sig: Signature = {
    name: options.name ??
      (options.isClass ? `${short}.__init__` : short),
    qualname,
    texts: list,
    overloads: list.map(parseParams),
    emit: options.emit ?? "options",
    isClass: options.isClass ?? false,
  };
  registry.set(qualname, sig);
  return sig;
}

/** The Signature a callable was bound with, if any. */
export function signatureOf(f: unknown): Signature | undefined {
  if (typeof f !== "function") return undefined;
  return (f as unknown as { [SIGNATURE]?: Signature })[SIGNATURE];
}

/**
 * `impl` behind its declared signature: the call is bound, checked and handed to impl in the form
 * the declaration's Emit says. The TypeScript type is the call forms the text allows.
 */
export function signed<const S extends string | readonly string[], R>(
  qualname: string,
  texts: S,
  // deno-lint-ignore no-explicit-any
  impl: (...args: any[]) => R,
  options: { emit?: Emit } = {},
): Signed<S, R> {
  const sig = declare(qualname, texts, options);
  const f = function (this: unknown, ...args: unknown[]): R {
    return impl.apply(this, bindCall(sig, args));
  };
  Object.defineProperty(f, "name", { value: impl.name || sig.name });
  Object.defineProperty(f, SIGNATURE, { value: sig });
  Object.defineProperty(f, IMPL, { value: impl });
  return f as unknown as Signed<S, R>;
}

/**
 * A class behind its declared constructor signature: `new` binds the arguments (and so does a
 * subclass's `super(...)`); `instanceof`, statics and the prototype are the class's own.
 */
export function signedClass<
  const S extends string | readonly string[],
  // deno-lint-ignore no-explicit-any
  C extends abstract new (...args: any[]) => any,
>(
  qualname: string,
  texts: S,
  cls: C,
  options: { emit?: Emit } = {},
): SignedClass<S, C> {
  const sig = declare(qualname, texts, { ...options, isClass: true });
  return new Proxy(cls, {
    construct(target, args, newTarget) {
      return Reflect.construct(target, bindCall(sig, args), newTarget);
    },
    get(target, key, receiver) {
      if (key === SIGNATURE) return sig;
      return Reflect.get(target, key, receiver);
    },
  }) as unknown as SignedClass<S, C>;
}

/** A table entry: the text (or overloads), or with the Emit its implementation needs. */
export type Decl =
  | string
  | readonly string[]
  | { readonly sig: string | readonly string[]; readonly emit: Emit };

/** The declared text(s) of a table entry. */
export type TextOf<D> = D extends { sig: infer S } ? S : D;

function unpack(d: Decl): [string | readonly string[], Emit | undefined] {
  return typeof d === "string" || Array.isArray(d)
    ? [d as string | readonly string[], undefined]
    : [(d as { sig: string }).sig, (d as { emit: Emit }).emit];
}

/** What signAll gives: each declared name typed by its declaration and its implementation's result. */
export type SignedTable<
  D extends Record<string, Decl>,
  // deno-lint-ignore no-explicit-any
  I extends { [K in keyof D]: (...args: any[]) => unknown },
> = { [K in keyof D]: Signed<TextOf<D[K]>, ReturnType<I[K]>> };

/** What signClasses gives: each declared class typed by its constructor's declaration. */
export type SignedClassTable<
  D extends Record<string, Decl>,
  // deno-lint-ignore no-explicit-any
  I extends { [K in keyof D]: abstract new (...args: any[]) => any },
> = { [K in keyof D]: SignedClass<TextOf<D[K]>, I[K]> };

/**
 * One table of declarations bound to one table of implementations: `prefix.name` for each entry,
 * typed by its declaration (returning what the implementation returns).
 */
export function signAll<
  const D extends Record<string, Decl>,
  // deno-lint-ignore no-explicit-any
  I extends { [K in keyof D]: (...args: any[]) => unknown },
>(
  prefix: string,
  decls: D,
  impls: I,
): SignedTable<D, I> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(decls)) {
    const [texts, emit] = unpack(d);
    out[name] = signed(`${prefix}.${name}`, texts, impls[name], { emit });
  }
  return out as SignedTable<D, I>;
}

/**
 * `impl` bound through its declaration but keeping its own TypeScript type: for implementations
 * whose overloads say more than one return type can (`max` gives a tensor or values and indices).
 */
// deno-lint-ignore no-explicit-any
export function signedAs<F extends (...args: any[]) => unknown>(
  qualname: string,
  decl: Decl,
  impl: F,
): F {
  const [texts, emit] = unpack(decl);
  return signed(qualname, texts, impl, { emit }) as unknown as F;
}

/** One table of constructor declarations bound to the classes: `prefix.Name` for each entry. */
export function signClasses<
  const D extends Record<string, Decl>,
  // deno-lint-ignore no-explicit-any
  I extends { [K in keyof D]: abstract new (...args: any[]) => any },
>(
  prefix: string,
  decls: D,
  impls: I,
): SignedClassTable<D, I> {
  const out: Record<string, unknown> = {};
  for (const [name, d] of Object.entries(decls)) {
    const [texts, emit] = unpack(d);
    out[name] = signedClass(`${prefix}.${name}`, texts, impls[name], { emit });
  }
  return out as SignedClassTable<D, I>;
}

/** A class bound through its declaration but keeping its own TypeScript type (a generic class). */
// deno-lint-ignore no-explicit-any
export function signedClassAs<C extends abstract new (...args: any[]) => any>(
  qualname: string,
  decl: Decl,
  cls: C,
): C {
  const [texts, emit] = unpack(decl);
  return signedClass(qualname, texts, cls, { emit }) as unknown as C;
}

/**
 * Binds methods in place where a class defines or inherits them: for each entry (whose declaration
 * starts with `self`), the prototype in the class's chain that owns the method gets a bound one,
 * `prefix.Owner.name` in the registry; methods already bound, and names the class lacks, are left.
 * The method keeps its code and its TypeScript type. `adapters` maps a bound call to the method's
 * own form where the two differ.
 */
export function bindMethods(
  // deno-lint-ignore no-explicit-any
  cls: abstract new (...args: any[]) => any,
  prefix: string,
  decls: Record<string, Decl>,
  adapters: Record<string, (this: never, ...args: never[]) => unknown> = {},
): void {
  for (const [name, d] of Object.entries(decls)) {
    let owner: Record<string, unknown> | null = cls.prototype;
    while (owner && !Object.prototype.hasOwnProperty.call(owner, name)) {
      owner = Object.getPrototypeOf(owner);
    }
    if (!owner || owner === Object.prototype) continue;
    const own = owner[name] as (...a: unknown[]) => unknown;
    if (typeof own !== "function" || signatureOf(own)) continue;
    const [texts, emit] = unpack(d);
    const ownerName = (owner.constructor as { name: string }).name;
    const sig = declare(`${prefix}.${ownerName}.${name}`, texts, {
      emit: emit ?? "positional",
      name: `${ownerName}.${name}`,
    });
    const call = (adapters[name] ?? own) as (...a: unknown[]) => unknown;
    const m = function (this: unknown, ...args: unknown[]) {
      args.unshift(this);
      const bound = bindCall(sig, args);
      return call.apply(bound[0], bound.slice(1));
    };
    Object.defineProperty(m, "name", { value: name });
    Object.defineProperty(m, SIGNATURE, { value: sig });
    Object.defineProperty(owner, name, {
      value: m,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
