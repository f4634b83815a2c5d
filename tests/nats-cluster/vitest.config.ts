import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Leader elections after a kill or a pause take seconds.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
