/**
 * Bad meshes given to every public mesh stage and writer: each must refuse them with the one
 * shared check (`checkMesh`: GeometryError naming the stage) before doing any work, so no
 * progress is reported and no bytes come out. validateMesh alone reports an empty mesh
 * (ct-to-print relies on `report.mesh.empty` to say why no STL was written).
 */
import { describe, expect, it } from 'vitest';
import { GeometryError } from '../../cells/core/errors.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { encode3mf } from '../../cells/io/threemf.ts';
import { encodeObj } from '../../cells/io/obj.ts';
import { encodePly } from '../../cells/io/ply.ts';
import { encodeStl } from '../../cells/io/stl.ts';
import { decimateMesh } from '../../cells/mesh/decimate.ts';
import { meshDistance, meshToVoxelDistance } from '../../cells/mesh/distance.ts';
import { meshShells, removeSmallShells } from '../../cells/mesh/shells.ts';
import { smoothMesh } from '../../cells/mesh/smooth.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';

/** A closed tetrahedron, outward winding: the good input every case starts from. */
const tetra: Mesh = {
  positions: Float32Array.of(0, 0, 0, 10, 0, 0, 0, 10, 0, 0, 0, -10),
  indices: Uint32Array.of(0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3),
};

const withNaN: Mesh = { positions: tetra.positions.map((x, i) => (i === 7 ? NaN : x)), indices: tetra.indices };
const BAD: [string, Mesh, RegExp][] = [
  ['a NaN position', withNaN, /vertex 2 has a non-finite coordinate \(NaN\)/],
  ['an index out of range', { positions: tetra.positions, indices: tetra.indices.map((v, i) => (i === 5 ? 4 : v)) }, /triangle 1 names vertex 4 but the mesh has 4 vertices/],
  ['an empty mesh', { positions: new Float32Array(0), indices: new Uint32Array(0) }, /the mesh is empty \(0 vertices, 0 triangles\)/],
  ['indices not a multiple of 3', { positions: tetra.positions, indices: Uint32Array.of(...tetra.indices, 0) }, /indices \(13\) must both hold 3 numbers/],
];

/** A 3×3×3 block of set voxels in a 5³ grid, 1 mm: a voxel surface to measure against. */
const mask = (() => {
  const data = new Uint8Array(125);
  for (let z = 1; z < 4; z++) for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) data[x + 5 * (y + 5 * z)] = 1;
  return makeVolume({ data, dims: [5, 5, 5] as Vec3, spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
})();

/** Each stage as [name the message must carry, run on a mesh with an onProgress to watch]. */
type Run = (m: Mesh, onProgress: (f: number) => void) => unknown;
const STAGES: [string, Run][] = [
  ['smoothMesh', (m, onProgress) => smoothMesh(m, { onProgress })],
  ['meshDistance: mesh a', (m, onProgress) => meshDistance(m, tetra, { onProgress })],
  ['meshDistance: mesh b', (m, onProgress) => meshDistance(tetra, m, { onProgress })],
  ['meshToVoxelDistance', (m, onProgress) => meshToVoxelDistance(m, mask, { onProgress })],
  ['validateMesh', (m) => validateMesh(m)],
  ['meshShells', (m) => meshShells(m)],
  ['removeSmallShells', (m) => removeSmallShells(m, { minVolumeMm3: 1 })],
  ['decimateMesh', (m) => decimateMesh(m, { targetTriangles: 2 })],
  ['encodeStl', (m, onProgress) => encodeStl(m, { onProgress })],
  ['encodeStl', (m, onProgress) => encodeStl(m, { format: 'ascii', onProgress })],
  ['encodeObj: part "skull"', (m, onProgress) => encodeObj([{ name: 'skull', mesh: m }], { onProgress })],
  ['encodeObj: part "mesh"', (m, onProgress) => encodeObj(m, { onProgress })],
  ['encodePly', (m, onProgress) => encodePly(m, { onProgress })],
  ['encodePly', (m, onProgress) => encodePly(m, { format: 'ascii', onProgress })],
  ['encode3mf: part "skull"', (m, onProgress) => encode3mf([{ name: 'skull', mesh: m }], { onProgress })],
  ['encode3mf: part "bad"', (m, onProgress) => encode3mf([{ name: 'good', mesh: tetra }, { name: 'bad', mesh: m }], { onProgress })],
];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('every mesh stage and writer refuses a bad mesh with GeometryError naming itself', () => {
  it('the good tetrahedron passes every stage (so the failures below come from the bad input)', async () => {
    for (const [, run] of STAGES) await expect(Promise.resolve().then(() => run(tetra, () => {}))).resolves.toBeDefined();
  });

  for (const [stage, run] of STAGES) {
    for (const [what, mesh, problem] of BAD) {
      if (stage === 'validateMesh' && what === 'an empty mesh') continue; // reported, below
      it(`${stage} × ${what}`, async () => {
        const seen: number[] = [];
        // Async and sync stages alike: a throw becomes a rejection.
        const error = await Promise.resolve().then(() => run(mesh, (f) => seen.push(f))).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(GeometryError);
        expect((error as Error).message).toMatch(new RegExp(`^${escape(stage)}: `));
        expect((error as Error).message).toMatch(problem);
        expect(seen).toEqual([]); // refused before any work: no progress, no bytes
      });
    }
  }

  it('validateMesh reports an empty mesh (0 triangles, closed) instead of refusing it', () => {
    const r = validateMesh({ positions: new Float32Array(0), indices: new Uint32Array(0) });
    expect([r.triangles, r.vertices, r.openEdges, r.shells, r.volumeMm3]).toEqual([0, 0, 0, 0, 0]);
    expect(r.closed).toBe(true);
  });
});
