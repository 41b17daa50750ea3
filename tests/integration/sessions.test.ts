import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ObjectId } from 'mongodb';
import { collectionsOf } from '../../src/core/app/collections.ts';
import { sessions } from '../../src/core/auth/sessions.ts';
import { users } from '../../src/core/auth/users.ts';
import { sweepExpired } from '../../src/core/data/db.ts';
import { features } from '../../src/features/index.ts';
import { signIn, testSignIn } from '../helpers/accounts.ts';
import { startTestApp } from '../helpers/app.ts';
import { cookieLine, createClient } from '../helpers/client.ts';
import { defaultLocale, html, tr } from '../helpers/i18n.ts';
import { productionEmail } from '../helpers/production-env.ts';

const hash = (id: string) => createHash('sha256').update(id).digest('base64url');

describe('sessions', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    // No session cache: every request reads MongoDB, so changes made there show at once.
    app = await startTestApp({
      features: [...features, testSignIn],
      env: { SESSION_CACHE_MS: '0' },
    });
  });
  after(() => app.close());

  const record = (id: string) => app.db.collection(sessions).findOne({ _id: hash(id) });

  test('signing in stores only a hash of a 256-bit id, and the profile shows the user', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'Ada@Example.org');
    const id = browser.jar.get('sid') ?? '';
    assert.match(id, /^[\w-]{43}$/);
    assert.equal(await app.db.collection(sessions).findOne({ _id: id }), null);
    const stored = await record(id);
    assert.ok(stored);
    assert.ok(stored.expiresAt >= stored.idleExpiresAt);
    const profile = await browser.get('/profile');
    assert.equal(profile.status, 200);
    assert.match(profile.text, /data-testid="email">ada@example.org</);
    assert.equal(profile.headers['cache-control'], 'no-store');
  });

  test('session fixation: signing in again replaces the session id, the old one is dead', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'fix@example.org');
    const first = browser.jar.get('sid') ?? '';
    await signIn(browser, 'fix@example.org');
    const second = browser.jar.get('sid') ?? '';
    assert.notEqual(first, second);
    assert.equal(await record(first), null);
    const planted = await createClient(app.baseUrl).get('/profile', {
      headers: { Cookie: `sid=${first}` },
    });
    assert.equal(planted.status, 302);
    assert.equal(planted.headers.location, '/login?next=%2Fprofile');
  });

  test('an unknown or malformed session id is ignored and its cookie removed', async () => {
    const res = await createClient(app.baseUrl).get('/profile', {
      headers: { Cookie: `sid=${'A'.repeat(43)}` },
    });
    assert.equal(res.status, 302);
    assert.match(cookieLine(res, 'sid') ?? '', /^sid=;.*expires=Thu, 01 Jan 1970/);
    const odd = await createClient(app.baseUrl).get('/profile', {
      headers: { Cookie: 'sid={"$ne":null}' },
    });
    assert.equal(odd.status, 302);
  });

  test('idle expiry: a session unused for SESSION_IDLE_MINUTES ends', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'idle@example.org');
    const id = browser.jar.get('sid') ?? '';
    await app.db
      .collection(sessions)
      .updateOne({ _id: hash(id) }, { $set: { idleExpiresAt: new Date(Date.now() - 1000) } });
    assert.equal((await browser.get('/profile')).status, 302);
  });

  test('absolute expiry: a session ends SESSION_ABSOLUTE_HOURS after sign-in, however active', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'absolute@example.org');
    const id = browser.jar.get('sid') ?? '';
    await app.db
      .collection(sessions)
      .updateOne({ _id: hash(id) }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    assert.equal((await browser.get('/profile')).status, 302);
  });

  test('activity moves the idle expiry forward, at most once a minute', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'active@example.org');
    const id = browser.jar.get('sid') ?? '';
    const old = new Date(Date.now() - 5 * 60_000);
    await app.db.collection(sessions).updateOne({ _id: hash(id) }, { $set: { lastSeenAt: old } });
    await browser.get('/profile');
    const touched = await record(id);
    assert.ok(touched && touched.lastSeenAt > old);
    const again = touched.lastSeenAt;
    await browser.get('/profile');
    assert.deepEqual((await record(id))?.lastSeenAt, again);
  });

  test('sign out destroys the session in the database and clears the cookie', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'out@example.org');
    const id = browser.jar.get('sid') ?? '';
    const token = await browser.csrf('/logout');
    const res = await browser.post('/logout', { form: { _csrf: token } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/');
    assert.equal(await record(id), null);
    assert.equal(browser.jar.has('sid'), false);
    const replay = await createClient(app.baseUrl).get('/profile', {
      headers: { Cookie: `sid=${id}` },
    });
    assert.equal(replay.status, 302);
  });

  test('sign out everywhere ends every session of the user, and only theirs', async () => {
    const laptop = createClient(app.baseUrl);
    const phone = createClient(app.baseUrl);
    const other = createClient(app.baseUrl);
    const { id: userId } = await signIn(laptop, 'many@example.org');
    await signIn(phone, 'many@example.org');
    await signIn(other, 'someone-else@example.org');
    const token = await laptop.csrf('/profile');
    const res = await laptop.post('/profile/sign-out-everywhere', { form: { _csrf: token } });
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login');
    const left = await app.db.collection(sessions).countDocuments({ userId: new ObjectId(userId) });
    assert.equal(left, 0);
    assert.equal((await phone.get('/profile')).status, 302);
    assert.equal((await other.get('/profile')).status, 200);
  });

  test('expired sessions are swept; live ones stay', async () => {
    const stale = createClient(app.baseUrl);
    const live = createClient(app.baseUrl);
    await signIn(stale, 'sweep-old@example.org');
    await signIn(live, 'sweep-new@example.org');
    const old = hash(stale.jar.get('sid') ?? '');
    await app.db
      .collection(sessions)
      .updateOne({ _id: old }, { $set: { idleExpiresAt: new Date(Date.now() - 1000) } });
    assert.ok((await sweepExpired(app.db, collectionsOf(features))) >= 1);
    assert.equal(await app.db.collection(sessions).findOne({ _id: old }), null);
    assert.ok(await record(live.jar.get('sid') ?? ''));
  });

  test('the first admins come from ADMIN_EMAILS; roles are checked on the server', async () => {
    const admin = createClient(app.baseUrl);
    const { role } = await signIn(admin, 'root@example.org');
    assert.equal(role, 'user', 'not listed in this app');
    const plain = await admin.get('/admin/users');
    assert.equal(plain.status, 403);
    assert.ok(plain.text.includes(html(tr(defaultLocale, 'errors.forbidden.title'))));
    const anonymous = await createClient(app.baseUrl).get('/admin/users');
    assert.equal(anonymous.status, 302);
  });
});

