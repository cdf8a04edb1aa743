// The PyTorch names issues 16-18 add, listed so that the surface cannot shrink unnoticed: each
// name here must exist. (What those issues still lack is in the README's coverage table.)

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as torch from "../mod.ts";

const ISSUE_17 = {
  "torch.optim": [
    "Adadelta",
    "Adamax",
    "NAdam",
    "RAdam",
    "Rprop",
    "ASGD",
  ],
  "torch.optim.lr_scheduler": [
    "MultiplicativeLR",
    "ConstantLR",
    "LinearLR",
    "PolynomialLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "SequentialLR",
    "ChainedScheduler",
  ],
  torch: [
    "flip",
    "roll",
    "tril",
    "triu",
    "tile",
    "square",
    "lerp",
    "addcmul",
    "addcdiv",
    "addmm",
    "isclose",
    "pi",
    "set_num_threads",
    "get_num_threads",
    "finfo",
    "iinfo",
  ],
  Tensor: [
    "flip",
    "roll",
    "tril",
    "tril_",
    "triu",
    "triu_",
    "repeat",
    "tile",
    "square",
    "square_",
    "lerp",
    "lerp_",
    "addcmul",
    "addcmul_",
    "addcdiv",
    "addcdiv_",
    "addmm",
    "addmm_",
    "isclose",
  ],
} as const;

const ROOTS: Record<string, object> = {
  torch,
  "torch.optim": torch.optim,
  "torch.optim.lr_scheduler": torch.optim.lr_scheduler,
  Tensor: torch.Tensor.prototype,
};

describe("the surface issue 17 added so far", () => {
  for (const [where, names] of Object.entries(ISSUE_17)) {
    test(where, () => {
      const missing = names.filter((n) => !(n in ROOTS[where]));
      assert.deepEqual(missing, [], `missing from ${where}`);
    });
  }
});
