/**
 * Planes views (`application/vnd.voxbook.planes+json`) in the exported page: the image and each
 * layer's voxels as base64 of their bytes (little-endian, as typed arrays hold them here), the
 * typed array's class named, every other field as it is — the same one-copy-each-way scheme
 * as volume-codec.ts.
 */
import type { PlanesViewData } from '../../cells/viz/planes.ts';
import type { VoxelArray } from '../../cells/core/volume.ts';
import { base64ToBytes, bytesToBase64 } from './base64.ts';

const TYPED = { Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array } as const;
type TypedName = keyof typeof TYPED;

/** Voxels as text: the typed array's class and its bytes in base64. */
export interface EncodedVoxels {
  readonly dataType: TypedName;
  readonly base64: string;
}

type Layer<K extends 'overlay' | 'labels' | 'probability'> = Omit<NonNullable<PlanesViewData[K]>, 'data'> & { readonly data: EncodedVoxels };

export interface EncodedPlanes extends Omit<PlanesViewData, 'data' | 'overlay' | 'labels' | 'probability'> {
  readonly $planes: 'base64/1';
  readonly data: EncodedVoxels;
  readonly overlay?: Layer<'overlay'>;
  readonly labels?: Layer<'labels'>;
  readonly probability?: Layer<'probability'>;
}

export function isEncodedPlanes(value: unknown): value is EncodedPlanes {
  return typeof value === 'object' && value !== null && (value as { $planes?: unknown }).$planes === 'base64/1';
}

/** Bytes of voxels the bundle carries (image and layers): what the page would embed. */
export function planesBytes(p: PlanesViewData): number {
  return p.data.byteLength + (p.overlay?.data.byteLength ?? 0) + (p.labels?.data.byteLength ?? 0) + (p.probability?.data.byteLength ?? 0);
}

function encodeVoxels(data: VoxelArray): EncodedVoxels {
  const dataType = (Object.keys(TYPED) as TypedName[]).find((n) => data instanceof TYPED[n]);
  if (!dataType) throw new Error('planes data is not a typed array');
  return { dataType, base64: bytesToBase64(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) };
}

/** @throws Error when the bytes are not `n` voxels of the stated type. */
function decodeVoxels(e: EncodedVoxels, n: number, what: string): VoxelArray {
  const T = TYPED[e.dataType];
  if (!T) throw new Error(`embedded planes ${what} has an unknown voxel type "${String(e.dataType)}"`);
  const bytes = base64ToBytes(e.base64);
  if (bytes.byteLength !== n * T.BYTES_PER_ELEMENT) throw new Error(`embedded planes ${what} holds ${bytes.byteLength} bytes; ${n} ${e.dataType} voxels need ${n * T.BYTES_PER_ELEMENT}`);
  return new T(bytes.buffer as ArrayBuffer, bytes.byteOffset, n) as VoxelArray;
}

export function encodePlanes(p: PlanesViewData): EncodedPlanes {
  const { data, overlay, labels, probability, ...rest } = p;
  return {
    $planes: 'base64/1',
    ...rest,
    data: encodeVoxels(data),
    ...(overlay ? { overlay: { ...overlay, data: encodeVoxels(overlay.data) } } : {}),
    ...(labels ? { labels: { ...labels, data: encodeVoxels(labels.data) } } : {}),
    ...(probability ? { probability: { ...probability, data: encodeVoxels(probability.data) } } : {}),
  };
}

/** @throws Error when any array's bytes do not match the dims. */
export function decodePlanes(e: EncodedPlanes): PlanesViewData {
  const { $planes: _p, data, overlay, labels, probability, ...rest } = e;
  const n = e.dims[0] * e.dims[1] * e.dims[2];
  return {
    ...rest,
    data: decodeVoxels(data, n, 'image'),
    ...(overlay ? { overlay: { ...overlay, data: decodeVoxels(overlay.data, n, 'mask') } } : {}),
    ...(labels ? { labels: { ...labels, data: decodeVoxels(labels.data, n, 'label map') } } : {}),
    ...(probability ? { probability: { ...probability, data: decodeVoxels(probability.data, n, 'probability map') } } : {}),
  };
}
