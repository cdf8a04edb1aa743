// The WebGPU device (design.md §4): device strings and `torch.webgpu`/`torch.cuda`, PyTorch's
// errors, dtypes with no WGSL type, seeds that give the same tensors on either device, blocking
// and non-blocking reads, memory given back, autograd and a LeNet training step that match the
// CPU with no host fallback. CI runs it on Mesa's llvmpipe; without an adapter (Bun, Node, or
// Deno without Vulkan drivers) every test is skipped, saying why.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { Net } from "./_support/lenet.ts";

const GPU = torch.webgpu.is_available();
const skip = GPU
  ? false
  : "no WebGPU adapter here (Deno finds Mesa's llvmpipe once mesa-vulkan-drivers is installed; Bun and Node have no built-in WebGPU)";
const F = torch.nn.functional;

/** max |a - b| over two tensors of one shape (read on the CPU). */
const maxDiff = (a: torch.Tensor, b: torch.Tensor) =>
  a.cpu().float().sub(b.cpu().float()).abs().max().item();

test("webgpu: device strings, torch.device, .cuda(), .cpu() and .to()", {
  skip,
}, () => {
  assert.equal(torch.webgpu.device_count(), 1);
  assert.equal(torch.cuda.is_available(), true);
  assert.equal(typeof torch.cuda.get_device_name(), "string");
  const x = torch.tensor([[1, 2], [3, 4]]);
  for (const spec of ["webgpu", "webgpu:0", "cuda", "cuda:0"]) {
    const y = x.to(spec);
    assert.equal(y.device.type, "webgpu");
    assert.equal(String(y.device), "webgpu:0");
    assert.equal(y.is_cuda, true);
    assert.deepEqual(y.tolist(), [[1, 2], [3, 4]]);
  }
  assert.equal(x.to(torch.device("cuda", 0)).device.type, "webgpu");
  assert.equal(x.cuda().device.type, "webgpu");
  assert.equal(x.cuda().cpu().device.type, "cpu");
  assert.equal(torch.zeros(2, 3, { device: "cuda" }).device.type, "webgpu");
  assert.throws(() => x.to("webgpu:1"), /Invalid device ordinal 1/);
  // As PyTorch's CUDA tensors: numpy() shares memory, so it wants the tensor on the host.
  assert.throws(
    () => x.cuda().numpy(),
    /^TypeError: can't convert webgpu:0 device type tensor to numpy\. Use Tensor\.cpu\(\) to copy the tensor to host memory first\.$/,
  );
  assert.match(
    String(x.float().cuda()),
    /\[torch\.cuda\.FloatTensor of size 2x2 \(GPU 0\)\]/,
  );
});

test(
  "webgpu: mixing devices raises PyTorch's error; a 0-d CPU tensor is a scalar",
  { skip },
  () => {
    const a = torch.ones(2), b = torch.ones(2, { device: "webgpu" });
    for (
      const f of [() => a.add(b), () => b.add(a), () => torch.matmul(a, b)]
    ) {
      assert.throws(
        f,
        /^RuntimeError: Expected all tensors to be on the same device, but found at least two devices, webgpu:0 and cpu!$/,
      );
    }
    assert.deepEqual(b.mul(torch.tensor(3)).tolist(), [3, 3]);
  },
);

test(
  "webgpu: float64 and other dtypes with no WGSL type are refused, as is int64 beyond int32",
  { skip },
  () => {
    assert.throws(
      () => torch.ones(2, { dtype: torch.float64 }).cuda(),
      /Cannot convert a WebGPU Tensor to float64 dtype/,
    );
    assert.throws(
      () => torch.ones(2, { device: "cuda" }).double(),
      /Cannot convert a WebGPU Tensor to float64 dtype/,
    );
    assert.throws(
      () => torch.ones(2, { dtype: torch.float16 }).cuda(),
      /torch.float16 is not supported on the WebGPU device/,
    );
    assert.throws(
      () => torch.tensor([2 ** 40]).cuda(),
      /holds int64 as int32: the value 1099511627776 is out of its range/,
    );
    const big = torch.tensor([2 ** 31 - 1, -(2 ** 31)]).cuda();
    assert.deepEqual(big.tolist(), [2 ** 31 - 1, -(2 ** 31)]);
    assert.equal(big.dtype, torch.int64);
  },
);

