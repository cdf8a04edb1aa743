// Python's operators and subscripts on tensors, for REPL input: what `a * b`, `x[0]`, `x -= y`
// become once transform.ts has rewritten them. An operand that is not a tensor keeps JavaScript's
// meaning, so `i < n`, `"loss " + v` and `arr[i]` behave as they always did.

import * as torch from "../mod.ts";
import { Slice } from "../src/ops/views.ts";
import { checkInterrupt } from "../src/interrupt.ts";
import { ARRAY_OPERATORS, np } from "./np.ts";

const { Tensor } = torch;
type Tensor = torch.Tensor;

/** The global the rewritten input calls; hidden from completion. */
export const OPS = "__flambeau_ops";

/** The binary operators rewritten, by their method names. */
export type Binary =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "remainder"
  | "pow"
  | "lt"
  | "le"
  | "gt"
  | "ge";

const isTensor = (v: unknown): v is Tensor => v instanceof Tensor;
const isArray = (v: unknown): v is torch.NDArray => v instanceof torch.NDArray;

/** `a OP b` in JavaScript, for operands that are not tensors. */
const PLAIN: Record<Binary, (a: never, b: never) => unknown> = {
  add: (a: number, b: number) => a + b,
  sub: (a: number, b: number) => a - b,
  mul: (a: number, b: number) => a * b,
  div: (a: number, b: number) => a / b,
  remainder: (a: number, b: number) => a % b,
  pow: (a: number, b: number) => a ** b,
  lt: (a: number, b: number) => a < b,
  le: (a: number, b: number) => a <= b,
  gt: (a: number, b: number) => a > b,
  ge: (a: number, b: number) => a >= b,
};

/** `scalar OP tensor`, Python's reflected operators (`__radd__`, `__rsub__`, ...). */
const REFLECTED: Record<Binary, (t: Tensor, s: unknown) => Tensor> = {
  add: (t, s) => t.add(s as number),
  mul: (t, s) => t.mul(s as number),
  lt: (t, s) => t.gt(s as number),
  le: (t, s) => t.ge(s as number),
  gt: (t, s) => t.lt(s as number),
  ge: (t, s) => t.le(s as number),
  // The scalar becomes a 0-d tensor, which takes part in type promotion as a Python number does.
  sub: (t, s) => scalarLike(s, t).sub(t),
  div: (t, s) => scalarLike(s, t).div(t),
  remainder: (t, s) => scalarLike(s, t).remainder(t),
  pow: (t, s) => scalarLike(s, t).pow(t),
};

function scalarLike(s: unknown, t: Tensor): Tensor {
  return torch.tensor(s as number, { device: t.device });
}

/** `a OP b`: the tensor op when either side is a tensor (and the other not a string). */
export function binary(op: Binary, a: unknown, b: unknown): unknown {
  if (isTensor(a) && typeof b !== "string") {
    return (a[op] as (o: unknown) => Tensor)(b);
  }
  if (isTensor(b) && typeof a !== "string") return REFLECTED[op](b, a);
  // NumPy arrays (t.numpy(), np.ones(5)) get NumPy's operators.
  if (
    (isArray(a) || isArray(b)) && typeof a !== "string" && typeof b !== "string"
  ) {
    return ARRAY_OPERATORS[op](a as never, b as never);
  }
  return PLAIN[op](a as never, b as never);
}

/** `a OP= b`: in place on a tensor, as Python's `__iadd__`; `a OP b` for anything else. */
export function inplace(op: Binary, a: unknown, b: unknown): unknown {
  if (isTensor(a) && typeof b !== "string") {
    const method = a[`${op}_` as keyof Tensor] as (o: unknown) => Tensor;
    return method.call(a, b);
  }
  if (isArray(a) && typeof b !== "string") {
    return ARRAY_OPERATORS[op](a, b as never, { out: a });
  }
  return binary(op, a, b);
}

/** Unary `-a`. */
export function neg(a: unknown): unknown {
  return isTensor(a) ? a.neg() : isArray(a) ? np.negative(a) : -(a as number);
}

