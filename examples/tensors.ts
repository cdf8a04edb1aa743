// The Tensor part of the PyTorch 0.3 tutorial our users port, line by line. Each `>>>` comment is
// the Python line; the output below it is what PyTorch printed (legacy style, the default).
//
//   deno run examples/tensors.ts      or      bun examples/tensors.ts

import * as torch from "../mod.ts";

// Seeded so that the run is reproducible; the numbers are exactly PyTorch's for this seed.
torch.manual_seed(0);

function show(python: string, value?: unknown): void {
  console.log(`>>> ${python}`);
  if (value !== undefined) console.log(value);
}

// >>> x = torch.Tensor(2,3,4)   # an uninitialised tensor: PyTorch shows leftover memory, we show zeros
const x = torch.Tensor(2, 3, 4);
show("x = torch.Tensor(2,3,4)");
show("x", x);
show("x.size()", x.size());

const a = torch.rand(2, 3, 4);
const b = torch.rand(2, 3, 4);
show("a = torch.rand(2,3,4)");
show("b = torch.rand(2,3,4)");
// torch.add writes into `out` and also returns it.
const _ = torch.add(a, b, { out: x });
show("_ = torch.add(a, b, out=x)");
show("x", x);
console.log(`>>> _ is x\n${_ === x ? "True" : "False"}`);

// Every op ending in _ changes its tensor in place.
a.add_(b);
show("a.add_(b)", a);
show("torch.cuda.is_available()", torch.cuda.is_available() ? "True" : "False");

// torch.Tensor(1,2,3) is a tensor of shape [1, 2, 3]; torch.Tensor([1,2,3]) holds those values.
show("torch.Tensor(1,2,3).size()", torch.Tensor(1, 2, 3).size());
show("torch.Tensor([1,2,3])", torch.Tensor([1, 2, 3]));
