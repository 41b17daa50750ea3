// The app keeps no state of its own: two web processes behind one Caddy (round robin) share
// sign-in, sessions, CSRF tokens and rate limits through MongoDB and Redis, so a browser may land
// on either for any request (docs/decisions/0140). Slow suite (`npm run test:all`).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { signIn } from '../helpers/accounts.ts';
import { createClient } from '../helpers/client.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import type { RawResponse } from '../helpers/http.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { type Balancer, startCaddy, startProcesses, stopProcesses } from './cluster.ts';

const RATE_LIMIT = 4;
const SESSION_CACHE_MS = 2_000;

describe('two app processes behind one Caddy', () => {
  let apps: ServerProcess[];
  let caddy: Balancer;
  let ips = 0;
  const browser = () => createClient(caddy.baseUrl, { ip: `198.51.100.${++ips}` });
  const servedBy = (res: RawResponse) => String(res.headers['x-served-by']);
  const json = (res: RawResponse) => JSON.parse(res.text);

  before(async () => {
    apps = await startProcesses(2, 'tests/scale/app.ts', {
      MONGODB_URL: withDatabase(
        requireEnv('MONGODB_URL'),
        `test_${randomBytes(5).toString('hex')}`,
      ),
      REDIS_URL: requireEnv('REDIS_URL'),
      // The jobs feature's queue, when it is there: not the shared default one.
      JOBS_QUEUE: `test_jobs_${randomBytes(5).toString('hex')}`,
      TRUST_PROXY: 'true',
      TRUST_PROXY_HOPS: '2',
      RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
      SESSION_CACHE_MS: String(SESSION_CACHE_MS),
    });
    caddy = await startCaddy(apps.map((app) => app.baseUrl));
  });
  after(async () => {
    await caddy?.close();
    if (apps) assert.deepEqual(await stopProcesses(apps), [0, 0]);
  });

  test('Caddy sends consecutive requests to different processes', async () => {
    const client = browser();
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(servedBy(await client.get('/health/live')));
    const hosts = apps.map((app) => new URL(app.baseUrl).host);
    assert.deepEqual(new Set(seen), new Set(hosts), 'both processes answered');
    for (let i = 1; i < seen.length; i++) assert.notEqual(seen[i], seen[i - 1]);
  });

  test('signed in through one process, served as that user by the other', async () => {
    const client = browser();
    const email = `scale-${randomBytes(3).toString('hex')}@example.org`;
    await signIn(client, email);
    const served = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const me = await client.get('/test/me');
      served.add(servedBy(me));
      assert.deepEqual(json(me), { email }, `served by ${servedBy(me)}`);
    }
    assert.equal(served.size, 2);
  });

  test('a CSRF token from one process is accepted by the other; a wrong one by neither', async () => {
    const client = browser();
    await signIn(client, `csrf-${randomBytes(3).toString('hex')}@example.org`);
    const page = await client.get('/test/csrf');
    const { token } = json(page);
    const wrong = await client.post('/test/sign-out', { form: { _csrf: `${token}x` } });
    assert.equal(wrong.status, 403);
    const right = await client.post('/test/sign-out', { form: { _csrf: token } });
    assert.notEqual(servedBy(right), servedBy(wrong), 'the two posts went to both processes');
    assert.equal(right.status, 200, right.text);
    const sameAsPage = [servedBy(wrong), servedBy(right)].filter((by) => by === servedBy(page));
    assert.equal(sameAsPage.length, 1, 'one post went to the process that made the token');
  });

  test('signed out through one process: the other stops serving the session within SESSION_CACHE_MS', async () => {
    const client = browser();
    const email = `out-${randomBytes(3).toString('hex')}@example.org`;
    await signIn(client, email);
    // Both processes have the session cached now.
    for (let i = 0; i < 2; i++) assert.deepEqual(json(await client.get('/test/me')), { email });
    const cookie = client.jar.get('sid');
    const { token } = json(await client.get('/test/csrf'));
    const out = await client.post('/test/sign-out', { form: { _csrf: token } });
    assert.equal(out.status, 200);
    const signedOutAt = Date.now();
    // The old cookie, as a stolen copy would replay it, on every process.
    const replay = () => client.get('/test/me', { headers: { Cookie: `sid=${cookie}` } });
    // Two in a row: one reaches each process.
    while (json(await replay()).email !== null || json(await replay()).email !== null) {
      assert.ok(Date.now() - signedOutAt < SESSION_CACHE_MS + 1_000, 'still signed in');
      await sleep(100);
    }
  });

  test('rate limits count across processes: the limit is reached at the same count', async () => {
    const client = browser();
    const statuses = [];
    const served = new Set<string>();
    // Everything under /auth/ counts against the per-IP limit, even a page that does not exist.
    for (let i = 0; i <= RATE_LIMIT; i++) {
      const res = await client.get('/auth/no-such-page');
      statuses.push(res.status);
      served.add(servedBy(res));
      if (res.status === 429) assert.ok(Number(res.headers['retry-after']) > 0);
    }
    assert.equal(served.size, 2, 'the attempts went to both processes');
    assert.deepEqual(statuses, [...Array(RATE_LIMIT).fill(404), 429]);
    // Another address is not affected.
    assert.equal((await browser().get('/auth/no-such-page')).status, 404);
  });
});
