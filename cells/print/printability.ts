/**
 * The printability report: for each part of a print, whether a slicer can take it (closed,
 * manifold), what it is (shells, genus, volume, area, size), whether and how it fits a
 * printer, how much overhangs, and where its walls are thinner than the process prints.
 */
import { ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { checkAbort, stageSpan, type StageOptions } from '../core/stage.ts';
import type { Vec3 } from '../core/volume.ts';
import type { MeshPart } from '../io/mesh-export.ts';
import { meshShells } from '../mesh/shells.ts';
import { wallThickness } from '../mesh/thickness.ts';
import { validateMesh, type MeshReport } from '../mesh/validate.ts';
import { meshView } from '../viz/mesh-view.ts';
import { table, type Table } from '../viz/table.ts';
import type { View } from '../viz/bundle.ts';
import { chooseOrientation, overhangArea, type Orientation, type OrientationObjective } from './orientation.ts';
import { resolvePrinter, type Printer, type PrinterPreset } from './printers.ts';

/** A part to print: a `MeshPart` plus the material and infill another stage may have assigned. */
export interface PrintPart extends MeshPart {
  readonly material?: string;
  /** 0..100 */
  readonly infillPercent?: number;
  /**
   * `validateMesh(mesh)` when the caller has it already (e.g. `judgeManifold(mesh).ours`), so
   * that it is not computed again (~0.25 s on a 540k-triangle skull). It must be the report
   * of this very mesh, unchanged since; its triangle and vertex counts are checked.
   */
  readonly check?: MeshReport;
}

export interface PrintReportOptions extends StageOptions {
  /** A preset ('fdm-mk4', 'msla-resin') or a custom printer. */
  readonly printer: PrinterPreset | Printer;
  /** Overrides the printer's minimum wall, mm. */
  readonly minWallMm?: number;
  /** What the orientation search minimises. Default 'overhang' (then height). */
  readonly objective?: OrientationObjective;
  /** Steepest printable overhang, degrees from vertical. Default 45. */
  readonly maxOverhangDeg?: number;
  /** Most wall-thickness rays per part (one per vertex up to this). Default 1,000,000. */
  readonly maxRays?: number;
  /** Thin spots listed per part (largest first). Default 20. */
  readonly maxSpotsListed?: number;
}

/** A connected patch of the surface where the wall is under the minimum. */
export interface ThinSpot {
  readonly vertices: number;
  readonly areaMm2: number;
  readonly minMm: number;
  /** Mean position of its vertices, mm (part coordinates). */
  readonly centerMm: Vec3;
}

export interface PartPrintReport {
  readonly name: string;
  readonly triangles: number;
  readonly vertices: number;
  readonly closed: boolean;
  readonly edgeManifold: boolean;
  readonly consistentlyOriented: boolean;
  readonly openEdges: number;
  readonly nonManifoldEdges: number;
  readonly degenerateTriangles: number;
  /** Vertex-connected pieces; `cavities` of them enclose negative volume (voids inside). */
  readonly shells: number;
  readonly cavities: number;
  /** Σ over shells of their genus (handles), from χ = V − E + F = 2·shells − 2·genus; null unless closed and edge-manifold. */
  readonly genus: number | null;
  readonly volumeMm3: number;
  readonly areaMm2: number;
  readonly bboxMm: { readonly min: Vec3; readonly max: Vec3; readonly size: Vec3 };
  readonly fitsAsGiven: boolean;
  /** Whether some rotation (of those searched) fits the build volume. */
  readonly fitsRotated: boolean;
  readonly orientation: {
    readonly objective: OrientationObjective;
    readonly up: Vec3;
    readonly yawDeg: number;
    /** Rows: the print frame's x, y, z in part coordinates (print = rotation · part). */
    readonly rotation: readonly [Vec3, Vec3, Vec3];
    readonly sizeMm: Vec3;
    readonly heightMm: number;
    /** Up directions screened (6 axis + sampled) and measured exactly (cells/print/orientation.ts). */
    readonly upDirectionsSearched: number;
    readonly upDirectionsMeasuredExactly: number;
  };
  readonly overhang: {
    readonly maxAngleDeg: number;
    /** As given (+z up), mm². */
    readonly asGivenMm2: number;
    /** In the chosen orientation, mm². */
    readonly orientedMm2: number;
  };
  readonly walls: {
    readonly minWallMm: number;
    readonly rays: number;
    /** Rays that met no surface (open mesh or inward winding). */
    readonly missedRays: number;
    /** Thinnest, 1st and 5th percentile and median over the rays that hit (nearest rank), mm; null when none hit. */
    readonly minMm: number | null;
    readonly p1Mm: number | null;
    readonly p5Mm: number | null;
    readonly medianMm: number | null;
    /** Sampled vertices under `minWallMm`, and the surface area around them (a third of each adjacent triangle), mm². */
    readonly thinVertices: number;
    readonly thinAreaMm2: number;
    /** Connected thin patches, and the largest of them. */
    readonly thinSpotCount: number;
    readonly thinSpots: readonly ThinSpot[];
  };
  readonly material: string;
  readonly infillPercent: number | null;
  /** A slicer can take it and it fits: closed, edge-manifold, oriented, positive volume, fits some rotation. */
  readonly printable: boolean;
  /** No sampled wall under the minimum (thin walls print, but may break or vanish: see `walls.thinSpots`). */
  readonly wallsAboveMinimum: boolean;
}

export interface PrintabilityReport {
  readonly printer: Printer;
  readonly minWallMm: number;
  readonly parts: readonly PartPrintReport[];
  /** Every part printable (walls aside). */
  readonly allPrintable: boolean;
  /** Every part's walls at or above the minimum. */
  readonly allWallsAboveMinimum: boolean;
}

export interface Printability {
  /** JSON-serialisable: numbers, strings, booleans, arrays. */
  readonly report: PrintabilityReport;
  readonly table: View<Table>;
  /** All parts in one mesh, coloured per vertex: thin walls red, near the minimum orange, the rest the part's colour. */
  readonly view: View<Mesh>;
  /** Per part, per vertex wall thickness, mm (NaN where not sampled). */
  readonly thicknessMm: readonly Float32Array[];
}

/** Rounded for the report; + 0 turns −0 into 0. */
const round = (x: number, digits = 3) => Number(x.toFixed(digits)) + 0;
/** Rounded, or null where nothing was measured (all rays missed): JSON has no NaN or Infinity. */
const roundOrNull = (x: number, digits = 3) => (Number.isFinite(x) ? round(x, digits) : null);
const round3 = (v: readonly number[]): Vec3 => [round(v[0]!), round(v[1]!), round(v[2]!)];

/**
 * The printability report of `parts` for `printer`. Per part: `validateMesh` (closed,
 * manifold, oriented, volume, area, bounds), `meshShells` (pieces, cavities), genus from the
 * Euler characteristic, build-volume fit as given and over searched rotations, the orientation
 * minimising `objective` (cells/print/orientation.ts), overhang area by the 45° rule (faces on
 * the bed excluded), and wall thickness by one ray per vertex along the inward normal
 * (cells/mesh/thickness.ts, a BVH of our own) with the thin spots under the minimum wall.
 * Progress: once 0..1 over all parts, weighted by triangles.
 * @throws ParameterError for no parts, duplicate names, a bad printer, minWallMm or infill, or a
 *   part's `check` whose counts are not its mesh's.
 * @throws GeometryError (checkMesh) for an empty mesh, non-finite positions or bad indices.
 * @throws AbortError when `signal` fires.
 */
export function printReport(parts: readonly PrintPart[], options: PrintReportOptions): Printability {
  const { signal, onProgress, objective = 'overhang', maxOverhangDeg = 45, maxRays, maxSpotsListed = 20 } = options;
  if (parts.length === 0) throw new ParameterError('printReport: no parts given; pass [{ name, mesh }]');
  const printer = resolvePrinter(options.printer);
  const minWallMm = options.minWallMm ?? printer.minWallMm;
  if (!(Number.isFinite(minWallMm) && minWallMm > 0)) throw new ParameterError(`printReport: minWallMm must be a positive number of mm (got ${minWallMm})`);
  if (!(maxOverhangDeg > 0 && maxOverhangDeg < 90)) throw new ParameterError(`printReport: maxOverhangDeg must be between 0 and 90 (got ${maxOverhangDeg})`);
  const names = new Set<string>();
  for (const p of parts) {
    if (names.has(p.name)) throw new ParameterError(`printReport: two parts are named "${p.name}"; names must be unique`);
    names.add(p.name);
    if (p.infillPercent !== undefined && !(p.infillPercent >= 0 && p.infillPercent <= 100)) throw new ParameterError(`printReport: part "${p.name}" has infill ${p.infillPercent}%; give 0..100`);
    const { V, T } = checkMesh(p.mesh, `printReport (part "${p.name}")`);
    if (p.check && (p.check.triangles !== T || p.check.vertices !== V)) {
      throw new ParameterError(`printReport: part "${p.name}" comes with a check of ${p.check.triangles} triangles and ${p.check.vertices} vertices, but its mesh has ${T} and ${V}; pass validateMesh of this mesh, or no check`);
    }
  }
  const total = parts.reduce((s, p) => s + p.mesh.indices.length, 0);
  let done = 0;
  onProgress?.(0);
  const reports: PartPrintReport[] = [];
  const thickness: Float32Array[] = [];
  for (const part of parts) {
    const weight = part.mesh.indices.length / total;
    checkAbort('printReport', signal);
    const r = partReport(part, printer, minWallMm, objective, maxOverhangDeg, maxRays, maxSpotsListed, stageSpan(options, done, Math.min(1, done + weight)));
    reports.push(r.report);
    thickness.push(r.thicknessMm);
    done += weight;
  }
  onProgress?.(1);
  const report: PrintabilityReport = { printer, minWallMm, parts: reports, allPrintable: reports.every((r) => r.printable), allWallsAboveMinimum: reports.every((r) => r.wallsAboveMinimum) };
  return { report, table: printabilityTable(report), view: thicknessView(parts, thickness, minWallMm), thicknessMm: thickness };
}

function partReport(
  part: PrintPart, printer: Printer, minWallMm: number, objective: OrientationObjective, maxOverhangDeg: number,
  maxRays: number | undefined, maxSpots: number, stage: StageOptions,
): { report: PartPrintReport; thicknessMm: Float32Array } {
  const mesh = part.mesh;
  const check = part.check ?? validateMesh(mesh);
  const shells = meshShells(mesh);
  let cavities = 0;
  for (let s = 0; s < shells.count; s++) if (shells.volumeMm3[s]! < 0) cavities++;
  const used = usedVertexCount(mesh);
  const chi = used - check.edges + check.triangles;
  const genus = check.closed && check.edgeManifold ? (2 * shells.count - chi) / 2 : null;
  stage.onProgress?.(0.1);
  const orientation: Orientation = chooseOrientation(mesh, { objective, buildMm: printer.buildMm, maxOverhangDeg, ...stageSpan(stage, 0.1, 0.4) });
  const asGiven = overhangArea(mesh, [0, 0, 1], { maxOverhangDeg });
  const size = check.bbox.sizeMm;
  const fitsAsGiven = size[0] <= printer.buildMm[0] && size[1] <= printer.buildMm[1] && size[2] <= printer.buildMm[2];
  const walls = wallThickness(mesh, { ...(maxRays !== undefined ? { maxRays } : {}), ...stageSpan(stage, 0.4, 0.95) });
  const w = thinSpots(mesh, walls.thicknessMm, minWallMm, maxSpots);
  const printable = check.triangles > 0 && check.manifold && check.volumeMm3 > 0
    && orientation.anyFits;
  const report: PartPrintReport = {
    name: part.name,
    triangles: check.triangles,
    vertices: check.vertices,
    closed: check.closed,
    edgeManifold: check.edgeManifold,
    consistentlyOriented: check.consistentlyOriented,
    openEdges: check.openEdges,
    nonManifoldEdges: check.nonManifoldEdges,
    degenerateTriangles: check.degenerateTriangles,
    shells: shells.count,
    cavities,
    genus,
    volumeMm3: round(check.volumeMm3),
    areaMm2: round(check.areaMm2),
    bboxMm: { min: round3(check.bbox.minMm), max: round3(check.bbox.maxMm), size: round3(size) },
    fitsAsGiven,
    fitsRotated: orientation.anyFits,
    orientation: {
      objective,
      up: round3(orientation.up.map((x) => round(x, 6))),
      yawDeg: orientation.yawDeg,
      rotation: orientation.rotation.map((row) => row.map((x) => round(x, 6))) as unknown as [Vec3, Vec3, Vec3],
      sizeMm: round3(orientation.sizeMm),
      heightMm: round(orientation.heightMm),
      upDirectionsSearched: orientation.candidates.upDirections,
      upDirectionsMeasuredExactly: orientation.candidates.measuredExactly,
    },
    overhang: { maxAngleDeg: maxOverhangDeg, asGivenMm2: round(asGiven), orientedMm2: round(orientation.overhangAreaMm2) },
    walls: {
      minWallMm,
      rays: walls.rays,
      missedRays: walls.missed,
      minMm: roundOrNull(w.minMm),
      p1Mm: roundOrNull(w.p1Mm),
      p5Mm: roundOrNull(w.p5Mm),
      medianMm: roundOrNull(w.medianMm),
      thinVertices: w.thinVertices,
      thinAreaMm2: round(w.thinAreaMm2),
      thinSpotCount: w.spotCount,
      thinSpots: w.spots,
    },
    material: part.material ?? 'unassigned',
    infillPercent: part.infillPercent ?? null,
    printable,
    wallsAboveMinimum: w.thinVertices === 0,
  };
  stage.onProgress?.(1);
  return { report, thicknessMm: walls.thicknessMm };
}

function usedVertexCount(mesh: Mesh): number {
  const seen = new Uint8Array(mesh.positions.length / 3);
  let n = 0;
  for (let i = 0; i < mesh.indices.length; i++) if (!seen[mesh.indices[i]!]) { seen[mesh.indices[i]!] = 1; n++; }
  return n;
}

/** Nearest-rank percentile of a sorted array. */
const percentile = (sorted: Float32Array, q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!);

/**
 * Thin vertices (sampled, thickness < minWallMm) joined into patches through mesh edges
 * (union-find), with each patch's area (a third of every adjacent triangle per vertex).
 */
function thinSpots(mesh: Mesh, thickness: Float32Array, minWallMm: number, maxSpots: number) {
  const P = mesh.positions, I = mesh.indices, V = P.length / 3;
  const finite = thickness.filter((x) => Number.isFinite(x)).sort();
  const thin = new Uint8Array(V);
  let thinVertices = 0;
  for (let v = 0; v < V; v++) if (thickness[v]! < minWallMm) { thin[v] = 1; thinVertices++; }
  const parent = new Int32Array(V);
  for (let v = 0; v < V; v++) parent[v] = v;
  const find = (x: number) => {
    while (parent[x] !== x) { parent[x] = parent[parent[x]!]!; x = parent[x]!; }
    return x;
  };
  const join = (p: number, q: number) => {
    const rp = find(p), rq = find(q);
    if (rp !== rq) parent[rp] = rq;
  };
  const vertexArea = new Float64Array(V);
  for (let t = 0; t < I.length; t += 3) {
    const a = I[t]!, b = I[t + 1]!, c = I[t + 2]!;
    const ux = P[3 * b]! - P[3 * a]!, uy = P[3 * b + 1]! - P[3 * a + 1]!, uz = P[3 * b + 2]! - P[3 * a + 2]!;
    const wx = P[3 * c]! - P[3 * a]!, wy = P[3 * c + 1]! - P[3 * a + 1]!, wz = P[3 * c + 2]! - P[3 * a + 2]!;
    const third = Math.hypot(uy * wz - uz * wy, uz * wx - ux * wz, ux * wy - uy * wx) / 6;
    vertexArea[a] += third; vertexArea[b] += third; vertexArea[c] += third;
    if (thin[a] && thin[b]) join(a, b);
    if (thin[b] && thin[c]) join(b, c);
    if (thin[c] && thin[a]) join(c, a);
  }
  const byRoot = new Map<number, { vertices: number; areaMm2: number; minMm: number; sx: number; sy: number; sz: number }>();
  let thinAreaMm2 = 0;
  for (let v = 0; v < V; v++) {
    if (!thin[v]) continue;
    thinAreaMm2 += vertexArea[v]!;
    const r = find(v);
    let s = byRoot.get(r);
    if (!s) { s = { vertices: 0, areaMm2: 0, minMm: Infinity, sx: 0, sy: 0, sz: 0 }; byRoot.set(r, s); }
    s.vertices++;
    s.areaMm2 += vertexArea[v]!;
    s.minMm = Math.min(s.minMm, thickness[v]!);
    s.sx += P[3 * v]!; s.sy += P[3 * v + 1]!; s.sz += P[3 * v + 2]!;
  }
  const spots: ThinSpot[] = [...byRoot.values()]
    .sort((a, b) => b.areaMm2 - a.areaMm2)
    .slice(0, maxSpots)
    .map((s) => ({ vertices: s.vertices, areaMm2: round(s.areaMm2), minMm: round(s.minMm), centerMm: round3([s.sx / s.vertices, s.sy / s.vertices, s.sz / s.vertices]) }));
  return {
    minMm: finite.length ? finite[0]! : NaN, p1Mm: percentile(finite, 0.01), p5Mm: percentile(finite, 0.05), medianMm: percentile(finite, 0.5),
    thinVertices, thinAreaMm2, spotCount: byRoot.size, spots,
  };
}

const yes = (b: boolean) => (b ? 'yes' : 'NO');

/** The report as a table: one column per part. */
export function printabilityTable(report: PrintabilityReport): View<Table> {
  const P = report.parts;
  const mm = (x: number | null, d = 1) => (x !== null && Number.isFinite(x) ? Number(x.toFixed(d)) : '—');
  const row = (label: string, f: (p: PartPrintReport) => string | number | boolean | null) => [label, ...P.map(f)];
  return table({
    columns: ['', ...P.map((p) => p.name)],
    rows: [
      row('printable (closed, manifold, fits)', (p) => yes(p.printable)),
      row(`walls ≥ ${report.minWallMm} mm`, (p) => yes(p.wallsAboveMinimum)),
      row('closed, edge-manifold, oriented', (p) => `${yes(p.closed)}, ${yes(p.edgeManifold)}, ${yes(p.consistentlyOriented)} (${p.openEdges} open, ${p.nonManifoldEdges} non-manifold edges)`),
      row('shells (cavities), genus', (p) => `${p.shells} (${p.cavities}), ${p.genus ?? '—'}`),
      row('volume (mm³)', (p) => mm(p.volumeMm3, 0)),
      row('area (mm²)', (p) => mm(p.areaMm2, 0)),
      row('size as given (mm)', (p) => p.bboxMm.size.map((x) => x.toFixed(1)).join(' × ')),
      row(`fits ${report.printer.name} (${report.printer.buildMm.join(' × ')} mm)`, (p) => `as given ${yes(p.fitsAsGiven)}; rotated ${yes(p.fitsRotated)}`),
      row('orientation (least ' + (P[0]?.orientation.objective ?? 'overhang') + ')', (p) => `up = (${p.orientation.up.map((x) => x.toFixed(2)).join(', ')}), height ${mm(p.orientation.heightMm)} mm`),
      row(`overhang > ${P[0]?.overhang.maxAngleDeg ?? 45}° (mm²)`, (p) => `${mm(p.overhang.orientedMm2, 0)} (as given ${mm(p.overhang.asGivenMm2, 0)})`),
      row('wall thickness (mm): min / P5 / median', (p) => `${mm(p.walls.minMm, 2)} / ${mm(p.walls.p5Mm, 2)} / ${mm(p.walls.medianMm, 2)} (${p.walls.rays.toLocaleString('en-US')} rays)`),
      row(`thin (< ${report.minWallMm} mm)`, (p) => `${p.walls.thinVertices.toLocaleString('en-US')} vertices, ${mm(p.walls.thinAreaMm2, 0)} mm² in ${p.walls.thinSpotCount} spots`),
      row('material, infill', (p) => `${p.material}, ${p.infillPercent === null ? '—' : `${p.infillPercent}%`}`),
    ],
  }, `Printability on ${report.printer.name}`);
}

const THIN_RGB = [220, 38, 38] as const, NEAR_RGB = [245, 158, 11] as const;

function parseColor(c: string | undefined): [number, number, number] {
  const m = c ? /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})/i.exec(c) : null;
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)] : [227, 218, 201];
}

