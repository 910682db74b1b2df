import { ParameterError } from '../core/errors.ts';
import { checkMesh, type Mesh } from '../core/mesh.ts';
import { paletteColor, parseHexColor } from '../io/mesh-export.ts';
import { view, type View } from './bundle.ts';

export interface MeshViewOptions {
  readonly name?: string;
  /** sRGB 0..255; default bone white. (One mesh only: parts carry their own colours.) */
  readonly color?: readonly [number, number, number];
  /** Per-vertex sRGB 0..255, 3 bytes per vertex (r, g, b); drawn instead of `color` when given. (One mesh only.) */
  readonly vertexColors?: Uint8Array;
}

/**
 * One part of a several-mesh view: the `MeshPart` shape of cells/io/mesh-export.ts plus how it is drawn.
 * `color` is sRGB hex "#RRGGBB" / "#RRGGBBAA" (the alpha byte is the opacity when `opacity` is
 * absent) or [r, g, b] 0..255; a palette colour when absent.
 */
export interface MeshViewPart {
  readonly name: string;
  readonly mesh: Mesh;
  readonly color?: string | readonly [number, number, number];
  /** 0 (invisible) .. 1 (opaque); default 1 (or the hex colour's alpha). */
  readonly opacity?: number;
  /** Per-vertex sRGB 0..255, 3 bytes per vertex; drawn instead of `color` (thin spots of a print report). */
  readonly colors?: Uint8Array;
}

/** A part as the view bundle carries it (`MeshData` plus a required name, colour and opacity). */
export interface MeshSceneDataPart {
  readonly name: string;
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
  readonly triangles: number;
  /** sRGB 0..255 */
  readonly color: readonly [number, number, number];
  /** 0..1 */
  readonly opacity: number;
  readonly colors?: Uint8Array;
}

/** `application/vnd.voxbook.meshes+json`: several meshes in one view (`layout: 'view'`) or the pyramid four-view (`'four'`). */
export interface MeshSceneData {
  readonly name: string;
  readonly layout: 'view' | 'four';
  readonly parts: readonly MeshSceneDataPart[];
}

export const MESHES_MIME = 'application/vnd.voxbook.meshes+json';
/** The MIME type of a one-mesh view's bundle (its value: `MeshData` of kernel/protocol.ts). */
export const MESH_MIME = 'application/vnd.voxbook.mesh+json';

/**
 * An interactive 3D view of one mesh or of several parts.
 *
 * One mesh: `application/vnd.voxbook.mesh+json` (positions in LPS mm, counter-clockwise outward
 * triangles; optional `colors`, 3 bytes per vertex), exactly as before.
 *
 * Parts (`MeshViewPart[]`): `application/vnd.voxbook.meshes+json` (`MeshSceneData`, layout
 * `'view'`): per-part colour and opacity, a legend with visibility toggles, a clipping plane,
 * a two-point distance in mm and an orientation cube (app/renderers/mesh-scene.ts). Text shows counts.
 * @throws ParameterError when colours do not hold 3 bytes per vertex, an opacity is outside
 *   0..1, a colour does not parse or there are no parts; GeometryError when a part's mesh fails `checkMesh`.
 */
export function meshView(mesh: Mesh, options?: MeshViewOptions): View<Mesh>;
export function meshView(parts: readonly MeshViewPart[], options?: { readonly name?: string }): View<readonly MeshViewPart[]>;
export function meshView(input: Mesh | readonly MeshViewPart[], options: MeshViewOptions = {}): View<Mesh> | View<readonly MeshViewPart[]> {
  if (Array.isArray(input)) return sceneView(input as readonly MeshViewPart[], options.name ?? 'meshes', 'view', 'meshView');
  const mesh = input as Mesh;
  const colors = options.vertexColors;
  if (colors && colors.length !== mesh.positions.length) {
    throw new ParameterError(`meshView: vertexColors has ${colors.length} bytes; give 3 (r, g, b) per vertex = ${mesh.positions.length}`);
  }
  return view(mesh, () => {
    const triangles = mesh.indices.length / 3;
    return {
      data: {
        [MESH_MIME]: {
          positions: mesh.positions,
          indices: mesh.indices,
          triangles,
          color: options.color ?? [241, 230, 210],
          name: options.name ?? 'mesh',
          ...(colors ? { colors } : {}),
        },
        'text/plain': `${options.name ?? 'mesh'}: ${triangles} triangles, ${mesh.positions.length / 3} vertices`,
      },
    };
  });
}

