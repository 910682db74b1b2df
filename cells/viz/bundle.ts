/**
 * The display protocol as seen from the domain library: a view object carries a method
 * under the global symbol `voxbook.mime` returning a MIME bundle. The kernel looks the
 * same symbol up, so `cells/` never imports the kernel (DESIGN.md §4).
 */
export const MIME_METHOD: unique symbol = Symbol.for('voxbook.mime') as never;

export interface MimeBundle {
  readonly data: Readonly<Record<string, unknown>>;
  readonly metadata?: Readonly<Record<string, unknown>>;
}

/** A value that displays itself. `value` is what the view wraps, for code that wants it back. */
export interface View<T = unknown> {
  readonly value: T;
  [MIME_METHOD](): MimeBundle;
}

/**
 * Wraps `value` as a `View`: displaying it calls `bundle()` (lazily, each time it is
 * shown) for its MIME bundle; `value` stays available as `.value`.
 */
export function view<T>(value: T, bundle: () => MimeBundle): View<T> {
  return { value, [MIME_METHOD]: bundle };
}

/** Markdown text, shown rendered. */
export function markdown(text: string): View<string> {
  return view(text, () => ({ data: { 'text/markdown': text, 'text/plain': text } }));
}
