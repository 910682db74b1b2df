#!/usr/bin/python3
"""Train and export models/brain-unet-small.onnx: a small 2-D U-Net for brain masking on
axial slices of the Colin27 T1 MRI (mricron-data, BSD-3-clause), with Debian's python3-torch.

    /usr/bin/python3 models/train_brain_unet_small.py [--data data/mri-colin27] [--out models]

Writes (all under --out):
  brain-unet-small.onnx           the model (opset 17, input "image" [batch, 1, 128, 128]
                                  float32, output "logits" [batch, 1, 128, 128])
  reference/k75.input.f32         the preprocessed test slice k = 75, 128*128 float32 LE
  reference/k75.logits.f32        PyTorch's logits on it (eval mode), 128*128 float32 LE
  reference/reference.json        slice, shapes, Dice figures, training log summary
  testdata/*.onnx                 tiny models of the wrong shape (and two odd ones that fit),
                                  for the tests; --testdata-only rewrites just these

Slice recipe: Voxbook's own, as sliceDataset and predictVolume (axis 2) compute it, so that
predictVolume(await loadOnnxModel('models/brain-unet-small.onnx'), t1) feeds the model what it
was trained on (docs in models/README.md; test/learn/onnx.test.ts checks the input against
Voxbook's functions, bit for bit on ch2):
  norm     = intensityNormalization(ch2) (cells/learn/normalize.ts): lo, hi = numpy's linear
             0.5th / 99.5th percentiles of all voxels; z = (clip(v, lo, hi) - mean) / std, the
             mean and population std of the clipped voxels; float64, stored as float32
  slice    = z(ch2[:, :, k]).T: row y = j (217), column x = i (181), x fastest
  square   = 217 x 217 filled with (lo - mean) / std, the slice at column offset 18, row 0
             (sliceGeometry / toModelSquare, cells/learn/dataset.ts: centred pad to max(w, h))
  x        = half-pixel bilinear resize 217 -> 128 (resizeSquare: rows first in float64,
             then columns, rounded to float32 once)
Target: (ch2bet[:, :, k] != 0) squared the same way with padding 0, then >= 0.5.
Dice is measured at the native 181 x 217 grid as predictVolume + probabilityToMask do it:
sigmoid, resize 128 -> 217 by the same rule, crop, clip to [0, 1], p >= 0.5; reference
ch2bet != 0.
Axis mapping: nibabel's ch2[i, j, k] is Voxbook's volume.data[i + 181 * (j + 217 * k)].

Split by axial slab (voxel index k of the third axis, as in issue 12): test k 60-89, nothing
from k 55-94 used for training, validation k 110-119, training the rest (131 slices).
"""
import argparse
import json
import math
import os
import time

import nibabel as nib
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIZE = 128
TEST_K = 75
SEED = 20261127
LOW_PERCENT, HIGH_PERCENT = 0.5, 99.5  # cells/learn/normalize.ts's defaults


def normalization(vol):
    """intensityNormalization (cells/learn/normalize.ts) of the whole volume.

    lo, hi = numpy's default (linear) 0.5th and 99.5th percentiles of all voxels; mean and
    population std of the clipped voxels. The sums are taken one voxel after another in the
    order of our volume.data (x fastest: nibabel's array flattened in Fortran order), as the
    TypeScript loop does (np.cumsum accumulates sequentially; np.sum would sum pairwise).
    """
    v = np.asarray(vol, dtype=np.float64).ravel(order='F')
    lo = float(np.percentile(v, LOW_PERCENT))
    hi = float(np.percentile(v, HIGH_PERCENT))
    c = np.clip(v, lo, hi)
    mean = float(np.cumsum(c)[-1]) / v.size
    d = c - mean
    std = math.sqrt(float(np.cumsum(d * d)[-1]) / v.size)
    return {'lo': lo, 'hi': hi, 'mean': mean, 'std': std}


def resize_table(n_from, n_to):
    """dataset.ts's resizeTable: half-pixel bilinear sample positions, clamped to [0, from - 1]."""
    i0 = np.zeros(n_to, dtype=np.int64)
    i1 = np.zeros(n_to, dtype=np.int64)
    t = np.zeros(n_to, dtype=np.float64)
    for d in range(n_to):
        s = float(d) if n_from == n_to else ((d + 0.5) * n_from) / n_to - 0.5
        s = min(max(s, 0.0), n_from - 1.0)
        f = math.floor(s)
        i0[d], i1[d], t[d] = f, min(f + 1, n_from - 1), s - f
    return i0, i1, t


