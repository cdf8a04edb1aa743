// End to end: the examples run as a user runs them and print what PyTorch printed.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;

function runExample(file: string): string {
  const args = isDeno ? ["run", "--allow-read", file] : [file];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  assert.equal(r.status, 0, `${file} failed: ${r.stderr}`);
  return r.stdout;
}

// Each test runs an example in a fresh Deno or Bun process.
const SPAWNS = { timeout: 60_000 };

describe("examples", () => {
  test("examples/tensors.ts prints the tutorial's Tensor part", SPAWNS, () => {
    // The transcript was reviewed against the legacy print spec; its numbers are PyTorch's for
    // seed 0 (a + b below equals torch.manual_seed(0); torch.rand(2,3,4) + torch.rand(2,3,4)).
    // The tutorial's machine had no GPU; where this one has a WebGPU adapter the line says so.
    const expected = readFileSync(
      new URL("./fixtures/tensors_example.txt", import.meta.url),
      "utf8",
    ).replace(
      ">>> torch.cuda.is_available()\nFalse\n",
      `>>> torch.cuda.is_available()\n${
        torch.cuda.is_available() ? "True" : "False"
      }\n`,
    );
    assert.equal(runExample("examples/tensors.ts"), expected);
  });

  test(
    "examples/neural_networks.ts prints the tutorial's Net and PyTorch's numbers",
    SPAWNS,
    () => {
      const out = runExample("examples/neural_networks.ts");
      assert.ok(out.includes(
        "Net (\n  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))\n  (fc1): Linear (400 -> 120)\n  (fc2): Linear (120 -> 84)\n  (fc3): Linear (84 -> 10)\n)\n",
      ));
      assert.ok(out.includes(">>> len(list(net.parameters()))\n10\n"));
      // PyTorch 1.13 after torch.manual_seed(0) prints net(input) starting -0.1007, -0.0902, 0.0364.
      assert.ok(out.includes("Variable containing:\n-0.1007 -0.0902  0.0364"));
      // And the loss after one SGD step is 38.051246643066406 there (float32 rounding differs slightly).
      const loss = Number(out.trim().split("\n").at(-1));
      assert.ok(Math.abs(loss - 38.051246643066406) < 1e-4, `loss ${loss}`);
    },
  );
});
