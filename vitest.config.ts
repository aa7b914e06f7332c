import { defineConfig } from 'vitest/config';

// Two projects: the project's own tests (unit) and the conformance suites, which run against the
// client named by `provide.clientModule` (the bundled reference client when none is given).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'fixtures/**/*.test.ts', 'tools/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'conformance',
          include: ['suites/**/*.suite.ts'],
          testTimeout: 60_000,
          // Cases of a client in another process run side by side on the wall clock (test.concurrent);
          // in-process cases run one at a time under virtual time, so this does not touch them.
          maxConcurrency: 64,
        },
      },
    ],
  },
});
