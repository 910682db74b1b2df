import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { GeometryError, ParameterError } from '../../cells/core/errors.ts';
import { IDENTITY3, type Mat3, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { VOLUME_MIME, volumeView, type VolumeViewData } from '../../cells/viz/volume-view.ts';
import { resolvePreset, VOLUME_PRESETS, VOLUME_PRESET_NAMES, windowTransfer } from '../../cells/viz/volume-presets.ts';
import { boundsMm, clipPlanesOf, frontCutPlane, isVolumeData, vtkDirection } from '../../app/renderers/volume-geometry.ts';
import { cached } from '../helpers.ts';

/** A 20×16×10 int16 grid: −1000 HU air with a 1000 HU bone cube at i 5..9, j 4..7, k 2..5. */
function phantom(): Volume<Int16Array> {
  const dims: Vec3 = [20, 16, 10];
  const data = new Int16Array(dims[0] * dims[1] * dims[2]).fill(-1000);
  for (let k = 2; k <= 5; k++) for (let j = 4; j <= 7; j++) for (let i = 5; i <= 9; i++) data[i + 20 * (j + 16 * k)] = 1000;
  return { data, dims, spacingMm: [1, 1, 2], originMm: [-10, -8, 0], direction: IDENTITY3, source: { input: 'phantom', format: 'phantom', sha256: '', description: 'cube', valueUnit: 'HU' } };
}

describe('volumeView bundle', () => {
  it('carries the volume\'s own typed array (no copy), its LPS grid, the resolved preset and a text fallback', () => {
    const ct = phantom();
    const bundle = volumeView(ct, { preset: 'ct-bone', name: 'cube' })[MIME_METHOD]();
    const v = bundle.data[VOLUME_MIME] as VolumeViewData;
    expect(v.data).toBe(ct.data);
    expect(v.data.buffer).toBe(ct.data.buffer);
    expect([v.dims, v.spacingMm, v.originMm, v.direction]).toEqual([ct.dims, ct.spacingMm, ct.originMm, ct.direction]);
    expect([v.preset, v.valueUnit, v.name, v.shade]).toEqual(['ct-bone', 'HU', 'cube', true]);
    expect(v.rangeValue).toEqual([-1000, 1000]);
    expect(v.transfer.opacity).toEqual(VOLUME_PRESETS['ct-bone'].opacity);
    expect(bundle.data['text/plain']).toBe('cube: volume rendering (ct-bone) of 20×16×10 voxels, 1×1×2 mm, values -1000..1000 HU');
    expect(isVolumeData(v)).toBe(true);
    expect(isVolumeData({ ...v, dims: [20, 16, 11] })).toBe(false);
  });

  it('adds a maximum-intensity projection PNG seen from anterior: square pixels, superior at the top, the cube bright', () => {
    const bundle = volumeView(phantom())[MIME_METHOD]();
    const png = decode(Buffer.from(bundle.data['image/png'] as string, 'base64'));
    // nx × round(nz·sz/sx) = 20 × 20.
    expect([png.width, png.height]).toEqual([20, 20]);
    const grey = (x: number, y: number) => png.data[png.channels * (y * png.width + x)]!;
    // k 2..5 at 2 mm → rows 20 − 2·(k+1) .. 20 − 2·k − 1, i.e. rows 8..15; columns 5..9.
    // Windowed over the bone preset's visible values, 140..3071 HU.
    expect(grey(7, 12)).toBe(Math.round(((1000 - 140) * 255) / (3071 - 140)));
    expect(grey(7, 3)).toBe(0); // above the cube (superior)
    expect(grey(2, 12)).toBe(0);
    let bright = 0;
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) if (grey(x, y) > 50) bright++;
    expect(bright).toBe(5 * 8);
    expect(volumeView(phantom(), { png: false })[MIME_METHOD]().data['image/png']).toBeUndefined();
  });

  it('rejects an unknown preset, a crop box off the grid, a zero clipping normal and more than 6 planes', () => {
    const ct = phantom();
    expect(() => volumeView(ct, { preset: 'ct-lung' as never })).toThrow(ParameterError);
    expect(() => volumeView(ct, { cropIjk: [0, 20, 0, 15, 0, 9] })).toThrow(/cropIjk axis i/);
    expect(() => volumeView(ct, { cropIjk: [5, 4, 0, 15, 0, 9] })).toThrow(ParameterError);
    expect(() => volumeView(ct, { clipPlane: { originMm: [0, 0, 0], normal: [0, 0, 0] } })).toThrow(/normal is zero/);
    expect(() => volumeView(ct, { cropIjk: [1, 18, 1, 14, 1, 8], clipPlane: { originMm: [0, 0, 0], normal: [0, 1, 0] } })).toThrow(/at most 6/);
    expect(() => volumeView(ct, { cropIjk: [1, 18, 1, 14, 1, 8] })).not.toThrow();
  });
});

