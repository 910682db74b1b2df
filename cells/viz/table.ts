import { view, type View } from './bundle.ts';

export type TableCell = string | number | boolean | null;

export interface Table {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<ReadonlyArray<TableCell>>;
  readonly caption?: string;
}

function fmt(x: TableCell): string {
  if (typeof x === 'number') return Number.isInteger(x) ? x.toLocaleString('en-US') : x.toPrecision(6).replace(/\.?0+$/, '');
  return x === null ? '' : String(x);
}

/**
 * A table view: `application/vnd.voxbook.table+json` for the app, Markdown and plain text
 * for everything else (nbviewer, GitHub, a terminal).
 * Accepts rows with columns, or a record (shown as two columns: name, value).
 */
export function table(input: Table | Readonly<Record<string, TableCell>>, caption?: string): View<Table> {
  const t: Table = 'columns' in input && 'rows' in input && Array.isArray(input.rows)
    ? { ...(input as Table), ...(caption ? { caption } : {}) }
    : { columns: ['', 'value'], rows: Object.entries(input as Record<string, TableCell>).map(([k, v]) => [k, v]), ...(caption ? { caption } : {}) };
  return view(t, () => {
    const md = [
      ...(t.caption ? [`**${t.caption}**`, ''] : []),
      `| ${t.columns.join(' | ')} |`,
      `| ${t.columns.map(() => '---').join(' | ')} |`,
      ...t.rows.map((r) => `| ${r.map(fmt).join(' | ')} |`),
    ].join('\n');
    const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => fmt(r[i] ?? null).length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    const text = [line(t.columns), ...t.rows.map((r) => line(r.map(fmt)))].join('\n');
    return { data: { 'application/vnd.voxbook.table+json': t, 'text/markdown': md, 'text/plain': text } };
  });
}
