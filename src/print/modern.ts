// torch 1.13's tensor printer (`tensor([...])`), per legacy-print-spec.md §11 and torch/_tensor_str.py.

import { DTYPES, get_default_dtype } from "../dtype.ts";
import { formatExp, formatFixed } from "./pyformat.ts";
import { type PrintOptions, resolveOptions } from "./options.ts";
import type { PrintSource } from "./types.ts";

/** One formatter per tensor: every element is padded to the same width. */
interface Formatter {
  width: number;
  format(v: number | bigint): string;
}

/** Python `str()` of an integer or bool element; int64 may exceed 2^53, so go through BigInt. */
function intStr(v: number | bigint, isBool: boolean): string {
  if (isBool) return v ? "True" : "False";
  if (typeof v === "bigint") return v.toString();
  return Number.isInteger(v) ? BigInt(v).toString() : String(v);
}

function intFormatter(vals: (number | bigint)[], isBool: boolean): Formatter {
  let width = 1;
  for (const v of vals) width = Math.max(width, intStr(v, isBool).length);
  return { width, format: (v) => intStr(v, isBool).padStart(width) };
}

/** `_Formatter` for floating dtypes (float16 arrives already widened, as `self.float()` does). */
function floatFormatter(vals: number[], o: PrintOptions): Formatter {
  const p = o.precision;
  let intMode = true, sci = false, width = 1;
  // Zeros, nan and inf are formatted but do not choose the mode or the width.
  const nz = vals.filter((v) => v !== 0 && Number.isFinite(v));
  if (nz.length > 0) {
    let mn = Infinity, mx = 0;
    for (const v of nz) {
      const a = Math.abs(v);
      if (a < mn) mn = a;
      if (a > mx) mx = a;
      if (intMode && v !== Math.ceil(v)) intMode = false;
    }
    sci = mx / mn > 1000 || mx > 1e8 || (!intMode && mn < 1e-4);
    const len = sci ? (v: number) => formatExp(v, p).length : intMode
      // the "." appended to integral floats counts too
      ? (v: number) => formatFixed(v, 0).length + 1
      : (v: number) => formatFixed(v, p).length;
    for (const v of nz) width = Math.max(width, len(v));
    // Upstream applies the override only here, after the early return for no nonzero finite value.
    if (o.sci_mode !== null) sci = o.sci_mode;
  }
  const format = (x: number | bigint) => {
    const v = Number(x);
    let s: string;
    if (sci) s = formatExp(v, p, width);
    else if (intMode) s = formatFixed(v, 0) + (Number.isFinite(v) ? "." : "");
    else s = formatFixed(v, p);
    return s.padStart(width);
  };
  return { width, format };
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
}

// Upstream keeps a vector's ends by slicing, `x[:e]` and `x[-e:]` (and `x[-0:]` is the whole
// vector), but an N-D tensor's ends by `range(e)` and `range(len - e, len)`.
function vectorEdges(len: number, e: number): [number[], number[]] {
  return [range(0, Math.min(e, len)), range(e === 0 ? 0 : len - e, len)];
}

function sliceEdges(len: number, e: number): [number[], number[]] {
  return [range(0, e), range(len - e, len)];
}

/** The tensor (row-major, with strides) and options that the recursive printers share. */
interface Layout {
  shape: readonly number[];
  strides: number[];
  values: ArrayLike<number | bigint>;
  o: PrintOptions;
  summarize: boolean;
}

/** Flat indices of `get_summarized_data(self)` (all of them when not summarizing). */
function summarizedIndices(
  L: Layout,
  dim: number,
  base: number,
  out: number[],
) {
  const size = L.shape[dim], stride = L.strides[dim], e = L.o.edgeitems;
  const last = dim === L.shape.length - 1;
  const idx = !L.summarize || size <= 2 * e
    ? range(0, size)
    : (last ? vectorEdges : sliceEdges)(size, e).flat();
  for (const i of idx) {
    if (last) out.push(base + i * stride);
    else summarizedIndices(L, dim + 1, base + i * stride, out);
  }
}

/** `_tensor_str_with_formatter` for dims >= 1. */
function render(
  L: Layout,
  f: Formatter,
  dim: number,
  base: number,
  indent: number,
): string {
  const size = L.shape[dim], stride = L.strides[dim], e = L.o.edgeitems;
  const cut = L.summarize && size > 2 * e;
  if (dim === L.shape.length - 1) {
    const perLine = Math.max(
      1,
      Math.floor((L.o.linewidth - indent) / (f.width + 2)),
    );
    const cell = (i: number) => f.format(L.values[base + i * stride]);
    let items: string[];
    if (cut) {
      const [head, tail] = vectorEdges(size, e);
      items = [...head.map(cell), " ...", ...tail.map(cell)];
    } else items = range(0, size).map(cell);
    const lines = [];
    for (let i = 0; i < items.length; i += perLine) {
      lines.push(items.slice(i, i + perLine).join(", "));
    }
    return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
  }
  const sub = (i: number) =>
    render(L, f, dim + 1, base + i * stride, indent + 1);
  let slices: string[];
  if (cut) {
    const [head, tail] = sliceEdges(size, e);
    slices = [...head.map(sub), "...", ...tail.map(sub)];
  } else slices = range(0, size).map(sub);
  const rank = L.shape.length - dim;
  return "[" +
    slices.join("," + "\n".repeat(rank - 1) + " ".repeat(indent + 1)) + "]";
}

