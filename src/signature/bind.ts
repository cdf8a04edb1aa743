// Binding a call to its declaration as Python binds it, and handing it on in the form the
// implementation takes (Emit); PyTorch's TypeError when no overload binds.

import {
  type FastShape,
  isPlain,
  type Param,
  pyTypeName,
  type Signature,
} from "./text.ts";

/** What binding found: the values by name (only those supplied), or why it failed. */
type Bound =
  | { ok: true; values: Map<string, unknown>; varArgs: unknown[] }
  | { ok: false; message: string; badType?: boolean };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function namesList(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  return q.length === 1
    ? q[0]
    : q.length === 2
    ? `${q[0]} and ${q[1]}`
    : `${q.slice(0, -1).join(", ")}, and ${q[q.length - 1]}`;
}

/** The trailing options object of a call, or undefined when the last argument is a value. */
function optionsOf(params: Param[], args: readonly unknown[]) {
  const last = args[args.length - 1];
  if (!isPlain(last)) return undefined;
  // A plain object in a slot that takes a dict (a state_dict) is that value, unless its keys are
  // all parameter names.
  const slot = params.filter((p) => p.kind !== "keyword")[args.length - 1];
  if (slot && /\b(dict|any|object)\b/.test(slot.type)) {
    const keys = Object.keys(last);
    if (
      keys.length === 0 || keys.some((k) => !params.some((p) => p.name === k))
    ) {
      return undefined;
    }
  }
  return last;
}

function bindOne(
  sig: Signature,
  params: Param[],
  args: readonly unknown[],
): Bound {
  const fn = `${sig.name}()`;
  const opts = optionsOf(params, args);
  const nPos = opts === undefined ? args.length : args.length - 1;
  const positional = params.filter((p) => p.kind === "positional");
  const varParam = params.find((p) => p.kind === "var");
  const values = new Map<string, unknown>();
  const varArgs: unknown[] = [];
  const self = sig.isClass ? 1 : 0;
  if (nPos > positional.length && !varParam) {
    const lo = positional.filter((p) => p.required).length + self;
    const hi = positional.length + self;
    return {
      ok: false,
      message: `${fn} takes ${
        lo === hi ? hi : `from ${lo} to ${hi}`
      } positional argument${hi === 1 ? "" : "s"} but ${nPos + self} ${
        nPos + self === 1 ? "was" : "were"
      } given`,
    };
  }
  for (let i = 0; i < nPos; i++) {
    if (i < positional.length) {
      if (args[i] !== undefined) values.set(positional[i].name, args[i]);
    } else varArgs.push(args[i]);
  }
  if (opts) {
    for (const [k, v] of Object.entries(opts)) {
      const p = params.find((q) => q.name === k && q.kind !== "var");
      if (!p) {
        return {
          ok: false,
          message: `${fn} got an unexpected keyword argument '${k}'`,
        };
      }
      if (positional.indexOf(p) >= 0 && positional.indexOf(p) < nPos) {
        return {
          ok: false,
          message: `${fn} got multiple values for argument '${k}'`,
        };
      }
      if (v !== undefined) values.set(k, v);
    }
  }
  for (const kind of ["positional", "keyword"] as const) {
    const missing = params.filter((p) =>
      p.kind === kind && p.required && !values.has(p.name)
    ).map((p) => p.name);
    if (missing.length > 0) {
      return {
        ok: false,
        message: `${fn} missing ${missing.length} required ${
          kind === "keyword" ? "keyword-only" : "positional"
        } ${plural(missing.length, "argument").slice(2)}: ${
          namesList(missing)
        }`,
      };
    }
  }
  for (const p of params) {
    if (p.kind === "var") {
      for (const v of varArgs) {
        if (!p.check(v)) return typeError(fn, p, v, -1);
      }
      continue;
    }
    if (!values.has(p.name)) continue;
    const v = values.get(p.name);
    if (!p.check(v)) {
      return typeError(fn, p, v, positional.indexOf(p));
    }
  }
  return { ok: true, values, varArgs };
}

