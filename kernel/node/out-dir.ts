/**
 * The `--out` folder of `voxbook run`: after a run it holds exactly the files that run
 * wrote, beside whatever the user keeps there.
 *
 * Invariants:
 * - a file is written, replaced or removed only if the manifest `DIR/.voxbook-run.json`
 *   lists it and its bytes are still the ones recorded there (size and SHA-256); anything
 *   else in DIR is the user's and is never touched — a run that would overwrite it is
 *   refused before anything is written;
 * - every artefact is written in full (and fsync'ed) into a staging folder beside DIR, on
 *   the same filesystem, before DIR changes at all; a failure while staging leaves DIR as it
 *   was;
 * - DIR changes only by `rename`, one file at a time, each atomic: a reader sees either the
 *   old or the new version of a file, never part of one;
 * - while files move, the manifest is a journal (`complete: false`) naming the staging
 *   folder, where the previous versions wait as hard links (or copies); a failure while
 *   moving puts them back at once, and a crash is rolled back by the next run;
 * - an artefact whose bytes equal the version already in DIR (same SHA-256, and that file
 *   unchanged since) is left where it is, not rewritten: a re-run served from the cache
 *   does not write and fsync a 34 MB STL again.
 * "Unchanged since" is decided as make and rsync do: the size and mtime recorded when the
 * file was moved in; a file whose mtime differs is hashed, and counts as unchanged only if
 * its SHA-256 is still the recorded one.
 *
 * What a crash (power loss, SIGKILL) leaves, by step of `publishRun`:
 * 1. while checking or staging: DIR as the previous run left it; a stale staging folder
 *    `.DIR.voxbook-staging-<pid>-*` beside it, removed by the next run;
 * 2. after the journal is written, while files move: DIR holds a mix of whole files from the
 *    two runs and the journal; the next run (or `recoverOutDir`) moves the previous versions
 *    back, removes the new ones and restores the previous manifest, before doing anything else;
 * 3. after the final manifest is written: the new set, complete; the staging folder is left
 *    over until the next run removes it.
 * A run never sees another's half-published DIR: publishing holds a lock file
 * `.DIR.voxbook-lock` beside DIR (taken over when the process that held it is gone).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, lstat, mkdir, mkdtemp, open, readdir, readFile, realpath, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Name of the manifest in the output folder. */
export const MANIFEST = '.voxbook-run.json';

const FORMAT = 'voxbook-run/1';

/** A file a run exports. `cell` names the cell that made it, for messages. */
export interface Artefact {
  readonly name: string;
  readonly bytes: Uint8Array | string;
  readonly cell?: string;
}

/** What the manifest says about the run besides its files. */
export interface RunRecord {
  readonly notebook: string;
  readonly notebookSha256: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly ranAt: string;
}

export interface ManifestFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  /** The file's mtime once in DIR (absent in manifests of older versions: the file is then hashed). */
  readonly mtimeMs?: number;
}

/** The manifest: complete, or (while files move) a journal that can roll the move back. */
export interface Manifest extends RunRecord {
  readonly format: typeof FORMAT;
  readonly complete: boolean;
  readonly files: readonly ManifestFile[];
  /** Journal only: the manifest before this publish (null: there was none). */
  readonly previous?: Manifest | null;
  /** Journal only: the staging folder, holding `previous/<name>` for each file replaced or removed. */
  readonly staging?: string;
  /** Journal only: DIR did not exist before this publish. */
  readonly createdDir?: boolean;
}

/** The output folder cannot take this run's files: the message says which file and what to do. */
export class OutDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutDirError';
  }
}

/** What `publishRun` did. */
export interface PublishResult {
  /** Every file of this run, in DIR now (including those in `unchanged`). */
  readonly written: readonly string[];
  /** Files whose bytes equalled the earlier run's: left in place, not rewritten. */
  readonly unchanged: readonly string[];
  /** Files an earlier run wrote that this run did not, now removed. */
  readonly removed: readonly string[];
  /** An interrupted earlier publish that was rolled back first. */
  readonly recovered: boolean;
}

/** Steps of `publishRun`, reported to `hooks.step` (tests use it to fail or crash at each point). */
export type PublishStep = 'staged' | 'journal' | `moved:${string}` | `removed:${string}` | 'committed';

export interface PublishHooks {
  /** Called after each step; a throw is handled like a failure of that step. */
  step?(step: PublishStep): void | Promise<void>;
}

