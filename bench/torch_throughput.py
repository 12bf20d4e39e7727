#!/usr/bin/env python3
"""The PyTorch peer of bench/throughput.sh: the same network, batch and optimizer on the same cores.

    python3 bench/torch_throughput.py --model lenet --batch 64 [--threads 2 | --processes 2] [--samples 1200]
                                      [--epochs 5] [--warmup-epochs 1] [--min-seconds 15] [--width 0.5]

--width scales mobilenet-28's widths (the engine's model.widthMultiplier).

Trains on real MNIST (datasets/mnist, IDX) with plain SGD (lr 0.05) and prints samples/s over epochs
W+1..N (epochs 1..W warm up; bench/throughput.sh drops as many rounds), going on past N until the
measured epochs took --min-seconds. Two ways to use the cores, as a user would pick for what they run:
--threads T (default: all cores): one process whose T intra-op threads share each minibatch, the way
to train one model fast; --processes P: P processes of one thread each, each training its own copy of
the network on its own data, the way federated simulators (Flower's, pfl-research's) train a round's
clients side by side, and the engine's shape (one task per core). The processes warm up, start
measuring together, and each stops at its first minibatch past the measured window; samples/s is the
sum of theirs. The last line is one JSON object with samples_per_s, train_seconds and the CPU
capability PyTorch's kernels use. Needs Debian's python3-torch.
"""
import argparse
import gzip
import json
import multiprocessing
import os
import queue
import struct
import sys
import time

import torch
from torch import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    return torch.frombuffer(bytearray(data[4 + 4 * ndim:]), dtype=torch.uint8).reshape(dims)


def mnist(n):
    base = os.path.join(ROOT, "datasets", "mnist")
    for suffix in ("", ".gz"):
        images = os.path.join(base, "train-images-idx3-ubyte" + suffix)
        if os.path.exists(images):
            x = read_idx(images)[:n].float().div(255).unsqueeze(1)
            y = read_idx(os.path.join(base, "train-labels-idx1-ubyte" + suffix))[:n].long()
            return x, y
    sys.exit("torch_throughput.py: no MNIST under %s (run datasets/fetch mnist)" % base)


def mobilenet28(width):
    # io.fednas.model.Architectures' mobilenet-28: a 3x3 stem, nine depthwise-separable blocks, each
    # convolution without bias and followed by batch norm and ReLU, global average pooling
    def w(c):
        return max(1, int(c * width + 0.5))

    def conv_bn(cin, cout, k, stride=1, groups=1):
        return [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
                nn.BatchNorm2d(cout), nn.ReLU()]

    layers = conv_bn(1, w(16), 3)
    c = w(16)
    for stride, out in [(1, 32), (2, 64), (1, 64), (2, 128), (1, 128), (1, 128), (2, 256), (1, 256), (1, 256)]:
        layers += conv_bn(c, c, 3, stride, groups=c) + conv_bn(c, w(out), 1)
        c = w(out)
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, 10))


def network(name, width=1.0):
    # the same layers as io.fednas.model.Architectures (DL4J: ReLU after conv and dense, softmax output)
    if name == "lenet":
        return nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))
    if name == "mcmahan-cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                             nn.Linear(3136, 512), nn.ReLU(), nn.Linear(512, 10))
    if name == "mobilenet-28":
        return mobilenet28(width)
    sys.exit("torch_throughput.py: unknown model " + name)


def cpu_capability():
    # PyTorch 1.13 says which SIMD its kernels dispatch to only in its build summary
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            return line.split(":", 1)[1].strip()
    return "unknown"


def train(a, threads, seed, start=None):
    """Warm-up epochs, then (after start.wait(), when processes start together) the measured window:
    returns (samples, seconds) measured."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    x, y = mnist(a.samples)
    net = network(a.model, a.width)
    opt = torch.optim.SGD(net.parameters(), lr=0.05)
    loss_fn = nn.CrossEntropyLoss()
    measured_epochs = a.epochs - a.warmup_epochs
    epoch = 0
    samples = 0
    t_start = None
    while True:
        if epoch == a.warmup_epochs:
            if start is not None:
                start.wait()
            t_start = time.perf_counter()
        order = torch.randperm(len(x))
        t0 = time.perf_counter()
        for i in range(0, len(x), a.batch):
            idx = order[i:i + a.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(net(x[idx]), y[idx])
            loss.backward()
            opt.step()
            if t_start is not None:
                samples += len(idx)
                elapsed = time.perf_counter() - t_start
                # side by side, each process stops at the window's end, not at its epoch's
                if start is not None and samples >= measured_epochs * len(x) and elapsed >= a.min_seconds:
                    return samples, elapsed
        epoch += 1
        print("epoch %d: %.0f samples/s" % (epoch, len(x) / (time.perf_counter() - t0)), file=sys.stderr)
        if t_start is not None and epoch >= a.epochs and time.perf_counter() - t_start >= a.min_seconds:
            return samples, time.perf_counter() - t_start


def worker(a, rank, start, results):
    results.put(train(a, 1, 42 + rank, start))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="lenet")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--processes", type=int, default=None)
    p.add_argument("--samples", type=int, default=1200)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--warmup-epochs", type=int, default=1)
    p.add_argument("--width", type=float, default=1.0)
    p.add_argument("--min-seconds", type=float, default=0.0)
    a = p.parse_args()
    if not 1 <= a.warmup_epochs < a.epochs:
        sys.exit("torch_throughput.py: --warmup-epochs must be at least 1 and below --epochs (%d), not %d"
                 % (a.epochs, a.warmup_epochs))
    if a.threads is not None and a.processes is not None:
        sys.exit("torch_throughput.py: --threads and --processes are two ways to use the cores: give one")
    for name in ("threads", "processes"):
        if getattr(a, name) is not None and getattr(a, name) < 1:
            sys.exit("torch_throughput.py: --%s must be at least 1, not %d" % (name, getattr(a, name)))
    if a.processes is None:
        threads = a.threads or os.cpu_count()
        samples, measured = train(a, threads, 42)
        rate = samples / measured
        shape = {"threads": threads, "processes": 1}
    else:
        # spawned, not forked: a fork would inherit the parent's OpenMP state
        ctx = multiprocessing.get_context("spawn")
        start = ctx.Barrier(a.processes)
        results = ctx.Queue()
        procs = [ctx.Process(target=worker, args=(a, r, start, results)) for r in range(a.processes)]
        for proc in procs:
            proc.start()
        done = []
        while len(done) < len(procs):
            try:
                done.append(results.get(timeout=5))
            except queue.Empty:
                # a process that died leaves the others waiting at the start: stop them all
                dead = [proc.exitcode for proc in procs if proc.exitcode not in (None, 0)]
                if dead:
                    for proc in procs:
                        proc.terminate()
                    sys.exit("torch_throughput.py: a training process failed (exit %d)" % dead[0])
        for proc in procs:
            proc.join()
        rate = sum(n / t for n, t in done)
        measured = max(t for _, t in done)
        shape = {"threads": 1, "processes": a.processes,
                 "per_process_samples_per_s": [round(n / t, 1) for n, t in done]}
    print(json.dumps({"framework": "pytorch " + torch.__version__, "model": a.model, "batch": a.batch,
                      **shape, "warmup_epochs": a.warmup_epochs, "train_seconds": round(measured, 2),
                      "samples_per_s": round(rate, 1), "cpu_capability": cpu_capability(),
                      "blas": torch.__config__.show().count("OpenBLAS") > 0 and "openblas" or "other"}))


if __name__ == "__main__":
    main()
