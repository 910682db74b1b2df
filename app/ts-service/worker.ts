/**
 * The language-service Web Worker: loads TypeScript, the lib files the notebook's options
 * name (each a lazily fetched `?raw` chunk) and the `voxbook` API's declarations (the
 * `virtual:voxbook-api-dts` module of `vite-plugin.ts`), then answers `protocol.ts` requests
 * in order. It posts `ServiceReady` once loaded; requests sent before wait for it.
 */
import ts from 'typescript';
import api from 'virtual:voxbook-api-dts';
import { loadLibClosure, NOTEBOOK_LIBS } from './lib-files.ts';
import type { ServiceReady, ServiceRequest, ServiceResponse } from './protocol.ts';
import { createNotebookService, type NotebookService } from './service.ts';

const started = performance.now();
const libChunks = import.meta.glob<string>('../../node_modules/typescript/lib/lib.*.d.ts', { query: '?raw', import: 'default' });

async function loadLib(fileName: string): Promise<string> {
  const load = libChunks[`../../node_modules/typescript/lib/${fileName}`];
  if (!load) throw new Error(`TypeScript lib file ${fileName} is not in the bundle (see worker.ts's glob)`);
  return load();
}

const service: Promise<NotebookService> = loadLibClosure(NOTEBOOK_LIBS, loadLib).then((libs) => {
  const s = createNotebookService(ts, libs, new Map(Object.entries(api)));
  (self as unknown as Worker).postMessage({ ready: true, ms: performance.now() - started } satisfies ServiceReady);
  return s;
});

let queue: Promise<unknown> = Promise.resolve();

self.addEventListener('message', (event: MessageEvent<ServiceRequest>) => {
  const request = event.data;
  queue = queue.then(async () => {
    let response: ServiceResponse;
    try {
      response = { id: request.id, ok: true, result: await answer(await service, request) };
    } catch (err) {
      response = { id: request.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
    (self as unknown as Worker).postMessage(response);
  });
});

async function answer(s: NotebookService, request: ServiceRequest): Promise<unknown> {
  switch (request.method) {
    case 'setText':
      s.setText(request.text);
      return null;
    case 'diagnostics':
      return s.diagnostics();
    case 'hover':
      return s.hover(request.offset);
    case 'completions':
      return s.completions(request.offset, request.explicit);
  }
}
