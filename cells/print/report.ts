import { type Volume, valueRange, voxelVolumeMm3 } from '../core/volume.ts';
import type { MeshReport } from '../mesh/validate.ts';
import type { FragmentRemoval } from '../segment/fragments.ts';
import type { Component, IslandRemoval } from '../segment/components.ts';
import { countNonZero } from '../segment/threshold.ts';
import { table, type Table } from '../viz/table.ts';
import type { View } from '../viz/bundle.ts';

/** How the surface was extracted, for the report (the two methods give different volumes). */
export interface SurfaceMethod {
  readonly kind: 'hu-isosurface' | 'mask-isosurface';
  readonly isoValue: number;
  readonly description: string;
}

/**
 * Provenance facts from the run: the shape of the kernel's `runInfo()`, restated here on
 * purpose because cells/ may not import the kernel (DESIGN.md §4).
 */
export interface RunFacts {
  readonly notebookSha256: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly versions: Readonly<Record<string, string>>;
  readonly startedAt: string;
}

export interface RunReportInput {
  readonly volume: Volume;
  readonly mask: Volume<Uint8Array>;
  readonly islands: IslandRemoval;
  /** Detached fragments removed after the islands; its mask is what the surface encloses. */
  readonly fragments: FragmentRemoval;
  /**
   * Which components were printed after the fragments (`ct-to-print`'s `keep`): 'largest'
   * keeps the largest (the skull, without the CT's head holder); its mask is then what the
   * surface encloses. Absent = 'all'.
   */
  readonly keep?: { readonly mode: string; readonly mask: Volume<Uint8Array>; readonly removed: readonly Component[] };
  /** The checks of the printed mesh (after smoothing and decimation, when they ran). */
  readonly check: MeshReport;
  readonly method: SurfaceMethod;
  readonly run: RunFacts;
  /** Each mesh stage in order (isosurface, smooth, decimate): its triangles, volume (mm³) and whether it stayed closed and manifold. */
  readonly stages?: readonly MeshStageFacts[];
  /** How far the printed surface lies from the raw isosurface (symmetric, mm); absent when it is the raw surface. */
  readonly deviationFromRawMm?: { readonly hd95: number; readonly mean: number; readonly max: number };
  /** The printability report of the printed parts (`printReport`), copied into report.json as it is. */
  readonly printability?: unknown;
  /** A second judge's verdict on the printed mesh (manifold-3d's `judgeManifold`); `printable` then needs its yes too. */
  readonly secondJudge?: SecondJudge;
}

/** What a second manifold judge said about the printed mesh. */
export interface SecondJudge {
  readonly tool: string;
  readonly status: string;
  readonly genus: number;
  readonly volumeMm3: number;
  /** It agrees with our own check on manifoldness, volume, area and genus. */
  readonly agrees: boolean;
  readonly printable: boolean;
}

/** One mesh stage's figures in the report. */
export interface MeshStageFacts {
  readonly stage: string;
  readonly triangles: number;
  readonly volumeMm3: number;
  readonly manifold: boolean;
}