test("webgpu: a seed gives the same tensors on either device", { skip }, () => {
  const draw = (device?: string) => {
    torch.manual_seed(7);
    return [
      torch.randn(3, 4, { device }),
      torch.rand(5, { device }),
      torch.randint(0, 10, [6], { device }),
      torch.empty(4, { device }).normal_(),
      torch.empty(4, { device }).uniform_(-1, 1),
    ];
  };
  const cpu = draw(), gpu = draw("webgpu");
  gpu.forEach((g, i) => {
    assert.equal(g.device.type, "webgpu");
    assert.deepEqual(g.cpu().tolist(), cpu[i].tolist());
  });
  const init = (device: string) => {
    torch.manual_seed(3);
    return new Net().to(device).parameters().map((p) => p.cpu().tolist());
  };
  assert.deepEqual(init("webgpu"), init("cpu"));
});

test("webgpu: blocking and non-blocking reads agree", { skip }, async () => {
  const x = torch.arange(12, { device: "webgpu" }).float().reshape(3, 4);
  const y = x.t().mul(2); // a strided view is read through its strides
  assert.deepEqual(await y.tolist_async(), y.tolist());
  assert.equal(await x.sum().item_async(), 66);
  const c = await y.cpu_async();
  assert.equal(c.device.type, "cpu");
  assert.deepEqual(c.tolist(), y.cpu().tolist());
  const [a, b] = await Promise.all([
    x.mean().item_async(),
    x.amax().item_async(),
  ]);
  assert.deepEqual([a, b], [5.5, 11]);
});

test("webgpu: dispose() gives the memory back now; a disposed tensor raises", {
  skip,
}, () => {
  const before = torch.webgpu.memory_allocated();
  const x = torch.ones(1024, { device: "webgpu" });
  assert.equal(torch.webgpu.memory_allocated() - before, 4096);
  assert.ok(torch.webgpu.max_memory_allocated() >= before + 4096);
  x.dispose();
  assert.equal(torch.webgpu.memory_allocated(), before);
  assert.throws(() => x.sum(), /memory was given back with dispose\(\)/);
  let during = 0;
  {
    using y = torch.zeros(256, { device: "webgpu" });
    y.add_(1);
    during = torch.webgpu.memory_allocated();
  }
  assert.equal(during - torch.webgpu.memory_allocated(), 1024);
  torch.webgpu.empty_cache();
  torch.webgpu.synchronize();
});

test("webgpu: gradients of composite ops match the CPU's", { skip }, () => {
  torch.manual_seed(1);
  const x0 = torch.randn(6, 5), w0 = torch.randn(5, 4), b0 = torch.randn(4);
  const target = torch.tensor([0, 3, 1, 2, 3, 0]);
  const run = (device: string) => {
    const leaf = (t: torch.Tensor) => t.to(device).detach().requires_grad_();
    const x = leaf(x0), w = leaf(w0), b = leaf(b0);
    const h = F.layer_norm(F.linear(x, w.t(), b), [4]);
    const loss = F.cross_entropy(h.tanh().mul(3), target.to(device))
      .add(F.mse_loss(h.sigmoid(), h.softmax(1)))
      .add(h.log_softmax(0).exp().pow(2).mean())
      .add(x.norm().div(10))
      .add(h.var(1).sum().mul(0.1));
    loss.backward();
    return [loss, x.grad!, w.grad!, b.grad!];
  };
  const cpu = run("cpu"), gpu = run("webgpu");
  gpu.forEach((g, i) => {
    assert.equal(g.device.type, "webgpu");
    assert.ok(maxDiff(g, cpu[i]) < 2e-5, `output ${i}: ${maxDiff(g, cpu[i])}`);
  });
});

