import { describe, expect, it } from 'vitest';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { printReport, type Printability } from '../../cells/print/printability.ts';
import { chooseOrientation, overhangArea, extentIn, orientForPrint } from '../../cells/print/orientation.ts';
import { validateMesh } from '../../cells/mesh/validate.ts';
import { PRINTERS, resolvePrinter } from '../../cells/print/printers.ts';
import { wallThickness } from '../../cells/mesh/thickness.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { box, icosphere, joinMeshes, teeShape, torus } from './print-shapes.ts';

const part = (r: Printability) => r.report.parts[0]!;

describe('printReport: a closed hollow sphere shell (outer r = 20, inner r = 19 wound inward)', () => {
  const shell = joinMeshes(icosphere(20, 5), icosphere(19, 5, { inward: true, seed: 2 }));
  const thin = printReport([{ name: 'shell', mesh: shell, material: 'PLA', infillPercent: 15 }], { printer: 'fdm-mk4', minWallMm: 1.5 });
  const ok = printReport([{ name: 'shell', mesh: shell }], { printer: 'fdm-mk4' });

  it('measures a 1.0 ± 0.1 mm wall from every vertex, with every ray hitting', () => {
    const w = part(thin).walls;
    expect(w.rays).toBe(shell.positions.length / 3);
    expect(w.missedRays).toBe(0);
    expect(w.minMm).toBeGreaterThan(0.9);
    expect(w.medianMm).toBeGreaterThan(0.9);
    expect(w.medianMm).toBeLessThan(1.1);
    expect(Math.max(...thin.thicknessMm[0]!)).toBeLessThan(1.1);
  });

  it('flags the whole shell under a 1.5 mm minimum (two spots: outer and inner surface) and nothing under the FDM 0.8 mm', () => {
    const w = part(thin).walls;
    expect(w.thinVertices).toBe(shell.positions.length / 3);
    expect(w.thinSpotCount).toBe(2);
    const area = 4 * Math.PI * (20 ** 2 + 19 ** 2);
    expect(Math.abs(w.thinAreaMm2 - area) / area).toBeLessThan(0.01);
    expect([part(thin).printable, part(thin).wallsAboveMinimum, thin.report.allWallsAboveMinimum]).toEqual([true, false, false]);
    expect(part(ok).walls.thinVertices).toBe(0);
    expect([part(ok).printable, part(ok).wallsAboveMinimum]).toEqual([true, true]);
    expect(ok.report.minWallMm).toBe(0.8);
  });

  it('counts two shells, one a cavity, genus 0, volume of the shell (4/3 π (20³ − 19³)) within 1%', () => {
    const p = part(thin);
    expect([p.shells, p.cavities, p.genus]).toEqual([2, 1, 0]);
    const v = (4 / 3) * Math.PI * (20 ** 3 - 19 ** 3);
    expect(Math.abs(p.volumeMm3 - v) / v).toBeLessThan(0.01);
    expect([p.material, p.infillPercent]).toEqual(['PLA', 15]);
    expect(part(ok).material).toBe('unassigned');
  });

  it('colours the thin vertices red in the mesh view and keeps the bundle JSON-serialisable', () => {
    const bundle = thin.view[MIME_METHOD]().data['application/vnd.voxbook.mesh+json'] as { colors: Uint8Array; positions: Float32Array };
    expect(bundle.colors.length).toBe(bundle.positions.length);
    expect([...bundle.colors.subarray(0, 3)]).toEqual([220, 38, 38]);
    const okColors = (ok.view[MIME_METHOD]().data['application/vnd.voxbook.mesh+json'] as { colors: Uint8Array }).colors;
    expect([...okColors.subarray(0, 3)]).not.toEqual([220, 38, 38]);
    expect(JSON.parse(JSON.stringify(thin.report))).toEqual(thin.report);
    const tableText = thin.table[MIME_METHOD]().data['text/plain'] as string;
    expect(tableText).toContain('thin (< 1.5 mm)');
  });
});

