/**
 * The notebook library: the user's notebooks, stored in this browser's IndexedDB (through
 * `idb`), each as its percent-format text. No DOM here, so it runs in Node on
 * `fake-indexeddb` in the unit tests.
 *
 * Invariants:
 * - Every change is one readwrite transaction: a notebook is written whole or not at all,
 *   and two tabs (or two calls) never interleave inside one operation.
 * - Names are unique, compared after trimming, NFC normalisation and lower-casing (they
 *   become file names on download, and some file systems ignore case). The database holds
 *   this as a unique index, so even two tabs cannot store the same name twice.
 * - A text is never overwritten unknowingly: `saveText` with the revision the writer last
 *   saw refuses (NotebookConflictError) if another tab wrote in between.
 * - A stored copy of a repo notebook keeps that notebook's path in `origin` (renaming keeps
 *   it; a duplicate does not): `copyOf(path)` finds it, so `?nb=notebooks/x.nb.ts` opens
 *   the user's copy rather than the pristine file once there is one.
 *
 * Database `voxbook-library` (version 1), store `notebooks` keyed by `id`, indexes
 * `nameKey` (unique) and `origin`. The kernel's result cache lives in a database of its own.
 */
import { openDB, type DBSchema, type IDBPDatabase, type IDBPTransaction } from 'idb';

export const LIBRARY_DB = 'voxbook-library';
const VERSION = 1;

/** One stored notebook. Times are ms since the Unix epoch. */
export interface StoredNotebook {
  /** Random, 32 hex digits; stable for the notebook's life (renames keep it). */
  readonly id: string;
  /** What the user calls it: shown in the menu and used, plus `.nb.ts`/`.ipynb`, on download. */
  readonly name: string;
  /** The notebook in the percent format (`*.nb.ts`), editor drafts included. */
  readonly text: string;
  /** For a copy of a repo notebook, its path (`notebooks/ct-to-print.nb.ts`). */
  readonly origin?: string;
  /** For a copy of a repo notebook, the repository's text it was copied from (to tell when that changed). */
  readonly originText?: string;
  /** 1 when created, one more with each change of the text (not of the name). */
  readonly revision: number;
  readonly created: number;
  readonly modified: number;
}

/** A stored notebook without its text: what the menu lists. */
export type NotebookSummary = Omit<StoredNotebook, 'text' | 'originText'>;

interface StoredRecord extends StoredNotebook {
  /** `nameKey(name)`, the unique index. */
  readonly nameKey: string;
}

interface LibrarySchema extends DBSchema {
  notebooks: {
    key: string;
    value: StoredRecord;
    indexes: { nameKey: string; origin: string };
  };
}

type WriteTx = IDBPTransaction<LibrarySchema, ['notebooks'], 'readwrite'>;

/** A name another notebook already has (case and surrounding spaces ignored). */
export class NameTakenError extends Error {
  readonly notebookName: string;
  constructor(name: string) {
    super(`a notebook named "${name}" already exists; choose another name`);
    this.name = 'NameTakenError';
    this.notebookName = name;
  }
}

/** The notebook's text changed since the writer last read or wrote it (another tab wrote it). */
export class NotebookConflictError extends Error {
  readonly id: string;
  constructor(id: string, name: string, expected: number, found: number) {
    super(`"${name}" was changed elsewhere (another tab?) since this copy was opened (revision ${found}, expected ${expected}); save these edits under another name`);
    this.name = 'NotebookConflictError';
    this.id = id;
  }
}

/** This page's connection was closed so that a newer Voxbook (in another tab) could upgrade the library. */
export class LibraryClosedError extends Error {
  constructor() {
    super('the notebook library was upgraded by a newer Voxbook in another tab: download this notebook to keep your latest edits, then reload the page');
    this.name = 'LibraryClosedError';
  }
}

/** A name that cannot be a notebook's (empty, too long, or with characters file names forbid). */
export class NotebookNameError extends Error {
  constructor(name: string, reason: string) {
    super(`"${name}" is not a usable notebook name: ${reason}`);
    this.name = 'NotebookNameError';
  }
}

/** An id that is not (or no longer) in the library: deleted, maybe in another tab. */
export class NotebookNotFoundError extends Error {
  readonly id: string;
  constructor(id: string) {
    super(`notebook ${id} is not in this browser's library (deleted, perhaps in another tab)`);
    this.name = 'NotebookNotFoundError';
    this.id = id;
  }
}

const MAX_NAME = 120;
// Control characters, and what Windows and POSIX file names forbid.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f/\\:*?"<>|]/;

/**
 * The name as stored: trimmed and NFC-normalised.
 * @throws NotebookNameError if it is empty, longer than 120 characters, or holds a control
 *   character or one of / \ : * ? " < > |.
 */
