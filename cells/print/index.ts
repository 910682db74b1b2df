export * from './report.ts';
export { assignMaterials, DEFAULT_MATERIAL_TABLE, type AssignMaterialsOptions, type AssignedMaterials, type HuStats, type MaterialChoice, type MaterialPart, type MaterialRule, type MaterialTable } from './materials.ts';
export * from './printers.ts';
export * from './orientation.ts';
export * from './printability.ts';
export { judgeManifold, type JudgeOptions, type ManifoldJudgement } from './judge.ts';
export { configureManifold } from './manifold-wasm.ts';
export { hollowMesh, type HollowOptions, type Hollowed, type DrainHole } from './hollow.ts';
