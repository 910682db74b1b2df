export * from './report.ts';
export * from './printers.ts';
export * from './orientation.ts';
export * from './printability.ts';
