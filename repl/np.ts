// `np`: the part of NumPy the tutorial's bridge section and quick experiments reach for. Its arrays
// are the library's NDArray, the very type `t.numpy()` and `np.load` give, so the two mix freely:
// the arithmetic runs as tensor ops over the arrays' own memory (torch.from_numpy shares it), with
// NumPy's dtypes (float64 by default) and printing. Anything else raises an AttributeError.

import * as torch from "../mod.ts";

type NDArray = torch.NDArray;
type Tensor = torch.Tensor;
/** What the functions take where NumPy takes an array: an NDArray, a TypedArray, a (nested) list, a number. */
type ArrayInput = NDArray | ArrayBufferView | number | boolean | unknown[];
type DTypeArg = string | { name: string };

/** Python's AttributeError, for a NumPy name the stand-in lacks. */
export class AttributeError extends Error {
  override name = "AttributeError";
}

const { NDArray } = torch;

/** The dtypes NumPy's names map to (those flambeau has). */
const DTYPES: Record<string, torch.dtype> = {
  float64: torch.float64,
  float32: torch.float32,
  float16: torch.float16,
  int64: torch.int64,
  int32: torch.int32,
  int16: torch.int16,
  int8: torch.int8,
  uint8: torch.uint8,
  bool: torch.bool,
};

function dtypeOf(d: DTypeArg | undefined, fallback: torch.dtype): torch.dtype {
  if (d === undefined) return fallback;
  const name = typeof d === "string" ? d : d.name;
  const dt = DTYPES[name];
  if (!dt) throw new TypeError(`data type '${name}' not understood`);
  return dt;
}

/** Python's complaint about a keyword the function does not take. */
function checkOptions(
  fn: string,
  opts: object | undefined,
  allowed: string[],
): void {
  for (const k of Object.keys(opts ?? {})) {
    if (!allowed.includes(k)) {
      throw new TypeError(`${fn}() got an unexpected keyword argument '${k}'`);
    }
  }
}

const isArray = (x: unknown): x is NDArray => x instanceof NDArray;

/** An array argument as a tensor over the same memory (no copy for NDArrays and TypedArrays). */
function tensorOf(x: ArrayInput): Tensor {
  if (isArray(x) || ArrayBuffer.isView(x)) return torch.from_numpy(x);
  if (Array.isArray(x)) {
    const flat = (x as unknown[]).flat(Infinity);
    const ints = flat.every((v) => typeof v === "boolean")
      ? torch.bool
      : flat.every((v) => Number.isInteger(v))
      ? torch.int64
      : torch.float64;
    return torch.tensor(x as number[], { dtype: ints });
  }
  if (typeof x === "number" || typeof x === "boolean") {
    return torch.tensor(x as number, {
      dtype: typeof x === "boolean"
        ? torch.bool
        : Number.isInteger(x)
        ? torch.int64
        : torch.float64,
    });
  }
  throw new TypeError(
    `unsupported operand: ${Object.prototype.toString.call(x)}`,
  );
}

const FLOAT_RANK: Record<string, number> = {
  float16: 1,
  float32: 2,
  float64: 3,
};
const INT_RANK: Record<string, number> = {
  bool: 0,
  uint8: 1,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
};

/**
 * NumPy's result dtype for arrays mixed with Python numbers: the widest float among the arrays;
 * else float64 if a number is fractional; else the widest integer (a number alone is int64).
 */
function resultType(operands: ArrayInput[], toFloat: boolean): torch.dtype {
  const arrays = operands.filter((o) =>
    typeof o !== "number" && typeof o !== "boolean"
  )
    .map((o) => tensorOf(o).dtype);
  const floats = arrays.filter((d) => d.is_floating_point);
  if (floats.length) {
    return floats.reduce((
      a,
      b,
    ) => (FLOAT_RANK[b.name] > FLOAT_RANK[a.name] ? b : a));
  }
  const fractional = operands.some((o) =>
    typeof o === "number" && !Number.isInteger(o)
  );
  if (fractional || toFloat) return torch.float64;
  if (arrays.length === 0) {
    return operands.every((o) => typeof o === "boolean")
      ? torch.bool
      : torch.int64;
  }
  return arrays.reduce((a, b) => (INT_RANK[b.name] > INT_RANK[a.name] ? b : a));
}

/** An operand cast to the result dtype: numbers stay numbers, so they broadcast as scalars. */
function operand(x: ArrayInput, dtype: torch.dtype): Tensor | number {
  if (typeof x === "number") return x;
  if (typeof x === "boolean") return Number(x);
  const t = tensorOf(x);
  return t.dtype === dtype ? t : t.to(dtype);
}

type Out = { out?: NDArray };

