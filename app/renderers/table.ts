/** `application/vnd.voxbook.table+json` (TableData) to an HTML table. */
import { html, nothing, type TemplateResult } from 'lit';
import type { TableData } from '../../kernel/protocol.ts';

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

export interface TableCell {
  readonly text: string;
  /** `num` in numeric columns (right-aligned), `null` for missing values. */
  readonly classes: readonly string[];
}

/** What a table shows: its caption, header and body cells as text, before any markup. */
export interface TableView {
  readonly caption?: string;
  readonly head: readonly TableCell[];
  readonly body: readonly (readonly TableCell[])[];
}

/**
 * The cells of a table. A column is right-aligned when all its values are numbers (or missing).
 * Rows shorter than `columns` are padded with empty cells; longer ones are cut. At most
 * `rowLimit` rows are shown, and the caption says so.
 */
export function tableView(table: TableData, rowLimit = TABLE_ROW_LIMIT): TableView {
  const { columns, rows } = table;
  const numeric = columns.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number' || r[j] === null || r[j] === undefined));
  const shown = rows.slice(0, rowLimit);
  const notes: string[] = [];
  if (table.caption) notes.push(table.caption);
  if (rows.length > shown.length) notes.push(`showing ${shown.length} of ${rows.length} rows`);
  return {
    ...(notes.length > 0 ? { caption: notes.join(' · ') } : {}),
    head: columns.map((c, j) => ({ text: c, classes: numeric[j] ? ['num'] : [] })),
    body: shown.map((row) =>
      columns.map((_, j) => {
        const v = row[j] ?? null;
        const classes = [...(numeric[j] ? ['num'] : []), ...(v === null ? ['null'] : [])];
        return { text: formatValue(v), classes };
      }),
    ),
  };
}

const cls = (c: TableCell) => (c.classes.length > 0 ? c.classes.join(' ') : nothing);

/** The table as a lit template (text is escaped by lit, never parsed as markup). */
export function renderTable(table: TableData, rowLimit = TABLE_ROW_LIMIT): TemplateResult {
  const view = tableView(table, rowLimit);
  return html`<table class="vb-table">
    ${view.caption !== undefined ? html`<caption>${view.caption}</caption>` : nothing}
    <thead><tr>${view.head.map((c) => html`<th class=${cls(c)}>${c.text}</th>`)}</tr></thead>
    <tbody>${view.body.map((row) => html`<tr>${row.map((c) => html`<td class=${cls(c)}>${c.text}</td>`)}</tr>`)}</tbody>
  </table>`;
}

/** Checks the shape of a table bundle's value (it crossed a worker boundary untyped). */
export function isTableData(value: unknown): value is TableData {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Partial<TableData>;
  return Array.isArray(t.columns) && Array.isArray(t.rows) && t.rows.every((r) => Array.isArray(r));
}
