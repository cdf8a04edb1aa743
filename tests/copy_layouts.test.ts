// The CPU's transposing copy of four-byte elements (src/backend/cpu/transpose.ts): permuted and
// transposed views made contiguous, and copies into transposed outputs, checked element by
// element against the index arithmetic, at sizes on both sides of its threshold, with edges that
// the 4×4 blocks and the 128×128 tiles leave over, batched, from views with an offset, for
// int32, and with the float32 bits (NaN payloads) unchanged.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

/** 0, 1, 2, ... as a tensor of `shape`: every value says where it came from. */
const arange = (shape: number[], dtype = torch.float32) =>
  torch.arange(shape.reduce((a, b) => a * b, 1), { dtype }).reshape(shape);

/** The flat, row-major values of t. */
const flat = (t: torch.Tensor) => t.reshape(-1).tolist() as number[];

describe("transposing copies", () => {
  for (
    const [rows, cols] of [
      [64, 64], // exactly the threshold, whole blocks
      [4096, 1], // a column: nothing to transpose
      [33, 1023], // edges in both dims
      [1023, 33],
      [129, 130], // past one tile, edge rows and columns
      [7, 1024],
      [300, 257],
    ]
  ) {
    test(`t().contiguous() of ${rows}x${cols}`, () => {
      const m = arange([rows, cols]);
      const got = flat(m.t().contiguous());
      for (let j = 0; j < cols; j++) {
        for (let i = 0; i < rows; i++) {
          if (got[j * rows + i] !== i * cols + j) {
            assert.fail(
              `[${j}, ${i}]: ${got[j * rows + i]}, not ${i * cols + j}`,
            );
          }
        }
      }
    });
  }

  test("copy_ into a transposed output, from a view with an offset", () => {
    const base = arange([2, 131, 67]), src = base.select(0, 1); // offset 131·67
    const out = torch.zeros(67, 131);
    out.t().copy_(src);
    const got = flat(out);
    for (let i = 0; i < 131; i++) {
      for (let j = 0; j < 67; j++) {
        assert.equal(got[j * 131 + i], 131 * 67 + i * 67 + j);
      }
    }
  });

  test("a batched permute that moves the last dim, int32", () => {
    const [B, R, C] = [3, 45, 101];
    const x = arange([B, R, C], torch.int32);
    const y = x.permute(0, 2, 1).contiguous();
    assert.equal(y.dtype, torch.int32);
    const got = flat(y);
    for (let b = 0; b < B; b++) {
      for (let c = 0; c < C; c++) {
        for (let r = 0; r < R; r++) {
          assert.equal(got[(b * C + c) * R + r], (b * R + r) * C + c);
        }
      }
    }
  });

  test("a permute of four dims: the two inner ones swapped inside each batch", () => {
    const x = arange([2, 3, 40, 50]);
    const y = x.permute(1, 0, 3, 2).contiguous(); // [3, 2, 50, 40]
    const got = flat(y);
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 2; b++) {
        for (let c = 0; c < 50; c++) {
          for (let d = 0; d < 40; d++) {
            const at = ((a * 2 + b) * 50 + c) * 40 + d;
            assert.equal(got[at], ((b * 3 + a) * 40 + d) * 50 + c);
          }
        }
      }
    }
  });

  test("float32 bits pass unchanged, signalling NaNs' payloads included", () => {
    const n = 100 * 90;
    const words = torch.arange(n, { dtype: torch.int32 }).add(0x7f800001);
    const m = words.view(torch.float32).reshape(100, 90); // every value a signalling NaN
    const back = m.t().contiguous().view(torch.int32);
    const got = flat(back);
    for (let i = 0; i < 100; i++) {
      for (let j = 0; j < 90; j++) {
        assert.equal(got[j * 100 + i], 0x7f800001 + i * 90 + j);
      }
    }
  });
});