describe('volume presets', () => {
  it('has CT bone, skin, angio-like in HU and MR T1 brain scaled to the volume range, each with increasing points', () => {
    expect(VOLUME_PRESET_NAMES).toEqual(['ct-bone', 'ct-skin', 'ct-angio', 'mr-t1-brain']);
    for (const name of VOLUME_PRESET_NAMES) {
      const p = VOLUME_PRESETS[name];
      for (const pts of [p.opacity, p.color]) for (let i = 1; i < pts.length; i++) expect(pts[i]![0]).toBeGreaterThan(pts[i - 1]![0]);
      for (const [, a] of p.opacity) expect(a >= 0 && a <= 1).toBe(true);
    }
    const mr = resolvePreset('mr-t1-brain', [100, 1100]);
    expect(mr.opacity[0]![0]).toBe(100);
    expect(mr.opacity.at(-1)![0]).toBe(1100);
    expect(mr.color[2]![0]).toBeCloseTo(100 + 0.4 * 1000, 9);
    expect(() => resolvePreset('mr-t1-brain', [5, 5])).toThrow(ParameterError);
    expect(resolvePreset('ct-skin', [0, 1])).toEqual({ opacity: VOLUME_PRESETS['ct-skin'].opacity, color: VOLUME_PRESETS['ct-skin'].color });
  });

  it('windowTransfer: identity at (0, 1); shifts every point by the level and stretches about the visible centre', () => {
    const bone = resolvePreset('ct-bone', [-1000, 3071]);
    expect(windowTransfer(bone, 0, 1)).toEqual(bone);
    const moved = windowTransfer(bone, 100, 2);
    // visible centre = (140 + 1200) / 2 = 670
    expect(moved.opacity[1]![0]).toBe(670 + (140 - 670) * 2 + 100);
    expect(moved.color[4]![0]).toBe(670 + (1500 - 670) * 2 + 100);
    expect(moved.opacity.map(([, a]) => a)).toEqual(bone.opacity.map(([, a]) => a));
  });
});

describe('volume geometry for vtk.js', () => {
  it('gives vtk the axes column by column, and crop planes half a voxel outside the kept voxels, pointing in', () => {
    const m: Mat3 = [0, -1, 0, 1, 0, 0, 0, 0, 1];
    expect(vtkDirection(m)).toEqual([0, 1, 0, -1, 0, 0, 0, 0, 1]);
    const planes = clipPlanesOf({ dims: [20, 16, 10], spacingMm: [1, 1, 2], originMm: [-10, -8, 0], direction: IDENTITY3, cropIjk: [2, 19, 0, 15, 0, 7], clipPlane: { originMm: [1, 2, 3], normal: [0, 3, 4] } });
    expect(planes).toEqual([
      { originMm: [-10 + 1.5, -8, 0], normal: [1, 0, 0] },
      { originMm: [-10, -8, 2 * 7.5], normal: [-0, -0, -1] },
      { originMm: [1, 2, 3], normal: [0, 0.6, 0.8] },
    ]);
  });

  it('bounds the voxel centres in world mm through the direction matrix; the front cut keeps what lies posterior', () => {
    // i → −y (posterior to anterior), j → +x: 20 voxels of 1 mm along −y, 16 along +x.
    const b = boundsMm({ dims: [20, 16, 10], spacingMm: [1, 1, 2], originMm: [0, 0, 0], direction: [0, 1, 0, -1, 0, 0, 0, 0, 1] });
    expect(b).toEqual([0, 15, -19, 0, 0, 18]);
    expect(frontCutPlane(b, 5)).toEqual({ originMm: [0, -14, 0], normal: [0, 1, 0] });
  });
});

