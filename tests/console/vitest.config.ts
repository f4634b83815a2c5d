import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every flow waits on the console's polls (2-3 s) more than once.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // One broker and one Chromium at a time: the machine has two cores.
    fileParallelism: false,
  },
});
