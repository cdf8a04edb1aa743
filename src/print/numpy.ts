// NumPy's printing of arrays (precision 8, linewidth 75, threshold 1000, edgeitems 3), for what
// `t.numpy()` returns: `repr` as the Python prompt echoes an array, `str` as `print(a)` writes it.
// Two looks, as NumPy's `legacy` option has them: NumPy 1.13's (`[ 1.  2.]`, what the PyTorch 0.3
// tutorials printed), and today's (`[1. 2.]`). tests/fixtures/gen_numpy_print.py checks both
// against NumPy.

import { exactExpDigits, exactFixed } from "./pyformat.ts";

/** What the printer needs of an array: its memory, sizes, strides and offset (in elements), dtype. */
export type ArrayView = {
  data: ArrayLike<number | bigint>;
  shape: readonly number[];
  strides: readonly number[];
  offset: number;
  dtype: string;
};

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 8;

/** The dtypes NumPy leaves out of a repr: its defaults for floats, ints and bools. */
const IMPLIED = new Set(["float64", "int64", "bool"]);

type Value = number | bigint | boolean;

function read(a: ArrayView, index: number[]): Value {
  let at = a.offset;
  for (let i = 0; i < index.length; i++) {
    const k = index[i] < 0 ? index[i] + a.shape[i] : index[i];
    at += k * a.strides[i];
  }
  const v = a.data[at];
  return a.dtype === "bool" ? v !== 0 : v;
}

/** The elements the printout shows: all of them, or the edges of each dim of a summarised array. */
function shown(a: ArrayView, summarise: boolean): Value[] {
  const out: Value[] = [];
  const walk = (index: number[]) => {
    const d = index.length;
    if (d === a.shape.length) return void out.push(read(a, index));
    const n = a.shape[d];
    const ks = summarise && n > 2 * EDGE
      ? [0, 1, 2, n - 3, n - 2, n - 1]
      : Array.from({ length: n }, (_, i) => i);
    for (const k of ks) walk([...index, k]);
  };
  walk([]);
  return out;
}

/** The shortest decimal digits that read back as x in its own float type, as "d.ddde±x". */
function shortest(x: number, float32: boolean): string {
  if (!float32) return x.toExponential();
  for (let p = 1; p < 9; p++) {
    const s = x.toExponential(p - 1);
    if (Math.fround(Number(s)) === x) return s;
  }
  return x.toExponential(8);
}

/** Splits "d.ddde±x" into its digits (no point) and decimal exponent. */
function digitsOf(s: string): [string, number] {
  const [mant, exp] = s.split("e");
  return [mant.replace(".", "").replace("-", ""), Number(exp)];
}

/** Positional, unique digits, at most PRECISION of them after the point, trailing zeros trimmed. */
function positional(x: number, float32: boolean): string {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const ax = Math.abs(x);
  const [digits, e] = digitsOf(shortest(ax, float32));
  let int: string, frac: string;
  if (ax === 0) [int, frac] = ["0", ""];
  else if (digits.length - 1 - e > PRECISION) {
    [int, frac] = exactFixed(ax, PRECISION).split(".");
  } else if (e >= 0) {
    int = digits.slice(0, e + 1).padEnd(e + 1, "0");
    frac = digits.slice(e + 1);
  } else {
    int = "0";
    frac = "0".repeat(-e - 1) + digits;
  }
  return `${sign}${int}.${frac.replace(/0+$/, "")}`;
}

/** Scientific, unique digits (at most PRECISION after the point): mantissa digits and exponent. */
function scientific(x: number, float32: boolean): [string, string, number] {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const ax = Math.abs(x);
  if (ax === 0) return [sign, "0", 0];
  let [digits, e] = digitsOf(shortest(ax, float32));
  if (digits.length > PRECISION + 1) {
    [digits, e] = exactExpDigits(ax, PRECISION);
  }
  return [sign, digits.replace(/(?<=.)0+$/, ""), e];
}

/** `%.{p}e` digits of x (not the shortest): NumPy 1.13's scientific notation. */
function fixedScientific(x: number, p: number): [string, string, number] {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const ax = Math.abs(x);
  if (ax === 0) return [sign, "0".repeat(p + 1), 0];
  const [digits, e] = exactExpDigits(ax, p);
  return [sign, digits, e];
}

