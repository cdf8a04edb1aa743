// End to end: the examples run as a user runs them and print what PyTorch printed.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
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

describe("examples", () => {
  test("examples/tensors.ts prints the tutorial's Tensor part", () => {
    // The transcript was reviewed against the legacy print spec; its numbers are PyTorch's for
    // seed 0 (a + b below equals torch.manual_seed(0); torch.rand(2,3,4) + torch.rand(2,3,4)).
    const expected = readFileSync(
      new URL("./fixtures/tensors_example.txt", import.meta.url),
      "utf8",
    );
    assert.equal(runExample("examples/tensors.ts"), expected);
  });
});
