import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { GeometryError, ParameterError, FormatError } from '../../cells/core/errors.ts';
import { IDENTITY3, indexToWorld, type Mat3, type Vec3, type Volume } from '../../cells/core/volume.ts';
import { loadInv3 } from '../../cells/io/inv3.ts';
import { loadNifti } from '../../cells/io/nifti.ts';
import { parseLabelTable } from '../../cells/io/label-table.ts';
import { LABEL_PALETTE } from '../../cells/mesh/label-surfaces.ts';
import { MIME_METHOD } from '../../cells/viz/bundle.ts';
import { formatProbe, PLANES_MIME, planeLayers, planesView, probeAt, type PlanesViewData } from '../../cells/viz/planes.ts';
import { indexToPixel, patientAxes, pixelToIndex, planeLayout } from '../../cells/viz/planes-geometry.ts';
import { labelLut, renderPlane } from '../../cells/viz/planes-render.ts';
import { autoWindow, CT_WINDOWS, windowPresets } from '../../cells/viz/window-presets.ts';
import { isPlanesData } from '../../app/renderers/planes-data.ts';
import { decodePlanes, encodePlanes, isEncodedPlanes, planesBytes } from '../../app/static/planes-codec.ts';
import { encodeDocument } from '../../app/static/encode.ts';
import { decodeDocument } from '../../app/static/decode.ts';
import { cached } from '../helpers.ts';
import { headEndWidths } from '../planes-landmark.ts';

const HU = { input: 'phantom', format: 'phantom', sha256: '', description: 'grid', valueUnit: 'HU' } as const;

/** A 12×10×6 int16 grid of −1000 HU with voxel value = 10·i + j + 100·k at a few marked places. */
function grid(direction: Mat3 = IDENTITY3): Volume<Int16Array> {
  const dims: Vec3 = [12, 10, 6];
  const data = new Int16Array(12 * 10 * 6);
  for (let k = 0; k < 6; k++) for (let j = 0; j < 10; j++) for (let i = 0; i < 12; i++) data[i + 12 * (j + 10 * k)] = i + 20 * j + 300 * k;
  return { data, dims, spacingMm: [0.5, 1, 2], originMm: [-3, -5, 10], direction, source: HU };
}

