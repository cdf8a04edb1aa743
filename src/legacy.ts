// PyTorch's legacy tensor constructors: torch.Tensor(2, 3) (a shape) versus torch.Tensor([1, 2])
// (values), callable with or without `new`, and `instanceof torch.Tensor` for every tensor.

import { type DType, DTYPES, get_default_dtype } from "./dtype.ts";
import { registerLegacyName, Tensor as TensorClass } from "./tensor.ts";
import { tensor, zeros } from "./ops/creation.ts";

/** A legacy constructor such as `torch.FloatTensor`: call it with sizes, or with data. */
export interface LegacyConstructor {
  /** `torch.FloatTensor(2, 3)`: a zero-filled tensor of that shape (PyTorch leaves it uninitialised). */
  (...sizes: number[]): TensorClass;
  /** `torch.FloatTensor([1, 2])`: the data, converted to this constructor's dtype. */
  (data: ArrayLike<unknown> | TensorClass): TensorClass;
  /** `new torch.FloatTensor(2, 3)`: as the call with sizes. */
  new (...sizes: number[]): TensorClass;
  /** `new torch.FloatTensor([1, 2])`: as the call with data. */
  new (data: ArrayLike<unknown> | TensorClass): TensorClass;
  /** The dtype this constructor makes (for `torch.Tensor`, the current default dtype). */
  readonly dtype: DType;
  /** `Tensor.prototype`, so that `x instanceof torch.FloatTensor` holds for every tensor. */
  readonly prototype: TensorClass;
}

function legacy(name: string, dtype: () => DType): LegacyConstructor {
  function ctor(...args: unknown[]): TensorClass {
    const d = dtype();
    if (args.length === 0) return zeros([0], { dtype: d });
    if (args.every((a) => typeof a === "number")) {
      const sizes = args as number[];
      if (sizes.some((s) => !Number.isInteger(s) || s < 0)) {
        throw new TypeError(
          `${name}(): argument 'size' must be a sequence of non-negative ints, but got [${
            sizes.join(", ")
          }]`,
        );
      }
      // PyTorch leaves this memory uninitialised; JavaScript memory starts zeroed.
      return zeros(sizes, { dtype: d });
    }
    if (args.length === 1 && typeof args[0] === "object" && args[0] !== null) {
      return tensor(args[0] as ArrayLike<unknown>, { dtype: d });
    }
    throw new TypeError(
      `${name}(): expected sizes (ints) or a sequence of data, but got ${
        args.map((a) => typeof a).join(", ")
      }`,
    );
  }
  Object.defineProperty(ctor, "name", { value: name });
  Object.defineProperty(ctor, "dtype", { get: dtype });
  // `x instanceof torch.FloatTensor` is true for every tensor, as `isinstance(x, torch.Tensor)` is.
  ctor.prototype = TensorClass.prototype;
  return ctor as unknown as LegacyConstructor;
}

/** `torch.Tensor`: the default dtype's legacy constructor (FloatTensor unless changed). */
export const Tensor: LegacyConstructor = legacy("Tensor", get_default_dtype);
/** `torch.FloatTensor`: the legacy constructor of float32 tensors. */
export const FloatTensor: LegacyConstructor = legacy(
  "FloatTensor",
  () => DTYPES.float32,
);
/** `torch.DoubleTensor`: the legacy constructor of float64 tensors. */
export const DoubleTensor: LegacyConstructor = legacy(
  "DoubleTensor",
  () => DTYPES.float64,
);
/** `torch.HalfTensor`: the legacy constructor of float16 tensors. */
export const HalfTensor: LegacyConstructor = legacy(
  "HalfTensor",
  () => DTYPES.float16,
);
/** `torch.LongTensor`: the legacy constructor of int64 tensors. */
export const LongTensor: LegacyConstructor = legacy(
  "LongTensor",
  () => DTYPES.int64,
);
/** `torch.IntTensor`: the legacy constructor of int32 tensors. */
export const IntTensor: LegacyConstructor = legacy(
  "IntTensor",
  () => DTYPES.int32,
);
/** `torch.ShortTensor`: the legacy constructor of int16 tensors. */
export const ShortTensor: LegacyConstructor = legacy(
  "ShortTensor",
  () => DTYPES.int16,
);
/** `torch.CharTensor`: the legacy constructor of int8 tensors. */
export const CharTensor: LegacyConstructor = legacy(
  "CharTensor",
  () => DTYPES.int8,
);
/** `torch.ByteTensor`: the legacy constructor of uint8 tensors. */
export const ByteTensor: LegacyConstructor = legacy(
  "ByteTensor",
  () => DTYPES.uint8,
);
/** `torch.BoolTensor`: the legacy constructor of bool tensors. */
export const BoolTensor: LegacyConstructor = legacy(
  "BoolTensor",
  () => DTYPES.bool,
);

/** `torch.BFloat16Tensor`: the legacy constructor of bfloat16 tensors. */
export const BFloat16Tensor: LegacyConstructor = legacy(
  "BFloat16Tensor",
  () => DTYPES.bfloat16,
);

// uint16/32/64 name themselves `torch.UInt16Tensor` in `x.type()`, but PyTorch has no such
// constructors and `x.type("torch.UInt16Tensor")` is its "invalid type" error.
for (const d of Object.values(DTYPES)) {
  if (d.legacy.startsWith("UInt") && d.legacy !== "UInt8Tensor") continue;
  registerLegacyName(d.legacy, d);
}
