// Resampling: F.pad (constant, reflect, replicate, circular), F.interpolate (nearest, bilinear) as plane
// maps with their adjoints as gradients, and F.one_hot.

import { RuntimeError, ValueError } from "../errors.ts";
import { int64 } from "../dtype.ts";
import { Tensor } from "../tensor.ts";
import { parseArgs } from "./_args.ts";
import { cast } from "./core.ts";
import { applyBinary } from "./elementwise.ts";
import { unsqueeze } from "./views.ts";
import { applyMap } from "./_plane.ts";
import { propagate } from "../autograd/record.ts";

const list = (v: readonly number[]) => `[${v.join(", ")}]`;

/** Where output position c of a padded dim reads from (-1: the constant), for each mode. */
function source(mode: string, c: number, n: number): number {
  if (c >= 0 && c < n) return c;
  if (mode === "constant") return -1;
  if (mode === "replicate") return c < 0 ? 0 : n - 1;
  if (mode === "circular") return ((c % n) + n) % n;
  return c < 0 ? -c : 2 * (n - 1) - c; // reflect, without repeating the edge
}

/**
 * `F.pad(input, pad, mode="constant", value=0)`: pad = [left, right] for the last dim, then
 * [top, bottom] for the one before, and so on. Negative constant padding crops. Reflect and
 * replicate pad 1-3 trailing dims of a tensor with one or two more dims.
 * @example torch.pad(torch.ones(1, 2, 2), [1, 1]).shape  // [1, 2, 4]
 */
export function pad(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("pad", args, ["pad", "mode", "value"], {
    pad: undefined as unknown as number[],
    mode: "constant",
    value: 0 as number | null,
  });
  const p = o.pad, mode = o.mode;
  if (p.length % 2 !== 0) {
    throw new RuntimeError("Padding length must be divisible by 2");
  }
  const k = p.length / 2, d = input.dim();
  if (k > d) throw new RuntimeError("Padding length too large");
  if (!["constant", "reflect", "replicate", "circular"].includes(mode)) {
    throw new RuntimeError(
      `Unrecognised padding mode ${mode}`,
    );
  }
  const only =
    "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now";
  if (mode === "circular") {
    // PyTorch's circular padding wants a batch and a channel dim in front of the padded ones.
    if (d < 2 || d > 5) throw new RuntimeError(only);
    if (p.length !== 2 * (d - 2)) {
      throw new RuntimeError(
        `Invalid padding size, expected ${2 * (d - 2)} but got ${p.length}`,
      );
    }
  } else if (mode !== "constant" && !(k <= 3 && (d === k + 1 || d === k + 2))) {
    throw new RuntimeError(only);
  }
  const inShape = [...input._shape], outShape = [...input._shape];
  // pad[2i], pad[2i+1] belong to dim d-1-i.
  const before: number[] = [], trailing: number[] = [];
  for (let j = 0; j < k; j++) {
    const dim = d - k + j, i = d - 1 - dim;
    const l = p[2 * i], r = p[2 * i + 1], n = inShape[dim];
    if (mode === "reflect" && (l >= n || r >= n)) {
      throw new RuntimeError(
        // PyTorch's 1-D kernel names the input's shape, its 2-D one the input's rank.
        `Argument #4: Padding size should be less than the corresponding input dimension, but got: padding (${l}, ${r}) at dimension ${dim} of input ${
          k === 1 ? `[${inShape.join(", ")}]` : d
        }`,
      );
    }
    if (mode === "circular") {
      if (l > n || r > n) {
        throw new RuntimeError(
          "Padding value causes wrapping around more than once.",
        );
      }
      if (n + l + r < 0) {
        throw new RuntimeError(
          "Negative padding value is resulting in an empty dimension",
        );
      }
    }
    outShape[dim] = n + l + r;
    if (
      outShape[dim] < 0 ||
      (mode !== "constant" && mode !== "circular" && outShape[dim] < 1)
    ) {
      throw new RuntimeError(
        `The input size ${n}, plus negative padding ${l} and ${r} resulted in a negative output size, which is invalid. Check dimension ${dim} of your input.`,
      );
    }
    before.push(l);
    trailing.push(n);
  }
  const outTrail = outShape.slice(d - k);
  const outSize = outTrail.reduce((a, b) => a * b, 1);
  const inSize = trailing.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(outSize);
  const coord = new Array<number>(k).fill(0);
  for (let t = 0; t < outSize; t++) {
    let s = 0;
    for (let j = 0; j < k; j++) {
      const c = source(mode, coord[j] - before[j], trailing[j]);
      if (c < 0) {
        s = -1;
        break;
      }
      s = s * trailing[j] + c;
    }
    idx[t] = s;
    for (let j = k - 1; j >= 0 && ++coord[j] === outTrail[j]; j--) coord[j] = 0;
  }
  const name = mode === "constant"
    ? "ConstantPadNdBackward0"
    : mode === "circular"
    ? "CopySlices"
    : `${mode === "reflect" ? "Reflection" : "Replication"}Pad${k}DBackward0`;
  return applyMap(input, {
    name,
    adjointName: name.replace("Backward0", "BackwardBackward0"),
    map: { inSize, outSize, taps: 1, idx },
    planes: inSize === 0 ? 0 : input.numel() / inSize,
    inShape,
    outShape,
    fill: o.value ?? 0,
  });
}

