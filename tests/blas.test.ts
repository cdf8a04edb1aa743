// The CPU's matrix products through each of its kernels: the system BLAS (OpenBLAS via FFI), the
// WebAssembly SIMD kernel (float32) and JavaScript. Every fast path gives the JavaScript kernel's
// products for every layout the kernels are handed (odd sizes, sizes across the SIMD kernel's
// block edges, transposed and broadcast operands, batches, float32 and float64), and convolution
// with them. The op table checks whichever path is active against PyTorch; this file checks each
// against the others. Without OpenBLAS (or, under Deno, without --allow-ffi) its rows are skipped.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const info = torch.backends.cpu.info();
const skip = info.library === null
  ? "OpenBLAS is not loaded here (install libopenblas0-pthread; Deno needs --allow-ffi)"
  : false;
const skipSimd = info.simd === null
  ? "this runtime has no WebAssembly SIMD"
  : false;

type Path = "openblas" | "webassembly" | "javascript";

/** The mode the process started in: "off" where FLAMBEAU_BLAS=off (the suite's Bun run). */
const startMode = info.mode;

/** Back to how the process started. */
function restore() {
  torch.backends.cpu.set_blas(startMode);
  torch.backends.cpu.set_simd("auto");
}

/** f() with the matmul kernel forced to `path`; the automatic choice is restored after. */
function via<T>(path: Path, f: () => T): T {
  torch.backends.cpu.set_blas(path === "openblas" ? "openblas" : "off");
  torch.backends.cpu.set_simd(path === "javascript" ? "off" : "auto");
  try {
    assert.equal(torch.backends.cpu.info().matmul, path);
    return f();
  } finally {
    restore();
  }
}

/** f() through the BLAS and through JavaScript. */
function bothWays<T>(f: () => T): [T, T] {
  return [via("openblas", f), via("javascript", f)];
}

function assertClose(
  a: torch.Tensor,
  b: torch.Tensor,
  rtol: number,
  what: string,
) {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const scale = b.abs().max().item() || 1;
  const diff = a.sub(b).abs().max().item();
  assert.ok(
    diff <= rtol * scale,
    `${what}: max |diff| ${diff} (scale ${scale})`,
  );
}

