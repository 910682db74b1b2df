#!/usr/bin/python3
"""VTK C++ peers of Voxbook's mesh stages, for `npm run bench` (bench/run.ts): Debian's
python3-vtk9, one thread. A long-lived process driven by JSON lines on stdin, so the bench can
alternate ours and VTK's runs in one session (each reply one JSON line on stdout):

  {"op": "load", "dir": D}  D/field.bin (int16, x fastest, already masked and padded by one
                            voxel), D/field.json {dims, spacing}, D/positions.bin (float32 xyz),
                            D/indices.bin (uint32, 3 per triangle): the mesh for smoothing and
                            decimation                       -> {"vtk": version}
  {"op": "iso", "iso": v}   vtkFlyingEdges3D at v, no normals/gradients/scalars
                                                             -> {"ms", "triangles"}
  {"op": "smooth"}          vtkWindowedSincPolyDataFilter, 20 iterations, pass band 0.1,
                            NormalizeCoordinatesOn           -> {"ms", "points"}
  {"op": "decimate", "target": n}  vtkQuadricDecimation to n triangles (TargetReduction
                            1 − n/T, VolumePreservationOn)   -> {"ms", "triangles"}
Times are wall time of Update() alone (input conversion excluded), milliseconds.
"""
import json
import sys
import time

import numpy as np
import vtk
from vtk.util import numpy_support as ns

from vtk_mesh import load_polydata

vtk.vtkMultiThreader.SetGlobalMaximumNumberOfThreads(1)
vtk.vtkSMPTools.Initialize(1)


def timed(f):
    t0 = time.perf_counter()
    f.Update()
    return (time.perf_counter() - t0) * 1000, f.GetOutput()


def main():
    image = poly = None
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "load":
            d = cmd["dir"]
            meta = json.load(open(f"{d}/field.json"))
            field = np.fromfile(f"{d}/field.bin", dtype=np.int16)
            image = vtk.vtkImageData()
            image.SetDimensions(*meta["dims"])
            image.SetSpacing(*meta["spacing"])
            arr = ns.numpy_to_vtk(field, deep=True, array_type=vtk.VTK_SHORT)
            arr.SetName("field")
            image.GetPointData().SetScalars(arr)
            poly, _ = load_polydata(d)
            reply = {"vtk": vtk.vtkVersion.GetVTKVersion()}
        elif op == "iso":
            f = vtk.vtkFlyingEdges3D()
            f.SetInputData(image)
            f.SetValue(0, cmd["iso"])
            f.ComputeNormalsOff()
            f.ComputeGradientsOff()
            f.ComputeScalarsOff()
            ms, out = timed(f)
            reply = {"ms": ms, "triangles": int(out.GetNumberOfCells())}
        elif op == "smooth":
            f = vtk.vtkWindowedSincPolyDataFilter()
            f.SetInputData(poly)
            f.SetNumberOfIterations(20)
            f.SetPassBand(0.1)
            f.NormalizeCoordinatesOn()
            ms, out = timed(f)
            reply = {"ms": ms, "points": int(out.GetNumberOfPoints())}
        elif op == "decimate":
            f = vtk.vtkQuadricDecimation()
            f.SetInputData(poly)
            f.SetTargetReduction(1 - cmd["target"] / poly.GetNumberOfCells())
            f.VolumePreservationOn()
            ms, out = timed(f)
            reply = {"ms": ms, "triangles": int(out.GetNumberOfCells())}
        else:
            reply = {"error": f"unknown op {op}"}
        print(json.dumps(reply), flush=True)


main()