/**
 * `F.interpolate(input, size?, scale_factor?, mode="nearest", align_corners?)`: nearest for
 * [N, C, L] and [N, C, H, W], bilinear for [N, C, H, W]; index arithmetic as ATen's kernels
 * (float32 scales for float32 inputs), so the same source pixels are picked.
 * @example torch.interpolate(torch.randn(1, 3, 4, 4), { scale_factor: 2 }).shape  // [1, 3, 8, 8]
 */
export function interpolate(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs(
    "interpolate",
    args,
    ["size", "scale_factor", "mode", "align_corners"],
    {
      size: null as number | number[] | null,
      scale_factor: null as number | number[] | null,
      mode: "nearest",
      align_corners: null as boolean | null,
    },
  );
  const mode = o.mode, sp = input.dim() - 2;
  if (mode !== "nearest" && mode !== "bilinear") {
    throw new RuntimeError(`interpolate: mode '${mode}' is not supported`);
  }
  if (mode === "nearest" && o.align_corners !== null) {
    throw new ValueError(
      "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear",
    );
  }
  if (o.size !== null && o.scale_factor !== null) {
    throw new ValueError("only one of size or scale_factor should be defined");
  }
  if (o.size === null && o.scale_factor === null) {
    throw new ValueError("either size or scale_factor should be defined");
  }
  const inSizes = input._shape.slice(2);
  const fill = (v: number | number[], what: string): number[] => {
    if (typeof v === "number") return new Array(sp).fill(v);
    if (v.length !== sp) {
      throw new ValueError(
        what === "size"
          ? `Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of ${
            list(inSizes)
          } and output size of ${
            list(v)
          }. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.`
          : `Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of ${
            list(inSizes)
          } and scale_factor of shape ${
            list(v)
          }. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.`,
      );
    }
    return [...v];
  };
  const scales = o.scale_factor === null ? null : fill(o.scale_factor, "scale");
  const outSizes = o.size !== null
    ? fill(o.size, "size")
    : inSizes.map((n, i) => Math.floor(n * scales![i]));
  if (mode === "bilinear" && sp !== 2) {
    throw new RuntimeError(
      `Got ${input.dim()}D input, but bilinear mode needs 4D input`,
    );
  }
  if (sp !== 1 && sp !== 2) {
    throw new RuntimeError(
      `Input Error: Only 3D and 4D input Tensors supported (got ${input.dim()}D) for the modes: nearest | bilinear`,
    );
  }
  const f32 = input.dtype.name !== "float64";
  const round = f32 ? Math.fround : (v: number) => v;
  // ATen's compute_scales_value: 1/scale_factor when given, else in/out.
  const scaleOf = (i: number, alignCorners: boolean) => {
    const n = inSizes[i], m = outSizes[i];
    if (alignCorners) return m > 1 ? round((n - 1) / (m - 1)) : 0;
    return round(scales ? 1 / scales[i] : n / m);
  };
  // Per spatial dim: for each output index, (source index, weight) taps.
  const axes = inSizes.map((n, i) => {
    const m = outSizes[i];
    const src: number[][] = [], wts: number[][] = [];
    if (mode === "nearest") {
      // ATen's nearest_idx computes in float whatever the dtype.
      const s = Math.fround(scales ? 1 / scales[i] : n / m);
      for (let t = 0; t < m; t++) {
        const j = m === n
          ? t
          : m === 2 * n
          ? t >> 1
          : Math.min(Math.floor(Math.fround(t * s)), n - 1);
        src.push([j]);
        wts.push([1]);
      }
    } else {
      const ac = o.align_corners === true;
      const s = scaleOf(i, ac);
      for (let t = 0; t < m; t++) {
        const real = ac
          ? round(s * t)
          : Math.max(round(round(s * (t + 0.5)) - 0.5), 0);
        const j = Math.trunc(real), off = j < n - 1 ? 1 : 0;
        const l1 = round(Math.min(Math.max(real - j, 0), 1)),
          l0 = round(1 - l1);
        src.push([j, j + off]);
        wts.push([l0, l1]);
      }
    }
    return { src, wts };
  });
  const taps = mode === "nearest" ? 1 : 4;
  const outSize = outSizes.reduce((a, b) => a * b, 1);
  const inSize = inSizes.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(outSize * taps);
  const w = mode === "nearest" ? undefined : new Float64Array(outSize * taps);
  if (sp === 1) {
    for (let t = 0; t < outSize; t++) idx[t] = axes[0].src[t][0];
  } else {
    const [ay, ax] = axes, W = inSizes[1];
    let q = 0;
    for (let y = 0; y < outSizes[0]; y++) {
      for (let x = 0; x < outSizes[1]; x++) {
        for (let a = 0; a < ay.src[y].length; a++) {
          for (let b = 0; b < ax.src[x].length; b++, q++) {
            idx[q] = ay.src[y][a] * W + ax.src[x][b];
            if (w) w[q] = ay.wts[y][a] * ax.wts[x][b];
          }
        }
      }
    }
  }
  const name = `Upsample${
    mode === "nearest" ? "Nearest" : "Bilinear"
  }${sp}DBackward1`;
  return applyMap(input, {
    name,
    adjointName: name.replace("Backward1", "BackwardBackward1"),
    map: { inSize, outSize, taps, idx, w },
    planes: input._shape[0] * input._shape[1],
    inShape: [...input._shape],
    outShape: [...input._shape.slice(0, 2), ...outSizes],
  });
}