describe('printReport: solids with known answers', () => {
  it('a solid sphere (r = 20): wall ≈ its diameter, volume and area within 0.5% of 4/3 π r³ and 4 π r², genus 0', () => {
    const r = printReport([{ name: 'ball', mesh: icosphere(20, 5) }], { printer: 'fdm-mk4' });
    const p = part(r);
    expect(p.walls.minMm).toBeGreaterThan(39.5);
    expect(p.walls.medianMm).toBeGreaterThan(39.8);
    expect(p.walls.medianMm).toBeLessThan(40.05);
    expect(Math.abs(p.volumeMm3 / ((4 / 3) * Math.PI * 20 ** 3) - 1)).toBeLessThan(0.005);
    expect(Math.abs(p.areaMm2 / (4 * Math.PI * 20 ** 2) - 1)).toBeLessThan(0.005);
    expect([p.shells, p.cavities, p.genus, p.closed, p.edgeManifold]).toEqual([1, 0, 0, true, true]);
  });

  it('a torus (R = 30, r = 8): volume 2π²Rr² and area 4π²Rr within 0.5%, genus 1, wall = tube diameter 16 mm', () => {
    const p = part(printReport([{ name: 'ring', mesh: torus(30, 8, 192, 96) }], { printer: 'fdm-mk4' }));
    expect(Math.abs(p.volumeMm3 / (2 * Math.PI ** 2 * 30 * 64) - 1)).toBeLessThan(0.005);
    expect(Math.abs(p.areaMm2 / (4 * Math.PI ** 2 * 30 * 8) - 1)).toBeLessThan(0.005);
    expect(p.genus).toBe(1);
    expect(p.walls.minMm).toBeGreaterThan(15.8);
    expect(p.walls.medianMm).toBeLessThan(16.01);
  });

  it('overhang of a sphere below 45° from vertical: the cap 2πr²(1 − cos 45°) within 3% (minus what rests on the bed)', () => {
    const analytic = 2 * Math.PI * 20 ** 2 * (1 - Math.SQRT1_2);
    const got = overhangArea(icosphere(20, 5), [0, 0, 1]);
    expect(got).toBeLessThan(analytic);
    expect(Math.abs(got / analytic - 1)).toBeLessThan(0.03);
  });

  it('overhang of a T on its post is the slab underside, 2 × 15 × 60 mm², faces on the bed are not counted; upside down: 0', () => {
    const tee = teeShape(60);
    expect(overhangArea(tee, [0, 0, 1])).toBeCloseTo(1800, 6);
    expect(overhangArea(tee, [0, 0, -1])).toBe(0);
    expect(overhangArea(box(10, 20, 30), [0, 0, 1])).toBe(0);
    // Tilted about x by θ (up = (0, sin θ, cos θ)), the box rests on an edge: its −y face points down at θ from horizontal, its
    // −z face at 90° − θ. At θ = 60° only the −y face (10 × 30) is steeper than 45° from vertical; at 30° only the −z face (10 × 20).
    const tilted = (deg: number) => overhangArea(box(10, 20, 30), [0, Math.sin((deg * Math.PI) / 180), Math.cos((deg * Math.PI) / 180)]);
    expect(tilted(60)).toBeCloseTo(300, 6);
    expect(tilted(30)).toBeCloseTo(200, 6);
    expect(overhangArea(box(10, 20, 30), [0, Math.sin(Math.PI / 3), 0.5], { maxOverhangDeg: 70 })).toBe(0);
  });

  it('orientation search: least overhang puts the T on its slab (0 mm², height 30); least height lays a 10 × 20 × 30 box flat (height 10)', () => {
    const tee = part(printReport([{ name: 'T', mesh: teeShape(60) }], { printer: 'fdm-mk4' }));
    expect(tee.overhang.asGivenMm2).toBeCloseTo(1800, 3);
    expect(tee.overhang.orientedMm2).toBe(0);
    expect(tee.orientation.heightMm).toBeCloseTo(30, 3);
    expect(tee.orientation.up).toEqual([0, 0, -1]);
    expect(tee.orientation.upDirectionsSearched).toBe(506);
    const o = chooseOrientation(box(10, 20, 30), { objective: 'height' });
    expect(o.heightMm).toBeCloseTo(10, 6);
    expect(Math.abs(o.up[0])).toBeCloseTo(1, 9);
    // No candidate is lower than the choice.
    const byOverhang = chooseOrientation(teeShape(60), { objective: 'overhang', sampledDirections: 50 });
    expect(byOverhang.overhangAreaMm2).toBe(0);
  });

  it('orientForPrint sets the part on the bed as chosen: lowest z = 0, centred, same volume, the reported overhang', () => {
    const mesh = box(300, 50, 50);
    const p = part(printReport([{ name: 'bar', mesh }], { printer: 'fdm-mk4' }));
    const placed = orientForPrint(mesh, p.orientation.rotation, PRINTERS['fdm-mk4'].buildMm);
    const c = validateMesh(placed);
    expect(c.bbox.minMm[2]).toBeCloseTo(0, 4);
    expect((c.bbox.minMm[0] + c.bbox.maxMm[0]) / 2).toBeCloseTo(125, 3);
    expect((c.bbox.minMm[1] + c.bbox.maxMm[1]) / 2).toBeCloseTo(105, 3);
    expect(c.bbox.sizeMm.every((s, k) => s <= PRINTERS['fdm-mk4'].buildMm[k]!)).toBe(true);
    expect(Math.abs(c.volumeMm3 / (300 * 50 * 50) - 1)).toBeLessThan(1e-5); // float32 positions
    expect(overhangArea(placed, [0, 0, 1])).toBeCloseTo(p.overhang.orientedMm2, 0);
  });
});

