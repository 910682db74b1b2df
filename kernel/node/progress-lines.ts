/**
 * Stage progress in a terminal, for `voxbook run`: one line per stage of a running cell
 * (`progress(label)` in the cell; kernel/progress.ts), redrawn in place with `\r` while the
 * stage runs and kept when it ends, with its time:
 *
 *     ▸ segment › islands   ██████████░░░░░░░░░░  52%
 *     ▸ segment › islands   ████████████████████ 100%  1.3 s
 *
 * Only on a terminal: when stdout is piped (a log file, CI, a test) nothing is written, so
 * piped output is exactly what it was without progress. `VOXBOOK_PROGRESS=1` forces the
 * lines on (a terminal that Node does not see as one), `VOXBOOK_PROGRESS=0` off.
 */

/** The part of a stream the lines need (process.stdout has it). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Whether to draw stage lines on `stream`: a terminal and not `--quiet`, unless `VOXBOOK_PROGRESS` says otherwise. */
export function showsStageLines(stream: ProgressStream, quiet: boolean, env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  if (quiet) return false;
  const forced = env['VOXBOOK_PROGRESS'];
  if (forced === '1') return true;
  if (forced === '0') return false;
  return stream.isTTY === true;
}

const BAR_WIDTH = 20;

/** One stage's line: `▸ cell › label  bar  pct` (and the time once finished), at most `columns` wide. */
export function stageLine(cell: string, label: string, fraction: number, columns: number, seconds?: number): string {
  // Rounded down: a stage at 99.6% is not shown as done (100% and a full bar mean finished).
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.floor(f * BAR_WIDTH);
  const bar = '█'.repeat(full) + '░'.repeat(BAR_WIDTH - full);
  const pct = `${Math.floor(f * 100)}%`.padStart(4);
  const time = seconds === undefined ? '' : `  ${seconds.toFixed(1)} s`;
  const line = `  ▸ ${cell} › ${label.padEnd(10)} ${bar} ${pct}${time}`;
  // A line wider than the terminal wraps, and \r would then redraw only its last row.
  return line.length < columns ? line : line.slice(0, Math.max(0, columns - 1));
}

/**
 * The stage lines of a run. `update` draws (or redraws) the line of a cell's stage; a new
 * stage or a finished one (fraction 1) ends the line before it. `end` finishes an open line
 * (call it before printing anything else, so the two do not share a line).
 */
export class StageLines {
  readonly #stream: ProgressStream;
  readonly #now: () => number;
  #open: { cell: string; label: string; since: number; fraction: number } | undefined;

  constructor(stream: ProgressStream, now: () => number = () => performance.now()) {
    this.#stream = stream;
    this.#now = now;
  }

  update(cell: string, label: string, fraction: number): void {
    const open = this.#open;
    if (!open || open.cell !== cell || open.label !== label || fraction < open.fraction) {
      this.end();
      this.#open = { cell, label, since: this.#now(), fraction };
    }
    const stage = this.#open!;
    stage.fraction = fraction;
    if (fraction >= 1) {
      this.#draw(stageLine(cell, label, 1, this.#columns(), (this.#now() - stage.since) / 1000) + '\n');
      this.#open = undefined;
    } else this.#draw(stageLine(cell, label, fraction, this.#columns()));
  }

  /** Ends an open line where it is (a stage that never reported 1 keeps its last value). */
  end(): void {
    if (!this.#open) return;
    this.#open = undefined;
    this.#stream.write('\n');
  }

  #draw(text: string): void {
    // \r back to the line's start, ESC[K clears what a longer earlier drawing left.
    this.#stream.write(`\r\u001b[K${text}`);
  }

  #columns(): number {
    return this.#stream.columns && this.#stream.columns > 20 ? this.#stream.columns : 80;
  }
}
