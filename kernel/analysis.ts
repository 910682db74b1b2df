import ts from '#typescript';
import { decode } from '@jridgewell/sourcemap-codec';

/**
 * Cell analysis with the TypeScript compiler's parser (typescript@6: TS 7 has no JS API).
 * A code cell's *definitions* are its top-level runtime declarations (const/let/var,
 * including destructuring, function, class, enum); names starting with `_` are cell-local.
 * Its *references* are the free identifiers it reads (a scope-aware walk: parameters,
 * block declarations, catch clauses, property names and types are not references).
 * Imports are hoisted: they are shared by the whole notebook and make no graph edges.
 */

export interface ImportBinding {
  /** Local name in the notebook. */
  readonly local: string;
  readonly module: string;
  /** Exported name; '*' for a namespace import, 'default' for a default import. */
  readonly imported: string;
}

export interface CellSyntax {
  readonly defines: readonly string[];
  /** Free identifiers read by the cell (not yet filtered to names other cells define). */
  readonly references: ReadonlySet<string>;
  readonly imports: readonly ImportBinding[];
  /** Syntax errors, with 1-based lines in the cell. */
  readonly diagnostics: ReadonlyArray<{ readonly line: number; readonly message: string }>;
}

function parse(source: string): ts.SourceFile {
  return ts.createSourceFile('cell.ts', source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
}

function bindingNames(name: ts.BindingName, out: string[]): void {
  if (ts.isIdentifier(name)) out.push(name.text);
  else for (const el of name.elements) if (!ts.isOmittedExpression(el)) bindingNames(el.name, out);
}

function isTypeOnly(node: ts.Node): boolean {
  return ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node);
}

function hasDeclareModifier(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && !!ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
}

/** Names a statement declares in the scope it stands in (let/const/var/function/class/enum). */
function declaredNames(stmt: ts.Statement, out: string[]): void {
  if (hasDeclareModifier(stmt) || isTypeOnly(stmt)) return;
  if (ts.isVariableStatement(stmt)) for (const d of stmt.declarationList.declarations) bindingNames(d.name, out);
  else if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) && stmt.name) out.push(stmt.name.text);
}

/** True when `id` is read as a value (not a property name, a label, a declaration's own name, a type). */
function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return true;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isQualifiedName(p)) return false;
  if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isMethodDeclaration(p) || ts.isPropertySignature(p) ||
       ts.isMethodSignature(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if ((ts.isVariableDeclaration(p) || ts.isBindingElement(p) || ts.isParameter(p)) && p.name === id) return false;
  if ((ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p) || ts.isEnumDeclaration(p)) && p.name === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  if (ts.isImportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p) || ts.isExportSpecifier(p)) return false;
  if (ts.isMetaProperty(p)) return false;
  return true;
}

/** Free identifiers of a subtree given the names already in scope. */
function freeIdentifiers(root: ts.SourceFile, topLevel: ReadonlySet<string>): Set<string> {
  const free = new Set<string>();
  const scopes: Array<Set<string>> = [new Set(topLevel)];
  const inScope = (name: string) => scopes.some((s) => s.has(name));
  const withScope = (names: Iterable<string>, fn: () => void) => {
    scopes.push(new Set(names));
    fn();
    scopes.pop();
  };
  const blockNames = (stmts: readonly ts.Statement[]) => {
    const out: string[] = [];
    for (const s of stmts) declaredNames(s, out);
    return out;
  };
  const visit = (node: ts.Node): void => {
    if (ts.isTypeNode(node) && !ts.isTypeQueryNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) {
      if (isValueReference(node) && !inScope(node.text)) free.add(node.text);
      return;
    }
    if (ts.isShorthandPropertyAssignment(node)) {
      if (!inScope(node.name.text)) free.add(node.name.text);
      if (node.objectAssignmentInitializer) visit(node.objectAssignmentInitializer);
      return;
    }
    if (ts.isFunctionLike(node)) {
      const names: string[] = [];
      if ((ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node)) && node.name) names.push(node.name.text);
      for (const p of node.parameters) bindingNames(p.name, names);
      const body = (node as ts.FunctionLikeDeclarationBase).body;
      if (body && ts.isBlock(body)) names.push(...blockNames(body.statements), ...varNames(body));
      withScope(names, () => {
        for (const p of node.parameters) if (p.initializer) visit(p.initializer);
        if (body) ts.forEachChild(body, visit);
      });
      return;
    }
    if (ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseBlock(node)) {
      const stmts = ts.isCaseBlock(node) ? node.clauses.flatMap((c) => [...c.statements]) : node.statements;
      withScope(blockNames(stmts), () => ts.forEachChild(node, visit));
      return;
    }
    if (ts.isForStatement(node) || ts.isForInStatement(node) || ts.isForOfStatement(node)) {
      const names: string[] = [];
      const init = ts.isForStatement(node) ? node.initializer : node.initializer;
      if (init && ts.isVariableDeclarationList(init)) for (const d of init.declarations) bindingNames(d.name, names);
      withScope(names, () => ts.forEachChild(node, visit));
      return;
    }
    if (ts.isCatchClause(node)) {
      const names: string[] = [];
      if (node.variableDeclaration) bindingNames(node.variableDeclaration.name, names);
      withScope(names, () => ts.forEachChild(node, visit));
      return;
    }
    if (ts.isClassLike(node)) {
      withScope(node.name ? [node.name.text] : [], () => ts.forEachChild(node, visit));
      return;
    }
    ts.forEachChild(node, visit);
  };
  ts.forEachChild(root, visit);
  return free;
}

