/** One cell of a notebook document, independent of the file format it came from. */
export interface Cell {
  /** Stable id: from the cell's `id=` metadata, else generated (`cell-3`). nbformat 4.5 rules: [A-Za-z0-9_-]{1,64}. */
  readonly id: string;
  /**
   * `code` runs; `markdown` is rendered; `raw` (nbformat's raw cell) is kept as plain text,
   * never run nor rendered. Only code cells reach the kernel.
   */
  readonly kind: 'code' | 'markdown' | 'raw';
  /** Source text without the marker line; for markdown and raw, without the `// ` comment prefixes. */
  readonly source: string;
  /** Jupytext metadata in file order (`tags`, `id`, …), JSON values. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Optional title written after the marker (`// %% Load the scan`); never also a string `metadata.title`. */
  readonly title?: string;
}

export interface Notebook {
  readonly cells: readonly Cell[];
  /** Text before the first cell marker (a licence header, say), kept verbatim but for its trailing newlines. */
  readonly preamble: string;
}

/** Tags of a cell (`metadata.tags`), [] when absent or malformed. */
export function cellTags(cell: Cell): readonly string[] {
  const t = cell.metadata['tags'];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

/** nbformat 4.5 cell ids: 1 to 64 letters, digits, `_` or `-`. */
export const CELL_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
