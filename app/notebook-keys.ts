/**
 * Jupyter's keyboard model for the page: a selected cell, command mode and edit mode, and
 * the keys of app/commands.ts. One `keydown` listener on the window, in the capture phase,
 * so that Shift/Ctrl/Alt+Enter and Ctrl+S reach it before a cell's editor turns them into
 * text; Escape is the editor's (app/editor.ts), which then hands focus back to the cell.
 *
 * Mode: edit while the key comes from a text field (a CodeMirror editor, an input, a
 * select, a textarea); on a button or link only Mod-keys act (Enter presses the button);
 * anywhere else, command mode. The selection follows focus and clicks, and J/K/arrows.
 * Commands act through the session (state edits) or the events the toolbar sends
 * (`vb-run-all`, `vb-interrupt`, `vb-download-notebook`), so what the toolbar does and what
 * a key does stay one thing.
 */
import { COMMANDS, commandSequencer, keyActiveIn, type Command, type Mode, type NotebookActions } from './commands.ts';
import { keyName } from './key-sequence.ts';
import type { NotebookSession } from './notebook-session.ts';
import type { VbNotebook } from './notebook-view.ts';
import type { VbCell } from './cell-view.ts';
import { VbCommandPalette } from './command-palette.ts';
import './command-palette.css';

