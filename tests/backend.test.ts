// The device seam: the layer rule (nothing outside src/backend/ reaches a backend's own files), a
// second backend carrying the tutorial's LeNet forward and backward through the primitive table
// without one host fallback, and the errors for mixed devices and unknown ones.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";
import { calls, counting } from "./_support/counting_backend.ts";
import { Net } from "./_support/lenet.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name.startsWith(".")) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe("the device seam", () => {
  test("no file outside src/backend/ imports a backend's own files", () => {
    const offenders: string[] = [];
    for (const file of sources(root)) {
      const rel = relative(root, file);
      if (rel.startsWith(join("src", "backend") + "/")) continue;
      const text = readFileSync(file, "utf8");
      for (
        const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)
      ) {
        if (!m[1].startsWith(".")) continue;
        const target = relative(root, resolve(dirname(file), m[1]));
        if (/^src\/backend\/[^/]+\//.test(target)) {
          offenders.push(`${rel} imports ${m[1]}`);
        }
      }
    }
    assert.deepEqual(offenders, []);
  });

  test("the rule above can fail: it sees a backend import", () => {
    const line = 'import { x } from "../backend/cpu/maps.ts";';
    const m = /(?:from|import)\s*\(?\s*["']([^"']+)["']/.exec(line)!;
    const target = relative(root, resolve(root, "src/ops", m[1]));
    assert.match(target, /^src\/backend\/[^/]+\//);
  });
});

describe("a second backend through the primitive table", () => {
  before(() => torch.backends.register(counting));
  after(() => {
    torch.backends.unregister("counting");
    torch.backends.fallback.set_mode("allow");
  });

  test("tensors move to it and back, and print", () => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    const y = x.to("counting");
    assert.equal(y.device.type, "counting");
    assert.throws(() => y.storage.data, /expected a CPU storage/);
    assert.deepEqual(y.mul(2).tolist(), [[2, 4], [6, 8]]);
    assert.deepEqual(y.t().contiguous().cpu().tolist(), [[1, 3], [2, 4]]);
    assert.equal(y.sum().item(), 10);
  });

  test("mixing devices raises PyTorch's error; a 0-d CPU tensor is a scalar", () => {
    const a = torch.ones(2, 2), b = torch.ones(2, 2).to("counting");
    assert.throws(
      () => a.add(b),
      /Expected all tensors to be on the same device, but found at least two devices, counting:0 and cpu!/,
    );
    assert.deepEqual(b.add(torch.tensor(2)).tolist(), [[3, 3], [3, 3]]);
    assert.throws(
      () => a.to("nowhere"),
      /device type at start of device string: nowhere/,
    );
    assert.throws(() => a.to("counting:1"), /Invalid device ordinal/);
  });

  test(
    "LeNet forward and backward run on it, match the CPU, and never fall back",
    {
      timeout: 60_000,
    },
    () => {
      const batch = () => {
        torch.manual_seed(0);
        const net = new Net();
        const x = torch.randn(4, 1, 32, 32);
        const target = torch.tensor([1, 0, 4, 9]);
        return { net, x, target };
      };
      const step = (device: string) => {
        const { net, x, target } = batch();
        net.to(device);
        const opt = new torch.optim.SGD(net.parameters(), {
          lr: 0.01,
          momentum: 0.9,
        });
        opt.zero_grad();
        const loss = torch.nn.functional.cross_entropy(
          net(x.to(device)),
          target.to(device),
        );
        loss.backward();
        opt.step();
        return {
          loss: loss.item() as number,
          params: net.parameters().map((p) => p.cpu().tolist()),
        };
      };
      const reference = step("cpu");
      calls.clear();
      torch.backends.fallback.reset();
      torch.backends.fallback.set_mode("error");
      const moved = step("counting");
      torch.backends.fallback.set_mode("allow");
      assert.equal(torch.backends.fallback.total(), 0);
      assert.equal(moved.loss, reference.loss);
      assert.deepEqual(moved.params, reference.params);
      for (
        const p of [
          "conv2d",
          "conv2dBackwardInput",
          "conv2dBackwardWeight",
          "matmul",
          "maxPool2d",
          "scatterPlanes",
          "reduce",
          "binary",
        ]
      ) {
        assert.ok((calls.get(p) ?? 0) > 0, `${p} was not called`);
      }
    },
  );

  test("a training step on the CPU takes no host fallback either", {
    timeout: 60_000,
  }, () => {
    torch.manual_seed(0);
    const net = new Net();
    const opt = new torch.optim.SGD(net.parameters(), {
      lr: 0.01,
      momentum: 0.9,
    });
    torch.backends.fallback.reset();
    for (let i = 0; i < 2; i++) {
      opt.zero_grad();
      torch.nn.functional.cross_entropy(
        net(torch.randn(2, 1, 32, 32)),
        torch.tensor([3, 7]),
      ).backward();
      opt.step();
    }
    assert.deepEqual(torch.backends.fallback.counts(), {});
  });

  test("fallback mode refuses host round trips off the CPU, and counts them on it", () => {
    const x = torch.tensor([3, 1, 2]).to("counting");
    torch.backends.fallback.reset();
    torch.backends.fallback.set_mode("error");
    assert.throws(
      () => x.sort(),
      /not currently implemented for the counting device/,
    );
    torch.backends.fallback.set_mode("allow");
    assert.deepEqual(x.sort()[0].tolist(), [1, 2, 3]);
    assert.ok(torch.backends.fallback.total() >= 1);
  });
});
