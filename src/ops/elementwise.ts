// Elementwise ops, declared once in two tables (unary, binary); functions, methods, in-place and
// `out=` forms are generated from the tables.
// The tables live in _unary.ts and _binary.ts; this module adds the ops that take options (add and
// sub with alpha, div's rounding modes, clamp, round, where) and is the one others import from.

import { bool, result_type } from "../dtype.ts";
import { RuntimeError } from "../errors.ts";
import { broadcastShapes } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { parseArgs } from "./_args.ts";
import {
  backendOf,
  broadcastView,
  cast,
  deliver,
  type OutOptions,
  roundScalar,
} from "./core.ts";
import { nonzero } from "./indexing.ts";
import { record } from "../autograd/record.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { notForBool, zeroGrad } from "./_unary.ts";
import { applyBinary, asOperand, isT, type TensorOrScalar } from "./_binary.ts";

export { applyUnary, UNARY, type UnaryName } from "./_unary.ts";
export {
  applyBinary,
  BINARY,
  type BinaryName,
  type TensorOrScalar,
} from "./_binary.ts";

/** `torch.add(input, other, { alpha, out })`: input + alpha * other. */
export function add(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOptions = {},
): Tensor {
  const r = withAlpha("add", input, other, opts.alpha, opts.out);
  return r === opts.out ? r : deliver(r, opts.out);
}

/** `torch.sub(input, other, { alpha, out })`: input - alpha * other. */
export function sub(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { alpha?: number } & OutOptions = {},
): Tensor {
  const r = withAlpha("sub", input, other, opts.alpha, opts.out);
  return r === opts.out ? r : deliver(r, opts.out);
}

function withAlpha(
  name: "add" | "sub",
  a: TensorOrScalar,
  b: TensorOrScalar,
  alpha = 1,
  into?: Tensor,
): Tensor {
  if (alpha === 1) return applyBinary(name, a, b, 1, name, into);
  const common = result_type(asOperand(a), asOperand(b));
  if (!common.is_floating_point && !Number.isInteger(alpha)) {
    throw new RuntimeError(
      "For integral input tensors, argument alpha must not be a floating point number.",
    );
  }
  return applyBinary(name, a, b, alpha, name, into);
}

/** `torch.div(input, other, { rounding_mode, out })`: true division, or "trunc" / "floor". */
export function div(
  input: TensorOrScalar,
  other: TensorOrScalar,
  opts: { rounding_mode?: "trunc" | "floor" | null } & OutOptions = {},
): Tensor {
  const mode = opts.rounding_mode ?? null;
  if (mode !== null && mode !== "trunc" && mode !== "floor") {
    throw new RuntimeError(
      `div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '${
        String(mode)
      }'`,
    );
  }
  const name = mode === null
    ? "div"
    : mode === "trunc"
    ? "div_trunc"
    : "div_floor";
  return deliver(applyBinary(name, input, other), opts.out);
}

/** `torch.clamp(input, min, max)`: either bound may be null; bounds may be tensors. */
export function clamp(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("clamp", args, ["min", "max"], {
    min: null as TensorOrScalar | null,
    max: null as TensorOrScalar | null,
    out: undefined as Tensor | undefined,
  });
  if (o.min === null && o.max === null) {
    throw new RuntimeError(
      "torch.clamp: At least one of 'min' or 'max' must not be None",
    );
  }
  const { min, max } = o;
  const r = no_grad(() => clampValues(input, min, max));
  // The gradient passes to the input where it lies within the bounds, and to a tensor bound
  // where the input is beyond it (PyTorch's clamp_backward_min_max, ties go to the input).
  const tensorBounds = min instanceof Tensor || max instanceof Tensor;
  record({
    name: tensorBounds ? "ClampBackward0" : "ClampBackward1",
    inputs: [input, min, max],
    outputs: [r],
    save: [input, ...[min, max].filter(isT)],
    backward: ([g], [x]) => {
      const both = min !== null && max !== null;
      let keep: Tensor;
      if (min !== null && max !== null) keep = x.ge(min).logical_and(x.le(max));
      else keep = min !== null ? x.ge(min) : x.le(max!);
      const toMin = min !== null && isT(min)
        ? where(
          both
            ? x.lt(min).logical_and(applyBinary("lt", min, max!))
            : x.lt(min),
          g,
          0,
        )
        : undefined;
      const toMax = max !== null && isT(max)
        ? where(
          both ? x.gt(max).logical_or(applyBinary("lt", max, min!)) : x.gt(max),
          g,
          0,
        )
        : undefined;
      return [where(keep, g, 0), toMin, toMax];
    },
  });
  return deliver(r, o.out);
}

