import { describe, expect, it } from 'vitest';
import { resolvePreset } from '../../cells/viz/volume-presets.ts';
import {
  addNode, colorAt, formatValue, hexRgb, keySteps, logHeights, minGap, moveNode, nodeLabel, nodesTransfer, opacityAt,
  opacityToY, recolorNode, removeNode, rgbHex, tickValues, transferDomain, transferNodes, valueBounds, valueHistogram, valueToX,
  xToValue, yToOpacity, type Domain, type PlotBox, type TransferNode,
} from '../../app/renderers/transfer-geometry.ts';

const bone = resolvePreset('ct-bone', [-1024, 3071]);
const CT: Domain = [-1024, 3071];

describe('nodes of a transfer function', () => {
  it('puts opacity and colour on the union of their values (ct-bone: 6 opacity + 5 colour points, 2 shared → 9 nodes)', () => {
    const nodes = transferNodes(bone);
    expect(nodes.map((n) => n.value)).toEqual([-1000, 140, 220, 260, 450, 600, 1200, 1500, 3071]);
    // Opacity at the colour point 260 HU: between (220, 0.12) and (450, 0.45).
    expect(nodes[3]!.opacity).toBeCloseTo(0.12 + (40 / 230) * 0.33, 12);
    // Colour at the opacity point 220 HU: between 140 (0.55, 0.27, 0.17) and 260 (0.86, 0.72, 0.58).
    expect(nodes[2]!.color[0]).toBeCloseTo(0.55 + (80 / 120) * 0.31, 12);
    // Past the last colour point (1500) the colour is held, as vtk.js clamps.
    expect(nodes[8]!.color).toEqual([1, 1, 0.97]);
  });

  it('is the same function: opacity and colour agree with the preset at 400 values from −1100 to 3200 HU', () => {
    const back = nodesTransfer(transferNodes(bone));
    let worst = 0;
    for (let i = 0; i < 400; i++) {
      const v = -1100 + (i * 4300) / 399;
      worst = Math.max(worst, Math.abs(opacityAt(back.opacity, v) - opacityAt(bone.opacity, v)));
      const a = colorAt(back.color, v), b = colorAt(bone.color, v);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(a[c]! - b[c]!));
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('rejects values that do not increase', () => {
    expect(() => transferNodes({ opacity: [[0, 0], [0, 1]], color: [[0, 0, 0, 0]] })).toThrow(/increasing values; point 1 \(0\) follows 0/);
    expect(() => transferNodes({ opacity: [], color: [[0, 0, 0, 0]] })).toThrow(/no opacity points/);
  });
});

describe('editing nodes', () => {
  const nodes: TransferNode[] = transferNodes({ opacity: [[-1000, 0], [200, 0.1], [1000, 0.8], [3071, 0.9]], color: [[-1000, 0, 0, 0], [3071, 1, 1, 1]] });

  it('moves a point within its neighbours (minGap = domain/1000 away) and opacity within [0, 1]', () => {
    expect(minGap(CT)).toBeCloseTo(4.095, 12);
    const moved = moveNode(nodes, 1, 300, 0.15, CT);
    expect(moved[1]).toMatchObject({ value: 300, opacity: 0.15 });
    expect(nodes[1]!.value).toBe(200); // the input is left as it was
    const past = moveNode(nodes, 1, 5000, 1.7, CT);
    expect(past[1]!.value).toBeCloseTo(1000 - 4.095, 9);
    expect(past[1]!.opacity).toBe(1);
    const below = moveNode(nodes, 1, -5000, -0.2, CT);
    expect(below[1]!.value).toBeCloseTo(-1000 + 4.095, 9);
    expect(below[1]!.opacity).toBe(0);
    // The first point stops at the domain's edge.
    expect(moveNode(nodes, 0, -2000, 0, CT)[0]!.value).toBe(-1024);
    expect(valueBounds(nodes, 3, CT)).toEqual([1000 + minGap(CT), 3071]);
  });

  it('keeps the colour of a moved point', () => {
    const moved = moveNode(nodes, 2, 500, 0.5, CT);
    expect(moved[2]!.color).toEqual(nodes[2]!.color);
  });

  it('adds a point in value order with the colour the function has there', () => {
    const added = addNode(nodes, 600, 0.3, CT)!;
    expect(added.index).toBe(2);
    expect(added.nodes.map((n) => n.value)).toEqual([-1000, 200, 600, 1000, 3071]);
    // Colour ramps from black at −1000 to white at 3071: at 600, (600 + 1000)/4071.
    expect(added.nodes[2]!.color[1]).toBeCloseTo(1600 / 4071, 12);
    expect(added.nodes[2]!.opacity).toBe(0.3);
    expect(addNode(nodes, 202, 0.3, CT)).toBeUndefined(); // within minGap of 200
    expect(addNode(nodes, 4000, 0.3, CT)).toBeUndefined(); // outside the domain
  });

  it('removes a point but keeps two', () => {
    expect(removeNode(nodes, 1).map((n) => n.value)).toEqual([-1000, 1000, 3071]);
    expect(() => removeNode(removeNode(removeNode(nodes, 1), 1), 0)).toThrow(/at least two points/);
    expect(() => removeNode(nodes, 7)).toThrow(/no transfer-function point 7: there are 4/);
  });

  it('recolours a point, and converts #rrggbb both ways', () => {
    const red = recolorNode(nodes, 1, hexRgb('#ff8000'));
    expect(red[1]!.color).toEqual([1, 128 / 255, 0]);
    expect(rgbHex(red[1]!.color)).toBe('#ff8000');
    expect(rgbHex([0.55, 0.27, 0.17])).toBe('#8c452b');
    expect(() => hexRgb('red')).toThrow(/not a colour of the form #rrggbb/);
    expect(nodesTransfer(red).color[1]).toEqual([200, 1, 128 / 255, 0]);
  });
});

describe('pixels and values', () => {
  const box: PlotBox = { width: 600, height: 140, left: 40, right: 10, top: 8, bottom: 20 };

  it('maps the domain onto the plotting area and back', () => {
    expect(valueToX(-1024, CT, box)).toBe(40);
    expect(valueToX(3071, CT, box)).toBe(590);
    expect(valueToX(1023.5, CT, box)).toBeCloseTo(315, 9);
    expect(xToValue(315, CT, box)).toBeCloseTo(1023.5, 9);
    expect(opacityToY(1, box)).toBe(8);
    expect(opacityToY(0, box)).toBe(120);
    expect(opacityToY(0.25, box)).toBe(92);
    expect(yToOpacity(92, box)).toBe(0.25);
  });

  it('widens the domain to hold every point', () => {
    expect(transferDomain([-1024, 3071], transferNodes(bone))).toEqual([-1024, 3071]);
    expect(transferDomain([0, 255], transferNodes(bone))).toEqual([-1000, 3071]);
    expect(() => transferDomain([5, 5], [{ value: 5, opacity: 0, color: [0, 0, 0] }])).toThrow(/span only 5/);
  });

  it('steps by a round 1/200 of the domain: 20 HU on a CT, 0.005 on 0..1', () => {
    expect(keySteps(CT)).toEqual({ value: 20, opacity: 0.01 });
    expect(keySteps([0, 1]).value).toBeCloseTo(0.005, 12);
    expect(keySteps([0, 700]).value).toBe(5);
  });

  it('puts axis ticks on round values inside the domain', () => {
    expect(tickValues(CT, 6)).toEqual([-1000, -500, 0, 500, 1000, 1500, 2000, 2500, 3000]);
    expect(tickValues([0, 1], 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(tickValues([-3.3, 7.9], 2)).toEqual([0, 5]);
  });

  it('reads a point out as "opacity point at 300 HU, 0.15"', () => {
    expect(nodeLabel({ value: 300.2, opacity: 0.15, color: [1, 1, 1] }, CT, 'HU')).toBe('opacity point at 300 HU, 0.15');
    expect(nodeLabel({ value: 0.123456, opacity: 0.5, color: [1, 1, 1] }, [0, 1])).toBe('opacity point at 0.123, 0.50');
    expect(formatValue(-999.6, CT)).toBe('-1000');
  });
});

describe('value histogram', () => {
  it('counts values in equal bins, the top value in the last bin, outside values left out', () => {
    const data = new Int16Array([-1000, -1000, 0, 10, 99, 100, 500, 2000]);
    const h = valueHistogram(data, [-1000, 100], 11);
    expect([...h.counts]).toEqual([2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(h.stride).toBe(1);
  });

  it('reads every k-th voxel of a large volume (k = ⌈n / maxSamples⌉)', () => {
    const data = new Float32Array(1000);
    for (let i = 0; i < data.length; i++) data[i] = i % 2 === 0 ? 0 : 1;
    const h = valueHistogram(data, [0, 1], 2, 300);
    expect(h.stride).toBe(4);
    expect([...h.counts]).toEqual([250, 0]);
    expect(() => valueHistogram(data, [1, 1])).toThrow(/range \[1, 1\] is empty/);
  });

  it('scales counts by log(1 + count) to the largest', () => {
    const heights = logHeights(new Float64Array([0, 9, 99]));
    expect(heights[0]).toBe(0);
    expect(heights[1]).toBeCloseTo(1 / 2, 12);
    expect(heights[2]).toBe(1);
    expect([...logHeights(new Float64Array(3))]).toEqual([0, 0, 0]);
  });
});