def resize_square(src, n_to):
    """dataset.ts's resizeSquare: float32 m x m (row y, column x) -> float32 n_to x n_to; rows
    (x) first into float64, then columns (y), rounded to float32 once at the end."""
    m = src.shape[0]
    if m == n_to:
        return src.copy()
    i0, i1, t = resize_table(m, n_to)
    s = src.astype(np.float64)
    w = t[None, :]
    tmp = np.where(w == 0, s[:, i0], (1 - w) * s[:, i0] + w * s[:, i1])  # [y, d]
    w = t[:, None]
    out = np.where(w == 0, tmp[i0, :], (1 - w) * tmp[i0, :] + w * tmp[i1, :])  # [d, x]
    return out.astype(np.float32)


def geometry(ni, nj):
    """sliceGeometry(dims, 2, SIZE): width = ni (x = i), height = nj (y = j), centred square."""
    m = max(ni, nj)
    return {'width': ni, 'height': nj, 'square': m, 'offsetX': (m - ni) // 2, 'offsetY': (m - nj) // 2}


def to_model_square(slice_yx, geo, pad_value):
    """toModelSquare: float32 height x width slice (row y, column x) -> SIZE x SIZE float32."""
    m = geo['square']
    padded = np.full((m, m), np.float32(pad_value), dtype=np.float32)
    padded[geo['offsetY']:geo['offsetY'] + geo['height'], geo['offsetX']:geo['offsetX'] + geo['width']] = slice_yx
    return resize_square(padded, SIZE)


def from_model_square(square, geo):
    """fromModelSquare: SIZE x SIZE -> resize to m x m by the same rule -> crop to height x width."""
    full = resize_square(square.astype(np.float32), geo['square'])
    return full[geo['offsetY']:geo['offsetY'] + geo['height'], geo['offsetX']:geo['offsetX'] + geo['width']]


def image_slice(t1, k, norm, geo):
    """The model's input for axial slice k, as predictVolume builds it: readSlice with
    normalizeValue (float64, stored as float32), then toModelSquare padded with the
    normalised lower clip bound (normalizedFloor). Row y = j, column x = i."""
    v = t1[:, :, k].astype(np.float64).T  # (j, i)
    z = ((np.clip(v, norm['lo'], norm['hi']) - norm['mean']) / norm['std']).astype(np.float32)
    background = (norm['lo'] - norm['mean']) / norm['std']
    return to_model_square(z, geo, background)


def mask_slice(bet, k, geo):
    """sliceDataset's target: ch2bet != 0 as 0/1, toModelSquare padded with 0, then >= 0.5."""
    m = (bet[:, :, k] != 0).astype(np.float32).T
    return (to_model_square(m, geo, 0.0) >= 0.5).astype(np.float32)


def sigmoid(z):
    """predict.ts's sigmoid, float64 on float32 logits, stored as float32."""
    z = z.astype(np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)).astype(np.float32)


def predicted_mask(logits, geo):
    """predictVolume (tta 'none') then probabilityToMask(p, 0.5) for one slice: sigmoid in the
    model square, fromModelSquare back to the slice's voxels, clip to [0, 1], p >= 0.5.
    Returns (i, j) booleans like nibabel's slice."""
    p = np.clip(from_model_square(sigmoid(logits), geo), 0, 1)
    return (p >= 0.5).T


def native_overlap(logits, bet, k, geo):
    """Voxels in common, predicted and in ch2bet[:, :, k] != 0 at the native 181 x 217 grid."""
    pred = predicted_mask(logits, geo)
    ref = bet[:, :, k] != 0
    return int((pred & ref).sum()), int(pred.sum()), int(ref.sum())


def dice_of(inter, a, b):
    return 1.0 if a + b == 0 else 2.0 * inter / (a + b)


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class SmallUNet(nn.Module):
    """Depth 2 (two 2x2 max-pools), 8 base channels: 8-16-32-16-8, 1x1 head to one logit."""

    def __init__(self, base=8):
        super().__init__()
        self.enc1 = block(1, base)
        self.enc2 = block(base, 2 * base)
        self.mid = block(2 * base, 4 * base)
        self.up2 = nn.ConvTranspose2d(4 * base, 2 * base, 2, stride=2)
        self.dec2 = block(4 * base, 2 * base)
        self.up1 = nn.ConvTranspose2d(2 * base, base, 2, stride=2)
        self.dec1 = block(2 * base, base)
        self.head = nn.Conv2d(base, 1, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], dim=1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
        return self.head(d1)


