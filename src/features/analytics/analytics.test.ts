// What the server sends for analytics: the tracker on every page and its origins in the CSP, in
// production and when configured only. The browser side (beacons) is analytics.spec.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient } from '../../../tests/helpers/client.ts';
import { productionEmail } from '../../../tests/helpers/production-env.ts';
import { loadConfig } from '../../config.ts';

const settings = {
  ANALYTICS_SCRIPT_URL: 'https://stats.example.org/umami/script.js',
  ANALYTICS_SITE_ID: '94db1cb1-74f4-4a40-ad6c-962362670409',
};
const TRACKER_TAG =
  '<meta name="page-script" content="https://stats.example.org/umami/script.js" data-website-id="94db1cb1-74f4-4a40-ad6c-962362670409" data-host-url="https://stats.example.org/umami" data-do-not-track="true">';

async function homePage(env: Record<string, string>) {
  const app = await startTestApp({ env });
  try {
    const page = await createClient(app.baseUrl).get('/');
    assert.equal(page.status, 200);
    return { html: page.text, csp: String(page.headers['content-security-policy']) };
  } finally {
    await app.close();
  }
}
const directive = (csp: string, name: string) =>
  csp
    .split(';')
    .map((d) => d.trim())
    .find((d) => d.startsWith(`${name} `));

describe('analytics', () => {
  test('in production, every page loads the tracker, and the CSP allows its origin only', async () => {
    const { html, csp } = await homePage({
      NODE_ENV: 'production',
      ...productionEmail,
      ...settings,
    });
    assert.ok(html.includes(TRACKER_TAG), html);
    assert.equal(directive(csp, 'script-src'), "script-src 'self' https://stats.example.org");
    assert.equal(directive(csp, 'connect-src'), "connect-src 'self' https://stats.example.org");
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  });

  test('a separate collector (ANALYTICS_HOST_URL) is where it sends, and what connect-src allows', async () => {
    const { html, csp } = await homePage({
      NODE_ENV: 'production',
      ...productionEmail,
      ...settings,
      ANALYTICS_HOST_URL: 'https://api-gateway.umami.dev/',
    });
    assert.match(html, / data-host-url="https:\/\/api-gateway.umami.dev"/);
    assert.equal(directive(csp, 'script-src'), "script-src 'self' https://stats.example.org");
    assert.equal(directive(csp, 'connect-src'), "connect-src 'self' https://api-gateway.umami.dev");
  });

  for (const [name, env] of [
    ['outside production', { ...settings }],
    [
      'without a site id',
      {
        NODE_ENV: 'production',
        ...productionEmail,
        ANALYTICS_SCRIPT_URL: settings.ANALYTICS_SCRIPT_URL,
      },
    ],
    ['without settings', { NODE_ENV: 'production', ...productionEmail }],
  ] as const) {
    test(`${name}: no tracker, and the CSP names no other origin`, async () => {
      const { html, csp } = await homePage(env);
      assert.doesNotMatch(html, /page-script/);
      assert.equal(directive(csp, 'script-src'), "script-src 'self'");
      assert.equal(directive(csp, 'connect-src'), "connect-src 'self'");
    });
  }

  test('settings are checked with a hint', () => {
    assert.throws(
      () =>
        loadConfig({
          cwd: '/nonexistent',
          env: { ANALYTICS_SCRIPT_URL: 'stats.example.org/script.js', ANALYTICS_SITE_ID: 'a b' },
        }),
      (error: Error) =>
        /ANALYTICS_SCRIPT_URL \(got "stats\.example\.org\/script\.js" from environment\)/.test(
          error.message,
        ) &&
        /ANALYTICS_SITE_ID \(got "a b" from environment\): must be the website id Umami shows/.test(
          error.message,
        ),
    );
  });
});
