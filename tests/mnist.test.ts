// End to end: examples/mnist.ts trains LeNet on a few hundred digits in a subprocess, then its SVG
// plot and safetensors weights are checked. Skipped (visibly) until the nn layers it needs exist.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";
import { load } from "../interop/safetensors.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;
const nn = torch.nn as unknown as Record<string, unknown>;
const missing = [
  ["nn.Conv2d", nn.Conv2d],
  ["nn.Linear", nn.Linear],
  ["nn.CrossEntropyLoss", nn.CrossEntropyLoss],
  [
    "nn.functional.max_pool2d",
    (torch.nn.functional as Record<string, unknown>).max_pool2d,
  ],
  ["optim.SGD", (torch.optim as Record<string, unknown>).SGD],
].filter(([, v]) => typeof v !== "function").map(([k]) => k);
const skip = missing.length > 0 ? `needs ${missing.join(", ")}` : false;

const SHAPES: Record<string, number[]> = {
  "conv1.weight": [6, 1, 5, 5],
  "conv1.bias": [6],
  "conv2.weight": [16, 6, 5, 5],
  "conv2.bias": [16],
  "fc1.weight": [120, 400],
  "fc1.bias": [120],
  "fc2.weight": [84, 120],
  "fc2.bias": [84],
  "fc3.weight": [10, 84],
  "fc3.bias": [10],
};

describe("examples/mnist.ts", () => {
  test(
    "trains on a few digits, prints the accuracy, writes an SVG and safetensors weights",
    // A real (short) training run in a fresh process: seconds alone, a minute on a busy machine.
    { skip, timeout: 300_000 },
    () => {
      const dir = mkdtempSync(join(tmpdir(), "flambeau-mnist-"));
      try {
        const plot = join(dir, "curves.svg"),
          weights = join(dir, "lenet.safetensors");
        const flags = [
          "--train-size",
          "256",
          "--test-size",
          "128",
          "--epochs",
          "1",
          "--batch-size",
          "32",
        ];
        const args = [
          ...(isDeno ? ["run", "-A"] : []),
          "examples/mnist.ts",
          ...flags,
          "--plot",
          plot,
          "--save",
          weights,
        ];
        const r = spawnSync(process.execPath, args, {
          cwd: root,
          encoding: "utf8",
          timeout: 240_000,
        });
        assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
        const m =
          /epoch 1: loss [\d.]+, \d+ images\/s, test accuracy ([\d.]+)% \((\d+)\/128\)/
            .exec(r.stdout);
        assert.ok(m, `no accuracy line in:\n${r.stdout}`);
        assert.ok(
          Number(m[1]) > 10,
          `accuracy ${m[1]}% is no better than chance`,
        );

        const svg = readFileSync(plot, "utf8");
        assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*>/);
        assert.match(svg, /<\/svg>\n$/);
        assert.equal((svg.match(/<polyline /g) ?? []).length, 2, "two series");
        const opened = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length;
        assert.equal(
          opened,
          (svg.match(/<\/[a-z]+>/g) ?? []).length,
          "every element is closed",
        );
        assert.doesNotMatch(svg, /NaN|undefined/);

        const state = load(weights);
        assert.deepEqual(Object.keys(state).sort(), Object.keys(SHAPES).sort());
        for (const [k, shape] of Object.entries(SHAPES)) {
          assert.deepEqual([...state[k].shape], shape, k);
          assert.equal(state[k].dtype, torch.float32, k);
        }
      } finally {
        rmSync(dir, { recursive: true });
      }
    },
  );

  test(
    "a missing --data directory is an error naming the file",
    { skip, timeout: 90_000 },
    () => {
      const args = [
        ...(isDeno ? ["run", "-A"] : []),
        "examples/mnist.ts",
        "--data",
        "/nonexistent-mnist",
      ];
      const r = spawnSync(process.execPath, args, {
        cwd: root,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 1);
      assert.match(r.stderr, /\/nonexistent-mnist\/train-images-idx3-ubyte/);
    },
  );

  test(
    "--device cuda trains on WebGPU as on the CPU where an adapter exists, else is a clear error",
    {
      skip,
      timeout: 240_000,
    },
    () => {
      const args = [
        ...(isDeno ? ["run", "-A"] : []),
        "examples/mnist.ts",
        "--device",
        "cuda",
        "--epochs",
        "1",
        "--train-size",
        "640",
        "--test-size",
        "200",
        "--batch-size",
        "32",
      ];
      const run = (a: string[]) =>
        spawnSync(process.execPath, a, {
          cwd: root,
          encoding: "utf8",
          timeout: 200_000,
        });
      const r = run(args);
      if (!torch.cuda.is_available()) {
        assert.equal(r.status, 1);
        assert.match(r.stderr, /--device cuda: no WebGPU adapter here/);
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      // The same run on the CPU: the same loss (to the 4 digits printed) and test accuracy.
      const cpu = run(args.map((a) => (a === "cuda" ? "cpu" : a)));
      assert.equal(cpu.status, 0, cpu.stderr);
      const result = (out: string) =>
        /epoch 1: loss (\d\.\d+), \d+ images\/s, (test accuracy .*)/.exec(out)
          ?.slice(1);
      assert.ok(result(r.stdout), r.stdout);
      assert.deepEqual(result(r.stdout), result(cpu.stdout));
    },
  );
});
