import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp } from '../helpers/app.ts';
import { requireEnv } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
let app: Awaited<ReturnType<typeof startTestApp>>;

before(async () => {
  proxy = await startTcpProxy(requireEnv('MONGODB_URL'));
  app = await startTestApp({ mongodbUrl: proxy.url });
});
after(async () => {
  await proxy.up();
  await app.close();
  await proxy.close();
});

test('security review 8: readiness follows the database (200 up, 503 naming it down, 200 again), never saying why', async () => {
  const ready = await request(`${app.baseUrl}/health/ready`);
  assert.equal(ready.status, 200);

  await proxy.down();
  const down = await request(`${app.baseUrl}/health/ready`);
  assert.equal(down.status, 503);
  const body = JSON.parse(down.text);
  assert.equal(body.status, 'unavailable');
  assert.equal(body.checks.mongodb.ok, false);

  // security review 8: the answer is public (a proxy passes it on): which check fails, never why.
  for (const path of ['/health/ready', '/health']) {
    const text = (await request(`${app.baseUrl}${path}`)).text;
    assert.deepEqual(Object.keys(JSON.parse(text).checks.mongodb).sort(), ['ms', 'ok'], path);
    assert.doesNotMatch(text, /error|timed out|ECONN|127\.0\.0\.1|:\d{4,5}\b/i, path);
  }

  const live = await request(`${app.baseUrl}/health/live`);
  assert.equal(live.status, 200, 'liveness does no I/O and stays up');

  await proxy.up();
  let status = 0;
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await request(`${app.baseUrl}/health/ready`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(status, 200, 'ready again once the database is back');
});
