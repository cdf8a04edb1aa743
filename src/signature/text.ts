// A declared signature's text read at load time: the parameters, their defaults, and the
// predicates of their types (see src/signature.ts for the notation).

import { Tensor } from "../tensor.ts";
import { DType } from "../dtype.ts";

/** One declared parameter. */
export interface Param {
  name: string;
  /** The declared type text: "int", "Tensor?", "int|int[]". */
  type: string;
  /** positional-or-keyword, keyword-only, or `*args`. */
  kind: "positional" | "keyword" | "var";
  /** No default: the call must supply it. */
  required: boolean;
  /** The JavaScript value of the Python default (None is undefined). */
  default: unknown;
  /** Whether a value is of the declared type. */
  check: (v: unknown) => boolean;
}

/**
 * How the bound call reaches the implementation: the first n positional-or-keyword parameters in
 * order up to the last one supplied (a gap takes its default), `*args` after them, then every other
 * supplied parameter in one options object. `positional`: n is all of them; `options` (the
 * default): n is the required ones; a number gives n.
 */
export type Emit = "positional" | "options" | number;

/** A callable's declaration, as the registry and the generated test see it. */
export interface Signature {
  /** Python's name for messages: `transpose`, `StepLR.__init__`. */
  name: string;
  /** Where it lives: `torch.transpose`, `torch.optim.lr_scheduler.StepLR`, `Tensor.transpose`. */
  qualname: string;
  /** The declared texts, one per overload. */
  texts: readonly string[];
  overloads: Param[][];
  emit: Emit;
  /** A constructor: Python counts `self` among the positional arguments of its messages. */
  isClass: boolean;
  /** Computed on first call: what the all-positional fast path checks. */
  fast?: FastShape;
}

export interface FastShape {
  /** Leading positional-or-keyword parameters. */
  positional: number;
  /** How many arguments can reach the implementation unchanged. */
  limit: number;
  keywordRequired: boolean;
}

// ---------------------------------------------------------------------------------------------
// Parsing.

function pyDefault(text: string): unknown {
  const t = text.trim();
  if (t === "None" || t === "required") return undefined;
  if (t === "True") return true;
  if (t === "False") return false;
  if (t === "inf") return Infinity;
  if (t === "-inf") return -Infinity;
  if (/^['"].*['"]$/.test(t)) return t.slice(1, -1);
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t)) return Number(t);
  if (/^[([].*[)\]]$/.test(t)) {
    const inner = t.slice(1, -1).trim();
    return inner === "" ? [] : inner.split(",").filter((s) => s.trim() !== "")
      .map(pyDefault);
  }
  throw new Error(`signature: cannot read the default ${t}`);
}

/** Parses one declared parameter list. */
export function parseParams(text: string): Param[] {
  const t = text.trim();
  if (!t.startsWith("(") || !t.endsWith(")")) {
    throw new Error(`signature: expected "(...)", got ${text}`);
  }
  const body = t.slice(1, -1).trim();
  if (body === "") return [];
  const out: Param[] = [];
  let keywordOnly = false;
  for (const part of body.split(", ")) {
    if (part === "*") {
      keywordOnly = true;
      continue;
    }
    const m = /^(\*?)([A-Za-z_]\w*): ([^=]+?)(?: = (.+))?$/.exec(part);
    if (!m) throw new Error(`signature: cannot read the parameter ${part}`);
    const [, star, name, type, def] = m;
    if (star) keywordOnly = true;
    out.push({
      name,
      type,
      kind: star ? "var" : keywordOnly ? "keyword" : "positional",
      required: !star && def === undefined,
      default: def === undefined ? undefined : pyDefault(def),
      check: checker(type),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Runtime types: each declared type name and the values it admits.

const isInt = (v: unknown) =>
  (typeof v === "number" && Number.isInteger(v)) || typeof v === "bigint";
export const isPlain = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" &&
  Object.getPrototypeOf(v) === Object.prototype;
const isIterable = (v: unknown) =>
  v !== null && typeof v === "object" && Symbol.iterator in v;

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  int: isInt,
  float: (v) => typeof v === "number" || typeof v === "bigint",
  bool: (v) => typeof v === "boolean",
  Number: (v) =>
    typeof v === "number" || typeof v === "boolean" || typeof v === "bigint",
  str: (v) => typeof v === "string",
  Tensor: (v) => v instanceof Tensor,
  dtype: (v) =>
    v instanceof DType || typeof v === "string" ||
    (typeof v === "function" && "dtype" in v),
  // A device string or a torch.device-like object (whose `type` is a string; a tensor's is a method).
  device: (v) =>
    typeof v === "string" ||
    (v !== null && typeof v === "object" &&
      typeof (v as { type?: unknown }).type === "string"),
  callable: (v) => typeof v === "function",
  dict: isPlain,
  iterable: isIterable,
  // The optimizers check their params themselves, with PyTorch's message.
  params: (v) => v !== null && v !== undefined,
  object: (v) => v !== null && typeof v === "object",
  any: () => true,
};

type Check = (v: unknown) => boolean;
const compiled = new Map<string, Check>();

function compile(type: string): Check {
  if (type.includes("|")) {
    const alts = type.split("|").map(checker);
    if (alts.length === 2) {
      const [a, b] = alts;
      return (v) => a(v) || b(v);
    }
    return (v) => alts.some((c) => c(v));
  }
  if (type.endsWith("?")) {
    const inner = checker(type.slice(0, -1));
    return (v) => v === null || v === undefined || inner(v);
  }
  if (type.endsWith("[]")) {
    const el = checker(type.slice(0, -2));
    return (v) => Array.isArray(v) && v.every(el);
  }
  // Names the table lacks (a class) admit any value but None.
  return TYPE_CHECKS[type] ?? ((v) => v !== null && v !== undefined);
}

/** The predicate of a declared type, compiled once. */
export function checker(type: string): Check {
  let c = compiled.get(type);
  if (!c) compiled.set(type, c = compile(type));
  return c;
}

/** Whether a value is of a declared type. */
export function admits(type: string, v: unknown): boolean {
  return checker(type)(v);
}

/** Python's name for a value's type, for messages. */
export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return "NoneType";
  if (typeof v === "number") return Number.isInteger(v) ? "int" : "float";
  if (typeof v === "bigint") return "int";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "string") return "str";
  if (typeof v === "function") return "function";
  if (v instanceof Tensor) return "Tensor";
  if (Array.isArray(v)) return "list";
  if (isPlain(v)) return "dict";
  return (v as object).constructor?.name ?? "object";
}
