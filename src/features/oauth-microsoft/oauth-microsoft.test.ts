import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { signIn, testSignIn } from '../../../tests/helpers/accounts.ts';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient, csrfTokenOf } from '../../../tests/helpers/client.ts';
import { defaultLocale, html, tr } from '../../../tests/helpers/i18n.ts';
import { followSignIn } from '../../../tests/helpers/oauth-flow.ts';
import { startOidcServer } from '../../../tests/helpers/oidc-server.ts';
import { users } from '../../core/auth/users.ts';
import { features } from '../index.ts';

const appOrigin = 'http://app.test';

describe('sign in with Microsoft (a real OIDC server on loopback)', () => {
  let oidc: Awaited<ReturnType<typeof startOidcServer>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const browser = () => createClient(app.baseUrl, { origin: appOrigin });
  before(async () => {
    oidc = await startOidcServer({ redirectUris: [`${appOrigin}/auth/callback/microsoft`] });
    app = await startTestApp({
      features: [...features, testSignIn],
      env: {
        PUBLIC_URL: appOrigin,
        MICROSOFT_CLIENT_ID: oidc.clientId,
        MICROSOFT_CLIENT_SECRET: oidc.clientSecret,
        MICROSOFT_ISSUER: oidc.issuer,
      },
    });
  });
  after(async () => {
    await app.close();
    await oidc.close();
  });

  test("Microsoft's email claim never links to an existing account, even marked verified", async () => {
    await signIn(browser(), 'ceo@example.org');
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/microsoft', {
      appOrigin,
      login: { email: 'ceo@example.org', verified: 'on', name: 'Not the CEO' },
    });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes(html(tr(defaultLocale, 'oauth:ask.body', { name: 'Microsoft' }))));
    const created = await client.post('/auth/oauth/microsoft/pending', {
      form: { _csrf: csrfTokenOf(res), choice: 'create' },
    });
    assert.equal(created.status, 303);
    const owner = await app.db.collection(users).findOne({ email: 'ceo@example.org' });
    assert.deepEqual(owner?.identities, []);
    const fresh = await app.db
      .collection(users)
      .findOne({ 'identities.key': 'microsoft:ceo@example.org' });
    assert.equal(fresh?.email, undefined);
    assert.equal(fresh?.displayName, 'Not the CEO');
    // Next time the same Microsoft account signs straight in.
    const again = browser();
    const back = await followSignIn(again, '/auth/oauth/microsoft', {
      appOrigin,
      login: { email: 'ceo@example.org', verified: 'on' },
    });
    assert.equal(back.status, 302);
    assert.match((await again.get('/profile')).text, /value="Not the CEO"/);
  });
});
