/**
 * A cell's CodeMirror 6 editor: TypeScript highlighting (or plain text for markdown),
 * line numbers, Shift-Enter to run, a marker on the line an error points at, and for code
 * cells TypeScript's view of the whole notebook (app/ts-service/: lint marks, hover types,
 * completion).
 */
import { javascript } from '@codemirror/lang-javascript';
import { closeBrackets, closeBracketsKeymap } from '@codemirror/autocomplete';
import { bracketMatching, indentOnInput } from '@codemirror/language';
import { StateEffect, StateField, Prec, type Extension } from '@codemirror/state';
import { Decoration, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { EditorView, minimalSetup } from 'codemirror';
import { notebookTypesExtension } from './ts-service/extension.ts';

export interface CellEditorOptions {
  readonly parent: HTMLElement;
  readonly doc: string;
  readonly language: 'typescript' | 'markdown';
  /** Shift-Enter: run the cell with the editor's current text. */
  readonly onRun: (source: string) => void;
  /** Every change to the text (typing, paste, undo). */
  readonly onChange?: (source: string) => void;
  /** Focus loss, Escape included (markdown cells go back to rendered text). */
  readonly onBlur?: () => void;
  /** Escape, after the editor has given up focus (a markdown cell puts focus on its rendered text). */
  readonly onEscape?: () => void;
}

export function createCellEditor(options: CellEditorOptions): EditorView {
  const extensions: Extension[] = [
    Prec.highest(
      keymap.of([
        {
          key: 'Shift-Enter',
          run: (view) => {
            options.onRun(view.state.doc.toString());
            return true;
          },
        },
        {
          key: 'Escape',
          run: (view) => {
            view.contentDOM.blur();
            options.onEscape?.();
            return true;
          },
        },
      ]),
    ),
    minimalSetup,
    lineNumbers(),
    indentOnInput(),
    bracketMatching(),
    closeBrackets(),
    keymap.of(closeBracketsKeymap),
    errorLineField,
    EditorView.lineWrapping,
    cellTheme,
    EditorView.updateListener.of((update) => {
      if (update.docChanged) options.onChange?.(update.state.doc.toString());
      if (update.focusChanged && !update.view.hasFocus) options.onBlur?.();
    }),
  ];
  if (options.language === 'typescript') extensions.push(javascript({ typescript: true }), notebookTypesExtension());
  return new EditorView({ doc: options.doc, extensions, parent: options.parent });
}

/** Replaces the editor's text when it differs (e.g. the notebook was re-opened). */
export function setEditorText(view: EditorView, text: string): void {
  const current = view.state.doc.toString();
  if (current !== text) view.dispatch({ changes: { from: 0, to: current.length, insert: text } });
}

/** Marks a 1-based line as the error's (or clears the mark with `undefined`). */
export function markErrorLine(view: EditorView, line: number | undefined): void {
  view.dispatch({ effects: setErrorLine.of(line) });
}

/** Puts the cursor at the start of a 1-based line, scrolls to it and focuses the editor. */
export function revealLine(view: EditorView, line: number): void {
  const n = Math.min(Math.max(1, line), view.state.doc.lines);
  const pos = view.state.doc.line(n).from;
  view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
  view.focus();
}

const setErrorLine = StateEffect.define<number | undefined>();
const errorLineDecoration = Decoration.line({ class: 'cm-vb-error-line' });

const errorLineField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(marks, tr) {
    let next = marks.map(tr.changes);
    for (const effect of tr.effects) {
      if (!effect.is(setErrorLine)) continue;
      const line = effect.value;
      next =
        line === undefined || line < 1 || line > tr.state.doc.lines
          ? Decoration.none
          : Decoration.set([errorLineDecoration.range(tr.state.doc.line(line).from)]);
    }
    return next;
  },
  provide: (field) => EditorView.decorations.from(field),
});

const cellTheme = EditorView.theme({
  '&': { fontSize: '13px', backgroundColor: 'transparent' },
  '&.cm-focused': { outline: 'none' },
  '.cm-scroller': { fontFamily: 'var(--vb-mono)', lineHeight: '1.55' },
  '.cm-content': { padding: '10px 0' },
  '.cm-gutters': { backgroundColor: 'transparent', border: 'none', color: 'var(--vb-faint)' },
  '.cm-lineNumbers .cm-gutterElement': { padding: '0 10px 0 12px', minWidth: '2ch' },
  '.cm-vb-error-line': { backgroundColor: 'var(--vb-error-line)' },
});
