import { describe, expect, it } from 'vitest';
import { MIME } from '../../kernel/protocol.ts';
import { altText, chooseMime } from '../../app/renderers/choose.ts';
import { isFileData } from '../../app/renderers/file-download.ts';
import { pngDataUrl } from '../../app/renderers/image.ts';
import { markdownToHtml } from '../../app/renderers/markdown.ts';
import { formatValue, isTableData, tableView } from '../../app/renderers/table.ts';
import { jsonText } from '../../app/renderers/text.ts';

// The templates themselves (lit escapes their text) are checked in the browser:
// test/e2e/showcase.test.ts.
describe('tableView', () => {
  const table = {
    columns: ['name', 'volume (mm³)', 'ok'],
    rows: [
      ['skull', 661612.4567891, true],
      ['<script>alert(1)</script>', 12, false],
      ['missing', null, null],
    ],
    caption: 'Components & <b>volumes</b>',
  };

  it('has a header cell per column and a body row per data row, text as given', () => {
    const view = tableView(table);
    expect(view.head.map((c) => c.text)).toEqual(['name', 'volume (mm³)', 'ok']);
    expect(view.body).toHaveLength(3);
    expect(view.body[0]![1]).toEqual({ text: '661612', classes: ['num'] });
    expect(view.body[1]![0]!.text).toBe('<script>alert(1)</script>');
    expect(view.caption).toBe('Components & <b>volumes</b>');
  });

  it('right-aligns only columns whose values are all numbers or missing', () => {
    const view = tableView(table);
    expect(view.head.map((c) => c.classes)).toEqual([[], ['num'], []]);
    expect(view.body[2]![1]).toEqual({ text: '', classes: ['num', 'null'] });
    expect(view.body[0]![2]).toEqual({ text: 'true', classes: [] });
  });

  it('pads short rows and cuts long ones to the columns', () => {
    const view = tableView({ columns: ['a', 'b'], rows: [[1], [1, 2, 3]] });
    expect(view.body.map((r) => r.map((c) => c.text))).toEqual([['1', ''], ['1', '2']]);
    expect(view.body[0]![1]!.classes).toEqual(['num', 'null']);
  });

  it('shows at most the row limit and says how many rows there are', () => {
    const rows = Array.from({ length: 12 }, (_, i) => [i]);
    const view = tableView({ columns: ['i'], rows, caption: 'numbers' }, 5);
    expect(view.body).toHaveLength(5);
    expect(view.caption).toBe('numbers · showing 5 of 12 rows');
    expect(tableView({ columns: ['i'], rows: [[1]] }).caption).toBeUndefined();
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

describe('jsonText', () => {
  it('pretty-prints JSON, and what JSON cannot say as its string form', () => {
    expect(jsonText({ a: [1, 2] })).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}');
    expect(jsonText(undefined)).toBe('undefined');
  });
});

describe('pngDataUrl', () => {
  it('makes a data URL from base64, ignoring nbformat line breaks', () => {
    expect(pngDataUrl('iVBORw0K\nGgo=')).toBe('data:image/png;base64,iVBORw0KGgo=');
  });

  it('refuses data that is not base64', () => {
    expect(() => pngDataUrl('AAAA" onerror="alert(1)')).toThrow(/not base64/);
  });
});

describe('isFileData', () => {
  it('recognises file data by its name, type and bytes', () => {
    expect(isFileData({ name: 'bone.stl', mime: 'model/stl', bytes: new Uint8Array(3) })).toBe(true);
    expect(isFileData({ name: 'bone.stl', mime: 'model/stl', bytes: [1, 2] })).toBe(false);
    expect(isFileData(null)).toBe(false);
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

describe('altText', () => {
  it("is the bundle's text/plain (string or lines), trimmed, when it says something", () => {
    expect(altText({ data: { [MIME.png]: 'AAAA', [MIME.text]: ' axial slice 42\n' } })).toBe('axial slice 42');
    expect(altText({ data: { [MIME.png]: 'AAAA', [MIME.text]: ['histogram ', 'of HU'] } })).toBe('histogram of HU');
    expect(altText({ data: { [MIME.png]: 'AAAA', [MIME.text]: '  ' } })).toBeUndefined();
    expect(altText({ data: { [MIME.png]: 'AAAA' } })).toBeUndefined();
  });
});
