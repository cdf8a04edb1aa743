// torch.multinomial and torch.poisson against PyTorch 1.13's draws for the same seed
// (tests/fixtures/gen_sampling.py), the generator's state after them, and their messages.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const fx = readFixture<{
  torch: string;
  cases: {
    name: string;
    op: "multinomial" | "poisson";
    seed: number;
    input: { t: EncTensor };
    args: unknown[];
    kwargs: Record<string, unknown>;
    out: { t: EncTensor };
    after: number[];
  }[];
  errors: Record<string, [string, string]>;
}>("sampling.json");

const DEVICES = torch.webgpu.is_available() ? ["cpu", "webgpu"] : ["cpu"];

describe(`multinomial and poisson against PyTorch ${fx.torch}`, () => {
  for (const device of DEVICES) {
    for (const c of fx.cases) {
      if (device !== "cpu" && c.input.t.dtype === "float64") continue;
      test(`${c.name} [${device}]`, () => {
        const x = decodeTensor(c.input.t).to(device);
        torch.manual_seed(c.seed);
        // deno-lint-ignore no-explicit-any
        const fn = (torch as any)[c.op];
        const out: torch.Tensor = Object.keys(c.kwargs).length
          ? fn(x, ...c.args, c.kwargs)
          : fn(x, ...c.args);
        assert.equal(out.device.type, device);
        assertTensorClose(out.cpu(), c.out.t, c.name, { rtol: 0, atol: 0 });
        // The generator moved on exactly as PyTorch's did.
        assert.deepEqual(
          torch.rand(2, { dtype: torch.float64 }).tolist(),
          c.after,
        );
      });
    }
  }
  test("a tensor's multinomial method, and PyTorch's messages", () => {
    torch.manual_seed(0);
    const a = torch.tensor([0.1, 0.2, 0.3, 0.4]).multinomial(4);
    torch.manual_seed(0);
    assert.deepEqual(
      a.tolist(),
      torch.multinomial(torch.tensor([0.1, 0.2, 0.3, 0.4]), 4).tolist(),
    );
    const raises = (key: string, fn: () => unknown) =>
      assert.throws(fn, (e: Error) => {
        assert.equal(e.name, fx.errors[key][0]);
        assert.equal(e.message, fx.errors[key][1]);
        return true;
      });
    raises("dims", () => torch.multinomial(torch.rand(2, 2, 2), 1));
    raises("int", () => torch.multinomial(torch.tensor([1, 2]), 1));
    raises("zero_samples", () => torch.multinomial(torch.rand(3), 0));
    raises("too_many", () => torch.multinomial(torch.rand(3), 4));
    raises("negative", () => torch.multinomial(torch.tensor([0.5, -0.1]), 1));
    raises("all_zero", () => torch.multinomial(torch.zeros(3), 1));
    raises("negative_rate", () => torch.poisson(torch.tensor([1.5, -1.5])));
  });
});
