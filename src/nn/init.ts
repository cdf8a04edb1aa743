// `torch.nn.init`: in-place parameter initialisers, drawing PyTorch's numbers after manual_seed
// (bounds computed in double exactly as PyTorch's Python does, then uniform_/normal_).

import { ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { no_grad } from "../autograd/grad_mode.ts";
import { erf } from "../backend/math.ts";
import { tensor as makeTensor } from "../ops/creation.ts";
import * as rnd from "../ops/random.ts";
import type { Generator } from "../random/generator.ts";

type Nonlinearity =
  | "linear"
  | "conv1d"
  | "conv2d"
  | "conv3d"
  | "conv_transpose1d"
  | "conv_transpose2d"
  | "conv_transpose3d"
  | "sigmoid"
  | "tanh"
  | "relu"
  | "leaky_relu"
  | "selu";

/** Options every random initialiser takes. */
export interface InitOptions {
  /** The generator to draw from (the default generator otherwise). */
  generator?: Generator;
}

/**
 * `init.calculate_gain(nonlinearity, param = null)`: the recommended gain for a nonlinearity.
 * @example init.calculate_gain("leaky_relu", 0.2)  // sqrt(2 / 1.04)
 */
export function calculate_gain(
  nonlinearity: Nonlinearity | string,
  param: number | null = null,
): number {
  const linear = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
  ];
  if (linear.includes(nonlinearity)) return 1;
  if (nonlinearity === "tanh") return 5.0 / 3;
  if (nonlinearity === "relu") return Math.sqrt(2.0);
  if (nonlinearity === "leaky_relu") {
    const slope = param ?? 0.01;
    if (typeof slope !== "number") {
      throw new ValueError(`negative_slope ${slope} not a valid number`);
    }
    return Math.sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity === "selu") return 3.0 / 4;
  throw new ValueError(`Unsupported nonlinearity ${nonlinearity}`);
}

/**
 * `init._calculate_fan_in_and_fan_out(tensor)`: [fan_in, fan_out] of a weight shaped
 * (out, in, *kernel).
 * @example init._calculate_fan_in_and_fan_out(torch.empty(6, 1, 5, 5))  // [25, 150]
 */
export function _calculate_fan_in_and_fan_out(t: Tensor): [number, number] {
  if (t.dim() < 2) {
    throw new ValueError(
      "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions",
    );
  }
  const rf = t._shape.slice(2).reduce((a, b) => a * b, 1);
  return [t._shape[1] * rf, t._shape[0] * rf];
}

function fanOf(t: Tensor, mode: string): number {
  if (mode !== "fan_in" && mode !== "fan_out") {
    throw new ValueError(
      `Mode ${mode} not supported, please use one of fan_in, fan_out`,
    );
  }
  const [fin, fout] = _calculate_fan_in_and_fan_out(t);
  return mode === "fan_in" ? fin : fout;
}

/**
 * `init.uniform_(tensor, a = 0, b = 1)`: U(a, b) in place.
 * @example init.uniform_(w, -0.1, 0.1)
 */
export function uniform_(
  t: Tensor,
  a = 0,
  b = 1,
  opts: InitOptions = {},
): Tensor {
  return no_grad(() => rnd.uniform_(t, a, b, opts));
}

/**
 * `init.normal_(tensor, mean = 0, std = 1)`: N(mean, std²) in place.
 * @example init.normal_(w, 0, 0.02)
 */
export function normal_(
  t: Tensor,
  mean = 0,
  std = 1,
  opts: InitOptions = {},
): Tensor {
  return no_grad(() => rnd.normal_(t, mean, std, opts));
}

/**
 * `init.constant_(tensor, val)`: every element set to val.
 * @example init.constant_(b, 0.1)
 */
export function constant_(t: Tensor, val: number): Tensor {
  return no_grad(() => t.fill_(val));
}

/**
 * `init.ones_(tensor)`.
 * @example init.ones_(w)
 */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * `init.zeros_(tensor)`.
 * @example init.zeros_(b)
 */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/**
 * `init.eye_(tensor)`: the identity in a 2-D tensor (ones on the main diagonal).
 * @example init.eye_(torch.empty(3, 5))
 */
