/**
 * The grid of a DICOM image or series from its header (PS3.3 C.7.6.2 Image Plane module):
 * spacing, origin and direction in LPS mm, read by Voxbook itself so that ITK's quiet
 * fallbacks (a spacing of 0, NaN or missing becomes 1 mm) can be caught, and cross-checked
 * against what ITK/GDCM returns.
 *
 * Conventions: PixelSpacing (0028,0030) is "spacing between rows \ spacing between
 * columns", so the i (column index) spacing is its second value. ImageOrientationPatient
 * (0020,0037) holds the row direction (the way i grows) then the column direction (the
 * way j grows); the slice normal is their cross product, and slices are ordered by the
 * projection of ImagePositionPatient (0020,0032) on it, ascending (as ITK does).
 */
import { FormatError } from '../core/errors.ts';
import type { Mat3, Vec3 } from '../core/volume.ts';
import type { DicomHeaderFacts } from './dicom-header.ts';
import { frameCount } from './dicom-pixels.ts';

/** A file and its header facts. */
export interface HeaderFile { readonly path: string; readonly facts: DicomHeaderFacts }

/** The grid the header gives, with what had to be assumed. */
export interface HeaderGeometry {
  readonly spacingMm: Vec3;
  readonly originMm: Vec3;
  /** Row-major, columns = world directions of i, j, k (as `Volume.direction`). */
  readonly direction: Mat3;
  /** Indices into the given files, in slice order (ascending along the normal). */
  readonly order: readonly number[];
  /** One sentence per fallback taken (missing spacing, unknown z spacing, …). */
  readonly warnings: readonly string[];
  /**
   * Which values the header states outright (so ITK must agree with them), as opposed to
   * fallbacks Voxbook chose and ITK may have chosen differently.
   */
  readonly stated: { readonly inPlane: boolean; readonly z: boolean; readonly origin: boolean; readonly direction: boolean };
}

/** Relative spread allowed between slice gaps before a series counts as unevenly spaced. */
export const SLICE_GAP_TOLERANCE = 0.01;

const DS = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The numbers of a DS (decimal string) value. @throws FormatError naming the file and
 * the tag when a value is not a finite decimal or the count is wrong.
 */
function decimals(text: string, count: number | undefined, file: string, label: string, what: string): number[] {
  const parts = text.split('\\').map((s) => s.trim());
  const values = parts.map((s) => (DS.test(s) ? Number(s) : NaN));
  if ((count !== undefined && values.length !== count) || values.some((v) => !Number.isFinite(v))) {
    throw new FormatError(file, `${label} is "${text}": it must be ${what}${count !== undefined ? ` (${count} finite decimal numbers)` : ' (finite decimal numbers)'}; fix the header, or get an intact copy of the series`);
  }
  return values;
}

/** In-plane spacing [between columns (i), between rows (j)] mm, and a warning when assumed. */
function inPlaneSpacing(f: HeaderFile): { sx: number; sy: number; stated: boolean; warning?: string } {
  const positive = (text: string, label: string) => {
    const [sy, sx] = decimals(text, 2, f.path, label, 'two spacings > 0 in mm (between rows \\ between columns)') as [number, number];
    if (!(sx > 0 && sy > 0)) {
      throw new FormatError(f.path, `${label} is "${text}": spacings must be > 0 mm (between rows \\ between columns); a wrong spacing scales the print, so fix the header (or get an intact copy of the series)`);
    }
    return { sx, sy };
  };
  const { facts } = f;
  if (facts.pixelSpacing !== undefined) return { ...positive(facts.pixelSpacing, 'PixelSpacing (0028,0030)'), stated: true };
  const fg = facts.functionalGroups?.pixelSpacing;
  if (fg !== undefined) return { ...positive(fg, 'PixelSpacing (0028,0030) in the functional groups'), stated: true };
  if (facts.imagerPixelSpacing !== undefined) {
    const s = positive(facts.imagerPixelSpacing, 'ImagerPixelSpacing (0018,1164)');
    return {
      ...s,
      stated: false,
      warning: `PixelSpacing (0028,0030) is missing: in-plane spacing taken from ImagerPixelSpacing (0018,1164), ${s.sy}×${s.sx} mm, which is measured at the detector and is larger than the patient by the geometric magnification; check the scale before printing`,
    };
  }
  return {
    sx: 1,
    sy: 1,
    stated: false,
    warning: 'PixelSpacing (0028,0030) is missing (and ImagerPixelSpacing too): in-plane spacing assumed 1 mm; do not print at scale',
  };
}

