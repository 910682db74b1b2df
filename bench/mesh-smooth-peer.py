#!/usr/bin/python3
"""VTK's peer of smoothMesh (bench/mesh-smooth.ts): vtkWindowedSincPolyDataFilter from Debian's
python3-vtk9 (VTK C++, one thread) on the mesh bench/mesh-smooth.ts dumped.

    /usr/bin/python3 bench/mesh-smooth-peer.py DIR [REPEATS]

DIR holds positions.bin (float32, xyz per vertex), indices.bin (uint32, 3 per triangle).
Runs the filter with VTK's defaults (20 iterations, pass band 0.1, boundary smoothing on,
feature-edge and non-manifold smoothing off) plus NormalizeCoordinatesOn, REPEATS times;
writes DIR/vtk_positions.bin (float32, same vertex order) and prints one JSON line with the
median wall time in seconds and every run's time in order.
"""
import json
import sys

import numpy as np
import vtk
from vtk.util import numpy_support as ns

from vtk_mesh import load_polydata, timed_updates


def main():
    d = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    poly, triangles = load_polydata(d)

    def make():
        f = vtk.vtkWindowedSincPolyDataFilter()
        f.SetInputData(poly)
        f.SetNumberOfIterations(20)
        f.SetPassBand(0.1)
        f.NormalizeCoordinatesOn()
        return f

    times, out = timed_updates(make, repeats)
    ns.vtk_to_numpy(out.GetPoints().GetData()).astype(np.float32).tofile(f"{d}/vtk_positions.bin")
    print(json.dumps({"vtk": vtk.vtkVersion.GetVTKVersion(), "seconds": sorted(times)[len(times) // 2], "times": times, "points": int(out.GetNumberOfPoints())}))


main()
