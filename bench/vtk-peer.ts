/**
 * The VTK C++ peer process (bench/vtk-peer.py through /usr/bin/python3 with Debian's
 * python3-vtk9), driven by JSON lines so a bench can alternate ours and VTK's runs.
 * `startVtkPeer` resolves to `{ absent: reason }` when python3 or VTK is not installed.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Mesh } from '../cells/core/mesh.ts';
import type { Volume } from '../cells/core/volume.ts';

export interface VtkPeer {
  readonly version: string;
  /** Sends one command and waits for its reply line. */
  request<T = Record<string, number>>(command: Record<string, unknown>): Promise<T>;
  close(): void;
}

const PYTHON = '/usr/bin/python3';
const SCRIPT = resolve(import.meta.dirname, 'vtk-peer.py');

/**
 * Writes what the peer loads into `dir`: the field as VTK sees ours (mask applied: value
 * min(v, iso − 0.5) where the mask is 0; padded by one voxel of min(field minimum, iso − 0.5)),
 * int16, and `mesh` for smoothing and decimation. Index-space spacing = the volume's spacing.
 */
export function writePeerInputs(dir: string, field: Volume<Int16Array>, isoValue: number, mask: Volume<Uint8Array>, mesh: Mesh): void {
  const [nx, ny, nz] = field.dims;
  const src = field.data, m = mask.data;
  const outside = Math.floor(isoValue - 0.5);
  let min = outside;
  for (let i = 0; i < src.length; i++) if (src[i]! < min) min = src[i]!;
  const W = nx + 2, H = ny + 2;
  const out = new Int16Array(W * H * (nz + 2)).fill(min);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) {
      const s = nx * (j + ny * k), d = 1 + W * (j + 1 + H * (k + 1));
      for (let i = 0; i < nx; i++) {
        const v = src[s + i]!;
        out[d + i] = m[s + i] === 0 && v > outside ? outside : v;
      }
    }
  writeFileSync(join(dir, 'field.bin'), out);
  writeFileSync(join(dir, 'field.json'), JSON.stringify({ dims: [W, H, nz + 2], spacing: field.spacingMm }));
  writeFileSync(join(dir, 'positions.bin'), mesh.positions);
  writeFileSync(join(dir, 'indices.bin'), mesh.indices);
}

/** Starts the peer and loads `dir` (see `writePeerInputs`). */
export async function startVtkPeer(dir: string): Promise<VtkPeer | { absent: string }> {
  let child: ChildProcessWithoutNullStreams;
  try {
    child = spawn(PYTHON, [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    return { absent: `${PYTHON} did not start (${(e as Error).message})` };
  }
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string | undefined) => void> = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const ended = new Promise<void>((r) => {
    child.on('close', () => r());
    child.on('error', () => r());
  });
  void ended.then(() => { for (const w of waiting.splice(0)) w(undefined); });
  const request = async <T,>(command: Record<string, unknown>): Promise<T> => {
    const reply = new Promise<string | undefined>((r) => waiting.push(r));
    child.stdin.write(JSON.stringify(command) + '\n');
    const line = await reply;
    if (line === undefined) throw new Error(`VTK peer ended: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`);
    const parsed = JSON.parse(line) as T & { error?: string };
    if (parsed.error) throw new Error(`VTK peer: ${parsed.error}`);
    return parsed;
  };
  try {
    const { vtk } = await request<{ vtk: string }>({ op: 'load', dir });
    return { version: vtk, request, close: () => child.stdin.end() };
  } catch (e) {
    child.kill();
    const why = /No module named|ModuleNotFoundError/.test(stderr) ? 'python3-vtk9 not installed' : (e as Error).message;
    return { absent: why };
  }
}
