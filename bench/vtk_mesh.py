"""Shared by the VTK peers of the mesh benches (mesh-smooth-peer.py, mesh-decimate-peer.py):
the mesh a bench dumped, as vtkPolyData, and VTK held to one thread."""
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
    vtk.vtkMultiThreader.SetGlobalMaximumNumberOfThreads(1)
    return poly, len(tri)
