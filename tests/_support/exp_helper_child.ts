// Run by tests/exp_helper.test.ts in a process of its own, with FLAMBEAU_TEST_EXP_STALL_MS set so
// that the helper thread is slow to finish each block of an exp. Each round: a two-thread exp,
// compared with the one-thread result, then at once, for three stalls' time, convolutions small
// enough for one thread (laid out in the helper's memory), each compared with one computed before
// any exp. Prints a JSON line.

import * as torch from "../../mod.ts";

const ROUNDS = 60;
const STALL_MS = Number(process.env.FLAMBEAU_TEST_EXP_STALL_MS);

const x = torch.rand(1 << 20).mul(20).sub(10), o = torch.empty(1 << 20);
// One chunk of columns (25 × 1568 floats, reaching into the exp ring's first output slot) and a
// long product over them, but under the 2^22 multiply-adds that would split it between threads.
const cx = torch.randn(2, 1, 32, 32), cw = torch.randn(100, 1, 5, 5);
torch.set_num_threads(1);
const one = torch.exp(x);
const conv = torch.nn.functional.conv2d(cx, cw);
torch.set_num_threads(2);
const start = torch.backends.cpu.info().exp_helper_blocks;
let expDiffer = 0, convs = 0, convDiffer = 0;
for (let r = 0; r < ROUNDS; r++) {
  torch.exp(x, { out: o } as never);
  for (const t0 = performance.now(); performance.now() - t0 < 3 * STALL_MS;) {
    const c = torch.nn.functional.conv2d(cx, cw);
    convs++;
    if (!c.equal(conv)) convDiffer++;
  }
  if (!o.equal(one)) expDiffer++;
}
console.log(JSON.stringify({
  rounds: ROUNDS,
  expDiffer,
  convs,
  convDiffer,
  helperBlocks: torch.backends.cpu.info().exp_helper_blocks - start,
}));
