/**
 * The static page's document back into the app's MIME bundles (the viewer's side of
 * app/static/format.ts): meshes decoded by meshoptimizer's decoder, files to bytes.
 */
import { MeshoptDecoder } from 'meshoptimizer/decoder';
import { MIME, type FileData, type MeshData, type MeshPartData, type MeshSceneData, type MimeBundle } from '../../kernel/protocol.ts';
import { base64ToBytes } from './base64.ts';
import { decodeVolume, isEncodedVolume } from './volume-codec.ts';
import { decodePlanes, isEncodedPlanes } from './planes-codec.ts';
import { isEncodedFile, isEncodedMesh, isEncodedMeshScene, STATIC_FORMAT, type EncodedFile, type EncodedMesh, type EncodedMeshScene, type StaticDocument } from './format.ts';

/** A mesh decoded for the 3D view; `preview` as in `EncodedMesh`. */
export interface DecodedMesh extends MeshData {
  readonly preview?: EncodedMesh['preview'];
}

/**
 * Parses the page's document and decodes its meshes and files.
 * @throws Error when the JSON is not a document of this format, or a mesh or file does not decode.
 */
export async function decodeDocument(json: string): Promise<StaticDocument> {
  const doc = JSON.parse(json) as StaticDocument<unknown>;
  if (doc?.format !== STATIC_FORMAT) throw new Error(`this page's document is not ${STATIC_FORMAT} (found ${String((doc as { format?: unknown })?.format)}); open it with the Voxbook version that wrote it`);
  await MeshoptDecoder.ready;
  return { ...doc, cells: doc.cells.map((c) => ({ ...c, outputs: c.outputs.map((b) => decodeBundle(b as MimeBundle)) })) };
}

function decodeBundle(bundle: MimeBundle): MimeBundle {
  const mesh = bundle.data[MIME.mesh];
  const file = bundle.data[MIME.file];
  const scene = bundle.data[MIME.meshes];
  const volume = bundle.data[MIME.volume];
  const planes = bundle.data[MIME.planes];
  if (!isEncodedMesh(mesh) && !isEncodedFile(file) && !isEncodedMeshScene(scene) && !isEncodedVolume(volume) && !isEncodedPlanes(planes)) return bundle;
  const data: Record<string, unknown> = { ...bundle.data };
  if (isEncodedPlanes(planes)) data[MIME.planes] = decodePlanes(planes);
  if (isEncodedMeshScene(scene)) data[MIME.meshes] = decodeMeshScene(scene);
  if (isEncodedVolume(volume)) data[MIME.volume] = decodeVolume(volume);
  if (isEncodedMesh(mesh)) data[MIME.mesh] = decodeMesh(mesh);
  if (isEncodedFile(file)) data[MIME.file] = decodeFile(file);
  return { ...bundle, data };
}

/** A scene's parts decoded (`MeshSceneData` whose parts may carry `preview`). @throws Error as `decodeMesh`. */
export function decodeMeshScene(s: EncodedMeshScene): MeshSceneData & { readonly parts: readonly (MeshPartData & DecodedMesh)[] } {
  return { name: s.name, layout: s.layout, parts: s.parts.map((p) => ({ ...decodeMesh(p), name: p.name, color: p.color, opacity: p.opacity })) };
}

/** @throws Error when the buffers do not decode to the counts stated (meshoptimizer's decoder checks). */
export function decodeMesh(m: EncodedMesh): DecodedMesh {
  const positions = new Float32Array(m.vertexCount * 3);
  const indices = new Uint32Array(m.indexCount);
  MeshoptDecoder.decodeVertexBuffer(new Uint8Array(positions.buffer), m.vertexCount, 12, base64ToBytes(m.vertices));
  MeshoptDecoder.decodeIndexBuffer(new Uint8Array(indices.buffer), m.indexCount, 4, base64ToBytes(m.indices));
  let colors: Uint8Array | undefined;
  if (m.colors !== undefined) {
    const rgba = new Uint8Array(m.vertexCount * 4);
    MeshoptDecoder.decodeVertexBuffer(rgba, m.vertexCount, 4, base64ToBytes(m.colors));
    colors = new Uint8Array(m.vertexCount * 3);
    for (let v = 0; v < m.vertexCount; v++) colors.set(rgba.subarray(4 * v, 4 * v + 3), 3 * v);
  }
  return {
    positions,
    indices,
    triangles: m.indexCount / 3,
    ...(m.color ? { color: m.color } : {}),
    ...(m.name !== undefined ? { name: m.name } : {}),
    ...(m.preview ? { preview: m.preview } : {}),
    ...(colors ? { colors } : {}),
  };
}

/** An embedded file of the exported page back to its bytes (`FileData`). @throws Error when its base64 or size does not check. */
export function decodeFile(f: EncodedFile): FileData {
  return { name: f.name, mime: f.mime, bytes: base64ToBytes(f.base64) };
}
