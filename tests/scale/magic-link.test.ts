// Sign-in state across processes: a sign-in link asked for through one app process is confirmed
// through the other, which recognises the browser that asked (no code needed), and the session it
// starts is served by both (docs/decisions/0140). Slow suite; part of the magic-link feature.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connectDatabase, type Database } from '../../src/core/data/db.ts';
import { createLogger } from '../../src/core/observability/logger.ts';
import { createClient, csrfTokenOf } from '../helpers/client.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import type { RawResponse } from '../helpers/http.ts';
import { latestEmail } from '../helpers/outbox.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { type Balancer, startCaddy, startProcesses, stopProcesses } from './cluster.ts';

const database = `test_${randomBytes(5).toString('hex')}`;
const mongodbUrl = withDatabase(requireEnv('MONGODB_URL'), database);
let apps: ServerProcess[];
let caddy: Balancer;
let db: Database;
const servedBy = (res: RawResponse) => String(res.headers['x-served-by']);

before(async () => {
  db = await connectDatabase(
    mongodbUrl,
    database,
    createLogger({ LOG_LEVEL: 'silent', NODE_ENV: 'test' }),
  );
  // No SMTP_URL and no REDIS_URL: the email is sent during the request, into the outbox.
  apps = await startProcesses(2, 'src/server.ts', {
    MONGODB_URL: mongodbUrl,
    REDIS_URL: '',
    SMTP_URL: '',
    TRUST_PROXY: 'true',
    TRUST_PROXY_HOPS: '2',
  });
  caddy = await startCaddy(apps.map((app) => app.baseUrl));
});
after(async () => {
  await caddy?.close();
  if (apps) assert.deepEqual(await stopProcesses(apps), [0, 0]);
  await db?.db.dropDatabase();
  await db?.close();
});

test('a sign-in link asked for through one process is confirmed through the other', async () => {
  const client = createClient(caddy.baseUrl, { ip: '198.51.100.20' });
  const address = `link-${randomBytes(3).toString('hex')}@example.org`;
  const login = await client.get('/login');
  const asked = await client.post('/auth/magic-link', {
    form: { _csrf: csrfTokenOf(login), email: address, next: '/profile' },
  });
  assert.equal(asked.status, 200, asked.text);
  assert.notEqual(servedBy(asked), servedBy(login), 'token made by one, checked by the other');

  const email = await latestEmail(db, address);
  assert.ok(email.path);
  const confirm = await client.get(email.path);
  assert.equal(confirm.status, 200);
  assert.doesNotMatch(confirm.text, /name="code"/, 'the browser that asked needs no code');
  assert.notEqual(servedBy(confirm), servedBy(asked), 'the link opened on the other process');
  const signedIn = await client.post(email.path, { form: { _csrf: csrfTokenOf(confirm) } });
  assert.equal(signedIn.status, 303, signedIn.text);
  assert.equal(signedIn.headers.location, '/profile');

  const served = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const profile = await client.get('/profile');
    assert.equal(profile.status, 200);
    assert.ok(profile.text.includes(address), `signed in on ${servedBy(profile)}`);
    served.add(servedBy(profile));
  }
  assert.equal(served.size, 2);
});
