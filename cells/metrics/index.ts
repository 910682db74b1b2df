/** Metrics: overlap, surface distances and intensity agreement, in mm from the grid's spacing. */
export { dice, iou, assertSameGrid } from './overlap.ts';
export { compareMasks, type CompareMasksOptions, type MaskComparison } from './compare-masks.ts';
export { compareImages, type CompareImagesOptions, type ImageComparison } from './compare-images.ts';
export { compareLabelMaps, type CompareLabelMapsOptions, type LabelComparison, type LabelVolume } from './compare-labels.ts';
export { distanceTransform } from './distance-transform.ts';
export { surfaceVoxels } from './surface.ts';
export { percentileInPlace } from './percentile.ts';
