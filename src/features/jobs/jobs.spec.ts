import { test as base } from '@playwright/test';
import { expect, test } from '../../../tests/e2e/fixtures.ts';
import { requireEnv } from '../../../tests/helpers/env.ts';
import { defaultLocale as lang, tr } from '../../../tests/helpers/i18n.ts';

// playwright.config.ts names the test server's queue after its port and starts a worker for it,
// which runs what these tests enqueue. (Emptying the queue afterwards with Bull's obliterate
// paused it, and later tests' emails waited behind the pause.)
const queueName = `groundwork_e2e_${process.env.E2E_PORT ?? 3210}`;

test.use({ locale: lang });

test('/debug/jobs enqueues a job by name in place, and refuses a payload its schema does not fit', async ({
  page,
}) => {
  requireEnv('REDIS_URL');
  await page.goto('/debug');
  await page.getByRole('link', { name: tr(lang, 'jobs:debug.title') }).click();
  await expect(page).toHaveURL('/debug/jobs');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(tr(lang, 'jobs:debug.title'));
  await expect(page.getByTestId('jobs-mode')).toContainText(queueName);
  await expect(page.getByRole('rowheader', { name: 'jobs.sample' })).toBeVisible();
  const payload = page.getByLabel(tr(lang, 'jobs:debug.enqueue.payload'));
  await page
    .getByLabel(tr(lang, 'jobs:debug.enqueue.job'), { exact: true })
    .selectOption('jobs.sample');
  await payload.fill('{"message": ""}');
  const enqueue = page.getByRole('button', { name: tr(lang, 'jobs:debug.enqueue.button') });
  await enqueue.click();
  await expect(page.getByTestId('jobs-refused')).toContainText('message');
  await payload.fill('{"message": "from the browser"');
  await enqueue.click();
  await expect(page.getByTestId('jobs-refused')).toContainText(
    tr(lang, 'jobs:debug.enqueue.json', { message: '' }),
  );
  await payload.fill('{"message": "from the browser"}');
  await enqueue.click();
  await expect(page.getByRole('status')).toHaveText(
    new RegExp(
      tr(lang, 'jobs:debug.enqueue.enqueued', { name: 'jobs.sample', id: '\0' })
        .split('\0')
        .map((part) => RegExp.escape(part))
        .join('\\d+'),
    ),
  );
  // A swap, not a navigation.
  await expect(page).toHaveURL('/debug/jobs');
  await expect(page.getByRole('link', { name: tr(lang, 'jobs:debug.dashboard') })).toHaveAttribute(
    'href',
    '/admin/jobs',
  );
});

// bull-board's page links Google Fonts and has a few inline styles; the app's CSP blocks them
// (docs/decisions/0032). The board works without them: anything else on the console is a fault.
const blockedOnPurpose = [
  /^Loading the stylesheet 'https:\/\/fonts\.googleapis\.com\/.* violates .*Content Security Policy/,
  /^Applying inline style violates the following Content Security Policy directive 'style-src 'self''/,
];

base('the dashboard shows the queue and the enqueued job', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() === 'error' && !blockedOnPurpose.some((known) => known.test(text))) {
      errors.push(text);
    }
  });
  page.on('pageerror', (error) => errors.push(error.message));
  // Enqueued the way the debug page's form does it: with its CSRF token.
  await page.goto('/debug/jobs');
  const token = await page.locator('input[name="_csrf"]').first().getAttribute('value');
  const enqueued = await page.request.post('/debug/jobs', {
    headers: { Accept: 'application/json', Origin: new URL(page.url()).origin },
    form: { _csrf: token ?? '', name: 'jobs.sample', payload: '{"message": "from the test"}' },
  });
  expect(enqueued.status()).toBe(201);
  const { id } = await enqueued.json();
  await page.goto('/admin/jobs');
  const card = page
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: queueName }) });
  await expect(card.first()).toBeVisible();
  await page.getByRole('link', { name: queueName }).first().click();
  await expect(page).toHaveURL(`/admin/jobs/queue/${queueName}`);
  // A worker runs alongside when Redis is configured (playwright.config.ts): the job may already
  // be done. Either way the dashboard shows it.
  await expect(async () => {
    for (const state of ['WAITING', 'ACTIVE', 'COMPLETED']) {
      await page.getByRole('link', { name: state }).click();
      if (await page.getByText(`#${id}`, { exact: true }).isVisible()) return;
    }
    throw new Error(`job #${id} is in none of the lists yet`);
  }).toPass({ timeout: 20_000 });
  await expect(page.getByText('jobs.sample').first()).toBeVisible();
  expect(errors, 'console errors on the page').toEqual([]);
});
