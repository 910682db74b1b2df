#!/usr/bin/python3
"""VTK's peer of decimateMesh (bench/mesh-decimate.ts): vtkQuadricDecimation from Debian's
python3-vtk9 (VTK C++, one thread) on the mesh bench/mesh-decimate.ts dumped.

    /usr/bin/python3 bench/mesh-decimate-peer.py DIR TARGET [REPEATS]

DIR holds positions.bin (float32, xyz per vertex), indices.bin (uint32, 3 per triangle).
Decimates to TARGET triangles (TargetReduction = 1 - TARGET / T, VTK's defaults otherwise:
no volume preservation, no attribute error), REPEATS times; writes DIR/vtk_positions.bin and
DIR/vtk_indices.bin of the last run and prints one JSON line with every run's wall time in
seconds and the output's triangle count.
"""
import json
import sys

import numpy as np
import vtk
from vtk.util import numpy_support as ns

from vtk_mesh import load_polydata, timed_updates


def main():
    d = sys.argv[1]
    target = int(sys.argv[2])
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    poly, triangles = load_polydata(d)

    def make():
        f = vtk.vtkQuadricDecimation()
        f.SetInputData(poly)
        f.SetTargetReduction(1.0 - target / triangles)
        return f

    times, out = timed_updates(make, repeats)
    ns.vtk_to_numpy(out.GetPoints().GetData()).astype(np.float32).tofile(f"{d}/vtk_positions.bin")
    conn = ns.vtk_to_numpy(out.GetPolys().GetConnectivityArray()).astype(np.uint32)
    conn.tofile(f"{d}/vtk_indices.bin")
    print(json.dumps({"vtk": vtk.vtkVersion.GetVTKVersion(), "times": times, "triangles": int(out.GetNumberOfPolys())}))


main()
