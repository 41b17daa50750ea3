import { project } from '../../src/project.ts';
import { defaultLocale as lang, tr } from '../helpers/i18n.ts';
import { expect, test } from './fixtures.ts';

// The development pages in a browser: reached from the home page, forms with their CSRF tokens,
// HTMX swaps, and nothing the CSP blocks (the fixture fails the test on a console error).
test.use({ locale: lang });

test('from the home page to /debug/users: make fake users, sign in as one', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: tr(lang, 'home:links.debug') }).click();
  await expect(page).toHaveURL('/debug');
  await page.getByRole('link', { name: tr(lang, 'debug.users.title') }).click();
  await page.getByLabel(tr(lang, 'debug.users.count')).fill('2');
  await page.getByLabel(tr(lang, 'debug.users.role')).selectOption('admin');
  await page.getByRole('button', { name: tr(lang, 'debug.users.createButton') }).click();
  await expect(page.getByRole('status')).toHaveText(tr(lang, 'debug.users.created', { count: 2 }));
  await expect(page).toHaveURL('/debug/users'); // swapped in place
  const row = page.getByTestId('debug-user').filter({ hasText: '(admin)' }).first();
  // The name, without the badge that marks a fake user.
  const badge = tr(lang, 'debug.users.fake');
  const header = (await row.getByRole('rowheader').textContent())?.trim() ?? '';
  const name = (header.endsWith(badge) ? header.slice(0, -badge.length) : header).trim();
  await row.getByRole('button').click();
  await expect(page).toHaveURL('/');
  // Signed in: the navigation shows the account and, for an admin, the users list.
  await expect(page.getByRole('link', { name })).toBeVisible();
  await expect(page.getByRole('link', { name: tr(lang, 'nav.users') })).toBeVisible();
});

test('/debug/templates previews an email in every language', async ({ page, consoleErrors }) => {
  await page.goto('/debug/templates');
  for (const code of project.locales) {
    // The HTML part loads in its sandboxed frame (a refused frame would be a console error);
    // its content is checked in tests/integration/debug.test.ts, since the sandbox keeps
    // Playwright's scripts out of it too.
    const framed = page.waitForResponse(`**/debug/templates/emails/notice/${code}/html`);
    await page.goto(`/debug/templates/emails/notice/${code}`);
    expect((await framed).status()).toBe(200);
    const subject = tr(code, 'emails.sample.subject', { name: project.name });
    await expect(page.getByTestId('email-subject')).toHaveText(subject);
    await expect(page.getByTestId('email-text')).toContainText(tr(code, 'emails.sample.heading'));
    await expect(page.locator('iframe')).toBeVisible();
  }
  // Playwright injects its script into every frame, and Chromium reports the sandbox refusing
  // it: the one console error here that is not the page's own (any other still fails the test).
  const injected =
    /^Blocked script execution in '.*\/html' because the document's frame is sandboxed/;
  for (let i = consoleErrors.length - 1; i >= 0; i--)
    if (injected.test(consoleErrors[i] ?? '')) consoleErrors.splice(i, 1);
});

test('/debug/assets and /debug/db show the build and the database', async ({ page }) => {
  await page.goto('/debug/assets');
  await expect(page.getByTestId('asset').filter({ hasText: 'app.css' })).toBeVisible();
  await expect(page.getByTestId('assets-budget')).toHaveClass(/alert-success/);
  await page.goto('/debug/db');
  await expect(page.getByTestId('db-collection').filter({ hasText: 'users' })).toBeVisible();
});
