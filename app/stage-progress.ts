/**
 * The app's side of stage progress (kernel/progress.ts): the running cell's current stage,
 * kept in its `CellState.progress` until the kernel reports the cell finished.
 */
import type { KernelMessage } from '../kernel/protocol.ts';
import type { NotebookState } from './notebook-state.ts';

type ProgressMessage = Extract<KernelMessage, { type: 'progress' }>;

/**
 * Records a `progress` message on its cell, if that cell is running; a late message about a
 * cell that has finished (or an unknown one) changes nothing.
 */
export function withStageProgress(state: NotebookState, message: ProgressMessage): NotebookState {
  const cell = state.cells.find((c) => c.id === message.id);
  if (!cell || cell.status !== 'running') return state;
  const progress = { label: message.label, fraction: message.fraction };
  return { ...state, cells: state.cells.map((c) => (c === cell ? { ...c, progress } : c)) };
}
