// The CPU's matrix products through the system BLAS (OpenBLAS via FFI) and through JavaScript:
// both paths give the same products for every layout the kernels are handed (odd sizes,
// transposed and broadcast operands, batches, float32 and float64), and convolution with them.
// The op table checks whichever path is active against PyTorch; this file checks one against the
// other. Without OpenBLAS (or, under Deno, without --allow-ffi) only the JavaScript path runs.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const info = torch.backends.cpu.info();
const skip = info.library === null
  ? "OpenBLAS is not loaded here (install libopenblas0-pthread; Deno needs --allow-ffi)"
  : false;

/** f() with the BLAS forced on, and with the JavaScript kernel. */
function bothWays<T>(f: () => T): [T, T] {
  torch.backends.cpu.set_blas("openblas");
  const viaBlas = f();
  torch.backends.cpu.set_blas("off");
  const viaJs = f();
  torch.backends.cpu.set_blas("auto");
  return [viaBlas, viaJs];
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
  after(() => torch.backends.cpu.set_blas("auto"));

  test("info() says which runs; set_blas() checks its mode", () => {
    assert.ok(["openblas", "javascript"].includes(info.matmul));
    assert.equal(info.mode, "auto");
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
      assert.equal(info.matmul, "openblas");
      assert.ok(info.threads! >= 1);
    }
    torch.backends.cpu.set_blas("off");
    assert.equal(torch.backends.cpu.info().matmul, "javascript");
    torch.backends.cpu.set_blas("auto");
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
        for (const [what, x, y] of layouts) {
          const [p, q] = bothWays(() => x.matmul(y));
          assertClose(p, q, rtol, `${dtype} ${m}x${k}x${n} ${what}`);
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

  test("convolution forward and gradients agree", { skip }, () => {
    torch.manual_seed(1);
    const F = torch.nn.functional;
    const x0 = torch.randn(4, 6, 17, 15), w0 = torch.randn(16, 3, 5, 3);
    const run = () => {
      const x = x0.clone().requires_grad_(), w = w0.clone().requires_grad_();
      const y = F.conv2d(x, w, undefined, {
        stride: [2, 1],
        padding: 2,
        groups: 2,
      });
      y.mul(y.detach().sign()).sum().backward();
      return [y, x.grad!, w.grad!];
    };
    const [p, q] = bothWays(run);
    p.forEach((t, i) => assertClose(t, q[i], 1e-5, `conv output ${i}`));
  });
});
