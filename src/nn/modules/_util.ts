// Helpers shared by the layers: Python-style reprs of option values and PyTorch's argument tuples.

import { type DType, get_default_dtype } from "../../dtype.ts";
import { dtypeArg } from "../../ops/core.ts";

/** Python's `repr(float)`: shortest round-trip digits, `1e-05` below 1e-4, a `.0` on integers. */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, e] = x.toExponential().split("e");
  const exp = Number(e);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? "-" : "+"}${
      String(Math.abs(exp)).padStart(2, "0")
    }`;
  }
  const s = String(x);
  return s.includes(".") ? s : `${s}.0`;
}

/** A value as Python's `str.format` shows it: ints, tuples `(2, 2)` / `(3,)`, True/False, None. */
export function py(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return String(v);
  if (Array.isArray(v)) {
    return v.length === 1 ? `(${py(v[0])},)` : `(${v.map(py).join(", ")})`;
  }
  return String(v);
}

/** PyTorch's `_single`/`_pair`: an int repeated n times, or the given tuple. */
export function ntuple(v: number | readonly number[], n: number): number[] {
  return typeof v === "number" ? Array(n).fill(v) : [...v];
}

/** The dtype a layer's parameters take: the option's, else the default dtype. */
export function paramDtype(d: unknown): DType {
  return dtypeArg(d) ?? get_default_dtype();
}
