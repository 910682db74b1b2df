/**
 * InVesalius 3 projects (`.inv3`).
 *
 * What the file holds (format_version 1, as written by InVesalius 3.0; later versions
 * add optional keys but keep this layout):
 * - a tar archive, gzipped unless main.plist says `compress: false`, of one folder with
 *   - `main.plist` (XML plist): `matrix` {`filename`: "matrix.dat", `dtype`: "int16",
 *     `shape`: [nz, ny, nx]}, `spacing` [sx, sy, sz] mm, `modality`, `name`,
 *     `window_width`/`window_level`, `scalar_range`, `orientation`, and `masks` /
 *     `surfaces` dicts mapping an index to `mask_N.plist` / `surface_N.plist`;
 *   - `matrix.dat`: raw little-endian samples, z slowest, x fastest (a NumPy memmap);
 *   - `mask_N.dat`: uint8 of shape (nz+1, ny+1, nx+1) — one leading padding plane per
 *     axis that InVesalius uses for bookkeeping — 255 inside; `mask_N.plist` gives its
 *     `threshold_range`, `name`, `mask_shape`, `mask_file`.
 * - Orientation: in the stored array +x points to the patient's left, +y anterior and +z
 *   superior. LPS wants +y posterior, so the reader reverses the rows (j' = ny−1−j): the
 *   result's index j runs anterior → posterior like a DICOM axial series, with the
 *   identity direction matrix.
 * - Position: main.plist stores no origin (no ImagePositionPatient; InVesalius keeps
 *   only spacing). The reader centres the grid on the LPS origin:
 *   originMm[a] = −(n[a] − 1)/2 · spacing[a]. The DICOM series derived from the same
 *   sample (`ct-head-0051-dicom`) uses that placement, so both load to the same volume,
 *   voxel for voxel and position for position. Later versions may add an `affine` key;
 *   it is not applied here and the volume's description says so when present.
 *
 * Source: InVesalius 3 (CTI Renato Archer, GPL-2), `invesalius/project.py` and
 * `invesalius/data/mask.py`, read for the layout; the tar format is POSIX.1-1988 ustar
 * (512-byte headers, octal sizes) with the GNU 'L' and PAX 'x' long-name extensions.
 */
import { parse as parsePlistXml } from 'plist';
import { FormatError, ParameterError } from '../core/errors.ts';
import { checkAbort, stageSpan, type StageOptions } from '../core/stage.ts';
import { IDENTITY3, makeVolume, type Vec3, type Volume } from '../core/volume.ts';
import { inputName, readInput, sha256Hex, type PickedFile } from './bytes.ts';
import { gunzipChecked, isGzip } from './gzip.ts';

/** One member of a tar archive: its path inside the archive and a view of its bytes. */
export interface TarEntry {
  readonly path: string;
  readonly data: Uint8Array;
}

function cString(b: Uint8Array, start: number, len: number): string {
  let end = start;
  while (end < start + len && b[end] !== 0) end++;
  return new TextDecoder().decode(b.subarray(start, end));
}

