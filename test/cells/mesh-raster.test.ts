/**
 * The CPU mesh renderer of headless runs (cells/viz/mesh-raster.ts, cells/viz/headless-png.ts):
 * analytic checks on a sphere, translucency, the app's camera tables, and the real skull —
 * non-blank, a plausible silhouette, the face where a front view puts it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { threshold } from '../../cells/segment/threshold.ts';
import { keepLargestComponents } from '../../cells/segment/largest.ts';
import { isosurface } from '../../cells/mesh/isosurface.ts';
import type { Mesh } from '../../cells/core/mesh.ts';
import { rasterizeMeshes, RASTER_BACKGROUND, type RasterPart } from '../../cells/viz/mesh-raster.ts';
import { FOUR_VIEW_CELLS, renderMeshScene, withHeadlessPng } from '../../cells/viz/headless-png.ts';
import { fourView, meshView } from '../../cells/viz/mesh-view.ts';
import { volumeView } from '../../cells/viz/volume-view.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { FOUR_VIEW_CAMERAS, FOUR_VIEW_VIEWPORTS } from '../../app/renderers/mesh-scene-geometry.ts';
import { IDENTITY3, makeVolume } from '../../cells/core/volume.ts';
import { sphereMesh } from '../mesh-phantoms.ts';
import { cached } from '../helpers.ts';

const FRONT = { direction: [0, 1, 0], viewUp: [0, 0, 1] } as const;
const part = (mesh: Mesh, color: [number, number, number] = [200, 200, 200], opacity = 1): RasterPart => ({ positions: mesh.positions, indices: mesh.indices, color, opacity });
const count = (a: Uint8Array): number => a.reduce((s, v) => s + v, 0);

describe('rasterizeMeshes', () => {
  const sphere = sphereMesh(20, [32, 32, 32]);

  it('draws a sphere as a disc of area π r² (in pixels, ±2%), nearest point at depth −r, background outside', () => {
    const r = rasterizeMeshes([part(sphere)], FRONT, { width: 200, height: 200 });
    const rPx = 20 / r.mmPerPixel;
    expect(Math.abs(count(r.covered) / (Math.PI * rPx * rPx) - 1)).toBeLessThan(0.02);
    const nearest = Math.min(...r.depth);
    expect(nearest).toBeCloseTo(-20, 0);
    expect([...r.rgba.subarray(0, 4)]).toEqual([...RASTER_BACKGROUND, 255]);
    // Lit from the camera: the centre (normal toward the viewer) is brighter than near the rim.
    const at = (x: number, y: number): number => r.rgba[4 * (y * 200 + x)]!;
    expect(at(100, 100)).toBeGreaterThan(200 * 0.9);
    expect(at(100, Math.round(100 - 0.97 * rPx))).toBeLessThan(at(100, 100) * 0.5);
  });

  it('blends a translucent part over the opaque one behind it, once', () => {
    const inner = sphereMesh(10, [32, 32, 32]);
    const r = rasterizeMeshes([part(sphere, [0, 0, 255], 0.5), part(inner, [255, 0, 0])], FRONT, { width: 100, height: 100 });
    const c = 4 * (50 * 100 + 50);
    // Red sphere (lit ≈ 0.92 at its centre) behind half-opaque blue: about half of each.
    expect(r.rgba[c]).toBeGreaterThan(100);
    expect(r.rgba[c]).toBeLessThan(135);
    expect(r.rgba[c + 2]).toBeGreaterThan(100);
    // Outside the inner sphere but inside the outer: blue over the background.
    const e = 4 * (50 * 100 + 50 + Math.round(15 / r.mmPerPixel));
    expect(r.rgba[e]).toBeLessThan(40);
    expect(r.rgba[e + 2]).toBeGreaterThan(90);
  });

  it('uses the same four-view cameras and cells as the app', () => {
    expect(FOUR_VIEW_CELLS.map((c) => [c.camera.direction, c.camera.viewUp])).toEqual(FOUR_VIEW_CAMERAS.map((c) => [c.direction, c.viewUp]));
    expect(FOUR_VIEW_CELLS.map((c) => c.viewport)).toEqual(FOUR_VIEW_VIEWPORTS);
  });

  it('withHeadlessPng adds a PNG to mesh bundles, names the renderer in text and metadata, labels a volume\'s projection', () => {
    const single = withHeadlessPng(meshView(sphere, { name: 'ball' })[MIME_METHOD](), { size: 64 });
    const png = decode(Buffer.from(single.data['image/png'] as string, 'base64'));
    expect([png.width, png.height]).toEqual([64, 64]);
    expect(single.data['text/plain']).toMatch(/^ball: \d+ triangles.*\n\(image: CPU z-buffer rasteriser/);
    expect(single.metadata?.['image/png']).toEqual({ width: 64, height: 64, renderer: 'cpu' });
    const four = withHeadlessPng(fourView(sphere)[MIME_METHOD](), { size: 90 });
    expect((four.metadata?.['image/png'] as { width: number }).width).toBe(90);
    const vol = makeVolume({ data: new Int16Array(8 * 8 * 8).fill(500), dims: [8, 8, 8], spacingMm: [1, 1, 1], originMm: [0, 0, 0], direction: IDENTITY3 });
    const v = withHeadlessPng(volumeView(vol)[MIME_METHOD]());
    expect((v.metadata?.['image/png'] as { renderer: string }).renderer).toBe('cpu-mip');
    expect(v.data['text/plain']).toMatch(/maximum-intensity projection/);
    const plain = { data: { 'text/plain': 'x' } };
    expect(withHeadlessPng(plain)).toBe(plain);
  });
});

describe('the real skull drawn on the CPU', () => {
  let skull: Mesh;
  beforeAll(async () => {
    const ct = await loadInv3(cached('Cranium.inv3'));
    const bone = keepLargestComponents(threshold(ct, { minHu: 226, maxHu: 3071 }), { count: 1, connectivity: 26 }).mask;
    skull = isosurface(ct, { isoValue: 225.5, mask: bone });
  }, 60_000);

  it('front view at 512²: the silhouette covers 40–80% of the image (measured 60%), in under 1.5 s', () => {
    const t0 = performance.now();
    const r = rasterizeMeshes([part(skull)], FRONT, { width: 512, height: 512 });
    const ms = performance.now() - t0;
    expect(skull.indices.length / 3).toBeGreaterThan(500_000);
    expect(ms).toBeLessThan(1500);
    const share = count(r.covered) / (512 * 512);
    expect(share).toBeGreaterThan(0.4);
    expect(share).toBeLessThan(0.8);
    // Not flat: lit surfaces span many grey levels.
    const greys = new Set<number>();
    for (let p = 0; p < r.rgba.length; p += 4) if (r.covered[p / 4]) greys.add(r.rgba[p]!);
    expect(greys.size).toBeGreaterThan(100);
  });

  it('front view: the most anterior point (nasal bones) lies on the mid-line below the silhouette\'s middle; the orbits are deep on both sides at one height', () => {
    const r = rasterizeMeshes([part(skull)], FRONT, { width: 512, height: 512 });
    let best = Infinity, at = -1;
    let top = 512, bottom = -1, left = 512, right = -1;
    for (let p = 0; p < r.depth.length; p++) {
      if (!r.covered[p]) continue;
      const x = p % 512, y = Math.floor(p / 512);
      top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
      if (r.depth[p]! < best) [best, at] = [r.depth[p]!, p];
    }
    const x = at % 512, y = Math.floor(at / 512);
    const midX = (left + right) / 2, h = bottom - top;
    // Measured: (249, 328) in a silhouette spanning rows 33..479; the orbits 44 and 46 mm behind the forehead.
    expect(Math.abs(x - midX)).toBeLessThan(0.05 * (right - left));
    expect((y - top) / h).toBeGreaterThan(0.5);
    expect((y - top) / h).toBeLessThan(0.8);
    // The orbits: about 30 mm either side of the mid-line, 10 mm above the nasal point, we
    // look into the skull — the surface seen there is far behind the brow above it.
    const mm = 1 / r.mmPerPixel;
    const depthNear = (cx: number, cy: number): number => {
      let d = 0; // the median of a 7 × 7 window
      const w: number[] = [];
      for (let yy = cy - 3; yy <= cy + 3; yy++) for (let xx = cx - 3; xx <= cx + 3; xx++) w.push(r.depth[yy * 512 + xx]!);
      d = w.sort((a, b) => a - b)[24]!;
      return d;
    };
    // The forehead on the mid-line, 40 mm above the nasal point (the skull has an old defect on
    // the patient's right side of the frontal bone, so not above each orbit).
    const brow = depthNear(x, Math.round(y - 40 * mm));
    const orbitY = Math.round(y - 10 * mm);
    for (const side of [-1, 1]) {
      const ox = Math.round(x + side * 30 * mm);
      expect(depthNear(ox, orbitY) - brow).toBeGreaterThan(25);
    }
  });

  it('the three-quarter and four-view PNGs are non-blank; the four-view is black at its centre', () => {
    const view = renderMeshScene({ layout: 'view', parts: [part(skull)] });
    expect(count(view.covered) / (view.width * view.height)).toBeGreaterThan(0.3);
    const four = renderMeshScene({ layout: 'four', parts: [part(skull)] });
    const c = 4 * ((four.height >> 1) * four.width + (four.width >> 1));
    expect([...four.rgba.subarray(c, c + 3)]).toEqual([0, 0, 0]);
    const share = count(four.covered) / (four.width * four.height);
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(4 / 9);
  });
});
