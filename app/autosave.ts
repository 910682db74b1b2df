/**
 * Autosave: writes a document some time after it changes, and never later than a deadline
 * after the first change not yet written — so an edit is stored within `maxWaitMs` plus one
 * write however fast the user keeps typing.
 *
 * Invariants:
 * - At most one write is in flight; changes during a write are written after it.
 * - A snapshot equal to the last one written is not written again.
 * - `unsaved` is true from the first change after a write until a write of a snapshot that
 *   includes it has resolved (or when a write failed): the only case to warn before leaving.
 */

export interface AutosaveOptions {
  /** The document now (e.g. the notebook text with editor drafts). */
  readonly snapshot: () => string;
  /** Stores one snapshot; resolves once it is durable. */
  readonly write: (text: string) => Promise<void>;
  /** Wait this long after the latest change (ms, default 300)… */
  readonly quietMs?: number;
  /** …but no longer than this after the first unwritten change (ms, default 700). */
  readonly maxWaitMs?: number;
  /** Told of each failed write (the next change or `flush` tries again). */
  readonly onError?: (error: unknown) => void;
  /** Told whenever `unsaved` or `writing` may have changed. */
  readonly onStatus?: () => void;
}

export class Autosaver {
  readonly #o: Required<Omit<AutosaveOptions, 'onError' | 'onStatus'>> & Pick<AutosaveOptions, 'onError' | 'onStatus'>;
  /** The last snapshot written (or the document as opened). */
  #written: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Fires `maxWaitMs` after the first change not yet written (the deadline), whatever follows. */
  #deadline: ReturnType<typeof setTimeout> | undefined;
  #inFlight: Promise<void> | undefined;
  #dirty = false;
  #failed = false;
  #stopped = false;

  /** `baseline`: the document as it is stored already (nothing to write until it changes). */
  constructor(baseline: string, options: AutosaveOptions) {
    this.#o = { quietMs: 300, maxWaitMs: 700, ...options };
    this.#written = baseline;
  }

  /**
   * Whether some change is not stored yet (waiting, being written, or its write failed).
   * After `stop`, only a write still in flight or a failed one counts.
   */
  get unsaved(): boolean {
    return this.#dirty || this.#inFlight !== undefined || this.#failed || (!this.#stopped && this.#o.snapshot() !== this.#written);
  }

  /** Whether the last write failed (until one succeeds). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Whether a write is in progress. */
  get writing(): boolean {
    return this.#inFlight !== undefined;
  }

  /** Something changed: schedule a write. */
  changed(): void {
    if (this.#stopped) return;
    this.#dirty = true;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.#o.quietMs);
    this.#deadline ??= setTimeout(() => void this.flush(), this.#o.maxWaitMs);
    this.#o.onStatus?.();
  }

  /** Writes now if the document differs from what was written; resolves when stored (or failed). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
    this.#timer = this.#deadline = undefined;
    if (this.#stopped) return;
    // One write at a time: wait for the current one, then write what is there by then.
    while (this.#inFlight) await this.#inFlight;
    this.#dirty = false;
    const text = this.#o.snapshot();
    if (text === this.#written && !this.#failed) {
      this.#o.onStatus?.();
      return;
    }
    this.#inFlight = this.#o.write(text).then(
      () => {
        this.#written = text;
        this.#failed = false;
      },
      (error: unknown) => {
        this.#failed = true;
        this.#o.onError?.(error);
      },
    );
    this.#o.onStatus?.();
    try {
      await this.#inFlight;
    } finally {
      this.#inFlight = undefined;
      this.#o.onStatus?.();
    }
  }

  /** Stops scheduling (the document was closed); a write in flight still finishes. */
  stop(): void {
    clearTimeout(this.#timer);
    clearTimeout(this.#deadline);
    this.#timer = this.#deadline = undefined;
    this.#stopped = true;
    this.#dirty = false;
  }
}