describe("matmul and convolution through OpenBLAS and through JavaScript", () => {
  after(restore);

  test("info() says which runs; set_blas() checks its mode", () => {
    assert.ok(["openblas", "webassembly", "javascript"].includes(info.matmul));
    const env = (globalThis as {
      process?: { env?: Record<string, string | undefined> };
    }).process?.env?.FLAMBEAU_BLAS;
    assert.equal(info.mode, env === "off" ? "off" : "auto");
    assert.throws(
      () => torch.backends.cpu.set_blas("fast" as never),
      /mode must be "auto", "openblas" or "off"/,
    );
    if (info.library === null) {
      assert.throws(
        () => torch.backends.cpu.set_blas("openblas"),
        /OpenBLAS could not be loaded/,
      );
    } else {
      assert.equal(
        info.matmul,
        info.mode === "off" ? "webassembly" : "openblas",
      );
      assert.ok(info.threads! >= 1);
    }
    torch.backends.cpu.set_blas("off");
    assert.equal(
      torch.backends.cpu.info().matmul,
      info.simd === null ? "javascript" : "webassembly",
    );
    torch.backends.cpu.set_simd("off");
    assert.equal(torch.backends.cpu.info().matmul, "javascript");
    restore();
    assert.throws(
      () => torch.backends.cpu.set_simd("on" as never),
      /mode must be "auto" or "off"/,
    );
  });

  test("every layout, size and dtype gives the same product", { skip }, () => {
    torch.manual_seed(0);
    for (const dtype of [torch.float32, torch.float64]) {
      const rtol = dtype === torch.float32 ? 2e-6 : 1e-13;
      for (
        const [m, k, n] of [
          [1, 999, 7],
          [300, 1, 40],
          [40, 300, 1],
          [16, 16, 16],
          [65, 130, 33],
          [1023, 7, 33],
          // A tiny output and a long k: OpenBLAS takes k in slices, the last one short.
          [6, 20000, 25],
          [20, 9000, 20],
          // A few rows, a short k and many columns: OpenBLAS takes the columns in slices.
          [6, 25, 20000],
        ]
      ) {
        const a = torch.randn(m, k, { dtype }),
          b = torch.randn(k, n, { dtype });
        const layouts: [string, torch.Tensor, torch.Tensor][] = [
          ["plain", a, b],
          ["a transposed", a.t().contiguous().t(), b],
          ["b transposed", a, b.t().contiguous().t()],
          ["both transposed", a.t().contiguous().t(), b.t().contiguous().t()],
          ["strided rows", torch.randn(m, 2 * k, { dtype }).narrow(1, 1, k), b],
          [
            "column steps",
            torch.randn(m, 2 * k, { dtype }).index(
              ":",
              torch.slice(0, 2 * k, 2),
            ),
            b,
          ],
        ];
        // float32 sums over a long k drift further from the doubles the JavaScript kernel uses.
        const tol = k > 5000 ? rtol * 10 : rtol;
        for (const [what, x, y] of layouts) {
          const [p, q] = bothWays(() => x.matmul(y));
          assertClose(p, q, tol, `${dtype} ${m}x${k}x${n} ${what}`);
        }
      }
      const batch = torch.randn(3, 40, 50, { dtype }),
        w = torch.randn(50, 60, { dtype });
      const [p, q] = bothWays(() => batch.matmul(w));
      assertClose(p, q, rtol, `${dtype} batched, broadcast weight`);
      const [g1, g2] = bothWays(() => {
        const x = batch.clone().requires_grad_();
        x.matmul(w).pow(2).sum().backward();
        return x.grad!;
      });
      assertClose(g1, g2, rtol * 10, `${dtype} matmul gradient`);
    }
  });

  test(
    "a product of more work than one BLAS call takes is computed in tiles, each in its place",
    { skip },
    () => {
      // 2100×1000 by 1000×2100 is 4.4e9 multiply-adds, past one call's 2^32: OpenBLAS takes it
      // in tiles of the output, with edge tiles of 52 rows and columns. Small integers keep
      // every sum exact, so any order of the additions gives the same floats.
      torch.manual_seed(3);
      const [m, k, n] = [2100, 1000, 2100];
      const a = torch.randint(-2, 3, [m, k]).float(),
        b = torch.randint(-2, 3, [k, n]).float();
      for (
        const [what, x, y] of [
          ["plain", a, b],
          ["both transposed", a.t().contiguous().t(), b.t().contiguous().t()],
        ] as const
      ) {
        const p = via("openblas", () => x.matmul(y));
        const q = via(
          skipSimd ? "javascript" : "webassembly",
          () => x.matmul(y),
        );
        assert.ok(torch.equal(p, q), `${what}: the tiled product differs`);
      }
    },
  );

  test("convolution forward and gradients agree", { skip }, () => {
    torch.manual_seed(1);
    const F = torch.nn.functional;
    const x0 = torch.randn(4, 6, 17, 15), w0 = torch.randn(16, 3, 5, 3);
    // A bias per output channel (through OpenBLAS each sample's product starts from its group's
    // block of bias rows).
    const b0 = torch.randn(16);
    const run = () => {
      const x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
      const b = b0.clone().requires_grad_();
      const y = F.conv2d(x, w, b, {
        stride: [2, 1],
        padding: 2,
        groups: 2,
      });
      y.mul(y.detach().sign()).sum().backward();
      return [y, x.grad!, w.grad!, b.grad!];
    };
    const [p, q] = bothWays(run);
    p.forEach((t, i) => assertClose(t, q[i], 1e-5, `conv output ${i}`));
    // LeNet's first layer at batch 24: the weight gradient's product has k = 24·28·28.
    const x1 = torch.randn(24, 1, 32, 32), w1 = torch.randn(6, 1, 5, 5);
    const [g1, g2] = bothWays(() => {
      const w = w1.clone().requires_grad_();
      const y = F.conv2d(x1, w);
      y.mul(y.detach().cos()).sum().backward();
      return w.grad!;
    });
    assertClose(g1, g2, 1e-5, "weight gradient over a long k");
    // No padding, rows strided and taps dilated both ways, two groups, a bias: each sample's
    // columns built at fixed addresses (forward and weight gradient).
    const x2 = torch.randn(5, 4, 29, 27), w2 = torch.randn(12, 2, 3, 2);
    const b2 = torch.randn(12);
    const [r1, r2] = bothWays(() => {
      const x = x2.clone().requires_grad_(), w = w2.clone().requires_grad_();
      const y = F.conv2d(x, w, b2, {
        stride: [2, 1],
        dilation: [2, 3],
        groups: 2,
      });
      y.mul(y.detach().cos()).sum().backward();
      return [y, x.grad!, w.grad!];
    });
    r1.forEach((t, i) => assertClose(t, r2[i], 1e-5, `unpadded conv ${i}`));
  });
});

