import { project } from '../../src/project.ts';
import { defaultLocale, homeTitle, needsTwoLanguages, otherLocale, tr } from '../helpers/i18n.ts';
import { expect, test } from './fixtures.ts';

const other = otherLocale ?? defaultLocale;

// The browser asks for a language the project does not offer, so pages come in the default one.
const unoffered = ['fi', 'hu', 'cs', 'el', 'he'].find(
  (lang) => !(project.locales as readonly string[]).includes(lang),
);
test.use({ locale: `${unoffered}-XX` });

test('home renders in the default language', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle(project.name);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(homeTitle(defaultLocale));
  await expect(page.locator('html')).toHaveAttribute('lang', defaultLocale);
});

test.describe('with a browser in another language', () => {
  test.skip(Boolean(needsTwoLanguages), 'the project has one language');
  test.use({ locale: `${other}-XX` });

  test('home renders in that language from Accept-Language', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(homeTitle(other));
    await expect(page.locator('html')).toHaveAttribute('lang', other);
  });
});

test('the language switcher changes and remembers the language', async ({ page }) => {
  test.skip(Boolean(needsTwoLanguages), 'the project has one language');
  await page.goto('/');
  await page
    .getByRole('link', { name: tr(defaultLocale, `languages.${other}`), exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(homeTitle(other));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(homeTitle(other));
  await page
    .getByRole('link', { name: tr(other, `languages.${defaultLocale}`), exact: true })
    .click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(homeTitle(defaultLocale));
});

test('the status button swaps in a server-rendered partial with HTMX', async ({ page }) => {
  await page.goto('/');
  const status = page.locator('#status');
  await expect(status).toBeEmpty();
  const response = page.waitForResponse((r) => r.url().endsWith('/status'));
  await page.getByRole('button', { name: tr(defaultLocale, 'home:status.check') }).click();
  expect((await response).request().headers()['hx-request']).toBe('true');
  await expect(status.getByTestId('status')).toBeVisible();
  await expect(status).toContainText(tr(defaultLocale, 'home:status.database'));
  await expect(status.locator('.badge-success')).toBeVisible();
  // A swap, not a navigation: the page itself is the same document.
  await expect(page).toHaveURL('/');
});

test('the theme switch toggles, and the server renders the saved theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const html = page.locator('html');
  await expect(html).not.toHaveAttribute('data-theme');
  const toggle = page.getByRole('button', { name: tr(defaultLocale, 'nav.toggleTheme') });
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toHaveAttribute('aria-pressed', 'true');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
    background,
  );
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe(
    background,
  );
});

test('an unknown page shows the localized 404 page', async ({ page }) => {
  const response = await page.goto(`/no-such-page?lang=${other}`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    tr(other, 'errors.notFound.title'),
  );
});
