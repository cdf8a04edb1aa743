// Run by tests/exp_helper.test.ts in a process of its own, with FLAMBEAU_TEST_EXP_STALL_MS set so
// that the helper thread is slow to finish each block of an exp. Each round: a two-thread exp,
// compared with the one-thread result, then at once, for three stalls' time, convolutions small
// enough for one thread (in the helper's memory), each compared with one computed before any exp.
// Prints a JSON line.

import * as torch from "../../mod.ts";

const ROUNDS = 60;
const STALL_MS = Number(process.env.FLAMBEAU_TEST_EXP_STALL_MS);

// 2^22 floats: 16 MiB, so that with FLAMBEAU_WASM_STORAGE on they live in memories of their own.
const x = torch.rand(1 << 22).mul(20).sub(10), o = torch.empty(1 << 22);
// Two convolutions under the 2^22 multiply-adds that would split them between threads, with long
// products: one without padding, whose columns are built one sample at a time in this thread's
// fixed slot (25 × 1296 floats from 10 KiB, reaching into the exp ring's first output slot at
// 132 KiB), and one with padding, laid out in chunks past the slots (over the ring's later slots).
const cx = torch.randn(1, 1, 40, 40), cw = torch.randn(100, 1, 5, 5);
const px = torch.randn(2, 1, 32, 32);
const convs2d = () => [
  torch.nn.functional.conv2d(cx, cw),
  torch.nn.functional.conv2d(px, cw, null, 1, 2),
];
torch.set_num_threads(1);
const one = torch.exp(x);
const conv = convs2d();
torch.set_num_threads(2);
const start = torch.backends.cpu.info().exp_helper_blocks;
let expDiffer = 0, convs = 0, convDiffer = 0;
for (let r = 0; r < ROUNDS; r++) {
  torch.exp(x, { out: o } as never);
  for (const t0 = performance.now(); performance.now() - t0 < 3 * STALL_MS;) {
    convs2d().forEach((c, i) => {
      convs++;
      if (!c.equal(conv[i])) convDiffer++;
    });
  }
  if (!o.equal(one)) expDiffer++;
}
console.log(JSON.stringify({
  rounds: ROUNDS,
  expDiffer,
  convs,
  convDiffer,
  helperBlocks: torch.backends.cpu.info().exp_helper_blocks - start,
  inplaceOps: torch.backends.cpu.info().inplace_ops,
  storage: torch.backends.cpu.info().storage,
}));