/** Row and column direction cosines; undefined when absent. @throws FormatError when not orthonormal. */
function orientation(f: HeaderFile): { r: Vec3; c: Vec3 } | undefined {
  const text = f.facts.imageOrientationPatient ?? f.facts.functionalGroups?.imageOrientationPatient;
  if (text === undefined) return undefined;
  const label = 'ImageOrientationPatient (0020,0037)';
  const v = decimals(text, 6, f.path, label, 'the row and column direction cosines');
  const r: Vec3 = [v[0]!, v[1]!, v[2]!];
  const c: Vec3 = [v[3]!, v[4]!, v[5]!];
  const nr = Math.hypot(...r), nc = Math.hypot(...c), dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
  if (Math.abs(nr - 1) > 1e-3 || Math.abs(nc - 1) > 1e-3 || Math.abs(dot) > 1e-3) {
    throw new FormatError(f.path, `${label} is "${text}": the row and column directions must be unit vectors at right angles, but |row| = ${nr.toFixed(6)}, |column| = ${nc.toFixed(6)}, row·column = ${dot.toFixed(6)}; fix the header`);
  }
  // Normalise away the rounding of the printed cosines.
  return { r: [r[0] / nr, r[1] / nr, r[2] / nr], c: [c[0] / nc, c[1] / nc, c[2] / nc] };
}

function position(f: HeaderFile): Vec3 | undefined {
  // Enhanced multi-frame images and SEG give positions per frame only: the first frame's is the origin.
  const text = f.facts.imagePositionPatient ?? f.facts.framePositions?.[0];
  if (text === undefined) return undefined;
  const v = decimals(text, 3, f.path, 'ImagePositionPatient (0020,0032)', 'the x\\y\\z position of the first voxel in mm');
  return [v[0]!, v[1]!, v[2]!];
}

/** An optional positive DS (SliceThickness, SpacingBetweenSlices). */
function positiveDs(text: string | undefined, f: HeaderFile, label: string): number | undefined {
  if (text === undefined) return undefined;
  const [v] = decimals(text, 1, f.path, label, 'one distance in mm') as [number];
  if (!(v > 0)) throw new FormatError(f.path, `${label} is "${text}": it must be > 0 mm; a wrong slice spacing scales the print, so fix the header`);
  return v;
}

const cross = (a: Vec3, b: Vec3): Vec3 => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
const dotv = (a: Vec3, b: Vec3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const fmt = (x: number) => String(Math.round(x * 1e4) / 1e4);
const base = (p: string) => p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);

/**
 * Checks that offsets along the slice normal (ascending) are evenly spaced and returns
 * the spacing, mm. `names[k]` names slice k in messages.
 * @throws FormatError naming `where`: two slices at one position, a gap (a missing
 *   slice), or gaps that differ by more than `SLICE_GAP_TOLERANCE`.
 */
