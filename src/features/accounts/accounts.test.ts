import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signIn, testSignIn } from '../../../tests/helpers/accounts.ts';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient } from '../../../tests/helpers/client.ts';
import { defaultLocale, html, otherLocale, tr } from '../../../tests/helpers/i18n.ts';
import { users } from '../../core/auth/users.ts';
import { safeRedirectPath } from '../../core/http/input.ts';
import { features } from '../index.ts';

describe('accounts pages', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ features: [...features, testSignIn] });
  });
  after(() => app.close());

  const nameOf = async (email: string) =>
    (await app.db.collection(users).findOne({ email }))?.displayName;

  test('/login lists the sign-in methods; signed in, it goes to ?next instead', async () => {
    const lang = otherLocale ?? defaultLocale;
    const page = await createClient(app.baseUrl).get(`/login?lang=${lang}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`>${html(tr(lang, 'accounts:login.title'))}</h1>`), page.text);
    assert.equal(page.headers['cache-control'], 'no-store');
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'login@example.org');
    const again = await browser.get('/login?next=%2Fprofile');
    assert.equal(again.status, 302);
    assert.equal(again.headers.location, '/profile');
  });

  test('open redirect: ?next only ever leads to a path on this site', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'next@example.org');
    for (const next of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example/',
      '/%5Cevil.example',
      'javascript:alert(1)',
      '\t//evil.example',
      '/.//evil.example/x',
      '/a/..//evil.example',
      '/%2e//evil.example',
    ]) {
      const res = await browser.get(`/login?next=${encodeURIComponent(next)}`);
      assert.equal(res.status, 302);
      const location = String(res.headers.location);
      assert.ok(location.startsWith('/') && !location.startsWith('//'), `${next} -> ${location}`);
      assert.equal(new URL(location, 'http://site.test').host, 'site.test', next);
    }
    assert.equal(safeRedirectPath('/profile?tab=1#x'), '/profile?tab=1#x');
    assert.equal(safeRedirectPath(['/a', '/b']), '/');
  });

  test('profile: the display name is edited, with HTMX or a plain form', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'edit@example.org');
    const token = await browser.csrf('/profile');
    const plain = await browser.post('/profile', { form: { _csrf: token, displayName: ' Ada ' } });
    assert.equal(plain.status, 303);
    assert.equal(await nameOf('edit@example.org'), 'Ada');
    const htmx = await browser.post('/profile', {
      form: { _csrf: token, displayName: 'Ada L.' },
      headers: { 'HX-Request': 'true' },
    });
    assert.equal(htmx.status, 200);
    assert.doesNotMatch(htmx.text, /<html/);
    assert.ok(
      htmx.text.includes(
        `role="status" aria-live="polite">${html(tr(defaultLocale, 'accounts:profile.saved'))}<`,
      ),
    );
    assert.equal(await nameOf('edit@example.org'), 'Ada L.');
    const page = await browser.get('/profile');
    assert.match(page.text, /value="Ada L."/);
  });

  test('profile: an empty or too long name is refused with the error announced', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'bad@example.org');
    const token = await browser.csrf('/profile');
    for (const displayName of ['   ', 'x'.repeat(81)]) {
      const res = await browser.post('/profile', {
        form: { _csrf: token, displayName },
        headers: { 'HX-Request': 'true' },
      });
      assert.equal(res.status, 400);
      assert.match(res.text, /role="alert"/);
      assert.match(res.text, /aria-invalid="true"/);
    }
    assert.equal(await nameOf('bad@example.org'), 'bad');
  });

  test('NoSQL operator injection in JSON and in form brackets -> 400, nothing changed', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'inject@example.org');
    const token = await browser.csrf('/profile');
    const json = await browser.post('/profile', {
      json: { _csrf: token, displayName: { $ne: null } },
    });
    assert.equal(json.status, 400);
    for (const name of ['displayName[$ne]', 'displayName.$gt', 'displayName[]']) {
      const res = await browser.post('/profile', {
        form: [
          ['_csrf', token],
          [name, 'x'],
        ],
      });
      assert.equal(res.status, 400, name);
    }
    assert.equal(await nameOf('inject@example.org'), 'inject');
  });

  test('stored XSS: a display name with markup is shown as text everywhere', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'xss@example.org');
    const token = await browser.csrf('/profile');
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
    await browser.post('/profile', { form: { _csrf: token, displayName: evil } });
    assert.equal(await nameOf('xss@example.org'), evil);
    const page = await browser.get('/profile');
    assert.doesNotMatch(page.text, /<script>alert|<img src=x/);
    assert.match(page.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const home = await browser.get('/');
    assert.doesNotMatch(home.text, /<script>alert|<img src=x/);
  });
});
