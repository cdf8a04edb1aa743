// torch.einsum: Einstein summation over labelled dims, as compositions of permute, sum, mul and
// bmm (so it runs on every device and differentiates through those ops). Operands are contracted
// left to right, as PyTorch 1.13 does without opt_einsum; each pair becomes one batched matrix
// product (or a broadcast product when nothing is contracted).

import { RuntimeError } from "../errors.ts";
import type { Tensor } from "../tensor.ts";

const ELLIPSIS = "…";

/** One operand's labels, with "..." expanded to one label per broadcast dim (…0, …1, ...). */
function labelsOf(spec: string, rank: number, ellipsisDims: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < spec.length; i++) {
    if (spec.startsWith("...", i)) {
      const k = rank - (spec.replace("...", "").length);
      for (let e = 0; e < k; e++) out.push(ELLIPSIS + (ellipsisDims - k + e));
      i += 2;
    } else if (/[A-Za-z]/.test(spec[i])) out.push(spec[i]);
    else {
      throw new RuntimeError(
        `einsum(): invalid subscript given at index ${i} in the equation string, subscripts must be in [a-zA-Z]`,
      );
    }
  }
  return out;
}

interface Term {
  t: Tensor;
  labels: string[];
}

/** Sums out the labels of `term` not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const dims = term.labels.flatMap((l, i) => (keep.has(l) ? [] : [i]));
  if (dims.length === 0) return term;
  return {
    t: term.t.sum(dims),
    labels: term.labels.filter((l) => keep.has(l)),
  };
}

/** term's dims permuted (and unsqueezed for labels it lacks) to `order`. */
function arrange(term: Term, order: string[]): Tensor {
  const have = order.filter((l) => term.labels.includes(l));
  let t = term.t;
  const perm = have.map((l) => term.labels.indexOf(l));
  if (perm.some((p, i) => p !== i)) t = t.permute(perm);
  const shape = order.map((l) =>
    have.includes(l) ? term.t._shape[term.labels.indexOf(l)] : 1
  );
  return shape.length === t.dim() ? t : t.reshape(shape);
}

/** The size of each label, checking that the operands agree (1 broadcasts), as PyTorch words it. */
function sizes(terms: Term[]): Map<string, number> {
  const size = new Map<string, number>();
  terms.forEach(({ t, labels }, k) => {
    labels.forEach((l, i) => {
      const n = t._shape[i], was = size.get(l);
      if (was === undefined || was === 1) size.set(l, n);
      else if (n !== 1 && n !== was) {
        const name = l.startsWith(ELLIPSIS) ? "..." : l;
        throw new RuntimeError(
          `einsum(): subscript ${name} has size ${n} for operand ${k} which does not broadcast with previously seen size ${was}`,
        );
      }
    });
  });
  return size;
}

/** Contracts two terms, keeping the labels in `keep`. */
function pair(a: Term, b: Term, keep: Set<string>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  a = sumOut(a, new Set([...keep, ...inB]));
  b = sumOut(b, new Set([...keep, ...inA]));
  const size = sizes([a, b]);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const contracted = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const n = (ls: string[]) => ls.reduce((p, l) => p * size.get(l)!, 1);
  const bs = batch.map((l) => size.get(l)!);
  if (contracted.length === 0) {
    // Nothing summed: a broadcast product, already in [batch, left, right] order.
    const order = [...batch, ...left, ...right];
    return { t: arrange(a, order).mul(arrange(b, order)), labels: order };
  }
  const ta = arrange(a, [...batch, ...left, ...contracted])
    .expand([
      ...bs,
      ...left.map((l) => size.get(l)!),
      ...contracted.map((l) => size.get(l)!),
    ])
    .reshape([n(batch), n(left), n(contracted)]);
  const tb = arrange(b, [...batch, ...contracted, ...right])
    .expand([
      ...bs,
      ...contracted.map((l) => size.get(l)!),
      ...right.map((l) => size.get(l)!),
    ])
    .reshape([n(batch), n(contracted), n(right)]);
  const labels = [...batch, ...left, ...right];
  return {
    t: ta.bmm(tb).view(labels.map((l) => size.get(l)!)),
    labels,
  };
}

/**
 * `torch.einsum(equation, *operands)`: e.g. `einsum("ij,jk->ik", a, b)` (matmul),
 * `einsum("bij,bjk->bik", a, b)`, `einsum("i,i->", x, y)`, `einsum("...ij->...ji", x)`. Without
 * `->`, the output is the labels used once, in alphabetical order, after the broadcast dims.
 * A label repeated within one operand (a diagonal, as in "ii->i") is not supported yet.
 */
export function einsum(
  equation: string,
  ...operands: (Tensor | Tensor[])[]
): Tensor {
  const tensors =
    (operands.length === 1 && Array.isArray(operands[0])
      ? operands[0]
      : operands) as Tensor[];
  const eq = equation.replace(/\s+/g, "");
  const [lhs, rhs] = eq.includes("->") ? eq.split("->") : [eq, undefined];
  const specs = lhs.split(",");
  if (specs.length !== tensors.length) {
    throw new RuntimeError(
      `einsum(): more operands were provided than specified in the equation`,
    );
  }
  const ellipsisDims = Math.max(
    0,
    ...specs.map((s, i) =>
      s.includes("...") ? tensors[i].dim() - s.replace("...", "").length : 0
    ),
  );
  const terms: Term[] = specs.map((s, i) => {
    const labels = labelsOf(s, tensors[i].dim(), ellipsisDims);
    if (labels.length !== tensors[i].dim()) {
      throw new RuntimeError(
        `einsum(): the number of subscripts in the equation (${labels.length}) does not match the number of dimensions (${
          tensors[i].dim()
        }) for operand ${i}${
          s.includes("...") ? "" : " and no ellipsis was given"
        }`,
      );
    }
    if (new Set(labels).size !== labels.length) {
      throw new RuntimeError(
        "einsum(): a subscript repeated within one operand (a diagonal) is not supported yet",
      );
    }
    return { t: tensors[i], labels };
  });
  let output: string[];
  if (rhs !== undefined) {
    output = labelsOf(
      rhs,
      rhs.replace("...", "").length + (rhs.includes("...") ? ellipsisDims : 0),
      ellipsisDims,
    );
    for (const l of output) {
      if (!terms.some((t) => t.labels.includes(l))) {
        throw new RuntimeError(
          `einsum(): output subscript ${l} does not appear in the equation for any input operand`,
        );
      }
    }
  } else {
    const count = new Map<string, number>();
    for (const t of terms) {
      for (const l of t.labels) count.set(l, (count.get(l) ?? 0) + 1);
    }
    const ell = [...count.keys()].filter((l) => l.startsWith(ELLIPSIS)).sort();
    const once = [...count.keys()].filter((l) =>
      !l.startsWith(ELLIPSIS) && count.get(l) === 1
    )
      .sort();
    output = [...ell, ...once];
  }
  sizes(terms);
  const out = new Set(output);
  let acc = terms[0];
  for (let i = 1; i < terms.length; i++) {
    const later = new Set(terms.slice(i + 1).flatMap((t) => t.labels));
    acc = pair(acc, terms[i], new Set([...out, ...later]));
  }
  acc = sumOut(acc, out);
  // Broadcast dims of size 1 in one operand are expanded to the output's size.
  const perm = output.map((l) => acc.labels.indexOf(l));
  const t = perm.some((p, i) => p !== i) ? acc.t.permute(perm) : acc.t;
  return t;
}
