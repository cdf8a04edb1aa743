// The CPU's float32 elementwise maps in WebAssembly SIMD (src/backend/cpu/wasm_maps.ts) against
// its JavaScript kernels, bit for bit: every op they take, on NaN, signed zeros, infinities and
// subnormals in every lane position, at sizes that end inside a vector and inside a chunk, on
// views with an offset, in place, and with scalars. The op table checks both against PyTorch
// (tests/fixtures/gen_ops.py, the *_2048 cases); this file checks each path against the other.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const skip = torch.backends.cpu.info().simd === null
  ? "this runtime has no WebAssembly SIMD"
  : false;

const SPECIALS = [0, -0, NaN, Infinity, -Infinity, 1, -1, 1e-45, -1e-45, 3e38];

/** n float32 values: every pair of specials first, then random ones. */
function values(n: number, salt: number): torch.Tensor {
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = i + salt;
    v.push(
      i < SPECIALS.length ** 2
        ? SPECIALS[
          (salt ? Math.floor(k / SPECIALS.length) : k) % SPECIALS.length
        ]
        : Math.sin(k * 12.9898) * 3,
    );
  }
  return torch.tensor(v);
}

/** The float32 bits of t, with every NaN as one pattern (payloads are not compared). */
function bits(t: torch.Tensor): number[] {
  const f = new Float32Array(t.contiguous().reshape(-1).tolist() as number[]);
  return Array.from(
    new Uint32Array(f.buffer),
    (b, i) => Number.isNaN(f[i]) ? -1 : b,
  );
}

/** f() through the SIMD maps and through JavaScript, each read by `read` (float32 bits). */
function bothPaths<T = number[]>(
  f: () => torch.Tensor,
  read: (t: torch.Tensor) => T = bits as (t: torch.Tensor) => T,
): [T, T] {
  try {
    torch.backends.cpu.set_simd("auto");
    const p = read(f());
    torch.backends.cpu.set_simd("off");
    return [p, read(f())];
  } finally {
    torch.backends.cpu.set_simd("auto");
  }
}

/**
 * p and q equal element for element; a failure names the first difference (a diff of arrays of
 * thousands of numbers takes minutes to print, a million's does not fit in memory).
 */
function sameBits<T>(p: T[], q: T[], what: string): void {
  assert.equal(p.length, q.length, `${what}: lengths`);
  const at = p.findIndex((x, i) => x !== q[i]);
  assert.equal(
    at,
    -1,
    `${what}: element ${at} differs (${p[at]} against ${q[at]})`,
  );
}

/** t's values as float64 bit patterns (hex). */
function doubleWords(t: torch.Tensor): string[] {
  const d = new Float64Array(
    t.to(torch.float64).reshape(-1).tolist() as number[],
  );
  return Array.from(new BigUint64Array(d.buffer), (w) => w.toString(16));
}

