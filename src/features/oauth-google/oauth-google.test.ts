import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient } from '../../../tests/helpers/client.ts';
import { defaultLocale, html, tr } from '../../../tests/helpers/i18n.ts';
import { followSignIn } from '../../../tests/helpers/oauth-flow.ts';
import { startOidcServer } from '../../../tests/helpers/oidc-server.ts';
import { users } from '../../core/auth/users.ts';

const appOrigin = 'http://app.test';

describe('sign in with Google (a real OIDC server on loopback)', () => {
  let oidc: Awaited<ReturnType<typeof startOidcServer>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const browser = () => createClient(app.baseUrl, { origin: appOrigin });
  before(async () => {
    oidc = await startOidcServer({ redirectUris: [`${appOrigin}/auth/callback/google`] });
    app = await startTestApp({
      env: {
        PUBLIC_URL: appOrigin,
        GOOGLE_CLIENT_ID: oidc.clientId,
        GOOGLE_CLIENT_SECRET: oidc.clientSecret,
        GOOGLE_ISSUER: oidc.issuer,
      },
    });
  });
  after(async () => {
    await app.close();
    await oidc.close();
  });

  test('the provider shows on /login only when configured', async () => {
    const page = await browser().get('/login');
    const label = html(tr(defaultLocale, 'oauth:continueWith', { name: 'Google' }));
    assert.match(
      page.text,
      new RegExp(`href="/auth/oauth/google\\?next=%2F"[^>]*>${RegExp.escape(label)}<`),
    );
    assert.doesNotMatch(page.text, /auth\/oauth\/github|auth\/oauth\/microsoft/);
    assert.equal((await browser().get('/auth/oauth/github')).status, 404);
  });

  test('the authorization request carries state, PKCE (S256) and a nonce', async () => {
    const res = await browser().get('/auth/oauth/google');
    assert.equal(res.status, 302);
    const url = new URL(String(res.headers.location));
    assert.equal(url.origin, oidc.issuer);
    assert.ok(url.searchParams.get('state'));
    assert.ok(url.searchParams.get('nonce'));
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.equal(url.searchParams.get('redirect_uri'), `${appOrigin}/auth/callback/google`);
  });

  test('a verified email creates the account and signs in', async () => {
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/google?next=%2Fprofile', {
      appOrigin,
      login: { email: 'grace@example.org', name: 'Grace Hopper', verified: 'on' },
    });
    assert.equal(res.status, 302, res.text);
    assert.equal(res.headers.location, '/profile');
    const profile = await client.get('/profile');
    assert.equal(profile.status, 200);
    assert.match(profile.text, /value="Grace Hopper"/);
    const user = await app.db.collection(users).findOne({ email: 'grace@example.org' });
    assert.equal(user?.identities[0]?.key, 'google:grace@example.org');
  });
});
