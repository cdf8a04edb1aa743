// `npm test`: the whole suite under Deno and under Bun, then one closing line summing both:
// "N passed, N failed". Exits non-zero when anything failed or a runner could not report, or
// when the run left anything in the temp folder: both runners get a fresh one of their own
// (TMPDIR), which must be empty at the end, and which is removed either way.

import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => `${root}node_modules/.bin/${name}`;
const tmp = mkdtempSync(join(tmpdir(), "flambeau-test-run-"));

/** Runs a command with inherited output, also capturing it for the summary. */
function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      env: {
        ...process.env,
        NO_COLOR: "1",
        TMPDIR: tmp,
        TMP: tmp,
        TEMP: tmp,
        ...env,
      },
    });
    let text = "";
    for (const stream of [child.stdout, child.stderr]) {
      stream.on("data", (chunk) => {
        text += chunk;
        (stream === child.stdout ? process.stdout : process.stderr).write(
          chunk,
        );
      });
    }
    child.on("error", (err) => resolve({ code: 1, text: String(err) }));
    child.on("close", (code) => resolve({ code: code ?? 1, text }));
  });
}

// Deno counts each describe() as a test and each test() inside it as a step: the steps are the
// leaf tests, which is what Bun counts.
function denoCounts(text) {
  const m =
    /\| (\d+) passed(?: \((\d+) steps?\))? \| (\d+) failed(?: \((\d+) steps?\))?/
      .exec(text);
  if (!m) return undefined;
  return { passed: Number(m[2] ?? m[1]), failed: Number(m[4] ?? m[3]) };
}

function bunCounts(text) {
  const p = /^\s*(\d+) pass$/m.exec(text), f = /^\s*(\d+) fail$/m.exec(text);
  if (!p || !f) return undefined;
  return { passed: Number(p[1]), failed: Number(f[1]) };
}

const deno = await run(bin("deno"), [
  "test",
  "--allow-read",
  "--allow-write",
  "--allow-run",
  "--allow-env",
  // OpenBLAS, where it is installed, through Deno.dlopen (the matmul tests cover both paths).
  "--allow-ffi",
  // The WebGPU memory test runs the collector itself (globalThis.gc).
  "--v8-flags=--expose-gc",
  "tests/",
]);
// Bun runs without the system BLAS, so that the op table checks the other matmul path against
// PyTorch: float32 products through the WebAssembly SIMD kernel (tests/blas.test.ts still forces
// OpenBLAS on for its comparisons under both runtimes).
const bun = await run(bin("bun"), ["test", "./tests/"], {
  FLAMBEAU_BLAS: "off",
});

let passed = 0, failed = 0, broken = false;
for (
  const [name, result, counts] of [["deno", deno, denoCounts(deno.text)], [
    "bun",
    bun,
    bunCounts(bun.text),
  ]]
) {
  if (!counts) {
    console.log(`${name}: no test summary found (exit code ${result.code})`);
    broken = true;
    continue;
  }
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed`);
  passed += counts.passed;
  failed += counts.failed;
  if (result.code !== 0 && counts.failed === 0) broken = true;
}
const left = readdirSync(tmp);
rmSync(tmp, { recursive: true, force: true });
if (left.length > 0) {
  console.log(
    `left behind in the temp folder (a test did not clean up): ${
      left.join(", ")
    }`,
  );
  broken = true;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken ? 1 : 0);
