import { describe, expect, it } from 'vitest';
import { MIME } from '../../kernel/protocol.ts';
import { chooseMime } from '../../app/renderers/choose.ts';
import { escapeHtml } from '../../app/renderers/escape.ts';
import { pngToHtml } from '../../app/renderers/image.ts';
import { markdownToHtml } from '../../app/renderers/markdown.ts';
import { formatValue, isTableData, tableToHtml } from '../../app/renderers/table.ts';
import { jsonToHtml, textToHtml } from '../../app/renderers/text.ts';

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('tableToHtml', () => {
  const table = {
    columns: ['name', 'volume (mm³)', 'ok'],
    rows: [
      ['skull', 661612.4567891, true],
      ['<script>alert(1)</script>', 12, false],
      ['missing', null, null],
    ],
    caption: 'Components & <b>volumes</b>',
  };

  it('renders a header row and one body row per data row', () => {
    const html = tableToHtml(table);
    expect(html.match(/<th[ >]/g)).toHaveLength(3);
    expect(html.match(/<tr>/g)).toHaveLength(4);
    expect(html).toContain('<td class="num">661612</td>');
  });

  it('escapes cell text and the caption instead of interpreting it', () => {
    const html = tableToHtml(table);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<caption>Components &amp; &lt;b&gt;volumes&lt;/b&gt;</caption>');
  });

  it('right-aligns only columns whose values are all numbers or missing', () => {
    const html = tableToHtml(table);
    expect(html).toContain('<th class="num">volume (mm³)</th>');
    expect(html).toContain('<th>name</th>');
    expect(html).toContain('<td class="num null"></td>');
    expect(html).toContain('<td>true</td>');
  });

  it('pads short rows and cuts long ones to the columns', () => {
    const html = tableToHtml({ columns: ['a', 'b'], rows: [[1], [1, 2, 3]] });
    expect(html).toContain('<tr><td class="num">1</td><td class="num null"></td></tr>');
    expect(html).toContain('<tr><td class="num">1</td><td class="num">2</td></tr>');
  });

  it('shows at most the row limit and says how many rows there are', () => {
    const rows = Array.from({ length: 12 }, (_, i) => [i]);
    const html = tableToHtml({ columns: ['i'], rows }, 5);
    expect(html.match(/<tr>/g)).toHaveLength(1 + 5);
    expect(html).toContain('showing 5 of 12 rows');
  });

  it('formats numbers to 6 significant digits, integers whole', () => {
    expect(formatValue(0.9570312)).toBe('0.957031');
    expect(formatValue(678480)).toBe('678480');
    expect(formatValue(-1024)).toBe('-1024');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatValue(null)).toBe('');
  });

  it('recognises table data by shape', () => {
    expect(isTableData(table)).toBe(true);
    expect(isTableData({ columns: ['a'] })).toBe(false);
    expect(isTableData({ columns: ['a'], rows: [1] })).toBe(false);
    expect(isTableData(null)).toBe(false);
  });
});

describe('text and JSON', () => {
  it('puts text in an escaped <pre>', () => {
    expect(textToHtml('a < b\n</pre><script>')).toBe('<pre class="vb-text">a &lt; b\n&lt;/pre&gt;&lt;script&gt;</pre>');
  });

  it('pretty-prints JSON', () => {
    expect(jsonToHtml({ a: [1, 2] })).toBe('<pre class="vb-text">{\n  &quot;a&quot;: [\n    1,\n    2\n  ]\n}</pre>');
  });
});

describe('pngToHtml', () => {
  it('makes a data-URL image from base64, ignoring nbformat line breaks', () => {
    expect(pngToHtml('iVBORw0K\nGgo=')).toBe('<img class="vb-image" alt="image output" src="data:image/png;base64,iVBORw0KGgo=">');
  });

  it('refuses data that is not base64, so it cannot break out of the attribute', () => {
    expect(() => pngToHtml('AAAA" onerror="alert(1)')).toThrow(/not base64/);
  });
});

describe('markdownToHtml', () => {
  it('renders GitHub-flavoured markdown and passes the result through the sanitiser', () => {
    const seen: string[] = [];
    const sanitizer = { html: (s: string) => (seen.push(s), `[clean]${s}`), svg: (s: string) => s };
    const out = markdownToHtml('# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n**bold**', sanitizer);
    expect(seen).toHaveLength(1);
    expect(out.startsWith('[clean]')).toBe(true);
    expect(out).toContain('<h1>Title</h1>');
    expect(out).toContain('<table>');
    expect(out).toContain('<strong>bold</strong>');
  });
});

describe('chooseMime', () => {
  it('prefers the richest representation the app can draw', () => {
    expect(chooseMime({ data: { [MIME.text]: 'mesh', [MIME.mesh]: {} } })).toBe(MIME.mesh);
    expect(chooseMime({ data: { [MIME.text]: 't', [MIME.html]: '<p>' } })).toBe(MIME.html);
    expect(chooseMime({ data: { [MIME.text]: 't', [MIME.json]: {} } })).toBe(MIME.text);
    expect(chooseMime({ data: { [MIME.json]: [1] } })).toBe(MIME.json);
  });

  it('returns undefined when it knows none of them', () => {
    expect(chooseMime({ data: { 'application/x-unknown': 1 } })).toBeUndefined();
  });
});
