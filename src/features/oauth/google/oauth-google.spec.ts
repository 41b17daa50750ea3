import { randomBytes } from 'node:crypto';
import { expect, test } from '../../../../tests/e2e/fixtures.ts';
import { defaultLocale as lang, tr } from '../../../../tests/helpers/i18n.ts';

test.use({
  locale: lang,
  extraHTTPHeaders: { 'X-Forwarded-For': `2001:db8::${randomBytes(2).toString('hex')}` },
});

// playwright.config.ts points Google at a local OpenID Connect provider (tests/e2e/oidc-server.ts).
test('OAuth sign-in via the local OIDC server, then the profile lists the linked account', async ({
  page,
}) => {
  const email = `oidc-${randomBytes(4).toString('hex')}@example.org`;
  await page.goto('/login');
  await page
    .getByRole('link', { name: tr(lang, 'oauth:continueWith', { name: 'Google' }) })
    .click();
  await expect(page.getByRole('heading', { name: 'Test identity provider' })).toBeVisible();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Name').fill('Grace Hopper');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/');
  await page.getByRole('link', { name: 'Grace Hopper' }).click();
  await expect(page.getByTestId('email')).toHaveText(email);
  const google = page.locator('[data-provider="google"]');
  await expect(google).toContainText(tr(lang, 'accounts:profile.linked.as', { name: email }));
});
