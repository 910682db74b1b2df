/**
 * A small CPU renderer of triangle meshes: orthographic projection, a z-buffer, flat Lambert
 * shading lit from the camera (a headlight, as vtk.js lights a scene by default), and one layer
 * of translucency. It draws mesh views for the `.ipynb` of a headless run when no browser is
 * used (cells/viz/headless-png.ts): deterministic, no GPU, no native code.
 *
 * Cost: one pass over the triangles; a 500k-triangle skull at 512 × 512 px takes a few hundred
 * ms in Node (most triangles cover a pixel or less).
 */
import { ParameterError } from '../core/errors.ts';

export type RasterVec3 = readonly [number, number, number];

/** What is drawn: positions in mm (LPS), counter-clockwise outward triangles, sRGB 0..255, opacity 0..1. */
export interface RasterPart {
  readonly positions: Float32Array;
  readonly indices: Uint32Array;
  readonly color: readonly [number, number, number];
  readonly opacity: number;
  /** Per-vertex sRGB 0..255 (3 bytes per vertex), averaged over each triangle; drawn instead of `color`. */
  readonly colors?: Uint8Array;
}

/** An orthographic camera: `direction` is where it looks, `viewUp` the world direction drawn up (need not be perpendicular). */
export interface RasterCamera {
  readonly direction: RasterVec3;
  readonly viewUp: RasterVec3;
}

export interface RasterOptions {
  readonly width: number;
  readonly height: number;
  /** sRGB 0..255, opaque; default the app's view background. */
  readonly background?: readonly [number, number, number];
  /** Empty border around the scene's projected extent, as a fraction of the smaller image side; default 0.06. */
  readonly margin?: number;
}

export interface MeshRaster {
  readonly width: number;
  readonly height: number;
  /** RGBA, row-major, top row first. */
  readonly rgba: Uint8Array;
  /** Distance along the view direction of the nearest opaque surface at each pixel, mm from the scene's centre; +Infinity where none. */
  readonly depth: Float32Array;
  /** Pixels where any part (opaque or translucent) was drawn. */
  readonly covered: Uint8Array;
  /** Millimetres per pixel (the same along both image axes). */
  readonly mmPerPixel: number;
}

/** The app's 3-D view background (app/renderers/mesh-view.ts VIEW_BACKGROUND), sRGB 0..255. */
export const RASTER_BACKGROUND: readonly [number, number, number] = [32, 35, 40];

const AMBIENT = 0.12;
const DIFFUSE = 0.8;

/**
 * Draws `parts` seen along `camera.direction`, fitted into the image with the same scale on
 * both axes. Opaque parts (opacity 1) fill a z-buffer; of the translucent ones, the nearest
 * surface in front of the opaque one is blended over it with its opacity (one layer: enough for
 * a skin over a skull). Faces are lit from both sides: intensity = 0.12 + 0.8·|n·d|.
 * @throws ParameterError for a non-positive or non-integer size, a zero or parallel camera
 *   direction and up vector, or an opacity outside 0..1.
 */
