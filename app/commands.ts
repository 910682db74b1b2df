/**
 * The notebook's commands, once: their names, their keys (Jupyter's) and what they do. The
 * keymap (app/notebook-keys.ts) and the command palette (app/command-palette.ts) both read
 * `COMMANDS`, so a key shown in the palette is the key that works.
 *
 * Modes, as in Jupyter: in `edit` mode the focus is in a cell's editor and keys type text;
 * in `command` mode a cell is selected and single letters act on it. A command's `modes`
 * says where its keys work; the palette offers every command in both.
 */
import { KeySequencer, type KeyBinding } from './key-sequence.ts';

export type Mode = 'command' | 'edit';

/** What commands act on: the open notebook and its selected cell (implemented by app/notebook-keys.ts). */
export interface NotebookActions {
  /** Runs the selected cell with its editor's text; then stays, selects the next cell, or inserts one below and edits it. */
  run(then: 'stay' | 'next' | 'insert'): void;
  runAll(): void;
  /** Moves the selection by `delta` cells. */
  select(delta: -1 | 1): void;
  /** Edit mode in the selected cell. */
  edit(): void;
  /** Command mode: leaves the editor, the cell stays selected. */
  leaveEditor(): void;
  insert(where: 'above' | 'below'): void;
  deleteSelected(): void;
  undoDelete(): void;
  setKind(kind: 'code' | 'markdown'): void;
  save(): void;
  interrupt(): void;
  openPalette(): void;
}

export interface Command {
  readonly id: string;
  /** What the palette shows, an imperative phrase. */
  readonly label: string;
  /** Key names or sequences (app/key-sequence.ts); the first is the one shown. Empty: palette only. */
  readonly keys: readonly string[];
  readonly modes: readonly Mode[];
  /**
   * The key is the cell editor's own (app/editor.ts binds it, e.g. Escape, which an open
   * completion list must see first): the keymap leaves it to the editor in edit mode.
   */
  readonly editorKey?: boolean;
  readonly run: (actions: NotebookActions) => void;
}

const BOTH: readonly Mode[] = ['command', 'edit'];
const COMMAND: readonly Mode[] = ['command'];

export const COMMANDS: readonly Command[] = [
  { id: 'run-and-advance', label: 'Run cell and select the next', keys: ['Shift+Enter'], modes: BOTH, run: (a) => a.run('next') },
  { id: 'run-in-place', label: 'Run cell', keys: ['Mod+Enter'], modes: BOTH, run: (a) => a.run('stay') },
  { id: 'run-and-insert', label: 'Run cell and insert a cell below', keys: ['Alt+Enter'], modes: BOTH, run: (a) => a.run('insert') },
  { id: 'run-all', label: 'Run all cells', keys: [], modes: BOTH, run: (a) => a.runAll() },
  { id: 'interrupt', label: 'Stop the running cell', keys: ['I I'], modes: COMMAND, run: (a) => a.interrupt() },
  { id: 'edit', label: 'Edit the selected cell', keys: ['Enter'], modes: COMMAND, run: (a) => a.edit() },
  { id: 'command-mode', label: 'Leave the editor (command mode)', keys: ['Escape'], modes: ['edit'], editorKey: true, run: (a) => a.leaveEditor() },
  { id: 'select-above', label: 'Select the cell above', keys: ['K', 'ArrowUp'], modes: COMMAND, run: (a) => a.select(-1) },
  { id: 'select-below', label: 'Select the cell below', keys: ['J', 'ArrowDown'], modes: COMMAND, run: (a) => a.select(1) },
  { id: 'insert-above', label: 'Insert a code cell above', keys: ['A'], modes: COMMAND, run: (a) => a.insert('above') },
  { id: 'insert-below', label: 'Insert a code cell below', keys: ['B'], modes: COMMAND, run: (a) => a.insert('below') },
  { id: 'delete', label: 'Delete the selected cell', keys: ['D D'], modes: COMMAND, run: (a) => a.deleteSelected() },
  { id: 'undo-delete', label: 'Undo the last cell deletion', keys: ['Z'], modes: COMMAND, run: (a) => a.undoDelete() },
  { id: 'to-markdown', label: 'Change the cell to markdown', keys: ['M'], modes: COMMAND, run: (a) => a.setKind('markdown') },
  { id: 'to-code', label: 'Change the cell to code', keys: ['Y'], modes: COMMAND, run: (a) => a.setKind('code') },
  { id: 'save', label: 'Save the notebook', keys: ['Mod+S'], modes: BOTH, run: (a) => a.save() },
  { id: 'palette', label: 'Show the command palette', keys: ['Mod+Shift+P'], modes: BOTH, run: (a) => a.openPalette() },
];

/** The command with id `id`. @throws Error naming the known ids when there is none. */
export function commandById(id: string): Command {
  const found = COMMANDS.find((c) => c.id === id);
  if (!found) throw new Error(`no command "${id}" (known: ${COMMANDS.map((c) => c.id).join(', ')})`);
  return found;
}

/** A sequencer over every key of `commands`. */
export function commandSequencer(commands: readonly Command[] = COMMANDS): KeySequencer<Command> {
  const bindings: KeyBinding<Command>[] = commands.flatMap((command) => command.keys.map((keys) => ({ keys, command })));
  return new KeySequencer(bindings);
}

/** Whether `command`'s keys are the keymap's to handle in `mode` (see `Command.editorKey`). */
export function keyActiveIn(command: Command, mode: Mode): boolean {
  return command.modes.includes(mode) && !(mode === 'edit' && command.editorKey);
}

/**
 * The commands whose label (or id) holds every word of `query`, case-insensitive, in
 * registry order; all of them for an empty query. "ins bel" finds "Insert a code cell below".
 */
export function filterCommands(query: string, commands: readonly Command[] = COMMANDS): readonly Command[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  return commands.filter((c) => {
    const text = `${c.label} ${c.id}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
