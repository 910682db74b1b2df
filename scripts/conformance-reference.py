#!/usr/bin/python3
"""pydicom's figures for every file of the DICOM conformance sample, as the reference
that test/cells/dicom-conformance.test.ts holds Voxbook's DICOM reader to.

Run with Debian's Python (python3-pydicom 2.3, numpy; python3-gdcm optional):

    /usr/bin/python3 scripts/conformance-reference.py [DATA_DIR] [OUT_JSON]

DATA_DIR defaults to data/dicom-conformance, OUT_JSON to
test/fixtures/dicom-conformance/pydicom-reference.json. With OUT_JSON '-' the JSON goes
to stdout (the test uses this to check that the committed file is current).

For each *.dcm file, in name order: rows, columns, frames, samples per pixel, bits
allocated, transfer syntax, photometric interpretation, and either the shape and
min/max/mean of pixel_array after apply_modality_lut (RescaleSlope/Intercept, or a
modality LUT), or why pydicom could not give a pixel array. Decoders are tried one at a
time, pure ones (numpy, RLE, Pillow, JPEG-LS) before GDCM, and the one that worked is
recorded, so that most figures do not come from the library Voxbook itself uses.
"""
import json
import os
import sys
import warnings

import numpy as np
import pydicom
from pydicom.pixel_data_handlers import (gdcm_handler, jpeg_ls_handler, numpy_handler,
                                         pillow_handler, pylibjpeg_handler, rle_handler)
from pydicom.pixel_data_handlers.util import apply_modality_lut

HANDLERS = [numpy_handler, rle_handler, pillow_handler, jpeg_ls_handler, pylibjpeg_handler, gdcm_handler]


def text(ds, keyword):
    v = ds.get(keyword)
    return None if v is None or v == '' else str(v)


def integer(ds, keyword):
    v = ds.get(keyword)
    try:
        return None if v is None or v == '' else int(v)
    except (TypeError, ValueError):
        return None


def decode(ds):
    ds._pixel_array = None
    ds._pixel_id = {}
    return ds.pixel_array.copy()


def pixels(ds):
    """(array, handler name) from the first handler that decodes, or raises the last error."""
    ts = ds.file_meta.get('TransferSyntaxUID') if hasattr(ds, 'file_meta') else None
    errors = []
    for h in HANDLERS:
        name = h.__name__.rsplit('.', 1)[-1]
        if not h.is_available() or (ts is not None and not h.supports_transfer_syntax(ts)):
            continue
        pydicom.config.pixel_data_handlers = [h]
        try:
            a = decode(ds)
            # A decoder that reads past a damaged stream can return uninitialised memory:
            # decode twice and accept only a repeatable result.
            b = decode(ds)
            if a.shape != b.shape or not np.array_equal(a, b):
                errors.append(f'{name}: two decodes of the same data differ (the decoder read uninitialised memory), so there is no reference')
                continue
            return a, name
        except Exception as e:  # noqa: BLE001 — any decoder failure is a figure to record
            errors.append(f'{name}: {type(e).__name__}: {e}')
    raise RuntimeError('; '.join(errors) if errors else f'no pixel data handler supports transfer syntax {ts}')


def figures(path):
    out = {}
    try:
        ds = pydicom.dcmread(path, force=True)
    except Exception as e:  # noqa: BLE001
        return {'error': f'pydicom cannot read the file: {type(e).__name__}: {e}'}
    meta = getattr(ds, 'file_meta', None)
    out['transferSyntax'] = str(meta.TransferSyntaxUID) if meta is not None and 'TransferSyntaxUID' in meta else None
    out['sopClass'] = text(ds, 'SOPClassUID')
    out['modality'] = text(ds, 'Modality')
    out['rows'] = integer(ds, 'Rows')
    out['columns'] = integer(ds, 'Columns')
    out['frames'] = integer(ds, 'NumberOfFrames')
    out['samplesPerPixel'] = integer(ds, 'SamplesPerPixel')
    out['bitsAllocated'] = integer(ds, 'BitsAllocated')
    out['photometric'] = text(ds, 'PhotometricInterpretation')
    if 'PixelData' not in ds:
        out['error'] = 'no Pixel Data (7FE0,0010): not an image'
        return out
    try:
        a, handler = pixels(ds)
    except Exception as e:  # noqa: BLE001
        out['error'] = f'pydicom cannot decode the pixel data: {e}'
        return out
    out['handler'] = handler
    out['shape'] = list(a.shape)
    if (out['samplesPerPixel'] or 1) == 1:
        m = apply_modality_lut(a, ds).astype(np.float64)
        out['min'] = float(m.min())
        out['max'] = float(m.max())
        out['mean'] = float(m.mean())
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, 'data', 'dicom-conformance')
    dest = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, 'test', 'fixtures', 'dicom-conformance', 'pydicom-reference.json')
    warnings.simplefilter('ignore')
    files = {}
    for name in sorted(n for n in os.listdir(data) if n.endswith('.dcm')):
        files[name] = figures(os.path.join(data, name))
    doc = {
        'generator': 'scripts/conformance-reference.py',
        'pydicom': pydicom.__version__,
        'numpy': np.__version__,
        'files': files,
    }
    text_out = json.dumps(doc, indent=1, sort_keys=False) + '\n'
    if dest == '-':
        sys.stdout.write(text_out)
    else:
        with open(dest, 'w') as f:
            f.write(text_out)


if __name__ == '__main__':
    main()
