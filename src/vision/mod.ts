// `torch.vision`: torchvision's datasets that read local files (MNIST, FashionMNIST from IDX
// files, CIFAR10 from its binary batches) and the transforms users chain (Compose, ToTensor,
// PILToTensor, Normalize, RandomCrop, RandomHorizontalFlip, CenterCrop, Resize). An `Image` stands
// for PIL's: 8-bit pixels, "L" or "RGB", row-major with channels last. Random transforms draw
// from torch's generator as torchvision does, so a seed gives torchvision's crops and flips.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { createRequire } from "node:module";
import { gunzipSync } from "node:zlib";
import { float32, int64, uint8 } from "../dtype.ts";
import { RuntimeError, ValueError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { tensor } from "../ops/creation.ts";
import { rand, randint } from "../ops/random.ts";
import { interpolate, pad } from "../ops/resize.ts";
import { Dataset } from "../data/dataset.ts";
import { Storage } from "../storage.ts";
import { contiguousStrides } from "../shape.ts";

/** A uint8 tensor over the bytes themselves (no copy), as torch.from_numpy gives. */
function bytesTensor(bytes: Uint8Array, shape: number[]): Tensor {
  return new Tensor(
    new Storage(bytes),
    shape,
    contiguousStrides(shape),
    0,
    uint8,
  );
}

// ------------------------------------------------------------------------------------------------
// Images

/** PIL's Image, as far as the datasets and transforms need it: 8-bit "L" or "RGB" pixels. */
export class Image {
  constructor(
    readonly mode: "L" | "RGB",
    readonly width: number,
    readonly height: number,
    /** Row-major pixels, channels last (height × width × channels bytes). */
    readonly data: Uint8Array,
  ) {
    const c = mode === "L" ? 1 : 3;
    if (data.length !== width * height * c) {
      throw new ValueError(
        `an ${mode} image of ${width}x${height} needs ${
          width * height * c
        } bytes, got ${data.length}`,
      );
    }
  }

  /** PIL's `size`: (width, height). */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  toString(): string {
    return `<PIL.Image.Image image mode=${this.mode} size=${this.width}x${this.height}>`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

const channelsOf = (img: Image) => (img.mode === "L" ? 1 : 3);

/** The image as a (C, H, W) uint8 tensor. */
function imageToTensor(img: Image): Tensor {
  const c = channelsOf(img);
  return bytesTensor(img.data, [img.height, img.width, c])
    .permute([2, 0, 1]).contiguous();
}

/** A (C, H, W) uint8 tensor (values clamped and rounded when float) as an Image. */
function tensorToImage(t: Tensor, mode: "L" | "RGB"): Image {
  const u8 = t.dtype === uint8 ? t : t.round().clamp(0, 255).to(uint8);
  const hwc = u8.permute([1, 2, 0]).contiguous();
  const data = Uint8Array.from(hwc.reshape(-1).tolist() as number[]);
  return new Image(mode, t.size(2), t.size(1), data);
}

// ------------------------------------------------------------------------------------------------
// Datasets

/** One IDX file (gzipped or not), checked against its magic number and the sizes it declares. */
export function readIdx(
  file: string,
  dims: number,
): { shape: number[]; bytes: Uint8Array } {
  let raw: Uint8Array, path = file;
  try {
    raw = readFileSync(file);
  } catch {
    path = `${file}.gz`;
    try {
      raw = gunzipSync(readFileSync(path));
    } catch {
      throw new RuntimeError(
        `Dataset not found: ${file}[.gz] cannot be read (flambeau reads local files; it does not download)`,
      );
    }
  }
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4 + 4 * dims || v.getUint32(0) !== 0x800 + dims) {
    throw new RuntimeError(
      `${path}: not an IDX file of unsigned bytes with ${dims} dims (magic 0x${
        (0x800 + dims).toString(16)
      })`,
    );
  }
  const shape = Array.from({ length: dims }, (_, i) => v.getUint32(4 + 4 * i));
  const size = shape.reduce((a, b) => a * b, 1), start = 4 + 4 * dims;
  if (raw.length !== start + size) {
    throw new RuntimeError(
      `${path}: the header declares [${shape}] (${size} bytes) but ${
        raw.length - start
      } follow`,
    );
  }
  return { shape, bytes: raw.subarray(start) };
}

type Transform = ((x: unknown) => unknown) | null;

/** What MNIST-like and CIFAR datasets share: options, transforms and `[image, target]` samples. */
interface VisionOptions {
  train?: boolean;
  transform?: Transform;
  target_transform?: Transform;
  download?: boolean;
}

function visionOptions(args: unknown[]): Required<VisionOptions> {
  const last = args[args.length - 1];
  const opts = (last && typeof last === "object" &&
      Object.getPrototypeOf(last) === Object.prototype
    ? args.pop()
    : {}) as VisionOptions;
  const [train, transform, target_transform, download] = args as [
    boolean?,
    Transform?,
    Transform?,
    boolean?,
  ];
  return {
    train: train ?? opts.train ?? true,
    transform: transform ?? opts.transform ?? null,
    target_transform: target_transform ?? opts.target_transform ?? null,
    download: download ?? opts.download ?? false,
  };
}

/**
 * `MNIST(root, train = true, transform = None, target_transform = None, download = false)`: the
 * IDX files under `root/MNIST/raw/` (or `root/` itself), gzipped or not. A sample is
 * `[image, target]`: an "L" Image of 28×28 and the class number, each through its transform.
 */
export class MNIST extends Dataset<[unknown, unknown]> {
  /** torchvision's class names. */
  static classes: string[] = [
    "0 - zero",
    "1 - one",
    "2 - two",
    "3 - three",
    "4 - four",
    "5 - five",
    "6 - six",
    "7 - seven",
    "8 - eight",
    "9 - nine",
  ];
  readonly root: string;
  readonly train: boolean;
  readonly transform: Transform;
  readonly target_transform: Transform;
  /** The images, (N, 28, 28) uint8. */
  readonly data: Tensor;
  /** The labels, (N) int64. */
  readonly targets: Tensor;
  readonly #pixels: Uint8Array;
  readonly #labels: Uint8Array;
  readonly #rows: number;
  readonly #cols: number;

  constructor(root: string, ...args: unknown[]) {
    super();
    const o = visionOptions(args);
    if (o.download) {
      throw new RuntimeError(
        "download=True: flambeau does not download datasets; put the IDX files under root/" +
          `${new.target.name}/raw/`,
      );
    }
    this.root = root;
    this.train = o.train;
    this.transform = o.transform;
    this.target_transform = o.target_transform;
    const prefix = o.train ? "train" : "t10k";
    const find = (base: string, dims: number) => {
      try {
        return readIdx(join(root, new.target.name, "raw", base), dims);
      } catch {
        return readIdx(join(root, base), dims);
      }
    };
    const images = find(`${prefix}-images-idx3-ubyte`, 3);
    const labels = find(`${prefix}-labels-idx1-ubyte`, 1);
    if (images.shape[0] !== labels.shape[0]) {
      throw new RuntimeError(
        `${images.shape[0]} images but ${labels.shape[0]} labels`,
      );
    }
    [, this.#rows, this.#cols] = images.shape;
    this.#pixels = images.bytes;
    this.#labels = labels.bytes;
    this.data = bytesTensor(images.bytes, images.shape);
    this.targets = tensor(Array.from(labels.bytes), { dtype: int64 });
  }

  /** torchvision's class names of this dataset. */
  get classes(): string[] {
    return (this.constructor as typeof MNIST).classes;
  }

  get length(): number {
    return this.#labels.length;
  }

  /** `[image, target]`, each through its transform. */
  get(index: number): [unknown, unknown] {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RuntimeError(
        `index ${index} is out of bounds for dimension 0 with size ${n}`,
      );
    }
    const i = index < 0 ? index + n : index;
    const size = this.#rows * this.#cols;
    const img = new Image(
      "L",
      this.#cols,
      this.#rows,
      this.#pixels.slice(i * size, (i + 1) * size),
    );
    const target = this.#labels[i];
    return [
      this.transform ? this.transform(img) : img,
      this.target_transform ? this.target_transform(target) : target,
    ];
  }
}

/** `FashionMNIST(root, ...)`: as MNIST, the files under `root/FashionMNIST/raw/` (or `root/`). */
export class FashionMNIST extends MNIST {
  static override classes: string[] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
  ];
}

/**
 * `CIFAR10(root, train = true, transform = None, target_transform = None, download = false)`: the
 * binary version's batches under `root/cifar-10-batches-bin/` (data_batch_1..5.bin, test_batch.bin):
 * each record a label byte and 32×32 red, green and blue planes. Samples are RGB Images.
 */
export class CIFAR10 extends Dataset<[unknown, unknown]> {
  static classes: string[] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
  ];
  readonly root: string;
  readonly train: boolean;
  readonly transform: Transform;
  readonly target_transform: Transform;
  /** The images, (N, 32, 32, 3) uint8 as torchvision keeps them. */
  readonly data: Tensor;
  readonly targets: number[];
  readonly #hwc: Uint8Array;

  constructor(root: string, ...args: unknown[]) {
    super();
    const o = visionOptions(args);
    if (o.download) {
      throw new RuntimeError(
        "download=True: flambeau does not download datasets; put the binary batches under root/cifar-10-batches-bin/",
      );
    }
    this.root = root;
    this.train = o.train;
    this.transform = o.transform;
    this.target_transform = o.target_transform;
    const files = o.train
      ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`)
      : ["test_batch.bin"];
    const records: Uint8Array[] = [];
    for (const f of files) {
      const path = join(root, "cifar-10-batches-bin", f);
      let raw: Uint8Array;
      try {
        raw = readFileSync(path);
      } catch {
        throw new RuntimeError(
          `Dataset not found: ${path} cannot be read (flambeau reads local files; it does not download)`,
        );
      }
      if (raw.length % 3073 !== 0) {
        throw new RuntimeError(
          `${path}: ${raw.length} bytes is not a whole number of 3073-byte records`,
        );
      }
      records.push(raw);
    }
    const n = records.reduce((a, r) => a + r.length / 3073, 0);
    const hwc = new Uint8Array(n * 3072);
    const targets: number[] = [];
    let k = 0;
    for (const raw of records) {
      for (let at = 0; at < raw.length; at += 3073, k++) {
        targets.push(raw[at]);
        for (let p = 0; p < 1024; p++) {
          for (let c = 0; c < 3; c++) {
            hwc[k * 3072 + p * 3 + c] = raw[at + 1 + c * 1024 + p];
          }
        }
      }
    }
    this.#hwc = hwc;
    this.targets = targets;
    this.data = bytesTensor(hwc, [n, 32, 32, 3]);
  }

  get classes(): string[] {
    return CIFAR10.classes;
  }

  get length(): number {
    return this.targets.length;
  }

  get(index: number): [unknown, unknown] {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RuntimeError(
        `index ${index} is out of bounds for dimension 0 with size ${n}`,
      );
    }
    const i = index < 0 ? index + n : index;
    const img = new Image(
      "RGB",
      32,
      32,
      this.#hwc.slice(i * 3072, (i + 1) * 3072),
    );
    const target = this.targets[i];
    return [
      this.transform ? this.transform(img) : img,
      this.target_transform ? this.target_transform(target) : target,
    ];
  }
}

/** torchvision's IMG_EXTENSIONS. */
export const IMG_EXTENSIONS = [
  ".jpg",
  ".jpeg",
  ".png",
  ".ppm",
  ".bmp",
  ".pgm",
  ".tif",
  ".tiff",
  ".webp",
];

/** Decoded pixels: 8-bit RGBA, row-major. */
interface Decoded {
  width: number;
  height: number;
  data: Uint8Array;
}
type PngJs = { PNG: { sync: { read(bytes: Uint8Array): Decoded } } };
type JpegJs = {
  decode(
    bytes: Uint8Array,
    opts: { useTArray: true; formatAsRGBA: true },
  ): Decoded;
};

/** An image decoder package (pngjs, jpeg-js), loaded on first use from node_modules. */
function decoder<T>(name: string): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch {
    throw new RuntimeError(
      `reading images needs the npm package ${name}, a dependency of flambeau that npm install brings`,
    );
  }
}

/** RGB bytes from RGBA ones (the alpha dropped, as PIL's convert("RGB")). */
function rgbOf(rgba: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = rgba[4 * i];
    out[3 * i + 1] = rgba[4 * i + 1];
    out[3 * i + 2] = rgba[4 * i + 2];
  }
  return out;
}

/**
 * torchvision's default loader: a PNG or JPEG file as an RGB Image (pngjs and jpeg-js decode
 * them; other formats are refused with a clear error).
 */
export function default_loader(path: string): Image {
  const bytes = readFileSync(path);
  const ext = extname(path).toLowerCase();
  if (ext === ".png") {
    const png = decoder<PngJs>("pngjs").PNG.sync.read(bytes);
    return new Image(
      "RGB",
      png.width,
      png.height,
      rgbOf(png.data, png.width * png.height),
    );
  }
  if (ext === ".jpg" || ext === ".jpeg") {
    const img = decoder<JpegJs>("jpeg-js").decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
    });
    return new Image(
      "RGB",
      img.width,
      img.height,
      rgbOf(img.data, img.width * img.height),
    );
  }
  throw new RuntimeError(
    `cannot decode ${path}: flambeau's default loader reads PNG and JPEG files`,
  );
}

