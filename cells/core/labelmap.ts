import type { Volume } from './volume.ts';

/** One entry of a label table. */
export interface Label {
  readonly value: number;
  readonly name: string;
  /** sRGB, 0..255. */
  readonly color: readonly [number, number, number];
  readonly material?: string;
}

/** A binary or multi-label segmentation: a Uint8 volume (0 = background) plus its labels. */
export interface LabelMap extends Volume<Uint8Array> {
  readonly labels: readonly Label[];
}