test(
  "webgpu: a LeNet training step matches the CPU and never falls back to the host",
  { skip, timeout: 120_000 },
  () => {
    const step = (device: string) => {
      torch.manual_seed(0);
      const net = new Net().to(device);
      const opt = new torch.optim.SGD(net.parameters(), {
        lr: 0.05,
        momentum: 0.9,
      });
      const losses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const x = torch.randn(8, 1, 32, 32, { device });
        const y = torch.randint(0, 10, [8]).to(device);
        opt.zero_grad();
        const loss = F.cross_entropy(net(x), y);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      return { losses, params: [...net.parameters()] };
    };
    const cpu = step("cpu");
    torch.backends.fallback.reset();
    torch.backends.fallback.set_mode("error");
    try {
      const gpu = step("webgpu");
      assert.deepEqual(torch.backends.fallback.counts(), {});
      gpu.losses.forEach((l, i) =>
        assert.ok(Math.abs(l - cpu.losses[i]) < 1e-4, `loss ${i}: ${l}`)
      );
      gpu.params.forEach((p, i) => {
        assert.equal(p.device.type, "webgpu");
        assert.ok(maxDiff(p, cpu.params[i]) < 1e-4, `param ${i}`);
      });
    } finally {
      torch.backends.fallback.set_mode("allow");
    }
  },
);

test(
  "webgpu: an LSTM over packed sequences and a Transformer train as on the CPU, with no host fallback",
  { skip, timeout: 120_000 },
  () => {
    const { nn } = torch;
    const U = nn.utils.rnn;
    const step = (device: string) => {
      torch.manual_seed(0);
      const lstm = new nn.LSTM(3, 4, { num_layers: 2, bidirectional: true })
        .to(device);
      const tr = new nn.Transformer({
        d_model: 8,
        nhead: 2,
        num_encoder_layers: 1,
        num_decoder_layers: 1,
        dim_feedforward: 16,
        dropout: 0,
      }).to(device);
      const params = [...lstm.parameters(), ...tr.parameters()];
      // SGD, not Adam: the key bias of attention has a gradient of zero in exact arithmetic, and
      // Adam would turn the two devices' different rounding noise in it into full-size steps.
      const opt = new torch.optim.SGD(params, { lr: 0.1, momentum: 0.9 });
      const mask = nn.Transformer.generate_square_subsequent_mask(3).to(device);
      const losses: number[] = [];
      for (let i = 0; i < 2; i++) {
        const x = torch.randn(5, 3, 3).to(device);
        const packed = U.pack_padded_sequence(x, [2, 5, 3], {
          enforce_sorted: false,
        });
        const [out, [h]] = lstm(packed);
        const [padded] = U.pad_packed_sequence(out);
        const src = torch.randn(4, 2, 8).to(device);
        const tgt = torch.randn(3, 2, 8).to(device);
        const loss = padded.pow(2).mean().add(h.sum()).add(
          tr(src, tgt, { tgt_mask: mask }).pow(2).mean(),
        );
        opt.zero_grad();
        loss.backward();
        opt.step();
        losses.push(loss.item() as number);
      }
      return { losses, params };
    };
    const cpu = step("cpu");
    torch.backends.fallback.reset();
    torch.backends.fallback.set_mode("error");
    try {
      const gpu = step("webgpu");
      assert.deepEqual(torch.backends.fallback.counts(), {});
      gpu.losses.forEach((l, i) =>
        assert.ok(Math.abs(l - cpu.losses[i]) < 1e-4, `loss ${i}: ${l}`)
      );
      gpu.params.forEach((p, i) => {
        assert.equal(p.device.type, "webgpu");
        assert.ok(maxDiff(p, cpu.params[i]) < 1e-4, `param ${i}`);
      });
    } finally {
      torch.backends.fallback.set_mode("allow");
    }
  },
);

const gc = (globalThis as { gc?: () => void }).gc;

