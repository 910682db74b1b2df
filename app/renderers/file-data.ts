/** The shape check on a `FileData` bundle value, without the download element (so Node code can use it). */
import type { FileData } from '../../kernel/protocol.ts';

/** Checks the shape of a file bundle's value (it crossed a worker boundary untyped). */
export function isFileData(value: unknown): value is FileData {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Partial<FileData>;
  return typeof f.name === 'string' && typeof f.mime === 'string' && f.bytes instanceof Uint8Array;
}