/** Artefact names: one path segment of letters, digits, `.`, `_`, `-`, not hidden (so never the manifest). */
const NAME = /^[\w-][\w.-]*$/;

/**
 * Checks the output folder before a run, so a long run does not end in a refusal that was
 * known at the start: DIR is a folder or absent, and its manifest (if any) can be read.
 * An interrupted earlier publish is rolled back here.
 * @throws OutDirError
 */
export async function checkOutDir(dir: string): Promise<void> {
  const abs = await outPath(dir);
  await assertFolderOrAbsent(abs);
  if (!(await lstatOrNull(abs))) return; // nothing to check, and nothing is created before the run
  await withLock(abs, async () => {
    await recoverOutDir(abs);
    await readManifest(abs);
  });
}

/**
 * Writes `artefacts` into `dir` as the new run set: all of them or none. Files listed in the
 * previous manifest that this run does not write are removed; files not listed are never
 * touched, and one in the way of an artefact refuses the whole run before anything is written.
 * @throws OutDirError for a name that is not allowed, a name given twice, a file of the
 * user's in the way, a file changed since the run that wrote it, an unreadable manifest, or
 * another run publishing into `dir`; any filesystem error while staging or moving, after
 * DIR has been put back as it was.
 */
export async function publishRun(dir: string, artefacts: readonly Artefact[], record: RunRecord, hooks: PublishHooks = {}): Promise<PublishResult> {
  const abs = await outPath(dir);
  checkNames(artefacts);
  await assertFolderOrAbsent(abs);
  return withLock(abs, async () => {
    const recovered = await recoverOutDir(abs);
    const previous = await readManifest(abs);
    const prevFiles = new Map((previous?.files ?? []).map((f) => [f.name, f]));
    const newNames = new Set(artefacts.map((a) => a.name));

    // 1. Check: every file this publish replaces or removes is ours and unchanged.
    const replaced = new Set<string>();
    /** Artefacts equal to the file already in DIR: kept as they are (their manifest entry too). */
    const kept = new Map<string, ManifestFile>();
    const hashes = new Map(artefacts.map((a) => [a.name, sha256Of(a.bytes)]));
    for (const a of artefacts) {
      const st = await lstatOrNull(join(abs, a.name));
      if (!st) continue;
      const mine = prevFiles.get(a.name);
      if (!mine) {
        throw new OutDirError(`${join(abs, a.name)} is in the way: ${a.cell ? `cell "${a.cell}" exports` : 'this run writes'} "${a.name}", and that file is not from an earlier voxbook run (it is not listed in ${MANIFEST}). voxbook never overwrites your files: move it away, or choose another --out. Nothing was written.`);
      }
      await assertUnchanged(abs, mine);
      if (mine.sha256 === hashes.get(a.name)!.sha256) kept.set(a.name, mine);
      else replaced.add(a.name);
    }
    const removals: string[] = [];
    for (const f of prevFiles.values()) {
      if (newNames.has(f.name) || !(await lstatOrNull(join(abs, f.name)))) continue;
      await assertUnchanged(abs, f);
      removals.push(f.name);
    }

    // 2. Stage every artefact in full beside DIR; DIR is untouched until all are on disk.
    const parent = dirname(abs);
    await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(join(parent, `${stagingPrefix(abs)}${process.pid}-`));
    const files: ManifestFile[] = [];
    try {
      const target = await lstatOrNull(abs);
      if (target && target.dev !== (await stat(staging)).dev) {
        throw new OutDirError(`${abs} is on another filesystem than the folder it is in (a mount point?), so this run's files cannot be moved into it atomically; choose a folder inside it, e.g. --out ${join(abs, 'run')}`);
      }
      await mkdir(join(staging, 'previous'));
      for (const a of artefacts) {
        if (kept.has(a.name)) continue;
        const { bytes, sha256 } = hashes.get(a.name)!;
        await writeDurably(join(staging, a.name), bytes);
        files.push({ name: a.name, size: bytes.byteLength, sha256 });
      }
      await hooks.step?.('staged');
    } catch (e) {
      await rm(staging, { recursive: true, force: true });
      throw e;
    }

    // 3. Journal, then move: each rename is atomic; previous versions are kept in staging.
    const createdDir = !(await lstatOrNull(abs));
    const journal: Manifest = { format: FORMAT, ...record, files, complete: false, previous, staging, createdDir };
    const movedIn: ManifestFile[] = [];
    try {
      await mkdir(abs, { recursive: true });
      await writeManifest(abs, journal);
      await hooks.step?.('journal');
      for (const f of files) {
        if (replaced.has(f.name)) await keepPrevious(join(abs, f.name), join(staging, 'previous', f.name));
        await rename(join(staging, f.name), join(abs, f.name));
        // The mtime once in place lets the next run trust the file without hashing it.
        movedIn.push({ ...f, mtimeMs: (await stat(join(abs, f.name))).mtimeMs });
        await hooks.step?.(`moved:${f.name}`);
      }
      for (const name of removals) {
        await rename(join(abs, name), join(staging, 'previous', name));
        await hooks.step?.(`removed:${name}`);
      }
      await syncDir(abs);
    } catch (e) {
      await rollBack(abs, journal);
      throw e;
    }

    // 4. Commit: the manifest now lists this run's files only, in the artefacts' order.
    const byName = new Map([...movedIn, ...kept.values()].map((f) => [f.name, f]));
    const base = { format: FORMAT, ...record, files: artefacts.map((a) => byName.get(a.name)!) } as const;
    try {
      await writeManifest(abs, { ...base, complete: true });
    } catch (e) {
      await rollBack(abs, journal);
      throw e;
    }
    await hooks.step?.('committed');
    await rm(staging, { recursive: true, force: true });
    return { written: artefacts.map((a) => a.name), unchanged: [...kept.keys()], removed: removals, recovered };
  });
}

