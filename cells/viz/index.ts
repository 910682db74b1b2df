export * from './bundle.ts';
export * from './table.ts';
export * from './describe.ts';
export * from './histogram.ts';
export * from './slice.ts';
export * from './mesh-view.ts';
export * from './download.ts';
export * from './metrics.ts';
