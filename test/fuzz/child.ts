/**
 * Child process of the fuzz harness (harness.ts): receives the seeds once, then runs one
 * case per message and answers with its result. The parent kills it when a case hangs.
 */
import { CaseRunner } from './harness.ts';
import type { Seed } from './seeds.ts';

let runner: CaseRunner | undefined;

process.on('message', (m: { type: 'init'; seeds: Seed[] } | { type: 'case'; input: string; index: number; caseSeed: number }) => {
  void (async () => {
    if (m.type === 'init') {
      runner = new CaseRunner(m.seeds);
      await runner.init();
      process.send!({ type: 'ready', seedErrors: [...runner.seedErrors] });
    } else {
      const result = await runner!.run(m.input, m.index, m.caseSeed);
      process.send!({ type: 'result', result });
    }
  })();
});
process.on('disconnect', () => {
  runner?.dispose();
  process.exit(0);
});
