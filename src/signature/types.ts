// The declared texts read by the type checker: every call form Python accepts, and no other.

import type { Tensor } from "../tensor.ts";
import type { DType, DTypeName } from "../dtype.ts";
import type { Generator } from "../random/generator.ts";
import type { Module } from "../nn/module.ts";
import type { Optimizer, Params } from "../optim/optimizer.ts";

/** The TypeScript type of each declared type name (types named elsewhere are `unknown` here). */
export interface SigTypes {
  int: number;
  float: number;
  bool: boolean;
  Number: number | boolean;
  str: string;
  Tensor: Tensor;
  dtype: DType | DTypeName | string;
  device: string | { type: string };
  callable: (...args: never[]) => unknown;
  dict: Record<string, unknown>;
  iterable: Iterable<unknown>;
  object: object;
  any: unknown;
  Generator: Generator;
  Module: Module;
  // deno-lint-ignore no-explicit-any
  Optimizer: Optimizer<any>;
  params: Params;
}

type TypeOf<T extends string> = T extends `${infer A}|${infer B}`
  ? TypeOf<A> | TypeOf<B>
  : T extends `${infer A}?` ? TypeOf<A> | null | undefined
  : T extends `${infer A}[]` ? TypeOf<A>[]
  : T extends keyof SigTypes ? SigTypes[T]
  : unknown;

type Split<S extends string> = S extends "" ? []
  : S extends `${infer H}, ${infer T}` ? [H, ...Split<T>]
  : [S];

interface P<
  N extends string = string,
  T = unknown,
  O extends boolean = boolean,
> {
  name: N;
  type: T;
  optional: O;
}

type ParamOf<S extends string> = S extends `${infer N}: ${infer T} = ${string}`
  ? P<N, TypeOf<T>, true>
  : S extends `${infer N}: ${infer T}` ? P<N, TypeOf<T>, false>
  : never;

/** Positional-or-keyword params, the var param's element type, keyword-only params. */
type Parts<
  L extends string[],
  Pos extends P[] = [],
  Var = never,
  Kw extends P[] = [],
  Star extends boolean = false,
> = L extends [infer H extends string, ...infer T extends string[]]
  ? H extends "*" ? Parts<T, Pos, Var, Kw, true>
  : H extends `*${infer V}` ? Parts<T, Pos, ParamOf<V>["type"], Kw, true>
  : Star extends true ? Parts<T, Pos, Var, [...Kw, ParamOf<H>], Star>
  : Parts<T, [...Pos, ParamOf<H>], Var, Kw, Star>
  : { pos: Pos; var: Var; kw: Kw };

type Simplify<T> = { [K in keyof T]: T[K] };

/** An options object holding the given params: required ones required. */
type Opts<L extends P[]> = Simplify<
  & {
    [Q in L[number] as Q["optional"] extends true ? never : Q["name"]]:
      Q["type"];
  }
  & {
    [Q in L[number] as Q["optional"] extends true ? Q["name"] : never]?:
      Q["type"];
  }
>;

type AllOptional<L extends P[]> = false extends L[number]["optional"] ? false
  : true;

/** The positional prefix of a form: optional where a default exists. */
type Prefix<L extends P[]> = L extends
  [...infer I extends P[], infer Last extends P]
  ? Last["optional"] extends true ? [...Prefix<I>, Last["type"]?]
  : [...Prefix<I>, Last["type"]]
  : [];

type WithOpts<Pre extends unknown[], Rest extends P[]> = Rest extends []
  ? Pre | [...Pre, Record<string, never>]
  : AllOptional<Rest> extends true ? Pre | [...Pre, Opts<Rest>]
  : [...Pre, Opts<Rest>];

/** Every split of the positional params into a given prefix and the rest by name. */
type Forms<
  Pos extends P[],
  Kw extends P[],
  Done extends P[] = [],
> = Pos extends [infer H extends P, ...infer T extends P[]]
  ? WithOpts<Prefix<Done>, [...Pos, ...Kw]> | Forms<T, Kw, [...Done, H]>
  : WithOpts<Prefix<Done>, Kw>;

type VarForms<Pos extends P[], V, Kw extends P[]> =
  | [...Prefix<Pos>, ...V[]]
  | [...Prefix<Pos>, ...V[], Opts<Kw>];

type Inner<S extends string> = S extends `(${infer B})` ? B : never;

/** The argument lists one declared text allows. */
export type ArgsOf<S extends string> = Parts<Split<Inner<S>>> extends
  { pos: infer Pos extends P[]; var: infer V; kw: infer Kw extends P[] }
  ? [V] extends [never] ? Forms<Pos, Kw> : VarForms<Pos, V, Kw>
  : never;

/** Drops the first parameter (the tensor of a method, `self`). */
export type DropFirst<A> = A extends [unknown, ...infer R] ? R
  : A extends [unknown?, ...infer R] ? R
  : never;

type Each<S> = S extends string ? ArgsOf<S>
  : S extends readonly [infer H extends string, ...infer T]
    ? ArgsOf<H> | Each<T>
  : never;

type StripFirst<S> = S extends `(${string}, ${infer R})` ? `(${R})`
  : S extends `(${string})` ? "()"
  : never;
type EachStripped<S> = S extends string ? StripFirst<S>
  : S extends readonly [infer H, ...infer T]
    ? [StripFirst<H>, ...EachStripped<T>]
  : [];

/** A method typed by its function's declaration without the first parameter (the tensor). */
export type MethodOf<S, R> = Signed<EachStripped<S>, R>;

/** A function typed by its declaration: every Python call form, returning R. */
export type Signed<S, R> = (...args: Each<S>) => R;

/** A class typed by its constructor's declaration. */
// deno-lint-ignore no-explicit-any
export type SignedClass<S, C extends abstract new (...args: any[]) => any> =
  & (C extends new (...args: never[]) => unknown
    ? { new (...args: Each<S>): InstanceType<C> }
    : abstract new (...args: Each<S>) => InstanceType<C>)
  & { prototype: InstanceType<C> }
  & Omit<C, "prototype">;
