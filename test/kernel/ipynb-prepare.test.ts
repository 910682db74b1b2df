import { describe, expect, it } from 'vitest';
import { encodeBinary, prepareBinary, decodeBinary } from '../../kernel/notebook/ipynb.ts';

describe('prepareBinary', () => {
  it('gives the same encoding as encoding afresh, for large and small arrays at any depth', () => {
    const big = new Float32Array(40_000).map((_, i) => Math.sin(i));
    const idx = new Uint32Array(30_000).map((_, i) => i % 977);
    const small = new Int16Array([1, -2, 3]);
    const value = [{ mesh: { positions: big, indices: idx }, note: 'x', small }, idx.buffer];
    const fresh = JSON.stringify(encodeBinary(value));
    prepareBinary(value);
    expect(JSON.stringify(encodeBinary(value))).toBe(fresh);
    expect(JSON.stringify(encodeBinary({ again: big }))).toBe(JSON.stringify({ again: encodeBinary(new Float32Array(big)) }));
    const back = decodeBinary(JSON.parse(fresh)) as [{ mesh: { positions: Float32Array } }];
    expect(back[0].mesh.positions).toEqual(big);
  });
});
