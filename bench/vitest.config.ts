import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Every quick run of both systems, one after the other, each on a fresh server.
    testTimeout: 180_000,
  },
});
