import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signIn, testSignIn } from '../../../tests/helpers/accounts.ts';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { type Client, createClient, csrfTokenOf } from '../../../tests/helpers/client.ts';
import { request } from '../../../tests/helpers/http.ts';
import { defaultLocale, html, tr } from '../../../tests/helpers/i18n.ts';
import { followSignIn } from '../../../tests/helpers/oauth-flow.ts';
import { startOidcForger } from '../../../tests/helpers/oidc-forger.ts';
import { startOidcServer } from '../../../tests/helpers/oidc-server.ts';
import { sessions } from '../../core/auth/sessions.ts';
import { users } from '../../core/auth/users.ts';
import { outbox } from '../../core/email/email.ts';
import { accounts } from '../accounts/index.ts';
import { home } from '../home/index.ts';
import { RECENT_SIGN_IN_MS } from './flow.ts';
import { defineOAuthFeature } from './index.ts';
import { oauthStates } from './states.ts';

const appOrigin = 'http://app.test';
// The test client sends no Accept-Language, so pages come in the project's default language.
const lang = defaultLocale;
// A page's text in HTML; {{name}} is the provider's label, which for these test-only providers
// has no translation (i18next answers with the key's last part).
const text = (key: string, options: Record<string, unknown> = {}) =>
  html(tr(lang, key, { name: tr(lang, 'oauth-test:name'), ...options }));
const linkedAs = (provider: string, name: string) =>
  new RegExp(
    `data-provider="${provider}"[\\s\\S]*?${RegExp.escape(text('accounts:profile.linked.as', { name }))}`,
  );