/** Whether this is a Mac, whose Mod key is Cmd. */
export function isMac(): boolean {
  return /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/**
 * Installs the keymap and the command palette on `view`; `session` gives the open notebook
 * (undefined while none is). Returns a function that removes them.
 */
export function installNotebookKeys(view: VbNotebook, openSession: () => NotebookSession | undefined): () => void {
  // A notebook that could not be parsed has no cells to act on.
  const session = (): NotebookSession | undefined => {
    const s = openSession();
    return s && !s.state.loadError ? s : undefined;
  };
  const mac = isMac();
  const sequencer = commandSequencer();
  const palette = document.body.appendChild(new VbCommandPalette());
  palette.mac = mac;

  const cells = (): VbCell[] => [...view.querySelectorAll('vb-cell')].filter((c) => c.cell !== undefined);
  const cellElement = (id: string | undefined): VbCell | undefined => cells().find((c) => c.cell?.id === id);
  const selectedCell = (): VbCell | undefined => {
    const ids = session()?.state.cells.map((c) => c.id) ?? [];
    if (view.selected === undefined || !ids.includes(view.selected)) view.selected = ids[0];
    return cellElement(view.selected);
  };
  /** Selects `id` and, once it is rendered, focuses it (command mode) or edits it. */
  const select = async (id: string | undefined, then: 'focus' | 'edit' | 'none' = 'focus'): Promise<void> => {
    view.selected = id;
    if (then === 'none') return;
    await view.updateComplete;
    const el = cellElement(id);
    if (!el) return;
    await el.updateComplete;
    if (then === 'edit') await el.edit();
    else el.focusCell();
  };
  const indexOfSelected = (): number => session()?.state.cells.findIndex((c) => c.id === view.selected) ?? -1;
  const send = (type: 'vb-run-all' | 'vb-interrupt' | 'vb-download-notebook') =>
    view.dispatchEvent(new CustomEvent(type, { bubbles: true, composed: true }));

  const actions: NotebookActions = {
    run(then) {
      const el = selectedCell();
      const s = session();
      if (!el || !s) return;
      el.runCell();
      const cellsNow = s.state.cells;
      const i = cellsNow.findIndex((c) => c.id === el.cell?.id);
      if (then === 'stay') {
        if (el.cell?.kind === 'markdown') void select(el.cell.id);
        return;
      }
      // Shift+Enter on the last cell, or Alt+Enter: a new cell below, in edit mode (as Jupyter).
      if (then === 'insert' || i === cellsNow.length - 1) void select(s.insertCell(i + 1, 'code'), 'edit');
      else void select(cellsNow[i + 1]?.id);
    },
    runAll: () => send('vb-run-all'),
    select(delta) {
      const list = session()?.state.cells ?? [];
      if (list.length === 0) return;
      const i = indexOfSelected();
      const next = i < 0 ? 0 : Math.min(list.length - 1, Math.max(0, i + delta));
      void select(list[next]!.id);
    },
    edit() {
      const el = selectedCell();
      if (el) void select(el.cell!.id, 'edit');
    },
    leaveEditor() {
      selectedCell()?.leaveEditor();
    },
    insert(where) {
      const s = session();
      if (!s) return;
      const i = indexOfSelected();
      const at = i < 0 ? (where === 'above' ? 0 : s.state.cells.length) : where === 'above' ? i : i + 1;
      void select(s.insertCell(at, 'code'));
    },
    deleteSelected() {
      const s = session();
      const i = indexOfSelected();
      if (!s || i < 0) return;
      s.deleteCell(view.selected!);
      const list = s.state.cells;
      void select(list[Math.min(i, list.length - 1)]?.id);
    },
    undoDelete() {
      const id = session()?.undoDelete();
      if (id !== undefined) void select(id);
    },
    setKind(kind) {
      const el = selectedCell();
      if (!el?.cell) return;
      session()?.setKind(el.cell.id, kind);
      void select(el.cell.id);
    },
    save: () => send('vb-download-notebook'),
    interrupt: () => send('vb-interrupt'),
    openPalette() {
      const returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
      palette.show(COMMANDS, (command) => {
        // Back to where the user was, then the command, which may move focus itself.
        returnTo?.focus({ preventScroll: true });
        if (command) command.run(actions);
      });
    },
  };

  const onKey = (event: KeyboardEvent): void => {
    if (palette.open || event.isComposing) return;
    const name = keyName(event, mac);
    if (name === undefined) return;
    const target = event.composedPath()[0];
    const mode = modeOf(target);
    const onControl = isControl(target);
    const allowed = (c: Command): boolean => keyActiveIn(c, mode) && (!onControl || /\bMod\+/.test(c.keys.join(' ')));
    const match = sequencer.feed(name, event.timeStamp, allowed);
    if (match.kind === 'none') return;
    event.preventDefault();
    event.stopPropagation();
    if (match.kind === 'command') {
      // A key in a cell's editor acts on that cell.
      if (mode === 'edit') {
        const host = cellOf(target);
        if (host?.cell) view.selected = host.cell.id;
      }
      match.command.run(actions);
    }
  };
  const onFocus = (event: Event): void => {
    const host = cellOf(event.composedPath()[0]);
    if (host?.cell && host.cell.id !== view.selected) view.selected = host.cell.id;
    sequencer.reset();
  };

  window.addEventListener('keydown', onKey, true);
  view.addEventListener('focusin', onFocus);
  view.addEventListener('pointerdown', onFocus);
  return () => {
    window.removeEventListener('keydown', onKey, true);
    view.removeEventListener('focusin', onFocus);
    view.removeEventListener('pointerdown', onFocus);
    palette.remove();
  };
}

/** The `<vb-cell>` an event target is in (through shadow roots), if any. */
function cellOf(target: EventTarget | undefined): VbCell | undefined {
  let node = target instanceof Node ? target : undefined;
  while (node) {
    if (node instanceof HTMLElement && node.localName === 'vb-cell') return node as VbCell;
    node = node.parentNode ?? (node instanceof ShadowRoot ? node.host : undefined);
  }
  return undefined;
}

/** Edit mode when the key goes to a text field; command mode anywhere else. */
function modeOf(target: EventTarget | undefined): Mode {
  if (!(target instanceof HTMLElement)) return 'command';
  if (target.isContentEditable || target.closest('.cm-editor')) return 'edit';
  return target.matches('input:not([type=checkbox]):not([type=radio]):not([type=button]):not([type=range]), textarea, select') ? 'edit' : 'command';
}

/** Buttons, links, summaries, sliders and checkboxes: plain keys are theirs (Enter presses a button). */
function isControl(target: EventTarget | undefined): boolean {
  // Element, not HTMLElement: an SVG point with role=slider (the transfer-function editor) is a control too.
  return target instanceof Element && target.matches('button, a[href], summary, input, [role=button], [role=slider]');
}
