import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRateLimits, rateLimitCounters } from '../../src/core/auth/rate-limit.ts';
import { startTestApp } from '../helpers/app.ts';
import { createClient } from '../helpers/client.ts';
import { requireEnv } from '../helpers/env.ts';
import { defaultLocale, html, otherLocale, tr } from '../helpers/i18n.ts';

const lang = otherLocale ?? defaultLocale;

for (const store of ['MongoDB', 'Redis'] as const) {
  describe(`the general per-IP limit, counted in ${store}`, () => {
    let app: Awaited<ReturnType<typeof startTestApp>>;
    before(async () => {
      app = await startTestApp({
        env: {
          RATE_LIMIT_PER_MINUTE: '3',
          ...(store === 'Redis' ? { REDIS_URL: requireEnv('REDIS_URL') } : {}),
        },
      });
      // Until Redis is connected, the in-memory stand-in counts (tested below).
      await createClient(app.baseUrl).get('/health/ready');
    });
    after(() => app.close());

    test('unsafe requests over the limit get a localized 429 with Retry-After', async () => {
      const browser = createClient(app.baseUrl);
      for (let i = 0; i < 3; i++) {
        const res = await browser.post('/logout', { form: {} });
        assert.equal(res.status, 403, 'counted, then refused for its missing token');
      }
      const limited = await browser.post('/logout', {
        form: {},
        headers: { 'Accept-Language': lang },
      });
      assert.equal(limited.status, 429);
      const retryAfter = Number(limited.headers['retry-after']);
      assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
      assert.ok(limited.text.includes(html(tr(lang, 'errors.tooMany.title'))));
      assert.match(limited.text, /role="alert"/);
      // Page views are not counted.
      assert.equal((await browser.get('/')).status, 200);
    });

    test(`the counters live in ${store}`, async () => {
      const counted = await app.db.collection(rateLimitCounters).countDocuments({});
      if (store === 'MongoDB') assert.ok(counted > 0);
      else assert.equal(counted, 0);
      if (store === 'Redis') {
        // Read where they must be: the limiter would fall back to memory on any Redis error.
        const redis = new Redis(requireEnv('REDIS_URL'));
        try {
          const keys = await redis.keys(`${app.db.db.databaseName}:ip:*`);
          assert.equal(keys.length, 1, `one counter for the test's address: ${keys}`);
          assert.equal(await redis.get(keys[0] as string), '4', 'three refused posts and the 429');
        } finally {
          redis.disconnect();
        }
      }
    });
  });
}

describe('the per-IP limit behind a proxy', () => {
  test('forged X-Forwarded-For entries do not escape it: only the proxy-added one counts', async () => {
    const app = await startTestApp({
      env: { RATE_LIMIT_PER_MINUTE: '3', TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '1' },
    });
    try {
      const client = `198.51.100.${randomBytes(1)[0]}`;
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        // What the client sent, then what our one proxy appended: the address it saw.
        const forged = `203.0.113.${i}`;
        const res = await createClient(app.baseUrl).post('/logout', {
          form: {},
          headers: { 'X-Forwarded-For': `${forged}, ${client}` },
        });
        statuses.push(res.status);
      }
      assert.deepEqual(statuses, [403, 403, 403, 429]);
    } finally {
      await app.close();
    }
  });
});

describe('rate limits when Redis is down', () => {
  test('an in-memory limiter of the same size takes over', async () => {
    const app = await startTestApp();
    try {
      const limits = createRateLimits({
        config: { ...app.config, REDIS_URL: 'redis://127.0.0.1:9' },
        db: app.db,
        lifecycle: app.lifecycle,
      });
      const limit = limits.create(`down-${randomBytes(4).toString('hex')}`, {
        points: 2,
        durationSeconds: 60,
      });
      const ctx = {
        throw(status: number) {
          throw Object.assign(new Error('limited'), { status });
        },
      } as never;
      await limit.consume(ctx, 'k');
      await limit.consume(ctx, 'k');
      await assert.rejects(limit.consume(ctx, 'k'), { status: 429 });
    } finally {
      await app.close();
    }
  });
});