describe('volumeView on the real head CT', () => {
  it('keeps the 256×256×108 int16 array as is, and its bone MIP shows the skull', async () => {
    const ct = await loadInv3(cached('Cranium.inv3'));
    const t0 = performance.now();
    const bundle = volumeView(ct, { preset: 'ct-bone' })[MIME_METHOD]();
    const ms = performance.now() - t0;
    const v = bundle.data[VOLUME_MIME] as VolumeViewData;
    expect(v.data).toBe(ct.data);
    expect(v.data).toBeInstanceOf(Int16Array);
    expect(v.dims).toEqual([256, 256, 108]);
    const png = decode(Buffer.from(bundle.data['image/png'] as string, 'base64'));
    expect([png.width, png.height]).toEqual([256, Math.round((108 * 1.5) / 0.9570312)]);
    let bright = 0;
    for (let p = 0; p < png.width * png.height; p++) if (png.data[png.channels * p]! > 40) bright++;
    const fraction = bright / (png.width * png.height);
    console.log(`[volume-view] real CT bundle + MIP PNG: ${ms.toFixed(0)} ms; ${(fraction * 100).toFixed(1)}% of the MIP above grey 40`);
    // The skull seen from the front covers a good part of the picture, not all of it.
    expect(fraction).toBeGreaterThan(0.15);
    expect(fraction).toBeLessThan(0.8);
  }, 60_000);
});

describe('volume in the exported page', () => {
  it('round-trips the voxels through the page encoding (same type, same values), and leaves a volume over the cap out with its PNG', async () => {
    const { encodeVolume, decodeVolume } = await import('../../app/static/volume-codec.ts');
    const { encodeDocument } = await import('../../app/static/encode.ts');
    const { decodeDocument } = await import('../../app/static/decode.ts');
    const ct = phantom();
    const bundle = volumeView(ct, { name: 'cube' })[MIME_METHOD]();
    const v = bundle.data[VOLUME_MIME] as VolumeViewData;
    const back = decodeVolume(JSON.parse(JSON.stringify(encodeVolume(v))));
    expect(back.data).toBeInstanceOf(Int16Array);
    expect(back.data).toEqual(ct.data);
    expect({ ...back, data: null }).toEqual({ ...v, data: null });

    const provenance = { notebook: 'nb.nb.ts', notebookSha256: '0'.repeat(64), parameters: {}, versions: {}, ranAt: '2026-11-27T00:00:00Z' };
    const input = { title: 't', provenance, cells: [{ id: 'a', kind: 'code' as const, source: '', outputs: [bundle] }] };
    const within = await decodeDocument((await encodeDocument(input)).json);
    expect((within.cells[0]!.outputs[0]!.data[VOLUME_MIME] as VolumeViewData).data).toEqual(ct.data);
    // A cap of 1 kB: the 6,400-byte volume stays out; its projection and text stay.
    const over = await encodeDocument(input, { meshPreviewTriangles: 200_000, fileEmbedMaxBytes: 1000 });
    const left = (await decodeDocument(over.json)).cells[0]!.outputs[0]!;
    expect(left.data[VOLUME_MIME]).toBeUndefined();
    expect(left.data['image/png']).toBe(bundle.data['image/png']);
    expect(left.data['text/plain']).toMatch(/volume not embedded: over the/);
    expect(over.notes).toEqual([expect.stringMatching(/^cell "a": volume "cube" .* not embedded/)]);
  });
});

