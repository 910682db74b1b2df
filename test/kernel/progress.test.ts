/**
 * Stage progress (kernel/progress.ts): the throttle on a fake clock, and the `progress`
 * builtin end to end in a kernel — messages while the cell runs, none after it ends.
 */
import { describe, expect, it } from 'vitest';
import { PROGRESS_INTERVAL_MS, progressReporter, type StageProgress } from '../../kernel/progress.ts';
import { Kernel } from '../../kernel/runtime.ts';
import type { KernelMessage } from '../../kernel/protocol.ts';

function fakeClock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('progressReporter', () => {
  it('sends a new stage and its completion at once, and between them at most one update per interval', () => {
    const clock = fakeClock();
    const sent: StageProgress[] = [];
    const r = progressReporter((u) => sent.push(u), { now: clock.now });
    const islands = r.stage('islands');
    // 1000 slices in 1 s of (fake) time: one call per ms.
    for (let i = 0; i < 1000; i++) {
      islands(i / 1000);
      clock.advance(1);
    }
    islands(1);
    expect(sent[0]).toEqual({ label: 'islands', fraction: 0 });
    expect(sent.at(-1)).toEqual({ label: 'islands', fraction: 1 });
    // 1000 ms at one update per 100 ms: 10 updates, plus the completion.
    expect(sent.length).toBe(1000 / PROGRESS_INTERVAL_MS + 1);
    expect(sent.map((u) => u.fraction)).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });

  it('starts each new stage at once, drops repeats and NaN, clamps to 0..1, and is silent once closed', () => {
    const clock = fakeClock();
    const sent: StageProgress[] = [];
    const r = progressReporter((u) => sent.push(u), { now: clock.now });
    const a = r.stage('a');
    const b = r.stage('b');
    a(0.5);
    b(0.1);
    b(Number.NaN);
    clock.advance(PROGRESS_INTERVAL_MS);
    b(0.1);
    b(7);
    b(1);
    a(-3);
    r.close();
    a(0.9);
    expect(sent).toEqual([
      { label: 'a', fraction: 0.5 },
      { label: 'b', fraction: 0.1 },
      { label: 'b', fraction: 1 },
      { label: 'a', fraction: 0 },
    ]);
  });

  it('refuses a stage without a name', () => {
    const r = progressReporter(() => {});
    expect(() => r.stage('')).toThrow(/non-empty string/);
  });
});

describe('the progress builtin', () => {
  it('reports a running cell\'s stages between its running and done messages, throttled', async () => {
    const messages: KernelMessage[] = [];
    const k = new Kernel({ importModule: async () => ({}) }, (m) => messages.push(m));
    await k.open(`// %% id="slow"
const step = progress('work');
const t0 = performance.now();
// A synchronous loop of ~350 ms reporting about every millisecond, as a stage's slices do.
let n = 0;
while (performance.now() - t0 < 350) { step((performance.now() - t0) / 350); n++; }
step(1);
const late = progress('late');
setTimeout(() => late(0.5), 30);
`);
    expect(await k.run()).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    const kinds = messages.filter((m) => m.type === 'cell' || m.type === 'progress').map((m) => (m.type === 'cell' ? m.status : 'progress'));
    const progress = messages.filter((m): m is Extract<KernelMessage, { type: 'progress' }> => m.type === 'progress');
    expect(progress.every((m) => m.id === 'slow' && m.label === 'work')).toBe(true);
    // ~350 ms at one per 100 ms: the start, 3 updates, the completion (4 or 5 with timing slack).
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.length).toBeLessThanOrEqual(6);
    expect(progress.at(-1)!.fraction).toBe(1);
    // All between 'running' and 'done'; the late stage, reported after the cell ended, is dropped.
    expect(kinds[kinds.indexOf('running') + 1]).toBe('progress');
    expect(kinds.at(-1)).toBe('done');
  });
});