export function eye_(t: Tensor): Tensor {
  if (t.dim() !== 2) {
    throw new ValueError("Only tensors with 2 dimensions are supported");
  }
  return no_grad(() => {
    t.fill_(0);
    const n = Math.min(t._shape[0], t._shape[1]);
    for (let i = 0; i < n; i++) t.select(0, i).select(0, i).fill_(1);
    return t;
  });
}

/**
 * `init.xavier_uniform_(tensor, gain = 1)`: U(-a, a) with a = gain·sqrt(6 / (fan_in + fan_out)).
 * @example init.xavier_uniform_(w)
 */
export function xavier_uniform_(
  t: Tensor,
  gain = 1,
  opts: InitOptions = {},
): Tensor {
  const [fin, fout] = _calculate_fan_in_and_fan_out(t);
  const std = gain * Math.sqrt(2.0 / (fin + fout));
  const a = Math.sqrt(3.0) * std;
  return uniform_(t, -a, a, opts);
}

/**
 * `init.xavier_normal_(tensor, gain = 1)`: N(0, std²) with std = gain·sqrt(2 / (fan_in + fan_out)).
 * @example init.xavier_normal_(w)
 */
export function xavier_normal_(
  t: Tensor,
  gain = 1,
  opts: InitOptions = {},
): Tensor {
  const [fin, fout] = _calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * Math.sqrt(2.0 / (fin + fout)), opts);
}

/** Options of the kaiming initialisers. */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the leaky_relu that follows (0 for relu). */
  a?: number;
  /** Which fan sets the scale: "fan_in" keeps forward variance, "fan_out" backward variance. */
  mode?: "fan_in" | "fan_out";
  /** The nonlinearity whose gain is used (default "leaky_relu"). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const fan = fanOf(t, o.mode ?? "fan_in");
  return calculate_gain(o.nonlinearity ?? "leaky_relu", o.a ?? 0) /
    Math.sqrt(fan);
}

/**
 * `init.kaiming_uniform_(tensor, a = 0, mode = "fan_in", nonlinearity = "leaky_relu")`:
 * U(-b, b) with b = gain·sqrt(3 / fan). nn.Linear and nn.Conv use a = sqrt(5).
 * @example init.kaiming_uniform_(w, { a: Math.sqrt(5) })
 */
export function kaiming_uniform_(t: Tensor, ...args: unknown[]): Tensor {
  const o = kaimingArgs(args);
  if (t._shape.includes(0)) return t;
  const bound = Math.sqrt(3.0) * kaimingStd(t, o);
  return uniform_(t, -bound, bound, { generator: o.generator });
}

/**
 * `init.kaiming_normal_(tensor, a = 0, mode = "fan_in", nonlinearity = "leaky_relu")`:
 * N(0, std²) with std = gain / sqrt(fan).
 * @example init.kaiming_normal_(w, { mode: "fan_out", nonlinearity: "relu" })
 */
export function kaiming_normal_(t: Tensor, ...args: unknown[]): Tensor {
  const o = kaimingArgs(args);
  if (t._shape.includes(0)) return t;
  return normal_(t, 0, kaimingStd(t, o), { generator: o.generator });
}

function kaimingArgs(args: unknown[]): KaimingOptions {
  const last = args[args.length - 1];
  const opts = (last !== null && typeof last === "object")
    ? args.pop() as KaimingOptions
    : {};
  const [a, mode, nonlinearity] = args as [
    number?,
    KaimingOptions["mode"]?,
    Nonlinearity?,
  ];
  return {
    ...opts,
    a: a ?? opts.a,
    mode: mode ?? opts.mode,
    nonlinearity: nonlinearity ?? opts.nonlinearity,
  };
}

/**
 * `init.orthogonal_(tensor, gain = 1)`: a (semi-)orthogonal matrix from the QR decomposition of a
 * standard normal draw, with Q's columns signed so that R's diagonal is positive.
 * @example init.orthogonal_(torch.empty(3, 5))
 */
