import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from '../../../tests/e2e/fixtures.ts';
import { defaultLocale as lang, tr } from '../../../tests/helpers/i18n.ts';

// A new address and client IP per run: sign-in limits are counted per IP and per email, in stores
// that outlive a run.
const clientIp = () => `2001:db8::${randomBytes(2).toString('hex')}`;
// Pages in the project's default language, whatever languages it has.
test.use({ locale: lang, extraHTTPHeaders: { 'X-Forwarded-For': clientIp() } });

async function askForLink(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel(tr(lang, 'magic-link:panel.email')).fill(email);
  await page.getByRole('button', { name: tr(lang, 'magic-link:panel.submit') }).click();
  await expect(page.getByRole('status')).toContainText(tr(lang, 'magic-link:sent.title'));
}

// The development outbox: the newest email to `email`, its link and its code.
async function readEmail(page: Page, email: string) {
  const message = page.getByTestId('email').filter({ hasText: email }).first();
  // With the job queue the worker sends it, a moment later (longer on a busy machine): reload the
  // outbox until it is there.
  await expect(async () => {
    await page.goto('/debug/emails');
    await expect(message).toContainText(tr(lang, 'magic-link:email.subject'), { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
  const link = message.getByRole('link', { name: /\/auth\/verify\// });
  return {
    link,
    url: (await link.getAttribute('href')) ?? '',
    code: (await message.textContent())?.match(/\b(\d{6})\b/)?.[1] ?? '',
  };
}

test('magic-link sign-in via the outbox, profile edit, sign out everywhere', async ({
  page,
  browser,
}) => {
  const email = `e2e-${randomBytes(4).toString('hex')}@example.org`;
  const confirm = tr(lang, 'magic-link:confirm.submit');

  // A link asked for here but opened on another device needs the code from the email.
  await askForLink(page, email);
  const first = await readEmail(page, email);
  const other = await browser.newContext({
    locale: lang,
    extraHTTPHeaders: { 'X-Forwarded-For': clientIp() },
  });
  const phone = await other.newPage();
  await phone.goto(first.url);
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText(
    tr(lang, 'magic-link:confirm.title'),
  );
  await phone.getByLabel(tr(lang, 'magic-link:confirm.code')).fill(first.code);
  await phone.getByRole('main').getByRole('button', { name: confirm }).click();
  await expect(phone).toHaveURL('/');
  await phone.goto('/profile');
  await expect(phone.getByTestId('email')).toHaveText(email);

  // In the browser that asked, confirming is enough.
  await page.goto('/');
  await page.getByRole('link', { name: tr(lang, 'nav.signIn') }).click();
  await askForLink(page, email);
  const second = await readEmail(page, email);
  expect(second.url).not.toBe(first.url);
  await second.link.click();
  await expect(page.getByText(tr(lang, 'magic-link:confirm.as', { email }))).toBeVisible();
  await page.getByRole('main').getByRole('button', { name: confirm }).click();
  await expect(page).toHaveURL('/');

  // Profile: the display name is edited with HTMX; the change is announced and kept.
  await page.getByRole('link', { name: email.split('@')[0] }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    tr(lang, 'accounts:profile.title'),
  );
  await page.getByLabel(tr(lang, 'accounts:profile.displayName')).fill('Ada Lovelace');
  await page.getByRole('button', { name: tr(lang, 'accounts:profile.save') }).click();
  await expect(page.locator('#profile-form').getByRole('status')).toHaveText(
    tr(lang, 'accounts:profile.saved'),
  );
  await page.reload();
  await expect(page.getByLabel(tr(lang, 'accounts:profile.displayName'))).toHaveValue(
    'Ada Lovelace',
  );
  await expect(page.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();

  // Sign out everywhere ends this session and the phone's.
  await page
    .getByRole('button', { name: tr(lang, 'accounts:profile.sessions.everywhere') })
    .click();
  await expect(page).toHaveURL('/login');
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await phone.goto('/profile');
  await expect(phone).toHaveURL(/\/login\?next=%2Fprofile$/);
  await other.close();
});