/** The result into `out` (NumPy's out=, which a tensor sharing its memory sees) or a new array. */
function finish(fn: string, result: Tensor, opts: Out | undefined): NDArray {
  checkOptions(fn, opts, ["out"]);
  const out = opts?.out;
  if (out === undefined) return result.contiguous().numpy();
  if (!isArray(out)) throw new TypeError("return arrays must be of ArrayType");
  const target = torch.from_numpy(out);
  if (
    result.dim() > target.dim() ||
    result.shape.some((s, i) =>
      s !== target.shape[target.dim() - result.dim() + i] && s !== 1
    )
  ) {
    throw new ValueError(
      `non-broadcastable output operand with shape (${
        target.shape.join(",")
      }) doesn't match the broadcast shape (${result.shape.join(",")})`,
    );
  }
  target.copy_(result);
  return out;
}

class ValueError extends Error {
  override name = "ValueError";
}

type BinaryOp = (a: ArrayInput, b: ArrayInput, opts?: Out) => NDArray;

function binary(
  fn: string,
  op: (a: Tensor, b: Tensor | number) => Tensor,
  toFloat = false,
): BinaryOp {
  return (a, b, opts) => {
    const dtype = resultType([a, b], toFloat);
    const x = operand(a, dtype), y = operand(b, dtype);
    // A number on the left: as a 0-d array of the result's dtype.
    const left = typeof x === "number" ? torch.tensor(x, { dtype }) : x;
    return finish(fn, op(left, y), opts);
  };
}

function unary(fn: string, op: (a: Tensor) => Tensor, toFloat = true) {
  return (a: ArrayInput, opts?: Out): NDArray => {
    const dtype = resultType([a], toFloat);
    const x = operand(a, dtype);
    return finish(
      fn,
      op(typeof x === "number" ? torch.tensor(x, { dtype }) : x),
      opts,
    );
  };
}

type Shape = number | number[];
const shapeOf = (s: Shape): number[] => (typeof s === "number" ? [s] : [...s]);
type Creation = { dtype?: DTypeArg };

function created(fn: string, t: Tensor, opts: Creation | undefined): NDArray {
  checkOptions(fn, opts, ["dtype"]);
  return t.numpy();
}

/** A full reduction is a Python number; with `axis`, an array. */
function reduction(fn: string, op: (t: Tensor, axis?: number) => Tensor) {
  return (
    a: ArrayInput,
    opts?: { axis?: number },
  ): NDArray | number | boolean => {
    checkOptions(fn, opts, ["axis"]);
    const t = tensorOf(a);
    const r = opts?.axis === undefined ? op(t) : op(t, opts.axis);
    if (r.dim() > 0) return r.contiguous().numpy();
    const v = r.item();
    return typeof v === "bigint" ? Number(v) : v as number | boolean;
  };
}

/** `np.ones(shape)` and its kin: float64 unless a dtype is given. */
function filled(
  fn: string,
  make: (size: number[], opts: { dtype: torch.dtype }) => Tensor,
) {
  return (shape: Shape, opts?: Creation): NDArray =>
    created(
      fn,
      make(shapeOf(shape), { dtype: dtypeOf(opts?.dtype, torch.float64) }),
      opts,
    );
}

const sumLike = (
  t: Tensor,
) => (t.dtype.is_floating_point ? t : t.to(torch.int64));

