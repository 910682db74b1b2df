/**
 * The public 'voxbook' API, what notebooks import: the domain library (cells/) and the
 * sample loaders (datasets/, which build on cells/). It sits at the root rather than in
 * cells/index.ts so that imports run one way (datasets → cells) with no re-export back.
 */
export * from './cells/index.ts';
export { loadInput, loadSample, headPhantom, SAMPLES, DEFAULT_SAMPLE } from './datasets/index.ts';
export { loadLabels } from './datasets/index.ts';
