// Zip archives (.npz, checkpoints) are read by their central directory's size, as Python's zipfile
// reads them, so an end record that miscounts its entries (NumPy still reads every member; files
// from tests/fixtures/gen_npz_eocd.py) hides nothing.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { npz } from "../interop/mod.ts";

const dir = fileURLToPath(new URL("./fixtures/npy/", import.meta.url));

describe("zip central directory", () => {
  for (const count of [0, 1, 9]) {
    test(`an end record counting ${count} entries: all three members load, as in NumPy`, () => {
      const z = npz.load(join(dir, `eocd_count${count}.npz`));
      assert.deepEqual([...z.files].sort(), ["b", "m", "w"]);
      assert.deepEqual(z.tensor("m").tolist(), [[0, 1, 2], [3, 4, 5]]);
      assert.deepEqual(z.tensor("b").tolist(), [0, 1, 2, 3]);
      assert.deepEqual(z.tensor("w").tolist(), [1, 1, 1]);
    });
  }
});