function evenSpacing(offsets: readonly number[], names: readonly string[], where: string, what: string): number {
  const n = offsets.length;
  const gaps = offsets.slice(1).map((o, k) => o - offsets[k]!);
  const sorted = [...gaps].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  for (let k = 0; k < gaps.length; k++) {
    if (gaps[k]! <= Math.max(1e-3, median * 1e-3)) {
      throw new FormatError(where, `${names[k]} and ${names[k + 1]} are at the same position along the slice normal (${fmt(offsets[k]!)} mm): duplicated slices, or two series in one; remove the duplicates`);
    }
  }
  const step = (offsets[n - 1]! - offsets[0]!) / (n - 1);
  for (let k = 0; k < gaps.length; k++) {
    const g = gaps[k]!;
    if (Math.abs(g - median) > SLICE_GAP_TOLERANCE * median) {
      const missing = Math.round(g / median) - 1;
      const why = g > 1.5 * median
        ? `${missing >= 1 ? `about ${missing} slice${missing === 1 ? ' is' : 's are'} missing there` : 'a slice is missing there'}, and loading would silently stretch that part of the print`
        : 'the slices are unevenly spaced, and a regular grid would misplace them';
      throw new FormatError(where, `${what}: the gap between ${names[k]} and ${names[k + 1]} is ${fmt(g)} mm where the others are ${fmt(median)} mm: ${why}; get the complete series (or resample it onto a regular grid first)`);
    }
  }
  return step;
}

/**
 * The grid of one image file (single- or multi-frame) or of a series of single-frame
 * files, from the header alone.
 * - In-plane: PixelSpacing (or the functional groups' PixelSpacing); else
 *   ImagerPixelSpacing, with a warning; else 1 mm, with a warning.
 * - Series: slices sorted along the normal must be evenly spaced (within
 *   `SLICE_GAP_TOLERANCE`), lie on one line along the normal (no gantry tilt), and share
 *   orientation, spacing and size; z spacing = their mean gap.
 * - One multi-frame file: GridFrameOffsetVector (RT Dose) or the per-frame positions
 *   (enhanced images), which must be evenly spaced; else SpacingBetweenSlices; else
 *   SliceThickness, with a warning; else 1 mm, with a warning.
 * - One single-frame file: SpacingBetweenSlices, else SliceThickness, else 1 mm with a warning.
 * - Origin: ImagePositionPatient of the first slice, else (0, 0, 0) with a warning (refused for a series);
 *   direction: ImageOrientationPatient, else identity with a warning (refused for a series).
 * @throws FormatError naming the file (or `where` for the series) for a spacing, position
 *   or orientation that is not finite, a spacing ≤ 0, orientation cosines that are not
 *   orthonormal, and for the series faults above.
 */