/**
 * Rolls back a publish that was interrupted (the manifest is still a journal): previous
 * versions go back, this publish's new files are removed, the previous manifest returns.
 * Also removes staging folders of runs that are no longer alive. Returns whether there was
 * anything to roll back. Call with the lock held.
 */
export async function recoverOutDir(dir: string): Promise<boolean> {
  const abs = resolve(dir);
  const manifest = await readManifest(abs, true);
  let recovered = false;
  if (manifest && !manifest.complete) {
    await rollBack(abs, manifest);
    recovered = true;
  }
  await removeStaleStaging(abs);
  return recovered;
}

/** Undoes the moves recorded in `journal`, as far as they got. */
async function rollBack(dir: string, journal: Manifest): Promise<void> {
  const staging = journal.staging ?? '';
  const saved = (name: string) => join(staging, 'previous', name);
  const previous = journal.previous ?? null;
  if (!staging || !(await lstatOrNull(staging))) {
    // The previous versions are gone with the staging folder: keep what is in DIR, and list
    // every file of either run still there with the bytes recorded, so the next run can
    // replace or remove them.
    const all = [...(previous?.files ?? []), ...journal.files];
    const present: ManifestFile[] = [];
    for (const f of all) {
      if (present.some((p) => p.name === f.name)) continue;
      if (await matches(dir, f)) present.push(f);
    }
    const { previous: _p, staging: _s, createdDir: _c, ...record } = previous ?? journal;
    await writeManifest(dir, { ...record, format: FORMAT, complete: true, files: present });
    return;
  }
  const prevNames = new Set((previous?.files ?? []).map((f) => f.name));
  for (const f of journal.files) {
    if (await lstatOrNull(saved(f.name))) await rename(saved(f.name), join(dir, f.name));
    else if (!prevNames.has(f.name) && (await matches(dir, f))) await unlink(join(dir, f.name));
  }
  for (const name of prevNames) {
    if (await lstatOrNull(saved(name))) await rename(saved(name), join(dir, name));
  }
  if (previous) await writeManifest(dir, { ...previous, complete: true });
  else await rm(join(dir, MANIFEST), { force: true });
  await syncDir(dir);
  await rm(staging, { recursive: true, force: true });
  if (journal.createdDir) await rmdir(dir).catch(() => undefined); // only if empty
}

/**
 * The absolute path of the output folder, through a symbolic link if `dir` is one, so the
 * staging folder is made beside the real folder, on its filesystem.
 */
async function outPath(dir: string): Promise<string> {
  const abs = resolve(dir);
  try {
    return await realpath(abs);
  } catch {
    return abs; // does not exist yet
  }
}

function checkNames(artefacts: readonly Artefact[]): void {
  const seen = new Map<string, string | undefined>();
  for (const a of artefacts) {
    const who = a.cell ? `cell "${a.cell}" exports` : 'this run writes';
    if (!NAME.test(a.name)) throw new OutDirError(`${who} "${a.name}": file names may hold letters, digits, . _ - only, and may not start with "."; rename the file. Nothing was written.`);
    if (seen.has(a.name)) {
      const first = seen.get(a.name);
      throw new OutDirError(`${who} "${a.name}", which ${first ? `cell "${first}"` : 'this run'} also exports; give each file its own name. Nothing was written.`);
    }
    seen.set(a.name, a.cell);
  }
}