describe('volumeView overlays (label map and probability as surfaces)', () => {
  /** Labels on the phantom's grid: 1 = the bone cube, 2 = a 3×3×2 box beside it (touching at i = 10). */
  function labels(): Volume<Uint8Array> {
    const ct = phantom();
    const data = new Uint8Array(ct.data.length);
    for (let i = 0; i < data.length; i++) if (ct.data[i] === 1000) data[i] = 1;
    for (let k = 2; k <= 3; k++) for (let j = 4; j <= 6; j++) for (let i = 10; i <= 12; i++) data[i + 20 * (j + 16 * k)] = 2;
    return { ...ct, data };
  }

  it('one closed surface per label, named from labelNames, coloured from the palette, at the given opacity', async () => {
    const { validateMesh } = await import('../../cells/mesh/validate.ts');
    const v = volumeView(phantom(), { labels: labels(), labelNames: { 1: 'bone', 2: 'implant' }, overlayOpacity: 0.4 })[MIME_METHOD]().data[VOLUME_MIME] as VolumeViewData;
    expect(v.surfaces!.map((s) => [s.name, s.opacity])).toEqual([['bone', 0.4], ['implant', 0.4]]);
    expect(v.surfaces![0]!.color).not.toEqual(v.surfaces![1]!.color);
    for (const s of v.surfaces!) {
      const r = validateMesh({ positions: s.positions, indices: s.indices });
      expect([r.closed, r.edgeManifold]).toEqual([true, true]);
    }
    // The cube is 5 × 4 × 4 voxels of 1 × 1 × 2 mm = 160 mm³; its voxel-boundary surface encloses that within the corner rounding.
    const bone = validateMesh({ positions: v.surfaces![0]!.positions, indices: v.surfaces![0]!.indices });
    expect(bone.volumeMm3).toBeGreaterThan(100);
    expect(bone.volumeMm3).toBeLessThan(160);
  });

  it('a probability map gives one isosurface per level, in viridis (darker for the lower level), and the text names them', () => {
    const ct = phantom();
    const p = new Float32Array(ct.data.length);
    // A radial blob centred in the grid: 1 at the centre, 0 at 6 mm.
    for (let k = 0; k < 10; k++) for (let j = 0; j < 16; j++) for (let i = 0; i < 20; i++) p[i + 20 * (j + 16 * k)] = Math.max(0, 1 - Math.hypot(i - 10, j - 8, 2 * (k - 5)) / 6);
    const bundle = volumeView(ct, { probability: { ...ct, data: p }, probabilityLevels: [0.3, 0.7] })[MIME_METHOD]();
    const v = bundle.data[VOLUME_MIME] as VolumeViewData;
    expect(v.surfaces!.map((s) => s.name)).toEqual(['p ≥ 0.3', 'p ≥ 0.7']);
    const lightness = (c: readonly number[]): number => c[0]! + c[1]! + c[2]!;
    expect(lightness(v.surfaces![0]!.color)).toBeLessThan(lightness(v.surfaces![1]!.color));
    // The 0.7 surface lies inside the 0.3 one: fewer triangles.
    expect(v.surfaces![1]!.indices.length).toBeLessThan(v.surfaces![0]!.indices.length);
    expect(bundle.data['text/plain']).toMatch(/overlay: p ≥ 0\.3 \([\d,]+ triangles\), p ≥ 0\.7/);
  });

  it('refuses a map off the volume\'s grid, a level outside (0, 1) and an opacity outside [0, 1], saying what to do', () => {
    const ct = phantom();
    const off = { ...labels(), spacingMm: [2, 2, 2] as Vec3 };
    expect(() => volumeView(ct, { labels: off })).toThrow(/labels must lie on the volume's grid.*resample/);
    expect(() => volumeView(ct, { labels: off })).toThrow(GeometryError);
    expect(() => volumeView(ct, { probability: { ...ct, data: new Float32Array(ct.data.length) }, probabilityLevels: [1] })).toThrow(ParameterError);
    expect(() => volumeView(ct, { labels: labels(), overlayOpacity: 2 })).toThrow(/overlayOpacity/);
  });

  it('round-trips the surfaces through the exported page\'s encoding', async () => {
    const { encodeVolume, decodeVolume } = await import('../../app/static/volume-codec.ts');
    const v = volumeView(phantom(), { labels: labels() })[MIME_METHOD]().data[VOLUME_MIME] as VolumeViewData;
    const back = decodeVolume(JSON.parse(JSON.stringify(encodeVolume(v))));
    expect(back.surfaces!.length).toBe(2);
    for (let s = 0; s < 2; s++) {
      expect(back.surfaces![s]!.positions).toEqual(v.surfaces![s]!.positions);
      expect(back.surfaces![s]!.indices).toEqual(v.surfaces![s]!.indices);
      expect({ ...back.surfaces![s]!, positions: null, indices: null }).toEqual({ ...v.surfaces![s]!, positions: null, indices: null });
    }
  });
});