/** NumPy's FloatingFormat: one width and notation for every element, from the shown values. */
function floatFormatter(
  values: number[],
  float32: boolean,
  legacy: boolean,
): (v: number) => string {
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.map(Math.abs).filter((v) => v !== 0);
  const max = nonzero.length ? Math.max(...nonzero) : 0;
  const min = nonzero.length ? Math.min(...nonzero) : 0;
  const expFormat = nonzero.length > 0 &&
    (max >= 1e8 || min < 1e-4 || max / min > 1e3);
  let padLeft = 0, padRight = 0;
  let body: (v: number) => string;
  if (finite.length === 0) {
    body = () => "";
  } else if (expFormat) {
    // NumPy 1.13 printed all eight digits, not the shortest.
    const parts = finite.map((v) =>
      legacy ? fixedScientific(v, PRECISION) : scientific(v, float32)
    );
    const precision = Math.max(...parts.map(([, d]) => d.length - 1));
    const expDigits = Math.max(
      2,
      ...parts.map(([, , e]) => String(Math.abs(e)).length),
    );
    padLeft = legacy ? 3 : Math.max(...parts.map(([s]) => s.length + 1));
    padRight = expDigits + 2 + precision;
    body = (v) => {
      let [sign, digits, e] = scientific(v, float32);
      if (digits.length - 1 < precision) {
        // More digits than the shortest form: NumPy prints the value's own, not zeros.
        if (v !== 0) [digits, e] = exactExpDigits(Math.abs(v), precision);
        else digits = digits.padEnd(precision + 1, "0");
      }
      const mant = `${sign}${digits[0]}.${digits.slice(1)}`;
      const exp = `e${e < 0 ? "-" : "+"}${
        String(Math.abs(e)).padStart(expDigits, "0")
      }`;
      return mant.padStart(padLeft + 1 + precision) + exp;
    };
  } else {
    const strs = finite.map((v) => positional(v, float32).split("."));
    // NumPy 1.13 kept room for a minus sign.
    padLeft = legacy
      ? 1 + Math.max(...strs.map(([i]) => i.replace("-", "").length))
      : Math.max(...strs.map(([i]) => i.length));
    padRight = Math.max(...strs.map(([, f]) => f.length));
    body = (v) => {
      const [i, f] = positional(v, float32).split(".");
      return `${i.padStart(padLeft)}.${f.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    const negInf = legacy || values.some((v) => v === -Infinity);
    padLeft = Math.max(
      padLeft,
      3 - (padRight + 1),
      3 + (negInf ? 1 : 0) - (padRight + 1),
    );
  }
  const width = padLeft + padRight + 1;
  return (v) =>
    Number.isFinite(v)
      ? body(v)
      : (Number.isNaN(v) ? "nan" : v < 0 ? "-inf" : "inf").padStart(width);
}

/** One formatter for every element of the array, as NumPy picks it from the values shown. */
function formatterFor(
  a: ArrayView,
  values: Value[],
  legacy: boolean,
): (v: Value) => string {
  if (a.dtype === "bool") {
    const pad = a.shape.length === 0 ? "True" : " True";
    return (v) => (v ? pad : "False");
  }
  if (a.dtype.startsWith("float")) {
    const f = floatFormatter(
      values as number[],
      a.dtype !== "float64",
      legacy,
    );
    return (v) => f(v as number);
  }
  const width = Math.max(...values.map((v) => String(v).length), 0);
  return (v) => String(v).padStart(width);
}

/** NumPy's `_formatArray`: nested brackets, rows wrapped at the line width. */
function layout(
  a: ArrayView,
  format: (v: Value) => string,
  lineWidth: number,
  prefix: string,
  separator: string,
  summarise: boolean,
  legacy: boolean,
): string {
  const recurse = (index: number[], hanging: string, width: number): string => {
    const axis = index.length;
    const left = a.shape.length - axis;
    if (left === 0) return format(read(a, index));
    const nextHanging = hanging + " ", nextWidth = legacy ? width : width - 1;
    const n = a.shape[axis];
    const summary = summarise && 2 * EDGE < n;
    const leading = summary ? EDGE : 0, trailing = summary ? EDGE : n;
    let s = "";
    if (left === 1) {
      const sepWidth = separator.trimEnd().length;
      const elemWidth = width - (legacy ? sepWidth : Math.max(sepWidth, 1));
      let line = hanging;
      const extend = (word: string, w: number) => {
        // Since 1.14 a line is not broken where that would not make it shorter.
        const helps = legacy || line.length > hanging.length;
        if (line.length + word.length > w && helps) {
          s += line.trimEnd() + "\n";
          line = hanging;
        }
        line += word;
      };
      for (let i = 0; i < leading; i++) {
        extend(recurse([...index, i], nextHanging, nextWidth), elemWidth);
        line += separator;
      }
      if (summary) {
        extend("...", elemWidth);
        line += legacy ? ", " : separator;
      }
      for (let i = trailing; i > 1; i--) {
        extend(recurse([...index, -i], nextHanging, nextWidth), elemWidth);
        line += separator;
      }
      const last = recurse([...index, -1], nextHanging, nextWidth);
      extend(last, legacy ? width : elemWidth);
      s += line;
    } else {
      const lineSep = separator.trimEnd() + "\n".repeat(left - 1);
      for (let i = 0; i < leading; i++) {
        s += hanging + recurse([...index, i], nextHanging, nextWidth) + lineSep;
      }
      if (summary) s += hanging + "..." + (legacy ? ", \n" : lineSep);
      for (let i = trailing; i > 1; i--) {
        s += hanging + recurse([...index, -i], nextHanging, nextWidth) +
          lineSep;
      }
      s += hanging + recurse([...index, -1], nextHanging, nextWidth);
    }
    return "[" + s.slice(hanging.length) + "]";
  };
  return recurse([], prefix, lineWidth);
}

const sizeOf = (a: ArrayView) => a.shape.reduce((p, s) => p * s, 1);

/** The body NumPy's array2string writes, between `prefix` and the suffix it leaves room for. */
function body(
  a: ArrayView,
  separator: string,
  prefix: string,
  suffix: string,
  legacy: boolean,
): string {
  if (sizeOf(a) === 0) return "[]";
  const summarise = sizeOf(a) > THRESHOLD;
  const format = formatterFor(a, shown(a, summarise), legacy);
  return layout(
    a,
    format,
    LINE_WIDTH - (legacy ? 0 : suffix.length),
    " " + " ".repeat(prefix.length),
    separator,
    summarise,
    legacy,
  );
}

/** `repr(a)`: what the Python prompt echoes, `array([1., 2.])`, with the dtype where not implied. */
export function ndarrayRepr(a: ArrayView, legacy = false): string {
  const size = sizeOf(a);
  // NumPy 1.13 named the bool dtype too.
  const skipDtype = IMPLIED.has(a.dtype) && size > 0 &&
    !(legacy && a.dtype === "bool");
  const prefix = "array(", suffix = skipDtype ? ")" : ",";
  const lst = legacy && a.shape.length === 0
    ? scalarText(a, true)
    : size > 0 || (a.shape.length === 1 && a.shape[0] === 0)
    ? body(a, ", ", prefix, suffix, legacy)
    : `[], shape=(${a.shape.join(", ")}${a.shape.length === 1 ? "," : ""})`;
  const text = prefix + lst + suffix;
  if (skipDtype) return text;
  const dtype = `dtype=${a.dtype})`;
  const lastLine = text.length - (text.lastIndexOf("\n") + 1);
  const spacer = !legacy && lastLine + dtype.length + 1 > LINE_WIDTH
    ? "\n" + " ".repeat(prefix.length)
    : " ";
  return text + spacer + dtype;
}

/** `str(a)`: what `print(a)` writes, `[1. 2.]`; a 0-d array as its Python scalar. */
export function ndarrayStr(a: ArrayView, legacy = false): string {
  if (a.shape.length === 0) return scalarText(a, legacy);
  return body(a, " ", "", "", legacy);
}

/** A 0-d array's element as Python shows it (NumPy 1.13: as a Python float, even float32). */
function scalarText(a: ArrayView, legacy: boolean): string {
  const v = read(a, []);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "bigint" || !a.dtype.startsWith("float")) return String(v);
  return pyFloatRepr(v, a.dtype !== "float64" && !legacy);
}

/** Python's repr of a float (NumPy's for a float32 scalar): shortest digits, `1e-05`, `nan`. */
function pyFloatRepr(v: number, float32: boolean): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v < 0 ? "-inf" : "inf";
  const [digits, e] = digitsOf(shortest(Math.abs(v), float32));
  const sign = v < 0 || Object.is(v, -0) ? "-" : "";
  if (e < -4 || e >= 16) {
    const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${mant}e${e < 0 ? "-" : "+"}${
      String(Math.abs(e)).padStart(2, "0")
    }`;
  }
  return positionalExact(sign, digits, e);
}

function positionalExact(sign: string, digits: string, e: number): string {
  if (e >= 0) {
    const int = digits.slice(0, e + 1).padEnd(e + 1, "0");
    return `${sign}${int}.${digits.slice(e + 1) || "0"}`;
  }
  return `${sign}0.${"0".repeat(-e - 1)}${digits}`;
}
