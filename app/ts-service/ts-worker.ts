/**
 * The language-service Web Worker: loads TypeScript, the lib files the notebook's options
 * name and the `voxbook` API's declarations (the `virtual:voxbook-ts-libs` and
 * `virtual:voxbook-api-dts` modules of `vite-plugin.ts`; the libs are a chunk of their own,
 * fetched while TypeScript starts), then answers `protocol.ts` requests in order. It posts
 * `ServiceReady` once loaded, or `ServiceFailed` if it could not load; requests sent before
 * wait for it.
 */
import ts from 'typescript';
import api from 'virtual:voxbook-api-dts';
import type { ServiceFailed, ServiceReady, ServiceRequest, ServiceResponse } from './protocol.ts';
import { createNotebookService, type NotebookService } from './service.ts';

const started = performance.now();

const service: Promise<NotebookService> = import('virtual:voxbook-ts-libs').then(({ default: libs }) => {
  const s = createNotebookService(ts, new Map(Object.entries(libs)), new Map(Object.entries(api)));
  (self as unknown as Worker).postMessage({ ready: true, ms: performance.now() - started } satisfies ServiceReady);
  return s;
});
service.catch((err: unknown) => {
  (self as unknown as Worker).postMessage({ failed: err instanceof Error ? `${err.name}: ${err.message}` : String(err) } satisfies ServiceFailed);
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
