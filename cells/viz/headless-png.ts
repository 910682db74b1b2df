/**
 * PNGs of 3-D views for documents that cannot run the app's renderers: the `.ipynb` of a
 * headless run (`voxbook run`, kernel/cli.ts, loads this module at run time through the package
 * entry `voxbook/headless`). Mesh views are drawn by the CPU rasteriser of
 * cells/viz/mesh-raster.ts with the app's cameras; a volume view keeps the maximum-intensity
 * projection that `volumeView` already puts in its bundle. Each image's `text/plain` (the alt
 * text) and its `image/png` metadata say which renderer made it.
 */
import { encode } from 'fast-png';
import { MESH_MIME, MESHES_MIME } from './mesh-view.ts';
import { rasterizeMeshes, type MeshRaster, type RasterCamera, type RasterPart } from './mesh-raster.ts';
import { VOLUME_MIME } from './volume-view.ts';

/** A display bundle as the kernel passes it (cells/viz/bundle.ts `MimeBundle`). */
export interface HeadlessBundle {
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** Who drew a view's PNG: the CPU rasteriser (`cpu`), the volume's CPU projection (`cpu-mip`), or headless chromium (`browser`). */
export type HeadlessRenderer = 'cpu' | 'cpu-mip' | 'browser';

/** Words for the text/plain line and the metadata, by renderer. */
export const RENDERER_TEXT: Readonly<Record<HeadlessRenderer, string>> = {
  cpu: 'CPU z-buffer rasteriser (flat Lambert shading, orthographic)',
  'cpu-mip': 'CPU maximum-intensity projection from anterior',
  browser: 'headless chromium (the app renderer over vtk.js, software WebGL)',
};

/**
 * The app's first camera of a mesh view (app/renderers/mesh-view.ts `aimAnteriorThreeQuarter`:
 * from anterior, turned 30° toward the patient's right and raised 15°), as a view direction.
 */
export const THREE_QUARTER_CAMERA: RasterCamera = {
  direction: [Math.sin(Math.PI / 6) * Math.cos(Math.PI / 12), Math.cos(Math.PI / 6) * Math.cos(Math.PI / 12), -Math.sin(Math.PI / 12)],
  viewUp: [0, 0, 1],
};

/**
 * The four-view's cameras and cells, as app/renderers/mesh-scene-geometry.ts lays them out
 * (FOUR_VIEW_CAMERAS, FOUR_VIEW_VIEWPORTS: a 3 × 3 grid, y up, before the display's top-to-bottom
 * flip). test/cells/headless-png.test.ts checks the two tables agree.
 */
export const FOUR_VIEW_CELLS: readonly { readonly camera: RasterCamera; readonly viewport: readonly [number, number, number, number] }[] = [
  { camera: { direction: [0, 1, 0], viewUp: [0, 0, 1] }, viewport: [1 / 3, 2 / 3, 2 / 3, 1] },
  { camera: { direction: [-1, 0, 0], viewUp: [0, -1, 0] }, viewport: [2 / 3, 1 / 3, 1, 2 / 3] },
  { camera: { direction: [0, -1, 0], viewUp: [0, 0, -1] }, viewport: [1 / 3, 0, 2 / 3, 1 / 3] },
  { camera: { direction: [1, 0, 0], viewUp: [0, -1, 0] }, viewport: [0, 1 / 3, 1 / 3, 2 / 3] },
];

export interface MeshPngOptions {
  /** Side of the square image, px; default 512 (the four-view: 3 cells of a third each). */
  readonly size?: number;
}

interface SceneLike {
  readonly layout: 'view' | 'four';
  readonly parts: readonly RasterPart[];
}

/**
 * The RGBA image of a mesh bundle's value: one mesh (`application/vnd.voxbook.mesh+json`) or a
 * scene (`…meshes+json`) seen as the app first shows it; the four-view as its PNG export shows
 * it (on black, flipped top to bottom for the reflector).
 */
export function renderMeshScene(scene: SceneLike, options: MeshPngOptions = {}): MeshRaster {
  const size = options.size ?? 512;
  if (scene.layout === 'view') return rasterizeMeshes(scene.parts, THREE_QUARTER_CAMERA, { width: size, height: size });
  const cell = Math.floor(size / 3);
  const side = 3 * cell;
  const rgba = new Uint8Array(side * side * 4);
  for (let p = 3; p < rgba.length; p += 4) rgba[p] = 255;
  const depth = new Float32Array(side * side).fill(Infinity);
  const covered = new Uint8Array(side * side);
  let mmPerPixel = 0;
  for (const { camera, viewport } of FOUR_VIEW_CELLS) {
    const r = rasterizeMeshes(scene.parts, camera, { width: cell, height: cell, background: [0, 0, 0] });
    mmPerPixel = Math.max(mmPerPixel, r.mmPerPixel);
    const left = Math.round(viewport[0] * side);
    const top = Math.round((1 - viewport[3]) * side); // rows of the y-up layout, top row first
    for (let y = 0; y < cell; y++) {
      // The display flips the whole layout top to bottom: row `top + y` is shown at `side - 1 - (top + y)`.
      const row = side - 1 - (top + y);
      for (let x = 0; x < cell; x++) {
        const s = y * cell + x, t = row * side + left + x;
        rgba.set(r.rgba.subarray(4 * s, 4 * s + 4), 4 * t);
        depth[t] = r.depth[s]!;
        covered[t] = r.covered[s]!;
      }
    }
  }
  return { width: side, height: side, rgba, depth, covered, mmPerPixel };
}

/** A mesh bundle value as a scene, or undefined when it is not one (it crossed a worker boundary untyped). */
function sceneOf(mime: string, value: unknown): SceneLike | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const isPart = (p: unknown): p is { positions: Float32Array; indices: Uint32Array } =>
    typeof p === 'object' && p !== null && (p as { positions?: unknown }).positions instanceof Float32Array && (p as { indices?: unknown }).indices instanceof Uint32Array;
  if (mime === MESH_MIME) {
    const m = value as { color?: readonly [number, number, number]; colors?: Uint8Array };
    if (!isPart(m)) return undefined;
    return { layout: 'view', parts: [{ positions: m.positions, indices: m.indices, color: m.color ?? [241, 230, 210], opacity: 1, ...(m.colors ? { colors: m.colors } : {}) }] };
  }
  const s = value as { layout?: unknown; parts?: unknown };
  if ((s.layout !== 'view' && s.layout !== 'four') || !Array.isArray(s.parts) || !s.parts.every(isPart)) return undefined;
  return { layout: s.layout, parts: s.parts as RasterPart[] };
}