describe("float32 matmul and convolution through WebAssembly SIMD and through JavaScript", () => {
  const simdWays = <T>(f: () => T): [T, T] => [
    via("webassembly", f),
    via("javascript", f),
  ];

  test("the runtime's SIMD is found", { skip: skipSimd }, () => {
    // Deno (V8) and Bun (JavaScriptCore) both validate relaxed SIMD's fused multiply-add.
    assert.ok(["relaxed", "simd128"].includes(info.simd!));
  });

  test(
    "every layout and size gives the same product",
    { skip: skipSimd },
    () => {
      torch.manual_seed(2);
      for (
        const [m, k, n] of [
          [1, 4096, 1],
          [5, 7, 1023],
          [300, 1, 40],
          [40, 301, 3],
          [65, 130, 33],
          [1023, 7, 33],
          // across the kernel's blocks: up to 2040 rows (2050 are two even blocks), 64 steps of
          // k (600 end with a short one, entered part way), 1024 steps of k packed at once, and
          // 1024 columns
          [2050, 20, 9],
          [9, 600, 9],
          [9, 1100, 9],
          [9, 20, 1030],
          // long k: with B transposed, the dot-product tiles (2x4 and the edges, k mod 4 steps)
          [7, 1030, 13],
          [2, 2051, 5],
        ]
      ) {
        const a = torch.randn(m, k), b = torch.randn(k, n);
        const layouts: [string, torch.Tensor, torch.Tensor][] = [
          ["plain", a, b],
          ["a transposed", a.t().contiguous().t(), b],
          ["b transposed", a, b.t().contiguous().t()],
          [
            "column steps",
            torch.randn(m, 2 * k).index(":", torch.slice(0, 2 * k, 2)),
            b,
          ],
          ["offset view", a, torch.randn(k + 1, n).narrow(0, 1, k)],
        ];
        for (const [what, x, y] of layouts) {
          const [p, q] = simdWays(() => x.matmul(y));
          assertClose(p, q, 1e-5, `${m}x${k}x${n} ${what}`);
        }
      }
      const batch = torch.randn(3, 40, 50), w = torch.randn(50, 60);
      const [g1, g2] = simdWays(() => {
        const x = batch.clone().requires_grad_();
        x.matmul(w).pow(2).sum().backward();
        return x.grad!;
      });
      assertClose(g1, g2, 1e-5, "matmul gradient (accumulated into the batch)");
    },
  );

  test(
    "products shared out to helper threads agree",
    { skip: skipSimd },
    async () => {
      const before = torch.get_num_threads();
      torch.set_num_threads(3);
      try {
        // A product large enough to share starts the helpers; they come up while we go on.
        via(
          "webassembly",
          () => torch.randn(400, 300).matmul(torch.randn(300, 120)),
        );
        const t0 = Date.now();
        while (
          torch.backends.cpu.info().simd_threads < 3 && Date.now() - t0 < 30_000
        ) {
          await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(torch.backends.cpu.info().simd_threads, 3);
        torch.manual_seed(4);
        // By row panels (three uneven parts), by column panels, and products with one or two
        // panels one way (below the size that is shared out: the caller alone).
        for (
          const [m, k, n] of [
            [1200, 301, 40],
            [60, 300, 1000],
            [6, 3000, 500],
            [500, 3000, 8],
          ]
        ) {
          const a = torch.randn(m, k), b = torch.randn(k, n);
          const [p, q] = simdWays(() => a.matmul(b));
          assertClose(p, q, 1e-5, `${m}x${k}x${n} on 3 threads`);
          // Both operands transposed: A's rows and B's columns packed across their strides.
          const at = torch.randn(k, m).t(), bt = torch.randn(n, k).t();
          const [r, s] = simdWays(() => at.matmul(bt));
          assertClose(r, s, 1e-5, `${m}x${k}x${n} transposed on 3 threads`);
        }
      } finally {
        torch.set_num_threads(before);
      }
    },
  );

  test("mm's out= is written directly, or through a copy where it shares an operand", () => {
    torch.manual_seed(5);
    const a = torch.randn(70, 40), b = torch.randn(40, 50);
    const want = a.mm(b), o = torch.full([70, 50], NaN);
    assert.equal(torch.mm(a, b, { out: o }), o);
    assert.deepEqual(o.tolist(), want.tolist());
    // PyTorch gives the product for an out that is an operand, and keeps a transposed out's
    // strides.
    const sq = torch.randn(40, 40), bs = torch.randn(40, 40), r = sq.mm(bs);
    torch.mm(sq, bs, { out: sq });
    assert.deepEqual(sq.tolist(), r.tolist());
    const ot = torch.empty(50, 70).t();
    torch.mm(a, b, { out: ot });
    assert.deepEqual(ot.stride(), [1, 70]);
    assert.deepEqual(ot.tolist(), want.tolist());
  });

  test("set_num_threads checks its argument as PyTorch does", () => {
    assert.throws(() => torch.set_num_threads(0), /expects a positive integer/);
    assert.throws(
      () => torch.set_num_threads(1.5),
      /expects an int, but got float/,
    );
  });

  test(
    "convolution forward and gradients agree (stride, padding, dilation, groups)",
    {
      skip: skipSimd,
    },
    () => {
      torch.manual_seed(1);
      const F = torch.nn.functional;
      const x0 = torch.randn(4, 6, 17, 15), w0 = torch.randn(16, 3, 5, 3);
      for (
        const opts of [
          { stride: [2, 1], padding: 2, groups: 2 },
          { stride: 1, padding: [1, 3], dilation: [2, 3], groups: 2 },
          { stride: 3, padding: 0, dilation: 1, groups: 1 },
        ]
      ) {
        const w1 = opts.groups === 1 ? torch.randn(16, 6, 5, 3) : w0;
        const run = () => {
          const x = x0.clone().requires_grad_(),
            w = w1.clone().requires_grad_();
          const y = F.conv2d(x, w, undefined, opts as never);
          y.mul(y.detach().sign()).sum().backward();
          return [y, x.grad!, w.grad!];
        };
        const [p, q] = simdWays(run);
        p.forEach((t, i) =>
          assertClose(t, q[i], 1e-5, `conv ${JSON.stringify(opts)} output ${i}`)
        );
      }
      // A batch whose columns take two chunks: the weight gradient's second product (a long k,
      // through the dot-product tiles) is added to the first's.
      const xs = torch.randn(64, 3, 64, 64), ws = torch.randn(5, 3, 3, 3);
      const [p, q] = simdWays(() => {
        const w = ws.clone().requires_grad_();
        F.conv2d(xs, w).square().sum().backward();
        return w.grad!;
      });
      assertClose(p, q, 1e-4, "conv weight gradient over two chunks");
    },
  );
});
