/**
 * Volume renderings (`application/vnd.voxbook.volume+json`) in the exported page: the voxels as
 * base64 of their bytes (little-endian, as typed arrays hold them on every platform we run on),
 * the typed array's class named, every other field as it is. One copy each way: bytes → base64
 * text on export, base64 → a fresh buffer the typed array views on the page.
 */
import type { VolumeViewData } from '../../cells/viz/volume-view.ts';
import type { VolumeSurface } from '../../cells/viz/volume-overlay.ts';
import type { VoxelArray } from '../../cells/core/volume.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

const TYPED = { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

/** An overlay surface with its positions (float32) and indices (uint32) as base64 of their bytes. */
export interface EncodedSurface extends Omit<VolumeSurface, 'positions' | 'indices'> {
  readonly positions: string;
  readonly indices: string;
}

export interface EncodedVolume extends Omit<VolumeViewData, 'data' | 'surfaces'> {
  readonly $volume: 'base64/1';
  readonly dataType: TypedName;
  readonly base64: string;
  readonly surfaces?: readonly EncodedSurface[];
}

export function isEncodedVolume(value: unknown): value is EncodedVolume {
  return typeof value === 'object' && value !== null && (value as { $volume?: unknown }).$volume === 'base64/1';
}

export function encodeVolume(v: VolumeViewData): EncodedVolume {
  const { data, surfaces, ...rest } = v;
  const dataType = (Object.keys(TYPED) as TypedName[]).find((n) => data instanceof TYPED[n]);
  if (!dataType) throw new Error('volume data is not a typed array');
  const bytes = (a: Float32Array | Uint32Array): string => bytesToBase64(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return {
    $volume: 'base64/1', ...rest, dataType, base64: bytes(data as Float32Array),
    ...(surfaces ? { surfaces: surfaces.map(({ positions, indices, ...s }) => ({ ...s, positions: bytes(positions), indices: bytes(indices) })) } : {}),
  };
}

/** @throws Error when the bytes are not a whole number of voxels of the stated type and dims. */
export function decodeVolume(e: EncodedVolume): VolumeViewData {
  const { $volume: _v, dataType, base64, surfaces, ...rest } = e;
  const T = TYPED[dataType];
  if (!T) throw new Error(`embedded volume has an unknown voxel type "${String(dataType)}"`);
  const bytes = base64ToBytes(base64);
  const n = e.dims[0] * e.dims[1] * e.dims[2];
  if (bytes.byteLength !== n * T.BYTES_PER_ELEMENT) throw new Error(`embedded volume holds ${bytes.byteLength} bytes; ${e.dims.join('×')} ${dataType} needs ${n * T.BYTES_PER_ELEMENT}`);
  const decoded = surfaces?.map(({ positions, indices, ...s }): VolumeSurface => {
    const p = base64ToBytes(positions), i = base64ToBytes(indices);
    if (p.byteLength % 12 !== 0 || i.byteLength % 12 !== 0) throw new Error(`embedded overlay surface "${s.name}" is not whole vertices and triangles`);
    return { ...s, positions: new Float32Array(p.buffer as ArrayBuffer, p.byteOffset, p.byteLength / 4), indices: new Uint32Array(i.buffer as ArrayBuffer, i.byteOffset, i.byteLength / 4) };
  });
  return { ...rest, data: new T(bytes.buffer as ArrayBuffer, bytes.byteOffset, n) as VoxelArray, ...(decoded ? { surfaces: decoded } : {}) };
}