/**
 * `ImageFolder(root, transform = None, target_transform = None, loader = default_loader,
 * is_valid_file = None)`: `root/<class>/<image>` files, classes being the sorted folder names and
 * samples sorted within each, as torchvision's. A sample is `[image, class index]`.
 */
export class ImageFolder extends Dataset<[unknown, unknown]> {
  readonly root: string;
  readonly transform: Transform;
  readonly target_transform: Transform;
  readonly loader: (path: string) => unknown;
  readonly classes: string[];
  readonly class_to_idx: Record<string, number>;
  /** `[path, class index]` of every sample. */
  readonly samples: [string, number][];
  readonly targets: number[];

  constructor(root: string, ...args: unknown[]) {
    super();
    const last = args[args.length - 1];
    const o = (last && typeof last === "object" &&
        Object.getPrototypeOf(last) === Object.prototype
      ? args.pop()
      : {}) as Record<string, unknown>;
    const [transform, target_transform, loader, is_valid_file] = args as [
      Transform?,
      Transform?,
      ((p: string) => unknown)?,
      ((p: string) => boolean)?,
    ];
    this.root = root;
    this.transform = transform ?? (o.transform as Transform) ?? null;
    this.target_transform = target_transform ??
      (o.target_transform as Transform) ?? null;
    this.loader = loader ?? (o.loader as (p: string) => unknown) ??
      default_loader;
    const valid = is_valid_file ?? (o.is_valid_file as
      | ((p: string) => boolean)
      | undefined) ??
      ((p: string) => IMG_EXTENSIONS.includes(extname(p).toLowerCase()));
    let entries: string[];
    try {
      entries = readdirSync(root);
    } catch {
      throw new RuntimeError(`Couldn't find any class folder in ${root}.`);
    }
    this.classes = entries.filter((e) => statSync(join(root, e)).isDirectory())
      .sort();
    if (this.classes.length === 0) {
      throw new RuntimeError(`Couldn't find any class folder in ${root}.`);
    }
    this.class_to_idx = Object.fromEntries(
      this.classes.map((c, i) => [c, i]),
    );
    this.samples = [];
    for (const [i, c] of this.classes.entries()) {
      for (const f of readdirSync(join(root, c)).sort()) {
        const path = join(root, c, f);
        if (statSync(path).isFile() && valid(path)) {
          this.samples.push([path, i]);
        }
      }
    }
    if (this.samples.length === 0) {
      throw new RuntimeError(
        `Found no valid file for the classes ${
          this.classes.join(", ")
        }. Supported extensions are: ${IMG_EXTENSIONS.join(", ")}`,
      );
    }
    this.targets = this.samples.map(([, t]) => t);
  }

