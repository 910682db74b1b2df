import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { emitApiDeclarations } from '../../../app/ts-service/api-declarations.ts';
import { loadLibClosure, NOTEBOOK_LIBS } from '../../../app/ts-service/lib-files.ts';
import { composeNotebookFile, rangeInCell, toCell, toFileOffset } from '../../../app/ts-service/notebook-file.ts';
import { createNotebookService, type NotebookService } from '../../../app/ts-service/service.ts';
import { BUILTINS } from '../../../kernel/executor.ts';
import { parsePercent } from '../../../kernel/notebook/percent.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

let service: NotebookService;

beforeAll(async () => {
  const api = emitApiDeclarations(REPO);
  const libs = await loadLibClosure(NOTEBOOK_LIBS, (f) => readFile(`${REPO}node_modules/typescript/lib/${f}`, 'utf8'));
  service = createNotebookService(ts, libs, api);
});

/** Two cells: one loads a volume with the voxbook API, the other uses it. */
function notebook(second: string) {
  return composeNotebookFile([
    { key: 'load', source: "import { loadInput, threshold } from 'voxbook';\nconst ct = await loadInput('ct-head-0051');" },
    { key: 'use', source: second },
  ]);
}

describe('the notebook language service', () => {
  it('reports a type error in one cell that uses a name from another, at its place in that cell', () => {
    const file = notebook('const label: string = ct.dims;');
    service.setText(file.text);
    const diagnostics = service.diagnostics();
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.code).toBe(2322);
    expect(d.message).toContain("is not assignable to type 'string'");
    expect(rangeInCell(file, 'use', d.from, d.to)).toEqual({ from: 6, to: 11 }); // `label`
    expect(rangeInCell(file, 'load', d.from, d.to)).toBeUndefined();
  });

  it('knows the kernel builtins (display, signal, runInfo) and reports none for the repo notebooks', async () => {
    service.setText(notebook('display(threshold(ct, { minHu: 300, maxHu: 3071 }));\nif (signal.aborted) runInfo().parameters;').text);
    expect(service.diagnostics()).toEqual([]);
    // Every name the kernel injects is declared (kernel/globals.d.ts), not only today's three.
    service.setText(notebook(BUILTINS.map((name) => `void ${name};`).join('\n')).text);
    expect(service.diagnostics()).toEqual([]);
    // Every notebook of the repo checks clean, as `tsc` finds it.
    const names = (await readdir(`${REPO}notebooks`)).filter((f) => f.endsWith('.nb.ts'));
    expect(names.length).toBeGreaterThanOrEqual(3);
    for (const name of names) {
      const cells = parsePercent(await readFile(`${REPO}notebooks/${name}`, 'utf8')).cells.filter((c) => c.kind === 'code');
      service.setText(composeNotebookFile(cells.map((c) => ({ key: c.id, source: c.source }))).text);
      expect(service.diagnostics().map((d) => `${name}: ${d.message}`)).toEqual([]);
    }
  });

  it('completes `ct.` with the fields of a Volume', async () => {
    const file = notebook('ct.');
    service.setText(file.text);
    const result = await service.completions(toFileOffset(file, 'use', 3)!, false);
    const labels = result!.options.map((o) => o.label);
    expect(labels).toEqual(expect.arrayContaining(['data', 'dims', 'spacingMm', 'originMm', 'direction']));
    expect(toCell(file, result!.from)).toEqual({ key: 'use', pos: 3 });
  });

  it('completes a name another cell defines', async () => {
    const file = notebook('const volumeMm3 = 1;\nct');
    service.setText(file.text);
    const result = await service.completions(file.text.length, false);
    expect(toCell(file, result!.from)).toEqual({ key: 'use', pos: 'const volumeMm3 = 1;\n'.length });
    expect(result!.options.map((o) => o.label)).toEqual(expect.arrayContaining(['ct', 'loadInput', 'threshold', 'volumeMm3']));
  });

  it('completes a voxbook export in an import list', async () => {
    const file = composeNotebookFile([{ key: 'a', source: "import { isos } from 'voxbook';" }]);
    service.setText(file.text);
    const result = await service.completions(file.text.indexOf('isos') + 4, false);
    expect(result!.options.map((o) => o.label)).toContain('isosurface');
  });

  it('shows the signature of a voxbook function on hover', () => {
    const file = notebook('const bone = threshold(ct, { minHu: 300, maxHu: 3071 });');
    service.setText(file.text);
    const offset = toFileOffset(file, 'use', 'const bone = thr'.length)!;
    const hover = service.hover(offset)!;
    const signature = hover.quickInfo!.displayParts!.map((p) => p.text).join('');
    expect(signature).toMatch(/threshold\(volume: Volume[^,]*, range: ThresholdRange\): Volume<Uint8Array>/);
    expect(rangeInCell(file, 'use', hover.start, hover.end)).toEqual({ from: 13, to: 22 });
  });
});