// The shared OAuth flow of this folder, with two providers that exist only here: "test", a
// real OIDC server (oidc-provider), and "forge", a hostile one that returns crafted ID tokens.
describe('OAuth flow and linking rules', () => {
  let oidc: Awaited<ReturnType<typeof startOidcServer>>;
  let forger: Awaited<ReturnType<typeof startOidcForger>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const browser = () => createClient(app.baseUrl, { origin: appOrigin });

  before(async () => {
    oidc = await startOidcServer({ redirectUris: [`${appOrigin}/auth/callback/test`] });
    forger = await startOidcForger();
    const provider = (
      id: string,
      server: { issuer: string; clientId: string; clientSecret: string },
    ) =>
      defineOAuthFeature(`oauth-${id}`, () => ({
        id,
        label: `oauth-${id}:name`,
        clientId: server.clientId,
        clientSecret: server.clientSecret,
        scope: 'openid email profile',
        issuer: new URL(server.issuer),
      }));
    app = await startTestApp({
      // Sessions read fresh on every request: a test ages one in the database.
      env: { PUBLIC_URL: appOrigin, SESSION_CACHE_MS: '0' },
      features: [home, accounts, testSignIn, provider('test', oidc), provider('forge', forger)],
    });
  });
  after(async () => {
    await app.close();
    await oidc.close();
    await forger.close();
  });

  // Starts a flow with the forger and returns the callback path it sends the browser back to.
  async function callbackFromForger(client: Client) {
    const start = await client.get('/auth/oauth/forge');
    const authorize = await request(String(start.headers.location));
    return String(authorize.headers.location).slice(appOrigin.length);
  }

  const counts = async () => ({
    users: await app.db.collection(users).countDocuments({}),
    sessions: await app.db.collection(sessions).countDocuments({}),
  });

  test('state mismatch -> rejected, nothing changed', async () => {
    const victim = browser();
    const attacker = browser();
    const before = await counts();
    const attackerCallback = await callbackFromForger(attacker);
    await callbackFromForger(victim);
    // Login CSRF: the attacker's callback (their code and state) opened in the victim's browser.
    const res = await victim.get(attackerCallback);
    assert.equal(res.status, 400);
    assert.ok(res.text.includes(text('oauth:failed.title')));
    // And a callback without any state cookie.
    const stranger = await browser().get(attackerCallback);
    assert.equal(stranger.status, 400);
    assert.deepEqual(await counts(), before);
  });

  test('missing PKCE verifier (the saved state is gone, or the callback is replayed) -> rejected', async () => {
    const client = browser();
    const callback = await callbackFromForger(client);
    const cookie = client.jar.get('oauth') ?? '';
    await app.db.collection(oauthStates).deleteMany({});
    const before = await counts();
    assert.equal((await client.get(callback)).status, 400);
    const replay = await browser().get(callback, { headers: { Cookie: `oauth=${cookie}` } });
    assert.equal(replay.status, 400);
    assert.deepEqual(await counts(), before);
  });

  for (const mode of ['bad-nonce', 'forged-signature', 'wrong-audience', 'wrong-issuer'] as const) {
    test(`${mode} ID token -> rejected, no account, no session`, async () => {
      forger.set({ mode, subject: `attack-${mode}`, email: `${mode}@example.org` });
      const client = browser();
      const before = await counts();
      const res = await client.get(await callbackFromForger(client));
      assert.equal(res.status, 400);
      assert.equal(client.jar.has('sid'), false);
      assert.deepEqual(await counts(), before);
    });
  }

  test('a valid ID token from the same server signs in (the control case)', async () => {
    forger.set({ mode: 'valid', subject: 'honest', email: 'honest@example.org' });
    const client = browser();
    const res = await client.get(await callbackFromForger(client));
    assert.equal(res.status, 302);
    assert.equal((await client.get('/profile')).status, 200);
  });

  test('the person cancels at the provider -> the failure page, nothing changed', async () => {
    const client = browser();
    const start = await client.get('/auth/oauth/forge');
    const state = new URL(String(start.headers.location)).searchParams.get('state');
    const res = await client.get(`/auth/callback/forge?error=access_denied&state=${state}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /role="alert"/);
  });

  test('a provider that cannot be reached -> a clear failure page, and a retry later', async () => {
    const down = await startTestApp({
      env: { PUBLIC_URL: appOrigin },
      features: [
        home,
        accounts,
        defineOAuthFeature('oauth-down', () => ({
          id: 'down',
          label: 'oauth-down:name',
          clientId: 'x',
          clientSecret: 'y',
          scope: 'openid',
          issuer: new URL('http://127.0.0.1:9/'),
        })),
      ],
    });
    try {
      const res = await createClient(down.baseUrl).get('/auth/oauth/down');
      assert.equal(res.status, 502);
      assert.match(res.text, /role="alert"/);
    } finally {
      await down.close();
    }
  });

  test('injection in callback parameters -> 400 before any query', async () => {
    const client = browser();
    await client.get('/auth/oauth/forge');
    const res = await client.get('/auth/callback/forge?state[$ne]=x&code=y');
    assert.equal(res.status, 400);
  });

  test('a provider-verified email links to the existing account with that email', async () => {
    const existing = browser();
    const { id } = await signIn(existing, 'linked@example.org');
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/test', {
      appOrigin,
      login: { email: 'linked@example.org', verified: 'on' },
    });
    assert.equal(res.status, 302);
    const user = await app.db.collection(users).findOne({ email: 'linked@example.org' });
    assert.equal(String(user?._id), id);
    assert.deepEqual(
      user?.identities.map((i) => i.provider),
      ['test'],
    );
    assert.equal(await app.db.collection(users).countDocuments({ email: 'linked@example.org' }), 1);
  });

  test('an unverified email never links: the person is asked, and may create a new account', async () => {
    const existing = browser();
    await signIn(existing, 'careful@example.org');
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/test', {
      appOrigin,
      login: { email: 'careful@example.org', name: 'Someone' },
    });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes(text('oauth:ask.title')));
    assert.equal(client.jar.has('sid'), false, 'not signed in as the existing account');
    const owner = await app.db.collection(users).findOne({ email: 'careful@example.org' });
    assert.deepEqual(owner?.identities, []);
    const created = await client.post('/auth/oauth/test/pending', {
      form: { _csrf: csrfTokenOf(res), choice: 'create' },
    });
    assert.equal(created.status, 303);
    const profile = await client.get('/profile');
    assert.ok(profile.text.includes(`data-testid="email">${text('accounts:profile.noEmail')}<`));
    assert.match(profile.text, /value="Someone"/);
    const again = await client.post('/auth/oauth/test/pending', {
      form: { _csrf: csrfTokenOf(profile), choice: 'create' },
    });
    assert.equal(again.status, 400, 'the pending sign-in was used up');
  });

  test('linking from the profile, unlinking while another way remains, and taken identities', async () => {
    // A user without email, signed in with "forge" only.
    forger.set({ mode: 'valid', subject: 'solo', email: 'solo@example.org' });
    const solo = browser();
    await solo.get(await callbackFromForger(solo));
    await app.db
      .collection(users)
      .updateOne({ 'identities.key': 'forge:solo' }, { $unset: { email: '' } });
    let profile = await solo.get('/profile');
    assert.match(profile.text, linkedAs('forge', 'solo@example.org'));
    assert.match(
      profile.text,
      new RegExp(
        `<button[^>]*disabled[^>]*>${RegExp.escape(text('accounts:profile.linked.unlink'))}<`,
      ),
      'the only way cannot be unlinked',
    );
    const refused = await solo.post('/profile/identities/forge/unlink', {
      form: { _csrf: csrfTokenOf(profile) },
    });
    assert.equal(refused.status, 409);
    assert.ok(refused.text.includes(text('accounts:profile.linked.lastWay')));

    // Linking "test" from the profile adds a second way; then "forge" can go.
    const linked = await followSignIn(solo, '/auth/oauth/test', {
      appOrigin,
      login: { email: 'solo-test@example.org', verified: 'on' },
      form: { _csrf: csrfTokenOf(profile) },
    });
    assert.equal(linked.headers.location, '/profile');
    profile = await solo.get('/profile');
    assert.match(profile.text, linkedAs('test', 'solo-test@example.org'));
    const unlinked = await solo.post('/profile/identities/forge/unlink', {
      form: { _csrf: csrfTokenOf(profile) },
    });
    assert.equal(unlinked.status, 303);
    const user = await app.db
      .collection(users)
      .findOne({ 'identities.key': 'test:solo-test@example.org' });
    assert.deepEqual(
      user?.identities.map((i) => i.provider),
      ['test'],
    );

    // Someone else cannot link the same "test" identity to their account.
    const other = browser();
    await signIn(other, 'other@example.org');
    const taken = await followSignIn(other, '/auth/oauth/test', {
      appOrigin,
      login: { email: 'solo-test@example.org', verified: 'on' },
      form: { _csrf: csrfTokenOf(await other.get('/profile')) },
    });
    assert.equal(taken.status, 409);
    assert.ok(taken.text.includes(text('oauth:taken.title')));
  });

  test('security review 6: linking needs a POST with the CSRF token and a recent sign-in, and the owner is told of every link and unlink', async () => {
    const owner = browser();
    const address = 'notice-owner@example.org';
    await signIn(owner, address);
    const before = await app.db.collection(oauthStates).countDocuments({});

    // A GET (a link or an image on another site) never starts linking.
    const viaGet = await owner.get('/auth/oauth/test');
    assert.equal(viaGet.status, 302);
    assert.equal(viaGet.headers.location, '/profile');
    // A POST without the token is refused by the CSRF check.
    assert.equal((await owner.post('/auth/oauth/test', { form: {} })).status, 403);
    // A session signed in more than 10 minutes ago must sign in again first.
    const token = csrfTokenOf(await owner.get('/profile'));
    await app.db
      .collection(sessions)
      .updateMany({}, { $set: { createdAt: new Date(Date.now() - RECENT_SIGN_IN_MS - 60_000) } });
    const stale = await owner.post('/auth/oauth/test', { form: { _csrf: token } });
    assert.equal(stale.status, 403);
    assert.ok(stale.text.includes(text('oauth:reauth.title')));
    assert.equal(
      await app.db.collection(oauthStates).countDocuments({}),
      before,
      'no flow started',
    );

    // Signed in again: linking works, and the owner gets an email about it; so does unlinking.
    await signIn(owner, address);
    const linked = await followSignIn(owner, '/auth/oauth/test', {
      appOrigin,
      login: { email: 'notice-link@example.org', verified: 'on' },
      form: { _csrf: csrfTokenOf(await owner.get('/profile')) },
    });
    assert.equal(linked.headers.location, '/profile');
    const emails = () =>
      app.db.collection(outbox).find({ to: address }).sort({ createdAt: 1 }).toArray();
    const [notice] = await emails();
    assert.equal(notice?.subject, tr(lang, 'emails.signInMethod.linked.subject', { name: 'name' }));
    // A second way (the forger's), so that the first may go.
    forger.set({ mode: 'valid', subject: 'notice', email: 'notice-forge@example.org' });
    const start = await owner.post('/auth/oauth/forge', {
      form: { _csrf: csrfTokenOf(await owner.get('/profile')) },
    });
    const authorize = await request(String(start.headers.location));
    await owner.get(String(authorize.headers.location).slice(appOrigin.length));
    const profile = await owner.get('/profile');
    const unlinked = await owner.post('/profile/identities/test/unlink', {
      form: { _csrf: csrfTokenOf(profile) },
    });
    assert.equal(unlinked.status, 303);
    const subjects = (await emails()).map((email) => email.subject);
    assert.deepEqual(subjects, [
      tr(lang, 'emails.signInMethod.linked.subject', { name: 'name' }),
      tr(lang, 'emails.signInMethod.linked.subject', { name: 'name' }),
      tr(lang, 'emails.signInMethod.unlinked.subject', { name: 'name' }),
    ]);
  });
});
