import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineOAuthFeature } from '../../src/core/app/oauth-feature.ts';
import { oauthStates } from '../../src/core/auth/oauth.ts';
import { sessions } from '../../src/core/auth/sessions.ts';
import { users } from '../../src/core/auth/users.ts';
import { accounts } from '../../src/features/accounts/index.ts';
import { home } from '../../src/features/home/index.ts';
import { signIn, testSignIn } from '../helpers/accounts.ts';
import { startTestApp } from '../helpers/app.ts';
import { type Client, createClient, csrfTokenOf } from '../helpers/client.ts';
import { request } from '../helpers/http.ts';
import { defaultLocale, html, tr } from '../helpers/i18n.ts';
import { followSignIn } from '../helpers/oauth-flow.ts';
import { startOidcForger } from '../helpers/oidc-forger.ts';
import { startOidcServer } from '../helpers/oidc-server.ts';

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

// The shared OAuth flow of src/core/auth/oauth.ts, with two providers that exist only here: "test", a
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
      env: { PUBLIC_URL: appOrigin },
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
    });
    assert.equal(taken.status, 409);
    assert.ok(taken.text.includes(text('oauth:taken.title')));
  });
});