async function assertFolderOrAbsent(dir: string): Promise<void> {
  if (dirname(dir) === dir) throw new OutDirError(`--out cannot be the root folder ${dir}; choose a folder for this run's files`);
  const st = await lstatOrNull(dir);
  if (st && !st.isDirectory()) throw new OutDirError(`--out ${dir} is a file, not a folder; choose a folder`);
}

/** Refuses to replace or remove `f` unless it is still exactly what the manifest recorded. */
async function assertUnchanged(dir: string, f: ManifestFile): Promise<void> {
  if (await matches(dir, f)) return;
  throw new OutDirError(`${join(dir, f.name)} was changed since the voxbook run that wrote it (its size or SHA-256 differs from ${MANIFEST}), so it may be yours now; voxbook will not overwrite or remove it. Move it away (or delete it) and run again. Nothing was written.`);
}

/** Whether DIR/name is a regular file with the size and SHA-256 recorded (its recorded mtime stands in for the hash). */
async function matches(dir: string, f: ManifestFile): Promise<boolean> {
  const path = join(dir, f.name);
  const st = await lstatOrNull(path);
  if (!st?.isFile() || st.size !== f.size) return false;
  if (f.mtimeMs !== undefined && st.mtimeMs === f.mtimeMs) return true;
  return (await sha256File(path)) === f.sha256;
}

function sha256Of(data: Uint8Array | string): { bytes: Uint8Array; sha256: string } {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The manifest of `dir`, or null when there is none. A journal is returned only when `journal` is set. */
async function readManifest(dir: string, journal = false): Promise<Manifest | null> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let m: Manifest;
  try {
    m = JSON.parse(text) as Manifest;
  } catch {
    m = {} as Manifest;
  }
  const valid = m.format === FORMAT && Array.isArray(m.files) && m.files.every((f) => typeof f?.name === 'string' && NAME.test(f.name) && typeof f.size === 'number' && typeof f.sha256 === 'string' && (f.mtimeMs === undefined || typeof f.mtimeMs === 'number'));
  if (!valid) throw new OutDirError(`${path} is not a voxbook run manifest that this version can read, so voxbook cannot tell which files in ${dir} it wrote. Choose another --out, or remove the files of the earlier run and that manifest.`);
  if (!m.complete && !journal) throw new OutDirError(`${path} records an interrupted publish; run again to roll it back`);
  return m;
}

async function writeManifest(dir: string, m: Manifest): Promise<void> {
  const path = join(dir, MANIFEST);
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeDurably(tmp, Buffer.from(JSON.stringify(m, null, 1) + '\n', 'utf8'));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await syncDir(dir);
}

/** Writes and fsyncs a new file, so a rename that follows never exposes an empty one after a crash. */
async function writeDurably(path: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(path, 'wx');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Keeps the current version of `path` at `keep` without a moment when `path` is missing: a hard link, or a copy where links are not supported. */
async function keepPrevious(path: string, keep: string): Promise<void> {
  try {
    await link(path, keep);
  } catch {
    await copyFile(path, keep);
  }
}

/** Makes renames in `dir` durable. Not every platform can open a folder for fsync; there it is skipped. */
async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // Windows and some network filesystems: renames are as durable as the platform makes them.
  }
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    throw e;
  }
}

function stagingPrefix(dir: string): string {
  return `.${basename(dir)}.voxbook-staging-`;
}

/** Removes staging folders beside `dir` left by runs whose process is gone (a crash). */
async function removeStaleStaging(dir: string): Promise<void> {
  const prefix = stagingPrefix(dir);
  let names: string[];
  try {
    names = await readdir(dirname(dir));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) await rm(join(dirname(dir), name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Runs `task` holding the lock file beside `dir`; a lock whose process is gone is taken over. */
async function withLock<T>(dir: string, task: () => Promise<T>): Promise<T> {
  const lock = join(dirname(dir), `.${basename(dir)}.voxbook-lock`);
  await mkdir(dirname(dir), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new OutDirError(`another voxbook run (process ${holder}) is writing to ${dir}; wait for it to finish, or choose another --out (if no voxbook is running, delete ${lock})`);
      }
      await rm(lock, { force: true });
    }
  }
  try {
    return await task();
  } finally {
    await rm(lock, { force: true });
  }
}