describe('planesView bundle', () => {
  it('carries the volume\'s and the layers\' own typed arrays (no copy) and its LPS grid', () => {
    const v = grid();
    const mask = { ...v, data: new Uint8Array(v.data.length).fill(1) };
    const labels = { ...v, data: new Uint8Array(v.data.length).fill(2) };
    const prob = { ...v, data: new Float32Array(v.data.length).fill(0.5) };
    const table = [{ value: 2, name: 'two', color: [1, 2, 3] as const }];
    const bundle = planesView(v, { overlay: mask, labels, labelTable: table, probability: prob, name: 'g' })[MIME_METHOD]();
    const d = bundle.data[PLANES_MIME] as PlanesViewData;
    expect(d.data).toBe(v.data);
    expect(d.overlay!.data).toBe(mask.data);
    expect(d.labels!.data).toBe(labels.data);
    expect(d.probability!.data).toBe(prob.data);
    expect([d.dims, d.spacingMm, d.originMm, d.direction, d.valueUnit]).toEqual([v.dims, v.spacingMm, v.originMm, v.direction, 'HU']);
    expect(d.cursor).toEqual([6, 5, 3]);
    expect(d.window).toEqual({ id: 'ct-bone', center: 400, width: 1800 });
    expect(d.windows.map((w) => w.id)).toEqual(['ct-bone', 'ct-brain', 'ct-soft-tissue', 'auto']);
    expect(bundle.data['text/plain']).toBe('g: axial, coronal and sagittal planes of 12×10×6 voxels, 0.5×1×2 mm, with mask, 1 labels, probability; crosshair at voxel (6, 5, 3)');
    expect(isPlanesData(d)).toBe(true);
    expect(isPlanesData({ ...d, labels: { ...d.labels, data: new Uint8Array(3) } })).toBe(false);
    // The PNG: axial 12×0.5 mm by 10×1 mm at 0.5 mm pixels → 12×20; coronal 12×24; sagittal 20×24; gaps of 4.
    const png = decode(Buffer.from(bundle.data['image/png'] as string, 'base64'));
    expect([png.width, png.height]).toEqual([12 + 4 + 12 + 4 + 20, 24]);
  });

  it('refuses a layer on another grid, an unknown window, a cursor outside, a label map without a table', () => {
    const v = grid();
    expect(() => planesView(v, { overlay: { ...v, dims: [12, 10, 5], data: new Uint8Array(600) } })).toThrow(GeometryError);
    expect(() => planesView({ ...v, source: { ...HU, valueUnit: undefined } } as Volume, { window: 'ct-bone' })).toThrow(/not offered for unitless data; use one of auto/);
    expect(() => planesView(v, { window: { center: 0, width: 0 } })).toThrow(ParameterError);
    expect(() => planesView(v, { cursor: [12, 0, 0] })).toThrow(ParameterError);
    expect(() => planesView(v, { labels: { ...v, data: new Uint8Array(720) } })).toThrow(/no table/);
    expect(() => planesView(v, { probability: v, probabilityRange: [1, 1] })).toThrow(ParameterError);
  });

  it('refuses a layer with the volume\'s dims but another spacing, origin or direction (it would be drawn in the wrong place)', () => {
    const v = grid();
    const mask = new Uint8Array(v.data.length);
    expect(() => planesView(v, { overlay: { ...v, data: mask, spacingMm: [1, 1, 1] } })).toThrow(/planesView: the volume and the overlay are on different grids: spacingMm/);
    expect(() => planesView(v, { probability: { ...v, data: new Float32Array(v.data.length), originMm: [5, 0, 0] } })).toThrow(/originMm/);
    expect(() => planesView(v, { overlay: { ...v, data: mask } })).not.toThrow();
  });

  it('reads the probe: index, LPS mm, value with unit, label name, mask and probability', () => {
    const dir: Mat3 = [-1, 0, 0, 0, -1, 0, 0, 0, 1];
    const v = grid(dir);
    const labels = { ...v, data: new Uint8Array(v.data.length) };
    labels.data[3 + 12 * (4 + 10 * 2)] = 7;
    const d = planesView(v, { labels, labelTable: [{ value: 7, name: 'Precentral_L', color: [230, 159, 0] }] }).value;
    const r = probeAt(d, [3, 4, 2]);
    expect(r.value).toBe(3 + 20 * 4 + 300 * 2);
    expect(r.positionMm).toEqual(indexToWorld(v, 3, 4, 2));
    expect(r.positionMm).toEqual([-3 - 1.5, -5 - 4, 14]);
    expect(r.label).toEqual({ value: 7, name: 'Precentral_L' });
    expect(formatProbe(r)).toBe('voxel (3, 4, 2) · -4.5, -9.0, 14.0 mm LPS · 683 HU · Precentral_L [7]');
    expect(formatProbe(probeAt(d, [0, 0, 0]))).toBe('voxel (0, 0, 0) · -3.0, -5.0, 10.0 mm LPS · 0 HU · no label');
    expect(() => probeAt(d, [0, 10, 0])).toThrow(ParameterError);
  });
});

