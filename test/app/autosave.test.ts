/**
 * Autosave timing on fake timers: an edit is written within maxWaitMs however fast edits
 * keep coming; one write at a time; nothing written twice; a failed write is retried and
 * counts as unsaved meanwhile.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Autosaver } from '../../app/autosave.ts';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup(options: { failFirst?: boolean; writeMs?: number } = {}) {
  let doc = 'v0';
  const writes: { text: string; at: number }[] = [];
  let failures = options.failFirst ? 1 : 0;
  const errors: unknown[] = [];
  const saver = new Autosaver('v0', {
    snapshot: () => doc,
    write: (text) =>
      new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          if (failures > 0) {
            failures--;
            reject(new Error('quota'));
            return;
          }
          writes.push({ text, at: Date.now() });
          resolve();
        }, options.writeMs ?? 5),
      ),
    onError: (e) => errors.push(e),
  });
  const edit = (text: string) => {
    doc = text;
    saver.changed();
  };
  return { saver, edit, writes, errors };
}

describe('Autosaver', () => {
  it('writes one edit 300 ms after it and then reports nothing unsaved', async () => {
    const t0 = Date.now();
    const { saver, edit, writes } = setup();
    expect(saver.unsaved).toBe(false);
    edit('v1');
    expect(saver.unsaved).toBe(true);
    await vi.advanceTimersByTimeAsync(299);
    expect(writes).toEqual([]);
    await vi.advanceTimersByTimeAsync(10);
    expect(writes).toEqual([{ text: 'v1', at: t0 + 305 }]);
    expect(saver.unsaved).toBe(false);
  });

  it('writes within 700 ms (+ the write) of the first edit while edits keep coming every 100 ms', async () => {
    const t0 = Date.now();
    const { edit, writes } = setup();
    for (let i = 1; i <= 30; i++) {
      edit(`v${i}`);
      await vi.advanceTimersByTimeAsync(100);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    // Every edit made at time t is in some write finished by t + 705 ms.
    for (let i = 1; i <= 30; i++) {
      const madeAt = t0 + (i - 1) * 100;
      const covering = writes.find((w) => Number(w.text.slice(1)) >= i);
      expect(covering, `edit ${i}`).toBeDefined();
      expect(covering!.at - madeAt, `edit ${i}`).toBeLessThanOrEqual(705);
    }
    expect(writes.at(-1)!.text).toBe('v30');
  });

  it('does not write a document equal to the last one written', async () => {
    const { edit, writes, saver } = setup();
    edit('v1');
    edit('v0');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(writes).toEqual([]);
    edit('v2');
    await vi.advanceTimersByTimeAsync(1_000);
    const again = saver.flush();
    await vi.advanceTimersByTimeAsync(1_000);
    await again;
    expect(writes.map((w) => w.text)).toEqual(['v2']);
  });

  it('keeps one write in flight and writes changes made during it afterwards', async () => {
    const { edit, writes, saver } = setup({ writeMs: 500 });
    edit('v1');
    await vi.advanceTimersByTimeAsync(350); // write of v1 started at 300
    expect(saver.writing).toBe(true);
    edit('v2');
    await vi.advanceTimersByTimeAsync(500); // v1 done at 800; v2's timer fired at 650 and waited for it
    expect(writes.map((w) => w.text)).toEqual(['v1']);
    expect(saver.unsaved).toBe(true);
    await vi.advanceTimersByTimeAsync(600);
    expect(writes.map((w) => w.text)).toEqual(['v1', 'v2']);
    expect(saver.unsaved).toBe(false);
  });

  it('reports a failed write, stays unsaved, and retries on flush', async () => {
    const { edit, writes, errors, saver } = setup({ failFirst: true });
    edit('v1');
    await vi.advanceTimersByTimeAsync(400);
    expect(errors.map((e) => (e as Error).message)).toEqual(['quota']);
    expect(writes).toEqual([]);
    expect(saver.unsaved).toBe(true);
    const done = saver.flush();
    await vi.advanceTimersByTimeAsync(10);
    await done;
    expect(writes.map((w) => w.text)).toEqual(['v1']);
    expect(saver.unsaved).toBe(false);
  });

  it('writes nothing after stop', async () => {
    const { edit, writes, saver } = setup();
    edit('v1');
    saver.stop();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(writes).toEqual([]);
    expect(saver.unsaved).toBe(false);
  });
});