export function headerGeometry(files: readonly HeaderFile[], where: string): HeaderGeometry {
  const warnings: string[] = [];
  const first = files[0]!;
  const plane = files.map(inPlaneSpacing);
  const p0 = plane[0]!;
  if (p0.warning) warnings.push(p0.warning);
  const orients = files.map(orientation);
  const positions = files.map(position);

  if (files.length > 1) {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const frames = frameCount(f.facts, f.path);
      if (frames !== 1) throw new FormatError(f.path, `has ${frames} frames, in a series of ${files.length} files: Voxbook reads either one multi-frame file or a series of single-frame files; load this file on its own`);
      const p = plane[i]!;
      if (Math.abs(p.sx - p0.sx) > 1e-4 * p0.sx || Math.abs(p.sy - p0.sy) > 1e-4 * p0.sy) {
        throw new FormatError(where, `the slices have different pixel spacings: ${base(first.path)} ${p0.sy}×${p0.sx} mm, ${base(f.path)} ${p.sy}×${p.sx} mm; they are not one regular grid (resample them first)`);
      }
      if (orients[i] === undefined) throw new FormatError(f.path, 'ImageOrientationPatient (0020,0037) is missing: the slices of a series cannot be placed without it');
      if (positions[i] === undefined) throw new FormatError(f.path, 'ImagePositionPatient (0020,0032) is missing: the slices of a series cannot be ordered or spaced without it');
    }
    const o0 = orients[0]!;
    for (let i = 1; i < files.length; i++) {
      const o = orients[i]!;
      const d = Math.max(...[0, 1, 2].map((a) => Math.max(Math.abs(o.r[a]! - o0.r[a]!), Math.abs(o.c[a]! - o0.c[a]!))));
      if (d > 1e-4) throw new FormatError(where, `the slices have different orientations (ImageOrientationPatient of ${base(first.path)} and ${base(files[i]!.path)} differ by ${d.toFixed(6)}): they are not one stack; load them separately`);
    }
    const n = cross(o0.r, o0.c);
    const offsets = positions.map((p) => dotv(p!, n));
    const order = files.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
    const sortedOffsets = order.map((i) => offsets[i]!);
    const names = order.map((i) => base(files[i]!.path));
    const dz = evenSpacing(sortedOffsets, names, where, `the ${files.length} slices, sorted by ImagePositionPatient along the slice normal`);
    // Positions must run along the normal: a sideways drift is gantry tilt (a sheared grid).
    const pa = positions[order[0]!]!, pb = positions[order[order.length - 1]!]!;
    const along = sortedOffsets[sortedOffsets.length - 1]! - sortedOffsets[0]!;
    const side = Math.hypot(pb[0] - pa[0] - along * n[0], pb[1] - pa[1] - along * n[1], pb[2] - pa[2] - along * n[2]);
    if (side > 0.5 * Math.min(p0.sx, p0.sy)) {
      throw new FormatError(where, `the slice positions drift sideways by ${fmt(side)} mm from ${names[0]} to ${names[names.length - 1]} (gantry tilt, or a sheared stack): the slices do not stack into a rectangular grid; resample first (dcm2niix, for one, corrects gantry tilt)`);
    }
    return {
      spacingMm: [p0.sx, p0.sy, dz],
      originMm: pa,
      direction: columns(o0.r, o0.c, n),
      order,
      warnings,
      stated: { inPlane: p0.stated, z: true, origin: true, direction: true },
    };
  }

  // One file.
  const f = first;
  const frames = frameCount(f.facts, f.path);
  const o = orients[0];
  const p = positions[0];
  if (o === undefined) warnings.push('ImageOrientationPatient (0020,0037) is missing: the image axes are assumed to be the patient axes (identity direction)');
  if (p === undefined) warnings.push('ImagePositionPatient (0020,0032) is missing: the first voxel is placed at (0, 0, 0) mm');
  const r: Vec3 = o?.r ?? [1, 0, 0];
  const c: Vec3 = o?.c ?? [0, 1, 0];
  let n = cross(r, c);
  const sbs = positiveDs(f.facts.spacingBetweenSlices ?? f.facts.functionalGroups?.spacingBetweenSlices, f, 'SpacingBetweenSlices (0018,0088)');
  const thick = positiveDs(f.facts.sliceThickness ?? f.facts.functionalGroups?.sliceThickness, f, 'SliceThickness (0018,0050)');
  let dz: number;
  let zStated = false;
  if (frames > 1) {
    let offsets: number[] | undefined;
    let what = '';
    if (f.facts.gridFrameOffsetVector !== undefined) {
      offsets = decimals(f.facts.gridFrameOffsetVector, frames, f.path, 'GridFrameOffsetVector (3004,000C)', `one offset in mm per frame (${frames} frames)`);
      what = 'GridFrameOffsetVector (3004,000C)';
    } else if (f.facts.framePositions !== undefined && f.facts.framePositions.length === frames) {
      offsets = f.facts.framePositions.map((t) => {
        const v = decimals(t, 3, f.path, 'ImagePositionPatient (0020,0032) of a frame', 'x\\y\\z in mm');
        return dotv([v[0]!, v[1]!, v[2]!], n);
      });
      what = 'the per-frame ImagePositionPatient (0020,0032)';
    }
    if (offsets !== undefined) {
      if (offsets.length > 1 && offsets[offsets.length - 1]! < offsets[0]!) {
        // Frames run against the normal: keep the frame order, flip the third axis.
        offsets = offsets.map((x) => -x);
        n = [-n[0], -n[1], -n[2]];
      }
      dz = evenSpacing(offsets, offsets.map((_, k) => `frame ${k + 1}`), f.path, `the ${frames} frames' offsets from ${what}`);
      zStated = true;
    } else if (sbs !== undefined) {
      dz = sbs;
      zStated = true;
    } else if (thick !== undefined) {
      dz = thick;
      warnings.push(`the ${frames} frames carry no positions and no SpacingBetweenSlices (0018,0088): they are stacked SliceThickness (0018,0050) = ${thick} mm apart, which is right only for contiguous slices (and they may be time points, not slices); check before printing`);
    } else {
      dz = 1;
      warnings.push(`the ${frames} frames carry no positions, SpacingBetweenSlices or SliceThickness: they are stacked 1 mm apart (they may be time points, not slices); do not print at scale`);
    }
  } else if (sbs !== undefined) {
    dz = sbs;
    zStated = true;
  } else if (thick !== undefined) {
    dz = thick; // one slice: its thickness is its extent along the normal
  } else {
    dz = 1;
    warnings.push('a single slice without SliceThickness (0018,0050) or SpacingBetweenSlices (0018,0088): its thickness is unknown and assumed 1 mm');
  }
  return {
    spacingMm: [p0.sx, p0.sy, dz],
    originMm: p ?? [0, 0, 0],
    direction: columns(r, c, n),
    order: [0],
    warnings,
    stated: { inPlane: p0.stated, z: zStated, origin: p !== undefined, direction: o !== undefined },
  };
}