function octal(b: Uint8Array, start: number, len: number): number {
  // GNU base-256 for large values: high bit of the first byte set.
  if (b[start]! & 0x80) {
    let v = b[start]! & 0x7f;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + b[i]!;
    return v;
  }
  const s = cString(b, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

/**
 * Lists the regular files of a tar archive (ustar, GNU or PAX), as views into `tar`
 * (no copies).
 * @throws FormatError naming `name` on a bad header checksum or a member running past the end.
 */
export function readTar(tar: Uint8Array, name: string): TarEntry[] {
  const out: TarEntry[] = [];
  let pos = 0;
  let longName: string | undefined;
  while (pos + 512 <= tar.length) {
    const h = tar.subarray(pos, pos + 512);
    if (h.every((x) => x === 0)) break; // end-of-archive marker
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
    const stored = octal(h, 148, 8);
    if (stored !== sum) throw new FormatError(name, `not a tar archive (header at byte ${pos} has checksum ${stored}, computed ${sum})`);
    const size = octal(h, 124, 12);
    const type = String.fromCharCode(h[156]!);
    const dataStart = pos + 512;
    if (dataStart + size > tar.length) {
      throw new FormatError(name, `truncated tar: member "${cString(h, 0, 100)}" needs ${size} bytes at ${dataStart} but the archive ends at ${tar.length}`);
    }
    const data = tar.subarray(dataStart, dataStart + size);
    if (type === 'L') {
      longName = cString(data, 0, data.length);
    } else if (type === 'x') {
      // PAX records: "<len> key=value\n"
      const text = new TextDecoder().decode(data);
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(text);
      if (m) longName = m[1];
    } else {
      const prefix = cString(h, 345, 155);
      const short = cString(h, 0, 100);
      const path = longName ?? (prefix ? `${prefix}/${short}` : short);
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7') out.push({ path, data });
    }
    pos = dataStart + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** The geometry and metadata of an InVesalius project, from its main.plist. */
export interface Inv3Info {
  /** `name` from main.plist (e.g. "ProMED CT 0051"). */
  readonly name: string;
  readonly modality: string;
  /** [nx, ny, nz] (main.plist stores [nz, ny, nx]). */
  readonly dims: Vec3;
  readonly spacingMm: Vec3;
  readonly windowWidth?: number;
  readonly windowLevel?: number;
  /** Mask indices present, ascending. */
  readonly maskIndices: readonly number[];
  readonly formatVersion?: number;
}

/** A mask of the project on the volume's grid, with what InVesalius thresholded it at. */
export interface Inv3Mask {
  readonly index: number;
  readonly name: string;
  /** 1 inside, 0 outside; same grid as the project's volume (y already flipped). */
  readonly mask: Volume<Uint8Array>;
  /** `threshold_range` from mask_N.plist, inclusive, in the volume's units (HU for CT). */
  readonly minHu: number;
  readonly maxHu: number;
}

/** An opened project: the archive is decompressed once; volume and masks are read on demand. */
export interface Inv3Project {
  readonly info: Inv3Info;
  /** The image as an LPS volume (int16). */
  volume(): Volume<Int16Array>;
  /** Mask `index` (see `info.maskIndices`). @throws ParameterError if there is no such mask. */
  mask(index: number): Inv3Mask;
}

type PlistDict = Record<string, unknown>;

function isDict(x: unknown): x is PlistDict {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date) && !(x instanceof Uint8Array);
}

function parsePlist(bytes: Uint8Array, name: string, member: string): PlistDict {
  let v: unknown;
  try {
    v = parsePlistXml(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new FormatError(name, `${member} is not a valid XML plist (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (!isDict(v)) throw new FormatError(name, `${member} does not hold a dictionary`);
  return v;
}

function numbers(v: unknown, n: number, what: string, name: string): number[] {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new FormatError(name, `${what} should be ${n} numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies rows of `ny` × `nz` planes in reverse row order (j' = ny−1−j), `rowLen` items per row. */
function flipRows<T extends Int16Array | Uint8Array>(src: T, dst: T, rowLen: number, ny: number, nz: number): void {
  const plane = rowLen * ny;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    for (let j = 0; j < ny; j++) {
      const s = base + j * rowLen;
      dst.set(src.subarray(s, s + rowLen), base + (ny - 1 - j) * rowLen);
    }
  }
}

/**
 * Opens an `.inv3` project held in memory (gzipped or plain tar).
 * @param name the file name, used in error messages and `source`.
 * @throws FormatError naming `name` if the gzip layer fails any RFC 1952 check (CRC-32,
 *   ISIZE, truncation, trailing bytes: see `gunzipChecked`), the bytes are not a tar, main.plist or
 *   matrix.dat is missing or malformed, matrix.shape is not 3 whole numbers ≥ 1, spacing is
 *   not 3 finite numbers > 0 (mm), the dtype is not int16, or a data file's size does not
 *   match its shape.
 * @throws AbortError (naming `options.stage`, default 'openInv3') when `options.signal` fires,
 *   between gzip input windows; `options.onProgress` gets 0..1 by compressed bytes inflated.
 */
export function openInv3(bytes: Uint8Array, name: string, options: StageOptions & { readonly stage?: string } = {}): Inv3Project {
  const { signal, onProgress } = options;
  const stage = options.stage ?? 'openInv3';
  checkAbort(stage, signal);
  onProgress?.(0);
  let tar: Uint8Array;
  if (isGzip(bytes)) {
    tar = gunzipChecked(bytes, name, { stage, ...stageSpan(options, 0, 0.95) });
  } else {
    tar = bytes;
  }
  checkAbort(stage, signal);
  if (tar.length < 512) throw new FormatError(name, `not an InVesalius project: ${bytes.length} bytes is too short for a tar archive`);
  const files = new Map<string, Uint8Array>();
  for (const e of readTar(tar, name)) files.set(e.path.slice(e.path.lastIndexOf('/') + 1), e.data);
  const mainBytes = files.get('main.plist');
  if (!mainBytes) throw new FormatError(name, `not an InVesalius project: no main.plist among ${files.size} archive members`);
  const main = parsePlist(mainBytes, name, 'main.plist');

  const matrix = main['matrix'];
  if (!isDict(matrix)) throw new FormatError(name, 'main.plist has no "matrix" dictionary');
  const [nz, ny, nx] = numbers(matrix['shape'], 3, 'main.plist matrix.shape', name) as [number, number, number];
  if (![nz, ny, nx].every((n) => Number.isSafeInteger(n) && n >= 1)) {
    throw new FormatError(name, `main.plist matrix.shape should be 3 whole numbers ≥ 1 ([nz, ny, nx]), got [${nz}, ${ny}, ${nx}]; the project is corrupt`);
  }
  const spacing = numbers(main['spacing'], 3, 'main.plist spacing', name) as [number, number, number];
  if (!spacing.every((s) => s > 0)) {
    throw new FormatError(name, `main.plist spacing should be 3 voxel sizes > 0 mm, got [${spacing.join(', ')}]; a print needs the real size, so nothing is assumed: fix the project's spacing (re-import the DICOM series in InVesalius)`);
  }
  const dtype = matrix['dtype'];
  if (dtype !== 'int16') throw new FormatError(name, `matrix dtype "${String(dtype)}" is not supported (this reader handles int16, which InVesalius writes)`);
  const matrixFile = typeof matrix['filename'] === 'string' ? matrix['filename'] : 'matrix.dat';
  const dims: Vec3 = [nx, ny, nz];
  const originMm: Vec3 = [-(nx - 1) / 2 * spacing[0], -(ny - 1) / 2 * spacing[1], -(nz - 1) / 2 * spacing[2]];

  const maskFiles = new Map<number, string>();
  const masks = main['masks'];
  if (isDict(masks)) {
    for (const [k, v] of Object.entries(masks)) if (typeof v === 'string') maskFiles.set(Number(k), v);
  }
  const info: Inv3Info = {
    name: typeof main['name'] === 'string' ? main['name'] : '',
    modality: typeof main['modality'] === 'string' ? main['modality'] : '',
    dims,
    spacingMm: [spacing[0], spacing[1], spacing[2]],
    ...(typeof main['window_width'] === 'number' ? { windowWidth: main['window_width'] } : {}),
    ...(typeof main['window_level'] === 'number' ? { windowLevel: main['window_level'] } : {}),
    maskIndices: [...maskFiles.keys()].sort((a, b) => a - b),
    ...(typeof main['format_version'] === 'number' ? { formatVersion: main['format_version'] } : {}),
  };
  const hasAffine = main['affine'] !== undefined && main['affine'] !== '';

  const geometry = { dims, spacingMm: info.spacingMm, originMm, direction: IDENTITY3 };
  onProgress?.(1);

  return {
    info,
    volume(): Volume<Int16Array> {
      const raw = files.get(matrixFile);
      if (!raw) throw new FormatError(name, `${matrixFile} is missing from the archive`);
      const n = nx * ny * nz;
      if (raw.length !== 2 * n) throw new FormatError(name, `${matrixFile} holds ${raw.length} bytes but shape [${nz}, ${ny}, ${nx}] int16 needs ${2 * n}`);
      let src: Int16Array;
      if (raw.byteOffset % 2 === 0 && LITTLE_ENDIAN) {
        src = new Int16Array(raw.buffer, raw.byteOffset, n);
      } else {
        src = new Int16Array(n);
        const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
        for (let i = 0; i < n; i++) src[i] = dv.getInt16(2 * i, true);
      }
      const data = new Int16Array(n);
      flipRows(src, data, nx, ny, nz);
      const parts = [info.name || 'InVesalius project', info.modality, `${nx}×${ny}×${nz}`, `${spacing.map((s) => +s.toFixed(4)).join('×')} mm`];
      let description = `${parts.filter(Boolean).join(', ')} (InVesalius .inv3; no stored origin: grid centred on 0)`;
      if (hasAffine) description += '; main.plist has an "affine" which this reader does not apply';
      const modality = info.modality === '' ? undefined : info.modality;
      return makeVolume({
        data, ...geometry,
        source: {
          input: name, format: 'inv3', sha256: '', description,
          ...(modality !== undefined ? { modality } : {}),
          // InVesalius stores CT as HU (it applies the DICOM rescale on import).
          ...(modality === 'CT' ? { valueUnit: 'HU' } : {}),
        },
      });
    },
    mask(index: number): Inv3Mask {
      const plistName = maskFiles.get(index);
      if (plistName === undefined) throw new ParameterError(`${name}: no mask ${index}; the project has masks [${info.maskIndices.join(', ')}]`);
      const mb = files.get(plistName);
      if (!mb) throw new FormatError(name, `${plistName} is missing from the archive`);
      const mp = parsePlist(mb, name, plistName);
      const [minHu, maxHu] = numbers(mp['threshold_range'], 2, `${plistName} threshold_range`, name) as [number, number];
      const maskFile = typeof mp['mask_file'] === 'string' ? mp['mask_file'] : `mask_${index}.dat`;
      const raw = files.get(maskFile);
      if (!raw) throw new FormatError(name, `${maskFile} is missing from the archive`);
      const px = nx + 1, py = ny + 1, pz = nz + 1;
      if (raw.length !== px * py * pz) throw new FormatError(name, `${maskFile} holds ${raw.length} bytes but (${pz}, ${py}, ${px}) uint8 needs ${px * py * pz}`);
      // Drop the leading padding plane of each axis and binarise (255 inside → 1).
      const unpadded = new Uint8Array(nx * ny * nz);
      for (let k = 0; k < nz; k++) {
        for (let j = 0; j < ny; j++) {
          const s = px * ((j + 1) + py * (k + 1)) + 1;
          const d = nx * (j + ny * k);
          for (let i = 0; i < nx; i++) unpadded[d + i] = raw[s + i]! >= 128 ? 1 : 0;
        }
      }
      const data = new Uint8Array(unpadded.length);
      flipRows(unpadded, data, nx, ny, nz);
      const maskName = typeof mp['name'] === 'string' ? mp['name'] : `mask ${index}`;
      const mask = makeVolume({
        data, ...geometry,
        source: { input: `${name}#mask_${index}`, format: 'inv3-mask', sha256: '', description: `InVesalius mask "${maskName}" (threshold ${minHu}..${maxHu})` },
      });
      return { index, name: maskName, mask, minHu, maxHu };
    },
  };
}

/**
 * Parses an `.inv3` project held in memory into an LPS volume: dims [nx, ny, nz],
 * int16 values as stored (HU for CT), identity direction, y reversed to run posterior,
 * grid centred on the origin (see the module comment). `source.modality` is main.plist's
 * `modality` ('CT' for the samples; undefined if empty) and `source.valueUnit` is 'HU'
 * when that is 'CT'.
 * @throws FormatError naming `name` (see `openInv3`).
 * @throws AbortError when `options.signal` fires (between gzip input windows); `onProgress`
 *   gets 0..1, by compressed bytes while inflating.
 */
export function parseInv3(bytes: Uint8Array, name: string, options: StageOptions = {}): Volume<Int16Array> {
  const project = openInv3(bytes, name, { stage: 'parseInv3', ...stageSpan(options, 0, 0.9) });
  const volume = project.volume();
  options.onProgress?.(1);
  return volume;
}

/**
 * Mask `index` of a project held in memory, as 0/1 on the volume's grid, with its
 * InVesalius threshold range.
 * @throws FormatError naming `name`; ParameterError if the project has no such mask.
 */
export function readInv3Mask(bytes: Uint8Array, index: number, name: string): Inv3Mask {
  return openInv3(bytes, name).mask(index);
}

/**
 * Reads an `.inv3` file (Node path or URL) into an LPS volume with `source` filled in
 * (sha256 of the file's bytes).
 * Progress: 0 before reading, 0.1 once read, inflating by compressed bytes up to 0.85, the
 * voxels 0.9, 1 when hashed.
 * @throws InputNotFoundError if missing; FormatError naming the file if malformed.
 * @throws AbortError when `options.signal` fires (before and after the read, between gzip
 *   input windows, before the voxels are unpacked).
 */
export async function loadInv3(path: string | PickedFile, options: StageOptions = {}): Promise<Volume<Int16Array>> {
  const { signal, onProgress } = options;
  const stage = 'loadInv3';
  checkAbort(stage, signal);
  onProgress?.(0);
  const bytes = await readInput(path);
  checkAbort(stage, signal);
  onProgress?.(0.1);
  const name = inputName(path);
  const project = openInv3(bytes, name, { stage, ...stageSpan(options, 0.1, 0.85) });
  checkAbort(stage, signal);
  const v = project.volume();
  onProgress?.(0.9);
  const sha256 = await sha256Hex(bytes);
  onProgress?.(1);
  return { ...v, source: { ...v.source!, input: name, sha256 } };
}