/**
 * `bundle` with an `image/png` of its 3-D view when it has none: mesh and mesh-scene bundles are
 * drawn on the CPU (`renderMeshScene`); a volume bundle's own projection is kept and labelled.
 * `text/plain` gains a line naming the renderer; `metadata['image/png']` holds
 * `{ width, height, renderer }`. Other bundles come back as they are. Never throws: a view that
 * cannot be drawn comes back unchanged.
 * @param browserPng a PNG already made by headless chromium for this bundle; used instead of the CPU.
 */
export function withHeadlessPng(bundle: HeadlessBundle, options: MeshPngOptions & { readonly browserPng?: { readonly base64: string; readonly width: number; readonly height: number } } = {}): HeadlessBundle {
  const data = bundle.data;
  const label = (renderer: HeadlessRenderer, png: string, width: number, height: number): HeadlessBundle => {
    const text = typeof data['text/plain'] === 'string' ? (data['text/plain'] as string) : '';
    return {
      data: { ...data, 'image/png': png, 'text/plain': `${text}${text ? '\n' : ''}(image: ${RENDERER_TEXT[renderer]}, ${width}×${height} px)` },
      metadata: { ...(bundle.metadata ?? {}), 'image/png': { width, height, renderer } },
    };
  };
  if (options.browserPng) return label('browser', options.browserPng.base64, options.browserPng.width, options.browserPng.height);
  if (data[VOLUME_MIME] !== undefined) {
    if (typeof data['image/png'] !== 'string') return bundle;
    const meta = (bundle.metadata?.['image/png'] ?? {}) as { width?: number; height?: number };
    return label('cpu-mip', data['image/png'] as string, meta.width ?? 0, meta.height ?? 0);
  }
  if (data['image/png'] !== undefined) return bundle;
  const mime = data[MESHES_MIME] !== undefined ? MESHES_MIME : data[MESH_MIME] !== undefined ? MESH_MIME : undefined;
  if (!mime) return bundle;
  const scene = sceneOf(mime, data[mime]);
  if (!scene) return bundle;
  try {
    const r = renderMeshScene(scene, options);
    return label('cpu', toBase64(encode({ width: r.width, height: r.height, data: r.rgba, channels: 4, depth: 8 })), r.width, r.height);
  } catch {
    return bundle;
  }
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
