/**
 * A notebook's cells and outputs into the static page's document (the writer's side of
 * app/static/format.ts), in Node and in the browser alike: meshes over the triangle budget
 * are decimated (cells/mesh/decimate.ts), every mesh is packed with meshoptimizer's codecs,
 * files within the size cap are embedded, and larger ones become a note naming them.
 */
import { MeshoptEncoder } from 'meshoptimizer/encoder';
import { MIME, type FileData, type MeshData, type MimeBundle } from '../../kernel/protocol.ts';
import { decimateForDisplay } from '../../cells/mesh/decimate.ts';
import { isFileData } from '../renderers/file-data.ts';
import type { InputWidget } from '../../cells/viz/inputs.ts';
import { isMeshData } from '../renderers/mesh-geometry.ts';
import { isVolumeData } from '../renderers/volume-geometry.ts';
import { encodeVolume } from './volume-codec.ts';
import { encodePlanes, planesBytes } from './planes-codec.ts';
import { isPlanesData } from '../renderers/planes-data.ts';
import { isMeshSceneData } from '../renderers/mesh-scene-geometry.ts';
import { formatBytes } from '../format.ts';
import { bytesToBase64 } from './base64.ts';
import { DEFAULT_LIMITS, STATIC_FORMAT, type EncodedFile, type EncodedMesh, type EncodedMeshScene, type ExportLimits, type Provenance, type StaticCell, type StaticDocument } from './format.ts';

export interface ExportInput {
  readonly title: string;
  readonly provenance: Provenance;
  /** Cells in notebook order, with the app's (decoded) bundles. */
  readonly cells: readonly StaticCell[];
  /** The notebook's percent-format text, offered as a download on the page (the reader can run it). */
  readonly notebookText?: string;
  /**
   * Where a file too big to embed can be found, said in its note: e.g. "it is in the run's
   * output folder beside this page". Default: the note says only that it was not embedded.
   */
  readonly whereLargeFilesAre?: string;
  /** Keeps packed meshes across exports (decimating a large mesh takes seconds); none: pack each time. */
  readonly meshCache?: MeshPreviewCache;
}

/**
 * Packed meshes by `meshKey` (their bytes and the budget). `get` answers undefined for a
 * miss or an entry it cannot read; `set` may fail silently (a cache is never needed).
 */
export interface MeshPreviewCache {
  get(key: string): Promise<EncodedMesh | undefined>;
  set(key: string, value: EncodedMesh): Promise<void>;
}

export interface EncodedDocument {
  /** The document as JSON, safe inside a `<script>` element (no `<`). */
  readonly json: string;
  /** What the export changed, one line each (decimated meshes, files left out), for the CLI to print. */
  readonly notes: readonly string[];
}

/**
 * Encodes `input` as the page's document.
 * @throws ParameterError (from decimation) for a mesh whose indices are not whole triangles.
 */
export async function encodeDocument(input: ExportInput, limits: ExportLimits = DEFAULT_LIMITS): Promise<EncodedDocument> {
  await MeshoptEncoder.ready;
  const notes: string[] = [];
  const cells: StaticCell<MimeBundle>[] = [];
  for (const cell of input.cells) {
    const outputs: MimeBundle[] = [];
    for (const bundle of cell.outputs) outputs.push(await encodeBundle(bundle, limits, input, (n) => notes.push(`cell "${cell.id}": ${n}`)));
    cells.push({ ...cell, outputs });
  }
  const doc: StaticDocument = { format: STATIC_FORMAT, title: input.title, provenance: input.provenance, limits, cells, ...(input.notebookText !== undefined ? { notebookText: input.notebookText } : {}) };
  return { json: scriptSafeJson(doc), notes };
}

