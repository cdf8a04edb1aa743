// Strided iteration: walks several operands over one shape, one contiguous row at a time.

/**
 * Merges adjacent dims that every operand walks as one (stride[i] == stride[i+1] * size[i+1]) and
 * drops size-1 dims, so a contiguous or broadcast-free problem becomes one long row.
 */
function coalesce(shape: readonly number[], strides: (readonly number[])[]) {
  const dims: number[] = [];
  const st: number[][] = strides.map(() => []);
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const last = dims.length - 1;
    if (last >= 0 && strides.every((s, k) => st[k][last] === s[i] * shape[i])) {
      dims[last] *= shape[i];
      for (let k = 0; k < strides.length; k++) st[k][last] = strides[k][i];
    } else {
      dims.push(shape[i]);
      for (let k = 0; k < strides.length; k++) st[k].push(strides[k][i]);
    }
  }
  return { dims, st };
}

/**
 * Calls `row(bases, n, steps)` once per innermost row: `bases[k]` is operand k's offset at the
 * row's start, `steps[k]` its stride along the row. The per-element loop lives in the caller, so
 * no closure runs per element.
 */
export function forEachRow(
  shape: readonly number[],
  strides: (readonly number[])[],
  offsets: readonly number[],
  row: (bases: number[], n: number, steps: number[]) => void,
): void {
  for (const d of shape) if (d === 0) return;
  const { dims, st } = coalesce(shape, strides);
  const k = offsets.length;
  if (dims.length === 0) {
    row([...offsets], 1, new Array(k).fill(0));
    return;
  }
  const inner = dims.length - 1;
  const n = dims[inner];
  const steps = st.map((s) => s[inner]);
  const counter = new Array<number>(inner).fill(0);
  const bases = [...offsets];
  for (;;) {
    row(bases.slice(), n, steps);
    let d = inner - 1;
    for (; d >= 0; d--) {
      counter[d]++;
      for (let j = 0; j < k; j++) bases[j] += st[j][d];
      if (counter[d] < dims[d]) break;
      for (let j = 0; j < k; j++) bases[j] -= st[j][d] * dims[d];
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Offsets of every element of a strided view, in row-major order of `shape`. */
export function elementOffsets(
  shape: readonly number[],
  strides: readonly number[],
  offset: number,
): Int32Array | Float64Array {
  let total = 1;
  for (const d of shape) total *= d;
  const out = total < 2 ** 31 ? new Int32Array(total) : new Float64Array(total);
  let p = 0;
  forEachRow(shape, [strides], [offset], (b, n, s) => {
    let o = b[0];
    const step = s[0];
    for (let i = 0; i < n; i++, o += step) out[p++] = o;
  });
  return out;
}
