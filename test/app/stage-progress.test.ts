import { describe, expect, it } from 'vitest';
import { applyKernelMessage, stateFromText, type NotebookState } from '../../app/notebook-state.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

const TEXT = '// %% id="a"\nconst a = 1;\n';

function apply(state: NotebookState, ...messages: KernelMessage[]): NotebookState {
  return messages.reduce(applyKernelMessage, state);
}

describe('stage progress in the app state', () => {
  it('shows the running cell\'s latest stage, and drops it when the cell finishes', () => {
    const running = apply(stateFromText(TEXT), { type: 'cell', id: 'a', status: 'running', outputs: [] });
    const s1 = apply(running, { type: 'progress', id: 'a', label: 'islands', fraction: 0.25 }, { type: 'progress', id: 'a', label: 'surface', fraction: 0.5 });
    expect(s1.cells[0]!.progress).toEqual({ label: 'surface', fraction: 0.5 });
    const done = apply(s1, { type: 'cell', id: 'a', status: 'done', ms: 10 });
    expect(done.cells[0]!.progress).toBeUndefined();
  });

  it('ignores progress of a cell that is not running, or unknown', () => {
    const idle = stateFromText(TEXT);
    expect(apply(idle, { type: 'progress', id: 'a', label: 'x', fraction: 0.5 })).toBe(idle);
    expect(apply(idle, { type: 'progress', id: 'zz', label: 'x', fraction: 0.5 })).toBe(idle);
  });
});
