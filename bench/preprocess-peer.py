#!/usr/bin/python3
"""scipy.ndimage peer of bench/preprocess.ts: times gaussian_filter and median_filter on the
head CT with the definitions Voxbook's gaussianFilter / medianFilter match (mode='nearest';
Gaussian on the float32 copy, σ in voxels per axis = σ_mm / spacing, truncate 4).

    /usr/bin/python3 bench/preprocess-peer.py path/to/Cranium.inv3 REPEATS

Prints one JSON object: versions, and per case the run times (s) and a SHA-256 of the output
bytes (little-endian), so the bench can show that both sides computed the same voxels.
"""
import hashlib
import json
import os
import plistlib
import sys
import tarfile
import time

import numpy as np
import scipy
from scipy import ndimage


def load_ct(path):
    """int16 HU, shape (nz, ny, nx), rows flipped as Voxbook's .inv3 reader flips them."""
    with tarfile.open(path, 'r:*') as tar:
        files = {os.path.basename(m.name): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    main = plistlib.loads(files['main.plist'])
    nz, ny, nx = main['matrix']['shape']
    a = np.frombuffer(files[main['matrix']['filename']], '<i2').reshape(nz, ny, nx)
    return np.ascontiguousarray(a[:, ::-1, :]), [float(s) for s in main['spacing']]


def main():
    path, repeats = sys.argv[1], int(sys.argv[2])
    ct, spacing = load_ct(path)
    sx, sy, sz = spacing
    cases = {
        'gaussian σ 1 mm': lambda: ndimage.gaussian_filter(ct.astype(np.float32), sigma=(1 / sz, 1 / sy, 1 / sx), mode='nearest', truncate=4.0),
        'gaussian σ 2 mm': lambda: ndimage.gaussian_filter(ct.astype(np.float32), sigma=(2 / sz, 2 / sy, 2 / sx), mode='nearest', truncate=4.0),
        'median 3×3×3': lambda: ndimage.median_filter(ct, size=3, mode='nearest'),
        'median 5×5×5': lambda: ndimage.median_filter(ct, size=5, mode='nearest'),
    }
    out = {'scipy': scipy.__version__, 'numpy': np.__version__, 'cases': {}}
    for name, f in cases.items():
        times, result = [], None
        for _ in range(repeats if '5×5×5' not in name else 1):
            t = time.perf_counter()
            result = f()
            times.append(time.perf_counter() - t)
        out['cases'][name] = {'seconds': times, 'sha256': hashlib.sha256(result.astype(result.dtype.newbyteorder('<')).tobytes()).hexdigest()}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