function typeError(fn: string, p: Param, v: unknown, position: number): Bound {
  return {
    ok: false,
    badType: true,
    message: `${fn}: argument '${p.name}'${
      position >= 0 ? ` (position ${position + 1})` : ""
    } must be ${p.type.replaceAll("|", " or ")}, not ${pyTypeName(v)}`,
  };
}

function describeCall(args: readonly unknown[], params: Param[]): string {
  const opts = optionsOf(params, args);
  const pos = (opts === undefined ? args : args.slice(0, -1)).map(pyTypeName);
  const kws = Object.entries(opts ?? {}).map(([k, v]) =>
    `${k}=${pyTypeName(v)}`
  );
  return `(${[...pos, ...kws].join(", ")})`;
}

/**
 * Binds a call's arguments to a declaration as Python would, and returns the arguments in the
 * form the implementation takes (see Emit). Throws PyTorch's TypeError when no overload binds.
 */
export function bindCall(sig: Signature, args: readonly unknown[]): unknown[] {
  if (sig.overloads.length === 1 && fastPath(sig, sig.overloads[0], args)) {
    return args as unknown[];
  }
  let first = "";
  for (const params of sig.overloads) {
    const b = bindOne(sig, params, args);
    if (b.ok) return emit(sig, params, b.values, b.varArgs);
    first ||= b.message;
  }
  if (sig.overloads.length === 1) throw new TypeError(first);
  throw new TypeError(
    `${sig.name}() received an invalid combination of arguments - got ${
      describeCall(args, sig.overloads[0])
    }, but expected one of:\n${sig.texts.map((t) => ` * ${t}\n`).join("")}`,
  );
}

/**
 * The common call, checked without building anything: every argument positional, within the
 * positional parameters the implementation takes positionally, none missing, each of its type.
 */
function fastPath(
  sig: Signature,
  params: Param[],
  args: readonly unknown[],
): boolean {
  const n = args.length;
  if (n > 0 && isPlain(args[n - 1])) return false;
  const shape = sig.fast ??= fastShape(sig, params);
  if (n > shape.limit) return false;
  for (let i = 0; i < shape.positional; i++) {
    const p = params[i], v = args[i];
    if (v === undefined) {
      if (p.required) return false;
    } else if (!p.check(v)) return false;
  }
  return !shape.keywordRequired;
}

function fastShape(sig: Signature, params: Param[]): FastShape {
  let positional = 0;
  for (const p of params) {
    if (p.kind !== "positional") break;
    positional++;
  }
  const limit = sig.emit === "positional"
    ? positional
    : sig.emit === "options"
    ? params.filter((p) => p.kind === "positional" && p.required).length
    : sig.emit;
  return {
    positional,
    limit: Math.min(positional, limit),
    keywordRequired: params.some((p) => p.kind === "keyword" && p.required),
  };
}

function emit(
  sig: Signature,
  params: Param[],
  values: Map<string, unknown>,
  varArgs: unknown[],
): unknown[] {
  const positional = params.filter((p) => p.kind === "positional");
  const n = sig.emit === "positional"
    ? positional.length
    : sig.emit === "options"
    ? positional.filter((p) => p.required).length
    : sig.emit;
  let last = -1;
  positional.forEach((p, i) => {
    if (i < n && values.has(p.name)) last = i;
  });
  const out: unknown[] = [];
  for (let i = 0; i <= last; i++) {
    const p = positional[i];
    out.push(values.has(p.name) ? values.get(p.name) : p.default);
  }
  out.push(...varArgs);
  let opts: Record<string, unknown> | undefined;
  for (const p of params) {
    const by = p.kind === "keyword" ||
      (p.kind === "positional" && positional.indexOf(p) >= n);
    if (by && values.has(p.name)) (opts ??= {})[p.name] = values.get(p.name);
  }
  if (opts) out.push(opts);
  return out;
}
