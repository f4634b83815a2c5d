import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Bundling the pages, starting a broker and launching Chromium take a while.
    hookTimeout: 300_000,
  },
});
