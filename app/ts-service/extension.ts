/**
 * The CodeMirror extension that gives a code cell's editor TypeScript's view of the whole
 * notebook (`client.ts`): diagnostics as lint marks, the type under the pointer, and
 * completion of names from other cells and of the `voxbook` API. The service starts on the
 * editor's first focus.
 */
import { autocompletion } from '@codemirror/autocomplete';
import { linter } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { EditorView, hoverTooltip, ViewPlugin } from '@codemirror/view';
import { notebookTypes, relintEffect, type NotebookTypes } from './client.ts';
import { renderHover } from './hover-view.ts';

let counter = 0;

/** Lints, hover types and completions for one code cell's editor, from `types` (the page's service by default). */
export function notebookTypesExtension(types: NotebookTypes = notebookTypes()): Extension {
  const key = `cell-editor-${++counter}`;
  return [
    ViewPlugin.define((view) => {
      types.register(key, view);
      return { destroy: () => types.unregister(key) };
    }),
    EditorView.updateListener.of((update) => {
      if (update.focusChanged && update.view.hasFocus) types.start();
      if (update.docChanged) types.changed();
    }),
    linter(() => types.lints(key), {
      delay: 300,
      needsRefresh: (update) => update.transactions.some((tr) => tr.effects.some((e) => e.is(relintEffect))),
    }),
    hoverTooltip(async (_view, pos) => {
      const hover = await types.hover(key, pos);
      return hover && { pos: hover.from, end: hover.to, above: true, create: () => ({ dom: renderHover(hover.info) }) };
    }),
    autocompletion({ override: [(context) => types.completions(key, context.pos, context.explicit)], activateOnTypingDelay: 50 }),
    typesTheme,
  ];
}

const typesTheme = EditorView.theme({
  '.cm-vb-hover': { padding: '4px 8px', maxWidth: '60ch', fontSize: '12px' },
  '.cm-vb-hover-signature': { fontFamily: 'var(--vb-mono)', whiteSpace: 'pre-wrap', margin: '0' },
  '.cm-vb-hover-doc': { marginTop: '4px', whiteSpace: 'pre-wrap', fontFamily: 'inherit' },
});