export function orthogonal_(
  t: Tensor,
  gain = 1,
  opts: InitOptions = {},
): Tensor {
  if (t.dim() < 2) {
    throw new ValueError(
      "Only tensors with 2 or more dimensions are supported",
    );
  }
  if (t.numel() === 0) return t;
  const rows = t._shape[0], cols = t.numel() / rows;
  const flat = rnd.normal_(Tensor.empty([rows, cols], t.dtype), 0, 1, opts);
  const a = flat.tolist() as number[][];
  // QR of the tall orientation (m >= n); for a wide matrix, Q of its transpose, transposed back.
  const tall = rows >= cols;
  const m = tall ? rows : cols, n = tall ? cols : rows;
  const cols_ = Array.from(
    { length: n },
    (_, j) =>
      Float64Array.from({ length: m }, (_, i) => tall ? a[i][j] : a[j][i]),
  );
  const q = gramSchmidt(cols_);
  const out = tall
    ? Array.from({ length: m }, (_, i) => q.map((c) => c[i] * gain))
    : q.map((c) => Array.from(c, (v) => v * gain));
  return no_grad(() =>
    t.view_as(flat).copy_(makeTensor(out, { dtype: t.dtype }))
  );
}

/**
 * Modified Gram-Schmidt with one reorthogonalisation pass: the Q of a QR decomposition whose R has
 * a positive diagonal, which is what PyTorch gets after multiplying by sign(diag(R)).
 */
function gramSchmidt(columns: Float64Array[]): Float64Array[] {
  const q: Float64Array[] = [];
  for (const col of columns) {
    const v = Float64Array.from(col);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let d = 0;
        for (let i = 0; i < v.length; i++) d += u[i] * v[i];
        for (let i = 0; i < v.length; i++) v[i] -= d * u[i];
      }
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  return q;
}

/**
 * `init.trunc_normal_(tensor, mean = 0, std = 1, a = -2, b = 2)`: N(mean, std²) truncated to
 * [a, b], by PyTorch's inverse-CDF method (uniform_ draws, then erfinv). Values agree with PyTorch
 * to float32 rounding (its erfinv kernel is not reproduced bit for bit).
 * @example init.trunc_normal_(w, 0, 0.02)
 */
export function trunc_normal_(
  t: Tensor,
  mean = 0,
  std = 1,
  a = -2,
  b = 2,
  opts: InitOptions = {},
): Tensor {
  const cdf = (x: number) => (1 + erf(x / Math.sqrt(2))) / 2;
  const l = cdf((a - mean) / std), u = cdf((b - mean) / std);
  return no_grad(() => {
    rnd.uniform_(t, 2 * l - 1, 2 * u - 1, opts);
    const v = (t.reshape(-1).tolist() as number[]).map((y) =>
      Math.min(b, Math.max(a, erfinv(y) * (std * Math.sqrt(2)) + mean))
    );
    return t.copy_(makeTensor(v, { dtype: t.dtype }).reshape(t._shape));
  });
}

/** erfinv in double: Giles' approximation refined by Newton steps on erf. */
function erfinv(y: number): number {
  if (y <= -1) return y === -1 ? -Infinity : NaN;
  if (y >= 1) return y === 1 ? Infinity : NaN;
  let w = -Math.log((1 - y) * (1 + y)), x: number;
  if (w < 5) {
    w -= 2.5;
    let p = 2.81022636e-08;
    for (
      const c of [
        3.43273939e-07,
        -3.5233877e-06,
        -4.39150654e-06,
        0.00021858087,
        -0.00125372503,
        -0.00417768164,
        0.246640727,
        1.50140941,
      ]
    ) p = c + p * w;
    x = p * y;
  } else {
    w = Math.sqrt(w) - 3;
    let p = -0.000200214257;
    for (
      const c of [
        0.000100950558,
        0.00134934322,
        -0.00367342844,
        0.00573950773,
        -0.0076224613,
        0.00943887047,
        1.00167406,
        2.83297682,
      ]
    ) p = c + p * w;
    x = p * y;
  }
  for (let i = 0; i < 2; i++) {
    x -= (erf(x) - y) / (1.1283791670955126 * Math.exp(-x * x));
  }
  return x;
}