describe('plane orientation in LPS', () => {
  it('an LPS-aligned grid (CT): axial i → right, j → down (A at the top, R on the left); coronal and sagittal superior up', () => {
    const g = grid();
    const ax = planeLayout('axial', g), co = planeLayout('coronal', g), sa = planeLayout('sagittal', g);
    expect([ax.colAxis, ax.colFlip, ax.rowAxis, ax.rowFlip, ax.sliceAxis]).toEqual([0, false, 1, false, 2]);
    expect(ax.edges).toEqual({ top: 'A', bottom: 'P', left: 'R', right: 'L' });
    expect([co.colAxis, co.colFlip, co.rowAxis, co.rowFlip, co.sliceAxis]).toEqual([0, false, 2, true, 1]);
    expect(co.edges).toEqual({ top: 'S', bottom: 'I', left: 'R', right: 'L' });
    expect([sa.colAxis, sa.colFlip, sa.rowAxis, sa.rowFlip, sa.sliceAxis]).toEqual([1, false, 2, true, 0]);
    expect(sa.edges).toEqual({ top: 'S', bottom: 'I', left: 'A', right: 'P' });
    expect([ax.width, ax.height, ax.colSpacingMm, ax.rowSpacingMm]).toEqual([12, 10, 0.5, 1]);
    expect([sa.width, sa.height, sa.colSpacingMm, sa.rowSpacingMm]).toEqual([10, 6, 1, 2]);
  });

  it('a NIfTI-style grid (i → R, j → A): both in-plane axes flip, so anterior stays at the top', () => {
    const ax = planeLayout('axial', grid([-1, 0, 0, 0, -1, 0, 0, 0, 1]));
    expect([ax.colFlip, ax.rowFlip, ax.edges.top]).toEqual([true, true, 'A']);
  });

  it('a sagittal acquisition (i → P, j → S, k → L): the axial plane is columns k, rows i, slices j', () => {
    const dir: Mat3 = [0, 0, 1, 1, 0, 0, 0, 1, 0];
    expect(patientAxes(dir)).toEqual([{ axis: 2, sign: 1 }, { axis: 0, sign: 1 }, { axis: 1, sign: 1 }]);
    const ax = planeLayout('axial', { dims: [4, 5, 6], spacingMm: [1, 2, 3], direction: dir });
    expect([ax.colAxis, ax.rowAxis, ax.sliceAxis, ax.width, ax.height, ax.colSpacingMm]).toEqual([2, 0, 1, 6, 4, 3]);
  });

  it('refuses a grid turned 45° about z (two index axes nearest one patient axis)', () => {
    const c = Math.SQRT1_2;
    expect(() => patientAxes([c, c, 0, c, c, 0, 0, 0, 1])).toThrow(GeometryError);
  });

  it('pixel ↔ index agree both ways, flipped or not', () => {
    for (const dir of [IDENTITY3, [-1, 0, 0, 0, -1, 0, 0, 0, 1] as Mat3]) {
      const g = grid(dir);
      for (const p of ['axial', 'coronal', 'sagittal'] as const) {
        const l = planeLayout(p, g);
        const idx: Vec3 = [7, 2, 4];
        const [c, r] = indexToPixel(l, idx);
        expect(pixelToIndex(l, c, r, idx)).toEqual(idx);
      }
    }
  });

  it('renderPlane puts the voxel at its pixel: the bright anterior voxel of both grids lands in the top row', () => {
    for (const dir of [IDENTITY3, [-1, 0, 0, 0, -1, 0, 0, 0, 1] as Mat3]) {
      const g = grid(dir);
      const data = new Int16Array(g.data.length).fill(-1000);
      // The most anterior row: j = 0 when j runs posterior, j = 9 when it runs anterior.
      const j = dir[4] > 0 ? 0 : 9;
      data[5 + 12 * (j + 10 * 3)] = 1000;
      const l = planeLayout('axial', g);
      const out = new Uint8Array(4 * l.width * l.height);
      renderPlane({ dims: g.dims, data, window: { center: 0, width: 2000 } }, l, 3, out);
      const bright: number[] = [];
      for (let p = 0; p < l.width * l.height; p++) if (out[4 * p]! > 200) bright.push(p);
      expect(bright).toHaveLength(1);
      expect(Math.floor(bright[0]! / l.width)).toBe(0);
    }
  });

  it('renderPlane blends mask, label colour and viridis at their opacities', () => {
    const g = grid();
    const n = g.data.length;
    const data = new Int16Array(n).fill(0);
    const mask = new Uint8Array(n).fill(1);
    const labels = new Uint8Array(n).fill(3);
    const prob = new Float32Array(n).fill(1);
    const l = planeLayout('axial', g);
    const out = new Uint8Array(4 * l.width * l.height);
    const base = { dims: g.dims, data, window: { center: 0, width: 2 } }; // grey 127.5
    renderPlane({ ...base, mask: { data: mask, color: [255, 0, 0], opacity: 1 } }, l, 0, out);
    expect([...out.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    renderPlane({ ...base, labels: { data: labels, lut: labelLut([{ value: 3, color: [0, 0, 255] }]), opacity: 0.5 } }, l, 0, out);
    expect([...out.subarray(0, 4)]).toEqual([63, 63, 191, 255]);
    renderPlane({ ...base, probability: { data: prob, range: [0, 1], opacity: 1 } }, l, 0, out);
    expect([...out.subarray(0, 3)]).toEqual([253, 231, 37]); // viridis(1)
    expect(() => renderPlane(base, l, 6, out)).toThrow(RangeError);
  });
});

describe('window presets', () => {
  it('CT gets bone, brain, soft tissue and auto in HU; MR gets auto alone', () => {
    const ct = grid();
    expect(windowPresets(ct.data, 'HU').slice(0, 3)).toEqual(CT_WINDOWS);
    expect(CT_WINDOWS.map((w) => [w.id, w.center, w.width])).toEqual([['ct-bone', 400, 1800], ['ct-brain', 40, 80], ['ct-soft-tissue', 40, 400]]);
    expect(windowPresets(ct.data, undefined).map((w) => w.id)).toEqual(['auto']);
  });

  it('auto spans the 0.5th..99.5th percentile of the voxels above the background', () => {
    // 5,000 background zeros and the values 1..1000 once each: percentiles 5 and 995.
    const data = new Uint16Array(6000);
    for (let v = 1; v <= 1000; v++) data[v - 1] = v;
    const w = autoWindow(data);
    expect(w.center - w.width / 2).toBeCloseTo(5, 0);
    expect(w.center + w.width / 2).toBeCloseTo(995, 0);
    expect(autoWindow(new Uint8Array(10).fill(7))).toEqual({ center: 7, width: 1 });
    expect(() => autoWindow(data, 50, 50)).toThrow(ParameterError);
  });

  it('auto on the real Colin27 T1 lies within its 0..254 range and covers brain intensities', async () => {
    const t1 = await loadNifti(cached('mri-colin27/ch2.nii.gz'));
    const w = autoWindow(t1.data);
    const lo = w.center - w.width / 2, hi = w.center + w.width / 2;
    expect(lo).toBeGreaterThan(0);
    expect(hi).toBeLessThanOrEqual(254);
    expect(w.width).toBeGreaterThan(100);
  });
});

describe('label tables', () => {
  it('reads the AAL atlas names (116, "1 Precentral_L 2001") with Okabe–Ito colours by line', () => {
    const labels = parseLabelTable(readFileSync(cached('mri-colin27/aal.nii.txt'), 'utf8'));
    expect(labels).toHaveLength(116);
    expect(labels[0]).toEqual({ value: 1, name: 'Precentral_L', color: [0xe6, 0x9f, 0x00] });
    expect(labels[115]!.value).toBe(116);
    expect(labels[1]!.color).not.toEqual(labels[0]!.color);
    expect(LABEL_PALETTE).toHaveLength(7);
  });

  it('refuses a line without a value or a name and a value given twice', () => {
    expect(() => parseLabelTable('x Foo')).toThrow(FormatError);
    expect(() => parseLabelTable('3')).toThrow(/no name/);
    expect(() => parseLabelTable('1 A\n1 B')).toThrow(/twice/);
    expect(parseLabelTable('# comment\n\n2\tB 9\n')).toEqual([{ value: 2, name: 'B', color: [0xe6, 0x9f, 0x00] }]);
  });
});

describe('planes in the exported page', () => {
  it('encodes the image and every layer as base64 and decodes them to equal arrays', () => {
    const v = grid();
    const labels = { ...v, data: new Uint16Array(v.data.length).fill(300) };
    const prob = { ...v, data: new Float32Array(v.data.length).map((_, p) => p / 720) };
    const d = planesView(v, { labels, labelTable: [{ value: 300, name: 'x', color: [1, 2, 3] }], probability: prob }).value;
    const e = encodePlanes(d);
    expect(isEncodedPlanes(JSON.parse(JSON.stringify(e)))).toBe(true);
    expect(planesBytes(d)).toBe(720 * 2 + 720 * 2 + 720 * 4);
    const back = decodePlanes(JSON.parse(JSON.stringify(e)));
    expect(back.data).toEqual(v.data);
    expect(back.labels!.data).toEqual(labels.data);
    expect(back.probability!.data).toEqual(prob.data);
    expect(back.labels!.table).toEqual(d.labels!.table);
    expect(isPlanesData(back)).toBe(true);
    expect(() => decodePlanes({ ...e, dims: [12, 10, 7] })).toThrow(/840 Int16Array voxels need 1680/);
  });
});

describe('planes in the exported document', () => {
  it('embeds a bundle within the cap (decoded back to equal arrays) and replaces one over it by its PNG and a note', async () => {
    const d = planesView(grid(), { name: 'g' })[MIME_METHOD]();
    const cell = (outputs: typeof d[]) => ({
      title: 't',
      provenance: { notebook: 't.nb.ts', notebookSha256: 'ab'.repeat(32), parameters: {}, versions: { voxbook: '0.1.0' }, ranAt: '2026-11-27T00:00:00.000Z' },
      cells: [{ id: 'c', kind: 'code' as const, source: '', status: 'done' as const, ms: 1, outputs }],
    });
    const fits = await encodeDocument(cell([d]), { meshPreviewTriangles: 1000, fileEmbedMaxBytes: 1440 });
    expect(fits.notes).toEqual([]);
    const back = (await decodeDocument(fits.json)).cells[0]!.outputs[0]!.data[PLANES_MIME] as PlanesViewData;
    expect(back.data).toEqual((d.data[PLANES_MIME] as PlanesViewData).data);
    const over = await encodeDocument(cell([d]), { meshPreviewTriangles: 1000, fileEmbedMaxBytes: 1439 });
    expect(over.notes).toEqual(['cell "c": planes "g" (1.44 kB of voxels) not embedded: over the 1.44 kB cap; its PNG of the three planes is shown']);
    const out = JSON.parse(over.json).cells[0].outputs[0].data;
    expect(Object.keys(out).sort()).toEqual(['image/png', 'text/plain']);
  });
});

describe('the real head CT', () => {
  it('axial plane at the nose (k = 30): the narrow end of the head (the nose) is at the top, also when the grid is stored flipped', async () => {
    const ct = await loadInv3(cached('Cranium.inv3'));
    const [nx, ny, nz] = ct.dims;
    // The same voxels stored with j running anterior (and i running right): direction −x, −y.
    const flipped = new Int16Array(ct.data.length);
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) flipped[nx - 1 - i + nx * (ny - 1 - j + ny * k)] = ct.data[i + nx * (j + ny * k)]!;
    for (const v of [ct, { ...ct, data: flipped, direction: [-1, 0, 0, 0, -1, 0, 0, 0, 1] as Mat3 }]) {
      const d = planesView(v, { window: 'ct-soft-tissue', png: false }).value;
      const l = planeLayout('axial', d);
      const out = new Uint8Array(4 * l.width * l.height);
      renderPlane(planeLayers(d), l, 30, out);
      const w = headEndWidths(out, l.width, l.height);
      console.log(`[planes] axial k=30 head: ${w.rows} rows, top ${w.top.toFixed(1)} px/row, bottom ${w.bottom.toFixed(1)}`);
      expect(w.rows).toBeGreaterThan(180);
      expect(w.top / w.bottom).toBeLessThan(0.5);
    }
  });
});
