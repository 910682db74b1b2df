import { describe, expect, it } from 'vitest';
import { BONE_RGB, describeMesh, extentMm, isMeshData, meshColor, trianglesToCellArray, vertexColors } from '../../app/renderers/mesh-geometry.ts';

describe('trianglesToCellArray', () => {
  it("prefixes each triangle with its point count, vtk's flat cell layout", () => {
    const cells = trianglesToCellArray(new Uint32Array([0, 1, 2, 2, 1, 3]), 4);
    expect([...cells]).toEqual([3, 0, 1, 2, 3, 2, 1, 3]);
  });

  it('rejects indices that are not whole triangles or point past the vertices', () => {
    expect(() => trianglesToCellArray(new Uint32Array([0, 1]), 3)).toThrow(/not a multiple of 3/);
    expect(() => trianglesToCellArray(new Uint32Array([0, 1, 3]), 3)).toThrow(/triangle 0 refers to vertex 3 of 3/);
  });
});

describe('mesh facts', () => {
  const mesh = {
    positions: new Float32Array([0, 0, 0, 10, 0, 0, 0, 20, 0, 0, 0, 30]),
    indices: new Uint32Array([0, 1, 2, 0, 2, 3]),
    triangles: 2,
  };

  it('measures the extent in mm per axis', () => {
    expect(extentMm(mesh.positions)).toEqual([10, 20, 30]);
    expect(extentMm(new Float32Array(0))).toEqual([0, 0, 0]);
  });

  it('describes counts and size', () => {
    expect(describeMesh({ ...mesh, triangles: 678480 })).toBe('678,480 triangles · 10 × 20 × 30 mm');
  });

  it('uses the mesh colour (sRGB bytes) or bone', () => {
    expect(meshColor({ color: [255, 0, 51] })).toEqual([1, 0, 0.2]);
    expect(meshColor({})).toEqual([...BONE_RGB]);
  });

  it('recognises mesh data by its typed arrays', () => {
    expect(isMeshData(mesh)).toBe(true);
    expect(isMeshData({ ...mesh, positions: [0, 0, 0] })).toBe(false);
  });
});

describe('vertexColors', () => {
  const positions = new Float32Array(9);
  it('gives the per-vertex colours when there are 3 bytes per vertex, undefined when there are none', () => {
    const colors = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    expect(vertexColors({ positions, colors })).toBe(colors);
    expect(vertexColors({ positions })).toBeUndefined();
  });
  it('rejects colours of the wrong length', () => {
    expect(() => vertexColors({ positions, colors: new Uint8Array(6) })).toThrow(/3 bytes per vertex \(9\), got 6/);
  });
});
