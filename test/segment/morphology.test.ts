import { describe, expect, it } from 'vitest';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import { binaryClosing, binaryDilation, binaryErosion, binaryOpening } from '../../cells/segment/morphology.ts';
import { ANISO, count, figures, phantom, reference, tissue } from './helpers.ts';

describe('ball morphology: analytic cases', () => {
  it('dilating one voxel by r = 2 mm at 1 mm gives the 33 offsets with i² + j² + k² ≤ 4', () => {
    const dot = phantom([9, 9, 9], (i, j, k) => i === 4 && j === 4 && k === 4);
    expect(count(binaryDilation(dot, { radiusMm: 2 }))).toBe(33);
  });
  it('anisotropic: at spacing [1, 1, 2] the same ball has i² + j² + 4k² ≤ 4: 13 + 1 + 1 = 15 voxels', () => {
    const dot = phantom([9, 9, 9], (i, j, k) => i === 4 && j === 4 && k === 4, [1, 1, 2]);
    const d = binaryDilation(dot, { radiusMm: 2 });
    expect(count(d)).toBe(15);
    expect(d.data[4 + 9 * (4 + 9 * 5)]).toBe(1); // (4, 4, 5): 2 mm away along k
    expect(d.data[4 + 9 * (5 + 9 * 5)]).toBe(0); // (4, 5, 5): √5 mm
  });
  it('a digital ball of radius 10 dilated by 3 lies between the balls of radius 12.5 and 13, eroded by 3 between 7 and 7.5', () => {
    const c = 20;
    const ball = (r: number) => phantom([41, 41, 41], (i, j, k) => (i - c) ** 2 + (j - c) ** 2 + (k - c) ** 2 <= r * r);
    const b10 = ball(10);
    const dil = binaryDilation(b10, { radiusMm: 3 });
    expect(count(dil)).toBeGreaterThanOrEqual(count(ball(12.5)));
    expect(count(dil)).toBeLessThanOrEqual(count(ball(13)));
    const ero = binaryErosion(b10, { radiusMm: 3 });
    expect(count(ero)).toBeGreaterThanOrEqual(count(ball(7)));
    expect(count(ero)).toBeLessThanOrEqual(count(ball(7.5)));
  });
  it('eroding a 6×6×6 cube by r = 1 leaves the 4×4×4 core; outside the grid is background', () => {
    const cube = phantom([8, 8, 8], (i, j, k) => i >= 1 && i <= 6 && j >= 1 && j <= 6 && k >= 1 && k <= 6);
    expect(count(binaryErosion(cube, { radiusMm: 1 }))).toBe(64);
    const full = phantom([8, 8, 8], () => true);
    expect(count(binaryErosion(full, { radiusMm: 1 }))).toBe(6 * 6 * 6);
    expect(count(binaryErosion(full, { radiusMm: 1.5 }))).toBe(6 * 6 * 6); // √2: edges too, same core
    expect(count(binaryErosion(full, { radiusMm: 2 }))).toBe(4 * 4 * 4);
  });
  it('radius 0 (and below the spacing) is the identity; an empty mask stays empty', () => {
    const m = phantom([5, 5, 5], (i, j, k) => (i + j + k) % 3 === 0);
    for (const r of [0, 0.99]) {
      expect(binaryErosion(m, { radiusMm: r }).data).toEqual(m.data);
      expect(binaryDilation(m, { radiusMm: r }).data).toEqual(m.data);
    }
    const empty = phantom([5, 5, 5], () => false);
    expect(count(binaryDilation(empty, { radiusMm: 3 }))).toBe(0);
    expect(count(binaryErosion(empty, { radiusMm: 3 }))).toBe(0);
  });
  it('closing fills a 2-voxel gap between two slabs at r = 1.5; opening by the 6-neighbour cross (r = 1) removes a wire and the box edges', () => {
    const gap = phantom([12, 12, 12], (i, j, k) => i >= 2 && i <= 9 && j >= 2 && j <= 9 && k >= 2 && k <= 9 && k !== 5 && k !== 6);
    const closed = binaryClosing(gap, { radiusMm: 1.5 });
    expect(closed.data[5 + 12 * (5 + 12 * 5)]).toBe(1);
    const wire = phantom([12, 12, 12], (i, j, k) => (i >= 2 && i <= 9 && j >= 2 && j <= 9 && k >= 2 && k <= 5) || (i === 5 && j === 5 && k > 5));
    const opened = binaryOpening(wire, { radiusMm: 1 });
    expect(opened.data[5 + 12 * (5 + 12 * 9)]).toBe(0);
    // The cross fits nowhere around the 64 edge voxels of the 8×8×4 box (4·6 + 4·6 + 4·2 + 8)
    // nor around the wire, except the wire's first voxel, a cross arm of the top face's (5, 5, 5).
    expect(count(opened)).toBe(8 * 8 * 4 - 64 + 1);
    expect(opened.data[5 + 12 * (5 + 12 * 6)]).toBe(1);
  });
  it('refuses a negative or non-finite radius', () => {
    const m = phantom([3, 3, 3], () => true);
    expect(() => binaryErosion(m, { radiusMm: -1 })).toThrow(ParameterError);
    expect(() => binaryClosing(m, { radiusMm: NaN })).toThrow(/radiusMm/);
  });
});

describe(`ball morphology equals scipy.ndimage (scipy ${reference.versions.scipy}) on the Colin27 tissue mask, bit for bit`, () => {
  const cases = [['erosion', binaryErosion], ['dilation', binaryDilation], ['opening', binaryOpening], ['closing', binaryClosing]] as const;
  for (const [name, op] of cases) {
    it(`${name}, r = 4 mm at 1 mm (${reference.morphology['ball r4 elements']}-voxel ball) and r = 3.7 mm at [${ANISO.join(', ')}] mm (${reference.morphology['ball r3.7 aniso elements']}-voxel ellipsoid)`, async () => {
      expect(figures(op(await tissue(), { radiusMm: 4 }))).toEqual(reference.morphology[`${name} r4`]);
      expect(figures(op(await tissue(ANISO), { radiusMm: 3.7 }))).toEqual(reference.morphology[`${name} r3.7 aniso`]);
    });
  }
});

describe('ball morphology: interrupt and progress', () => {
  it('reports increasing fractions ending at 1, and stops with AbortError when the signal fires', async () => {
    const m = await tissue();
    const seen: number[] = [];
    binaryClosing(m, { radiusMm: 2, onProgress: (f) => seen.push(f) });
    expect(seen.length).toBeGreaterThan(100);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    expect(seen.at(-1)).toBe(1);
    const ac = new AbortController();
    let calls = 0;
    expect(() => binaryErosion(m, { radiusMm: 4, signal: ac.signal, onProgress: () => { if (++calls === 50) ac.abort(); } })).toThrow(AbortError);
    expect(calls).toBeLessThan(60);
  });
});
