// Scans along one dim: cumsum and cumprod, with cumprod's exact gradient where x has zeros. There
// is no scan primitive yet: the forward computes on the host through the counted fallback.

import { wrapDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { hostValues } from "./_fallback.ts";
import { parseArgs } from "./_args.ts";
import { cast, deliver } from "./core.ts";
import { where } from "./elementwise.ts";
import { flip, permute } from "./views.ts";
import { cat } from "./indexing.ts";
import { arange } from "./creation.ts";
import { record } from "../autograd/record.ts";
import { accumulateDtype, build } from "./_rows.ts";

function scan(
  name: "cumsum" | "cumprod",
  input: Tensor,
  args: unknown[],
): Tensor {
  const o = parseArgs(name, args, ["dim"], {
    dim: undefined as number | undefined,
    dtype: undefined as unknown,
    out: undefined as Tensor | undefined,
  });
  if (o.dim === undefined) {
    throw new TypeError(`${name}() missing required argument 'dim'`);
  }
  const rank = input.dim();
  const d = wrapDim(o.dim, rank);
  const order = [...Array(rank).keys()].filter((k) => k !== d).concat(
    rank ? [d] : [],
  );
  const p = rank ? permute(input.detach(), order) : input;
  const [vals] = hostValues(name, p);
  const len = rank ? input._shape[d] : 1;
  for (let start = 0; start < vals.length; start += len) {
    for (let i = start + 1; i < start + len; i++) {
      vals[i] = name === "cumsum"
        ? vals[i - 1] + vals[i]
        : vals[i - 1] * vals[i];
    }
  }
  const dtype = accumulateDtype(input, o.dtype);
  const permuted = build(vals, p._shape, dtype, input);
  const inverse = order.map((_, k) => order.indexOf(k));
  const result = rank
    ? cast(permute(permuted, inverse), dtype, true)
    : permuted;
  // cumsum's gradient is the reversed cumulative sum of g; cumprod's (without zeros in x) is the
  // reversed cumulative sum of g * y, divided by x.
  const reverseCumsum = (t: Tensor) =>
    rank ? flip(flip(t, [d]).cumsum(d), [d]) : t;
  record({
    name: name === "cumsum" ? "CumsumBackward0" : "CumprodBackward0",
    inputs: [input],
    outputs: [result],
    save: name === "cumsum" ? [] : [input, result],
    backward: ([g], saved) =>
      name === "cumsum"
        ? [reverseCumsum(g)]
        : [cumprodGrad(g, saved[0], saved[1], d)],
  });
  return deliver(result, o.out);
}

/**
 * cumprod's gradient: sum over k >= i of g_k * y_k / x_i, or, where x has zeros, the same sum with
 * each product recomputed without x_i (exact, O(n^2) along the dim).
 */
function cumprodGrad(g: Tensor, x: Tensor, y: Tensor, d: number): Tensor {
  if (x.dim() === 0) return g;
  const rev = (t: Tensor) => flip(flip(t, [d]).cumsum(d), [d]);
  if (!x.eq(0).any().item()) return rev(g.mul(y)).div(x);
  const n = x._shape[d];
  const position = arange(n, { device: x.device }).reshape(
    x._shape.map((s, k) => (k === d ? s : 1)),
  );
  const parts: Tensor[] = [];
  for (let i = 0; i < n; i++) {
    const withoutI = where(position.eq(i), 1, x);
    parts.push(
      g.mul(withoutI.cumprod(d)).narrow(d, i, n - i).sum(d, { keepdim: true }),
    );
  }
  return cat(parts, d);
}

/** `torch.cumsum(input, dim, { dtype })`. */
export function cumsum(input: Tensor, ...args: unknown[]): Tensor {
  return scan("cumsum", input, args);
}

/** `torch.cumprod(input, dim, { dtype })`. */
export function cumprod(input: Tensor, ...args: unknown[]): Tensor {
  return scan("cumprod", input, args);
}