def bce_dice(logits, target):
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    inter = (p * target).sum(dim=(1, 2, 3))
    den = p.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3))
    dice = (2 * inter + 1) / (den + 1)
    return bce + (1 - dice).mean()


def augment(x, y, gen):
    """Seeded: flips along either axis, shift up to 8 px (wrapping), intensity x U(0.8, 1.2) +
    U(-0.1, 0.1) on every pixel (z-scored input: the background is no longer 0)."""
    n = x.shape[0]
    x, y = x.clone(), y.clone()
    for b in range(n):
        if torch.rand(1, generator=gen).item() < 0.5:
            x[b], y[b] = x[b].flip(-1), y[b].flip(-1)
        if torch.rand(1, generator=gen).item() < 0.5:
            x[b], y[b] = x[b].flip(-2), y[b].flip(-2)
        dy, dx = (torch.randint(-8, 9, (2,), generator=gen)).tolist()
        x[b] = torch.roll(x[b], (dy, dx), dims=(-2, -1))
        y[b] = torch.roll(y[b], (dy, dx), dims=(-2, -1))
        s = 0.8 + 0.4 * torch.rand(1, generator=gen).item()
        o = -0.1 + 0.2 * torch.rand(1, generator=gen).item()
        x[b] = x[b] * s + o
    return x, y


