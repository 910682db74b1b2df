/**
 * The static page's document: what an exported notebook HTML file carries in its
 * `<script type="application/json" id="vb-document">`, and the viewer (app/static/viewer.ts)
 * draws. The same MIME bundles as the app's, as JSON; the two kinds of value that hold
 * bytes travel encoded:
 * - a mesh (`application/vnd.voxbook.mesh+json`) as an `EncodedMesh`: meshoptimizer's vertex
 *   and index codecs, base64 — decimated first when over the triangle budget;
 * - a file (`application/vnd.voxbook.file+json`) as an `EncodedFile` (base64) when within the
 *   size cap; over it, the bundle is replaced by a note naming the file;
 * - several meshes (`application/vnd.voxbook.meshes+json`) as an `EncodedMeshScene`: each part an
 *   `EncodedMesh` (each decimated on its own when over the triangle budget) with its opacity.
 */
import type { CellError, CellStatus, MimeBundle } from '../../kernel/protocol.ts';

export const STATIC_FORMAT = 'voxbook-static/1';

/** Where the page came from: the notebook's hash, its parameters and the libraries that ran it. */
export interface Provenance {
  /** The notebook's file name (or path in the app). */
  readonly notebook: string;
  /** SHA-256 of the notebook's percent-format text, hex. */
  readonly notebookSha256: string;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly versions: Readonly<Record<string, string>>;
  /** When the run (CLI) or the export (app) happened, ISO 8601. */
  readonly ranAt: string;
}

/** The caps an export applies; stated in the README and on the page. */
export interface ExportLimits {
  /** A mesh with more triangles than this is embedded as a decimated preview of this many. */
  readonly meshPreviewTriangles: number;
  /** A file bigger than this (bytes) is not embedded; a note names it instead. */
  readonly fileEmbedMaxBytes: number;
}

export const DEFAULT_LIMITS: ExportLimits = {
  meshPreviewTriangles: 200_000,
  fileEmbedMaxBytes: 16_000_000,
};

export interface StaticCell<B = MimeBundle> {
  readonly id: string;
  readonly kind: 'code' | 'markdown' | 'raw';
  readonly source: string;
  readonly status?: CellStatus;
  /** Run time, ms (0 or absent when it came from the cache). */
  readonly ms?: number;
  readonly cached?: boolean;
  readonly error?: CellError;
  readonly outputs: readonly B[];
}

export interface StaticDocument<B = MimeBundle> {
  readonly format: typeof STATIC_FORMAT;
  readonly title: string;
  readonly provenance: Provenance;
  readonly limits: ExportLimits;
  readonly cells: readonly StaticCell<B>[];
  /** The notebook's percent-format text (`.nb.ts`), offered as a download on the page. */
  readonly notebookText?: string;
}

/** A mesh for the page: meshoptimizer-encoded vertex (float32 x, y, z; 12 bytes) and index (uint32) buffers, base64. */
export interface EncodedMesh {
  readonly $mesh: 'meshopt/1';
  readonly vertexCount: number;
  readonly indexCount: number;
  readonly vertices: string;
  readonly indices: string;
  readonly name?: string;
  readonly color?: readonly [number, number, number];
  /** Per-vertex colours: meshoptimizer-encoded RGBA (4 bytes per vertex, alpha unused), base64, in the order of `vertices`. */
  readonly colors?: string;
  /** Set when the mesh was decimated for the page: the triangles of the full mesh and the simplifier's error, mm. */
  readonly preview?: { readonly fullTriangles: number; readonly errorMm: number };
}

/** Several meshes (`application/vnd.voxbook.meshes+json`): each part packed as an `EncodedMesh` (decimated on its own when over the budget). */
export interface EncodedMeshScene {
  readonly $meshes: 'meshopt/1';
  readonly name: string;
  readonly layout: 'view' | 'four';
  readonly parts: readonly (EncodedMesh & { readonly name: string; readonly color: readonly [number, number, number]; readonly opacity: number })[];
}

export interface EncodedFile {
  readonly $file: 'base64/1';
  readonly name: string;
  readonly mime: string;
  readonly base64: string;
}

/** Whether `value` is a mesh as the exported page embeds it (meshoptimizer-packed, base64). */
export function isEncodedMesh(value: unknown): value is EncodedMesh {
  return typeof value === 'object' && value !== null && (value as { $mesh?: unknown }).$mesh === 'meshopt/1';
}

/** Whether `value` is several meshes as the exported page embeds them. */
export function isEncodedMeshScene(value: unknown): value is EncodedMeshScene {
  return typeof value === 'object' && value !== null && (value as { $meshes?: unknown }).$meshes === 'meshopt/1';
}

/** Whether `value` is a file as the exported page embeds it (name, MIME type, base64 bytes). */
export function isEncodedFile(value: unknown): value is EncodedFile {
  return typeof value === 'object' && value !== null && (value as { $file?: unknown }).$file === 'base64/1';
}
