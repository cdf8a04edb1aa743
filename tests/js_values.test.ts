// Tensors as JavaScript values: operators, iteration, item(), torch.device, grad_fn, and printing
// of 0-d tensors and (values, indices) pairs. Messages are PyTorch 1.13's, checked with it.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { withStyle } from "./_support/print_style.ts";
import { Net } from "./_support/lenet.ts";

const F = torch.nn.functional;

describe("JavaScript operators on tensors", () => {
  test("a one-element tensor reads as its number, as Python's float(t)", () => {
    const t = torch.tensor([2.5]);
    assert.equal((t as unknown as number) * 2, 5);
    assert.equal((torch.tensor(3) as unknown as number) + 1, 4);
    assert.equal((torch.tensor([[0.75]]) as unknown as number) > 0.5, true);
    assert.equal(+torch.tensor(7, { dtype: torch.int64 }), 7);
    assert.equal(+torch.tensor(true), 1);
  });

  test("any other tensor raises PyTorch's error and names the methods, never NaN or a string", () => {
    const x = torch.ones(2, 3), y = torch.ones(2, 3);
    const msg =
      /^only one element tensors can be converted to Python scalars.*x\.mul\(y\)/;
    assert.throws(() => (x as unknown as number) * 2, {
      name: "ValueError",
      message: msg,
    });
    assert.throws(() => (x as unknown as number) + (y as unknown as number), {
      message: msg,
    });
    assert.throws(() => (x as unknown as number) > 0.5, { message: msg });
    assert.throws(() => (torch.zeros(0) as unknown as number) - 1, {
      message: msg,
    });
  });

  test("string conversion prints", () => {
    const x = torch.arange(3);
    assert.equal(String(x), x.toString());
    assert.equal(`${x}`, x.toString());
    assert.match(`${x}`, /torch\.LongTensor of size 3/);
  });

  test("the tutorial's manual update with `*` raises before touching the net; with .mul() it updates", () => {
    torch.manual_seed(0);
    const net = new Net();
    const input = torch.randn(1, 1, 32, 32), target = torch.randn(1, 10);
    F.mse_loss(net.forward(input), target).backward();
    const params = [...net.parameters()];
    const before = params.map((p) => p.data.clone());
    const learning_rate = 0.01;
    for (const f of params) {
      assert.throws(
        () =>
          f.data.sub_(
            (f.grad!.data as unknown as number) *
            learning_rate as unknown as torch.Tensor,
          ),
        { name: "ValueError" },
      );
    }
    params.forEach((p, i) => assert.ok(p.data.equal(before[i])));
    for (const f of params) f.data.sub_(f.grad!.data.mul(learning_rate));
    params.forEach((p, i) => {
      const want = before[i].sub(p.grad!.mul(learning_rate));
      assert.ok(p.data.allclose(want), `parameter ${i}`);
      assert.ok(!p.data.isnan().any().item<boolean>());
    });
  });
});

