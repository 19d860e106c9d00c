import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal workers crash inside worker threads (sdk-typescript #876): use processes.
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts', 'test/replay/replay.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/reliability/*.test.ts'],
          // Starts real Temporal and FerretDB servers once for the run; fails the run if they cannot start.
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // The pages in Debian's Chromium (Playwright), on the same real servers; one file at a time.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          // `npm run record-histories`: writes test/replay/histories/*.history.bin for the replay test.
          name: 'record-histories',
          include: ['test/replay/record-histories.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          // Each file starts its own servers and crashes or cuts them: one file at a time on a 2-core machine.
          include: ['test/reliability/faults/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