export function rasterizeMeshes(parts: readonly RasterPart[], camera: RasterCamera, options: RasterOptions): MeshRaster {
  const { width, height } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new ParameterError(`rasterizeMeshes: size ${width}×${height} must be whole pixels ≥ 1`);
  const d = normalize(camera.direction, 'direction');
  const right = normalize(cross(d, camera.viewUp), 'direction × viewUp (they are parallel)');
  const up = cross(right, d);
  const background = options.background ?? RASTER_BACKGROUND;
  const margin = options.margin ?? 0.06;
  for (const p of parts) if (!(p.opacity >= 0 && p.opacity <= 1)) throw new ParameterError(`rasterizeMeshes: opacity ${p.opacity} is outside 0..1`);

  // The scene's centre (of its bounding box) and its extent along right and up fix the scale.
  const bounds = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  for (const { positions } of parts) {
    for (let i = 0; i < positions.length; i += 3) {
      for (let k = 0; k < 3; k++) {
        const v = positions[i + k]!;
        if (v < bounds[2 * k]!) bounds[2 * k] = v;
        if (v > bounds[2 * k + 1]!) bounds[2 * k + 1] = v;
      }
    }
  }
  const centre = bounds[0] === Infinity ? [0, 0, 0] : [0, 1, 2].map((k) => (bounds[2 * k]! + bounds[2 * k + 1]!) / 2);
  // Half extents of the projected vertices about the centre (tighter than the box's corners in an oblique view).
  let halfW = 0, halfH = 0;
  for (const { positions } of parts) {
    for (let i = 0; i < positions.length; i += 3) {
      const x = positions[i]! - centre[0]!, y = positions[i + 1]! - centre[1]!, z = positions[i + 2]! - centre[2]!;
      halfW = Math.max(halfW, Math.abs(x * right[0] + y * right[1] + z * right[2]));
      halfH = Math.max(halfH, Math.abs(x * up[0] + y * up[1] + z * up[2]));
    }
  }
  const usable = 1 - 2 * margin;
  const scale = Math.min((width * usable) / (2 * halfW || 1), (height * usable) / (2 * halfH || 1)); // px per mm
  const cx = width / 2, cy = height / 2;

  const n = width * height;
  const depth = new Float32Array(n).fill(Infinity);
  const shade = new Float32Array(n * 3);
  const tDepth = new Float32Array(n).fill(Infinity);
  const tShade = new Float32Array(n * 4);
  const covered = new Uint8Array(n);

  const drawPart = (part: RasterPart, translucent: boolean): void => {
    const { positions: pos, indices: idx, colors } = part;
    const nv = pos.length / 3;
    // Project every vertex once: screen x, y (px, y down) and depth (mm along d).
    const sx = new Float32Array(nv), sy = new Float32Array(nv), sz = new Float32Array(nv);
    for (let v = 0; v < nv; v++) {
      const x = pos[3 * v]! - centre[0]!, y = pos[3 * v + 1]! - centre[1]!, z = pos[3 * v + 2]! - centre[2]!;
      sx[v] = cx + scale * (x * right[0] + y * right[1] + z * right[2]);
      sy[v] = cy - scale * (x * up[0] + y * up[1] + z * up[2]);
      sz[v] = x * d[0] + y * d[1] + z * d[2];
    }
    const zbuf = translucent ? tDepth : depth;
    for (let t = 0; t < idx.length; t += 3) {
      const a = idx[t]!, b = idx[t + 1]!, c = idx[t + 2]!;
      // Face normal in world space for the light.
      const ux = pos[3 * b]! - pos[3 * a]!, uy = pos[3 * b + 1]! - pos[3 * a + 1]!, uz = pos[3 * b + 2]! - pos[3 * a + 2]!;
      const vx = pos[3 * c]! - pos[3 * a]!, vy = pos[3 * c + 1]! - pos[3 * a + 1]!, vz = pos[3 * c + 2]! - pos[3 * a + 2]!;
      const nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
      const len = Math.hypot(nx, ny, nz);
      if (len === 0) continue;
      const light = AMBIENT + DIFFUSE * Math.abs((nx * d[0] + ny * d[1] + nz * d[2]) / len);
      let r: number, g: number, bl: number;
      if (colors) {
        r = (colors[3 * a]! + colors[3 * b]! + colors[3 * c]!) / 3;
        g = (colors[3 * a + 1]! + colors[3 * b + 1]! + colors[3 * c + 1]!) / 3;
        bl = (colors[3 * a + 2]! + colors[3 * b + 2]! + colors[3 * c + 2]!) / 3;
      } else [r, g, bl] = part.color;
      r *= light; g *= light; bl *= light;

      const x0 = sx[a]!, y0 = sy[a]!, x1 = sx[b]!, y1 = sy[b]!, x2 = sx[c]!, y2 = sy[c]!;
      const area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0);
      if (area === 0) continue;
      const minX = Math.max(0, Math.ceil(Math.min(x0, x1, x2) - 0.5)), maxX = Math.min(width - 1, Math.floor(Math.max(x0, x1, x2) - 0.5));
      const minY = Math.max(0, Math.ceil(Math.min(y0, y1, y2) - 0.5)), maxY = Math.min(height - 1, Math.floor(Math.max(y0, y1, y2) - 0.5));
      if (minX > maxX || minY > maxY) continue;
      const inv = 1 / area;
      const z0 = sz[a]!, z1 = sz[b]!, z2 = sz[c]!;
      for (let py = minY; py <= maxY; py++) {
        const qy = py + 0.5;
        for (let px = minX; px <= maxX; px++) {
          const qx = px + 0.5;
          // Barycentric weights by edge functions; the sign of `area` cancels out.
          const w0 = ((x1 - qx) * (y2 - qy) - (x2 - qx) * (y1 - qy)) * inv;
          const w1 = ((x2 - qx) * (y0 - qy) - (x0 - qx) * (y2 - qy)) * inv;
          const w2 = 1 - w0 - w1;
          if (w0 < 0 || w1 < 0 || w2 < 0) continue;
          const z = w0 * z0 + w1 * z1 + w2 * z2;
          const p = py * width + px;
          if (z >= zbuf[p]!) continue;
          if (translucent && z >= depth[p]!) continue;
          zbuf[p] = z;
          covered[p] = 1;
          if (translucent) {
            tShade[4 * p] = r; tShade[4 * p + 1] = g; tShade[4 * p + 2] = bl; tShade[4 * p + 3] = part.opacity;
          } else {
            shade[3 * p] = r; shade[3 * p + 1] = g; shade[3 * p + 2] = bl;
          }
        }
      }
    }
  };
  for (const p of parts) if (p.opacity >= 1) drawPart(p, false);
  for (const p of parts) if (p.opacity > 0 && p.opacity < 1) drawPart(p, true);

  const rgba = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    let r = background[0], g = background[1], b = background[2];
    if (depth[p] !== Infinity) {
      r = shade[3 * p]!; g = shade[3 * p + 1]!; b = shade[3 * p + 2]!;
    }
    if (tDepth[p] !== Infinity) {
      const al = tShade[4 * p + 3]!;
      r = tShade[4 * p]! * al + r * (1 - al);
      g = tShade[4 * p + 1]! * al + g * (1 - al);
      b = tShade[4 * p + 2]! * al + b * (1 - al);
    }
    rgba[4 * p] = Math.round(Math.min(255, r));
    rgba[4 * p + 1] = Math.round(Math.min(255, g));
    rgba[4 * p + 2] = Math.round(Math.min(255, b));
    rgba[4 * p + 3] = 255;
  }
  return { width, height, rgba, depth, covered, mmPerPixel: 1 / scale };
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0]! * b[0]! + a[1]! * b[1]! + a[2]! * b[2]!;
}

function cross(a: readonly number[], b: readonly number[]): [number, number, number] {
  return [a[1]! * b[2]! - a[2]! * b[1]!, a[2]! * b[0]! - a[0]! * b[2]!, a[0]! * b[1]! - a[1]! * b[0]!];
}

function normalize(v: readonly number[], what: string): [number, number, number] {
  const l = Math.hypot(v[0]!, v[1]!, v[2]!);
  if (!(l > 0) || !Number.isFinite(l)) throw new ParameterError(`rasterizeMeshes: camera ${what} has no length`);
  return [v[0]! / l, v[1]! / l, v[2]! / l];
}