/** JSON with `<` escaped, so no `</script>` or `<!--` can end or confuse the element it sits in. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

async function encodeBundle(bundle: MimeBundle, limits: ExportLimits, input: ExportInput, note: (text: string) => void): Promise<MimeBundle> {
  const mesh = bundle.data[MIME.mesh];
  const file = bundle.data[MIME.file];
  const { whereLargeFilesAre, meshCache } = input;
  const widget = bundle.data[MIME.input];
  if (isInputWidget(widget)) {
    // A page has no kernel to move: an input is shown as the value the run used.
    const text = `**${widget.label}**: \`${JSON.stringify(widget.value)}\` (${widget.kind === 'file' ? 'a file picker' : `a ${widget.kind}`} in the notebook; \`-p ${widget.name}=…\` headless)`;
    return { data: { [MIME.markdown]: text, [MIME.text]: `${widget.name} = ${JSON.stringify(widget.value)}` } };
  }
  const pack = async (m: MeshData): Promise<EncodedMesh> => {
    const encoded = meshCache ? await cachedEncodeMesh(m, limits.meshPreviewTriangles, meshCache) : await encodeMesh(m, limits.meshPreviewTriangles);
    if (encoded.preview) note(`mesh "${m.name ?? 'mesh'}" embedded as a preview of ${(encoded.indexCount / 3).toLocaleString('en-US')} of ${m.triangles.toLocaleString('en-US')} triangles (over the ${limits.meshPreviewTriangles.toLocaleString('en-US')}-triangle budget; deviation ${encoded.preview.errorMm.toFixed(2)} mm)`);
    return encoded;
  };
  const scene = bundle.data[MIME.meshes];
  if (isMeshSceneData(scene)) {
    const parts: EncodedMeshScene['parts'][number][] = [];
    for (const part of scene.parts) parts.push({ ...(await pack(part)), name: part.name, color: part.color, opacity: part.opacity });
    const encoded: EncodedMeshScene = { $meshes: 'meshopt/1', name: scene.name, layout: scene.layout, parts };
    return { ...bundle, data: { ...bundle.data, [MIME.meshes]: encoded } };
  }
  if (isMeshData(mesh)) return { ...bundle, data: { ...bundle.data, [MIME.mesh]: await pack(mesh) } };
  const volume = bundle.data[MIME.volume];
  if (isVolumeData(volume)) {
    if (volume.data.byteLength <= limits.fileEmbedMaxBytes) return { ...bundle, data: { ...bundle.data, [MIME.volume]: encodeVolume(volume) } };
    // Too big for the page: the bundle's projection PNG and text stand in for it.
    note(`volume "${volume.name}" (${formatBytes(volume.data.byteLength)}) not embedded: over the ${formatBytes(limits.fileEmbedMaxBytes)} cap; its projection image is shown`);
    const { [MIME.volume]: _dropped, ...rest } = bundle.data;
    const text = typeof rest[MIME.text] === 'string' ? `${rest[MIME.text] as string} (volume not embedded: over the ${formatBytes(limits.fileEmbedMaxBytes)} cap)` : 'volume not embedded';
    return { ...bundle, data: { ...rest, [MIME.text]: text } };
  }
  const planes = bundle.data[MIME.planes];
  if (isPlanesData(planes)) {
    const bytes = planesBytes(planes);
    if (bytes <= limits.fileEmbedMaxBytes) return { ...bundle, data: { ...bundle.data, [MIME.planes]: encodePlanes(planes) } };
    // Too big for the page: the bundle's PNG of the three planes and its text stand in for it.
    note(`planes "${planes.name}" (${formatBytes(bytes)} of voxels) not embedded: over the ${formatBytes(limits.fileEmbedMaxBytes)} cap; its PNG of the three planes is shown`);
    const { [MIME.planes]: _dropped, ...rest } = bundle.data;
    const text = typeof rest[MIME.text] === 'string' ? `${rest[MIME.text] as string} (planes not embedded: over the ${formatBytes(limits.fileEmbedMaxBytes)} cap)` : 'planes not embedded';
    return { ...bundle, data: { ...rest, [MIME.text]: text } };
  }
  if (isFileData(file)) {
    if (file.bytes.byteLength <= limits.fileEmbedMaxBytes) {
      return { ...bundle, data: { ...bundle.data, [MIME.file]: encodeFile(file) } };
    }
    const text = `**${file.name}** (${formatBytes(file.bytes.byteLength)}) is not embedded in this page: it is over the ${formatBytes(limits.fileEmbedMaxBytes)} cap for embedded files${whereLargeFilesAre ? `; ${whereLargeFilesAre}` : ''}.`;
    note(`${file.name} (${formatBytes(file.bytes.byteLength)}) not embedded: over the ${formatBytes(limits.fileEmbedMaxBytes)} cap`);
    // The note replaces the download: the bundle's other forms (text) would only repeat the name.
    return { data: { [MIME.markdown]: text, [MIME.text]: `${file.name} (not embedded)` } };
  }
  return bundle;
}

/** Bump when `encodeMesh`'s output changes for the same input. */
const MESH_CODEC_VERSION = 1;

