import { randomBytes } from 'node:crypto';
import type { Page } from '@playwright/test';
import { expect, test } from '../../../tests/e2e/fixtures.ts';

// A new address and client IP per run: sign-in limits are counted per IP and per email, in stores
// that outlive a run.
const clientIp = () => `2001:db8::${randomBytes(2).toString('hex')}`;
test.use({ extraHTTPHeaders: { 'X-Forwarded-For': clientIp() } });

async function askForLink(page: Page, email: string) {
  await page.goto('/login');
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
  await expect(page.getByRole('status')).toContainText('Check your email');
}

// The development outbox: the newest email to `email`, its link and its code.
async function readEmail(page: Page, email: string) {
  await page.goto('/debug/emails');
  const message = page.getByTestId('email').filter({ hasText: email }).first();
  await expect(message).toContainText('Your sign-in link');
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

  // A link asked for here but opened on another device needs the code from the email.
  await askForLink(page, email);
  const first = await readEmail(page, email);
  const other = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': clientIp() } });
  const phone = await other.newPage();
  await phone.goto(first.url);
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Confirm sign-in');
  await phone.getByLabel('Code from the email').fill(first.code);
  await phone.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(phone).toHaveURL('/');
  await phone.goto('/profile');
  await expect(phone.getByTestId('email')).toHaveText(email);

  // In the browser that asked, confirming is enough.
  await page.goto('/');
  await page.getByRole('link', { name: 'Sign in' }).click();
  await askForLink(page, email);
  const second = await readEmail(page, email);
  expect(second.url).not.toBe(first.url);
  await second.link.click();
  await expect(page.getByText(`Sign in as ${email}?`)).toBeVisible();
  await page.getByRole('main').getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/');

  // Profile: the display name is edited with HTMX; the change is announced and kept.
  await page.getByRole('link', { name: email.split('@')[0] }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your profile');
  await page.getByLabel('Display name').fill('Ada Lovelace');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('#profile-form').getByRole('status')).toHaveText('Saved.');
  await page.reload();
  await expect(page.getByLabel('Display name')).toHaveValue('Ada Lovelace');
  await expect(page.getByRole('link', { name: 'Ada Lovelace' })).toBeVisible();

  // Sign out everywhere ends this session and the phone's.
  await page.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(page).toHaveURL('/login');
  await page.goto('/profile');
  await expect(page).toHaveURL(/\/login\?next=%2Fprofile$/);
  await phone.goto('/profile');
  await expect(phone).toHaveURL(/\/login\?next=%2Fprofile$/);
  await other.close();
});
