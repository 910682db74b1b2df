import { describe, expect, it } from 'vitest';
import { formatBytes, formatMs } from '../../app/format.ts';

describe('formatting', () => {
  it('prints durations at a sensible precision', () => {
    expect(formatMs(0.2)).toBe('< 1 ms');
    expect(formatMs(840.4)).toBe('840 ms');
    expect(formatMs(2345)).toBe('2.35 s');
    expect(formatMs(12_345)).toBe('12.3 s');
    expect(formatMs(125_000)).toBe('2 min 5 s');
  });

  it('prints byte counts in SI units', () => {
    expect(formatBytes(812)).toBe('812 B');
    expect(formatBytes(2440)).toBe('2.44 kB');
    expect(formatBytes(33_785_684)).toBe('33.8 MB');
  });
});
