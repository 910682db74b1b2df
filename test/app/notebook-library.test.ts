/**
 * The notebook library on fake-indexeddb: create, list, rename, duplicate, delete, the
 * autosave write; unique names (also against concurrent writers); copies of repo notebooks.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LibraryClosedError,
  NameTakenError,
  NotebookConflictError,
  NotebookLibrary,
  NotebookNameError,
  NotebookNotFoundError,
  cleanName,
  nameFromPath,
  openNotebookLibrary,
} from '../../app/notebook-library.ts';

let dbCount = 0;
let clock = 1_000;
let lib: NotebookLibrary;
let dbName: string;

beforeEach(async () => {
  dbName = `test-library-${++dbCount}`;
  clock = 1_000;
  lib = await openNotebookLibrary(dbName, () => clock);
});
afterEach(() => lib.close());

const TEXT = '// %% id="a"\nconst a = 1;\n';

describe('notebook library', () => {
  it('creates, lists (newest first), reads back and deletes', async () => {
    const a = await lib.create('alpha', TEXT);
    clock = 2_000;
    const b = await lib.create('beta', 'x', { origin: 'notebooks/beta.nb.ts' });
    expect(a.id).toMatch(/^[0-9a-f]{32}$/);
    expect(a.id).not.toBe(b.id);
    expect((await lib.list()).map((s) => s.name)).toEqual(['beta', 'alpha']);
    expect((await lib.list())[0]).toEqual({ id: b.id, name: 'beta', origin: 'notebooks/beta.nb.ts', revision: 1, created: 2_000, modified: 2_000 });
    expect(await lib.get(a.id)).toEqual({ id: a.id, name: 'alpha', text: TEXT, revision: 1, created: 1_000, modified: 1_000 });
    await lib.delete(a.id);
    expect(await lib.get(a.id)).toBeUndefined();
    expect((await lib.list()).map((s) => s.name)).toEqual(['beta']);
    await lib.delete(a.id); // not there: no error
  });

  it('keeps names unique, ignoring case and surrounding spaces', async () => {
    await lib.create('Skull', TEXT);
    await expect(lib.create('  skull ', TEXT)).rejects.toBeInstanceOf(NameTakenError);
    const b = await lib.create('skull', TEXT, { uniquify: true });
    const c = await lib.create('SKULL', TEXT, { uniquify: true });
    expect([b.name, c.name]).toEqual(['skull 2', 'SKULL 3']);
    await expect(lib.rename(b.id, 'skull')).rejects.toThrow(/already exists/);
    // The failed rename changed nothing.
    expect((await lib.get(b.id))!.name).toBe('skull 2');
    expect((await lib.list()).length).toBe(3);
  });

  it('gives two concurrent writers of one name distinct names (one transaction each)', async () => {
    const made = await Promise.all([1, 2, 3, 4].map(() => lib.create('same', TEXT, { uniquify: true })));
    expect(made.map((m) => m.name).sort()).toEqual(['same', 'same 2', 'same 3', 'same 4']);
    // And without uniquify exactly one of two concurrent creates wins.
    const results = await Promise.allSettled([lib.create('race', TEXT), lib.create('RACE', TEXT)]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBe(1);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof NameTakenError).length).toBe(1);
  });

  it('saves text atomically and stamps it modified; unchanged text is not a modification', async () => {
    const a = await lib.create('a', TEXT);
    clock = 5_000;
    const saved = await lib.saveText(a.id, TEXT + '// more\n');
    expect(saved.modified).toBe(5_000);
    expect((await lib.get(a.id))!.text).toBe(TEXT + '// more\n');
    clock = 9_000;
    expect((await lib.saveText(a.id, TEXT + '// more\n')).modified).toBe(5_000);
    await lib.delete(a.id);
    await expect(lib.saveText(a.id, 'late')).rejects.toBeInstanceOf(NotebookNotFoundError);
    expect(await lib.get(a.id)).toBeUndefined();
  });

  it('counts text revisions and refuses a write against a revision another writer replaced', async () => {
    const a = await lib.create('shared', TEXT);
    // Two tabs opened revision 1; the first writes, the second's write is then refused.
    const first = await lib.saveText(a.id, 'tab one', 1);
    expect(first.revision).toBe(2);
    await expect(lib.saveText(a.id, 'tab two', 1)).rejects.toBeInstanceOf(NotebookConflictError);
    expect((await lib.get(a.id))!.text).toBe('tab one');
    // The same text is no conflict and no new revision; a rename is not a text revision.
    expect((await lib.saveText(a.id, 'tab one', 1)).revision).toBe(2);
    expect((await lib.rename(a.id, 'renamed')).revision).toBe(2);
    expect((await lib.saveText(a.id, 'tab one again', 2)).revision).toBe(3);
    // Without an expected revision the write just happens (last writer wins).
    expect((await lib.saveText(a.id, 'forced')).revision).toBe(4);
  });

  it('renames (keeping the origin) and duplicates (without it), naming copies "X copy", "X copy 2"', async () => {
    const a = await lib.create('ct-to-print', TEXT, { origin: 'notebooks/ct-to-print.nb.ts' });
    const renamed = await lib.rename(a.id, 'my skull');
    expect(renamed).toMatchObject({ id: a.id, name: 'my skull', origin: 'notebooks/ct-to-print.nb.ts', text: TEXT });
    const d1 = await lib.duplicate(a.id);
    const d2 = await lib.duplicate(a.id);
    expect([d1.name, d2.name]).toEqual(['my skull copy', 'my skull copy 2']);
    expect(d1.origin).toBeUndefined();
    expect(d1.text).toBe(TEXT);
    const d3 = await lib.duplicate(a.id, 'chosen');
    expect(d3.name).toBe('chosen');
    await expect(lib.duplicate(a.id, 'Chosen')).rejects.toBeInstanceOf(NameTakenError);
    await expect(lib.duplicate('0'.repeat(32))).rejects.toBeInstanceOf(NotebookNotFoundError);
    expect((await lib.list()).length).toBe(4);
  });

  it('finds the latest stored copy of a repo notebook', async () => {
    expect(await lib.copyOf('notebooks/x.nb.ts')).toBeUndefined();
    const first = await lib.create('x', 'one', { origin: 'notebooks/x.nb.ts', originText: 'as in the repo' });
    expect((await lib.get(first.id))!.originText).toBe('as in the repo');
    expect((await lib.list())[0]).not.toHaveProperty('originText');
    expect((await lib.get((await lib.duplicate(first.id)).id))!.originText).toBeUndefined();
    clock = 3_000;
    const second = await lib.create('x', 'two', { origin: 'notebooks/x.nb.ts', uniquify: true });
    expect((await lib.copyOf('notebooks/x.nb.ts'))!.id).toBe(second.id);
    clock = 4_000;
    await lib.saveText(first.id, 'one, edited');
    expect((await lib.copyOf('notebooks/x.nb.ts'))!.text).toBe('one, edited');
  });

  it('keeps what it stored across a reopen of the database', async () => {
    const a = await lib.create('kept', TEXT);
    lib.close();
    lib = await openNotebookLibrary(dbName);
    expect((await lib.get(a.id))!.text).toBe(TEXT);
  });

  it('steps aside for a newer version of the database opened elsewhere, and says so on the next call', async () => {
    await lib.create('kept', TEXT);
    const upgraded = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open(dbName, 2);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
      r.onblocked = () => reject(new Error('blocked by the old connection'));
    });
    expect(upgraded.version).toBe(2);
    upgraded.close();
    await expect(lib.list()).rejects.toBeInstanceOf(LibraryClosedError);
    await expect(lib.saveText('x', 'y')).rejects.toThrow(/upgraded by a newer Voxbook in another tab/);
  });

  it('refuses names that cannot be file names, and derives names from paths', async () => {
    expect(cleanName('  Ünïcode name ')).toBe('Ünïcode name');
    for (const bad of ['', '   ', 'a/b', 'a\\b', 'x:y', 'tab\there', '..', 'x'.repeat(121)]) {
      expect(() => cleanName(bad), bad).toThrow(NotebookNameError);
      await expect(lib.create(bad, TEXT)).rejects.toBeInstanceOf(NotebookNameError);
    }
    expect(nameFromPath('notebooks/ct-to-print.nb.ts')).toBe('ct-to-print');
    expect(nameFromPath('C:\\Users\\me\\study.ipynb')).toBe('study');
    expect(nameFromPath('plain.ts')).toBe('plain');
    expect(nameFromPath('what?.ipynb')).toBe('what-');
    expect(nameFromPath('.ipynb')).toBe('notebook');
  });
});
