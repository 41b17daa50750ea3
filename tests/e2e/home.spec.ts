import { expect, test } from './fixtures.ts';

test('home renders in English by default', async ({ page }) => {
  await page.goto('/');
  await expect(page).toHaveTitle('Groundwork');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Groundwork');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
});

test.describe('with a Spanish browser', () => {
  test.use({ locale: 'es-ES' });

  test('home renders in Spanish from Accept-Language', async ({ page }) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bienvenido a Groundwork');
    await expect(page.locator('html')).toHaveAttribute('lang', 'es');
  });
});

test('the language switcher changes and remembers the language', async ({ page }) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'Español' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bienvenido a Groundwork');
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Bienvenido a Groundwork');
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Welcome to Groundwork');
});

test('the status button swaps in a server-rendered partial with HTMX', async ({ page }) => {
  await page.goto('/');
  const status = page.locator('#status');
  await expect(status).toBeEmpty();
  const response = page.waitForResponse((r) => r.url().endsWith('/status'));
  await page.getByRole('button', { name: 'Check status' }).click();
  expect((await response).request().headers()['hx-request']).toBe('true');
  await expect(status.getByTestId('status')).toBeVisible();
  await expect(status).toContainText('Database');
  await expect(status.locator('.badge-success')).toBeVisible();
  // A swap, not a navigation: the page itself is the same document.
  await expect(page).toHaveURL('/');
});

test('the theme switch toggles, and the server renders the saved theme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const html = page.locator('html');
  await expect(html).not.toHaveAttribute('data-theme');
  const toggle = page.getByRole('button', { name: 'Switch between light and dark theme' });
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
  const response = await page.goto('/no-such-page?lang=es');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Página no encontrada');
});
