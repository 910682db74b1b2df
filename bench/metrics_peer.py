#!/usr/bin/python3
"""The scipy / scikit-image peer of cells/metrics, with MONAI's conventions written out
(no MONAI here: Debian has no package for it).

- surface of a mask: mask XOR binary_erosion(mask, 6-neighbour cross, border_value=0);
- directed distances: distance_transform_edt(~surface_B, sampling=spacing)[surface_A];
- HD95: max of the two directed 95th percentiles (np.percentile, linear);
- ASSD: mean of the concatenated directed distances; surface Dice at tol: share <= tol.

Used by bench/metrics.ts (timing, same run) and test/fixtures/metrics/make-reference.py.

    /usr/bin/python3 bench/metrics_peer.py DIR [REPEATS]

DIR holds reference.bin and prediction.bin (uint8, x fastest) and meta.json
({"dims": [nx, ny, nz], "spacingMm": [sx, sy, sz], "toleranceMm": 1}); optionally
image_reference.bin / image_test.bin (int16) and "dataRange" for compareImages' peer.
Prints one JSON line: metrics and the median wall time of REPEATS runs (seconds).
"""
import json
import sys
import time

import numpy as np
from scipy import ndimage


def surface(mask):
    cross = ndimage.generate_binary_structure(3, 1)
    return mask & ~ndimage.binary_erosion(mask, structure=cross, border_value=0)


def mask_metrics(ref, pred, spacing_zyx, tol=1.0):
    """ref, pred: bool arrays (z, y, x); spacing in the same order (mm)."""
    ref = ref.astype(bool)
    pred = pred.astype(bool)
    nr, np_ = int(ref.sum()), int(pred.sum())
    both = int((ref & pred).sum())
    out = {
        'dice': 1.0 if nr + np_ == 0 else 2 * both / (nr + np_),
        'iou': 1.0 if nr + np_ == 0 else both / (nr + np_ - both),
        'sensitivity': (1.0 if np_ == 0 else 0.0) if nr == 0 else both / nr,
        'precision': (1.0 if nr == 0 else 0.0) if np_ == 0 else both / np_,
        'volumeDiffPercent': (0.0 if np_ == 0 else float('inf')) if nr == 0 else 100 * (np_ - nr) / nr,
        'referenceVoxels': nr,
        'predictionVoxels': np_,
    }
    if nr == 0 or np_ == 0:
        d = 0.0 if nr == np_ else float('inf')
        out.update(hdMm=d, hd95Mm=d, assdMm=d, surfaceDice=1.0 if nr == np_ else 0.0,
                   referenceSurfaceVoxels=0, predictionSurfaceVoxels=0)
        return out
    sr, sp = surface(ref), surface(pred)
    d_rp = ndimage.distance_transform_edt(~sp, sampling=spacing_zyx)[sr]
    d_pr = ndimage.distance_transform_edt(~sr, sampling=spacing_zyx)[sp]
    both_d = np.concatenate([d_rp, d_pr])
    out.update(
        hdMm=float(max(d_rp.max(), d_pr.max())),
        hd95Mm=float(max(np.percentile(d_rp, 95), np.percentile(d_pr, 95))),
        assdMm=float(both_d.mean()),
        surfaceDice=float((both_d <= tol).sum() / both_d.size),
        referenceSurfaceVoxels=int(sr.sum()),
        predictionSurfaceVoxels=int(sp.sum()),
    )
    return out


def image_metrics(ref, test, data_range, mask=None):
    """ref, test: arrays (z, y, x); SSIM per axial slice (skimage) and in 3D."""
    from skimage.metrics import structural_similarity
    a = ref.astype(np.float64)
    b = test.astype(np.float64)
    sel = np.ones(a.shape, bool) if mask is None else mask.astype(bool)
    d = (b - a)[sel]
    mse = float((d * d).mean())
    kw = dict(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=data_range)
    pad = 5
    if mask is None:
        ssim = float(np.mean([structural_similarity(a[z], b[z], **kw) for z in range(a.shape[0])]))
        ssim3d = float(structural_similarity(a, b, **kw))
    else:
        maps = np.stack([structural_similarity(a[z], b[z], full=True, **kw)[1] for z in range(a.shape[0])])
        ssim = float(maps[:, pad:-pad, pad:-pad][sel[:, pad:-pad, pad:-pad]].mean())
        s3 = structural_similarity(a, b, full=True, **kw)[1]
        ssim3d = float(s3[pad:-pad, pad:-pad, pad:-pad][sel[pad:-pad, pad:-pad, pad:-pad]].mean())
    return {
        'mse': mse,
        'mae': float(np.abs(d).mean()),
        'psnrDb': float('inf') if mse == 0 else float(10 * np.log10(data_range ** 2 / mse)),
        'ssim': ssim,
        'ssim3d': ssim3d,
    }


def main():
    folder = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    meta = json.load(open(f'{folder}/meta.json'))
    nx, ny, nz = meta['dims']
    shape = (nz, ny, nx)
    spacing = tuple(reversed(meta['spacingMm']))
    ref = np.fromfile(f'{folder}/reference.bin', np.uint8).reshape(shape).astype(bool)
    pred = np.fromfile(f'{folder}/prediction.bin', np.uint8).reshape(shape).astype(bool)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        m = mask_metrics(ref, pred, spacing, meta.get('toleranceMm', 1.0))
        times.append(time.perf_counter() - t0)
    result = {'masks': m, 'masksSeconds': sorted(times)[len(times) // 2], 'masksRuns': times}
    if 'dataRange' in meta:
        a = np.fromfile(f'{folder}/image_reference.bin', np.int16).reshape(shape)
        b = np.fromfile(f'{folder}/image_test.bin', np.int16).reshape(shape)
        times = []
        for _ in range(max(1, repeats // 2)):
            t0 = time.perf_counter()
            from skimage.metrics import structural_similarity
            af, bf = a.astype(np.float64), b.astype(np.float64)
            d = bf - af
            mse = float((d * d).mean())
            ssim = float(np.mean([structural_similarity(af[z], bf[z], gaussian_weights=True, sigma=1.5,
                                                        use_sample_covariance=False, data_range=meta['dataRange'])
                                  for z in range(af.shape[0])]))
            times.append(time.perf_counter() - t0)
        result['images'] = {'mse': mse, 'mae': float(np.abs(d).mean()),
                            'psnrDb': float(10 * np.log10(meta['dataRange'] ** 2 / mse)), 'ssim': ssim}
        result['imagesSeconds'] = sorted(times)[len(times) // 2]
        result['imagesRuns'] = times
    print(json.dumps(result))


if __name__ == '__main__':
    main()
