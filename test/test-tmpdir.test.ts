/**
 * The run's temporaries stay in its own folder (test/global-setup.ts), which the teardown
 * removes: the CLI caches and outputs the tests write (hundreds of MB a run) never pile up
 * in the system's /tmp. Child processes see the same folder.
 */
import { execFileSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { tmpdir } from 'node:os';
import { expect, it } from 'vitest';
import { tempDir } from './cli/helpers.ts';

it('test temporaries go to the run folder, for the workers and the processes they start', () => {
  expect(basename(tmpdir())).toMatch(/^voxbook-test-run-/);
  expect(dirname(tempDir())).toBe(tmpdir());
  expect(execFileSync('sh', ['-c', 'printf %s "$TMPDIR"']).toString()).toBe(tmpdir());
});
