import type { CellError, CellStatus, KernelMessage, MimeBundle } from '../protocol.ts';
import { startNodeKernel } from './host.ts';

export interface CellOutcome {
  readonly id: string;
  readonly status: CellStatus;
  readonly outputs: readonly MimeBundle[];
  readonly error?: CellError;
  readonly ms: number;
  readonly cached: boolean;
}

export interface RunOutcome {
  readonly ok: boolean;
  readonly cells: ReadonlyMap<string, CellOutcome>;
  readonly logs: readonly string[];
  readonly ms: number;
  /** Parameter values the run used (defaults with overrides applied). */
  readonly parameters: Readonly<Record<string, unknown>>;
}

/**
 * Runs a percent-format notebook to the end in a fresh kernel worker thread and returns
 * each cell's final state. `onCell` sees every status change (for progress output).
 */
export async function runNotebookInWorker(
  text: string,
  parameters: Readonly<Record<string, unknown>> = {},
  onCell?: (c: CellOutcome) => void,
): Promise<RunOutcome> {
  const kernel = startNodeKernel();
  const cells = new Map<string, CellOutcome>();
  const logs: string[] = [];
  try {
    return await new Promise<RunOutcome>((resolve) => {
      kernel.onMessage((m: KernelMessage) => {
        if (m.type === 'cell') {
          const outputs = m.outputs ?? cells.get(m.id)?.outputs ?? [];
          const c: CellOutcome = { id: m.id, status: m.status, outputs, ...(m.error ? { error: m.error } : {}), ms: m.ms ?? 0, cached: m.cached ?? false };
          cells.set(m.id, c);
          onCell?.(c);
        } else if (m.type === 'log') logs.push(`${m.level}: ${m.text}`);
        else if (m.type === 'run-done') resolve({ ok: m.ok, cells, logs, ms: m.ms, parameters: m.parameters ?? {} });
      });
      kernel.send({ type: 'open', text, parameters });
      kernel.send({ type: 'run' });
    });
  } finally {
    await kernel.terminate();
  }
}
