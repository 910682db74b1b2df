import ts from '#typescript';
import { NotebookWriteError, parsePercent, percentRegions, type PercentRegion } from './percent.ts';

/**
 * The last line of defence for percent-format text written from a document we did not
 * author (an .ipynb): as a TypeScript module, the file may only hold code where the
 * document held code. The escapes in percent.ts make markdown, raw cells, titles and
 * metadata plain `//` comments; what they cannot see is a code cell that leaves something
 * open — a template literal or block comment — so that TypeScript reads on through the
 * next markers and comments, and a `*` `/` or backtick in a later markdown cell turns the
 * rest of that line into code for `tsc` and editors.
 */

/** After these a `/` divides; after anything else it starts a regular expression. */
const ENDS_EXPRESSION = new Set<ts.SyntaxKind>([
  ts.SyntaxKind.Identifier, ts.SyntaxKind.PrivateIdentifier, ts.SyntaxKind.ThisKeyword, ts.SyntaxKind.SuperKeyword,
  ts.SyntaxKind.TrueKeyword, ts.SyntaxKind.FalseKeyword, ts.SyntaxKind.NullKeyword,
  ts.SyntaxKind.NumericLiteral, ts.SyntaxKind.BigIntLiteral, ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral, ts.SyntaxKind.TemplateTail, ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken, ts.SyntaxKind.CloseBraceToken,
  ts.SyntaxKind.PlusPlusToken, ts.SyntaxKind.MinusMinusToken,
]);

/**
 * Tokens (start, end) as TypeScript's scanner sees the whole text, the way its classifier
 * drives it: a `}` that closes a template substitution is rescanned as the template's
 * continuation, and with `regex`, a `/` where an expression may start is rescanned as a
 * regular expression (a guess from the previous token; the parser knows better).
 * Comments found on the way are pushed onto `comments`.
 */
export function scannerTokens(text: string, regex: boolean, comments?: Array<[number, number]>): Array<[number, number]> {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text);
  const out: Array<[number, number]> = [];
  const open: Array<'brace' | 'template'> = [];
  let previous: ts.SyntaxKind | undefined;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.MultiLineCommentTrivia || kind === ts.SyntaxKind.SingleLineCommentTrivia) comments?.push([scanner.getTokenStart(), scanner.getTokenEnd()]);
    if (kind >= ts.SyntaxKind.FirstTriviaToken && kind <= ts.SyntaxKind.LastTriviaToken) continue;
    if (kind === ts.SyntaxKind.CloseBraceToken && open[open.length - 1] === 'template') {
      open.pop();
      kind = scanner.reScanTemplateToken(false);
    } else if (kind === ts.SyntaxKind.CloseBraceToken) open.pop();
    else if (regex && (kind === ts.SyntaxKind.SlashToken || kind === ts.SyntaxKind.SlashEqualsToken) && (previous === undefined || !ENDS_EXPRESSION.has(previous))) {
      kind = scanner.reScanSlashToken();
    }
    if (kind === ts.SyntaxKind.OpenBraceToken) open.push('brace');
    else if (kind === ts.SyntaxKind.TemplateHead || kind === ts.SyntaxKind.TemplateMiddle) open.push('template');
    previous = kind;
    out.push([scanner.getTokenStart(), scanner.getTokenEnd()]);
  }
  return out;
}

/** Tokens as TypeScript's parser reads the text (regular expressions and templates in context). */
function parserTokens(text: string): Array<[number, number]> {
  const sf = ts.createSourceFile('notebook.nb.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Array<[number, number]> = [];
  const visit = (node: ts.Node): void => {
    if (node.kind >= ts.SyntaxKind.FirstJSDocNode && node.kind <= ts.SyntaxKind.LastJSDocNode) return;
    const children = node.getChildren(sf);
    if (children.length > 0) {
      children.forEach(visit);
      return;
    }
    if (node.kind === ts.SyntaxKind.EndOfFileToken || node.kind === ts.SyntaxKind.SyntaxList) return;
    const start = node.getStart(sf);
    if (node.end > start) out.push([start, node.end]);
  };
  visit(sf);
  return out;
}

function regionAt(regions: readonly PercentRegion[], pos: number): PercentRegion | undefined {
  let lo = 0, hi = regions.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = regions[mid]!;
    if (pos < r.start) hi = mid - 1;
    else if (pos >= r.end) lo = mid + 1;
    else return r;
  }
  return undefined;
}

const allowsCode = (r: PercentRegion | undefined): boolean => r !== undefined && (r.role === 'preamble' || (r.role === 'body' && r.kind === 'code'));

/**
 * Checks that every token TypeScript sees in a percent-format text lies inside one code
 * cell (or the preamble): as the parser reads the text, and as the scanner does with and
 * without guessing regular expressions (`scannerTokens`) — the strictest of the three
 * wins, so a regular expression holding a backtick is refused as an open template.
 * `text` must be as `serializePercent` writes it (no `\r\n`).
 * @throws NotebookWriteError naming the code cell that leaves a template literal, block
 *   comment or continued string open (or, failing that, the cell whose text would be read
 *   as code), and saying to close it inside the cell.
 * @throws NotebookSyntaxError if the text is not valid percent format.
 */
export function checkCodeStaysInCodeCells(text: string): void {
  const regions = percentRegions(text);
  const comments: Array<[number, number]> = [];
  const tokens = [...parserTokens(text), ...scannerTokens(text, false, comments), ...scannerTokens(text, true, comments)];
  for (const [start, end] of tokens) {
    const at = regionAt(regions, start);
    if (allowsCode(at) && end <= at!.end) continue;
    const cells = parsePercent(text).cells;
    const snippet = JSON.stringify(text.slice(start, Math.min(end, start + 20)));
    if (allowsCode(at) && at!.role === 'body') {
      const cell = cells[at!.cellIndex]!;
      throw new NotebookWriteError(at!.cellIndex, cell.id, `TypeScript reads this cell's code on past its end (from ${snippet}…): close the template literal, block comment or backslash-continued string inside the cell`);
    }
    // Code outside the code cells: something that began in a code cell ran on to here.
    // Blame the latest comment or token that starts in a code cell and ends beyond it.
    let culprit: PercentRegion | undefined;
    for (const [s, e] of [...comments, ...tokens]) {
      const from = regionAt(regions, s);
      if (s <= start && from?.role === 'body' && from.kind === 'code' && e > from.end && (!culprit || from.start > culprit.start)) culprit = from;
    }
    const index = culprit?.cellIndex ?? Math.max(0, at?.cellIndex ?? 0);
    const where = at && at.cellIndex >= 0 ? `cell ${at.cellIndex + 1} (${at.role === 'marker' ? 'its marker line' : at.kind}, id "${cells[at.cellIndex]?.id}")` : 'text outside the cells';
    throw new NotebookWriteError(index, cells[index]?.id ?? '?', `TypeScript would read part of ${where} as code (${snippet}), because this cell leaves a block comment, template literal or string open; close it inside the cell`);
  }
}
