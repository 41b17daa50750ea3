import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { users } from '../../src/core/auth/users.ts';
import { features } from '../../src/features/index.ts';
import { signIn, testSignIn } from '../helpers/accounts.ts';
import { startTestApp } from '../helpers/app.ts';
import { createClient, csrfTokenOf } from '../helpers/client.ts';
import { defaultLocale, html, otherLocale, tr } from '../helpers/i18n.ts';

const lang = otherLocale ?? defaultLocale;

// Every case asserts the refusal and that nothing changed: the display name stays the same.
describe('CSRF protection', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let browser: ReturnType<typeof createClient>;
  let token: string;
  before(async () => {
    app = await startTestApp({ features: [...features, testSignIn] });
    browser = createClient(app.baseUrl);
    await signIn(browser, 'csrf@example.org');
    token = await browser.csrf('/profile');
  });
  after(() => app.close());

  const nameInDatabase = async () =>
    (await app.db.collection(users).findOne({ email: 'csrf@example.org' }))?.displayName;

  test('a form with the right token and this origin is accepted', async () => {
    const res = await browser.post('/profile', { form: { _csrf: token, displayName: 'Grace' } });
    assert.equal(res.status, 303);
    assert.equal(await nameInDatabase(), 'Grace');
  });

  test('HTMX sends the token in X-CSRF-Token; signed-in pages carry it in a meta tag', async () => {
    const page = await browser.get('/profile');
    assert.match(page.text, new RegExp(`<meta name="csrf-token" content="${token}"`));
    const res = await browser.post('/profile', {
      form: { displayName: 'Grace H' },
      headers: { 'X-CSRF-Token': token, 'HX-Request': 'true' },
    });
    assert.equal(res.status, 200);
    assert.match(res.text, /id="profile-form"/);
    assert.equal(await nameInDatabase(), 'Grace H');
  });

  for (const [name, options] of [
    ['missing token', { form: { displayName: 'Mallory' } }],
    ['wrong token', { form: { _csrf: 'x'.repeat(43), displayName: 'Mallory' } }],
    [
      'token in an array',
      {
        form: [
          ['_csrf', 'a'],
          ['_csrf', 'b'],
          ['displayName', 'Mallory'],
        ],
      },
    ],
    [
      'right token from another origin',
      {
        form: { _csrf: 'TOKEN', displayName: 'Mallory' },
        headers: { Origin: 'https://evil.example' },
      },
    ],
    [
      'right token, cross-site fetch metadata and no Origin',
      {
        form: { _csrf: 'TOKEN', displayName: 'Mallory' },
        headers: { Origin: '', 'Sec-Fetch-Site': 'cross-site' },
      },
    ],
    [
      'right token, Origin "null" (sandboxed frame)',
      { form: { _csrf: 'TOKEN', displayName: 'Mallory' }, headers: { Origin: 'null' } },
    ],
  ] as const) {
    test(`${name} -> 403, localized, nothing changed`, async () => {
      const before = await nameInDatabase();
      const form = Array.isArray(options.form)
        ? (options.form as Array<[string, string]>)
        : Object.fromEntries(
            Object.entries(options.form).map(([k, v]) => [k, v === 'TOKEN' ? token : v]),
          );
      const headers = { 'Accept-Language': lang, ...('headers' in options ? options.headers : {}) };
      const res = await browser.send('POST', '/profile', {
        form,
        headers: headers as Record<string, string>,
      });
      assert.equal(res.status, 403);
      assert.ok(res.text.includes(html(tr(lang, 'errors.csrf.title'))));
      assert.equal(await nameInDatabase(), before);
    });
  }

  test('a token from another browser is refused', async () => {
    const other = createClient(app.baseUrl);
    await signIn(other, 'csrf@example.org');
    const res = await other.post('/profile', { form: { _csrf: token, displayName: 'Other' } });
    assert.equal(res.status, 403);
  });

  test('anonymous forms are bound to a __Host- style browser cookie made on first use', async () => {
    const visitor = createClient(app.baseUrl);
    const home = await visitor.get('/');
    assert.equal(home.headers['set-cookie'], undefined, 'pages without forms set no cookie');
    const login = await visitor.get('/logout');
    assert.equal(login.status, 302);
    const stranger = createClient(app.baseUrl);
    const res = await stranger.post('/logout', { form: { _csrf: 'nope' } });
    assert.equal(res.status, 403);
  });

  test('HTMX requests that fail CSRF show the error page in place of the page', async () => {
    const res = await browser.post('/profile', {
      form: { displayName: 'x' },
      headers: { 'HX-Request': 'true' },
    });
    assert.equal(res.status, 403);
    assert.equal(res.headers['hx-retarget'], 'body');
  });
});

describe('request bodies', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ features: [...features, testSignIn] });
  });
  after(() => app.close());

  test('a body over the size limit is refused with 413', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'big@example.org');
    const token = await browser.csrf('/profile');
    const res = await browser.post('/profile', {
      form: { _csrf: token, displayName: 'x'.repeat(40_000) },
    });
    assert.equal(res.status, 413);
  });

  test('malformed JSON is a 400', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'json@example.org');
    const res = await browser.send('POST', '/profile', {
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      json: undefined,
    });
    assert.equal(res.status, 403, 'no token at all: CSRF refuses first');
    const token = csrfTokenOf(await browser.get('/profile'));
    const broken = await browser.send('POST', '/profile', {
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
      form: { '{"displayName":': '' },
    });
    assert.equal(broken.status, 400);
  });
});
