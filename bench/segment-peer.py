#!/usr/bin/python3
"""scipy.ndimage's times for the operations of cells/segment on the Colin27 T1 (181x217x181,
1 mm), to set beside Voxbook's: best of 3, one thread, milliseconds, one JSON line.

    /usr/bin/python3 bench/segment-peer.py [data/mri-colin27/ch2.nii.gz]

Same inputs as the Voxbook side: tissue = T1 > 49 (Otsu), ball of radius r mm =
{ o : |o|^2 <= r^2 (1 + 1e-9) }, the brain pipeline of cells/segment/brain.ts with its defaults.
"""
import json
import sys
import time

import nibabel as nib
import numpy as np
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu


def ball(r):
    R = int(np.floor(r))
    g = np.mgrid[-R:R + 1, -R:R + 1, -R:R + 1]
    return (g ** 2).sum(0) <= r * r * (1 + 1e-9)


def best(f, n=3):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return round(min(ts) * 1000)


def brain(t1):
    tissue = t1 > threshold_otsu(t1)
    labels, _ = ndi.label(ndi.binary_erosion(tissue, ball(5)), np.ones((3, 3, 3)))
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    core = labels == sizes.argmax()
    filled = ndi.binary_fill_holes(ndi.binary_dilation(core, ball(5)))
    return ndi.binary_fill_holes(ndi.binary_closing(filled, ball(4)))


t1 = np.asanyarray(nib.load(sys.argv[1] if len(sys.argv) > 1 else 'data/mri-colin27/ch2.nii.gz').dataobj)
m = t1 > 49
print(json.dumps({
    'otsu': best(lambda: threshold_otsu(t1)),
    'erosion r4': best(lambda: ndi.binary_erosion(m, ball(4))),
    'dilation r4': best(lambda: ndi.binary_dilation(m, ball(4))),
    'erosion r8': best(lambda: ndi.binary_erosion(m, ball(8)), 1),
    'closing r4': best(lambda: ndi.binary_closing(m, ball(4)), 1),
    'fill holes': best(lambda: ndi.binary_fill_holes(m)),
    'largest component (26)': best(lambda: ndi.label(m, np.ones((3, 3, 3)))),
    'brain pipeline': best(lambda: brain(t1), 1),
}))
