// An exp on two threads whose helper is short of CPU time (made to spin before each block through
// FLAMBEAU_TEST_EXP_STALL_MS, in a process of its own): the caller computes the blocks the helper
// is slow on and returns without it, so the helper may finish a block after the exp has returned.
// The exp's bits stay the one-thread ones, and a convolution laid out at once in the helper's
// memory (one small enough for one thread) is not overwritten by that late block.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";

const child = fileURLToPath(
  new URL("./_support/exp_helper_child.ts", import.meta.url),
);
const skip = torch.backends.cpu.info().simd === null
  ? "this runtime has no WebAssembly SIMD"
  : false;

// Both exp paths: over the tensors' own WebAssembly memories (the helper reads and writes them;
// the caller waits for its last block), and through the helper's memory (FLAMBEAU_WASM_STORAGE
// off: the tensors are ArrayBuffers the helper cannot see).
for (const storage of ["on", "off"]) {
  test(
    `a helper slow on its exp blocks changes no result (storage ${storage})`,
    {
      skip,
      timeout: 120_000,
    },
    () => check(storage),
  );
}

function check(storage: string) {
  const args = "Deno" in globalThis ? ["run", "-A", child] : [child];
  const r = spawnSync(process.execPath, args, {
    encoding: "utf8",
    env: {
      ...process.env,
      FLAMBEAU_TEST_EXP_STALL_MS: "5",
      FLAMBEAU_WASM_STORAGE: storage,
    },
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(out.expDiffer, 0, "exps differing from the one-thread bits");
  assert.equal(
    out.convDiffer,
    0,
    `${out.convDiffer} of ${out.convs} convolutions overwritten after an exp`,
  );
  // Each exp took the path the storage says (never in place under Bun, which keeps ArrayBuffers).
  assert.equal(
    out.inplaceOps > 0,
    out.storage === "webassembly",
    `${out.inplaceOps} in place with ${out.storage} storage`,
  );
  if (storage === "off") assert.equal(out.storage, "arraybuffer");
  // The hook took: a helper that keeps pace takes most of the blocks of each exp (32 or 64).
  assert.ok(
    out.helperBlocks < out.rounds * 8,
    `the helper took ${out.helperBlocks} blocks in ${out.rounds} exps`,
  );
}
