import { defineConfig } from 'vitest/config';

/** End-to-end tests: the built renderer in Chromium against `cod serve`. The build runs first (globalSetup). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.test.ts'],
    globalSetup: ['tests/e2e/build.global.ts'],
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