const functions = {
  ones: filled("ones", torch.ones),
  zeros: filled("zeros", torch.zeros),
  empty: filled("empty", torch.zeros),
  full: (shape: Shape, value: number, opts?: Creation) =>
    created(
      "full",
      torch.full(shapeOf(shape), value, {
        dtype: dtypeOf(
          opts?.dtype,
          Number.isInteger(value) ? torch.int64 : torch.float64,
        ),
      }),
      opts,
    ),
  /** `np.arange(stop)`, `np.arange(start, stop, step)`: int64 when every bound is an integer. */
  arange: (start: number, stop?: number, step = 1, opts?: Creation) => {
    const [a, b] = stop === undefined ? [0, start] : [start, stop];
    const ints = [a, b, step].every(Number.isInteger);
    return created(
      "arange",
      torch.arange(a, b, step, {
        dtype: dtypeOf(opts?.dtype, ints ? torch.int64 : torch.float64),
      }),
      opts,
    );
  },
  linspace: (start: number, stop: number, num = 50, opts?: Creation) =>
    created(
      "linspace",
      torch.linspace(start, stop, num, {
        dtype: dtypeOf(opts?.dtype, torch.float64),
      }),
      opts,
    ),
  /** `np.array(list)`: a copy; int64 for integers, float64 for other numbers, bool for booleans. */
  array: (values: ArrayInput, opts?: Creation) => {
    const t = tensorOf(values);
    const dtype = dtypeOf(opts?.dtype, t.dtype);
    return created("array", t.to(dtype, { copy: true }).contiguous(), opts);
  },
  /** `np.asarray`: the same memory where it already is an array. */
  asarray: (values: ArrayInput, opts?: Creation) => {
    if (isArray(values) && opts?.dtype === undefined) return values;
    return functions.array(values, opts);
  },
  add: binary("add", (a, b) => a.add(b)),
  subtract: binary("subtract", (a, b) => a.sub(b)),
  multiply: binary("multiply", (a, b) => a.mul(b)),
  divide: binary("divide", (a, b) => a.div(b), true),
  true_divide: binary("true_divide", (a, b) => a.div(b), true),
  floor_divide: binary(
    "floor_divide",
    (a, b) => a.div(b, { rounding_mode: "floor" }),
  ),
  remainder: binary("remainder", (a, b) => a.remainder(b)),
  mod: binary("mod", (a, b) => a.remainder(b)),
  power: binary("power", (a, b) => a.pow(b)),
  maximum: binary(
    "maximum",
    (a, b) =>
      a.maximum(
        typeof b === "number" ? torch.tensor(b, { dtype: a.dtype }) : b,
      ),
  ),
  minimum: binary(
    "minimum",
    (a, b) =>
      a.minimum(
        typeof b === "number" ? torch.tensor(b, { dtype: a.dtype }) : b,
      ),
  ),
  less: binary("less", (a, b) => a.lt(b)),
  less_equal: binary("less_equal", (a, b) => a.le(b)),
  greater: binary("greater", (a, b) => a.gt(b)),
  greater_equal: binary("greater_equal", (a, b) => a.ge(b)),
  equal: binary("equal", (a, b) => a.eq(b)),
  not_equal: binary("not_equal", (a, b) => a.ne(b)),
  negative: unary("negative", (a) => a.neg(), false),
  absolute: unary("absolute", (a) => a.abs(), false),
  abs: unary("abs", (a) => a.abs(), false),
  exp: unary("exp", (a) => a.exp()),
  log: unary("log", (a) => a.log()),
  sqrt: unary("sqrt", (a) => a.sqrt()),
  sin: unary("sin", (a) => a.sin()),
  cos: unary("cos", (a) => a.cos()),
  tanh: unary("tanh", (a) => a.tanh()),
  sum: reduction(
    "sum",
    (t, axis) => (axis === undefined ? sumLike(t).sum() : sumLike(t).sum(axis)),
  ),
  mean: reduction("mean", (t, axis) => {
    const f = t.dtype.is_floating_point ? t : t.to(torch.float64);
    return axis === undefined ? f.mean() : f.mean(axis);
  }),
  max: reduction(
    "max",
    (t, axis) => (axis === undefined ? t.max() : t.amax(axis)),
  ),
  min: reduction(
    "min",
    (t, axis) => (axis === undefined ? t.min() : t.amin(axis)),
  ),
  reshape: (a: ArrayInput, shape: Shape): NDArray =>
    tensorOf(a).reshape(shapeOf(shape)).numpy(),
  dot: (a: ArrayInput, b: ArrayInput): NDArray | number => {
    const dtype = resultType([a, b], false);
    const r = torch.matmul(
      operand(a, dtype) as Tensor,
      operand(b, dtype) as Tensor,
    );
    if (r.dim() > 0) return r.contiguous().numpy();
    return Number(r.item());
  },
  matmul: (a: ArrayInput, b: ArrayInput, opts?: Out): NDArray => {
    const dtype = resultType([a, b], false);
    return finish(
      "matmul",
      torch.matmul(operand(a, dtype) as Tensor, operand(b, dtype) as Tensor),
      opts,
    );
  },
  float64: "float64",
  float32: "float32",
  float16: "float16",
  int64: "int64",
  int32: "int32",
  int16: "int16",
  int8: "int8",
  uint8: "uint8",
  bool_: "bool",
  pi: Math.PI,
  e: Math.E,
  nan: NaN,
  inf: Infinity,
  ndarray: NDArray,
};

/** Property names a runtime probes on any object (inspect, await, JSON): never an error. */
const PROBES = new Set([
  "then",
  "toJSON",
  "constructor",
  "inspect",
  "valueOf",
  "toString",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "prototype",
  "length",
  "name",
]);

/**
 * `np`: NumPy's names above, with `out: a` as NumPy's `out=a`. A name it lacks is an
 * AttributeError that lists what there is, never a silent `undefined`.
 *
 * @example const a = np.ones(5); np.add(a, 1, { out: a }); // a is array([2., 2., 2., 2., 2.])
 */
export const np: typeof functions = new Proxy(functions, {
  get(target, key, receiver) {
    if (typeof key === "symbol" || key in target || PROBES.has(key)) {
      return Reflect.get(target, key, receiver);
    }
    throw new AttributeError(
      `module 'numpy' has no attribute '${key}' (flambeau's np stand-in has: ${
        Object.keys(target).join(", ")
      }; for .npy files, see interop/)`,
    );
  },
});

/** The np function for a Python operator on arrays, for repl/operators.ts. */
export const ARRAY_OPERATORS: Record<string, BinaryOp> = {
  add: functions.add,
  sub: functions.subtract,
  mul: functions.multiply,
  div: functions.divide,
  remainder: functions.remainder,
  pow: functions.power,
  lt: functions.less,
  le: functions.less_equal,
  gt: functions.greater,
  ge: functions.greater_equal,
};
