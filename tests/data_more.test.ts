// torch.utils.data's Sampler base, WeightedRandomSampler, IterableDataset and get_worker_info
// against PyTorch 1.13 (tests/fixtures/gen_data_more.py).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { readFixture } from "./_support/fixtures.ts";

const { DataLoader, IterableDataset, Sampler, WeightedRandomSampler } =
  torch.utils.data;
const fx = readFixture<{
  torch: string;
  weighted: {
    seed: number;
    num_samples: number;
    replacement: boolean;
    generator_seed: number | null;
    passes: number[][];
  }[];
  iterable: Record<string, unknown[]>;
  errors: Record<string, [string, string]>;
}>("data_more.json");
const W = [0.1, 0.9, 0.4, 0.7, 3.0, 0.6];

class Count extends IterableDataset<number> {
  *[Symbol.iterator]() {
    for (let i = 0; i < 7; i++) yield i;
  }
}

describe(`torch.utils.data additions against PyTorch ${fx.torch}`, () => {
  test("WeightedRandomSampler draws PyTorch's indices, pass after pass", () => {
    for (const c of fx.weighted) {
      torch.manual_seed(c.seed);
      const generator = c.generator_seed === null
        ? undefined
        : new torch.Generator().manual_seed(c.generator_seed);
      const s = new WeightedRandomSampler(
        W,
        c.num_samples,
        c.replacement,
        generator,
      );
      assert.equal(s.length, c.num_samples);
      assert.deepEqual([[...s], [...s]], c.passes);
    }
  });
  test("an IterableDataset is batched in its own order", () => {
    const rows = (l: Iterable<unknown>) =>
      [...l].map((b) => (b as torch.Tensor).tolist());
    assert.deepEqual(
      rows(new DataLoader(new Count(), { batch_size: 3 })),
      fx.iterable.batch3,
    );
    assert.deepEqual(
      rows(new DataLoader(new Count(), { batch_size: 3, drop_last: true })),
      fx.iterable.batch3_drop,
    );
    assert.deepEqual(
      [...new DataLoader(new Count(), { batch_size: null })],
      fx.iterable.unbatched,
    );
  });
  test("a Sampler subclass drives a DataLoader; get_worker_info is None", () => {
    class Evens extends Sampler {
      *[Symbol.iterator]() {
        for (let i = 0; i < 6; i += 2) yield i;
      }
    }
    const data = [10, 11, 12, 13, 14, 15];
    const got = [
      ...new DataLoader(data, { sampler: new Evens(), batch_size: 2 }),
    ]
      .map((b) => (b as torch.Tensor).tolist());
    assert.deepEqual(got, [[10, 12], [14]]);
    assert.equal(torch.utils.data.get_worker_info(), null);
  });
  test("PyTorch's messages", () => {
    const raises = (key: string, fn: () => unknown) =>
      assert.throws(fn, (e: Error) => {
        assert.equal(e.name, fx.errors[key][0]);
        assert.equal(e.message, fx.errors[key][1]);
        return true;
      });
    raises("shuffle", () => new DataLoader(new Count(), { shuffle: true }));
    raises(
      "sampler",
      () =>
        new DataLoader(new Count(), {
          sampler: [0, 1] as never,
        }),
    );
    raises(
      "no_len",
      () => new DataLoader(new Count(), { batch_size: 2 }).length,
    );
    raises(
      "weights_2d",
      () => new WeightedRandomSampler([[1, 2]] as unknown as number[], 2),
    );
    raises("num_samples", () => new WeightedRandomSampler(W, 0));
  });
});