export function cleanName(name: string): string {
  const clean = name.normalize('NFC').trim();
  if (clean === '') throw new NotebookNameError(name, 'it is empty');
  if (clean.length > MAX_NAME) throw new NotebookNameError(name, `it is longer than ${MAX_NAME} characters`);
  const bad = FORBIDDEN.exec(clean);
  if (bad) throw new NotebookNameError(name, `it contains ${JSON.stringify(bad[0])}, which file names cannot hold`);
  if (clean === '.' || clean === '..') throw new NotebookNameError(name, 'it is a directory name');
  return clean;
}

/** The key names are compared by: `cleanName`, lower-cased. */
export function nameKey(name: string): string {
  return cleanName(name).toLowerCase();
}

/**
 * A notebook name from a file name or repo path: the last path part without `.nb.ts`,
 * `.ts` or `.ipynb` (`notebooks/ct-to-print.nb.ts` → `ct-to-print`), with characters a name
 * cannot hold replaced by `-`; `notebook` if nothing is left.
 */
export function nameFromPath(path: string): string {
  const base = path.split(/[/\\]/).pop() ?? '';
  const stem = base.replace(/(\.nb)?\.ts$|\.ipynb$/i, '');
  // eslint-disable-next-line no-control-regex
  const safe = stem.replace(/[\u0000-\u001f\u007f:*?"<>|]/g, '-').trim().slice(0, MAX_NAME).trim();
  return safe === '' || safe === '.' || safe === '..' ? 'notebook' : safe;
}

/** 128 random bits as 32 hex digits (`crypto.randomUUID` needs a secure context; this does not). */
function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function summary(r: StoredRecord): NotebookSummary {
  return { id: r.id, name: r.name, revision: r.revision, created: r.created, modified: r.modified, ...(r.origin !== undefined ? { origin: r.origin } : {}) };
}

function notebook(r: StoredRecord): StoredNotebook {
  const { nameKey: _k, ...rest } = r;
  return rest;
}

/** IndexedDB's answer to a unique-index clash (the transaction is then aborted). */
function isConstraintError(e: unknown): boolean {
  return e instanceof DOMException ? e.name === 'ConstraintError' : (e as { name?: unknown } | null)?.name === 'ConstraintError';
}

export interface CreateOptions {
  /** The repo path this is a copy of (see `copyOf`). */
  readonly origin?: string;
  /** With `origin`: the repository's text it was copied from. */
  readonly originText?: string;
  /**
   * If the name is taken, take the first free `name 2`, `name 3`, … instead of throwing
   * (inside the same transaction, so two tabs cannot pick the same one). Default false.
   */
  readonly uniquify?: boolean;
}

/** The library in one IndexedDB database. Open it with `openNotebookLibrary`. */
export class NotebookLibrary {
  readonly #conn: IDBPDatabase<LibrarySchema>;
  /** Injected clock (ms), for tests. */
  readonly #now: () => number;
  #superseded = false;

  constructor(db: IDBPDatabase<LibrarySchema>, now: () => number = Date.now) {
    this.#conn = db;
    this.#now = now;
  }

  /** Closes the connection because a newer version of the database waits for it; every later call throws LibraryClosedError. */
  supersede(): void {
    this.#superseded = true;
    this.#conn.close();
  }

  get #db(): IDBPDatabase<LibrarySchema> {
    if (this.#superseded) throw new LibraryClosedError();
    return this.#conn;
  }

  /** Every stored notebook's summary, most recently modified first (ties: by name). */
  async list(): Promise<NotebookSummary[]> {
    const all = await this.#db.getAll('notebooks');
    return all.map(summary).sort((a, b) => b.modified - a.modified || a.name.localeCompare(b.name));
  }

  /** The notebook with `id`, or undefined. */
  async get(id: string): Promise<StoredNotebook | undefined> {
    const r = await this.#db.get('notebooks', id);
    return r ? notebook(r) : undefined;
  }

  /** The most recently modified stored copy of the repo notebook at `path`, or undefined. */
  async copyOf(path: string): Promise<StoredNotebook | undefined> {
    const copies = await this.#db.getAllFromIndex('notebooks', 'origin', path);
    const latest = copies.sort((a, b) => b.modified - a.modified)[0];
    return latest ? notebook(latest) : undefined;
  }

  /**
   * Stores a new notebook.
   * @throws NotebookNameError for an unusable name; NameTakenError if the name is taken
   *   (unless `uniquify`).
   */
  async create(name: string, text: string, options: CreateOptions = {}): Promise<StoredNotebook> {
    const clean = cleanName(name);
    return this.#write(async (tx) => {
      const finalName = options.uniquify ? await freeName(tx, clean) : clean;
      const now = this.#now();
      const record: StoredRecord = {
        id: newId(),
        name: finalName,
        nameKey: nameKey(finalName),
        text,
        ...(options.origin !== undefined ? { origin: options.origin } : {}),
        ...(options.origin !== undefined && options.originText !== undefined ? { originText: options.originText } : {}),
        revision: 1,
        created: now,
        modified: now,
      };
      await tx.store.add(record);
      return notebook(record);
    }, clean);
  }

  /**
   * Replaces the text of notebook `id` (an autosave), counts a revision and stamps it
   * modified; a text equal to the stored one changes nothing. With `expectedRevision` (the
   * revision this writer last read or wrote) the write happens only if it is still current.
   * @throws NotebookNotFoundError if it is not stored (deleted meanwhile);
   *   NotebookConflictError if another writer changed the text since `expectedRevision`.
   */
  async saveText(id: string, text: string, expectedRevision?: number): Promise<StoredNotebook> {
    return this.#write(async (tx) => {
      const r = await tx.store.get(id);
      if (!r) throw new NotebookNotFoundError(id);
      if (r.text === text) return notebook(r);
      if (expectedRevision !== undefined && r.revision !== expectedRevision) throw new NotebookConflictError(id, r.name, expectedRevision, r.revision);
      const next: StoredRecord = { ...r, text, revision: r.revision + 1, modified: Math.max(this.#now(), r.modified) };
      await tx.store.put(next);
      return notebook(next);
    });
  }

  /**
   * Renames notebook `id` (its origin stays).
   * @throws NotebookNameError, NameTakenError (another notebook has it), NotebookNotFoundError.
   */
  async rename(id: string, name: string): Promise<StoredNotebook> {
    const clean = cleanName(name);
    return this.#write(async (tx) => {
      const r = await tx.store.get(id);
      if (!r) throw new NotebookNotFoundError(id);
      const next: StoredRecord = { ...r, name: clean, nameKey: nameKey(clean), modified: Math.max(this.#now(), r.modified) };
      await tx.store.put(next);
      return notebook(next);
    }, clean);
  }

  /**
   * A new notebook with `id`'s text, named `name` or, by default, the first free of
   * `<name> copy`, `<name> copy 2`, … It is nobody's copy of a repo notebook (no origin).
   * @throws NotebookNotFoundError; with an explicit `name`, NotebookNameError or NameTakenError.
   */
  async duplicate(id: string, name?: string): Promise<StoredNotebook> {
    const explicit = name === undefined ? undefined : cleanName(name);
    return this.#write(async (tx) => {
      const r = await tx.store.get(id);
      if (!r) throw new NotebookNotFoundError(id);
      const base = `${r.name} copy`.slice(0, MAX_NAME - 4).trim();
      const finalName = explicit ?? (await freeName(tx, base));
      const now = this.#now();
      const record: StoredRecord = { id: newId(), name: finalName, nameKey: nameKey(finalName), text: r.text, revision: 1, created: now, modified: now };
      await tx.store.add(record);
      return notebook(record);
    }, explicit);
  }

  /** Deletes notebook `id`; deleting one that is not there is not an error. */
  async delete(id: string): Promise<void> {
    await this.#write((tx) => tx.store.delete(id));
  }

  close(): void {
    this.#conn.close();
  }

  /**
   * Runs `body` in one readwrite transaction (strict durability: an autosave that resolved
   * is on disk) and resolves once it has committed. A unique-name clash becomes NameTakenError.
   */
  async #write<T>(body: (tx: WriteTx) => Promise<T>, name?: string): Promise<T> {
    const tx = this.#db.transaction('notebooks', 'readwrite', { durability: 'strict' });
    try {
      const result = await body(tx);
      await tx.done;
      return result;
    } catch (e) {
      // Abort explicitly when the body threw on its own, so nothing it wrote is kept.
      try {
        tx.abort();
      } catch {
        // already finished or aborted
      }
      await tx.done.catch(() => undefined);
      if (isConstraintError(e)) throw new NameTakenError(name ?? '(unknown)');
      throw e;
    }
  }
}

/** The first of `base`, `base 2`, `base 3`, … that no stored notebook has, read inside `tx`. */
async function freeName(tx: WriteTx, base: string): Promise<string> {
  const index = tx.store.index('nameKey');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base} ${n}`;
    if ((await index.count(nameKey(candidate))) === 0) return candidate;
  }
}

/**
 * Opens (creating or upgrading) the library database `name`. If a newer version of the
 * database is later asked for (a newer Voxbook in another tab), this connection steps aside
 * (`supersede`) rather than block it.
 * @throws the browser's DOMException when IndexedDB is unavailable (some private modes).
 */
export async function openNotebookLibrary(name: string = LIBRARY_DB, now?: () => number): Promise<NotebookLibrary> {
  let library: NotebookLibrary | undefined;
  const db = await openDB<LibrarySchema>(name, VERSION, {
    upgrade(db) {
      const store = db.createObjectStore('notebooks', { keyPath: 'id' });
      store.createIndex('nameKey', 'nameKey', { unique: true });
      store.createIndex('origin', 'origin');
    },
    blocking() {
      library?.supersede();
    },
  });
  library = new NotebookLibrary(db, now);
  return library;
}
