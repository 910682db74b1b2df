export * from './report.ts';
export { judgeManifold, type JudgeOptions, type ManifoldJudgement } from './judge.ts';
export { configureManifold } from './manifold-wasm.ts';
export { hollowMesh, type HollowOptions, type Hollowed, type DrainHole } from './hollow.ts';
