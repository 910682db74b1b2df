/**
 * Seeded synthetic volumes for the preprocess tests, made by the same integer hash as
 * test/fixtures/preprocess/make-reference.py (uint32 arithmetic, voxel index x fastest).
 */
import { createHash } from 'node:crypto';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../../cells/core/volume.ts';

function hash32(p: number, seed: number): number {
  let h = (Math.imul(p, 0x9e3779b1) + Math.imul(seed, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** 'int': int16 in −1000…2000; 'ties': int16 in 0…6; 'float': float32 in −500…500.003. */
export function synthetic(kind: string, dims: Vec3, seed: number, spacingMm: Vec3 = [1, 1, 1]): Volume<Int16Array | Float32Array> {
  const n = dims[0] * dims[1] * dims[2];
  let data: Int16Array | Float32Array;
  if (kind === 'float') {
    data = new Float32Array(n);
    for (let p = 0; p < n; p++) data[p] = (hash32(p, seed) % 1000003) / 1000 - 500;
  } else {
    data = new Int16Array(n);
    for (let p = 0; p < n; p++) data[p] = kind === 'ties' ? hash32(p, seed) % 7 : (hash32(p, seed) % 3001) - 1000;
  }
  return makeVolume({ data, dims, spacingMm, originMm: [0, 0, 0], direction: IDENTITY3 });
}

/** SHA-256 (hex) of a typed array's bytes (little-endian on this machine). */
export function sha256(a: ArrayBufferView): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}
