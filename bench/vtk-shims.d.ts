// Types for the vtk.js deep imports that ship without a .d.ts (used by bench/isosurface.ts).
declare module '@kitware/vtk.js/Filters/General/ImageMarchingCubes.js' {
  import type { vtkImageData } from '@kitware/vtk.js/Common/DataModel/ImageData.js';
  import type { vtkPolyData } from '@kitware/vtk.js/Common/DataModel/PolyData.js';
  export interface vtkImageMarchingCubes {
    setInputData(data: vtkImageData): void;
    setContourValue(value: number): boolean;
    setComputeNormals(on: boolean): boolean;
    setMergePoints(on: boolean): boolean;
    update(): void;
    getOutputData(): vtkPolyData;
  }
  export function newInstance(initialValues?: {
    contourValue?: number;
    computeNormals?: boolean;
    mergePoints?: boolean;
  }): vtkImageMarchingCubes;
  const vtkImageMarchingCubes: { newInstance: typeof newInstance };
  export default vtkImageMarchingCubes;
}
