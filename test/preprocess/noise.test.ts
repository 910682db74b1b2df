import { describe, expect, it } from 'vitest';
import { ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, makeVolume, type Vec3 } from '../../cells/core/volume.ts';
import { addedNoiseSigmaHu, simulateLowDose } from '../../cells/preprocess/noise.ts';

const dims: Vec3 = [96, 96, 24];
const flat = makeVolume({ data: new Int16Array(96 * 96 * 24).fill(40), dims, spacingMm: [0.8, 0.8, 2], originMm: [0, 0, 0], direction: IDENTITY3 });

/** Mean and population σ of (result − 40) over the voxels at least `margin` from the x/y edges. */
function stats(a: Float32Array, margin: number): { mean: number; sd: number; lag1: number } {
  let n = 0, s = 0, s2 = 0, c = 0;
  for (let k = 0; k < dims[2]; k++) for (let j = margin; j < dims[1] - margin; j++) for (let i = margin; i < dims[0] - margin; i++) {
    const p = i + dims[0] * (j + dims[1] * k);
    const v = a[p]! - 40;
    n++; s += v; s2 += v * v; c += v * (a[p + 1]! - 40);
  }
  const mean = s / n, sd = Math.sqrt(s2 / n - mean * mean);
  return { mean, sd, lag1: c / n / (sd * sd) };
}

describe('simulateLowDose', () => {
  it('adds σ_full·√(1/f − 1): quarter dose of a 20 HU scan adds 34.64 HU', () => {
    expect(addedNoiseSigmaHu(0.25, 20)).toBeCloseTo(20 * Math.sqrt(3), 12);
    expect(addedNoiseSigmaHu(1, 20)).toBe(0);
    const r = simulateLowDose(flat, { doseFraction: 0.25, fullDoseSigmaHu: 20, seed: 7 });
    expect(r.lowDoseSigmaHu).toBeCloseTo(40, 12);
    const st = stats(r.volume.data, 1);
    expect(Math.abs(st.mean)).toBeLessThan(0.2); // 221k samples: σ of the mean 0.07 HU
    expect(st.sd / r.addedSigmaHu).toBeGreaterThan(0.99);
    expect(st.sd / r.addedSigmaHu).toBeLessThan(1.01);
    expect(Math.abs(st.lag1)).toBeLessThan(0.01); // white
  });

  it('correlated in-plane noise keeps its σ away from the edges and neighbours correlate', () => {
    const r = simulateLowDose(flat, { doseFraction: 0.5, fullDoseSigmaHu: 30, correlationSigmaMm: 0.8, seed: 3 });
    const st = stats(r.volume.data, 6);
    expect(st.sd / 30).toBeGreaterThan(0.97);
    expect(st.sd / 30).toBeLessThan(1.03);
    // σ 1 voxel: lag-1 autocorrelation of Gaussian-filtered white noise ≈ exp(−1/4) = 0.78.
    expect(st.lag1).toBeGreaterThan(0.74);
    expect(st.lag1).toBeLessThan(0.82);
  });

  it('is seeded: the same seed gives the same voxels, another seed others', () => {
    const a = simulateLowDose(flat, { doseFraction: 0.25, fullDoseSigmaHu: 20, seed: 5 }).volume.data;
    const b = simulateLowDose(flat, { doseFraction: 0.25, fullDoseSigmaHu: 20, seed: 5 }).volume.data;
    const c = simulateLowDose(flat, { doseFraction: 0.25, fullDoseSigmaHu: 20, seed: 6 }).volume.data;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('refuses a dose fraction outside (0, 1], a σ ≤ 0 and a negative correlation', () => {
    for (const doseFraction of [0, -0.5, 1.5, NaN]) expect(() => simulateLowDose(flat, { doseFraction, fullDoseSigmaHu: 20 })).toThrow(ParameterError);
    expect(() => simulateLowDose(flat, { doseFraction: 0.5, fullDoseSigmaHu: 0 })).toThrow(ParameterError);
    expect(() => simulateLowDose(flat, { doseFraction: 0.5, fullDoseSigmaHu: 10, correlationSigmaMm: -1 })).toThrow(ParameterError);
  });
});