/**
 * ATen's `threshold_backward(grad, out, 0)` in one pass: `grad` where `out > 0` or is NaN, else 0
 * (relu's gradient, with no graph recorded; it takes mul's type rule).
 */
export function thresholdBackward(grad: Tensor, out: Tensor): Tensor {
  return applyBinary("mul", grad, out, 1, "threshold_backward");
}

function clampValues(
  input: Tensor,
  min: TensorOrScalar | null,
  max: TensorOrScalar | null,
): Tensor {
  // A NaN number as a bound is ignored, as PyTorch does; a NaN in a tensor bound is the result
  // there (the kernels' clamp_min/clamp_max).
  const o = {
    min: typeof min === "number" && Number.isNaN(min) ? null : min,
    max: typeof max === "number" && Number.isNaN(max) ? null : max,
  };
  let r: Tensor = input;
  // PyTorch applies min first, then max, so max wins when min > max; NaN in input propagates.
  if (o.min !== null) {
    r = applyBinary("maximum", r, o.min, 1, "clamp_min");
  }
  if (o.max !== null) {
    r = applyBinary("minimum", r, o.max, 1, "clamp_max");
  }
  return r;
}

/** `torch.round(input, { decimals })`: half to even, as PyTorch. */
export function round(
  input: Tensor,
  opts: { decimals?: number } & OutOptions = {},
): Tensor {
  const d = opts.decimals ?? 0;
  if (d === 0) {
    if (input.dtype === bool) {
      throw new RuntimeError(notForBool("round_vml_cpu"));
    }
    if (!input.dtype.is_floating_point) {
      return deliver(cast(input, input.dtype, true), opts.out);
    }
    // round(x, decimals=0) is the decimals overload in PyTorch, with its own node name.
    const node = opts.decimals === undefined
      ? "RoundBackward0"
      : "RoundBackward1";
    return deliver(rounded(input, 0, node), opts.out);
  }
  return deliver(rounded(input, d, "RoundBackward1"), opts.out);
}

function rounded(x: Tensor, decimals: number, node: string): Tensor {
  const backend = x.storage.backend;
  const out = Tensor.empty(x._shape, x.dtype, backend);
  backend.ops.unary("round", x._view(), out._view(), x._shape, decimals);
  record({
    name: node,
    inputs: [x],
    outputs: [out],
    backward: ([g]) => [zeroGrad(g)],
  });
  return out;
}

/**
 * `torch.where(condition, input, other)`: elements of input where condition holds, else other.
 * `torch.where(condition)` alone is `torch.nonzero(condition, { as_tuple: true })`.
 */
export function where(condition: Tensor): Tensor[];
/**
 * `torch.where(condition, input, other)`: broadcasts the three and promotes input and other.
 *
 * ```ts
 * torch.where(torch.tensor([true, false]), 1, 0); // [1, 0]
 * ```
 */
export function where(
  condition: Tensor,
  input: TensorOrScalar,
  other: TensorOrScalar,
): Tensor;
export function where(
  condition: Tensor,
  input?: TensorOrScalar,
  other?: TensorOrScalar,
): Tensor | Tensor[] {
  if (input === undefined && other === undefined) {
    return nonzero(condition, { as_tuple: true }) as Tensor[];
  }
  if (input === undefined || other === undefined) {
    throw new TypeError(
      "where() received an invalid combination of arguments - got (Tensor, Tensor), but expected one of:\n" +
        " * (Tensor condition)\n * (Tensor condition, Tensor input, Tensor other)",
    );
  }
  if (condition.dtype !== bool && condition.dtype.name !== "uint8") {
    throw new RuntimeError(
      `where expected condition to be a boolean tensor, but got a tensor with dtype ${condition.dtype.scalar_name}`,
    );
  }
  const dtype = result_type(asOperand(input), asOperand(other));
  const backend = backendOf(condition, input, other);
  const x = isT(input) ? cast(input, dtype) : roundScalar(input, dtype);
  const y = isT(other) ? cast(other, dtype) : roundScalar(other, dtype);
  const shape = broadcastShapes(
    condition._shape,
    isT(x) ? x._shape : [],
    isT(y) ? y._shape : [],
  );
  const out = Tensor.empty(shape, dtype, backend);
  const view = (v: Tensor | number) => (isT(v) ? broadcastView(v, shape) : v);
  backend.ops.where(
    broadcastView(condition, shape),
    view(x),
    view(y),
    out._view(),
    shape,
  );
  record({
    name: "WhereBackward0",
    inputs: [condition, input, other],
    outputs: [out],
    save: [condition],
    backward: ([g], [c]) => [undefined, where(c, g, 0), where(c, 0, g)],
  });
  return out;
}