type Binary = (a: torch.Tensor, b: torch.Tensor) => torch.Tensor;
const BINARY: [string, Binary][] = [
  ["add", (a, b) => a.add(b)],
  ["sub", (a, b) => a.sub(b)],
  ["mul", (a, b) => a.mul(b)],
  ["div", (a, b) => a.div(b)],
  ["maximum", (a, b) => torch.maximum(a, b)],
  ["minimum", (a, b) => torch.minimum(a, b)],
  ["clamp min tensor", (a, b) => a.clamp({ min: b } as never)],
  ["clamp max tensor", (a, b) => a.clamp({ max: b } as never)],
  ["add_ in place", (a, b) => a.clone().add_(b)],
  ["add, alpha 2", (a, b) => a.add(b, { alpha: 2 } as never)],
  // alpha·b rounded in a double first (an optimizer's p.add_(buf, alpha=-lr)).
  ["add_ in place, alpha -0.01", (a, b) => a.clone().add_(b, { alpha: -0.01 })],
  ["sub, alpha 0.3", (a, b) => a.sub(b, { alpha: 0.3 } as never)],
];
const UNARY: [string, (a: torch.Tensor) => torch.Tensor][] = [
  ["relu", (a) => torch.relu(a)],
  ["exp", (a) => torch.exp(a)],
  ["exp over its whole range", (a) => torch.exp(a.mul(37))],
  ["exp_ in place, over its whole range", (a) => a.mul(37).exp_()],
  // NaNs with payloads in every bit the kernel's k could be read from.
  ["exp of NaNs with payloads", (a) => {
    const words = torch.arange(a.numel(), { dtype: torch.int32 });
    const nans = words.remainder(4096).mul(977).add(0x7fc00001);
    return torch.exp(torch.where(a.gt(0), a, nans.view(torch.float32)));
  }],
  ["add 0.5", (a) => a.add(0.5)],
  ["mul -2.5", (a) => a.mul(-2.5)],
  ["div 3", (a) => a.div(3)],
  ["clamp -0.5, 1.5", (a) => a.clamp(-0.5, 1.5)],
  ["clamp min 0", (a) => a.clamp({ min: 0 } as never)],
  ["relu's gradient", (a) => {
    const x = a.clone().requires_grad_();
    torch.relu(x).backward(a.flip([0]));
    return x.grad!;
  }],
];

describe("2x2 max pooling through WebAssembly SIMD and through JavaScript", () => {
  // Ties, NaN (the last wins), -inf windows and signed zeros among random values; rows of 4, 5
  // and 14 outputs (the last four of a row overlap the ones before), an odd width left over.
  for (const shape of [[2, 3, 8, 8], [1, 2, 6, 11], [3, 1, 28, 28]]) {
    test(shape.join("x"), { skip }, () => {
      const n = shape.reduce((a, b) => a * b);
      const x = values(n, 1).reshape(shape).clamp(-2, 2);
      const via = (mode: "auto" | "off") => {
        torch.backends.cpu.set_simd(mode);
        try {
          const [v, i] = torch.nn.functional.max_pool2d(x, 2, {
            return_indices: true,
          } as never) as unknown as [torch.Tensor, torch.Tensor];
          return [bits(v), i.reshape(-1).tolist()];
        } finally {
          torch.backends.cpu.set_simd("auto");
        }
      };
      const [pv, pi] = via("auto"), [qv, qi] = via("off");
      assert.deepEqual(pv, qv, "values");
      assert.deepEqual(pi, qi, "indices");
    });
  }
});

describe("float32 maps with a per-row operand through WebAssembly SIMD and through JavaScript", () => {
  // A channel bias over N×C×H×W (rows of H·W that straddle the chunks), one over the last two
  // dims of three, and one read from a view with an offset.
  test("bias-like broadcasts", { skip }, () => {
    const x = values(8 * 5 * 15 * 31, 0).reshape(8, 5, 15, 31);
    const biases: [string, torch.Tensor][] = [
      ["[1, 5, 1, 1]", values(5, 1).view(1, 5, 1, 1)],
      ["[5, 1, 1]", values(5, 2).view(5, 1, 1)],
      ["[8, 5, 1, 1], a view", values(43, 1).narrow(0, 3, 40).view(8, 5, 1, 1)],
    ];
    for (const [bias, b] of biases) {
      for (const [what, f] of BINARY.slice(0, 8)) {
        const [p, q] = bothPaths(() => f(x, b));
        assert.deepEqual(p, q, `${what}, bias ${bias}`);
      }
    }
  });
});

describe("float32 maps through WebAssembly SIMD and through JavaScript", () => {
  // 1024: the smallest the maps take; 16385: a second chunk of one element (chunks are 16384
  // floats, run 16 at a time); 36013: three chunks, the last ending inside a vector; views from
  // elements 3 and 5 (the module places each operand's chunk by its address, so these move).
  for (const n of [1024, 16385, 36013]) {
    test(`${n} elements`, { skip }, () => {
      const a = values(n, 0), b = values(n, 1);
      const va = values(n + 3, 0).narrow(0, 3, n),
        vb = values(n + 5, 1).narrow(0, 5, n);
      for (const [what, f] of BINARY) {
        for (
          const [x, y, where] of [[a, b, ""], [va, vb, " (views)"]] as const
        ) {
          const [p, q] = bothPaths(() => f(x, y));
          sameBits(p, q, `${what}${where}`);
        }
      }
      for (const [what, f] of UNARY) {
        for (const [x, where] of [[a, ""], [va, " (view)"]] as const) {
          const [p, q] = bothPaths(() => f(x));
          sameBits(p, q, `${what}${where}`);
        }
      }
    });
  }
});