/** `_tensor_str`: the bracketed body of a non-empty tensor. */
function tensorStr(src: PrintSource, o: PrintOptions, indent: number): string {
  const shape = src.shape;
  const strides = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) {
    strides[i] = strides[i + 1] * shape[i + 1];
  }
  const numel = shape.reduce((a, b) => a * b, 1);
  const L: Layout = {
    shape,
    strides,
    values: src.values,
    o,
    summarize: numel > o.threshold,
  };
  const idx: number[] = [];
  if (shape.length === 0) idx.push(0);
  else summarizedIndices(L, 0, 0, idx);
  if (src.imag) {
    // Complex: a formatter for the real parts and one for the imaginary parts; each element
    // is "re+imj" (the sign from the imaginary part), and render is handed flat indices.
    const im = src.imag;
    const fr = floatFormatter(idx.map((i) => Number(src.values[i])), o);
    const fi = floatFormatter(idx.map((i) => im[i]), o);
    const fc: Formatter = {
      width: fr.width + fi.width + 1,
      format: (i) => {
        const k = Number(i);
        const imag = (fi.format(im[k]) + "j").trimStart();
        const sign = imag[0] === "+" || imag[0] === "-" ? "" : "+";
        return fr.format(src.values[k]) + sign + imag;
      },
    };
    if (shape.length === 0) return fc.format(0);
    return render(
      { ...L, values: Array.from({ length: numel }, (_, k) => k) },
      fc,
      0,
      0,
      indent,
    );
  }
  const f = DTYPES[src.dtype].is_floating_point
    ? floatFormatter(idx.map((i) => Number(src.values[i])), o)
    : intFormatter(idx.map((i) => src.values[i]), src.dtype === "bool");
  if (shape.length === 0) return f.format(src.values[0]);
  return render(L, f, 0, 0, indent);
}

/** `_add_suffixes`: a suffix moves to its own line when it would pass the line width. */
function addSuffixes(
  s: string,
  suffixes: string[],
  indent: number,
  lw: number,
): string {
  // (sic) upstream's "+ 1": the length of the last line is overestimated by two.
  let last = s.length - s.lastIndexOf("\n") + 1;
  for (const suf of suffixes) {
    if (last + suf.length + 2 > lw) {
      s += ",\n" + " ".repeat(indent) + suf;
      last = indent + suf.length;
    } else {
      s += ", " + suf;
      last += suf.length + 2;
    }
  }
  return s + ")";
}

/**
 * The torch 1.13 `repr` of a tensor, without leading or trailing newline.
 *
 * @example
 * formatModern({ dtype: "float32", shape: [3], values: [2, 5, -6], grad_fn: "MulBackward0" })
 * // "tensor([ 2.,  5., -6.], grad_fn=<MulBackward0>)"
 */
export function formatModern(
  src: PrintSource,
  opts?: Partial<PrintOptions>,
): string {
  const o = resolveOptions(opts);
  const prefix = "tensor(", indent = prefix.length;
  const suffixes: string[] = [];
  const device = src.device ?? "cpu";
  if (device !== "cpu") {
    suffixes.push(`device='${device.includes(":") ? device : device + ":0"}'`);
  }
  const defaultDType = get_default_dtype().name;
  const defaultComplex = defaultDType === "float64"
    ? "complex128"
    : "complex64";
  const dtypeSuffix = `dtype=torch.${src.dtype}`;
  const numel = src.shape.reduce((a, b) => a * b, 1);
  let body: string;
  if (numel === 0) {
    // numpy shows the shape of an empty array unless it is (0,); the dtype cannot be inferred.
    if (src.shape.length !== 1) suffixes.push(`size=(${src.shape.join(", ")})`);
    if (src.dtype !== defaultDType) suffixes.push(dtypeSuffix);
    body = "[]";
  } else {
    if (![defaultDType, defaultComplex, "int64", "bool"].includes(src.dtype)) {
      suffixes.push(dtypeSuffix);
    }
    body = tensorStr(src, o, indent);
  }
  const requiresGrad = src.requires_grad ?? src.wrapper === "Parameter";
  if (src.grad_fn !== undefined) suffixes.push(`grad_fn=<${src.grad_fn}>`);
  else if (requiresGrad) suffixes.push("requires_grad=True");
  const repr = addSuffixes(prefix + body, suffixes, indent, o.linewidth);
  // A Variable wrapper has no modern counterpart: Variables and Tensors merged in 0.4.
  return src.wrapper === "Parameter" ? "Parameter containing:\n" + repr : repr;
}
