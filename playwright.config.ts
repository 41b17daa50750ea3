import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

// Browser tests run against the real server process (`node src/server.ts`) and a real database.
// CHROMIUM_PATH points Playwright at a system Chromium where it cannot download its own (as on
// machines without internet access); in GitHub CI, `npx playwright install chromium` provides it.
const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${port}`;
const mongodbUrl = (process.env.MONGODB_URL ?? '').replace(
  /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/,
  `$1/groundwork_e2e_${port}`,
);
const chromium = process.env.CHROMIUM_PATH;
// A real OpenID Connect provider on the next port, for the OAuth sign-in tests (gone with OAuth).
const oidc = existsSync('tests/e2e/oidc-server.ts');
const oidcPort = port + 1;
const oidcIssuer = `http://127.0.0.1:${oidcPort}`;
// With Redis, jobs (email among them) go through the queue: a worker runs them, as in production.
// Without the jobs feature (removed with its folder) or Redis, they run in the server.
const jobQueue = `groundwork_e2e_${port}`;
const worker = Boolean(process.env.REDIS_URL) && existsSync('src/features/jobs/main.ts');
const workerPort = port + 2;

export default defineConfig({
  // Feature folders carry their own browser tests, so removing a feature removes them too.
  testDir: '.',
  testMatch: ['tests/e2e/**/*.spec.ts', 'src/features/**/*.spec.ts'],
  // Playwright empties its output folder at start; keep it apart from the other runners' reports.
  outputDir: 'test-results/playwright',
  workers: 1,
  // A `test.only` left in would quietly skip every other test: refused everywhere, not only in CI.
  forbidOnly: true,
  reporter: [
    ['list'],
    ['json', { outputFile: 'test-results/e2e.json' }],
    ['html', { open: 'never', outputFolder: 'playwright-report' }],
  ],
  use: { baseURL, trace: 'retain-on-failure' },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: chromium
          ? {
              executablePath: chromium,
              args: [
                '--no-sandbox',
                '--disable-gpu',
                '--disable-background-networking',
                '--disable-component-update',
              ],
            }
          : {},
      },
    },
  ],
  webServer: [
    ...(oidc
      ? [
          {
            command: 'node tests/e2e/oidc-server.ts',
            url: `${oidcIssuer}/.well-known/openid-configuration`,
            reuseExistingServer: false,
            timeout: 30_000,
            env: { OIDC_PORT: String(oidcPort), APP_ORIGIN: baseURL },
          },
        ]
      : []),
    {
      command: 'node src/server.ts',
      url: `${baseURL}/health/ready`,
      reuseExistingServer: false,
      timeout: 30_000,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        MONGODB_URL: mongodbUrl,
        // Browser tests send their own X-Forwarded-For, so per-IP sign-in limits (which outlive a
        // run in Redis or MongoDB) do not carry over from one run to the next.
        TRUST_PROXY: 'true',
        // The job queue (when REDIS_URL is set) gets its own name too, away from a development queue.
        JOBS_QUEUE: jobQueue,
        GOOGLE_CLIENT_ID: 'groundwork-e2e',
        GOOGLE_CLIENT_SECRET: 'groundwork-e2e-secret',
        GOOGLE_ISSUER: oidcIssuer,
      },
    },
    ...(worker
      ? [
          {
            command: 'node src/features/jobs/main.ts',
            url: `http://127.0.0.1:${workerPort}/health/ready`,
            reuseExistingServer: false,
            timeout: 30_000,
            env: {
              HOST: '127.0.0.1',
              WORKER_PORT: String(workerPort),
              NODE_ENV: 'test',
              LOG_LEVEL: 'warn',
              MONGODB_URL: mongodbUrl,
              JOBS_QUEUE: jobQueue,
            },
          },
        ]
      : []),
  ],
});
