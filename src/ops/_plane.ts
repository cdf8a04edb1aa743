// Linear ops over the trailing dims (unfold/fold, padding, average pooling, resampling) as plane
// maps: one recorded node each, whose gradient is the adjoint map, itself recorded, so that
// derivatives of any order work.

import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import { readDoubles, writeDoubles } from "../backend/cpu/elementwise.ts";
import {
  type Dense,
  mapAdjoint,
  mapForward,
  type PlaneMap,
} from "../backend/cpu/conv.ts";
import { contiguous } from "./core.ts";

/** One linear op: its map, how many planes it applies to, and its node names both ways. */
export interface MapOp {
  /** Node name of the forward map (e.g. "Im2ColBackward0"). */
  name: string;
  /** Node name of the adjoint map, the forward's gradient (e.g. "Col2ImBackward0"). */
  adjointName: string;
  map: PlaneMap;
  planes: number;
  inShape: number[];
  outShape: number[];
  /** The value padding taps read in the forward map (constant padding); 0 otherwise. */
  fill?: number;
}

/** Runs `kernel` on x's data as a dense array (int64 through doubles), giving a tensor of `shape`. */
function run(
  x: Tensor,
  shape: number[],
  kernel: (src: Dense, srcOff: number, dst: Dense) => void,
): Tensor {
  const out = Tensor.empty(shape, x.dtype);
  if (x.storage.data instanceof BigInt64Array) {
    const src = readDoubles(x._operand(), x._shape);
    const dst = new Float64Array(out.numel());
    kernel(src, 0, dst);
    writeDoubles(out._operand(), x.dtype.name, dst, shape);
    return out;
  }
  const c = contiguous(x);
  kernel(c.storage.data as Dense, c.storage_offset_, out.storage.data as Dense);
  return out;
}

/** op.map applied to every plane of x (shape op.inShape), recorded as op.name. */
export function applyMap(x: Tensor, op: MapOp): Tensor {
  const out = run(
    x,
    op.outShape,
    (src, off, dst) =>
      mapForward(src, off, dst, 0, op.planes, op.map, op.fill ?? 0),
  );
  record({
    name: op.name,
    inputs: [x],
    outputs: [out],
    backward: ([g]) => [applyAdjoint(g, op)],
  });
  return out;
}

/** The adjoint of op.map (x has shape op.outShape), recorded as op.adjointName. */
export function applyAdjoint(x: Tensor, op: MapOp): Tensor {
  const out = run(
    x,
    op.inShape,
    (src, off, dst) => mapAdjoint(src, off, dst, 0, op.planes, op.map),
  );
  record({
    name: op.adjointName,
    inputs: [x],
    outputs: [out],
    // The gradient of a constant fill is zero, so the forward map here reads zeros at padding.
    backward: ([g]) => [applyMap(g, { ...op, fill: 0 })],
  });
  return out;
}
