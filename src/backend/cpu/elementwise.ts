// CPU elementwise kernels: strided copy with casting, and unary, binary and ternary maps.
//
// Kernels compute in JavaScript numbers (doubles); the store into the output's TypedArray rounds
// to float32/float16 or wraps integers as a C cast does. int64 storage holds BigInts, so int64
// operands are read through a double copy and written back exactly when integral.

import type { DTypeName, StorageArray } from "../../dtype.ts";
import { forEachRow } from "./iter.ts";

/** One operand of a kernel: memory plus where and how to walk it over the problem's shape. */
export interface Operand {
  data: StorageArray;
  offset: number;
  strides: readonly number[];
}

type Num =
  | Float32Array
  | Float64Array
  | Float16Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** The span of storage an operand can reach over `shape`, as doubles when it holds BigInts. */
function numeric(
  op: Operand,
  shape: readonly number[],
): { data: Num; offset: number; strides: readonly number[] } {
  if (!(op.data instanceof BigInt64Array)) {
    return op as { data: Num; offset: number; strides: readonly number[] };
  }
  let lo = op.offset, hi = op.offset;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 0) {
      return { data: new Float64Array(0), offset: 0, strides: op.strides };
    }
    const reach = op.strides[i] * (shape[i] - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  const src = op.data;
  const out = new Float64Array(hi - lo + 1);
  for (let i = 0; i < out.length; i++) out[i] = Number(src[lo + i]);
  return { data: out, offset: op.offset - lo, strides: op.strides };
}

/** Runs `compute` into a double scratch when the output holds BigInts, then stores exactly. */
function withNumericOut(
  out: Operand,
  shape: readonly number[],
  compute: (o: Operand & { data: Num }) => void,
) {
  if (!(out.data instanceof BigInt64Array)) {
    compute(out as Operand & { data: Num });
    return;
  }
  let n = 1;
  for (const d of shape) n *= d;
  const tmp = new Float64Array(n);
  const strides = contiguous(shape);
  compute({ data: tmp, offset: 0, strides });
  storeBig(out, shape, { data: tmp, offset: 0, strides });
}

function contiguous(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Converts a double to an int64 the way a C cast does for values in range; NaN becomes 0. */
function toBig(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) {
    return v > 0 ? 9223372036854775807n : -9223372036854775808n;
  }
  return BigInt.asIntN(64, BigInt(Math.trunc(v)));
}

function storeBig(
  out: Operand,
  shape: readonly number[],
  src: { data: Num; offset: number; strides: readonly number[] },
) {
  const o = out.data as BigInt64Array, s = src.data;
  forEachRow(
    shape,
    [out.strides, src.strides],
    [out.offset, src.offset],
    (b, n, st) => {
      let io = b[0], is = b[1];
      for (let i = 0; i < n; i++, io += st[0], is += st[1]) {
        o[io] = toBig(
          s[is],
        );
      }
    },
  );
}

/** dst = src over `shape`, converting dtypes as PyTorch's `copy_` does (bool: nonzero is true). */
export function copy(
  dst: Operand,
  dstDtype: DTypeName,
  src: Operand,
  shape: readonly number[],
): void {
  if (dst.data instanceof BigInt64Array && src.data instanceof BigInt64Array) {
    const o = dst.data, s = src.data;
    forEachRow(
      shape,
      [dst.strides, src.strides],
      [dst.offset, src.offset],
      (b, n, st) => {
        let io = b[0], is = b[1];
        for (let i = 0; i < n; i++, io += st[0], is += st[1]) o[io] = s[is];
      },
    );
    return;
  }
  if (dst.data instanceof BigInt64Array) {
    storeBig(dst, shape, numeric(src, shape));
    return;
  }
  const s = numeric(src, shape);
  const o = dst.data as Num, sd = s.data;
  const toBool = dstDtype === "bool";
  forEachRow(
    shape,
    [dst.strides, s.strides],
    [dst.offset, s.offset],
    (b, n, st) => {
      let io = b[0], is = b[1];
      const so = st[0], ss = st[1];
      if (toBool) {
        for (let i = 0; i < n; i++, io += so, is += ss) {
          o[io] = sd[is] !== 0 ? 1 : 0;
        }
      } else if (so === 1 && ss === 1) {
        o.set(
          sd.subarray(is, is + n) as Float64Array,
          io,
        );
      } else for (let i = 0; i < n; i++, io += so, is += ss) o[io] = sd[is];
    },
  );
}

/** out = f(x) elementwise. */
export function unary(
  f: (x: number) => number,
  x: Operand,
  out: Operand,
  shape: readonly number[],
): void {
  const a = numeric(x, shape);
  withNumericOut(out, shape, (o) => {
    const od = o.data, ad = a.data;
    forEachRow(
      shape,
      [o.strides, a.strides],
      [o.offset, a.offset],
      (b, n, st) => {
        let io = b[0], ia = b[1];
        const so = st[0], sa = st[1];
        for (let i = 0; i < n; i++, io += so, ia += sa) od[io] = f(ad[ia]);
      },
    );
  });
}

/** out = f(x, y) elementwise; operands come with strides already broadcast to `shape`. */
export function binary(
  f: (x: number, y: number) => number,
  x: Operand,
  y: Operand,
  out: Operand,
  shape: readonly number[],
): void {
  const a = numeric(x, shape), c = numeric(y, shape);
  withNumericOut(out, shape, (o) => {
    const od = o.data, ad = a.data, cd = c.data;
    forEachRow(shape, [o.strides, a.strides, c.strides], [
      o.offset,
      a.offset,
      c.offset,
    ], (b, n, st) => {
      let io = b[0], ia = b[1], ic = b[2];
      const so = st[0], sa = st[1], sc = st[2];
      for (let i = 0; i < n; i++, io += so, ia += sa, ic += sc) {
        od[io] = f(ad[ia], cd[ic]);
      }
    });
  });
}

/** out = f(x, y, z) elementwise (where, clamp with tensor bounds, lerp...). */
export function ternary(
  f: (x: number, y: number, z: number) => number,
  x: Operand,
  y: Operand,
  z: Operand,
  out: Operand,
  shape: readonly number[],
): void {
  const a = numeric(x, shape), c = numeric(y, shape), e = numeric(z, shape);
  withNumericOut(out, shape, (o) => {
    const od = o.data, ad = a.data, cd = c.data, ed = e.data;
    forEachRow(
      shape,
      [o.strides, a.strides, c.strides, e.strides],
      [o.offset, a.offset, c.offset, e.offset],
      (b, n, st) => {
        let io = b[0], ia = b[1], ic = b[2], ie = b[3];
        for (
          let i = 0;
          i < n;
          i++, io += st[0], ia += st[1], ic += st[2], ie += st[3]
        ) {
          od[io] = f(ad[ia], cd[ic], ed[ie]);
        }
      },
    );
  });
}

/** Reads a strided view into a fresh Float64Array in row-major order (BigInts as doubles). */
export function readDoubles(
  x: Operand,
  shape: readonly number[],
): Float64Array {
  let n = 1;
  for (const d of shape) n *= d;
  const out = new Float64Array(n);
  copy(
    { data: out, offset: 0, strides: contiguous(shape) },
    "float64",
    x,
    shape,
  );
  return out;
}

/** Writes row-major doubles into a strided view, casting to its dtype. */
export function writeDoubles(
  dst: Operand,
  dtype: DTypeName,
  values: Float64Array,
  shape: readonly number[],
): void {
  copy(
    dst,
    dtype,
    { data: values, offset: 0, strides: contiguous(shape) },
    shape,
  );
}
