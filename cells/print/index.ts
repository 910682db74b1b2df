export * from './report.ts';
export { assignMaterials, DEFAULT_MATERIAL_TABLE, type AssignMaterialsOptions, type AssignedMaterials, type HuStats, type MaterialChoice, type MaterialPart, type MaterialRule, type MaterialTable } from './materials.ts';
