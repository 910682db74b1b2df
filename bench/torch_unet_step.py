#!/usr/bin/python3
"""PyTorch peer of bench/unet-step.ts: one training step of the issue-12 U-Net.

The same network as cells/learn/unet.ts (depth 3, 16 base channels, 128x128x1 input;
Conv2d 3x3 with bias + BatchNorm2d + ReLU twice per block, MaxPool 2, ConvTranspose2d 2x2
stride 2, concat [up, skip], 1x1 head to one logit): 484,561 parameters counting
BatchNorm's running statistics, 483,153 trainable (asserted). One step = forward, BCE with
logits, backward, Adam (lr 1e-3) on a batch of 8 random images and masks.

Usage: /usr/bin/python3 bench/torch_unet_step.py [--threads N] [--steps S] [--warmup W]
Prints one JSON line: {"stepSeconds": median wall time, "cpuStepSeconds": median CPU time
(time.process_time, all threads of the process), "steps": [...], "threads": N,
"inferSliceSeconds": median per 128x128 slice (batch 8 / 8, eval mode, no grad), ...}.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=True), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=True), nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True),
    )


class UNet2d(nn.Module):
    def __init__(self, depth=3, c=16, cin=1):
        super().__init__()
        self.enc = nn.ModuleList()
        ch = cin
        for i in range(depth):
            self.enc.append(block(ch, c * 2 ** i))
            ch = c * 2 ** i
        self.pool = nn.MaxPool2d(2)
        self.mid = block(ch, c * 2 ** depth)
        ch = c * 2 ** depth
        self.up = nn.ModuleList()
        self.dec = nn.ModuleList()
        for i in reversed(range(depth)):
            self.up.append(nn.ConvTranspose2d(ch, c * 2 ** i, 2, stride=2, bias=True))
            self.dec.append(block(2 * c * 2 ** i, c * 2 ** i))
            ch = c * 2 ** i
        self.head = nn.Conv2d(ch, 1, 1, bias=True)

    def forward(self, x):
        skips = []
        for e in self.enc:
            x = e(x)
            skips.append(x)
            x = self.pool(x)
        x = self.mid(x)
        for up, dec in zip(self.up, self.dec):
            x = up(x)
            x = dec(torch.cat([x, skips.pop()], dim=1))
        return self.head(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=2)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--profile', action='store_true', help='add a per-op breakdown of one step (torch.profiler, self CPU ms)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = UNet2d()
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    stats = sum(b.numel() for n, b in model.named_buffers() if n.endswith('running_mean') or n.endswith('running_var'))
    assert trainable == 483153, trainable
    assert trainable + stats == 484561, trainable + stats
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    x = torch.randn(args.batch, 1, 128, 128)
    y = (torch.rand(args.batch, 1, 128, 128) > 0.5).float()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    model.train()
    for _ in range(args.warmup):
        step()
    times = []
    cpu_times = []
    losses = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        c0 = time.process_time()
        losses.append(step())
        cpu_times.append(time.process_time() - c0)
        times.append(time.perf_counter() - t0)
    breakdown = None
    if args.profile:
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            step()
        rows = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
        breakdown = [{'op': e.key, 'ms': round(e.self_cpu_time_total / 1000, 2), 'calls': e.count} for e in rows[:15]]
    model.eval()
    infer = []
    with torch.no_grad():
        model(x)
        for _ in range(args.steps):
            t0 = time.perf_counter()
            model(x)
            infer.append((time.perf_counter() - t0) / args.batch)
    print(json.dumps({
        'stepSeconds': statistics.median(times), 'steps': times, 'threads': args.threads,
        'cpuStepSeconds': statistics.median(cpu_times), 'cpuSteps': cpu_times,
        'inferSliceSeconds': statistics.median(infer), 'params': trainable + stats, 'trainable': trainable,
        'torch': torch.__version__, 'mkldnn': torch.backends.mkldnn.is_available(),
        'firstLoss': losses[0], 'lastLoss': losses[-1], 'profile': breakdown,
    }))


if __name__ == '__main__':
    main()