describe("float32 maps beyond 1M elements", () => {
  // Beyond 1M elements the maps copy chunks of 1 MiB (2^18 floats): 2^20 + 37 is four whole
  // chunks and one of 37. Each operand's chunk is placed by its address (here also from element
  // 3 of its storage), and the output's by its own (in place: the input's).
  test("through WebAssembly SIMD and through JavaScript", { skip }, () => {
    const n = (1 << 20) + 37;
    const a = values(n, 0), b = values(n, 1);
    const view = () => values(n + 3, 0).narrow(0, 3, n);
    const cases: [string, () => torch.Tensor][] = [
      ["add", () => a.add(b)],
      ["mul of a view with an offset", () => view().mul(b)],
      ["relu", () => torch.relu(a)],
      ["maximum", () => torch.maximum(a, b)],
      ["mul by a scalar", () => a.mul(-2.5)],
      ["add_", () => a.clone().add_(b)],
      ["mul_", () => a.clone().mul_(b)],
      ["div_ of a view with an offset", () => view().div_(b)],
      ["sub_ of a scalar", () => a.clone().sub_(0.75)],
      ["add_ with alpha -0.01", () => a.clone().add_(b, { alpha: -0.01 })],
    ];
    for (const [what, f] of cases) {
      const [p, q] = bothPaths(f);
      sameBits(p, q, what);
    }
  });
});

describe("float32 sums of long rows through WebAssembly SIMD and through JavaScript", () => {
  // From 512 elements a contiguous float32 row's sum adds its eight double accumulators in the
  // SIMD kernel, the same additions in the same order: dtype float64 shows the doubles whole.
  // 512: the smallest; 4103: seven left over for JavaScript; 49157: three chunks of 16384 and
  // five; rows of a matrix, a view from element 3, infinities, and a bias's gradient (rows of
  // 784 added into one slot per channel). Beyond 2^21 elements the row is copied a page at a
  // time.
  test("the same doubles", { skip }, () => {
    const f64 = torch.float64;
    for (const n of [512, 4103, 49157]) {
      const x = values(n + 3, 0).narrow(0, 3, n).clamp(-3, 3).mul(1e5);
      const m = values(5 * n, 1).clamp(-3, 3).view(5, n);
      const inf = values(n, 2).clamp(-3, 3).index_fill(
        0,
        torch.tensor([n - 9]),
        Infinity,
      );
      const cases: [string, () => torch.Tensor][] = [
        ["sum", () => x.sum()],
        ["sum, dtype float64", () => torch.sum(x, { dtype: f64 } as never)],
        ["mean, dtype float64", () => torch.mean(x, { dtype: f64 } as never)],
        ["rows' sums", () => m.sum(1, { dtype: f64 } as never)],
        ["a sum with an infinity", () => inf.sum()],
        ["over dims 0, 2, 3 of [n / 512, 3, 28, 28]", () => {
          const b = values(Math.ceil(n / 512) * 3 * 784, 1).view(-1, 3, 28, 28);
          return torch.sum(b, { dim: [0, 2, 3], dtype: f64 } as never);
        }],
      ];
      for (const [what, f] of cases) {
        const [p, q] = bothPaths(f, doubleWords);
        assert.deepEqual(p, q, `${n} elements, ${what}`);
      }
    }
    const n = (1 << 21) + 1029;
    const x = torch.rand(n + 5).mul(6).sub(3).narrow(0, 5, n);
    for (const dtype of [f64, torch.float32]) {
      const [p, q] = bothPaths(
        () => torch.sum(x, { dtype } as never),
        doubleWords,
      );
      assert.deepEqual(p, q, `${n} elements, into ${dtype}`);
    }
    // A row longer than 2^16 is summed a block of 2^16 at a time, the blocks' sums added in
    // order, whatever the path. Magnitudes from e^-20 to e^20, so that the doubles round and the
    // order of the additions shows in the bits (floats of one scale add up exactly in doubles).
    const BLOCK = 1 << 16;
    const wide = torch.randn(n).mul(torch.rand(n).mul(40).sub(20).exp());
    let blocked = 0;
    for (let at = 0; at < n; at += BLOCK) {
      const len = Math.min(BLOCK, n - at);
      blocked += torch.sum(wide.narrow(0, at, len), { dtype: f64 } as never)
        .item();
    }
    const [p, q] = bothPaths(
      () => torch.sum(wide, { dtype: f64 } as never),
      doubleWords,
    );
    const want = doubleWords(torch.tensor([blocked], { dtype: f64 }));
    assert.deepEqual(p, want, "blocks, SIMD");
    assert.deepEqual(q, want, "blocks, JavaScript");
  });
});

