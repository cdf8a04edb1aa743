// torch.linalg against PyTorch 1.13 (tests/fixtures/gen_linalg.py): results and gradients in
// float32 and float64, batched; eigen- and singular vectors compared up to sign (LAPACK's choice);
// finite differences in float64; PyTorch's messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const LA = torch.linalg;
type Enc = { t: EncTensor };
interface Case {
  name: string;
  fn: keyof typeof LA;
  inputs: Enc[];
  kwargs: Record<string, unknown>;
  outputs: Enc[];
  squares?: number[];
  grads?: Enc[];
}
const fx = readFixture<{
  torch: string;
  cases: Case[];
  forward: Case[];
  errors: Record<string, [string, string]>;
}>("linalg.json");

const tol = (dtype: string, loose = false) =>
  dtype === "float64"
    ? { rtol: 1e-8, atol: 1e-10 }
    : loose
    ? { rtol: 2e-3, atol: 2e-4 }
    : { rtol: 2e-4, atol: 2e-5 };

/** Python's float("inf") comes through JSON as a string. */
function kwargsOf(c: Case): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.kwargs)) {
    out[k] = v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
  }
  return out;
}

function call(c: Case, xs: torch.Tensor[]): torch.Tensor[] {
  // deno-lint-ignore no-explicit-any
  const f = LA[c.fn] as any;
  const kw = kwargsOf(c);
  const out = Object.keys(kw).length ? f(...xs, kw) : f(...xs);
  return Array.isArray(out) ? out : [out];
}

/** Vectors (columns of U, eigenvectors; rows of Vh) flipped to match the reference's signs. */
function alignSigns(
  got: torch.Tensor,
  want: torch.Tensor,
  rows: boolean,
): torch.Tensor {
  const dim = rows ? -1 : -2;
  const dots = got.mul(want).sum(dim, { keepdim: true });
  return got.mul(dots.sign().add(dots.eq(0).double().to(got.dtype)));
}

const encOf = (t: torch.Tensor) => ({
  shape: [...t.shape],
  data: t.reshape(-1).tolist() as number[],
});

function compareOutputs(c: Case, outs: torch.Tensor[], loose: boolean) {
  const dtype = c.inputs[0].t.dtype;
  c.outputs.forEach((e, i) => {
    let o = outs[i];
    const want = decodeTensor(e.t);
    const vectors = (c.fn === "eigh" && i === 1) ||
      (c.fn === "svd" && (i === 0 || i === 2));
    if (vectors && want.numel() > 0) {
      // Only the first min(m, n) singular vectors are determined (up to sign); the rest of a
      // full U or Vh is any orthonormal completion, checked for being one.
      const rows = c.fn === "svd" && i === 2;
      const k = c.fn === "svd" ? Math.min(...c.inputs[0].t.shape.slice(-2)) : 0;
      const d = rows ? -2 : -1;
      if (c.fn === "svd" && o.size(d) > k) {
        const eyeN = torch.eye(o.size(d), { dtype: o.dtype });
        const gram = rows
          ? o.matmul(o.transpose(-2, -1))
          : o.transpose(-2, -1).matmul(o);
        assert.ok(
          torch.allclose(gram, eyeN, { atol: 1e-6 }),
          "orthonormal completion",
        );
        o = o.narrow(d, 0, k);
        const w = want.narrow(d, 0, k);
        assertTensorClose(
          alignSigns(o, w, rows),
          { ...e.t, ...encOf(w) },
          `${c.name} output ${i}`,
          tol(dtype, loose),
        );
        return;
      }
      o = alignSigns(o, want, rows);
    }
    assertTensorClose(o, e.t, `${c.name} output ${i}`, tol(dtype, loose));
  });
}

// On the CPU, and float32 on the WebGPU device where there is one (the decompositions compute on
// the host through the counted fallback; their gradients are device ops).
const RUNS = [
  ...fx.cases.map((c) => [c, "cpu"] as const),
  ...(torch.webgpu.is_available()
    ? fx.cases.filter((c) => c.inputs[0].t.dtype === "float32").map((c) =>
      [c, "webgpu"] as const
    )
    : []),
];

