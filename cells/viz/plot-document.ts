/**
 * The DOM document Observable Plot draws into. Node and Web Workers have none, so views
 * render with linkedom's (pure JS); one document serves every plot.
 */
import { parseHTML } from 'linkedom';

let cachedDocument: Document | undefined;

/** A shared linkedom document for `Plot.plot({ document })`. */
export function plotDocument(): Document {
  cachedDocument ??= parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
  return cachedDocument;
}
