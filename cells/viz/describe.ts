import type { Volume } from '../core/volume.ts';
import { valueRange, voxelCount } from '../core/volume.ts';
import { table, type Table } from './table.ts';
import { markdown, type View } from './bundle.ts';

const r3 = (v: readonly number[]) => v.map((x) => +x.toFixed(4)).join(' × ');
const p3 = (v: readonly number[]) => `(${v.map((x) => +x.toFixed(3)).join(', ')})`;

/** The geometry of a volume as a table: grid, spacing (mm), extent (mm), origin (LPS mm), direction, value range, source. */
export function describeVolume(volume: Volume): View<Table> {
  const { min, max } = valueRange(volume);
  const d = volume.direction;
  const extent = volume.dims.map((n, i) => n * volume.spacingMm[i]!);
  return table({
    columns: ['property', 'value'],
    rows: [
      ['dims (voxels)', r3(volume.dims)],
      ['spacing (mm)', r3(volume.spacingMm)],
      ['extent (mm)', r3(extent)],
      ['origin (LPS mm)', p3(volume.originMm)],
      ['direction (rows)', `${p3(d.slice(0, 3))} ${p3(d.slice(3, 6))} ${p3(d.slice(6, 9))}`],
      ['voxels', voxelCount(volume)],
      ['value range', `${min} … ${max}`],
      ['data type', volume.data.constructor.name],
      ['source', volume.source ? `${volume.source.description} [${volume.source.format}]` : 'unknown'],
      ['sha256', volume.source?.sha256 ? volume.source.sha256.slice(0, 16) + '…' : '—'],
      ...(volume.source?.warnings?.length ? [['warnings', volume.source.warnings.join(' ')] as [string, string]] : []),
    ],
  }, 'Volume geometry');
}

/**
 * Where a volume came from, as one markdown paragraph for a notebook's first output:
 * "**Input:** description", then one "**Warning:**" line per assumption the reader made
 * (`VolumeSource.warnings`), so a fallback is never silent.
 */
export function describeSource(volume: Volume, fallback = 'unknown input'): View<string> {
  const lines = [`**Input:** ${volume.source?.description ?? fallback}`];
  for (const w of volume.source?.warnings ?? []) lines.push(`**Warning:** ${w}`);
  return markdown(lines.join('\n\n'));
}
