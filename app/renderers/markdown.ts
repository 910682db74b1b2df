/** Markdown (markdown cells and `text/markdown` outputs) to sanitised HTML. */
import { Marked } from 'marked';
import type { Sanitizer } from './sanitize.ts';

const marked = new Marked({ gfm: true, async: false });

export function markdownToHtml(source: string, sanitizer: Sanitizer): string {
  return sanitizer.html(marked.parse(source, { async: false }));
}