describe("float32 exp", () => {
  // exp takes the SIMD kernel from 8 elements on, a strided operand through a contiguous copy:
  // the sizes around the vector's four lanes, and transposed and stepped views, in and out.
  test("through WebAssembly SIMD and through JavaScript, small and strided", {
    skip,
  }, () => {
    for (const n of [7, 8, 13]) {
      const [p, q] = bothPaths(() => torch.exp(values(n, 1).mul(30)));
      assert.deepEqual(p, q, `${n} elements`);
    }
    const m = values(33 * 17, 0).mul(30).reshape(33, 17);
    const cases: [string, () => torch.Tensor][] = [
      ["transposed", () => torch.exp(m.t())],
      [
        "every other column",
        () => torch.exp(m.index(":", torch.slice(0, 17, 2))),
      ],
      ["into a transposed out=", () => {
        const o = torch.empty(17, 33).t();
        torch.exp(m, { out: o } as never);
        return o;
      }],
      ["exp_ of a transposed view", () => m.clone().t().exp_()],
    ];
    for (const [what, f] of cases) {
      const [p, q] = bothPaths(f);
      assert.deepEqual(p, q, what);
    }
  });

  // From 2^18 elements on, a helper thread computes blocks of the exp (blocks of 2^15 through a
  // ring in its shared memory) while this thread copies them in and out and computes others from
  // the far end: bit for bit the one-thread result, whichever thread took which block.
  test("on two threads, bit for bit as on one", { skip }, () => {
    const n = (1 << 20) + 12345;
    // Every 37th value outside the kernel's range (NaN, infinities, overflow, subnormal results).
    const special = [NaN, Infinity, -Infinity, 100, -100, 88.5, -87.6];
    const x = torch.rand(n).mul(20).sub(10);
    const idx = torch.arange(0, n, 37);
    x.index_put_(
      [idx],
      torch.tensor(special).repeat(Math.ceil(idx.numel() / special.length))
        .narrow(0, 0, idx.numel()),
    );
    const view = torch.cat([torch.zeros(3), x]).narrow(0, 3, n);
    const on = (threads: number, f: () => torch.Tensor) => {
      const before = torch.get_num_threads();
      torch.set_num_threads(threads);
      try {
        return bits(f());
      } finally {
        torch.set_num_threads(before);
      }
    };
    const blocks = () => torch.backends.cpu.info().exp_helper_blocks;
    const cases: [string, () => torch.Tensor][] = [
      ["exp", () => torch.exp(x)],
      ["exp of a view with an offset", () => torch.exp(view)],
      ["exp_ in place", () => x.clone().exp_()],
    ];
    for (const [what, f] of cases) {
      const one = on(1, f), start = blocks();
      // A helper that wakes late finds every block claimed by the caller (right, but nothing
      // shared): a few tries for it to take one, each compared.
      for (let tries = 0; tries < 20 && blocks() === start; tries++) {
        const two = on(2, f);
        // The first difference only: a diff of a million numbers would not fit in memory.
        const at = two.findIndex((b, i) => b !== one[i]);
        assert.equal(at, -1, `${what}: element ${at} differs`);
      }
      assert.ok(blocks() > start, `${what}: the helper took no block`);
    }
  });

  // Tensors of 16 MiB and more live in WebAssembly memories of their own, which the kernel reads
  // and writes where they are: the same bits as pieces of them copied out (small tensors, which
  // go through the module's memory), at an odd offset and with a tail that fills no vector.
  test(
    "over the tensors' own memories, the bits of the copying path",
    { skip },
    () => {
      if (torch.backends.cpu.info().storage !== "webassembly") return;
      const n = (1 << 22) + 7;
      const special = [NaN, Infinity, -Infinity, 100, -100, 88.5, -87.6, 1e-30];
      const x = torch.rand(n + 1).mul(200).sub(100).narrow(0, 1, n);
      const idx = torch.arange(0, n, 1001);
      x.index_put_(
        [idx],
        torch.tensor(special).repeat(Math.ceil(idx.numel() / special.length))
          .narrow(0, 0, idx.numel()),
      );
      const start = torch.backends.cpu.info().inplace_ops;
      for (const threads of [1, 2]) {
        const before = torch.get_num_threads();
        torch.set_num_threads(threads);
        try {
          const y = torch.exp(x), o = torch.empty(n);
          torch.exp(x, { out: o });
          for (const from of [0, 1, 65533, n - 40000]) {
            const len = Math.min(40000, n - from);
            const want = bits(torch.exp(x.narrow(0, from, len).clone()));
            assert.deepEqual(
              bits(y.narrow(0, from, len)),
              want,
              `${threads} threads at ${from}`,
            );
            assert.deepEqual(
              bits(o.narrow(0, from, len)),
              want,
              `out= ${threads} threads at ${from}`,
            );
          }
        } finally {
          torch.set_num_threads(before);
        }
      }
      // 2 threads × 2 exps: each over the tensors' memories.
      assert.equal(torch.backends.cpu.info().inplace_ops - start, 4);
    },
  );

  test("maps over the tensors' own memories, the bits of the copying path", {
    skip,
  }, () => {
    if (torch.backends.cpu.info().storage !== "webassembly") return;
    const n = (1 << 22) + 13;
    const x = torch.randn(n + 2).narrow(0, 2, n), y = torch.randn(n).mul(3);
    // Special values on both sides, where maximum, clamp and division differ most.
    const idx = torch.arange(0, n, 997);
    const special = torch.tensor([NaN, Infinity, -Infinity, 0, -0, 1e-40]);
    const fill = (t: torch.Tensor) =>
      t.index_put_(
        [idx],
        special.repeat(Math.ceil(idx.numel() / 6)).narrow(0, 0, idx.numel()),
      );
    fill(x);
    fill(y.narrow(0, 5, n - 5));
    const cases: [
      string,
      (a: torch.Tensor, b: torch.Tensor) => torch.Tensor,
    ][] = [
      ["add", (a, b) => a.add(b)],
      ["sub", (a, b) => torch.sub(a, b)],
      ["mul", (a, b) => a.mul(b)],
      ["div", (a, b) => a.div(b)],
      ["maximum", (a, b) => torch.maximum(a, b)],
      ["minimum", (a, b) => torch.minimum(a, b)],
      ["clamp_min", (a, b) => a.clamp({ min: b })],
      ["relu", (a) => a.relu()],
      ["add scalar", (a) => a.add(0.5)],
      ["mul scalar", (a) => a.mul(-3)],
      ["add_ in place", (a, b) => a.clone().add_(b)],
    ];
    const start = torch.backends.cpu.info().inplace_ops;
    for (const threads of [1, 2]) {
      const before = torch.get_num_threads();
      torch.set_num_threads(threads);
      try {
        for (const [what, f] of cases) {
          const big = f(x, y);
          for (const from of [0, 3, 70001, n - 20000]) {
            const len = Math.min(20000, n - from);
            const want = bits(
              f(x.narrow(0, from, len).clone(), y.narrow(0, from, len).clone()),
            );
            assert.deepEqual(
              bits(big.narrow(0, from, len)),
              want,
              `${what}, ${threads} threads, at ${from}`,
            );
          }
        }
      } finally {
        torch.set_num_threads(before);
      }
    }
    // Every case's big op (add_ in place: its clone is a copy, then the map) on each thread count.
    assert.equal(
      torch.backends.cpu.info().inplace_ops - start,
      2 * cases.length,
    );
  });

  test(
    "sums over the tensors' own memories: the JavaScript loop's bits, on either thread",
    {
      skip,
    },
    () => {
      if (torch.backends.cpu.info().storage !== "webassembly") return;
      const n = (1 << 22) + 9;
      const x = torch.randn(n + 3).mul(1e3).narrow(0, 3, n);
      const rows = torch.randn(4, (1 << 20) + 5);
      const sums = () =>
        [x.sum(), x.narrow(0, 1, n - 1).sum(), rows.sum(1), x.mean()].map(bits);
      torch.backends.cpu.set_simd("off");
      let js: number[][];
      try {
        js = sums();
      } finally {
        torch.backends.cpu.set_simd("auto");
      }
      const before = torch.get_num_threads();
      const blocks = () => torch.backends.cpu.info().sum_helper_blocks;
      try {
        torch.set_num_threads(1);
        assert.deepEqual(sums(), js, "one thread");
        // From 2^18 elements the helper thread sums blocks too: a few tries for it to take one
        // (one that wakes late finds every block claimed), each compared.
        torch.set_num_threads(2);
        const start = blocks();
        for (let tries = 0; tries < 50 && blocks() === start; tries++) {
          assert.deepEqual(sums(), js, "two threads");
        }
        assert.ok(blocks() > start, "the helper took no block");
      } finally {
        torch.set_num_threads(before);
      }
    },
  );

  // V8 frees a shared memory only once the event loop turns, so a loop that never yields gets
  // WebAssembly storage for at most 1 GiB of tensors, then ArrayBuffers (the copying path).
  test(
    "a loop that never yields holds at most 1 GiB of WebAssembly storage",
    { skip },
    () => {
      if (torch.backends.cpu.info().storage !== "webassembly") return;
      const kept: torch.Tensor[] = [];
      let inPlace = 0;
      for (let i = 0; i < 20; i++) {
        const t = torch.empty(1 << 24),
          before = torch.backends.cpu.info().inplace_ops;
        t.add_(1);
        inPlace += torch.backends.cpu.info().inplace_ops - before;
        kept.push(t);
      }
      assert.ok(
        inPlace > 0 && inPlace <= 16,
        `${inPlace} of 20 tensors of 64 MiB in place`,
      );
      assert.equal(kept[19].sum().item(), 1 << 24);
    },
  );

  // The kernel's claim (src/backend/cpu/exp32.ts): within one ulp of the correctly rounded
  // result (Math.exp rounded to float32 stands in for it), and equal to it almost always.
  test("within one ulp of the rounded exact value", () => {
    const x = new Float32Array(1 << 16), w = new Uint32Array(x.buffer);
    for (let i = 0; i < x.length; i++) w[i] = (i * 65521 + 17) >>> 0;
    const words = new Int32Array(
      Float32Array.from(x, (v) => Math.exp(v)).buffer,
    );
    const got = new Int32Array(
      new Float32Array(
        torch.exp(torch.tensor(Array.from(x))).tolist() as number[],
      ).buffer,
    );
    let off = 0;
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(x[i])) continue;
      const d = Math.abs(got[i] - words[i]);
      assert.ok(d <= 1, `exp(${x[i]}): ${d} ulp`);
      off += d;
    }
    assert.ok(off < x.length / 50, `${off} of ${x.length} one ulp off`);
  });
});
