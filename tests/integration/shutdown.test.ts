import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { CLOSE_MARGIN_MS } from '../../src/core/observability/lifecycle.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

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
    // The readiness window is long enough for a loaded machine (3 s was not, with the matrix
    // running copies side by side): the test polls for 503 inside it, then waits for the exit.
    const server = await startServerProcess({ MONGODB_URL: proxy.url, SHUTDOWN_DELAY_MS: '10000' });
    assert.equal((await request(`${server.baseUrl}/health/ready`)).status, 200);

    proxy.slow(600);
    const started = Date.now();
    const pinging = proxy.sent('ping');
    const slow = request(`${server.baseUrl}/status`);
    await pinging; // /status is waiting on the database: in flight
    server.child.kill('SIGTERM');

    let draining = await request(`${server.baseUrl}/health/ready`);
    while (draining.status === 200) draining = await request(`${server.baseUrl}/health/ready`);
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
    const pinging = proxy.sent('ping');
    const slow = request(`${server.baseUrl}/status`).catch((error: Error) => error);
    await pinging;
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    assert.ok((await slow) instanceof Error, 'the cut-off request fails rather than hanging');
    assert.ok(
      server.logs.some((l) => l.msg === 'stopped' && l.clean === false),
      server.output(),
    );
  });

  test('a close that hangs ends at the hard deadline: exit 1, saying so, not a silent SIGKILL', async () => {
    const redis = await startTcpProxy(requireEnv('REDIS_URL'));
    try {
      proxy.slow(0);
      const server = await startServerProcess({
        MONGODB_URL: proxy.url,
        REDIS_URL: redis.url,
        JOBS_QUEUE: `test_${randomBytes(5).toString('hex')}`,
        SHUTDOWN_TIMEOUT_MS: '200',
      });
      assert.equal((await request(`${server.baseUrl}/health/ready`)).status, 200);
      // Every byte to and from Redis now takes a minute: closing its clients hangs.
      redis.slow(60_000);
      const started = Date.now();
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 1, server.output());
      const late = server.logs.find((l) => l.msg === 'shutdown took too long');
      assert.equal(late?.ms, 200 + CLOSE_MARGIN_MS, server.output());
      assert.ok(Date.now() - started < 200 + CLOSE_MARGIN_MS + 5_000);
    } finally {
      await redis.close();
    }
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