/** The `report.json` of a CT-to-print run: what went in, what came out, and how. */
export interface RunReport {
  readonly input: {
    readonly input: string;
    readonly format: string;
    readonly modality: string | null;
    /** 'HU' when the values are Hounsfield units; null when the input does not say. */
    readonly valueUnit: string | null;
    readonly description: string;
    readonly sha256: string;
    readonly dims: readonly number[];
    readonly spacingMm: readonly number[];
    readonly originMm: readonly number[];
    readonly valueRange: { readonly min: number; readonly max: number };
    /** What the reader assumed where the file did not say (`VolumeSource.warnings`); [] when nothing. */
    readonly warnings: readonly string[];
  };
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly segmentation: {
    readonly thresholdVoxels: number;
    readonly maskVoxels: number;
    readonly maskVolumeMm3: number;
    readonly componentsKept: number;
    readonly componentsRemoved: number;
    readonly removedVolumeMm3: number;
    /** 6-connected pieces touching the rest only at edges or corners, under the island volume. */
    readonly detachedFragmentsRemoved: number;
    readonly detachedVolumeRemovedMm3: number;
    /** `keep`: 'all' components, or only the 'largest'. */
    readonly keep: string;
    /** Components left out by `keep` (largest first): their voxels and volumes. */
    readonly keepRemoved: ReadonlyArray<{ readonly voxels: number; readonly volumeMm3: number }>;
    readonly keepRemovedVolumeMm3: number;
    /** Voxels the surface encloses: the kept components without their detached fragments (and, with keep, only those kept). */
    readonly printedVoxels: number;
  };
  readonly surface: SurfaceMethod;
  readonly mesh: {
    readonly empty: boolean;
    readonly triangles: number;
    readonly vertices: number;
    readonly shells: number;
    readonly volumeMm3: number;
    readonly areaMm2: number;
    readonly bboxMm: { readonly min: readonly number[]; readonly max: readonly number[]; readonly size: readonly number[] };
    readonly edgeManifold: boolean;
    readonly closed: boolean;
    readonly consistentlyOriented: boolean;
    readonly openEdges: number;
    readonly nonManifoldEdges: number;
    readonly degenerateTriangles: number;
    /** Faces repeating another's vertices, vertices with two fans, and the verdict (`MeshReport.manifold`). */
    readonly duplicatedFaces: number;
    readonly nonManifoldVertices: number;
    readonly manifold: boolean;
  };
  /** The mesh stages in order, from the raw isosurface to the printed mesh. */
  readonly stages: readonly MeshStageFacts[];
  /** HD95, mean and max distance of the printed surface from the raw isosurface, mm; null when they are the same surface. */
  readonly deviationFromRawMm: { readonly hd95: number; readonly mean: number; readonly max: number } | null;
  /** `printReport`'s figures (build volume, orientation, overhang, walls, material); null when none ran. */
  readonly printability: unknown;
  /** The second judge's verdict (manifold-3d); null when none ran (an empty mesh). */
  readonly secondJudge: SecondJudge | null;
  readonly printable: boolean;
  readonly timingsMs: Readonly<Record<string, number>>;
  readonly provenance: {
    readonly notebookSha256: string;
    readonly inputSha256: string;
    readonly parameters: Readonly<Record<string, unknown>>;
    readonly versions: Readonly<Record<string, string>>;
    readonly startedAt: string;
  };
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/**
 * Assembles the run report (`report.json`) from the stages' results. `printable` means: not empty, closed,
 * edge-manifold, consistently oriented, positive volume.
 */
export function runReport(r: RunReportInput): RunReport {
  const voxelMm3 = voxelVolumeMm3(r.volume);
  const maskVoxels = r.islands.kept.reduce((s, c) => s + c.voxels, 0);
  const c = r.check;
  const empty = c.triangles === 0;
  return {
    input: {
      input: r.volume.source?.input ?? '',
      format: r.volume.source?.format ?? 'unknown',
      modality: r.volume.source?.modality ?? null,
      valueUnit: r.volume.source?.valueUnit ?? null,
      description: r.volume.source?.description ?? '',
      sha256: r.volume.source?.sha256 ?? '',
      dims: [...r.volume.dims],
      spacingMm: [...r.volume.spacingMm],
      originMm: [...r.volume.originMm],
      valueRange: valueRange(r.volume),
      warnings: [...(r.volume.source?.warnings ?? [])],
    },
    parameters: r.run.parameters,
    segmentation: {
      thresholdVoxels: countNonZero(r.mask),
      maskVoxels,
      maskVolumeMm3: round(maskVoxels * voxelMm3),
      componentsKept: r.islands.kept.length,
      componentsRemoved: r.islands.removed.length,
      removedVolumeMm3: round(r.islands.removed.reduce((s, x) => s + x.volumeMm3, 0)),
      detachedFragmentsRemoved: r.fragments.removed.length,
      detachedVolumeRemovedMm3: round(r.fragments.removed.reduce((s, x) => s + x.volumeMm3, 0)),
      keep: r.keep?.mode ?? 'all',
      keepRemoved: [...(r.keep?.removed ?? [])].sort((a, b) => b.voxels - a.voxels).map((x) => ({ voxels: x.voxels, volumeMm3: round(x.volumeMm3) })),
      keepRemovedVolumeMm3: round((r.keep?.removed ?? []).reduce((s, x) => s + x.volumeMm3, 0)),
      printedVoxels: countNonZero(r.keep?.mask ?? r.fragments.mask),
    },
    surface: r.method,
    mesh: {
      empty,
      triangles: c.triangles,
      vertices: c.vertices,
      shells: c.shells,
      volumeMm3: round(c.volumeMm3),
      areaMm2: round(c.areaMm2),
      bboxMm: { min: c.bbox.minMm.map((x) => round(x)), max: c.bbox.maxMm.map((x) => round(x)), size: c.bbox.sizeMm.map((x) => round(x)) },
      edgeManifold: c.edgeManifold,
      closed: c.closed,
      consistentlyOriented: c.consistentlyOriented,
      openEdges: c.openEdges,
      nonManifoldEdges: c.nonManifoldEdges,
      degenerateTriangles: c.degenerateTriangles,
      duplicatedFaces: c.duplicatedFaces,
      nonManifoldVertices: c.nonManifoldVertices,
      manifold: c.manifold,
    },
    stages: (r.stages ?? []).map((st) => ({ ...st, volumeMm3: round(st.volumeMm3) })),
    deviationFromRawMm: r.deviationFromRawMm
      ? { hd95: round(r.deviationFromRawMm.hd95, 4), mean: round(r.deviationFromRawMm.mean, 4), max: round(r.deviationFromRawMm.max, 4) }
      : null,
    printability: r.printability ?? null,
    secondJudge: r.secondJudge ? { ...r.secondJudge, volumeMm3: round(r.secondJudge.volumeMm3) } : null,
    printable: !empty && c.manifold && c.volumeMm3 > 0 && (r.secondJudge?.printable ?? true),
    timingsMs: Object.fromEntries(Object.entries(r.run.timingsMs).map(([k, v]) => [k, round(v, 1)])),
    provenance: {
      notebookSha256: r.run.notebookSha256,
      inputSha256: r.volume.source?.sha256 ?? '',
      parameters: r.run.parameters,
      versions: r.run.versions,
      startedAt: r.run.startedAt,
    },
  };
}

/** The mesh checks as a table for people. */
export function meshCheckTable(c: MeshReport): View<Table> {
  const yes = (b: boolean) => (b ? 'yes' : 'NO');
  return table({
    columns: ['check', 'result'],
    rows: [
      ['triangles', c.triangles],
      ['vertices', c.vertices],
      ['closed (no open edges)', `${yes(c.closed)} (${c.openEdges} open)`],
      ['edge-manifold', `${yes(c.edgeManifold)} (${c.nonManifoldEdges} non-manifold)`],
      ['consistently oriented', yes(c.consistentlyOriented)],
      ['shells', c.shells],
      ['enclosed volume (mm³)', Number(c.volumeMm3.toFixed(0))],
      ['surface area (mm²)', Number(c.areaMm2.toFixed(0))],
      ['bounding box (mm)', c.bbox.sizeMm.map((x) => x.toFixed(1)).join(' × ')],
      ['degenerate triangles', c.degenerateTriangles],
      ['duplicated faces', c.duplicatedFaces],
      ['manifold (closed, one fan per vertex, no duplicates)', `${yes(c.manifold)} (${c.nonManifoldVertices} pinched vertices)`],
    ],
  }, 'Mesh validation');
}
