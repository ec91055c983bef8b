/**
 * The console's browser tests: Playwright driving Debian's Chromium (`/usr/bin/chromium`, installed by
 * test/e2e/install-deps.sh; Playwright's own browser download is not used) against the local stack that
 * global-setup.ts starts. Run by `npm run test:e2e` (test/e2e/run-e2e.ts) or alone with `npm run test:console`.
 * Screenshots of every screen land in .e2e/console/screens/ (git-ignored).
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './global-setup.ts',
  outputDir: '../../../.e2e/console/results',
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: { executablePath: process.env.TOLLGATE_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    viewport: { width: 1280, height: 900 },
  },
});