test("webgpu: 1,000 training steps hold memory steady", {
  skip: skip ||
    (gc
      ? false
      : "needs the collector exposed (deno test --v8-flags=--expose-gc, as npm test runs it)"),
  timeout: 300_000,
}, async () => {
  torch.manual_seed(0);
  const net = new torch.nn.Sequential(
    new torch.nn.Linear(20, 32),
    new torch.nn.ReLU(),
    new torch.nn.Linear(32, 4),
  ).to("webgpu");
  const opt = new torch.optim.Adam(net.parameters(), { lr: 1e-3 });
  const x = torch.randn(16, 20, { device: "webgpu" });
  const y = torch.randint(0, 4, [16], { device: "webgpu" });
  const held: number[] = [];
  for (let i = 1; i <= 1000; i++) {
    opt.zero_grad();
    F.cross_entropy(net(x), y).backward();
    opt.step();
    if (i % 100 === 0) {
      // What is unreachable goes back once the collector has run and its callbacks with it;
      // the callbacks may come over more than one turn of the event loop, so collect until
      // the figure stops falling (a few rounds at most).
      let now = Infinity;
      for (let round = 0; round < 5; round++) {
        gc!();
        await new Promise((r) => setTimeout(r, 0));
        const after = torch.webgpu.memory_allocated();
        if (after >= now) break;
        now = after;
      }
      held.push(now);
    }
  }
  const first = held[1];
  for (const h of held.slice(2)) {
    assert.ok(h <= first, `memory grew: ${held.join(", ")}`);
  }
});