describe("iteration and length, as Python's for/len", () => {
  test("for..of, spread and Array.from walk dim 0", () => {
    const t = torch.arange(6).reshape(3, 2);
    const rows: number[][] = [];
    for (const row of t) rows.push(row.tolist() as number[]);
    assert.deepEqual(rows, [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual([...t].map((r) => [...r.shape]), [[2], [2], [2]]);
    assert.deepEqual(Array.from(torch.tensor([4, 5]), (v) => v.item()), [4, 5]);
    assert.equal(t.length, 3);
    assert.equal(torch.zeros(0, 4).length, 0);
    assert.deepEqual([...torch.zeros(0, 4)], []);
  });

  test("rows are views: writing one writes the tensor", () => {
    const t = torch.zeros(2, 2);
    const [first] = t;
    first.fill_(1);
    assert.deepEqual(t.tolist(), [[1, 1], [0, 0]]);
  });

  test("a 0-d tensor has neither", () => {
    const s = torch.tensor(1.5);
    assert.throws(() => s.length, {
      name: "TypeError",
      message: "len() of a 0-d tensor",
    });
    assert.throws(() => [...s], {
      name: "TypeError",
      message: "iteration over a 0-d tensor",
    });
  });
});

describe("item()", () => {
  test("numbers for float and integer dtypes, booleans for bool, BigInt only beyond 2^53", () => {
    const loss = torch.tensor(0.123456);
    assert.equal(loss.item().toFixed(4), "0.1235");
    assert.equal(torch.tensor(5, { dtype: torch.int64 }).item(), 5);
    assert.equal(
      typeof torch.tensor(5, { dtype: torch.int64 }).item(),
      "number",
    );
    assert.equal(torch.tensor(true).item<boolean>(), true);
    const big = torch.tensor([2n ** 60n]);
    assert.equal(big.item<bigint>(), 2n ** 60n);
    assert.equal(
      torch.tensor([2 ** 53 - 1], { dtype: torch.int64 }).item(),
      2 ** 53 - 1,
    );
  });

  test("more than one element is PyTorch's error", () => {
    for (const t of [torch.ones(3), torch.ones(0)]) {
      assert.throws(() => t.item(), {
        name: "ValueError",
        message: "only one element tensors can be converted to Python scalars",
      });
    }
  });
});

describe("torch.device", () => {
  test("parses as PyTorch: type, index, string and repr", () => {
    const cpu = torch.device("cpu");
    assert.equal(cpu.type, "cpu");
    assert.equal(cpu.index, null);
    assert.equal(String(cpu), "cpu");
    const c0 = torch.device("cuda:0"), c1 = torch.device("cuda", 1);
    assert.deepEqual([c0.type, c0.index, String(c0)], ["cuda", 0, "cuda:0"]);
    assert.equal(String(c1), "cuda:1");
    const inspect = Symbol.for("nodejs.util.inspect.custom");
    assert.equal(
      (c1 as unknown as Record<symbol, () => string>)[inspect](),
      "device(type='cuda', index=1)",
    );
    assert.equal(torch.device(c0), c0);
  });

  test("an unknown type is PyTorch's error", () => {
    assert.throws(() => torch.device("foo"), {
      name: "RuntimeError",
      message:
        /^Expected one of cpu.* device type at start of device string: foo$/,
    });
  });

  test("accepted wherever a device string is; x.device is one", () => {
    const d = torch.device("cpu");
    const x = torch.ones(2, { device: d });
    assert.equal(x.device.type, "cpu");
    assert.equal(String(x.to(d).device), "cpu");
    assert.equal(
      String(torch.zeros_like(x, { device: x.device }).device),
      "cpu",
    );
    assert.equal((x.device as unknown as string) == "cpu", true);
    assert.equal(`${x.device}`, "cpu");
  });

  test("cuda() with no GPU is PyTorch's error, not a missing method", {
    skip: torch.cuda.is_available() &&
      "this machine has a WebGPU adapter (tests/webgpu.test.ts covers cuda() there)",
  }, () => {
    assert.throws(() => torch.ones(2).cuda(), {
      name: "AssertionError",
      message: /^Torch not compiled with CUDA enabled/,
    });
    assert.throws(() => torch.ones(2).to("cuda"), { name: "AssertionError" });
  });

  test("torch.backends holds the flags real scripts set", () => {
    torch.backends.cudnn.benchmark = true;
    torch.backends.cudnn.deterministic = true;
    assert.equal(torch.backends.cudnn.benchmark, true);
    torch.backends.cudnn.benchmark = false;
    torch.backends.cudnn.deterministic = false;
    assert.equal(torch.backends.mps.is_available(), false);
    assert.equal(torch.backends.mps.is_built(), false);
  });
});

describe("grad_fn", () => {
  test("name() is a method, String(grad_fn) reads as Python's repr, next_functions as PyTorch's", () => {
    const x = torch.ones(2, 3).requires_grad_();
    const y = x.mul(2).sum();
    const fn = y.grad_fn!;
    assert.equal(fn.name(), "SumBackward0");
    assert.equal(String(fn), "<SumBackward0 object>");
    assert.equal(fn.next_functions.length, 1);
    const [mul, nr] = fn.next_functions[0];
    assert.equal(mul!.name(), "MulBackward0");
    assert.equal(nr, 0);
    const names = mul!.next_functions.map(([n, k]) => [n?.name() ?? null, k]);
    assert.deepEqual(names, [["AccumulateGrad", 0], [null, 0]]);
  });
});

describe("printing 0-d tensors and (values, indices) pairs", () => {
  test("legacy: a 0-d tensor shows its value, sized ()", () => {
    withStyle("legacy", () => {
      assert.equal(
        String(torch.tensor(2.5)),
        "\n 2.5000\n[torch.FloatTensor of size ()]\n",
      );
      const loss = torch.tensor([1, 2], { dtype: torch.float32 })
        .requires_grad_().sum();
      assert.equal(
        String(loss),
        "Variable containing:\n 3\n[torch.FloatTensor of size ()]\n",
      );
      assert.equal(
        String(torch.zeros(0)),
        "[torch.FloatTensor with no dimension]\n",
      );
    });
  });

  test("legacy: max(x, 1) prints as 0.3's tuple", () => {
    const x = torch.tensor([[1, 5, 2], [7, 0, 3]], { dtype: torch.float32 });
    withStyle("legacy", () => {
      assert.equal(
        String(torch.max(x, 1)),
        "(\n 5\n 7\n[torch.FloatTensor of size 2]\n, \n 1\n 0\n[torch.LongTensor of size 2]\n)",
      );
    });
  });

  test("modern: as PyTorch 1.13's torch.return_types", () => {
    const x = torch.tensor([[1, 5, 2], [7, 0, 3]], { dtype: torch.float32 });
    withStyle("modern", () => {
      assert.equal(
        String(torch.max(x, 1)),
        "torch.return_types.max(\nvalues=tensor([5., 7.]),\nindices=tensor([1, 0]))",
      );
    });
  });
});
