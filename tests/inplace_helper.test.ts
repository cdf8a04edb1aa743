// An exp over the tensors' own WebAssembly memories whose helper thread raises mid-job (through
// FLAMBEAU_TEST_INPLACE_RAISE, in a process of its own): the caller computes every block again and
// retires the helper, so the result stays the one-thread one and nothing waits out the helper's
// timeout (the test's own timeout is far below it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";

const child = fileURLToPath(
  new URL("./_support/inplace_raise_child.ts", import.meta.url),
);
const skip = torch.backends.cpu.info().storage !== "webassembly"
  ? "large tensors are not WebAssembly memories in this runtime"
  : false;

test(
  "a helper that raises mid-job leaves the exp right and the caller unblocked",
  {
    skip,
    timeout: 60_000,
  },
  () => {
    const r = spawnSync(process.execPath, ["run", "-A", child], {
      encoding: "utf8",
      env: { ...process.env, FLAMBEAU_TEST_INPLACE_RAISE: "1" },
      timeout: 50_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
    assert.equal(out.storage, "webassembly");
    assert.equal(out.differ, 0, `${out.differ} of ${out.exps} exps differ`);
    assert.ok(out.retired, `the helper never joined in ${out.exps} exps`);
    assert.ok(out.after, "an exp after the helper's retirement differs");
  },
);
