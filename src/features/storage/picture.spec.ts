import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { test as base } from '@playwright/test';
import { expect } from '../../../tests/e2e/fixtures.ts';
import { defaultLocale as lang, tr } from '../../../tests/helpers/i18n.ts';
import { testPng } from './testing.ts';

// A new address and client IP per run: sign-in limits outlive a run.
base.use({
  locale: lang,
  extraHTTPHeaders: { 'X-Forwarded-For': `2001:db8::${randomBytes(2).toString('hex')}` },
});

// The browser test server has no test-only sign-in: this signs in with a magic link from the
// development outbox, so it needs that feature.
base.skip(!existsSync('src/features/magic-link'), 'signing in here needs the magic-link feature');

// The refused upload is answered 415, which Chromium logs as a failed request: expected here, and
// the only console error allowed (tests/e2e/fixtures.ts fails on any other).
const refusal = /status of 415 .*\/profile\/picture\)$/;

base(
  'profile picture: upload, shown in the navbar, replace, refuse a non-image, delete',
  async ({ page }) => {
    const errors: string[] = [];
    page.on('console', (message) => {
      const line = `${message.text()} (${message.location().url})`;
      if (message.type() === 'error' && !refusal.test(line)) errors.push(line);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    const email = `picture-${randomBytes(4).toString('hex')}@example.org`;
    await page.goto('/login');
    await page.getByLabel(tr(lang, 'magic-link:panel.email')).fill(email);
    await page.getByRole('button', { name: tr(lang, 'magic-link:panel.submit') }).click();
    await expect(page.getByRole('status')).toContainText(tr(lang, 'magic-link:sent.title'));
    const message = page.getByTestId('email').filter({ hasText: email }).first();
    await expect(async () => {
      await page.goto('/debug/emails');
      await expect(message).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 30_000 });
    await message.getByRole('link', { name: /\/auth\/verify\// }).click();
    await page
      .getByRole('main')
      .getByRole('button', { name: tr(lang, 'magic-link:confirm.submit') })
      .click();
    await expect(page).toHaveURL('/');

    await page.goto('/profile');
    const section = page.locator('#picture-section');
    await expect(section).toContainText(tr(lang, 'storage:picture.none'));
    await expect(page.getByTestId('nav-picture')).toHaveCount(0);

    const choose = page.getByLabel(tr(lang, 'storage:picture.choose'));
    await choose.setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: testPng(4) });
    await section.getByRole('button', { name: tr(lang, 'storage:picture.upload') }).click();
    const shown = page.getByTestId('profile-picture');
    await expect(shown).toBeVisible();
    const first = await shown.getAttribute('src');
    // The navbar shows it on every page, and the browser really loaded the image.
    await expect(page.getByTestId('nav-picture')).toHaveAttribute('src', first ?? '');
    expect(await shown.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(4);

    // A page that claims to be a PNG is refused, with the reason next to the field.
    await choose.setInputFiles({
      name: 'evil.png',
      mimeType: 'image/png',
      buffer: Buffer.from('<html><script>alert(1)</script></html>'),
    });
    await section.getByRole('button', { name: tr(lang, 'storage:picture.replace') }).click();
    await expect(page.getByRole('alert')).toHaveText(tr(lang, 'storage:picture.errors.type'));
    await expect(page.getByTestId('profile-picture')).toHaveAttribute('src', first ?? '');

    await choose.setInputFiles({ name: 'new.png', mimeType: 'image/png', buffer: testPng(6) });
    await section.getByRole('button', { name: tr(lang, 'storage:picture.replace') }).click();
    await expect(shown).not.toHaveAttribute('src', first ?? '');
    await expect(page.getByTestId('nav-picture')).toHaveAttribute(
      'src',
      (await shown.getAttribute('src')) ?? '',
    );

    await page.getByRole('button', { name: tr(lang, 'storage:picture.delete') }).click();
    await expect(section).toContainText(tr(lang, 'storage:picture.none'));
    await expect(page.getByTestId('nav-picture')).toHaveCount(0);
    expect(errors, 'console errors on the page').toEqual([]);
  },
);
