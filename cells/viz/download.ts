import { ParameterError } from '../core/errors.ts';
import { view, type View } from './bundle.ts';

export interface FileArtifact {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

const MIME_BY_EXT: Record<string, string> = {
  stl: 'model/stl', '3mf': 'model/3mf', obj: 'model/obj', ply: 'application/ply',
  json: 'application/json', nii: 'application/octet-stream', gz: 'application/gzip', csv: 'text/csv', txt: 'text/plain',
};

/**
 * A file the notebook exports (`application/vnd.voxbook.file+json`). Headless runs write it
 * into `--out` (atomically); the app shows a download button. Objects are written as
 * pretty JSON, strings as UTF-8.
 * @throws ParameterError if the name has a path separator or characters other than letters, digits, `.`, `_`, `-`.
 */
export function download(name: string, content: Uint8Array | string | object, mime?: string): View<FileArtifact> {
  if (!/^[\w.-]+$/.test(name)) throw new ParameterError(`file name "${name}" may hold letters, digits, . _ - only (no folders)`);
  const bytes = content instanceof Uint8Array ? content
    : new TextEncoder().encode(typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
  const ext = name.split('.').pop()!.toLowerCase();
  const file: FileArtifact = { name, mime: mime ?? MIME_BY_EXT[ext] ?? 'application/octet-stream', bytes };
  return view(file, () => ({
    data: {
      'application/vnd.voxbook.file+json': file,
      'text/plain': `${name} (${bytes.byteLength.toLocaleString('en-US')} bytes)`,
    },
  }));
}