test(
  "webgpu: a shader that does not compile and a tensor too big for the device are clear errors, not hangs",
  { skip },
  async () => {
    const { _runKernel } = await import("../src/backend/webgpu.ts");
    assert.throws(
      () =>
        _runKernel(
          "@compute @workgroup_size(1) fn main() { let x: f32 = nope; }",
        ),
      /WebGPU kernel 'test\|.*' failed to compile/,
    );
    // The device keeps working after the error.
    assert.deepEqual(torch.ones(3, { device: "webgpu" }).mul(2).tolist(), [
      2,
      2,
      2,
    ]);
    assert.throws(
      () => torch.empty(2 ** 40, { device: "webgpu" }),
      /^RuntimeError: WebGPU out of memory\. Tried to allocate 4096\.00 GiB \(the device's largest buffer is \d+\.\d\d [GM]iB\)$/,
    );
  },
);

test(
  "webgpu: reductions of a few long rows (split over workgroups, two passes) match the CPU",
  { skip },
  () => {
    torch.manual_seed(2);
    const x = torch.randn(3, 150_001); // rows long enough to be split
    const withNaN = x.clone();
    withNaN.select(1, 7).fill_(NaN); // each row's max sees one NaN
    const y = torch.randn(150_001).abs().add(1);
    const gx = x.cuda(), gy = y.cuda();
    const close = (a: torch.Tensor, b: torch.Tensor, rtol: number) => {
      const [p, q] = [a.cpu().tolist() as number[], b.tolist() as number[]];
      p.forEach((v, i) =>
        assert.ok(
          Object.is(v, q[i]) || Math.abs(v - q[i]) <= rtol * Math.abs(q[i]),
          `${v} vs ${q[i]}`,
        )
      );
    };
    close(gy.sum().reshape(1), y.sum().reshape(1), 1e-5);
    close(gy.mean().reshape(1), y.mean().reshape(1), 1e-5);
    close(gx.sum(1), x.sum(1), 1e-4);
    close(withNaN.cuda().amax(1), withNaN.amax(1), 0); // NaN wins
    close(gx.amax(1), x.amax(1), 0);
    close(gy.amin().reshape(1), y.amin().reshape(1), 0);
    close(
      gy.div(gy.mean()).prod().reshape(1),
      y.div(y.mean()).prod().reshape(1),
      1e-2,
    );
    assert.equal(gy.gt(0).all().item(), true);
    assert.equal(gy.lt(0).any().item(), false);
    const n = torch.randint(-3, 4, [200_000]);
    assert.equal(n.cuda().sum().item(), n.sum().item());
    const e = torch.full([1], 0.25).expand(1 << 20);
    assert.equal(e.cuda().sum().item(), 262144);
  },
);

test(
  "webgpu: integer powers match the CPU, and a negative exponent raises as there",
  { skip },
  () => {
    const a = torch.tensor([2, -3, 1, -1, 5, 7]),
      b = torch.tensor([3, 2, -4, -3, 0, 1]);
    torch.backends.fallback.reset();
    assert.deepEqual(a.cuda().pow(b.cuda()).tolist(), a.pow(b).tolist());
    assert.deepEqual(torch.tensor([1, -1]).cuda().pow(-3).tolist(), [1, -1]);
    for (
      const f of [
        () => torch.tensor([2]).cuda().pow(torch.tensor([-1]).cuda()),
        () => torch.tensor([2]).cuda().pow(-1),
      ]
    ) {
      assert.throws(
        f,
        /^RuntimeError: Integers to negative integer powers are not allowed\.$/,
      );
    }
    assert.deepEqual(torch.backends.fallback.counts(), {});
  },
);

test(
  "webgpu: every optimizer steps on the device as on the CPU, with no host fallback",
  { skip },
  () => {
    const makers: [
      string,
      (p: torch.Tensor[]) => { step(): void; zero_grad(): void },
    ][] = [
      [
        "SGD",
        (p) =>
          new torch.optim.SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }),
      ],
      ["Adam", (p) => new torch.optim.Adam(p, { lr: 0.01, amsgrad: true })],
      ["AdamW", (p) => new torch.optim.AdamW(p, { lr: 0.01 })],
      ["RMSprop", (p) =>
        new torch.optim.RMSprop(p, {
          lr: 0.01,
          momentum: 0.5,
          centered: true,
        })],
      ["Adagrad", (p) => new torch.optim.Adagrad(p, { lr: 0.1 })],
    ];
    for (const [name, make] of makers) {
      const run = (device: string) => {
        torch.manual_seed(4);
        const w = torch.randn(5, 3).to(device).requires_grad_();
        const opt = make([w]);
        for (let i = 0; i < 5; i++) {
          opt.zero_grad();
          w.mul(w).sum().backward();
          opt.step();
        }
        return w;
      };
      const cpu = run("cpu");
      torch.backends.fallback.reset();
      torch.backends.fallback.set_mode("error");
      try {
        const gpu = run("webgpu");
        assert.ok(maxDiff(gpu, cpu) < 1e-5, `${name}: ${maxDiff(gpu, cpu)}`);
        assert.deepEqual(torch.backends.fallback.counts(), {}, name);
      } finally {
        torch.backends.fallback.set_mode("allow");
      }
    }
  },
);

test(
  "webgpu: a training step waits for the GPU only when asked; a bad target raises at the next read",
  { skip },
  async () => {
    const { _waits } = await import("../src/backend/webgpu.ts");
    torch.manual_seed(0);
    const net = new Net().to("webgpu");
    const opt = new torch.optim.SGD(net.parameters(), {
      lr: 0.01,
      momentum: 0.9,
    });
    const x = torch.randn(4, 1, 32, 32, { device: "webgpu" });
    const y = torch.tensor([1, 0, 4, 9]).cuda();
    const step = () => {
      opt.zero_grad();
      const loss = F.cross_entropy(net(x), y);
      loss.backward();
      opt.step();
      return loss;
    };
    step().item(); // kernels compiled, first use done
    const before = _waits();
    step();
    step();
    assert.equal(
      _waits() - before,
      0,
      "steps with no item() waited for the GPU",
    );
    step().item();
    assert.equal(_waits() - before, 1);
    // As CUDA's device-side asserts: the out-of-range target is reported at the next read.
    const bad = F.cross_entropy(net(x), torch.tensor([1, 10, 4, 9]).cuda());
    assert.throws(
      () => bad.item(),
      /^IndexError: Target 10 is out of bounds\.$/,
    );
    assert.ok(
      Number.isFinite(step().item()),
      "the device works after the error",
    );
  },
);