/** `var` declarations anywhere in a function body or cell (they hoist to its scope). */
function varNames(body: ts.Block | ts.SourceFile): string[] {
  const out: string[] = [];
  const walk = (n: ts.Node): void => {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return;
    if (ts.isVariableDeclarationList(n) && !(n.flags & (ts.NodeFlags.Let | ts.NodeFlags.Const))) {
      for (const d of n.declarations) bindingNames(d.name, out);
    }
    ts.forEachChild(n, walk);
  };
  ts.forEachChild(body, walk);
  return out;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Parses one code cell and finds what it defines, reads and imports. Never throws. */
export function analyzeCell(source: string): CellSyntax {
  const sf = parse(source);
  const diagnostics = ((sf as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? []).map((d) => ({
    line: d.start === undefined ? 1 : lineOf(sf, d.start),
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
  const defines: string[] = [];
  const imports: ImportBinding[] = [];
  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt)) {
      const clause = stmt.importClause;
      if (!clause || clause.isTypeOnly || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
      const module = stmt.moduleSpecifier.text;
      if (clause.name) imports.push({ local: clause.name.text, module, imported: 'default' });
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) imports.push({ local: nb.name.text, module, imported: '*' });
      else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) imports.push({ local: el.name.text, module, imported: (el.propertyName ?? el.name).text });
      continue;
    }
    declaredNames(stmt, defines);
  }
  // var inside top-level blocks (if/for) also lands in the cell's scope.
  const topVars = varNames(sf);
  const all = [...defines, ...topVars];
  const references = freeIdentifiers(sf, new Set([...all, ...imports.map((i) => i.local)]));
  return { defines: [...new Set(all)], references, imports, diagnostics };
}

/** A cell turned into the body of an async function of its inputs. */
export interface CompiledCell {
  /** JavaScript for `new AsyncFunction(...inputs, '__vb', body)`; ends by returning the outputs. */
  readonly body: string;
  /** Maps a 1-based line of `body` to a 1-based line of the cell source. */
  readonly sourceLine: (bodyLine: number) => number;
}

/** Original line (0-based) for each generated line (0-based) of a v3 source map; -1 when unmapped. */
function lineMapOf(mappings: string): Int32Array {
  const lines = decode(mappings);
  const out = new Int32Array(lines.length).fill(-1);
  // Each segment is [genColumn] or [genColumn, source, line, column(, name)]; the first with a
  // source line names the generated line's origin.
  lines.forEach((segments, g) => {
    const seg = segments.find((s) => s.length >= 4);
    if (seg) out[g] = seg[2]!;
  });
  return out;
}

/**
 * Compiles a code cell: imports are blanked (hoisted by the kernel), a trailing expression
 * statement becomes the cell's value, TypeScript is transpiled to ES2022 (top-level await
 * kept, as the function is async), and the body ends by returning `{ value, outputs }`.
 * Blanking and wrapping keep line numbers; the source map maps the rest.
 */
export function compileCell(source: string, outputs: readonly string[]): CompiledCell {
  const sf = parse(source);
  let text = source;
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const stmt of sf.statements) {
    if (ts.isImportDeclaration(stmt)) {
      const start = stmt.getStart(sf), end = stmt.getEnd();
      edits.push({ start, end, text: source.slice(start, end).replace(/[^\n]/g, ' ') });
    }
    // `export const x` is valid in the module a notebook is, but a cell body is a function:
    // blank the keyword (x is an output of the cell either way).
    if (ts.canHaveModifiers(stmt)) for (const m of ts.getModifiers(stmt) ?? []) {
      if (m.kind === ts.SyntaxKind.ExportKeyword) edits.push({ start: m.getStart(sf), end: m.getEnd(), text: '      ' });
    }
  }
  const last = sf.statements[sf.statements.length - 1];
  if (last && ts.isExpressionStatement(last)) {
    const e = last.expression;
    edits.push({ start: e.getStart(sf), end: e.getStart(sf), text: '__vb.value = (' });
    edits.push({ start: e.getEnd(), end: e.getEnd(), text: ')' });
  }
  edits.sort((a, b) => b.start - a.start || b.end - a.end);
  for (const ed of edits) text = text.slice(0, ed.start) + ed.text + text.slice(ed.end);
  const result = ts.transpileModule(text, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      sourceMap: true,
      inlineSources: false,
      removeComments: false,
      verbatimModuleSyntax: false,
      isolatedModules: true,
      moduleDetection: ts.ModuleDetectionKind.Force,
    },
    fileName: 'cell.ts',
  });
  const js = result.outputText
    .replace(/^\/\/# sourceMappingURL=.*$/m, '')
    .replace(/^export \{\};\s*$/m, '');
  const lineMap = lineMapOf(JSON.parse(result.sourceMapText ?? '{"mappings":""}').mappings as string);
  const body = `${js}\nreturn { ${outputs.join(', ')} };`;
  return {
    body,
    sourceLine: (bodyLine) => {
      for (let g = bodyLine - 1; g >= 0; g--) if (g < lineMap.length && lineMap[g]! >= 0) return lineMap[g]! + 1;
      return 1;
    },
  };
}