describe(`torch.linalg against PyTorch ${fx.torch}`, () => {
  for (const [c, device] of RUNS) {
    test(`${c.name}${device === "cpu" ? "" : ` [${device}]`}`, () => {
      const xs = c.inputs.map((e) =>
        decodeTensor(e.t).to(device).requires_grad_()
      );
      const outs = call(c, xs);
      for (const o of outs) assert.equal(o.device.type, device);
      compareOutputs(c, outs.map((o) => o.cpu()), false);
      let loss: torch.Tensor | null = null;
      outs.forEach((o, i) => {
        if (!o.dtype.is_floating_point || o.numel() === 0) return;
        if (c.fn === "slogdet" && i === 0) return;
        const g = new torch.Generator().manual_seed(10 + i);
        const w = torch.randn([...o.shape], { generator: g, dtype: o.dtype })
          .to(device);
        const term = w.mul(c.squares?.includes(i) ? o.mul(o) : o).sum();
        loss = loss ? loss.add(term) : term;
      });
      const grads = torch.autograd.grad(loss!, xs);
      const dtype = c.inputs[0].t.dtype;
      // Decompositions' float32 gradients divide by eigenvalue gaps: a looser bound there.
      const loose = ["eigh", "svd", "svdvals", "matrix_norm", "norm"].includes(
        c.fn,
      );
      c.grads!.forEach((e, i) =>
        assertTensorClose(
          grads[i]!.cpu(),
          e.t,
          `${c.name} grad ${i}`,
          tol(dtype, loose),
        )
      );
    });
  }
  for (const c of fx.forward) {
    test(`${c.name} (forward)`, () => {
      compareOutputs(c, call(c, c.inputs.map((e) => decodeTensor(e.t))), false);
    });
  }
  test("the decompositions reconstruct their input", () => {
    torch.manual_seed(0);
    const A = torch.randn(3, 5, 4, { dtype: torch.float64 });
    const [U, S, Vh] = LA.svd(A, false);
    const back = U.mul(S.unsqueeze(-2)).matmul(Vh);
    assert.ok(torch.allclose(back, A, { atol: 1e-12 }));
    const [Q, R] = LA.qr(A);
    assert.ok(torch.allclose(Q.matmul(R), A, { atol: 1e-12 }));
    const Sym = A.matmul(A.transpose(-2, -1));
    const [L, V] = LA.eigh(Sym);
    const rebuilt = V.mul(L.unsqueeze(-2)).matmul(V.transpose(-2, -1));
    assert.ok(torch.allclose(rebuilt, Sym, { atol: 1e-10 }));
    const Spd = Sym.add(torch.eye(5, { dtype: torch.float64 }));
    const C = LA.cholesky(Spd);
    assert.ok(
      torch.allclose(C.matmul(C.transpose(-2, -1)), Spd, { atol: 1e-10 }),
    );
  });
});

describe("torch.linalg: finite differences in float64", () => {
  const d = (...s: number[]) =>
    torch.randn(s, { dtype: torch.float64, requires_grad: true });
  const check = (
    fn: (...x: torch.Tensor[]) => torch.Tensor,
    xs: torch.Tensor[],
  ) => assert.ok(torch.autograd.gradcheck(fn, xs));
  test("det, inv, solve, cholesky, qr, eigh, svd", () => {
    torch.manual_seed(1);
    const eye3 = torch.eye(3, { dtype: torch.float64 });
    check((a) => LA.det(a), [d(2, 3, 3)]);
    check((a) => LA.inv(a.add(eye3.mul(3))), [d(3, 3)]);
    check((a, b) => LA.solve(a.add(eye3.mul(3)), b), [d(2, 3, 3), d(2, 3, 2)]);
    check((a) => LA.cholesky(a.matmul(a.transpose(-2, -1)).add(eye3)), [
      d(3, 3),
    ]);
    check((a) => {
      const [q, r] = LA.qr(a);
      return torch.cat([q.reshape(-1), r.reshape(-1)]);
    }, [d(4, 3)]);
    check((a) => {
      const [l, v] = LA.eigh(a.add(a.transpose(-2, -1)));
      return torch.cat([l.reshape(-1), v.mul(v).reshape(-1)]);
    }, [d(3, 3)]);
    check((a) => {
      const [u, s, vh] = LA.svd(a, false);
      return torch.cat([
        s.reshape(-1),
        u.mul(u).reshape(-1),
        vh.mul(vh).reshape(-1),
      ]);
    }, [d(4, 3)]);
  });
});

describe("torch.linalg: PyTorch's messages", () => {
  const raises = (key: string, fn: () => unknown) => {
    const [type, message] = fx.errors[key];
    assert.throws(fn, (e: Error) => {
      assert.equal(e.name, type, message);
      assert.equal(e.message, message);
      return true;
    });
  };
  test("errors", () => {
    raises("inv_singular", () => LA.inv(torch.zeros(2, 2)));
    raises(
      "inv_batch_singular",
      () => LA.inv(torch.stack([torch.eye(2), torch.zeros(2, 2)])),
    );
    raises("inv_not_square", () => LA.inv(torch.ones(2, 3)));
    raises("inv_1d", () => LA.inv(torch.ones(3)));
    raises(
      "inv_long",
      () => LA.inv(torch.ones(2, 2, { dtype: torch.long })),
    );
    raises("solve_singular", () => LA.solve(torch.zeros(2, 2), torch.ones(2)));
    raises("solve_shapes", () => LA.solve(torch.eye(2), torch.ones(3)));
    raises("cholesky_not_pd", () => LA.cholesky(torch.eye(2).neg()));
    raises("det_not_square", () => LA.det(torch.ones(2, 3)));
    raises("qr_mode", () => LA.qr(torch.ones(2, 2), "x"));
    raises("eigh_uplo", () => LA.eigh(torch.ones(2, 2), "X"));
    raises("norm_3d_ord", () => LA.norm(torch.ones(2, 2, 2), 2));
    raises("matrix_norm_ord", () => LA.matrix_norm(torch.ones(2, 2), 3));
    raises(
      "qr_r_backward",
      () =>
        LA.qr(torch.ones(2, 3, { requires_grad: true }), "r")[1].sum()
          .backward(),
    );
    assert.ok(torch.linalg.LinAlgError.prototype instanceof torch.RuntimeError);
  });
});
