"""Shared by the VTK peers of the mesh benches (mesh-smooth-peer.py, mesh-decimate-peer.py):
the mesh a bench dumped, as vtkPolyData, and VTK held to one thread."""
import time

import numpy as np
import vtk
from vtk.util import numpy_support as ns


def load_polydata(d):
    """DIR/positions.bin (float32, xyz per vertex) and DIR/indices.bin (uint32, 3 per triangle) as
    vtkPolyData (triangles); also sets VTK's global thread limit to 1. Returns (polydata, triangles)."""
    pos = np.fromfile(f"{d}/positions.bin", dtype=np.float32).reshape(-1, 3)
    tri = np.fromfile(f"{d}/indices.bin", dtype=np.uint32).reshape(-1, 3).astype(np.int64)
    points = vtk.vtkPoints()
    points.SetData(ns.numpy_to_vtk(pos, deep=True))
    cells = vtk.vtkCellArray()
    offsets = np.arange(0, 3 * len(tri) + 1, 3, dtype=np.int64)
    cells.SetData(ns.numpy_to_vtkIdTypeArray(offsets, deep=True), ns.numpy_to_vtkIdTypeArray(tri.ravel(), deep=True))
    poly = vtk.vtkPolyData()
    poly.SetPoints(points)
    poly.SetPolys(cells)
    # Both thread pools: vtkMultiThreader (old-style filters) and vtkSMPTools (TBB here, used by
    # vtkWindowedSincPolyDataFilter, vtkFlyingEdges3D): without the second, TBB takes both cores
    # (smoothing the 675k-triangle CT mesh: ~145 ms on 2 threads vs ~295 ms on one).
    vtk.vtkMultiThreader.SetGlobalMaximumNumberOfThreads(1)
    vtk.vtkSMPTools.Initialize(1)
    return poly, len(tri)


def timed_updates(make_filter, repeats):
    """Runs `make_filter()` (a configured filter with its input set) `repeats` times, timing each
    Update() alone. Returns (wall seconds per run, the last run's output)."""
    times = []
    out = None
    for _ in range(repeats):
        f = make_filter()
        t0 = time.perf_counter()
        f.Update()
        times.append(time.perf_counter() - t0)
        out = f.GetOutput()
    return times, out
