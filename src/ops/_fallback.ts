// The one path by which an op with no primitive form yet computes on the host: it reads its
// inputs' values to the CPU, computes there, and its result goes back to the inputs' device. Each
// use is counted (src/backend/fallback.ts) and can be made an error.

import type { DType } from "../dtype.ts";
import { countFallback } from "../backend/fallback.ts";
import { cpu } from "../backend/registry.ts";
import { hostDoubles } from "../host.ts";
import { contiguousStrides } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { transfer } from "./core.ts";

export {
  counts,
  type FallbackMode,
  get_mode,
  reset,
  set_mode,
  total,
} from "../backend/fallback.ts";

/** Counts one fallback of `op` over `inputs`; raises in "error" mode when one is off the CPU. */
export function enterFallback(op: string, inputs: readonly unknown[]): void {
  const off = inputs.find((t) =>
    t instanceof Tensor && t.storage.backend !== cpu
  ) as Tensor | undefined;
  countFallback(op, off ? off.device.type : null);
}

/** Each input's elements as row-major doubles on the host, counted as one fallback of `op`. */
export function hostValues(op: string, ...inputs: Tensor[]): Float64Array[] {
  enterFallback(op, inputs);
  return inputs.map((t) => hostDoubles(t));
}

/** A tensor of `shape` and `dtype` holding row-major `values`, on the device of `like`. */
export function fromHost(
  values: ArrayLike<number>,
  shape: readonly number[],
  dtype: DType,
  like?: Tensor,
): Tensor {
  const host = Tensor.empty(shape, dtype);
  const buffer = values instanceof Float64Array
    ? values
    : Float64Array.from(values);
  cpu.ops.copy(host._view(), {
    buffer,
    dtype: "float64",
    offset: 0,
    strides: contiguousStrides(shape),
  }, shape);
  return like ? transfer(host, like.storage.backend) : host;
}
