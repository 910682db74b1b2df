/**
 * TypeScript source as highlighted spans for the static page: Lezer's TypeScript parser (the
 * one CodeMirror's editor uses) and its class highlighter (`tok-keyword`, `tok-string`, …;
 * colours in app/static/static.css). Text stays text: the caller renders spans with lit.
 */
import { classHighlighter, highlightCode } from '@lezer/highlight';
import { parser } from '@lezer/javascript';

const typescript = parser.configure({ dialect: 'ts' });

/** A run of source text and its classes ('' for plain text). */
export interface Span {
  readonly text: string;
  readonly classes: string;
}

/** `source` cut into spans that concatenate back to it exactly (line breaks as '\n' spans). */
export function highlightTypeScript(source: string): Span[] {
  const spans: Span[] = [];
  highlightCode(source, typescript.parse(source), classHighlighter, (text, classes) => spans.push({ text, classes }), () => spans.push({ text: '\n', classes: '' }));
  return spans;
}
