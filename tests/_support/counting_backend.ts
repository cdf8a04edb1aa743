// A second, tiny backend for tests: it keeps every buffer in a box around a CPU TypedArray (so an
// op that reads `storage.data` or a TypedArray directly fails on it), runs each primitive on the
// CPU backend's kernels, and counts the calls. A whole training step through it proves that the
// seam carries everything the step needs.

import * as torch from "../../mod.ts";
import type { StorageArray } from "../../mod.ts";

/** A buffer on the counting device: a CPU array no op may reach without the backend. */
export class Box {
  constructor(readonly inner: StorageArray) {}
}

type Prims = torch.Primitives<Box>;

/** Calls per primitive since the last reset. */
export const calls = new Map<string, number>();

const cpu = torch.backends.find("cpu") as torch.Backend<StorageArray>;

/** A view on the counting device as the CPU kernels take it. */
function unbox(v: unknown): unknown {
  if (typeof v === "object" && v !== null && "buffer" in v) {
    const view = v as torch.View<unknown>;
    if (!(view.buffer instanceof Box)) {
      throw new Error("counting backend: got a buffer from another device");
    }
    return { ...view, buffer: view.buffer.inner };
  }
  return v;
}

function wrap<K extends keyof Prims>(name: K): Prims[K] {
  const kernel = cpu.ops[name] as (...a: unknown[]) => unknown;
  return ((...args: unknown[]) => {
    calls.set(name, (calls.get(name) ?? 0) + 1);
    return kernel(...args.map(unbox));
  }) as unknown as Prims[K];
}

const ops: Prims = {
  copy: wrap("copy"),
  fill: wrap("fill"),
  unary: wrap("unary"),
  binary: wrap("binary"),
  where: wrap("where"),
  reduce: wrap("reduce"),
  argReduce: wrap("argReduce"),
  matmul: wrap("matmul"),
  conv2d: wrap("conv2d"),
  conv2dBackwardInput: wrap("conv2dBackwardInput"),
  conv2dBackwardWeight: wrap("conv2dBackwardWeight"),
  maxPool2d: wrap("maxPool2d"),
  scatterPlanes: wrap("scatterPlanes"),
  gatherPlanes: wrap("gatherPlanes"),
  mapForward: wrap("mapForward"),
  mapAdjoint: wrap("mapAdjoint"),
  indexSelect: wrap("indexSelect"),
  indexAdd: wrap("indexAdd"),
  gather: wrap("gather"),
  scatter: wrap("scatter"),
  check: wrap("check"),
};

/** The counting backend, serving device type "counting" once registered. */
export const counting: torch.Backend<Box> = {
  name: "counting",
  allocate: (dtype, n) => new Box(cpu.allocate(dtype, n)),
  free: () => {},
  write(buffer, dtype, offset, src) {
    cpu.write(buffer.inner, dtype, offset, src);
  },
  // Reads copy, as a real device's do.
  read: (buffer, _dtype, offset, n) => buffer.inner.slice(offset, offset + n),
  readAsync: (buffer, _dtype, offset, n) =>
    Promise.resolve(buffer.inner.slice(offset, offset + n)),
  ops,
};