describe('sessions with the cache and ADMIN_EMAILS', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({
      features: [...features, testSignIn],
      env: { ADMIN_EMAILS: 'Root@Example.org, boss@example.org', SESSION_CACHE_MS: '60000' },
    });
  });
  after(() => app.close());

  test('listed emails become admins and see the users page', async () => {
    const admin = createClient(app.baseUrl);
    const { role } = await signIn(admin, 'root@example.org');
    assert.equal(role, 'admin');
    await signIn(createClient(app.baseUrl), 'member@example.org');
    const page = await admin.get('/admin/users');
    assert.equal(page.status, 200);
    assert.match(page.text, /member@example\.org/);
    assert.match(page.text, /root@example\.org/);
  });

  test('sign-out takes effect at once in this process, even with the session cache', async () => {
    const browser = createClient(app.baseUrl);
    await signIn(browser, 'cached@example.org');
    const id = browser.jar.get('sid') ?? '';
    assert.equal((await browser.get('/profile')).status, 200);
    const token = await browser.csrf('/profile');
    await browser.post('/logout', { form: { _csrf: token } });
    const replay = await createClient(app.baseUrl).get('/profile', {
      headers: { Cookie: `sid=${id}` },
    });
    assert.equal(replay.status, 302);
    const user = await app.db.collection(users).findOne({ email: 'cached@example.org' });
    assert.ok(user);
  });
});

describe('session cookie flags', () => {
  test('development on plain-http localhost: HttpOnly, SameSite=Lax, no Secure, no prefix', async () => {
    const app = await startTestApp({ features: [...features, testSignIn] });
    try {
      const res = await createClient(app.baseUrl).get('/test/sign-in?email=dev@example.org');
      const line = cookieLine(res, 'sid') ?? '';
      assert.match(line, /; path=\//);
      assert.match(line, /; samesite=lax/);
      assert.match(line, /; httponly/);
      assert.doesNotMatch(line, /secure/i);
    } finally {
      await app.close();
    }
  });

  test('production: a __Host- cookie, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain', async () => {
    const app = await startTestApp({
      features: [...features, testSignIn],
      env: { NODE_ENV: 'production', TRUST_PROXY: 'true', ...productionEmail },
    });
    try {
      const browser = createClient(app.baseUrl);
      const res = await browser.get('/test/sign-in?email=prod@example.org', {
        headers: { 'X-Forwarded-Proto': 'https' },
      });
      const line = cookieLine(res, '__Host-sid') ?? '';
      assert.match(
        line,
        /^__Host-sid=[\w-]{43}; path=\/; expires=[^;]+; samesite=lax; secure; httponly$/,
      );
      assert.doesNotMatch(line, /domain=/i);
      // Also when TLS ends at a proxy Koa does not trust: the browser saw https.
      const direct = await createClient(app.baseUrl).get('/test/sign-in?email=prod@example.org');
      assert.match(cookieLine(direct, '__Host-sid') ?? '', /; secure; httponly$/);
      const profile = await browser.get('/profile', { headers: { 'X-Forwarded-Proto': 'https' } });
      assert.equal(profile.status, 200);
      // The anonymous CSRF cookie has the same flags.
      const login = await createClient(app.baseUrl).get('/test/csrf', {
        headers: { 'X-Forwarded-Proto': 'https' },
      });
      assert.match(
        cookieLine(login, '__Host-csrf') ?? '',
        /^__Host-csrf=[\w-]{43}; path=\/; samesite=lax; secure; httponly$/,
      );
    } finally {
      await app.close();
    }
  });
});
