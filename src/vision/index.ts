// `torch.vision` as the user sees it: torchvision's names (`vision.datasets.MNIST`,
// `vision.transforms.Compose`, ...), each behind its torchvision 0.14 signature.

import { bindMethods, signedClassAs } from "../signature.ts";
import * as V from "./mod.ts";

const D = "torchvision.datasets", T = "torchvision.transforms";
const MNIST_SIG =
  "(root: str, train: bool = True, transform: callable? = None, target_transform: callable? = None, download: bool = False)";

/** torchvision.datasets: MNIST, FashionMNIST (IDX files) and CIFAR10 (binary batches). */
export const datasets: {
  MNIST: typeof V.MNIST;
  FashionMNIST: typeof V.FashionMNIST;
  CIFAR10: typeof V.CIFAR10;
  ImageFolder: typeof V.ImageFolder;
} = {
  MNIST: signedClassAs(`${D}.MNIST`, MNIST_SIG, V.MNIST),
  FashionMNIST: signedClassAs(`${D}.FashionMNIST`, MNIST_SIG, V.FashionMNIST),
  CIFAR10: signedClassAs(`${D}.CIFAR10`, MNIST_SIG, V.CIFAR10),
  ImageFolder: signedClassAs(`${D}.ImageFolder`, {
    sig:
      "(root: str, transform: callable? = None, target_transform: callable? = None, loader: callable? = None, is_valid_file: callable? = None)",
    emit: "positional",
  }, V.ImageFolder),
};
for (const cls of [V.MNIST, V.CIFAR10, V.ImageFolder]) {
  bindMethods(cls, D, { get: "(self: object, index: int)" });
}

/** torchvision.transforms: Compose and the transforms users chain. */
export const transforms: {
  Compose: typeof V.Compose;
  ToTensor: typeof V.ToTensor;
  PILToTensor: typeof V.PILToTensor;
  Normalize: typeof V.Normalize;
  RandomHorizontalFlip: typeof V.RandomHorizontalFlip;
  RandomCrop: typeof V.RandomCrop;
  CenterCrop: typeof V.CenterCrop;
  Resize: typeof V.Resize;
} = {
  Compose: signedClassAs(`${T}.Compose`, {
    sig: "(transforms: callable[])",
    emit: "positional",
  }, V.Compose),
  ToTensor: signedClassAs(`${T}.ToTensor`, "()", V.ToTensor),
  PILToTensor: signedClassAs(`${T}.PILToTensor`, "()", V.PILToTensor),
  Normalize: signedClassAs(`${T}.Normalize`, {
    sig: "(mean: float[], std: float[], inplace: bool = False)",
    emit: "positional",
  }, V.Normalize),
  RandomHorizontalFlip: signedClassAs(`${T}.RandomHorizontalFlip`, {
    sig: "(p: float = 0.5)",
    emit: "positional",
  }, V.RandomHorizontalFlip),
  RandomCrop: signedClassAs(`${T}.RandomCrop`, {
    sig:
      "(size: int|int[], padding: int|int[]? = None, pad_if_needed: bool = False, fill: float = 0, padding_mode: str = 'constant')",
    emit: "positional",
  }, V.RandomCrop),
  CenterCrop: signedClassAs(`${T}.CenterCrop`, {
    sig: "(size: int|int[])",
    emit: "positional",
  }, V.CenterCrop),
  Resize: signedClassAs(`${T}.Resize`, {
    sig: "(size: int|int[])",
    emit: "positional",
  }, V.Resize),
};
for (
  const cls of [
    V.TransformBase,
    V.Compose,
    V.ToTensor,
    V.PILToTensor,
    V.Normalize,
    V.RandomHorizontalFlip,
    V.RandomCrop,
    V.CenterCrop,
    V.Resize,
  ]
) bindMethods(cls, T, { forward: "(self: Transform, img: any)" });

/** PIL's Image as the datasets give it: `new Image(mode, width, height, bytes)`. */
export const Image: typeof V.Image = signedClassAs("PIL.Image.Image", {
  sig: "(mode: str, width: int, height: int, data: any)",
  emit: "positional",
}, V.Image);
export type Image = V.Image;
