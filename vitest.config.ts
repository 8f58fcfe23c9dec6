import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites spawn worker threads, git and chromium; two cores do not
    // gain from running many files at once.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
