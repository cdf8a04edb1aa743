// Complex tensors and torch.fft against PyTorch 1.13 (tests/fixtures/gen_complex_fft.py): values,
// dtypes and the gradients of a real loss, float32 and float64, on the CPU and (float32) on
// WebGPU; finite differences in float64; PyTorch's printing and messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";
import { withStyle } from "./_support/print_style.ts";
import { npy } from "../interop/mod.ts";
import { readFileSync } from "node:fs";

type Enc = { t: EncTensor } | { complex: { t: EncTensor } };
const fx = readFixture<{
  torch: string;
  cases: {
    name: string;
    fn: string;
    dtype: string;
    kwargs: Record<string, unknown>;
    scalar: number | null;
    inputs: Enc[];
    output: Enc;
    grads: (Enc | null)[];
  }[];
  freqs: Record<string, Enc>;
  printed: Record<string, { value: Enc; repr: string }>;
  errors: Record<string, [string, string]>;
}>("complex_fft.json");

const DEVICES = torch.webgpu.is_available() ? ["cpu", "webgpu"] : ["cpu"];

function decode(e: Enc): torch.Tensor {
  return "complex" in e
    ? torch.view_as_complex(decodeTensor(e.complex.t))
    : decodeTensor(e.t);
}

function assertClose(
  actual: torch.Tensor,
  e: Enc,
  where: string,
  tol: { rtol: number; atol: number },
): void {
  // float32 rounding grows with a transform's size and values: atol scales with the largest.
  const data = ("complex" in e ? e.complex.t : e.t).data.map(Number)
    .filter(Number.isFinite);
  const scale = Math.max(1, ...data.map(Math.abs));
  const t = { ...tol, atol: tol.atol * scale, signedZero: false };
  if ("complex" in e) {
    const want = e.complex.t.dtype === "float64" ? "complex128" : "complex64";
    assert.equal(actual.dtype.name, want, `${where}: dtype`);
    assertTensorClose(
      torch.view_as_real(actual.detach().cpu()),
      e.complex.t,
      where,
      t,
    );
  } else assertTensorClose(actual.detach().cpu(), e.t, where, t);
}

/** The fixture's real loss: a fixed weighting of the output's (real, imaginary) parts. */
function weigh(t: torch.Tensor, seed: number): torch.Tensor {
  const g = new torch.Generator().manual_seed(seed);
  const r = t.is_complex() ? torch.view_as_real(t) : t;
  const w = torch.randn(r.shape, { generator: g, dtype: r.dtype });
  return r.mul(w.to(r.device)).sum();
}

function call(fn: string, args: unknown[]): torch.Tensor {
  if (fn === "cat" || fn === "stack") {
    const opts = args.find((a) => !(a instanceof torch.Tensor));
    return torch[fn](
      args.filter((a) => a instanceof torch.Tensor) as torch.Tensor[],
      opts as { dim: number },
    );
  }
  // deno-lint-ignore no-explicit-any
  const ns: any = fn.startsWith("fft.") ? torch.fft : torch;
  return ns[fn.replace(/^fft\./, "")](...args);
}

describe(`complex tensors and torch.fft against PyTorch ${fx.torch}`, () => {
  for (const device of DEVICES) {
    for (const c of fx.cases) {
      if (device !== "cpu" && c.dtype === "float64") continue;
      test(`${c.name}${device === "cpu" ? "" : ` [${device}]`}`, () => {
        const tol = c.dtype === "float64"
          ? { rtol: 1e-10, atol: 1e-12 }
          : { rtol: 2e-5, atol: 2e-5 };
        const xs = c.inputs.map((e) => decode(e).to(device).requires_grad_());
        const args: unknown[] = [...xs];
        if (c.scalar !== null) args.push(c.scalar);
        if (Object.keys(c.kwargs).length > 0) args.push(c.kwargs);
        const out = call(c.fn, args);
        assertClose(out, c.output, "output", tol);
        const grads = torch.autograd.grad(weigh(out, 99), xs, {
          allow_unused: true,
        });
        c.grads.forEach((g, i) => {
          if (g === null) assert.equal(grads[i], null);
          else assertClose(grads[i]!, g, `grad ${i}`, tol);
        });
      });
    }
  }

  test("fftfreq and rfftfreq", () => {
    const tol = { rtol: 1e-7, atol: 1e-9 };
    assertClose(torch.fft.fftfreq(5), fx.freqs.fftfreq_5, "fftfreq 5", tol);
    assertClose(
      torch.fft.fftfreq(8, 0.1),
      fx.freqs.fftfreq_8_d,
      "fftfreq 8",
      tol,
    );
    assertClose(
      torch.fft.rfftfreq(7, 2.0, { dtype: torch.float64 }),
      fx.freqs.rfftfreq_7_f64,
      "rfftfreq",
      tol,
    );
  });
});

