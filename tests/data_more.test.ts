// torch.utils.data's Sampler base, WeightedRandomSampler, IterableDataset and get_worker_info
// against PyTorch 1.13 (tests/fixtures/gen_data_more.py).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";
import { readFixture } from "./_support/fixtures.ts";

const {
  DataLoader,
  Dataset,
  IterableDataset,
  Sampler,
  WeightedRandomSampler,
  get_worker_info,
} = torch.utils.data;
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
  workers: Record<string, { batches: unknown[]; main_draw: number }[]>;
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
  test("workers: PyTorch's seeds, order, get_worker_info and dataset copies", () => {
    class Noisy extends Dataset<unknown[]> {
      get length() {
        return 10;
      }
      get(i: number) {
        const info = get_worker_info()!;
        return [i, torch.rand(1).item(), info.id, String(info.seed)];
      }
    }
    class Shards extends IterableDataset<unknown[]> {
      constructor(public start: number, public end: number) {
        super();
      }
      *[Symbol.iterator]() {
        const info = get_worker_info()!;
        const per = Math.ceil((this.end - this.start) / info.num_workers);
        const lo = this.start + info.id * per;
        for (let i = lo; i < Math.min(lo + per, this.end); i++) {
          yield [i, info.id, torch.rand(1).item()];
        }
      }
    }
    class Range extends IterableDataset<number> {
      constructor(public start: number, public end: number) {
        super();
      }
      *[Symbol.iterator]() {
        for (let i = this.start; i < this.end; i++) yield i;
      }
    }
    const splitRange = (worker_id: number) => {
      const info = get_worker_info()!;
      const ds = info.dataset as Range;
      const per = Math.ceil((ds.end - ds.start) / info.num_workers);
      ds.start = ds.start + worker_id * per;
      ds.end = Math.min(ds.start + per, ds.end);
      torch.rand(worker_id + 1);
    };
    const collateLists = (batch: unknown[][]) =>
      batch[0].map((_, k) => batch.map((b) => b[k]));
    const plain = (b: unknown) =>
      b instanceof torch.Tensor ? (b as torch.Tensor).tolist() : b;
    const cases: Record<string, [number, () => Iterable<unknown>]> = {
      map_shuffle: [0, () =>
        new DataLoader(new Noisy(), {
          batch_size: 3,
          shuffle: true,
          num_workers: 2,
          collate_fn: collateLists,
        })],
      map_unbatched_3: [
        1,
        () => new DataLoader(new Noisy(), { batch_size: null, num_workers: 3 }),
      ],
      map_persistent: [2, () =>
        new DataLoader(new Noisy(), {
          batch_size: 4,
          num_workers: 2,
          persistent_workers: true,
          collate_fn: collateLists,
        })],
      iterable_shards: [3, () =>
        new DataLoader(new Shards(0, 11), {
          batch_size: 2,
          num_workers: 3,
          collate_fn: collateLists,
        })],
      iterable_shards_drop: [4, () =>
        new DataLoader(new Shards(2, 13), {
          batch_size: 3,
          num_workers: 2,
          drop_last: true,
          collate_fn: collateLists,
        })],
      iterable_init_fn: [5, () =>
        new DataLoader(new Range(0, 10), {
          batch_size: 2,
          num_workers: 3,
          worker_init_fn: splitRange,
        })],
    };
    for (const [name, [seed, make]] of Object.entries(cases)) {
      torch.manual_seed(seed);
      const loader = make();
      const got = [0, 1].map(() => ({
        batches: [...loader].map(plain),
        main_draw: torch.rand(1).item(),
      }));
      assert.deepEqual(got, fx.workers[name], name);
    }
    // Outside a pass, and after one, the main program is not a worker; the dataset is its own.
    assert.equal(get_worker_info(), null);
    const r = new Range(0, 10);
    [...new DataLoader(r, { num_workers: 2, worker_init_fn: splitRange })];
    assert.deepEqual([r.start, r.end], [0, 10]);
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
    raises(
      "num_workers",
      () => new DataLoader(new Count(), { num_workers: -1 }),
    );
    raises("timeout", () => new DataLoader(new Count(), { timeout: -1 }));
    raises(
      "prefetch",
      () => new DataLoader(new Count(), { prefetch_factor: 3 }),
    );
    raises(
      "persistent",
      () => new DataLoader(new Count(), { persistent_workers: true }),
    );
  });
});
