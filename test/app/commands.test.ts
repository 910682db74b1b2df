import { describe, expect, it } from 'vitest';
import { commandSequencer, COMMANDS, filterCommands, keyActiveIn, type Command, type Mode } from '../../app/commands.ts';
import { displayKeys, keyName, KeySequencer, SEQUENCE_TIMEOUT_MS } from '../../app/key-sequence.ts';

const press = (key: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});

describe('keyName', () => {
  it('names keys as the keymap does, Mod being Ctrl elsewhere and Cmd on macOS', () => {
    expect(keyName(press('Enter', { shiftKey: true }), false)).toBe('Shift+Enter');
    expect(keyName(press('Enter', { ctrlKey: true }), false)).toBe('Mod+Enter');
    expect(keyName(press('Enter', { metaKey: true }), true)).toBe('Mod+Enter');
    expect(keyName(press('Enter', { ctrlKey: true }), true)).toBe('Ctrl+Enter');
    expect(keyName(press('Enter', { altKey: true }), false)).toBe('Alt+Enter');
    expect(keyName(press('s', { ctrlKey: true }), false)).toBe('Mod+S');
    expect(keyName(press('P', { ctrlKey: true, shiftKey: true }), false)).toBe('Mod+Shift+P');
    expect(keyName(press('a'), false)).toBe('A');
    // Shift with a letter is only its case.
    expect(keyName(press('A', { shiftKey: true }), false)).toBe('A');
    expect(keyName(press('ArrowUp'), false)).toBe('ArrowUp');
    expect(keyName(press('Shift', { shiftKey: true }), false)).toBeUndefined();
  });

  it('shows sequences with commas and Mod as the platform names it', () => {
    expect(displayKeys('D D', false)).toBe('D,D');
    expect(displayKeys('Mod+Shift+P', false)).toBe('Ctrl+Shift+P');
    expect(displayKeys('Mod+Shift+P', true)).toBe('⌘+Shift+P');
  });
});

describe('KeySequencer', () => {
  const seq = () => new KeySequencer([
    { keys: 'D D', command: 'delete' },
    { keys: 'A', command: 'above' },
    { keys: 'I I', command: 'interrupt' },
  ]);

  it('completes a sequence within the timeout', () => {
    const s = seq();
    expect(s.feed('D', 0)).toEqual({ kind: 'pending' });
    expect(s.feed('D', 400)).toEqual({ kind: 'command', command: 'delete' });
    // The sequence is consumed: a third D starts afresh.
    expect(s.feed('D', 500)).toEqual({ kind: 'pending' });
  });

  it('lets a pending sequence lapse after the timeout', () => {
    const s = seq();
    s.feed('D', 0);
    expect(s.feed('D', SEQUENCE_TIMEOUT_MS + 1)).toEqual({ kind: 'pending' });
  });

  it('matches a key that breaks a sequence on its own', () => {
    const s = seq();
    s.feed('D', 0);
    expect(s.feed('A', 10)).toEqual({ kind: 'command', command: 'above' });
    s.feed('I', 20);
    expect(s.feed('D', 30)).toEqual({ kind: 'pending' });
    expect(s.feed('X', 40)).toEqual({ kind: 'none' });
    expect(s.feed('D', 50)).toEqual({ kind: 'pending' });
  });

  it('considers only allowed commands, and reset forgets a pending key', () => {
    const s = seq();
    expect(s.feed('A', 0, (c) => c !== 'above')).toEqual({ kind: 'none' });
    s.feed('I', 0);
    s.reset();
    expect(s.feed('I', 10)).toEqual({ kind: 'pending' });
  });
});

describe('the command registry', () => {
  const resolve = (keys: readonly string[], mode: Mode): Command | 'pending' | undefined => {
    const s = commandSequencer();
    let last: Command | 'pending' | undefined;
    keys.forEach((k, i) => {
      const m = s.feed(k, i * 10, (c) => keyActiveIn(c, mode));
      last = m.kind === 'command' ? m.command : m.kind === 'pending' ? 'pending' : undefined;
    });
    return last;
  };

  it("binds Jupyter's keys in command mode", () => {
    const expected: Array<[string[], string]> = [
      [['Shift+Enter'], 'run-and-advance'], [['Mod+Enter'], 'run-in-place'], [['Alt+Enter'], 'run-and-insert'],
      [['Enter'], 'edit'], [['A'], 'insert-above'], [['B'], 'insert-below'], [['D', 'D'], 'delete'],
      [['M'], 'to-markdown'], [['Y'], 'to-code'], [['Z'], 'undo-delete'], [['Mod+S'], 'save'], [['I', 'I'], 'interrupt'],
      [['J'], 'select-below'], [['K'], 'select-above'], [['ArrowDown'], 'select-below'], [['ArrowUp'], 'select-above'],
      [['Mod+Shift+P'], 'palette'],
    ];
    for (const [keys, id] of expected) expect(resolve(keys, 'command'), keys.join(',')).toMatchObject({ id });
  });

  it('in edit mode, letters type and only modified keys act; Escape is left to the editor', () => {
    for (const k of ['A', 'B', 'M', 'Y', 'Z', 'J', 'K', 'Enter', 'ArrowUp']) expect(resolve([k], 'edit'), k).toBeUndefined();
    expect(resolve(['D', 'D'], 'edit')).toBeUndefined();
    expect(resolve(['Escape'], 'edit')).toBeUndefined();
    expect(resolve(['Shift+Enter'], 'edit')).toMatchObject({ id: 'run-and-advance' });
    expect(resolve(['Mod+S'], 'edit')).toMatchObject({ id: 'save' });
    expect(resolve(['Mod+Shift+P'], 'edit')).toMatchObject({ id: 'palette' });
  });

  it('has unique ids and no key bound twice', () => {
    expect(new Set(COMMANDS.map((c) => c.id)).size).toBe(COMMANDS.length);
    const keys = COMMANDS.flatMap((c) => c.keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('filters by every word of the query', () => {
    expect(filterCommands('ins bel').map((c) => c.id)).toEqual(['run-and-insert', 'insert-below']);
    expect(filterCommands('').length).toBe(COMMANDS.length);
    expect(filterCommands('DELETE').map((c) => c.id)).toEqual(['delete', 'undo-delete']);
    expect(filterCommands('nothing like this')).toEqual([]);
  });
});
