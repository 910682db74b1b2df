"""Wall-thickness peer for bench/printability.ts: the same rays cast with VTK's
vtkOBBTree (C++, Debian's python3-vtk9), one Python call per ray
(vtkStaticCellLocator and vtkCellLocator do not implement the all-hits IntersectWithLine in 9.1).

Usage: printability-peer.py DIR   (DIR holds positions.bin float32, indices.bin uint32,
rays.bin float64 [ox, oy, oz, dx, dy, dz] per ray, vertex.bin int32: each ray's start vertex)
Prints one JSON line: {"vtk": version, "buildS": s, "castS": s, "t": [distance or -1 per ray]}.
"""
import json
import sys
import time
from array import array

import vtk
from vtk.util.numpy_support import numpy_to_vtk, numpy_to_vtkIdTypeArray
import numpy as np

d = sys.argv[1]
P = np.fromfile(d + '/positions.bin', dtype=np.float32).reshape(-1, 3).astype(np.float64)
I = np.fromfile(d + '/indices.bin', dtype=np.uint32).reshape(-1, 3)
R = np.fromfile(d + '/rays.bin', dtype=np.float64).reshape(-1, 6)
V0 = np.fromfile(d + '/vertex.bin', dtype=np.int32)

pts = vtk.vtkPoints()
pts.SetData(numpy_to_vtk(P, deep=1))
cells = np.hstack([np.full((len(I), 1), 3, dtype=np.int64), I.astype(np.int64)]).ravel()
ca = vtk.vtkCellArray()
ca.SetCells(len(I), numpy_to_vtkIdTypeArray(cells, deep=1))
poly = vtk.vtkPolyData()
poly.SetPoints(pts)
poly.SetPolys(ca)
t0 = time.perf_counter()
loc = vtk.vtkOBBTree()
loc.SetDataSet(poly)
loc.BuildLocator()
build = time.perf_counter() - t0

hits = vtk.vtkPoints()
ids = vtk.vtkIdList()
out = []
t0 = time.perf_counter()
for k in range(len(R)):
    o = R[k, :3]
    dirn = R[k, 3:]
    v = int(V0[k])
    p2 = o + 400.0 * dirn
    loc.IntersectWithLine(o, p2, hits, ids)
    best = -1.0
    for j in range(ids.GetNumberOfIds()):
        c = ids.GetId(j)
        tri = I[c]
        if tri[0] == v or tri[1] == v or tri[2] == v:
            continue
        x = hits.GetPoint(j)
        dist = float(np.dot(np.asarray(x) - o, dirn))
        if dist > 1e-6 and (best < 0 or dist < best):
            best = dist
    out.append(best)
cast = time.perf_counter() - t0
print(json.dumps({"vtk": vtk.vtkVersion.GetVTKVersion(), "buildS": build, "castS": cast, "t": out}))