/** The cache key of `mesh` packed for `budget`: SHA-256 of its positions, indices and vertex colours, the budget and the codec version. */
export async function meshKey(mesh: MeshData, budget: number): Promise<string> {
  const colors = mesh.colors ?? new Uint8Array(0);
  const header = new TextEncoder().encode(`voxbook-mesh-preview/${MESH_CODEC_VERSION}/${budget}/${mesh.positions.length}/${mesh.indices.length}/${colors.length}/`);
  const all = new Uint8Array(header.byteLength + mesh.positions.byteLength + mesh.indices.byteLength + colors.byteLength);
  all.set(header, 0);
  all.set(new Uint8Array(mesh.positions.buffer, mesh.positions.byteOffset, mesh.positions.byteLength), header.byteLength);
  all.set(new Uint8Array(mesh.indices.buffer, mesh.indices.byteOffset, mesh.indices.byteLength), header.byteLength + mesh.positions.byteLength);
  all.set(colors, header.byteLength + mesh.positions.byteLength + mesh.indices.byteLength);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', all));
  return `mesh-preview-${Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** `encodeMesh` through `cache`; the name and colour are the mesh's own (they are not in the key). */
async function cachedEncodeMesh(mesh: MeshData, budget: number, cache: MeshPreviewCache): Promise<EncodedMesh> {
  const key = await meshKey(mesh, budget);
  const hit = await cache.get(key).catch(() => undefined);
  const { name: _n, color: _c, ...packed } = hit && hit.$mesh === 'meshopt/1' ? hit : await encodeMesh(mesh, budget);
  if (!hit) await cache.set(key, packed).catch(() => undefined);
  return { ...packed, ...(mesh.name !== undefined ? { name: mesh.name } : {}), ...(mesh.color ? { color: mesh.color } : {}) };
}

/**
 * A mesh packed for the page: decimated to `budget` triangles when over it, vertices
 * re-ordered for the codecs (vertex cache, then fetch order), then meshoptimizer's vertex and
 * index codecs (lossless on what they are given), base64. Per-vertex colours follow their
 * vertices (the simplifier keeps a subset of the input's positions: each kept vertex takes
 * the colour of the input vertex at the same position).
 */
export async function encodeMesh(mesh: MeshData, budget: number): Promise<EncodedMesh> {
  await MeshoptEncoder.ready;
  const over = mesh.triangles > budget;
  const reduced = over ? await decimateForDisplay(mesh, { targetTriangles: budget }) : { positions: mesh.positions, indices: mesh.indices.slice(), errorMm: 0 };
  const indices = reduced.indices; // our own copy: reorderMesh re-numbers it in place
  const reducedColors = mesh.colors && (over ? colorsByPosition(mesh.positions, mesh.colors, reduced.positions) : mesh.colors);
  let positions = new Float32Array(0);
  let colors = new Uint8Array(0);
  let vertexCount = 0;
  if (indices.length > 0) {
    // Re-numbers `indices` in place; remap[old] is the new index (or ~0 for a vertex no triangle uses).
    const [remap, unique] = MeshoptEncoder.reorderMesh(indices, true, true);
    vertexCount = unique;
    positions = new Float32Array(unique * 3);
    if (reducedColors) colors = new Uint8Array(unique * 4);
    for (let v = 0; v < remap.length; v++) {
      const to = remap[v]!;
      if (to === 0xffffffff) continue;
      positions.set(reduced.positions.subarray(3 * v, 3 * v + 3), 3 * to);
      if (reducedColors) colors.set(reducedColors.subarray(3 * v, 3 * v + 3), 4 * to);
    }
  }
  return {
    $mesh: 'meshopt/1',
    vertexCount,
    indexCount: indices.length,
    vertices: bytesToBase64(MeshoptEncoder.encodeVertexBuffer(new Uint8Array(positions.buffer), vertexCount, 12)),
    indices: bytesToBase64(MeshoptEncoder.encodeIndexBuffer(new Uint8Array(indices.buffer), indices.length, 4)),
    ...(mesh.name !== undefined ? { name: mesh.name } : {}),
    ...(mesh.color ? { color: mesh.color } : {}),
    ...(over ? { preview: { fullTriangles: mesh.triangles, errorMm: reduced.errorMm } } : {}),
    ...(reducedColors ? { colors: bytesToBase64(MeshoptEncoder.encodeVertexBuffer(colors, vertexCount, 4)) } : {}),
  };
}

/** Colours for `kept` (a subset of `positions`): each takes its input vertex's colour, matched by exact position; unmatched: grey. */
function colorsByPosition(positions: Float32Array, colors: Uint8Array, kept: Float32Array): Uint8Array {
  const key = (p: Float32Array, v: number) => `${p[3 * v]},${p[3 * v + 1]},${p[3 * v + 2]}`;
  const byPosition = new Map<string, number>();
  for (let v = 0; v < positions.length / 3; v++) byPosition.set(key(positions, v), v);
  const out = new Uint8Array(kept.length).fill(128);
  for (let v = 0; v < kept.length / 3; v++) {
    const from = byPosition.get(key(kept, v));
    if (from !== undefined) out.set(colors.subarray(3 * from, 3 * from + 3), 3 * v);
  }
  return out;
}

/** An input widget's value as cells/viz/inputs.ts makes it (the shape app/renderers/input-view.ts checks, without its element). */
function isInputWidget(x: unknown): x is InputWidget {
  if (typeof x !== 'object' || x === null) return false;
  const w = x as Record<string, unknown>;
  return typeof w['kind'] === 'string' && typeof w['name'] === 'string' && typeof w['label'] === 'string' && ['number', 'string', 'boolean'].includes(typeof w['value']);
}

function encodeFile(file: FileData): EncodedFile {
  return { $file: 'base64/1', name: file.name, mime: file.mime, base64: bytesToBase64(file.bytes) };
}
