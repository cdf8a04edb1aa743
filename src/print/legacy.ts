// PyTorch 0.3's tensor printer (`[torch.FloatTensor of size 2x3]`), per legacy-print-spec.md §1-§9.

import { DTYPES } from "../dtype.ts";
import { center, formatExp, formatFixed } from "./pyformat.ts";
import { type PrintOptions, resolveOptions } from "./options.ts";
import type { PrintSource } from "./types.ts";

/** One number format for a whole tensor (§3): how to render every element. */
interface NumberFormat {
  kind: "E" | "F" | "I";
  /** column width used for layout */
  sz: number;
  /** width given to the format spec; differs from sz only in int-mode E, where it is 11 (§3.1) */
  fmtWidth: number;
  scale: number;
  prec: number;
}

// ceil(log10(DBL_MIN * DBL_EPSILON)): the scale exponent stops at the smallest denormal (§3.4).
const MIN_LOG_SCALE = -323;

// floor(log10(x)) + 1 the way libm rounds it; zero counts as exponent 1 (§3.1 step 5).
function exponent(x: number): number {
  return x === 0 ? 1 : Math.floor(Math.log10(x)) + 1;
}

/** §3.1 NUMBER_FORMAT over data[start, end) (all elements, even when summarizing). */
function numberFormat(
  data: Float64Array,
  start: number,
  end: number,
  minSzIn: number,
  prec: number,
): NumberFormat {
  let minSz = Math.max(minSzIn, 2);
  // Non-finite values stand in as the first finite |value|, or 0 if there is none.
  let example = 0, found = false, nonFinite = false;
  for (let i = start; i < end; i++) {
    const x = Math.abs(data[i]);
    if (!Number.isFinite(x)) nonFinite = true;
    else if (!found) [example, found] = [x, true];
  }
  if (nonFinite) minSz = Math.max(minSz, 3);
  let intMode = true, min = Infinity, max = -Infinity;
  for (let i = start; i < end; i++) {
    let x = Math.abs(data[i]);
    if (!Number.isFinite(x)) x = example;
    if (intMode && x !== Math.ceil(x)) intMode = false;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const expMin = exponent(min), expMax = exponent(max);
  const fmt = (kind: NumberFormat["kind"], sz: number, scale = 1) => ({
    kind,
    sz,
    fmtWidth: sz,
    scale,
    prec,
  });
  if (intMode) {
    if (expMax > prec + 1) {
      // The upstream format string hard-codes the width 11 whatever the precision.
      return { ...fmt("E", Math.max(minSz, 7 + prec)), fmtWidth: 11 };
    }
    return fmt("I", Math.max(minSz, expMax + 1));
  }
  if (expMax - expMin > prec) {
    // Three-digit exponents need one more character.
    const wide = Math.abs(expMax) > 99 || Math.abs(expMin) > 99;
    return fmt("E", Math.max(minSz, 7 + prec + (wide ? 1 : 0)));
  }
  if (expMax > prec + 1 || expMax < 0) {
    // Number("1e" + e) is the correctly rounded power, as Python's math.pow is; Math.pow is not.
    const scale = Number("1e" + Math.max(expMax - 1, MIN_LOG_SCALE));
    return fmt("F", Math.max(minSz, 7), scale);
  }
  return fmt("F", Math.max(minSz, expMax === 0 ? 7 : expMax + 6));
}

function render(f: NumberFormat, x: number): string {
  const v = x / f.scale;
  if (f.kind === "E") return formatExp(v, f.prec, f.fmtWidth);
  return formatFixed(v, f.kind === "I" ? 0 : f.prec, f.fmtWidth);
}

function scaleLine(f: NumberFormat): string {
  return f.scale !== 1 ? formatExp(f.scale, 5) + " *\n" : "";
}

/** Python's `x[:n]` and `x[-n:]` index ranges; note `x[-0:]` is the whole sequence. */
function edges(len: number, n: number): [number[], number[]] {
  const range = (a: number, b: number) =>
    Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  return [range(0, Math.min(n, len)), range(n === 0 ? 0 : len - n, len)];
}

/** §4 VECTOR. */
function vectorStr(data: Float64Array, o: PrintOptions): string {
  const f = numberFormat(data, 0, data.length, 0, o.precision);
  const ind = f.scale !== 1 ? " " : "";
  const lines = (idx: Iterable<number>) =>
    Array.from(idx, (i) => ind + render(f, data[i])).join("\n") + "\n";
  if (data.length < o.threshold) return scaleLine(f) + lines(data.keys());
  const [head, tail] = edges(data.length, o.edgeitems);
  return scaleLine(f) + lines(head) + ind + center("⋮", f.sz) + "\n" +
    lines(tail);
}

/** §5 MATRIX over the rows x cols block of data starting at `base`. */
function matrixStr(
  data: Float64Array,
  base: number,
  rows: number,
  cols: number,
  o: PrintOptions,
  indent = "",
  formatter?: NumberFormat,
  forceTruncate = false,
): string {
  const n = o.edgeitems;
  const hasH = cols > 2 * n, hasV = rows > 2 * n;
  const fullMat = !hasH && !hasV;
  const f = formatter ??
    numberFormat(data, base, base + rows * cols, fullMat ? 0 : 5, o.precision);
  const at = (r: number, c: number) => render(f, data[base + r * cols + c]);
  const numel = rows * cols;
  let out = "";
  if (!forceTruncate && (numel < o.threshold || fullMat)) {
    // Upstream loops forever when not even one column fits; we print one column per chunk.
    const perLine = Math.max(
      1,
      Math.floor((o.linewidth - indent.length) / (f.sz + 1)),
    );
    const sp = f.scale !== 1 ? " " : "";
    for (let first = 0; first < cols;) {
      const last = Math.min(first + perLine - 1, cols - 1);
      if (perLine < cols) {
        // (sic) upstream compares with 1, not 0: only the chunk starting at column 1 has no blank line.
        if (first !== 1) out += "\n";
        out += `Columns ${first} to ${last} \n${indent}`;
      }
      out += scaleLine(f);
      for (let r = 0; r < rows; r++) {
        const cells = [];
        for (let c = first; c <= last; c++) cells.push(at(r, c));
        out += indent + sp + cells.join(" ") + "\n";
      }
      first = last + 1;
    }
    return out;
  }
  // Summarized rows carry no scale space (§5.2 quirk).
  const [headC, tailC] = edges(cols, n);
  const row = (r: number, truncate: boolean, ind = indent) => {
    const cells = (cs: number[]) => cs.map((c) => at(r, c)).join(" ");
    if (!truncate) return ind + cells([...Array(cols).keys()]) + "\n";
    return ind + cells(headC) + " " + center("...", 5) + " " + cells(tailC) +
      "\n";
  };
  const [headR, tailR] = edges(rows, n);
  out += scaleLine(f);
  if (hasV && hasH) {
    const dots = center("...", (f.sz + 1) * n - 1);
    out += headR.map((r) => row(r, true)).join("");
    out += indent + dots + " " + center("⋱", 5) + " " + dots + "\n";
    out += tailR.map((r) => row(r, true)).join("");
  } else if (hasH) {
    for (let r = 0; r < rows; r++) out += row(r, true);
  } else if (hasV) {
    out += headR.map((r) => row(r, false)).join("");
    // The width counts row 0's newline but not the indent, and the line gets no indent.
    out += center("⋮", row(0, false, "").length) + "\n";
    out += tailR.map((r) => row(r, false)).join("");
  } else {
    for (let r = 0; r < rows; r++) out += row(r, false);
  }
  return out;
}

/** §6 TENSOR (ndim >= 3): an odometer over the outer dims, last fastest. */
function tensorStr(
  data: Float64Array,
  shape: readonly number[],
  o: PrintOptions,
): string {
  const n = o.edgeitems, nd = shape.length;
  const rows = shape[nd - 2], cols = shape[nd - 1];
  const hasH = cols > 2 * n, hasV = rows > 2 * n;
  const f = numberFormat(
    data,
    0,
    data.length,
    hasH || hasV ? 3 : 0,
    o.precision,
  );
  const dots = data.length >= o.threshold;
  const dimSz = Math.max(2, ...shape.map((s) => String(s).length));
  const mark = (s: string) => center(s, dimSz + 1);
  const k = nd - 2;
  const counter = new Array<number>(k).fill(0);
  counter[k - 1] = -1;
  let out = "";
  for (;;) {
    const restarted = new Array<boolean>(k).fill(false);
    const skipped = new Array<boolean>(k).fill(false);
    let finished = false;
    for (let i = k - 1; i >= 0; i--) {
      counter[i]++;
      if (dots && counter[i] === n && shape[i] > 2 * n) {
        counter[i] = shape[i] - n;
        skipped[i] = true;
      }
      if (counter[i] !== shape[i]) break;
      if (i === 0) finished = true;
      counter[i] = 0;
      restarted[i] = true;
    }
    if (finished) break;
    if (dots) {
      if (skipped.some(Boolean)) {
        out += skipped.map((s) => mark(s ? "..." : "")).join("") + "\n";
      }
      if (restarted.some(Boolean)) {
        out += " " + restarted.map((r) => mark(r ? "⋮" : "")).join("") + "\n";
      }
    }
    if (out !== "") out += "\n";
    out += "(" + counter.map((c) => center(String(c), dimSz)).join(",") +
      ",.,.) = \n";
    let base = 0;
    for (let i = 0; i < k; i++) base = base * shape[i] + counter[i];
    out += matrixStr(data, base * rows * cols, rows, cols, o, " ", f, dots);
  }
  return out;
}

/** `torch.typename` plus the ` (GPU i)` suffix for non-CPU devices (§1.1). */
function typeAndDevice(src: PrintSource): [string, string] {
  const device = src.device ?? "cpu";
  // No bool type existed in 0.3; bool tensors print as `torch.BoolTensor` with values 0/1.
  // Nor bfloat16 or uint16/32/64: they print with the class names later PyTorch gives them in
  // `x.type()` (`torch.BFloat16Tensor`, `torch.UInt16Tensor`, ...), bfloat16 values formatted as
  // the other floating types, the unsigned ones as the other integer types.
  const cls = DTYPES[src.dtype].legacy;
  if (device === "cpu") return ["torch." + cls, ""];
  const index = device.includes(":")
    ? device.slice(device.indexOf(":") + 1)
    : "0";
  return ["torch.cuda." + cls, ` (GPU ${index})`];
}

/**
 * The PyTorch 0.3 `repr` of a tensor: starts and ends with a newline (§1).
 *
 * @example
 * formatLegacy({ dtype: "float32", shape: [2], values: [-0, 1] })
 * // "\n-0\n 1\n[torch.FloatTensor of size 2]\n"
 */
export function formatLegacy(
  src: PrintSource,
  opts?: Partial<PrintOptions>,
): string {
  const o = resolveOptions(opts);
  const [typename, device] = typeAndDevice(src);
  const shape = src.shape;
  const numel = shape.reduce((a, b) => a * b, 1);
  let repr: string;
  // TH had no zero-size dims: they print as "no dimension" (§1). Nor had it 0-d tensors, whose
  // place (a loss, a sum) a 1-element tensor took; a 0-d tensor prints its value as that one did,
  // sized "()" (src/print/README.md).
  if (numel === 0) {
    repr = `[${typename} with no dimension]\n`;
  } else if (shape.length === 0) {
    const data = Float64Array.of(Number(src.values[0]));
    repr = `\n${vectorStr(data, o)}[${typename} of size ()${device}]\n`;
  } else {
    const data = Float64Array.from(src.values, (v) => Number(v));
    const body = shape.length === 1
      ? vectorStr(data, o)
      : shape.length === 2
      ? matrixStr(data, 0, shape[0], shape[1], o)
      : tensorStr(data, shape, o);
    repr = `\n${body}[${typename} of size ${shape.join("x")}${device}]\n`;
  }
  return src.wrapper ? `${src.wrapper} containing:${repr}` : repr;
}