/**
 * Four renders for a pyramid-reflector ("Pepper's ghost") display, on black, around an empty
 * centre of a square: anterior at the bottom, the patient's left at the right, posterior at the
 * top, the patient's right at the left — each placed so that a viewer on that side of a phone-style
 * inverted pyramid (narrow end on the screen's centre) sees the model upright and not mirrored.
 * The renderer offers a PNG export. Bundle: `MeshSceneData` with `layout: 'four'`.
 * @throws ParameterError as `meshView` does for parts.
 */
export function fourView(input: Mesh | readonly MeshViewPart[], options: { readonly name?: string; readonly color?: string | readonly [number, number, number] } = {}): View<readonly MeshViewPart[]> {
  const parts: readonly MeshViewPart[] = Array.isArray(input)
    ? (input as readonly MeshViewPart[])
    : [{ name: options.name ?? 'mesh', mesh: input as Mesh, ...(options.color !== undefined ? { color: options.color } : {}) }];
  return sceneView(parts, options.name ?? 'four views', 'four', 'fourView');
}

function sceneView(parts: readonly MeshViewPart[], name: string, layout: MeshSceneData['layout'], stage: string): View<readonly MeshViewPart[]> {
  if (parts.length === 0) throw new ParameterError(`${stage}: no parts; give at least one { name, mesh }`);
  const data = parts.map((p, i) => scenePart(p, i, stage));
  return view(parts, () => {
    const scene: MeshSceneData = { name, layout, parts: data };
    const text = `${name}: ${data.map((p) => `${p.name} (${p.triangles} triangles${p.opacity < 1 ? `, opacity ${p.opacity}` : ''})`).join(', ')}${layout === 'four' ? ' — four views for a pyramid display' : ''}`;
    return { data: { [MESHES_MIME]: scene, 'text/plain': text } };
  });
}

/** A part checked and turned into what the bundle carries. */
export function scenePart(part: MeshViewPart, index: number, stage: string): MeshSceneDataPart {
  checkMesh(part.mesh, stage);
  const label = `${stage}: part ${index} ("${part.name}")`;
  let color: [number, number, number];
  let alpha = 1;
  if (part.color === undefined || typeof part.color === 'string') {
    const [r, g, b, a] = parseHexColor(part.color ?? paletteColor(index), label);
    color = [r, g, b];
    alpha = a / 255;
  } else {
    if (part.color.length !== 3 || part.color.some((c) => !Number.isFinite(c) || c < 0 || c > 255)) throw new ParameterError(`${label}: color must be [r, g, b] in 0..255`);
    color = [part.color[0], part.color[1], part.color[2]];
  }
  const opacity = part.opacity ?? alpha;
  if (!(opacity >= 0 && opacity <= 1)) throw new ParameterError(`${label}: opacity ${opacity} is outside 0..1`);
  const colors = part.colors;
  if (colors && colors.length !== part.mesh.positions.length) {
    throw new ParameterError(`${label}: colors has ${colors.length} bytes; give 3 (r, g, b) per vertex = ${part.mesh.positions.length}`);
  }
  return {
    name: part.name,
    positions: part.mesh.positions,
    indices: part.mesh.indices,
    triangles: part.mesh.indices.length / 3,
    color,
    opacity,
    ...(colors ? { colors } : {}),
  };
}
