import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Real-data tests allocate 100+ MB volumes; two workers fit the 2-core machine.
    maxWorkers: 2,
  },
  resolve: {
    alias: [
      { find: /^voxbook$/, replacement: new URL('./index.ts', import.meta.url).pathname },
      { find: /^voxbook\/learn$/, replacement: new URL('./cells/learn/index.ts', import.meta.url).pathname },
    ],
  },
});
