// The findings of the security review (docs/decisions/0100), each a test named after it that
// failed before its fix. Findings in a feature are tested in the feature's folder.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp } from '../helpers/app.ts';
import { createClient } from '../helpers/client.ts';
import { requireEnv } from '../helpers/env.ts';
import { networkAddress, request } from '../helpers/http.ts';
import { productionEmail } from '../helpers/production-env.ts';

describe('security review (core)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ env: { NODE_ENV: 'development' } });
  });
  after(() => app.close());

  const elsewhere = networkAddress();
  test('security review 1: outside production, debug routes refuse clients not on loopback', {
    skip: elsewhere ? false : 'this machine has no network address besides loopback',
  }, async () => {
    for (const path of ['/debug/info', '/debug/config', '/debug/emails', '/DEBUG/Emails']) {
      const remote = await request(`${app.baseUrl}${path}`, { localAddress: elsewhere });
      assert.equal(remote.status, 403, `${path} from ${elsewhere}`);
      assert.doesNotMatch(remote.text, /MONGODB_URL|outbox/i);
      // X-Forwarded-For cannot make a remote client local, nor a local one remote.
      const forged = await request(`${app.baseUrl}${path}`, {
        localAddress: elsewhere,
        headers: { 'X-Forwarded-For': '127.0.0.1' },
      });
      assert.equal(forged.status, 403, `${path} with a forged X-Forwarded-For`);
    }
    assert.equal((await request(`${app.baseUrl}/debug/info`)).status, 200, 'loopback passes');
    const home = await request(`${app.baseUrl}/`, { localAddress: elsewhere });
    assert.equal(home.status, 200, 'the rest of the site answers everyone');
  });

  test('security review 5: language links on any page, a 404 for //evil.example included, stay on this site', async () => {
    for (const path of [
      '//evil.example',
      '//evil.example/x',
      '/\\evil.example',
      '/./\\evil.example',
    ]) {
      const page = await request(`${app.baseUrl}${path}`);
      const links = [...page.text.matchAll(/href="([^"]*\?lang=[^"]*)"/g)].map((m) => m[1] ?? '');
      assert.ok(links.length > 0, `${path}: the switcher is there`);
      for (const link of links) {
        const resolved = new URL(link.replaceAll('&amp;', '&'), app.baseUrl);
        assert.equal(resolved.origin, app.baseUrl, `${path}: ${link}`);
        assert.match(link, /^\/(?![/\\])/, `${path}: ${link}`);
      }
    }
  });
});

describe('security review (per-IP limit)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true', RATE_LIMIT_PER_MINUTE: '2' } });
  });
  after(() => app.close());

  test('security review 4: /AUTH/... in any case is counted by the per-IP limit', async () => {
    // Every route under /auth/ that a GET reaches (sign-in links, provider sign-in and callbacks),
    // in lower, upper and mixed case: the router matches them all alike.
    const paths = [
      '/auth/verify/x',
      '/auth/oauth/google',
      '/auth/callback/github',
      '/auth/magic-link',
    ];
    const variants = paths.flatMap((path) => [
      path,
      path.toUpperCase(),
      path.replace(/[a-z]/g, (c, i) => (i % 2 ? c.toUpperCase() : c)),
    ]);
    let ip = 0;
    for (const path of variants) {
      const client = createClient(app.baseUrl, { ip: `203.0.113.${++ip}` });
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await client.get(path)).status);
      assert.notEqual(statuses[0], 429, path);
      assert.equal(statuses[2], 429, `${path}: ${statuses}`);
    }
  });
});

describe('security review (metrics in production)', () => {
  const elsewhere = networkAddress();
  const token = 'a-metrics-token-for-tests-0123456789';
  let open: Awaited<ReturnType<typeof startTestApp>>;
  let guarded: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    const env = { NODE_ENV: 'production', REDIS_URL: requireEnv('REDIS_URL'), ...productionEmail };
    open = await startTestApp({ env });
    guarded = await startTestApp({ env: { ...env, METRICS_TOKEN: token } });
  });
  after(async () => {
    await open.close();
    await guarded.close();
  });

  test('security review 8: /metrics needs METRICS_TOKEN, or without one answers on loopback only', {
    skip: elsewhere ? false : 'this machine has no network address besides loopback',
  }, async () => {
    const metrics = (app: typeof open, headers: Record<string, string> = {}, local = false) =>
      request(`${app.baseUrl}/metrics`, {
        headers: { Accept: 'application/json', ...headers },
        ...(local ? {} : { localAddress: elsewhere }),
      });
    assert.equal((await metrics(open)).status, 403, 'no token set: not from the network');
    assert.equal((await metrics(open, {}, true)).status, 200, 'no token set: loopback');
    assert.equal((await metrics(guarded, {}, true)).status, 401, 'token set: asked of everyone');
    const wrong = await metrics(guarded, { Authorization: `Bearer ${token.slice(1)}x` });
    assert.equal(wrong.status, 401);
    assert.match(String(wrong.headers['www-authenticate']), /^Bearer/);
    const right = await metrics(guarded, { Authorization: `Bearer ${token}` });
    assert.equal(right.status, 200);
    assert.match(right.text, /^# TYPE http_request_duration_seconds histogram$/m);
  });
});