/** All parts in one mesh view, per-vertex colours: red under the minimum wall, orange under twice it, else the part's colour. */
function thicknessView(parts: readonly PrintPart[], thickness: readonly Float32Array[], minWallMm: number): View<Mesh> {
  const V = parts.reduce((s, p) => s + p.mesh.positions.length / 3, 0);
  const T3 = parts.reduce((s, p) => s + p.mesh.indices.length, 0);
  const positions = new Float32Array(3 * V), indices = new Uint32Array(T3), colors = new Uint8Array(3 * V);
  let v0 = 0, i0 = 0;
  parts.forEach((part, k) => {
    const m = part.mesh, th = thickness[k]!, base = parseColor(part.color);
    positions.set(m.positions, 3 * v0);
    for (let i = 0; i < m.indices.length; i++) indices[i0 + i] = m.indices[i]! + v0;
    for (let v = 0; v < m.positions.length / 3; v++) {
      const t = th[v]!;
      colors.set(t < minWallMm ? THIN_RGB : t < 2 * minWallMm ? NEAR_RGB : base, 3 * (v0 + v));
    }
    v0 += m.positions.length / 3;
    i0 += m.indices.length;
  });
  const mesh: Mesh = { positions, indices };
  return meshView(mesh, { name: `wall thickness (red < ${minWallMm} mm, orange < ${2 * minWallMm} mm)`, vertexColors: colors });
}
