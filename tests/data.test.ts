// torch.utils.data against real PyTorch (tests/fixtures/data.json, written by gen_data.py): shuffled
// DataLoader orders over epochs, samplers, random_split, default_collate, and the global stream after.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import * as torch from "../mod.ts";
import { readFixture } from "./_support/fixtures.ts";

const {
  DataLoader,
  RandomSampler,
  TensorDataset,
  Subset,
  ConcatDataset,
  random_split,
  default_collate,
} = torch.utils.data;

type Fixture = {
  loaders: {
    seed: number;
    n: number;
    batch_size: number;
    drop_last: boolean;
    generator: number | null;
    length: number;
    epochs: number[][][];
    after: number[];
  }[];
  sequential: { seed: number; epochs: number[][][]; after: number[] };
  samplers: {
    seed: number;
    n: number;
    num_samples: number;
    replacement: boolean;
    order: number[];
    after: number[];
  }[];
  splits: {
    seed: number;
    n: number;
    lengths: number[];
    generator: boolean;
    parts: number[][];
    after: number[];
  }[];
  collate: Record<string, unknown>;
};
const fx = readFixture<Fixture>("data.json");
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const after = () => torch.rand(2).tolist();

describe("DataLoader with shuffle matches PyTorch's order", () => {
  for (const c of fx.loaders) {
    const name = `seed ${c.seed}, n ${c.n}, batch ${c.batch_size}${
      c.drop_last ? ", drop_last" : ""
    }${c.generator === null ? "" : `, generator(${c.generator})`}`;
    test(name, () => {
      torch.manual_seed(c.seed);
      const generator = c.generator === null
        ? undefined
        : new torch.Generator().manual_seed(c.generator);
      const loader = new DataLoader(range(c.n), {
        batch_size: c.batch_size,
        shuffle: true,
        drop_last: c.drop_last,
        generator,
      });
      assert.equal(loader.length, c.length);
      const epochs = c.epochs.map(() =>
        [...loader].map((b) => (b as torch.Tensor).tolist())
      );
      assert.deepEqual(epochs, c.epochs);
      assert.deepEqual(after(), c.after);
    });
  }
});

describe("DataLoader without shuffle", () => {
  test("sequential batches; each pass still draws the base seed", () => {
    torch.manual_seed(fx.sequential.seed);
    const loader = new DataLoader(range(5), { batch_size: 2 });
    const epochs = [0, 1].map(() =>
      [...loader].map((b) => (b as torch.Tensor).tolist())
    );
    assert.deepEqual(epochs, fx.sequential.epochs);
    assert.deepEqual(after(), fx.sequential.after);
  });

  test("TensorDataset batches stack samples; labels are int64", () => {
    const x = torch.arange(12, { dtype: torch.float32 }).reshape(6, 2);
    const y = torch.arange(6);
    const batches = [
      ...new DataLoader(new TensorDataset(x, y), { batch_size: 4 }),
    ];
    assert.equal(batches.length, 2);
    const [xb, yb] = batches[1] as torch.Tensor[];
    assert.deepEqual([...xb.shape], [2, 2]);
    assert.deepEqual(xb.tolist(), [[8, 9], [10, 11]]);
    assert.equal(yb.dtype, torch.int64);
    assert.deepEqual(yb.tolist(), [4, 5]);
  });

  test("batch_size null yields samples uncollated; batch_sampler and custom collate_fn", () => {
    assert.deepEqual([...new DataLoader([5, 6], { batch_size: null })], [5, 6]);
    const loader = new DataLoader(["a", "b", "c"], {
      batch_sampler: [[2, 0], [1]],
      collate_fn: (s: string[]) => s.join(""),
    });
    assert.deepEqual([...loader], ["ca", "b"]);
    assert.throws(
      () => new DataLoader([1], { shuffle: true, sampler: [0] }),
      /mutually exclusive with shuffle/,
    );
  });
});

describe("RandomSampler matches PyTorch", () => {
  for (const c of fx.samplers) {
    test(`seed ${c.seed}, n ${c.n}, num_samples ${c.num_samples}, replacement ${c.replacement}`, () => {
      torch.manual_seed(c.seed);
      const s = new RandomSampler(range(c.n), {
        replacement: c.replacement,
        num_samples: c.num_samples,
      });
      assert.deepEqual([...s], c.order);
      assert.deepEqual(after(), c.after);
    });
  }
});