def wrong_models(out_dir):
    """Tiny models for loadOnnxModel's tests (committed under testdata/): four it must refuse, two it must take."""
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)

    class Two(nn.Module):
        def __init__(self):
            super().__init__()
            self.c = nn.Conv2d(1, 1, 3, padding=1)

        def forward(self, x):
            y = self.c(x)
            return y, -y

    cases = [
        ('three-channels.onnx', nn.Conv2d(3, 1, 3, padding=1), (1, 3, 32, 32), ['logits']),
        ('not-square.onnx', nn.Conv2d(1, 1, 3, padding=1), (1, 1, 64, 32), ['logits']),
        ('two-output-channels.onnx', nn.Conv2d(1, 2, 3, padding=1), (1, 1, 32, 32), ['logits']),
        ('two-outputs.onnx', Two(), (1, 1, 32, 32), ['logits', 'negated']),
    ]
    for name, net, shape, outs in cases:
        net.eval()
        torch.onnx.export(net, torch.zeros(shape), os.path.join(out_dir, name), opset_version=17,
                          input_names=['image'], output_names=outs,
                          dynamic_axes={'image': {0: 'batch'}, **{o: {0: 'batch'} for o in outs}})
    # Models that fit, in the less common ways: a fixed batch of 2 (no dynamic axis), and
    # height and width left symbolic (the caller must give inputSize).
    conv = nn.Conv2d(1, 1, 3, padding=1).eval()
    torch.onnx.export(conv, torch.zeros(2, 1, 32, 32), os.path.join(out_dir, 'fixed-batch-2.onnx'), opset_version=17,
                      input_names=['image'], output_names=['logits'])
    torch.onnx.export(conv, torch.zeros(1, 1, 32, 32), os.path.join(out_dir, 'any-size.onnx'), opset_version=17,
                      input_names=['image'], output_names=['logits'],
                      dynamic_axes={'image': {0: 'batch', 2: 'height', 3: 'width'}, 'logits': {0: 'batch', 2: 'height', 3: 'width'}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='data/mri-colin27')
    ap.add_argument('--out', default='models')
    ap.add_argument('--epochs', type=int, default=40)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--testdata-only', action='store_true', help='only (re)write testdata/*.onnx')
    args = ap.parse_args()
    if args.testdata_only:
        wrong_models(os.path.join(args.out, 'testdata'))
        return
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(SEED)

    t1 = np.asanyarray(nib.load(os.path.join(args.data, 'ch2.nii.gz')).dataobj)
    bet = np.asanyarray(nib.load(os.path.join(args.data, 'ch2bet.nii.gz')).dataobj)
    assert t1.shape == (181, 217, 181) and t1.dtype == np.uint8, (t1.shape, t1.dtype)
    nz = t1.shape[2]
    test_k = list(range(60, 90))
    val_k = list(range(110, 120))
    train_k = [k for k in range(nz) if not (55 <= k <= 94) and k not in val_k]

    norm = normalization(t1)  # per volume, of the image alone (as predictVolume): no labels used
    geo = geometry(t1.shape[0], t1.shape[1])

    def stack(ks):
        x = np.stack([image_slice(t1, k, norm, geo) for k in ks])[:, None]
        y = np.stack([mask_slice(bet, k, geo) for k in ks])[:, None]
        return torch.from_numpy(x), torch.from_numpy(y)

    xtr, ytr = stack(train_k)
    xva, yva = stack(val_k)
    model = SmallUNet()
    n_params = sum(p.numel() for p in model.parameters())
    n_buffers = sum(b.numel() for n, b in model.named_buffers() if not n.endswith('num_batches_tracked'))
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    batch = 16
    t0 = time.time()
    best = (-1.0, None, -1)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(train_k), generator=gen)
        total = 0.0
        for s in range(0, len(perm), batch):
            idx = perm[s:s + batch]
            x, y = augment(xtr[idx], ytr[idx], gen)
            opt.zero_grad()
            loss = bce_dice(model(x), y)
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        sched.step()
        model.eval()
        with torch.no_grad():
            lv = model(xva).numpy()[:, 0]
        vd = np.mean([dice_of(*native_overlap(lv[i], bet, k, geo)) for i, k in enumerate(val_k)])
        if vd > best[0]:
            best = (vd, {k: v.clone() for k, v in model.state_dict().items()}, epoch)
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f'epoch {epoch:3d} loss {total / len(train_k):.4f} val Dice {vd:.4f} ({time.time() - t0:.0f} s)', flush=True)
    train_seconds = time.time() - t0
    model.load_state_dict(best[1])
    model.eval()

    # Test slab: Dice per slice and over the slab (native grid).
    xte, _ = stack(test_k)
    with torch.no_grad():
        lt = model(xte).numpy()[:, 0]
    inter = a = b = 0
    per_slice = {}
    for i, k in enumerate(test_k):
        ii, aa, bb = native_overlap(lt[i], bet, k, geo)
        per_slice[k] = dice_of(ii, aa, bb)
        inter, a, b = inter + ii, a + aa, b + bb
    slab_dice = 2 * inter / (a + b)

    os.makedirs(os.path.join(args.out, 'reference'), exist_ok=True)
    onnx_path = os.path.join(args.out, 'brain-unet-small.onnx')
    torch.onnx.export(model, torch.zeros(1, 1, SIZE, SIZE), onnx_path, opset_version=17,
                      input_names=['image'], output_names=['logits'],
                      dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}})
    x_ref = image_slice(t1, TEST_K, norm, geo)
    with torch.no_grad():
        l_ref = model(torch.from_numpy(x_ref)[None, None]).numpy()[0, 0].astype('<f4')
    x_ref.astype('<f4').tofile(os.path.join(args.out, 'reference', f'k{TEST_K}.input.f32'))
    l_ref.tofile(os.path.join(args.out, 'reference', f'k{TEST_K}.logits.f32'))
    i_ref, a_ref, b_ref = native_overlap(l_ref, bet, TEST_K, geo)
    d_ref = dice_of(i_ref, a_ref, b_ref)
    info = {
        'model': 'brain-unet-small.onnx',
        'torch': torch.__version__,
        'size': SIZE,
        'recipe': 'voxbook predictVolume (axis 2): intensityNormalization 0.5/99.5 + z-score per volume, centred pad to max(w, h), half-pixel bilinear resize',
        'normalization': {'lowPercent': LOW_PERCENT, 'highPercent': HIGH_PERCENT, **norm},
        'geometry': {**geo, 'size': SIZE},
        'parameters': n_params, 'batchNormStatistics': n_buffers,
        'epochs': args.epochs, 'bestEpoch': best[2], 'validationDice': round(float(best[0]), 6),
        'trainSeconds': round(train_seconds, 1), 'threads': args.threads,
        'trainSlices': len(train_k), 'seed': SEED,
        'slice': {'k': TEST_K, 'dice': d_ref, 'intersection': i_ref, 'predicted': a_ref, 'reference': b_ref,
                  'logitMin': float(l_ref.min()), 'logitMax': float(l_ref.max())},
        'testSlab': {'k': [60, 89], 'dice': slab_dice, 'perSlice': {str(k): round(v, 6) for k, v in per_slice.items()}},
    }
    with open(os.path.join(args.out, 'reference', 'reference.json'), 'w') as f:
        json.dump(info, f, indent=1)
        f.write('\n')
    wrong_models(os.path.join(args.out, 'testdata'))
    print(json.dumps({k: v for k, v in info.items() if k != 'testSlab'}, indent=1))
    print(f'test slab k 60-89 Dice {slab_dice:.4f}; slice k {TEST_K} Dice {d_ref:.4f}; trained in {train_seconds:.0f} s')


if __name__ == '__main__':
    main()
