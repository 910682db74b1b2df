/**
 * `window.__voxbook`: a small, stable surface for end-to-end tests and for poking at the
 * app from the devtools console. Nothing in the app depends on it.
 */
import type { NotebookState } from './notebook-state.ts';

export interface VoxbookTestHooks {
  /** The current notebook state (cells, statuses, outputs), if a notebook is open. */
  state(): NotebookState | undefined;
  /** Opens notebook text (percent format) in a fresh kernel, as if it were the file `path`. */
  open(text: string, path: string): void;
  /** Calls `listener` with every new state of the open notebook (now, then on each change); returns the unsubscribe function. */
  subscribe?(listener: (state: NotebookState) => void): () => void;
  /** The pixels of the `index`-th 3D mesh view on the page, as a PNG data URL. */
  captureMesh(index?: number): Promise<string>;
}

declare global {
  interface Window {
    __voxbook?: VoxbookTestHooks;
  }
}

/** Elements matching `selector` in `root` and in the open shadow roots inside it, in document order. */
export function deepQueryAll<E extends Element = Element>(root: ParentNode, selector: string): E[] {
  const found: E[] = [];
  const walk = (node: ParentNode): void => {
    for (const el of node.querySelectorAll('*')) {
      if (el.matches(selector)) found.push(el as E);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(root);
  return found;
}

export function installTestHooks(app: Pick<VoxbookTestHooks, 'state' | 'open' | 'subscribe'>): void {
  window.__voxbook = {
    ...app,
    captureMesh: async (index = 0) => {
      // Outputs render in shadow roots (output-view.ts).
      const views = deepQueryAll<HTMLElementTagNameMap['vb-mesh-view']>(document, 'vb-mesh-view');
      const view = views[index];
      if (!view) throw new Error(`no mesh view #${index} (the page has ${views.length})`);
      return view.capture();
    },
  };
}