/** Is this key one Python would subscript a tensor with (an int, a slice, None, `...`)? */
function isIndex(k: unknown): k is torch.Index {
  return typeof k === "number" || k === null || k instanceof Slice ||
    (typeof k === "string" &&
      /^\s*(?:\.\.\.|-?\d*\s*(?::\s*-?\d*\s*){1,2})$/.test(k));
}

/** The tensor key's meaning: a bool mask selects, an integer tensor picks rows of dim 0. */
function tensorKey(x: Tensor, k: Tensor): Tensor {
  return k.dtype === torch.bool
    ? x.masked_select(k)
    : x.index_select(0, k.flatten());
}

/**
 * `x[i]`, `x[i, j]` (the comma, which JavaScript would evaluate away, is kept as Python's tuple),
 * `x[":", 1]`, `x[mask]`: `x.index(...)` on a tensor; plain property access otherwise.
 */
export function getitem(o: unknown, ...keys: unknown[]): unknown {
  if (isArray(o) && keys.every(isIndex)) {
    // NumPy's a[i]: a Python number for one element, else a view.
    const view = torch.from_numpy(o).index(...keys);
    if (view.dim() > 0) return view.numpy();
    const v = view.item();
    return typeof v === "bigint" ? Number(v) : v;
  }
  if (isTensor(o)) {
    if (keys.length === 1 && isTensor(keys[0])) return tensorKey(o, keys[0]);
    if (keys.length === 1 && Array.isArray(keys[0])) {
      return o.index_select(
        0,
        torch.tensor(keys[0] as number[], { dtype: torch.int64 }),
      );
    }
    if (keys.every(isIndex)) return o.index(...keys);
  }
  return (o as Record<PropertyKey, unknown>)[
    keys[keys.length - 1] as PropertyKey
  ];
}

/** `x[keys] = v`: writes into the selected view of a tensor (`fill_` or `copy_`, broadcasting). */
export function setitem(o: unknown, keys: unknown[], v: unknown): unknown {
  if (isArray(o) && keys.every(isIndex)) {
    const view = torch.from_numpy(o).index(...keys);
    if (isArray(v)) view.copy_(torch.from_numpy(v));
    else view.fill_(v as number);
    return v;
  }
  if (isTensor(o)) {
    if (keys.length > 0 && keys.every(isTensor)) {
      // Advanced indexing (index tensors or a mask): PyTorch's index_put_.
      const values = isTensor(v)
        ? v
        : torch.full([], v as number, { dtype: o.dtype, device: o.device });
      o.index_put_(keys as torch.Tensor[], values);
      return v;
    }
    if (keys.every(isIndex)) {
      const view = o.index(...keys);
      if (isTensor(v)) view.copy_(v);
      else view.fill_(v as number);
      return v;
    }
  }
  (o as Record<PropertyKey, unknown>)[keys[keys.length - 1] as PropertyKey] = v;
  return v;
}

/** `x[keys] OP= b`: Python's `x[k] = x[k].__iop__(b)`. */
export function setitemOp(
  o: unknown,
  keys: unknown[],
  op: Binary,
  b: unknown,
): unknown {
  return setitem(o, keys, inplace(op, getitem(o, ...keys), b));
}

/**
 * `o.name OP= b`: in place when `o.name` is a tensor, so `p.data -= lr * p.grad` works although
 * `data` has no setter; assigned otherwise.
 */
export function setattrOp(
  o: unknown,
  name: string,
  op: Binary,
  b: unknown,
): unknown {
  const obj = o as Record<string, unknown>;
  const before = obj[name];
  const after = inplace(op, before, b);
  if (after !== before) obj[name] = after;
  return after;
}

/** The object the rewritten input finds as `__flambeau_ops`; `tick` starts every loop's body. */
export const ops = {
  binary,
  inplace,
  neg,
  getitem,
  setitem,
  setitemOp,
  setattrOp,
  tick: checkInterrupt,
};
