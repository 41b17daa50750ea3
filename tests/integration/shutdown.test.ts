import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('graceful shutdown of the server process', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  before(async () => {
    // The database sits behind a proxy that can be slowed down, which makes /status (it pings
    // the database) a genuinely slow in-flight request.
    proxy = await startTcpProxy(
      withDatabase(requireEnv('MONGODB_URL'), `test_${randomBytes(5).toString('hex')}`),
    );
  });
  after(() => proxy.close());

  test('SIGTERM: readiness 503 first, the in-flight request finishes, then exit 0', async () => {
    proxy.slow(0);
    const server = await startServerProcess({ MONGODB_URL: proxy.url, SHUTDOWN_DELAY_MS: '400' });
    assert.equal((await request(`${server.baseUrl}/health/ready`)).status, 200);

    proxy.slow(600);
    const started = Date.now();
    const slow = request(`${server.baseUrl}/status`);
    await sleep(100);
    server.child.kill('SIGTERM');
    await sleep(100);

    const draining = await request(`${server.baseUrl}/health/ready`);
    assert.equal(draining.status, 503);
    assert.equal(JSON.parse(draining.text).status, 'draining');

    const response = await slow;
    assert.equal(response.status, 200);
    assert.ok(Date.now() - started >= 600, 'the request really was in flight');
    assert.match(response.text, /badge-success/);
    assert.equal(response.headers.connection, 'close');

    assert.equal(await server.exited, 0);
    assert.ok(
      server.logs.some((l) => l.msg === 'stopped' && l.clean === true),
      server.output(),
    );
    await assert.rejects(request(`${server.baseUrl}/health/live`), /ECONNREFUSED/);
  });

  test('a request longer than SHUTDOWN_TIMEOUT_MS is cut off and the process still exits 0', async () => {
    proxy.slow(0);
    const server = await startServerProcess({ MONGODB_URL: proxy.url, SHUTDOWN_TIMEOUT_MS: '200' });
    proxy.slow(1_000);
    const slow = request(`${server.baseUrl}/status`).catch((error: Error) => error);
    await sleep(100);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok((await slow) instanceof Error, 'the cut-off request fails rather than hanging');
    assert.ok(
      server.logs.some((l) => l.msg === 'stopped' && l.clean === false),
      server.output(),
    );
  });

  test('an invalid configuration stops the start with every problem listed', async () => {
    await assert.rejects(
      startServerProcess({ MONGODB_URL: proxy.url, PORT: 'abc', LOG_LEVEL: 'loud' }),
      (error: Error) => {
        assert.match(error.message, /exited with 78/);
        assert.match(error.message, /PORT \(got "abc" from environment\): must be a number/);
        assert.match(error.message, /LOG_LEVEL \(got "loud" from environment\)/);
        return true;
      },
    );
  });
});
