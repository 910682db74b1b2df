/**
 * Volume renderings (`application/vnd.voxbook.volume+json`) in the exported page: the voxels as
 * base64 of their bytes (little-endian, as typed arrays hold them on every platform we run on),
 * the typed array's class named, every other field as it is. One copy each way: bytes → base64
 * text on export, base64 → a fresh buffer the typed array views on the page.
 */
import type { VolumeViewData } from '../../cells/viz/volume-view.ts';
import type { VoxelArray } from '../../cells/core/volume.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

const TYPED = { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

export interface EncodedVolume extends Omit<VolumeViewData, 'data'> {
  readonly $volume: 'base64/1';
  readonly dataType: TypedName;
  readonly base64: string;
}

export function isEncodedVolume(value: unknown): value is EncodedVolume {
  return typeof value === 'object' && value !== null && (value as { $volume?: unknown }).$volume === 'base64/1';
}

export function encodeVolume(v: VolumeViewData): EncodedVolume {
  const { data, ...rest } = v;
  const dataType = (Object.keys(TYPED) as TypedName[]).find((n) => data instanceof TYPED[n]);
  if (!dataType) throw new Error('volume data is not a typed array');
  return { $volume: 'base64/1', ...rest, dataType, base64: bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

/** @throws Error when the bytes are not a whole number of voxels of the stated type and dims. */
export function decodeVolume(e: EncodedVolume): VolumeViewData {
  const { $volume: _v, dataType, base64, ...rest } = e;
  const T = TYPED[dataType];
  if (!T) throw new Error(`embedded volume has an unknown voxel type "${String(dataType)}"`);
  const bytes = base64ToBytes(base64);
  const n = e.dims[0] * e.dims[1] * e.dims[2];
  if (bytes.byteLength !== n * T.BYTES_PER_ELEMENT) throw new Error(`embedded volume holds ${bytes.byteLength} bytes; ${e.dims.join('×')} ${dataType} needs ${n * T.BYTES_PER_ELEMENT}`);
  return { ...rest, data: new T(bytes.buffer as ArrayBuffer, bytes.byteOffset, n) as VoxelArray };
}
