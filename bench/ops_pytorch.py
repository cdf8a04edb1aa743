"""The PyTorch side of bench/ops.ts: the same workloads, timed the same way, as JSON on stdout.

    /usr/bin/python3 bench/ops_pytorch.py '{"threads": [1, 2], "n": 16777216, "side": 4096,
        "warmup_ms": 300, "train_warmup_ms": 4000, "min_reps": 5, "max_reps": 15, "budget_ms": 1500,
        "loop_ms": 100, "loop_reps": 7}'

prints {"torch": "<version>", "results": {"1": {"add_out": ms, ...}, "2": {...}}}: milliseconds
per call for the bandwidth workloads (`_out`: into a preallocated output, `_inplace`: a.add_(b) /
a.mul_(c), plain: a new output per call), the page-fault floor "pages" in ms, microseconds per
call for the two per-op overheads. The timing
rules mirror time_call and time_loop in bench/ops.ts; ops.ts computes GB/s and ratios.
"""

import json
import statistics
import sys
import time

import torch

cfg = json.loads(sys.argv[1])
N, SIDE = cfg["n"], cfg["side"]


def time_call(fn, warmup_ms=None):
    """Median ms of single calls, after at least one warm-up call (more while under warmup_ms)."""
    if warmup_ms is None:
        warmup_ms = cfg["warmup_ms"]
    t_start = time.perf_counter()
    fn()
    while (time.perf_counter() - t_start) * 1000 < warmup_ms:
        fn()
    times = []
    t_start = time.perf_counter()
    while len(times) < cfg["max_reps"] and (
        len(times) < cfg["min_reps"]
        or (time.perf_counter() - t_start) * 1000 < cfg["budget_ms"]
    ):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def time_loop(fn):
    """Median µs per call of loops sized to take about loop_ms each."""
    n = 1
    while True:  # calibration doubles as warm-up
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        ms = (time.perf_counter() - t0) * 1000
        if ms >= cfg["loop_ms"] / 4:
            break
        n *= 4
    n = max(1, round(n * cfg["loop_ms"] / ms))
    per_call = []
    for _ in range(cfg["loop_reps"]):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        per_call.append((time.perf_counter() - t0) * 1e6 / n)
    return statistics.median(per_call)


def fresh_pages():
    """ms of first touch of a new N-element torch.empty (filled once), less a fill of a touched one:
    the page faults every new 64 MiB output pays (glibc takes blocks this large from mmap). The least
    of 5 tries each, as ops.ts does: a floor, which a busy machine only adds to."""

    def fill(t, v):
        t0 = time.perf_counter()
        t.fill_(v)
        return (time.perf_counter() - t0) * 1000

    fresh = min(fill(torch.empty(N), 1) for _ in range(5))
    v = torch.empty(N).fill_(1)
    touched = min(fill(v, 2) for _ in range(5))
    return fresh - touched


def lenet_step():
    """One training step of the tutorial's LeNet at batch 64 (forward, cross-entropy, backward,
    SGD with momentum), as bench/ops.ts times flambeau's."""
    import torch.nn as nn
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
            self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)

        def forward(self, x):
            x = F.max_pool2d(F.relu(self.conv1(x)), 2)
            x = F.max_pool2d(F.relu(self.conv2(x)), 2).view(-1, 400)
            return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

    net = Net()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    x, y = torch.randn(64, 1, 32, 32), torch.arange(64) % 10

    def step():
        opt.zero_grad()
        F.cross_entropy(net(x), y).backward()
        opt.step()

    return step


def run(threads):
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    out = {}
    a, b, o = torch.randn(N), torch.randn(N), torch.empty(N)
    out["add_out"] = time_call(lambda: torch.add(a, b, out=o))
    out["mul_out"] = time_call(lambda: torch.mul(a, b, out=o))
    out["exp_out"] = time_call(lambda: torch.exp(a, out=o))
    out["exp_out_threads"] = out["exp_out"]  # flambeau's row on every core: the same call
    # torch.relu has no out=; it is clamp_min(a, 0) underneath (aten/src/ATen/native/Activation.cpp)
    out["relu_out"] = time_call(lambda: torch.clamp_min(a, 0, out=o))
    ia, c = a.clone(), torch.sign(b)  # c is ±1: ia.mul_(c) keeps |ia|
    out["add_inplace"] = time_call(lambda: ia.add_(b))
    out["mul_inplace"] = time_call(lambda: ia.mul_(c))
    del ia, c, o
    out["add"] = time_call(lambda: torch.add(a, b))
    out["mul"] = time_call(lambda: torch.mul(a, b))
    out["exp"] = time_call(lambda: torch.exp(a))
    out["relu"] = time_call(lambda: torch.relu(a))
    out["sum"] = time_call(lambda: torch.sum(a))
    out["sum_threads"] = out["sum"]  # flambeau's row on every core: the same call
    del a, b
    x, xo = torch.randn(SIDE, SIDE), torch.empty(SIDE, SIDE)
    out["transpose_out"] = time_call(lambda: xo.copy_(x.t()))
    out["transpose"] = time_call(lambda: x.t().contiguous())
    del x, xo
    ma, mb = torch.randn(cfg["mm"], cfg["mm"]), torch.randn(cfg["mm"], cfg["mm"])
    out["matmul"] = time_call(lambda: torch.matmul(ma, mb))
    out["matmul_wasm"] = out["matmul"]  # the same product: flambeau's row without a BLAS
    del ma, mb
    # conv2d forward, LeNet's second layer at batch 64 (ms per call; the table shows images/s)
    cx, cw = torch.randn(64, 6, 14, 14), torch.randn(16, 6, 5, 5)
    out["conv"] = time_call(lambda: torch.nn.functional.conv2d(cx, cw))
    del cx, cw
    out["lenet"] = time_call(lenet_step(), cfg.get("train_warmup_ms"))
    out["pages"] = fresh_pages()
    s1, s2 = torch.randn(1), torch.randn(1)
    out["add1"] = time_loop(lambda: torch.add(s1, s2))
    g, h = torch.randn(64, 64).requires_grad_(), torch.randn(64, 64)
    out["mul64grad"] = time_loop(lambda: g.mul(h))
    return out


results = {str(t): run(t) for t in cfg["threads"]}
print(json.dumps({"torch": torch.__version__, "results": results}))