describe("complex tensors and torch.fft: finite differences in float64", () => {
  test("transforms of real inputs, through view_as_real", () => {
    torch.manual_seed(5);
    const d = (...s: number[]) =>
      torch.randn(s, { dtype: torch.float64 }).requires_grad_();
    const check = (fn: (x: torch.Tensor) => torch.Tensor, x: torch.Tensor) =>
      assert.ok(torch.autograd.gradcheck(fn, [x]));
    const asComplex = (x: torch.Tensor) => torch.view_as_complex(x);
    const re = torch.view_as_real;
    check((x) => re(torch.fft.fft(asComplex(x), { norm: "ortho" })), d(5, 2));
    check((x) => re(torch.fft.ifft(asComplex(x), { n: 6 })), d(4, 2));
    check((x) => re(torch.fft.rfft(x, { n: 7 })), d(2, 6));
    check((x) => torch.fft.irfft(asComplex(x), { n: 7 }), d(4, 2));
    check((x) => re(torch.fft.fft2(asComplex(x))), d(3, 4, 2));
    check((x) => torch.fft.irfftn(asComplex(x), { s: [3, 4] }), d(3, 3, 2));
    check((x) => asComplex(x).abs(), d(3, 2));
    check(
      (x) => re(asComplex(x).mul(asComplex(x)).div(asComplex(x).exp())),
      d(3, 2),
    );
  });
});

