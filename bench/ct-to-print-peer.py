#!/usr/bin/python3
"""The ct-to-print pipeline as a plain Python script, the whole-process peer of
`voxbook run notebooks/ct-to-print.nb.ts` in `npm run bench` (bench/run.ts): pydicom + numpy +
scipy + VTK (Debian's python3-pydicom, python3-scipy, python3-vtk9; VTK one thread).

    /usr/bin/python3 bench/ct-to-print-peer.py DICOM_DIR OUT.stl [--same-job]

Load the series (sorted along the slice normal, HU = pixel · slope + intercept), threshold
226..3071 HU, drop 26-connected islands under 200 mm³, HU isosurface at 225.5 restricted to
the kept voxels (outside them the field is min(HU, 225)) on the field padded by one outside
voxel so it closes, vtkFlyingEdges3D, binary STL. Prints one JSON line: triangles and seconds
per step.

--same-job: the job of bench/ct-to-print-same-job.nb.ts, the stages VTK has: keep only the
largest 26-connected component (after the islands), vtkWindowedSincPolyDataFilter (20
iterations, pass band 0.1, NormalizeCoordinatesOn, as bench/vtk-peer.py), vtkQuadricDecimation
(VolumePreservationOn) only when the surface has more than 600,000 triangles, then the edges
checked with vtkFeatureEdges (boundary and non-manifold edges counted; the JSON line says
how many), binary STL.
"""
import glob
import json
import sys
import time

t_start = time.perf_counter()
import numpy as np  # noqa: E402
import pydicom  # noqa: E402
from scipy import ndimage  # noqa: E402
import vtk  # noqa: E402
from vtk.util import numpy_support as ns  # noqa: E402

vtk.vtkMultiThreader.SetGlobalMaximumNumberOfThreads(1)
vtk.vtkSMPTools.Initialize(1)
steps = {"imports": time.perf_counter() - t_start}


def step(name, t0):
    steps[name] = time.perf_counter() - t0
    return time.perf_counter()


TARGET_TRIANGLES = 600_000


def main():
    src, out = sys.argv[1], sys.argv[2]
    same_job = "--same-job" in sys.argv[3:]
    t = time.perf_counter()
    ds = [pydicom.dcmread(f) for f in glob.glob(f"{src}/*.dcm")]
    row, col = np.array(ds[0].ImageOrientationPatient[:3], float), np.array(ds[0].ImageOrientationPatient[3:], float)
    normal = np.cross(row, col)
    ds.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, float))))
    hu = np.stack([d.pixel_array.astype(np.int16) * np.int16(d.RescaleSlope) + np.int16(d.RescaleIntercept) for d in ds])  # (z, y, x)
    p0 = np.dot(normal, np.array(ds[0].ImagePositionPatient, float))
    p1 = np.dot(normal, np.array(ds[1].ImagePositionPatient, float))
    spacing = (float(ds[0].PixelSpacing[1]), float(ds[0].PixelSpacing[0]), abs(p1 - p0))
    t = step("load", t)
    bone = (hu >= 226) & (hu <= 3071)
    labels, n = ndimage.label(bone, structure=np.ones((3, 3, 3), bool))
    sizes = np.bincount(labels.ravel())
    voxel_mm3 = spacing[0] * spacing[1] * spacing[2]
    keep = sizes * voxel_mm3 >= 200
    keep[0] = False
    if same_job:  # the largest component alone
        keep[:] = False
        keep[int(np.argmax(sizes[1:])) + 1] = True
    kept = keep[labels]
    t = step("segment", t)
    field = np.where(kept, hu, np.minimum(hu, 225)).astype(np.int16)
    field = np.pad(field, 1, constant_values=min(int(field.min()), 225))
    image = vtk.vtkImageData()
    image.SetDimensions(field.shape[2], field.shape[1], field.shape[0])
    image.SetSpacing(*spacing)
    arr = ns.numpy_to_vtk(field.ravel(), deep=True, array_type=vtk.VTK_SHORT)
    image.GetPointData().SetScalars(arr)
    fe = vtk.vtkFlyingEdges3D()
    fe.SetInputData(image)
    fe.SetValue(0, 225.5)
    fe.ComputeNormalsOff()
    fe.ComputeGradientsOff()
    fe.ComputeScalarsOff()
    fe.Update()
    t = step("isosurface", t)
    mesh = fe.GetOutput()
    extra = {}
    if same_job:
        sm = vtk.vtkWindowedSincPolyDataFilter()
        sm.SetInputData(mesh)
        sm.SetNumberOfIterations(20)
        sm.SetPassBand(0.1)
        sm.NormalizeCoordinatesOn()
        sm.Update()
        mesh = sm.GetOutput()
        t = step("smooth", t)
        if mesh.GetNumberOfCells() > TARGET_TRIANGLES:
            dec = vtk.vtkQuadricDecimation()
            dec.SetInputData(mesh)
            dec.SetTargetReduction(1 - TARGET_TRIANGLES / mesh.GetNumberOfCells())
            dec.VolumePreservationOn()
            dec.Update()
            mesh = dec.GetOutput()
        t = step("decimate", t)
        edges = vtk.vtkFeatureEdges()
        edges.SetInputData(mesh)
        edges.BoundaryEdgesOn()
        edges.NonManifoldEdgesOn()
        edges.FeatureEdgesOff()
        edges.ManifoldEdgesOff()
        edges.Update()
        extra["openOrNonManifoldEdges"] = int(edges.GetOutput().GetNumberOfCells())
        t = step("validate", t)
    w = vtk.vtkSTLWriter()
    w.SetInputData(mesh)
    w.SetFileTypeToBinary()
    w.SetFileName(out)
    w.Write()
    step("stl", t)
    print(json.dumps({"triangles": int(mesh.GetNumberOfCells()), "steps": steps, "kept": int(keep.sum()), **extra}))


main()