  get length(): number {
    return this.samples.length;
  }

  get(index: number): [unknown, unknown] {
    const n = this.length;
    if (!Number.isInteger(index) || index < -n || index >= n) {
      throw new RuntimeError(
        `index ${index} is out of bounds for dimension 0 with size ${n}`,
      );
    }
    const [path, target] = this.samples[index < 0 ? index + n : index];
    const img = this.loader(path);
    return [
      this.transform ? this.transform(img) : img,
      this.target_transform ? this.target_transform(target) : target,
    ];
  }
}

// ------------------------------------------------------------------------------------------------
// Transforms

/** A transform is callable, as torchvision's: `t(img)` runs `forward(img)`. */
export interface TransformBase {
  (img: unknown): unknown;
}

/** The base of the transforms: callable objects with torchvision's reprs. */
export class TransformBase {
  constructor() {
    const self =
      ((img: unknown) => self.forward(img)) as unknown as TransformBase;
    Object.setPrototypeOf(self, new.target.prototype);
    return self;
  }

  /** Applies the transform. */
  forward(img: unknown): unknown {
    return img;
  }

  /** The part between the parentheses of the repr. */
  _args(): string {
    return "";
  }

  toString(): string {
    return `${this.constructor.name}(${this._args()})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}

const pyList = (xs: readonly number[]) => `[${xs.join(", ")}]`;
const pyPair = (xs: readonly number[]) => `(${xs.join(", ")})`;

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `Compose(transforms)`: each transform in turn. */
export class Compose extends TransformBase {
  constructor(readonly transforms: ((x: unknown) => unknown)[]) {
    super();
  }

  override forward(img: unknown): unknown {
    for (const t of this.transforms) img = t(img);
    return img;
  }

  override toString(): string {
    const lines = this.transforms.map((t) => `    ${String(t)}`);
    return `Compose(\n${lines.join("\n")}\n)`;
  }
}

function asImage(op: string, pic: unknown): Image {
  if (!(pic instanceof Image)) {
    throw new TypeError(
      `pic should be PIL Image or ndarray. Got ${
        pic instanceof Tensor ? "<class 'torch.Tensor'>" : typeof pic
      }`,
    );
  }
  void op;
  return pic;
}

/** `ToTensor()`: an Image to a float32 (C, H, W) tensor in [0, 1]. */
export class ToTensor extends TransformBase {
  override forward(pic: unknown): Tensor {
    return imageToTensor(asImage("ToTensor", pic)).to(float32).div(255);
  }
}

/** `PILToTensor()`: an Image to a uint8 (C, H, W) tensor. */
export class PILToTensor extends TransformBase {
  override forward(pic: unknown): Tensor {
    return imageToTensor(asImage("PILToTensor", pic));
  }
}

/** `Normalize(mean, std, inplace = false)`: (x - mean[c]) / std[c] for a (..., C, H, W) tensor. */
export class Normalize extends TransformBase {
  constructor(
    readonly mean: number[],
    readonly std: number[],
    readonly inplace = false,
  ) {
    super();
  }

  override forward(t: unknown): Tensor {
    if (!(t instanceof Tensor)) {
      throw new TypeError(
        `Input tensor should be a torch tensor. Got ${typeof t}.`,
      );
    }
    if (!t.is_floating_point()) {
      throw new TypeError(
        `Input tensor should be a float tensor. Got ${t.dtype}.`,
      );
    }
    if (t.dim() < 3) {
      throw new ValueError(
        `Expected tensor to be a tensor image of size (..., C, H, W). Got tensor.size() = torch.Size([${
          t.shape.join(", ")
        }])`,
      );
    }
    if (this.std.some((s) => s === 0)) {
      throw new ValueError(
        `std evaluated to zero after conversion to ${t.dtype}, leading to division by zero.`,
      );
    }
    const shape = [-1, 1, 1];
    const mean = tensor(this.mean, { dtype: t.dtype, device: t.device }).view(
      shape,
    );
    const std = tensor(this.std, { dtype: t.dtype, device: t.device }).view(
      shape,
    );
    const out = t.sub(mean).div(std);
    return this.inplace ? t.copy_(out) : out;
  }

  override _args(): string {
    return `mean=${pyList(this.mean)}, std=${pyList(this.std)}`;
  }
}

/** `RandomHorizontalFlip(p = 0.5)`: flips left-right when `torch.rand(1) < p`. */
export class RandomHorizontalFlip extends TransformBase {
  constructor(readonly p = 0.5) {
    super();
  }

  override forward(img: unknown): unknown {
    if ((rand(1).item() as number) >= this.p) return img;
    if (img instanceof Tensor) return img.flip([-1]);
    const im = asImage("RandomHorizontalFlip", img);
    const c = channelsOf(im), out = new Uint8Array(im.data.length);
    for (let y = 0; y < im.height; y++) {
      for (let x = 0; x < im.width; x++) {
        for (let k = 0; k < c; k++) {
          out[(y * im.width + x) * c + k] =
            im.data[(y * im.width + (im.width - 1 - x)) * c + k];
        }
      }
    }
    return new Image(im.mode, im.width, im.height, out);
  }

  override _args(): string {
    return `p=${this.p}`;
  }
}

const sizePair = (size: number | number[]): [number, number] =>
  typeof size === "number"
    ? [size, size]
    : size.length === 1
    ? [size[0], size[0]]
    : [size[0], size[1]];

/** A crop of an Image or a (..., H, W) tensor: `h` rows and `w` columns from (top, left). */
function crop(img: unknown, top: number, left: number, h: number, w: number) {
  if (img instanceof Tensor) {
    return img.narrow(-2, top, h).narrow(-1, left, w);
  }
  const im = asImage("crop", img);
  return tensorToImage(
    imageToTensor(im).narrow(-2, top, h).narrow(-1, left, w),
    im.mode,
  );
}

const heightWidth = (img: unknown): [number, number] =>
  img instanceof Tensor
    ? [img.size(-2), img.size(-1)]
    : [asImage("size", img).height, (img as Image).width];

/**
 * `RandomCrop(size, padding = None, pad_if_needed = false, fill = 0, padding_mode = 'constant')`:
 * pads, then crops at a position drawn as torchvision draws it (`torch.randint` for the top row,
 * then the left column).
 */
export class RandomCrop extends TransformBase {
  readonly size: [number, number];
  readonly padding: number | number[] | null;
  readonly pad_if_needed: boolean;
  readonly fill: number;
  readonly padding_mode: string;

  constructor(size: number | number[], ...args: unknown[]) {
    super();
    const last = args[args.length - 1];
    const o =
      (last && typeof last === "object" && !Array.isArray(last)
        ? args.pop()
        : {}) as Record<string, unknown>;
    this.size = sizePair(size);
    this.padding = (args[0] ?? o.padding ?? null) as number | number[] | null;
    this.pad_if_needed = (args[1] ?? o.pad_if_needed ?? false) as boolean;
    this.fill = (args[2] ?? o.fill ?? 0) as number;
    this.padding_mode = (args[3] ?? o.padding_mode ?? "constant") as string;
  }

  override forward(img: unknown): unknown {
    const wasImage = img instanceof Image;
    let t = wasImage ? imageToTensor(img as Image) : img as Tensor;
    const mode = wasImage ? (img as Image).mode : "L";
    const padTo = (p: number[]) => {
      // torchvision's order: left, top, right, bottom; F.pad's: left, right, top, bottom.
      const [l, tp, r, b] = p.length === 1
        ? [p[0], p[0], p[0], p[0]]
        : p.length === 2
        ? [p[0], p[1], p[0], p[1]]
        : p;
      const modes: Record<string, string> = {
        constant: "constant",
        edge: "replicate",
        reflect: "reflect",
      };
      const x = t.dtype === uint8 ? t.to(float32) : t;
      const padded = pad(
        x,
        [l, r, tp, b],
        modes[this.padding_mode] ?? "constant",
        this.fill,
      );
      t = t.dtype === uint8 ? padded.to(uint8) : padded;
    };
    if (this.padding !== null) {
      padTo(typeof this.padding === "number" ? [this.padding] : this.padding);
    }
    const [th, tw] = this.size;
    let [h, w] = [t.size(-2), t.size(-1)];
    if (this.pad_if_needed && w < tw) padTo([tw - w, 0]);
    [h, w] = [t.size(-2), t.size(-1)];
    if (this.pad_if_needed && h < th) padTo([0, th - h]);
    [h, w] = [t.size(-2), t.size(-1)];
    if (h < th || w < tw) {
      throw new ValueError(
        `Required crop size ${
          pyPair([th, tw])
        } is larger than input image size ${pyPair([h, w])}`,
      );
    }
    let i = 0, j = 0;
    if (!(w === tw && h === th)) {
      i = randint(0, h - th + 1, [1]).item() as number;
      j = randint(0, w - tw + 1, [1]).item() as number;
    }
    const out = t.narrow(-2, i, th).narrow(-1, j, tw);
    return wasImage ? tensorToImage(out, mode) : out;
  }

  override _args(): string {
    return `size=${pyPair(this.size)}, padding=${
      this.padding === null
        ? "None"
        : typeof this.padding === "number"
        ? this.padding
        : pyList(this.padding)
    }`;
  }
}

/** `CenterCrop(size)`: the middle `size` (Python's round for the offsets, as torchvision). */
export class CenterCrop extends TransformBase {
  readonly size: [number, number];

  constructor(size: number | number[]) {
    super();
    this.size = sizePair(size);
  }

  override forward(img: unknown): unknown {
    const [h, w] = heightWidth(img);
    const [th, tw] = this.size;
    if (th > h || tw > w) {
      throw new ValueError(
        `center crop of ${pyPair([th, tw])} is larger than the image ${
          pyPair([h, w])
        }`,
      );
    }
    return crop(img, pyRound((h - th) / 2), pyRound((w - tw) / 2), th, tw);
  }

  override _args(): string {
    return `size=${pyPair(this.size)}`;
  }
}

/**
 * `Resize(size)`: an int matches the smaller edge (keeping the aspect ratio), a pair is
 * (height, width). Bilinear, without antialiasing, as torchvision 0.14 on tensors; an Image is
 * resized the same way and rounded back to bytes (PIL's own filter is not reproduced).
 */
export class Resize extends TransformBase {
  constructor(readonly size: number | number[]) {
    super();
  }

  override forward(img: unknown): unknown {
    const [h, w] = heightWidth(img);
    let oh: number, ow: number;
    if (typeof this.size === "number" || this.size.length === 1) {
      const s = typeof this.size === "number" ? this.size : this.size[0];
      if (h <= w) [oh, ow] = [s, Math.trunc((s * w) / h)];
      else [oh, ow] = [Math.trunc((s * h) / w), s];
    } else [oh, ow] = [this.size[0], this.size[1]];
    const wasImage = img instanceof Image;
    const t = wasImage
      ? imageToTensor(img as Image).to(float32)
      : img as Tensor;
    const batched = t.dim() === 4;
    const x = batched ? t : t.unsqueeze(0);
    const y = interpolate(x, [oh, ow], null, "bilinear", false);
    const out = batched ? y : y.squeeze(0);
    return wasImage ? tensorToImage(out, (img as Image).mode) : out;
  }

  override _args(): string {
    return `size=${
      typeof this.size === "number" ? this.size : pyList(this.size)
    }, interpolation=bilinear, max_size=None, antialias=None`;
  }
}
