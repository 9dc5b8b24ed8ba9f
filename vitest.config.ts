import { defineConfig } from 'vitest/config';

// Three tiers (docs/architecture.md, "Conventions"): unit tests beside the code; integration tests in each
// package's test/integration against the real Postgres and Kafka that libs/testing
// provisions once per run; e2e tests across processes.
// Under CI a JSON report is written beside the console output; .ci/run reads it.
const ci = Boolean(process.env['CI']);

export default defineConfig({
  test: {
    reporters: ci ? ['default', ['json', { outputFile: 'test/artifacts/vitest.json' }]] : ['default'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{apps,libs}/*/src/**/*.test.ts', 'scripts/**/*.test.ts', 'test/bench/**/*.test.ts', 'test/eval/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        // The `thoth` command as a user runs it: the built dist/thoth.js in a child process (issue 22).
        test: {
          name: 'cli',
          include: ['apps/cli/test/**/*.test.ts'],
          globalSetup: ['apps/cli/test/build-cli.global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['{apps,libs}/*/test/integration/**/*.test.ts', 'test/integration/**/*.test.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        // The decision path under attack (docs/security.md): each test is named after an attack and
        // runs it against the real components (enforcer, Kafka, ledger, control plane, Postgres).
        test: {
          name: 'security',
          include: ['test/security/**/*.test.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        // Pages served by the control plane, opened in Debian's Chromium (headless) through
        // playwright-core; the test setup installs /usr/bin/chromium when missing (infra/local/chromium.sh).
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          globalSetup: ['libs/testing/src/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