describe("complex tensors: printing, elements and messages", () => {
  test("repr as PyTorch 1.13 prints it", () => {
    for (const [name, p] of Object.entries(fx.printed)) {
      // The fixture stores every tensor as its pairs; the empty one's shape is [0, 2].
      const t = name === "empty"
        ? torch.zeros(0, 2, { dtype: torch.complex64 })
        : decode(p.value);
      assert.equal(withStyle("modern", () => String(t)), p.repr, name);
      // PyTorch 0.3 had no complex tensors: the legacy style prints them as today.
      assert.equal(withStyle("legacy", () => String(t)), p.repr, name);
    }
  });
  test("item, tolist, Complex literals and dtypes", () => {
    const z = torch.tensor([new torch.Complex(1, -2), 3]);
    assert.equal(z.dtype, torch.complex64);
    assert.equal(String(z.sum().item()), "(4-2j)");
    assert.deepEqual(
      (z.tolist() as torch.Complex[]).map(String),
      ["(1-2j)", "(3+0j)"],
    );
    assert.equal(
      torch.promote_types(torch.float64, torch.complex64),
      torch.complex128,
    );
    assert.equal(torch.result_type(torch.ones(2), z.sum()), torch.complex64);
    assert.equal(
      torch.result_type(torch.ones(2, { dtype: torch.float64 }), z.sum()),
      torch.complex128,
    );
    assert.equal(torch.complex64.itemsize, 8);
    assert.ok(
      torch.complex128.is_complex && !torch.complex128.is_floating_point,
    );
    // .real and .imag are views: writing through them changes the complex tensor.
    const w = torch.zeros(2, { dtype: torch.complex64 });
    w.imag.fill_(5);
    assert.equal(String(w.tolist()), "5j,5j");
  });
  test("a complex tensor is no JavaScript number, and comes back from a device whole", async () => {
    const z = torch.complex(
      torch.tensor([1, 2]).float(),
      torch.tensor([3, -4]).float(),
    );
    assert.throws(() => +z.sum(), /can't convert complex to float/);
    for (const device of DEVICES) {
      const g = z.to(device).mul(z.to(device));
      const host = await g.cpu_async();
      assert.deepEqual((host.tolist() as torch.Complex[]).map(String), [
        "(-8+6j)",
        "(-12-16j)",
      ]);
      assert.deepEqual((g.cpu().tolist() as torch.Complex[]).map(String), [
        "(-8+6j)",
        "(-12-16j)",
      ]);
    }
  });
  test("ops without a complex form raise instead of reading pairs as reals", () => {
    const z = torch.ones(2, { dtype: torch.complex64 });
    assert.throws(() => z.sin(), /"sin" not implemented for 'ComplexFloat'/);
    assert.throws(() => z.max(), /not implemented for 'ComplexFloat'/);
    assert.throws(() => z.lt(1), /not implemented for 'ComplexFloat'/);
    assert.throws(() => z.pow(2), /"pow" not implemented for 'ComplexFloat'/);
    assert.throws(() => z.cumsum(0), /not implemented for 'ComplexFloat'/);
  });
  test(".npy files NumPy wrote (C and Fortran order, big-endian) load and save back", () => {
    const dir = new URL("./fixtures/npy/", import.meta.url);
    const a = torch.load_npy(new URL("complex64.npy", dir));
    assert.equal(a.dtype, torch.complex64);
    assert.equal(
      withStyle("modern", () => String(a)),
      "tensor([[0.+6.j, 1.+7.j, 2.+8.j],\n        [3.+9.j, 4.+10.j, 5.+11.j]])",
    );
    // The tensor is the file's memory: encoding it again gives NumPy's bytes.
    const bytes = readFileSync(new URL("complex64.npy", dir));
    assert.deepEqual(npy.encode(a), new Uint8Array(bytes));
    const f = torch.load_npy(new URL("complex128_fortran.npy", dir));
    assert.equal(f.dtype, torch.complex128);
    assert.deepEqual(f.stride(), [1, 2]);
    assert.ok(
      torch.view_as_real(f).mul(3).allclose(torch.view_as_real(a).double()),
    );
    const big = torch.load_npy(new URL("complex64_big.npy", dir));
    assert.ok(torch.view_as_real(big).equal(torch.view_as_real(a)));
    // A transposed view is written in Fortran order, and reads back equal.
    const back = torch.from_numpy(npy.load(npy.encode(a.t())));
    assert.ok(torch.view_as_real(back).equal(torch.view_as_real(a.t())));
  });
  test("PyTorch's messages", () => {
    const raises = (key: string, fn: () => unknown) =>
      assert.throws(fn, (e: Error) => {
        assert.equal(e.name, fx.errors[key][0]);
        assert.equal(e.message, fx.errors[key][1]);
        return true;
      });
    const z = torch.ones(2, { dtype: torch.complex64 });
    const ones = (...s: number[]) => torch.ones(s);
    raises("rfft_complex", () => torch.fft.rfft(z));
    raises("points", () => torch.fft.fft(ones(3), { n: 0 }));
    raises("irfft_points", () => torch.fft.irfft(ones(1)));
    raises("norm", () => torch.fft.fft(ones(3), { norm: "xx" }));
    raises("dims_unique", () => torch.fft.fftn(ones(3, 3), { dim: [0, 0] }));
    raises(
      "dims_len",
      () => torch.fft.fftn(ones(3, 3), { s: [2], dim: [0, 1] }),
    );
    raises("view_as_real", () => torch.view_as_real(ones(2)));
    raises("view_as_complex_last", () => torch.view_as_complex(ones(3)));
    raises(
      "view_as_complex_int",
      () => torch.view_as_complex(torch.ones(2, 2, { dtype: torch.int32 })),
    );
    raises(
      "view_as_complex_stride",
      () => torch.view_as_complex(ones(2, 4).narrow(1, 0, 2).t()),
    );
    raises(
      "complex_dtypes",
      () => torch.complex(ones(2), torch.ones(2, { dtype: torch.float64 })),
    );
    raises(
      "complex_int",
      () => torch.complex(torch.ones(2, { dtype: torch.int64 }), ones(2)),
    );
    raises("imag_real", () => ones(2).imag);
    raises("matmul_mixed", () => ones(2, 2).matmul(z));
  });
});