/**
 * `F.one_hot(tensor, num_classes=-1)`: int64 class indices to int64 one-hot rows, [..., classes];
 * with -1 the number of classes is max + 1.
 * @example torch.one_hot(torch.tensor([0, 2]))  // [[1, 0, 0], [0, 0, 1]]
 */
export function one_hot(input: Tensor, ...args: unknown[]): Tensor {
  const o = parseArgs("one_hot", args, ["num_classes"], { num_classes: -1 });
  if (input.dtype !== int64) {
    throw new RuntimeError("one_hot is only applicable to index tensor.");
  }
  let nc = o.num_classes;
  if (input.numel() === 0) {
    if (nc <= 0) {
      throw new RuntimeError(
        "Can not infer total number of classes from empty tensor.",
      );
    }
  } else {
    // The checks need the extremes on the host: two reductions and a read of one value each.
    if (Number(input.min().item()) < 0) {
      throw new RuntimeError("Class values must be non-negative.");
    }
    const hi = Number(input.max().item());
    if (nc === -1) nc = hi + 1;
    else if (hi >= nc) {
      throw new RuntimeError("Class values must be smaller than num_classes.");
    }
  }
  // out[..., c] = (input[...] == c): a broadcast comparison against the class numbers.
  const backend = input.storage.backend;
  const classes = Tensor.empty([nc], int64, backend);
  backend.write(
    classes.storage.buffer,
    "int64",
    0,
    BigInt64Array.from({ length: nc }, (_, i) => BigInt(i)),
  );
  const out = cast(applyBinary("eq", unsqueeze(input, -1), classes), int64);
  propagate([input], [out]);
  return out;
}
