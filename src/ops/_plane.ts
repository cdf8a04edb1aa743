// Linear ops over the trailing dims (unfold/fold, padding, average pooling, resampling) as plane
// maps: one recorded node each, whose gradient is the adjoint map, itself recorded, so that
// derivatives of any order work.

import { Tensor } from "../tensor.ts";
import { record } from "../autograd/record.ts";
import type { PlaneMap } from "../backend/backend.ts";
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

/** op.map applied to every plane of x on x's device, unrecorded: a fresh tensor of op.outShape. */
function forward(x: Tensor, op: MapOp): Tensor {
  const backend = x.storage.backend;
  const out = Tensor.empty(op.outShape, x.dtype, backend);
  if (out.numel() > 0) {
    backend.ops.mapForward(
      contiguous(x)._view(),
      out._view(),
      op.planes,
      op.map,
      op.fill ?? 0,
    );
  }
  return out;
}

/** The adjoint of op.map on x's device, unrecorded: a fresh tensor of op.inShape. */
function adjoint(x: Tensor, op: MapOp): Tensor {
  const backend = x.storage.backend;
  const out = Tensor.empty(op.inShape, x.dtype, backend);
  if (out.numel() > 0 && x.numel() > 0) {
    // The primitive accumulates into its target, which starts from zeros here.
    backend.ops.mapAdjoint(
      contiguous(x)._view(),
      out._view(),
      op.planes,
      op.map,
    );
  }
  return out;
}

/** op.map applied to every plane of x (shape op.inShape), recorded as op.name. */
export function applyMap(x: Tensor, op: MapOp): Tensor {
  const out = forward(x, op);
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
  const out = adjoint(x, op);
  record({
    name: op.adjointName,
    inputs: [x],
    outputs: [out],
    // The gradient of a constant fill is zero, so the forward map here reads zeros at padding.
    backward: ([g]) => [applyMap(g, { ...op, fill: 0 })],
  });
  return out;
}
