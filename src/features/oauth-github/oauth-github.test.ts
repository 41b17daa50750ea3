import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient } from '../../../tests/helpers/client.ts';
import { startGithubServer } from '../../../tests/helpers/github-server.ts';
import { defaultLocale, html, tr } from '../../../tests/helpers/i18n.ts';
import { followSignIn } from '../../../tests/helpers/oauth-flow.ts';
import { users } from '../../core/auth/users.ts';

const appOrigin = 'http://app.test';

describe('sign in with GitHub (an OAuth 2 server with its API on loopback)', () => {
  let github: Awaited<ReturnType<typeof startGithubServer>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  const browser = () => createClient(app.baseUrl, { origin: appOrigin });
  before(async () => {
    github = await startGithubServer();
    app = await startTestApp({
      env: {
        PUBLIC_URL: appOrigin,
        GITHUB_CLIENT_ID: github.clientId,
        GITHUB_CLIENT_SECRET: github.clientSecret,
        GITHUB_URL: github.url,
        GITHUB_API_URL: github.apiUrl,
      },
    });
  });
  after(async () => {
    await app.close();
    await github.close();
  });

  test('the verified primary email creates the account; the next sign-in finds it', async () => {
    github.signInAs({
      id: 42,
      login: 'octocat',
      name: 'The Octocat',
      emails: [
        { email: 'other@example.org', primary: false, verified: true },
        { email: 'Octo@Example.org', primary: true, verified: true },
      ],
    });
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/github', { appOrigin, login: {} });
    assert.equal(res.status, 302, res.text);
    const user = await app.db.collection(users).findOne({ email: 'octo@example.org' });
    assert.equal(user?.displayName, 'The Octocat');
    assert.equal(user?.identities[0]?.key, 'github:42');
    const again = browser();
    await followSignIn(again, '/auth/oauth/github', { appOrigin, login: {} });
    assert.equal((await again.get('/profile')).status, 200);
    assert.equal(await app.db.collection(users).countDocuments({}), 1);
  });

  test('an unverified primary email is not trusted: the person is asked', async () => {
    github.signInAs({
      id: 7,
      login: 'mallory',
      name: null,
      emails: [{ email: 'octo@example.org', primary: true, verified: false }],
    });
    const client = browser();
    const res = await followSignIn(client, '/auth/oauth/github', { appOrigin, login: {} });
    assert.equal(res.status, 200);
    assert.ok(res.text.includes(html(tr(defaultLocale, 'oauth:ask.body', { name: 'GitHub' }))));
    const owner = await app.db.collection(users).findOne({ email: 'octo@example.org' });
    assert.deepEqual(
      owner?.identities.map((i) => i.key),
      ['github:42'],
    );
  });
});