describe("random_split matches PyTorch", () => {
  for (const c of fx.splits) {
    test(`seed ${c.seed}, n ${c.n}, lengths ${c.lengths.join("/")}`, () => {
      torch.manual_seed(c.seed);
      const g = c.generator
        ? new torch.Generator().manual_seed(c.seed)
        : undefined;
      const parts = random_split(range(c.n), c.lengths, g);
      assert.deepEqual(parts.map((p) => p.indices), c.parts);
      assert.deepEqual(
        parts.map((p) => p.length),
        c.parts.map((p) => p.length),
      );
      assert.equal(parts[0].get(0), c.parts[0][0]);
      assert.deepEqual(after(), c.after);
    });
  }

  test("lengths that do not add up are an error", () => {
    assert.throws(() => random_split(range(5), [2, 2]), /Sum of input lengths/);
  });
});

describe("datasets and default_collate", () => {
  test("default_collate stacks tensors, ints to int64, floats to float64 (as PyTorch)", () => {
    const samples = range(4).map((
      i,
    ) => [torch.arange(3, { dtype: torch.float32 }).add(i), i, i + 0.5]);
    const [x, y, z] = default_collate(samples) as torch.Tensor[];
    const c = fx.collate;
    assert.deepEqual(x.tolist(), c.x);
    assert.equal(String(x.dtype), c.x_dtype);
    assert.deepEqual(y.tolist(), c.y);
    assert.equal(String(y.dtype), c.y_dtype);
    assert.deepEqual(z.tolist(), c.z);
    assert.equal(String(z.dtype), c.z_dtype);
  });

  test("default_collate on objects collates per key", () => {
    const out = default_collate([{ a: 1, s: "x" }, { a: 2, s: "y" }]) as {
      a: torch.Tensor;
      s: string[];
    };
    assert.deepEqual(out.a.tolist(), [1, 2]);
    assert.deepEqual(out.s, ["x", "y"]);
  });

  test("TensorDataset, Subset and ConcatDataset index as PyTorch's", () => {
    const ds = new TensorDataset(torch.arange(5), torch.arange(5).mul(10));
    assert.equal(ds.length, 5);
    assert.deepEqual(ds.get(3).map((t) => t.item()), [3, 30]);
    assert.throws(
      () => new TensorDataset(torch.zeros(3), torch.zeros(4)),
      /Size mismatch/,
    );
    const sub = new Subset(ds, [4, 0]);
    assert.equal(sub.get(0)[1].item(), 40);
    const cat = new ConcatDataset<number>([[1, 2], [3]]);
    assert.equal(cat.length, 3);
    assert.deepEqual([cat.get(0), cat.get(2), cat.get(-1)], [1, 3, 3]);
  });
});

describe("reprs as PyTorch's (without the address)", () => {
  test("datasets, data loaders and schedulers print <module.Class object>, not their tensors", () => {
    const ds = new torch.utils.data.TensorDataset(torch.randn(100, 3));
    const dl = new torch.utils.data.DataLoader(ds, { batch_size: 10 });
    const opt = new torch.optim.SGD([torch.zeros(2).requires_grad_()], {
      lr: 0.1,
    });
    class Mine extends torch.utils.data.Dataset<number> {
      get(i: number) {
        return i;
      }
      get length() {
        return 3;
      }
    }
    const cases: [unknown, string][] = [
      [ds, "<torch.utils.data.dataset.TensorDataset object>"],
      [
        torch.utils.data.random_split(ds, [50, 50])[0],
        "<torch.utils.data.dataset.Subset object>",
      ],
      [dl, "<torch.utils.data.dataloader.DataLoader object>"],
      [
        new torch.optim.lr_scheduler.StepLR(opt, 2),
        "<torch.optim.lr_scheduler.StepLR object>",
      ],
      [
        new torch.optim.lr_scheduler.ReduceLROnPlateau(opt),
        "<torch.optim.lr_scheduler.ReduceLROnPlateau object>",
      ],
      // A class of the user's own is __main__'s, as in a Python script.
      [new Mine(), "<__main__.Mine object>"],
    ];
    for (const [obj, repr] of cases) assert.equal(inspect(obj), repr);
  });
});
