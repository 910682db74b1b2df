/**
 * The app's HTML export off the page's thread, in a module Web Worker: meshoptimizer compiles
 * WebAssembly, which the page's Content-Security-Policy does not allow (workers get
 * vite.config.ts's WORKER_POLICY), and decimating a large mesh takes a second that the page
 * should not freeze for. Receives an `ExportInput`, answers with the page or the error.
 */
import script from 'virtual:voxbook-static-viewer';
import type { ExportInput } from './encode.ts';
import { notebookHtml, type NotebookHtml } from './page.ts';

export type ExportReply = { readonly ok: true; readonly page: NotebookHtml } | { readonly ok: false; readonly error: string };

interface Port {
  onmessage: ((event: MessageEvent<ExportInput>) => void) | null;
  postMessage(message: ExportReply): void;
}

const port = self as unknown as Port;
port.onmessage = (event) => {
  notebookHtml(event.data, script).then(
    (page) => port.postMessage({ ok: true, page }),
    (err: unknown) => port.postMessage({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
};
