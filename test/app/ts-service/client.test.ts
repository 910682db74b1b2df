/**
 * The editor side of the service (`NotebookTypes`) against the real service in-process:
 * editors in page order make the file; answers come back in each editor's own offsets;
 * nothing is asked before the worker is ready; an editor that left the page is left out.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { EditorView } from '@codemirror/view';
import ts from 'typescript';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { emitApiDeclarations } from '../../../app/ts-service/api-declarations.ts';
import { NotebookTypes, type ServicePort } from '../../../app/ts-service/client.ts';
import { loadLibClosure, NOTEBOOK_LIBS } from '../../../app/ts-service/lib-files.ts';
import type { ServiceFailed, ServiceReady, ServiceRequest, ServiceResponse } from '../../../app/ts-service/protocol.ts';
import { createNotebookService, type NotebookService } from '../../../app/ts-service/service.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
let service: NotebookService;

beforeAll(async () => {
  const libs = await loadLibClosure(NOTEBOOK_LIBS, (f) => readFile(`${REPO}node_modules/typescript/lib/${f}`, 'utf8'));
  service = createNotebookService(ts, libs, emitApiDeclarations(REPO));
});

/** A port that answers with the in-process service, asynchronously as a worker would. */
function inProcessPort(requests: ServiceRequest[]): { port: ServicePort; ready: () => void; fail: (why: string) => void } {
  let listener: ((event: { data: ServiceResponse | ServiceReady | ServiceFailed }) => void) | undefined;
  const port: ServicePort = {
    postMessage(request) {
      requests.push(request);
      setTimeout(async () => {
        const s = service;
        const result =
          request.method === 'setText' ? (s.setText(request.text), null)
          : request.method === 'diagnostics' ? s.diagnostics()
          : request.method === 'hover' ? s.hover(request.offset)
          : await s.completions(request.offset, request.explicit);
        listener?.({ data: { id: request.id, ok: true, result: structuredClone(result) } });
      });
    },
    addEventListener(type: string, l: (event: never) => void) {
      if (type === 'message') listener = l as typeof listener;
    },
    terminate() {},
  };
  return { port, ready: () => listener?.({ data: { ready: true, ms: 1 } }), fail: (why) => listener?.({ data: { failed: why } }) };
}

/** Just enough of an EditorView: its text, whether it is on the page, and its place there. */
function fakeView(text: string, order: number, connected = true): EditorView {
  const dom = {
    isConnected: connected,
    order,
    compareDocumentPosition: (other: { order: number }) => (other.order > order ? 4 : 2),
  };
  return { dom, state: { doc: { toString: () => text } }, dispatch() {}, plugin: () => null } as unknown as EditorView;
}

describe('NotebookTypes (editor side)', () => {
  it('answers nothing and sends nothing before the worker is ready, then maps lints to each editor', async () => {
    const requests: ServiceRequest[] = [];
    const { port, ready } = inProcessPort(requests);
    const types = new NotebookTypes(() => port);
    // Registered out of page order: the file follows the page.
    types.register('use', fakeView('const label: string = ct.dims;', 2));
    types.register('load', fakeView("import { loadInput } from 'voxbook';\nconst ct = await loadInput('x');", 1));
    types.register('gone', fakeView('const ct = 1;', 3, false));
    expect(await types.lints('use')).toEqual([]);
    types.start();
    expect(await types.lints('use')).toEqual([]);
    expect(requests).toEqual([]);
    ready();
    const lints = await types.lints('use');
    expect(lints).toHaveLength(1);
    expect(lints[0]).toMatchObject({ from: 6, to: 11, severity: 'error', source: 'ts(2322)' });
    expect(lints[0]!.message).toContain("is not assignable to type 'string'");
    expect(await types.lints('load')).toEqual([]);
    // One file sent, one diagnostics request shared by both editors; the detached editor's
    // `const ct` did not clash with the load cell's.
    expect(requests.map((r) => r.method)).toEqual(['setText', 'diagnostics']);
    expect((requests[0] as { text: string }).text).not.toContain('const ct = 1');
    types.dispose();
  });

  it('maps hover and completions to the editor\'s offsets', async () => {
    const { port, ready } = inProcessPort([]);
    const types = new NotebookTypes(() => port);
    types.register('load', fakeView("import { loadInput, threshold } from 'voxbook';\nconst ct = await loadInput('x');", 1));
    types.register('use', fakeView('const bone = threshold(ct, { minHu: 1, maxHu: 2 });\nct.', 2));
    types.start();
    ready();
    const hover = await types.hover('use', 15);
    expect(hover).toMatchObject({ from: 13, to: 22 });
    expect(hover!.info.quickInfo!.displayParts!.map((p) => p.text).join('')).toContain('threshold(volume: Volume');
    const end = 'const bone = threshold(ct, { minHu: 1, maxHu: 2 });\nct.'.length;
    const completions = await types.completions('use', end, false);
    expect(completions!.from).toBe(end);
    expect(completions!.options.map((o) => o.label)).toContain('spacingMm');
    expect(await types.hover('nope', 0)).toBeNull();
    types.dispose();
  });

  it('a worker that could not load turns the types off, says so once, and asks nothing', async () => {
    const requests: ServiceRequest[] = [];
    const { port, fail, ready } = inProcessPort(requests);
    const types = new NotebookTypes(() => port);
    types.register('a', fakeView('const x: string = 1;', 1));
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    types.start();
    fail('Error: lib files missing');
    fail('Error: again');
    ready();
    expect(await types.lints('a')).toEqual([]);
    expect(await types.hover('a', 6)).toBeNull();
    expect(requests).toEqual([]);
    expect(error.mock.calls).toEqual([['voxbook: editor types are off: Error: lib files missing']]);
    error.mockRestore();
  });
});