/** Row-major matrix whose columns are a, b, c. */
function columns(a: Vec3, b: Vec3, c: Vec3): Mat3 {
  return [a[0], b[0], c[0], a[1], b[1], c[1], a[2], b[2], c[2]];
}

/** What ITK/GDCM returned, to be compared with the header. */
export interface ItkGeometry { readonly spacingMm: Vec3; readonly originMm: Vec3; readonly direction: Mat3; readonly is3d: boolean }

/**
 * Compares ITK's grid with the header's where the header states the value (fallbacks
 * are Voxbook's choice and not compared). Tolerances: spacing 1e-3 relative, origin
 * 0.01 mm, direction 1e-3.
 * @throws FormatError naming `where` when they disagree: the two readers would place the
 *   voxels differently, and Voxbook will not pick one silently.
 */
export function crossCheckItk(header: HeaderGeometry, itk: ItkGeometry, where: string): void {
  const bad: string[] = [];
  const s = header.spacingMm, t = itk.spacingMm;
  if (header.stated.inPlane && (Math.abs(s[0] - t[0]) > 1e-3 * s[0] || Math.abs(s[1] - t[1]) > 1e-3 * s[1])) {
    bad.push(`in-plane spacing ${fmt(t[0])}×${fmt(t[1])} mm (header: ${fmt(s[0])}×${fmt(s[1])} mm)`);
  }
  if (header.stated.z && itk.is3d && Math.abs(s[2] - t[2]) > 1e-3 * s[2]) bad.push(`slice spacing ${fmt(t[2])} mm (header: ${fmt(s[2])} mm)`);
  if (header.stated.origin && [0, 1, 2].some((a) => Math.abs(header.originMm[a]! - itk.originMm[a]!) > 0.01)) {
    bad.push(`origin (${itk.originMm.map(fmt).join(', ')}) mm (header: (${header.originMm.map(fmt).join(', ')}))`);
  }
  if (header.stated.direction) {
    const cols = itk.is3d ? 3 : 2;
    let worst = 0;
    for (let r = 0; r < 3; r++) for (let c = 0; c < cols; c++) worst = Math.max(worst, Math.abs(header.direction[3 * r + c]! - itk.direction[3 * r + c]!));
    if (worst > 1e-3) bad.push(`direction [${itk.direction.map(fmt).join(', ')}] (header: [${header.direction.map(fmt).join(', ')}])`);
  }
  if (bad.length > 0) {
    throw new FormatError(where, `ITK/GDCM read a different grid from the one the DICOM header states: ${bad.join('; ')}. Voxbook will not choose between them silently; please report this file`);
  }
}