describe('printReport: fitting the build volume', () => {
  const fdm = PRINTERS['fdm-mk4'].buildMm;
  const fitsIn = (size: readonly number[]) => size.every((s, k) => s <= fdm[k]! + 1e-9);

  it('a 50 × 50 × 240 mm box does not fit the 250 × 210 × 220 mm MK4 as given; laid on its side it does', () => {
    const p = part(printReport([{ name: 'post', mesh: box(50, 50, 240) }], { printer: 'fdm-mk4' }));
    expect(p.fitsAsGiven).toBe(false);
    expect(p.fitsRotated).toBe(true);
    expect(fitsIn(p.orientation.sizeMm)).toBe(true);
  });

  it('a 300 × 50 × 50 mm box does not fit as given; a rotation that fits, if reported, does fit (checked on the vertices)', () => {
    const mesh = box(300, 50, 50);
    const p = part(printReport([{ name: 'bar', mesh }], { printer: 'fdm-mk4' }));
    expect(p.fitsAsGiven).toBe(false);
    // Measured independently: the reported rotation applied to every vertex.
    const size = extentIn(mesh.positions, p.orientation.rotation);
    expect(fitsIn(size)).toBe(p.fitsRotated);
    // Lying flat needs 300 mm of a 250 × 210 bed (the bed's diagonal, 326 mm, is too short for 50 mm width); tilted across the
    // volume's diagonal (387 mm) it can fit.
    console.log('300 × 50 × 50 on the MK4:', JSON.stringify({ fitsRotated: p.fitsRotated, up: p.orientation.up, yaw: p.orientation.yawDeg, size }));
  });

  it('a 400 × 50 × 50 mm box fits no rotation (longer than the build volume\'s 387 mm diagonal)', () => {
    const p = part(printReport([{ name: 'bar', mesh: box(400, 50, 50) }], { printer: 'fdm-mk4' }));
    expect([p.fitsAsGiven, p.fitsRotated, p.printable]).toEqual([false, false, false]);
  });

  it('the resin preset is smaller: a 100 mm cube fits it in no rotation (a cube is at least 100 mm wide in every direction; the bed is 89 mm deep)', () => {
    const p = part(printReport([{ name: 'cube', mesh: box(100, 100, 100) }], { printer: 'msla-resin' }));
    expect([p.fitsAsGiven, p.fitsRotated]).toEqual([false, false]);
    expect(p.walls.minWallMm).toBe(0.4);
    expect(resolvePrinter({ name: 'big', buildMm: [300, 300, 300], minWallMm: 1, process: 'fdm' }).buildMm).toEqual([300, 300, 300]);
  });
});

describe('printReport: bad input', () => {
  it('throws typed errors for no parts, a bad printer, a bad infill, duplicate names and NaN positions', () => {
    const ball = icosphere(10, 1);
    expect(() => printReport([], { printer: 'fdm-mk4' })).toThrow(ParameterError);
    expect(() => printReport([{ name: 'a', mesh: ball }], { printer: 'ender' as never })).toThrow(ParameterError);
    expect(() => printReport([{ name: 'a', mesh: ball }], { printer: { name: 'x', buildMm: [100, 0, 100], minWallMm: 1, process: 'fdm' } })).toThrow(ParameterError);
    expect(() => printReport([{ name: 'a', mesh: ball, infillPercent: 120 }], { printer: 'fdm-mk4' })).toThrow(ParameterError);
    expect(() => printReport([{ name: 'a', mesh: ball }, { name: 'a', mesh: ball }], { printer: 'fdm-mk4' })).toThrow(ParameterError);
    const bad = { positions: ball.positions.slice(), indices: ball.indices };
    bad.positions[4] = NaN;
    expect(() => printReport([{ name: 'a', mesh: bad }], { printer: 'fdm-mk4' })).toThrow(GeometryError);
    expect(() => wallThickness(ball, { maxRays: 0 })).toThrow(ParameterError);
  });

  it('takes a part\'s validateMesh as `check` (same report as without), and refuses one of another mesh', () => {
    const ring = torus(30, 8, 96, 48), ball = icosphere(10, 2);
    const given = printReport([{ name: 'ring', mesh: ring, check: validateMesh(ring) }], { printer: 'fdm-mk4' });
    expect(given.report).toEqual(printReport([{ name: 'ring', mesh: ring }], { printer: 'fdm-mk4' }).report);
    expect(() => printReport([{ name: 'ring', mesh: ring, check: validateMesh(ball) }], { printer: 'fdm-mk4' })).toThrow(/check of \d+ triangles/);
  });

  it('reports progress once from 0 to 1, monotone, and stops on abort', () => {
    const seen: number[] = [];
    printReport([{ name: 'a', mesh: icosphere(10, 3) }, { name: 'b', mesh: icosphere(10, 2, { center: [30, 0, 0] }) }], { printer: 'fdm-mk4', onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    const ac = new AbortController();
    ac.abort();
    expect(() => printReport([{ name: 'a', mesh: icosphere(10, 2) }], { printer: 'fdm-mk4', signal: ac.signal })).toThrow(/interrupted/);
  });
});
