import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defineFeature } from '../../src/core/app/feature.ts';
import { defineCollection, ensureIndexes } from '../../src/core/data/db.ts';
import { features } from '../../src/features/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';
import { defaultLocale, html, otherLocale, tr } from '../helpers/i18n.ts';

type Widget = { slug: string; createdAt: Date };
const widgets = defineCollection<Widget>('widgets', [
  { key: { slug: 1 }, unique: true, name: 'slug_unique' },
]);

// A feature that exists only in this test, registered the way real features are.
const probe = defineFeature({
  name: 'probe',
  collections: [widgets],
  routes(router) {
    router.get('/boom', () => {
      throw new Error('secret internal detail');
    });
    router.get('/teapot', (ctx) => {
      ctx.throw(418, 'Short and stout', { headers: { 'Retry-After': '7' } });
    });
  },
  readinessChecks: () => [{ name: 'probe', check: async () => {} }],
});

describe('features and error pages', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ features: [...features, probe] });
  });
  after(() => app.close());

  test('a thrown error becomes a localized 500 page that leaks nothing', async () => {
    const lang = otherLocale ?? defaultLocale;
    const res = await request(`${app.baseUrl}/boom`, { headers: { 'Accept-Language': lang } });
    assert.equal(res.status, 500);
    assert.ok(res.text.includes(html(tr(lang, 'errors.server.title'))));
    assert.ok(
      res.text.includes(html(tr(lang, 'errors.requestId', { id: res.headers['x-request-id'] }))),
    );
    assert.doesNotMatch(res.text, /secret internal detail|at .*\.ts/);
  });

  test('JSON clients get a JSON error with the request id', async () => {
    const res = await request(`${app.baseUrl}/boom`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 500);
    assert.deepEqual(JSON.parse(res.text), {
      error: {
        status: 500,
        message: 'Internal Server Error',
        requestId: res.headers['x-request-id'],
      },
    });
  });

  test('client errors keep their message and headers', async () => {
    const res = await request(`${app.baseUrl}/teapot`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 418);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(JSON.parse(res.text).error.message, 'Short and stout');
  });

  test("a feature's readiness checks join the app's", async () => {
    const body = JSON.parse((await request(`${app.baseUrl}/health/ready`)).text);
    assert.deepEqual(Object.keys(body.checks).sort(), ['mongodb', 'probe']);
  });

  test('indexes declared by features are ensured, idempotently, and enforced', async () => {
    await ensureIndexes(app.db, [widgets], app.logger);
    await ensureIndexes(app.db, [widgets], app.logger);
    const indexes = await app.db.collection(widgets).listIndexes().toArray();
    const unique = indexes.find((index) => index.name === 'slug_unique');
    assert.ok(unique?.unique, JSON.stringify(indexes));
    await app.db.collection(widgets).insertOne({ slug: 'a', createdAt: new Date() });
    await assert.rejects(
      app.db.collection(widgets).insertOne({ slug: 'a', createdAt: new Date() }),
      {
        code: 11000,
      },
    );
  });
});
