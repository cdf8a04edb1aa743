// Run by tests/inplace_helper.test.ts in a process of its own, with FLAMBEAU_TEST_INPLACE_RAISE
// set so that the helper thread raises on the first block of an in-place job it joins. Exps of
// a 16 MiB tensor on two threads until the helper has joined one (and so been retired), each
// compared with the one-thread result. Prints a JSON line.

import * as torch from "../../mod.ts";

const x = torch.rand(1 << 22).mul(20).sub(10);
torch.set_num_threads(1);
const one = torch.exp(x);
torch.set_num_threads(2);
let exps = 0, differ = 0;
const t0 = performance.now();
// The helper starts at the first split job; it is retired (conv_threads back to 1) once it raised.
while (
  exps < 200 && (exps === 0 || torch.backends.cpu.info().conv_threads === 2)
) {
  const y = torch.exp(x);
  exps++;
  if (!y.equal(one)) differ++;
}
console.log(JSON.stringify({
  storage: torch.backends.cpu.info().storage,
  exps,
  differ,
  retired: torch.backends.cpu.info().conv_threads === 1,
  ms: Math.round(performance.now() - t0),
  // After it: still right, on this thread alone.
  after: torch.exp(x).equal(one),
}));
