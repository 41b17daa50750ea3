// Analytics in a real browser: the app in production (its own processes, beside the suite's test
// server) loads the tracker from a stand-in Umami on loopback (testing.ts) under its enforced CSP
// (the fixture fails on any violation), which records the page views it is sent.
import { randomBytes } from 'node:crypto';
import { expect, test } from '../../../tests/e2e/fixtures.ts';
import { requireEnv, withDatabase } from '../../../tests/helpers/env.ts';
import { productionEmail } from '../../../tests/helpers/production-env.ts';
import { type ServerProcess, startServerProcess } from '../../../tests/helpers/server-process.ts';
import { startUmamiStandIn } from './testing.ts';

const SITE = '94db1cb1-74f4-4a40-ad6c-962362670409';

let umami: Awaited<ReturnType<typeof startUmamiStandIn>>;
let tracked: ServerProcess;
let untracked: ServerProcess;

test.beforeAll(async () => {
  test.setTimeout(60_000);
  umami = await startUmamiStandIn();
  const production = {
    NODE_ENV: 'production',
    ...productionEmail,
    MONGODB_URL: withDatabase(
      requireEnv('MONGODB_URL'),
      `e2e_analytics_${randomBytes(4).toString('hex')}`,
    ),
    ...(process.env.REDIS_URL
      ? {
          REDIS_URL: process.env.REDIS_URL,
          JOBS_QUEUE: `e2e_analytics_${randomBytes(4).toString('hex')}`,
        }
      : {}),
  };
  [tracked, untracked] = await Promise.all([
    startServerProcess({
      ...production,
      ANALYTICS_SCRIPT_URL: umami.scriptUrl,
      ANALYTICS_SITE_ID: SITE,
    }),
    startServerProcess(production),
  ]);
});
test.afterAll(async () => {
  for (const server of [tracked, untracked]) {
    server?.child.kill('SIGTERM');
    await server?.exited;
  }
  await umami?.close();
});

const viewsOf = (url: string) => umami.beacons.filter((b) => b.payload.url === url).length;

test('a page view on load, and one on an HTMX page swap', async ({ page }) => {
  umami.beacons.length = 0;
  await page.goto(`${tracked.baseUrl}/`);
  await expect.poll(() => viewsOf('/')).toBe(1);
  expect(umami.beacons[0]).toMatchObject({ type: 'event', payload: { website: SITE } });

  // A boosted link, as hx-boost makes them: HTMX fetches the page, swaps the body, pushes the URL.
  await page.evaluate(() => {
    document.body.insertAdjacentHTML(
      'beforeend',
      '<a id="swap" href="/login?from=swap" hx-boost="true">next</a>',
    );
    const { htmx } = window as unknown as { htmx: { process(element: Element): void } };
    htmx.process(document.body);
  });
  await page.locator('#swap').click();
  await expect(page).toHaveURL(/\/login\?from=swap$/);
  await expect.poll(() => viewsOf('/login?from=swap')).toBe(1);
  expect(viewsOf('/'), 'a swap is no new page load').toBe(1);
});

test.describe('with Do Not Track', () => {
  test('the tracker loads but sends nothing', async ({ page }) => {
    // The browser setting as pages see it (Playwright has no switch for it): navigator.doNotTrack.
    await page.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'doNotTrack', { get: () => '1' }),
    );
    umami.beacons.length = 0;
    const loads = umami.scriptLoads;
    await page.goto(`${tracked.baseUrl}/`);
    await expect.poll(() => umami.scriptLoads).toBe(loads + 1);
    await page.waitForTimeout(500);
    expect(umami.beacons).toEqual([]);
  });
});

test('not configured: no tracker is loaded', async ({ page }) => {
  const loads = umami.scriptLoads;
  await page.goto(`${untracked.baseUrl}/`);
  await page.waitForLoadState('load');
  await expect(page.locator('meta[name="page-script"]')).toHaveCount(0);
  await page.waitForTimeout(300);
  expect(umami.scriptLoads).toBe(loads);
});
