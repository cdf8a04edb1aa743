// The NumPy Bridge part of the PyTorch 0.3 tutorial, ported line by line: tensors and NumPy arrays
// share memory. Each `>>>` line is the Python; the output below it is what PyTorch printed.
// NumPy arrays are NDArrays here (they print as NumPy 1.13 did); `a` is read from a .npy file
// that NumPy wrote.
//
//   deno run --allow-read examples/numpy_interop.ts      or      bun examples/numpy_interop.ts

import * as torch from "../mod.ts";
import { npy } from "../interop/mod.ts";

function show(python: string, value?: unknown): void {
  console.log(`>>> ${python}`);
  if (value !== undefined) console.log(value);
}

// Converting a Torch Tensor to a NumPy array: b is a view of a's memory.
const a = torch.ones(5);
show("a = torch.ones(5)");
show("print(a)", a);
const b = a.numpy();
show("b = a.numpy()");
show("print(b)", String(b));
a.add_(1);
show("a.add_(1)");
show("print(a)", a);
show("print(b)", String(b));

// Converting a NumPy array to a Torch Tensor. np.ones(5) comes from a file NumPy wrote; the
// Float64Array is a view into the file's bytes, and the tensor is a view of the Float64Array.
const file = new URL("../tests/fixtures/npy/ones5.npy", import.meta.url);
const ones = npy.load(file);
const x = ones.data as Float64Array;
show("import numpy as np");
show("a = np.load('ones5.npy')   # np.save('ones5.npy', np.ones(5))");
const y = torch.from_numpy(ones);
show("b = torch.from_numpy(a)");
for (let i = 0; i < x.length; i++) x[i] += 1;
show("np.add(a, 1, out=a)");
show("print(a)", String(ones));
show("print(b)", y);

// And back: a_ is the same memory again, so writing through the tensor changes all three.
const a_ = y.numpy();
show("a_ = b.numpy()");
y.mul_(3);
show("b.mul_(3)");
show("print(a_)", String(a_));
show("print(a)", String(ones));
