/** Metrics: overlap between masks. */
export { dice, iou, assertSameGrid } from './overlap.ts';
