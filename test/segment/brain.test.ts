import { describe, expect, it } from 'vitest';
import { AbortError, ParameterError } from '../../cells/core/errors.ts';
import { withData } from '../../cells/core/volume.ts';
import { dice } from '../../cells/metrics/overlap.ts';
import { classicBrainMask } from '../../cells/segment/brain.ts';
import { colin27, figures, reference } from './helpers.ts';

/** The axial slab k 60–89 of a mask (voxel index of the third axis), as its own volume. */
function slab<T extends { dims: readonly number[]; data: Uint8Array }>(m: T, k0 = 60, k1 = 89): Uint8Array {
  const nxy = m.dims[0]! * m.dims[1]!;
  return m.data.slice(k0 * nxy, (k1 + 1) * nxy);
}

describe('classicBrainMask on Colin27 (ch2 against ch2bet)', () => {
  it(`defaults (Otsu 49, opening 5 mm, closing 4 mm): the scipy pipeline's mask bit for bit; Dice ${reference.brain.dice.toFixed(4)} whole, ${reference.brain.diceSlab.toFixed(4)} on the slab k 60–89`, async () => {
    const { t1, bet } = await colin27();
    const seen: number[] = [];
    const r = classicBrainMask(t1, { onProgress: (f) => seen.push(f) });
    expect(r.threshold).toBe(49);
    expect(figures(r.mask)).toEqual({ voxels: reference.brain.voxels, sha256: reference.brain.sha256 });
    const whole = dice(bet, r.mask);
    expect(whole).toBeCloseTo(reference.brain.dice, 12);
    expect(whole).toBeGreaterThan(0.96);
    const s = (m: typeof bet) => withData({ ...m, dims: [m.dims[0], m.dims[1], 30] } as typeof m, slab(m));
    const d = dice(s(bet), s(r.mask));
    expect(d).toBeCloseTo(reference.brain.diceSlab, 12);
    expect(d).toBeGreaterThan(0.98);
    expect(r.voxels.final).toBe(reference.brain.voxels);
    expect(r.voxels.core).toBeLessThan(r.voxels.eroded);
    expect(seen.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= seen[i - 1]!))).toBe(true);
    expect(seen.at(-1)).toBe(1);
  });

  it('an opening of 3 mm does not cut the brain from the scalp (Dice drops below 0.75): why the default keeps a margin above it', async () => {
    const { t1, bet } = await colin27();
    const r = classicBrainMask(t1, { openingRadiusMm: 3 });
    expect(dice(bet, r.mask)).toBeLessThan(0.75);
    expect(r.voxels.core / r.voxels.eroded).toBeGreaterThan(0.99); // one piece: nothing fell off
  });

  it('refuses bad radii, a threshold nothing survives, and stops on an aborted signal', async () => {
    const { t1 } = await colin27();
    expect(() => classicBrainMask(t1, { openingRadiusMm: -1 })).toThrow(ParameterError);
    expect(() => classicBrainMask(t1, { closingRadiusMm: Infinity })).toThrow(/closingRadiusMm/);
    expect(() => classicBrainMask(t1, { threshold: 255 })).toThrow(/lower openingRadiusMm or the threshold/);
    const ac = new AbortController();
    ac.abort();
    expect(() => classicBrainMask(t1, { signal: ac.signal })).toThrow(AbortError);
  });
});
