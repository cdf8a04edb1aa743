// torch.vision against torchvision 0.14 (tests/fixtures/gen_vision.py): MNIST and FashionMNIST
// read from raw and gzipped IDX files, CIFAR10 from a binary batch, and the transforms (a seeded
// Compose pipeline over a DataLoader-style dataset, and the tensor paths of each transform).

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as torch from "../mod.ts";
import {
  assertTensorClose,
  decodeTensor,
  type EncTensor,
  readFixture,
} from "./_support/fixtures.ts";

const { datasets, transforms: T } = torch.vision;
type Enc = { t: EncTensor };
interface Split {
  length: number;
  data: Enc;
  targets: Enc;
  item1: Enc;
  target1: number;
  mode: string;
  size: number[];
  classes: string[];
}
const fx = readFixture<
  & Record<string, Split>
  & {
    torchvision: string;
    cifar: { labels: number[]; hwc: Enc };
    pipeline: { seed: number; samples: Enc[]; after: number[]; repr: string };
    tensor_ops: Record<string, Enc>;
    random_tensor_ops: { seed: number; flips: Enc[]; crops: Enc[] };
    image_folder: {
      classes: string[];
      class_to_idx: Record<string, number>;
      samples: [string, number][];
      images: Enc[];
    };
  }
>("vision.json");
const ROOT = fileURLToPath(new URL("./fixtures/vision", import.meta.url));
const exact = { rtol: 0, atol: 0 };
const close = { rtol: 1e-6, atol: 1e-6 };

