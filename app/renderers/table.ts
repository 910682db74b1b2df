/** `application/vnd.voxbook.table+json` (TableData) to an HTML table. */
import type { TableData } from '../../kernel/protocol.ts';
import { escapeHtml } from './escape.ts';

/** Rows shown before the table is cut off (the rest is counted in the caption). */
export const TABLE_ROW_LIMIT = 500;

type Value = TableData['rows'][number][number];

/** Numbers keep up to 6 significant digits; integers are printed whole. */
export function formatValue(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'number') {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(6)));
  }
  return String(value);
}

/** Classes of a body cell: `num` in numeric columns (right-aligned), `null` for missing values. */
function cellClass(value: Value, numericColumn: boolean): string {
  const classes = [];
  if (numericColumn) classes.push('num');
  if (value === null) classes.push('null');
  return classes.length > 0 ? ` class="${classes.join(' ')}"` : '';
}

/**
 * Escaped HTML for a table. A column is right-aligned when all its values are numbers (or missing).
 * Rows shorter than `columns` are padded with empty cells; longer ones are cut.
 */
export function tableToHtml(table: TableData, rowLimit = TABLE_ROW_LIMIT): string {
  const { columns, rows } = table;
  const numeric = columns.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === undefined));
  const head = columns.map((c, j) => `<th${numeric[j] ? ' class="num"' : ''}>${escapeHtml(c)}</th>`).join('');
  const shown = rows.slice(0, rowLimit);
  const body = shown
    .map((row) => {
      const cells = columns.map((_, j) => {
        const v = row[j] ?? null;
        return `<td${cellClass(v, numeric[j]!)}>${escapeHtml(formatValue(v))}</td>`;
      });
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('');
  const notes: string[] = [];
  if (table.caption) notes.push(escapeHtml(table.caption));
  if (rows.length > shown.length) notes.push(`showing ${shown.length} of ${rows.length} rows`);
  const caption = notes.length > 0 ? `<caption>${notes.join(' · ')}</caption>` : '';
  return `<table class="vb-table">${caption}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Checks the shape of a table bundle's value (it crossed a worker boundary untyped). */
export function isTableData(value: unknown): value is TableData {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<TableData>;
  return Array.isArray(t.columns) && Array.isArray(t.rows) && t.rows.every((r) => Array.isArray(r));
}
