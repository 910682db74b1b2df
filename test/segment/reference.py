#!/usr/bin/python3
"""scikit-image's and scipy's answers on the Colin27 T1 for the stages of cells/segment
(Otsu, ball morphology, hole filling, largest components, the classic brain mask): the
reference test/segment/*.test.ts hold Voxbook's stages to.

Run from the repository root with Debian's Python (python3-skimage 0.19, python3-scipy 1.10,
python3-nibabel 5.0):

    /usr/bin/python3 test/segment/reference.py [DATA_DIR] [OUT_JSON]

DATA_DIR defaults to data/mri-colin27, OUT_JSON to test/segment/reference.json ('-' prints
it). Masks are recorded as their voxel count and the SHA-256 of their 0/1 bytes in x-fastest
(Fortran) order, which is Voxbook's layout, so the tests compare them bit for bit.

The ball of radius r mm on spacing s is { offsets o : sum((o*s)**2) <= r*r*(1 + 1e-9) }, the
structuring element cells/segment/morphology.ts documents.
"""
import hashlib
import json
import os
import sys

import nibabel as nib
import numpy as np
import scipy
import skimage
from scipy import ndimage as ndi
from skimage.filters import threshold_otsu

ANISO = (0.9, 1.2, 2.0)  # spacing given to the tissue mask for the anisotropic cases


def ball(r, s=(1.0, 1.0, 1.0)):
    R = [int(np.floor(r / x)) for x in s]
    g = np.mgrid[-R[0]:R[0] + 1, -R[1]:R[1] + 1, -R[2]:R[2] + 1].astype(np.float64)
    d2 = (g[0] * s[0]) ** 2 + (g[1] * s[1]) ** 2 + (g[2] * s[2]) ** 2
    return d2 <= r * r * (1 + 1e-9)


def mask_figures(m):
    b = np.asfortranarray(m.astype(np.uint8)).tobytes(order='F')
    return {'voxels': int(m.sum()), 'sha256': hashlib.sha256(b).hexdigest()}


def largest(m, count=1, connectivity=26):
    structure = np.ones((3, 3, 3)) if connectivity == 26 else ndi.generate_binary_structure(3, 1)
    labels, n = ndi.label(m, structure)
    sizes = np.bincount(labels.ravel())[1:]
    order = sorted(range(n), key=lambda i: (-sizes[i], i))[:count]
    return np.isin(labels, [i + 1 for i in order]), sorted((int(sizes[i]) for i in order), reverse=True)


def dice(a, b):
    return float(2 * (a & b).sum() / (a.sum() + b.sum()))


def main():
    data = sys.argv[1] if len(sys.argv) > 1 else 'data/mri-colin27'
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), 'reference.json')
    t1 = np.asanyarray(nib.load(os.path.join(data, 'ch2.nii.gz')).dataobj)
    bet = np.asanyarray(nib.load(os.path.join(data, 'ch2bet.nii.gz')).dataobj) > 0
    assert t1.dtype == np.uint8 and t1.shape == (181, 217, 181)
    ref = {'versions': {'skimage': skimage.__version__, 'scipy': scipy.__version__, 'numpy': np.__version__}}

    # Otsu: skimage.filters.threshold_otsu on the values (masked: on t1[mask]).
    f32 = t1.astype(np.float32) * np.float32(0.37) + np.float32(1.5)
    f64 = t1.astype(np.float64) * 0.37 + 1.5
    i16 = t1.astype(np.int16) * np.int16(7) - np.int16(300)
    ref['otsu'] = {
        'uint8': float(threshold_otsu(t1)),
        'uint8 in ch2bet': float(threshold_otsu(t1[bet])),
        'int16 (7x - 300)': float(threshold_otsu(i16)),
        'float32 (0.37x + 1.5), 256 bins': float(threshold_otsu(f32, 256)),
        'float32 (0.37x + 1.5), 100 bins': float(threshold_otsu(f32, 100)),
        'float64 (0.37x + 1.5), 256 bins': float(threshold_otsu(f64, 256)),
        'float64 (0.37x + 1.5) in ch2bet, 64 bins': float(threshold_otsu(f64[bet], 64)),
    }

    tissue = t1 > ref['otsu']['uint8']
    ref['tissue'] = mask_figures(tissue)
    # Morphology with scipy (border_value 0), 1 mm isotropic and anisotropic spacing.
    b4 = ball(4)
    ba = ball(3.7, ANISO)
    ref['morphology'] = {
        'erosion r4': mask_figures(ndi.binary_erosion(tissue, b4)),
        'dilation r4': mask_figures(ndi.binary_dilation(tissue, b4)),
        'opening r4': mask_figures(ndi.binary_opening(tissue, b4)),
        'closing r4': mask_figures(ndi.binary_closing(tissue, b4)),
        'erosion r3.7 aniso': mask_figures(ndi.binary_erosion(tissue, ba)),
        'dilation r3.7 aniso': mask_figures(ndi.binary_dilation(tissue, ba)),
        'opening r3.7 aniso': mask_figures(ndi.binary_opening(tissue, ba)),
        'closing r3.7 aniso': mask_figures(ndi.binary_closing(tissue, ba)),
        'ball r3.7 aniso elements': int(ba.sum()),
        'ball r4 elements': int(b4.sum()),
    }
    # Hole filling: scipy's default structure (background 6-connected); per axial slice (axis 2).
    per_slice = np.stack([ndi.binary_fill_holes(tissue[:, :, k]) for k in range(tissue.shape[2])], axis=2)
    ref['fillHoles'] = {'3d': mask_figures(ndi.binary_fill_holes(tissue)), 'axis 2': mask_figures(per_slice)}
    # Largest components of the eroded tissue.
    eroded = ndi.binary_erosion(tissue, b4)
    l1, s1 = largest(eroded, 1, 26)
    l3, s3 = largest(eroded, 3, 6)
    ref['largest'] = {'count 1, 26': dict(mask_figures(l1), sizes=s1), 'count 3, 6': dict(mask_figures(l3), sizes=s3)}

    # The classic brain mask with classicBrainMask's defaults (opening 5 mm, closing 4 mm).
    b5 = ball(5)
    core, _ = largest(ndi.binary_erosion(tissue, b5), 1, 26)
    filled = ndi.binary_fill_holes(ndi.binary_dilation(core, b5))
    brain = ndi.binary_fill_holes(ndi.binary_closing(filled, b4))
    slab = slice(60, 90)
    ref['brain'] = dict(mask_figures(brain), dice=dice(brain, bet), diceSlab=dice(brain[:, :, slab], bet[:, :, slab]),
                        betVoxels=int(bet.sum()))

    text = json.dumps(ref, indent=1, sort_keys=True) + '\n'
    if out == '-':
        sys.stdout.write(text)
    else:
        with open(out, 'w') as f:
            f.write(text)


if __name__ == '__main__':
    main()