describe(`torch.vision against torchvision ${fx.torchvision}`, () => {
  for (const name of ["MNIST", "FashionMNIST"] as const) {
    for (const train of [true, false]) {
      test(`${name}, ${train ? "train" : "test"} split`, () => {
        const want = fx[`${name}_${train ? "train" : "test"}`];
        const ds = new datasets[name](ROOT, train);
        assert.equal(ds.length, want.length);
        assertTensorClose(ds.data, want.data.t, "data", exact);
        assertTensorClose(ds.targets, want.targets.t, "targets", exact);
        const [img, target] = ds.get(1) as [torch.vision.Image, number];
        assert.equal(img.mode, want.mode);
        assert.deepEqual(img.size, want.size);
        assert.equal(target, want.target1);
        assertTensorClose(
          new T.PILToTensor()(img),
          want.item1.t,
          "item",
          exact,
        );
        assert.deepEqual(ds.classes, want.classes);
      });
    }
  }
  test("CIFAR10 from the binary batch", () => {
    const ds = new datasets.CIFAR10(ROOT, false);
    assert.equal(ds.length, fx.cifar.labels.length);
    assert.deepEqual(ds.targets, fx.cifar.labels);
    assertTensorClose(ds.data, fx.cifar.hwc.t, "hwc", exact);
    const [img, label] = ds.get(2) as [torch.vision.Image, number];
    assert.equal(img.mode, "RGB");
    assert.equal(label, fx.cifar.labels[2]);
    assertTensorClose(
      (new T.PILToTensor()(img) as torch.Tensor).permute(1, 2, 0),
      {
        ...fx.cifar.hwc.t,
        shape: [32, 32, 3],
        data: fx.cifar.hwc.t.data.slice(2 * 3072, 3 * 3072),
      },
      "image 2",
      exact,
    );
  });
  test("a seeded RandomCrop/RandomHorizontalFlip/ToTensor/Normalize pipeline gives torchvision's samples", () => {
    const pipeline = new T.Compose([
      new T.RandomCrop(24, 2),
      new T.RandomHorizontalFlip(),
      new T.ToTensor(),
      new T.Normalize([0.5], [0.25]),
    ]);
    const ds = new datasets.FashionMNIST(ROOT, { transform: pipeline });
    torch.manual_seed(fx.pipeline.seed);
    fx.pipeline.samples.forEach((e, i) =>
      assertTensorClose(ds.get(i)[0], e.t, `sample ${i}`, close)
    );
    assert.deepEqual(
      torch.rand(2, { dtype: torch.float64 }).tolist(),
      fx.pipeline.after,
    );
    // torchvision's repr, with JavaScript's arrays where Python had tuples.
    assert.equal(
      String(pipeline),
      fx.pipeline.repr.replace(/\((\d[\d.]*),\)/g, "[$1]"),
    );
  });
  test("the transforms' tensor paths", () => {
    const x = decodeTensor(fx.tensor_ops.input.t);
    const o = fx.tensor_ops;
    assertTensorClose(new T.CenterCrop(5)(x), o.center_crop.t, "center", exact);
    assertTensorClose(
      new T.CenterCrop([4, 6])(x),
      o.center_crop_pair.t,
      "center pair",
      exact,
    );
    assertTensorClose(new T.Resize(5)(x), o.resize_int.t, "resize", close);
    assertTensorClose(
      new T.Resize([12, 4])(x),
      o.resize_pair.t,
      "resize pair",
      close,
    );
    assertTensorClose(
      new T.Normalize([0.1, 0.2, 0.3], [0.5, 0.6, 0.7])(x),
      o.normalize.t,
      "normalize",
      close,
    );
    torch.manual_seed(fx.random_tensor_ops.seed);
    const flip = new T.RandomHorizontalFlip(0.5);
    fx.random_tensor_ops.flips.forEach((e, i) =>
      assertTensorClose(flip(x), e.t, `flip ${i}`, exact)
    );
    const crop = new T.RandomCrop([5, 4], [1, 2]);
    fx.random_tensor_ops.crops.forEach((e, i) =>
      assertTensorClose(crop(x), e.t, `crop ${i}`, exact)
    );
  });
  test("ImageFolder: classes, samples and decoded PNG and JPEG images", () => {
    const want = fx.image_folder;
    const root = `${ROOT}/folder`;
    const ds = new datasets.ImageFolder(root);
    assert.deepEqual(ds.classes, want.classes);
    assert.deepEqual(ds.class_to_idx, want.class_to_idx);
    assert.deepEqual(
      ds.samples.map(([p, t]) => [p.slice(root.length + 1), t]),
      want.samples,
    );
    want.images.forEach((e, i) => {
      const [img, target] = ds.get(i) as [torch.vision.Image, number];
      assert.equal(img.mode, "RGB");
      assert.equal(target, want.samples[i][1]);
      const t = new T.PILToTensor()(img) as torch.Tensor;
      // PNG is lossless: PIL's bytes exactly. JPEG decoders may round their IDCT differently (the
      // fixture is 4:4:4: with 4:2:0 chroma, jpeg-js replicates where libjpeg interpolates).
      const jpeg = want.samples[i][0].endsWith(".jpg");
      if (!jpeg) assertTensorClose(t, e.t, `image ${i}`, exact);
      else {
        assert.deepEqual([...t.shape], e.t.shape);
        const diff = t.to(torch.float32).sub(
          decodeTensor(e.t).to(torch.float32),
        )
          .abs().max().item() as number;
        assert.ok(diff <= 2, `JPEG pixels differ from PIL's by ${diff}`);
      }
    });
    const withT = new datasets.ImageFolder(root, {
      transform: new T.ToTensor(),
    });
    assert.deepEqual([...(withT.get(0)[0] as torch.Tensor).shape], [3, 3, 6]);
    assert.throws(
      () => new datasets.ImageFolder(`${ROOT}/MNIST/raw`),
      /Couldn't find any class folder/,
    );
  });
  test("missing files, download and wrong inputs are clear errors", () => {
    assert.throws(
      () => new datasets.MNIST("/nonexistent"),
      /Dataset not found: .*train-images-idx3-ubyte\[\.gz\] cannot be read/,
    );
    assert.throws(
      () => new datasets.MNIST(ROOT, { download: true }),
      /does not download/,
    );
    assert.throws(
      () => new T.ToTensor()(torch.zeros(3)),
      /pic should be PIL Image or ndarray\. Got <class 'torch\.Tensor'>/,
    );
    assert.throws(
      () => new T.RandomCrop(40)(torch.zeros(1, 28, 28)),
      /Required crop size \(40, 40\) is larger than input image size \(28, 28\)/,
    );
  });
});
