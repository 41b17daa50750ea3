import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { features } from '../../src/features/index.ts';
import { testSignIn } from '../helpers/accounts.ts';
import { startTestApp } from '../helpers/app.ts';
import { createClient } from '../helpers/client.ts';
import { requireEnv } from '../helpers/env.ts';
import { request } from '../helpers/http.ts';
import { defaultLocale, homeTitle, html, otherLocale, tr } from '../helpers/i18n.ts';
import { productionEmail } from '../helpers/production-env.ts';

describe('HTTP surface', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  test('GET / renders the home page with project info', async () => {
    const res = await request(`${app.baseUrl}/`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.ok(res.text.includes(`>${html(homeTitle(defaultLocale))}</h1>`), res.text);
    assert.match(res.text, /hx-get="\/status"/);
  });

  test('GET /status returns the HTMX partial, not a full page', async () => {
    const res = await request(`${app.baseUrl}/status`, { headers: { 'HX-Request': 'true' } });
    assert.equal(res.status, 200);
    assert.doesNotMatch(res.text, /<html/);
    assert.match(res.text, /data-testid="status"/);
    assert.match(res.text, /badge-success/);
    assert.equal(res.headers['cache-control'], 'no-store');
  });

  test('security headers: enforced CSP allowing only our own scripts and styles', async () => {
    const res = await request(`${app.baseUrl}/`);
    const csp = String(res.headers['content-security-policy']);
    assert.ok(!('content-security-policy-report-only' in res.headers));
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    assert.equal(directives['default-src'], "'self'");
    assert.equal(directives['script-src'], "'self'");
    assert.equal(directives['style-src'], "'self'");
    assert.equal(directives['object-src'], "'none'");
    assert.equal(directives['frame-ancestors'], "'none'");
    assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), csp);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    // Not no-referrer: browsers would send `Origin: null` on form posts (see security.ts).
    assert.equal(res.headers['referrer-policy'], 'same-origin');
    // No inline scripts or styles in the page itself, so the CSP costs nothing.
    assert.doesNotMatch(res.text, /<script(?![^>]*\bsrc=)[^>]*>/);
    assert.doesNotMatch(res.text, /<style|\sstyle="/);
  });

  test('fingerprinted assets: immutable caching, precompressed, unknown hashes 404', async () => {
    const page = await request(`${app.baseUrl}/`);
    const urls = [...page.text.matchAll(/(?:href|src)="(\/static\/[^"]+)"/g)].map(
      (m) => m[1] ?? '',
    );
    assert.equal(urls.length, 3, 'the favicon, one stylesheet and one script');
    for (const url of urls) {
      assert.match(url, /^\/static\/[\w-]{12}\/(app\.css|app\.js|favicon\.svg)$/);
      const plain = await request(`${app.baseUrl}${url}`);
      assert.equal(plain.status, 200);
      assert.equal(plain.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(plain.headers['content-encoding'], undefined);
      const gzip = await request(`${app.baseUrl}${url}`, {
        headers: { 'Accept-Encoding': 'gzip' },
      });
      assert.equal(gzip.headers['content-encoding'], 'gzip');
      assert.deepEqual(gunzipSync(gzip.body), plain.body);
      const br = await request(`${app.baseUrl}${url}`, {
        headers: { 'Accept-Encoding': 'gzip, br' },
      });
      assert.equal(br.headers['content-encoding'], 'br');
      assert.match(String(br.headers.vary), /Accept-Encoding/);
    }
    const stale = await request(`${app.baseUrl}/static/AAAAAAAAAAAA/app.css`);
    assert.equal(stale.status, 404);
    assert.notEqual(stale.headers['cache-control'], 'public, max-age=31536000, immutable');
  });

  test('HTML is compressed when the client accepts it', async () => {
    const res = await request(`${app.baseUrl}/`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(res.body).toString(), /<!DOCTYPE html>/);
  });

  test('unknown pages: localized HTML 404, or JSON for JSON clients', async () => {
    const lang = otherLocale ?? defaultLocale;
    const page = await request(`${app.baseUrl}/no-such-page`, {
      headers: { 'Accept-Language': lang },
    });
    assert.equal(page.status, 404);
    assert.ok(page.text.includes(html(tr(lang, 'errors.notFound.title'))), page.text);
    const json = await request(`${app.baseUrl}/no-such-page`, {
      headers: { Accept: 'application/json' },
    });
    assert.equal(json.status, 404);
    assert.match(String(json.headers['content-type']), /^application\/json/);
    const body = JSON.parse(json.text);
    assert.equal(body.error.status, 404);
    assert.equal(body.error.requestId, json.headers['x-request-id']);
  });

  test('request ids: a valid incoming X-Request-Id is echoed, anything else replaced', async () => {
    const kept = await request(`${app.baseUrl}/`, {
      headers: { 'X-Request-Id': 'edge-42.a:b' },
    });
    assert.equal(kept.headers['x-request-id'], 'edge-42.a:b');
    const replaced = await request(`${app.baseUrl}/`, {
      headers: { 'X-Request-Id': 'evil\tvalue<script>' },
    });
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    // Probes answer before request ids and page headers: they run every few seconds per instance.
    const probe = await request(`${app.baseUrl}/health/live`);
    assert.equal(probe.headers['x-request-id'], undefined);
  });

  test('health: live without I/O, ready and detailed with the database check', async () => {
    const live = await request(`${app.baseUrl}/health/live`);
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.text), { status: 'ok' });
    assert.equal(live.headers['cache-control'], 'no-store');
    const ready = await request(`${app.baseUrl}/health/ready`);
    assert.equal(ready.status, 200);
    assert.equal(JSON.parse(ready.text).checks.mongodb.ok, true);
    const health = JSON.parse((await request(`${app.baseUrl}/health`)).text);
    assert.equal(health.status, 'ok');
    assert.equal(typeof health.version, 'string');
  });

  test('metrics: Prometheus text with process metrics and durations by route template', async () => {
    await request(`${app.baseUrl}/`);
    await request(`${app.baseUrl}/nothing/here/123`);
    const res = await request(`${app.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(res.text, /^# TYPE process_cpu_user_seconds_total counter$/m);
    assert.match(res.text, /^# TYPE http_request_duration_seconds histogram$/m);
    assert.match(
      res.text,
      /^http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/",status="200"\} \d+$/m,
    );
    assert.match(
      res.text,
      /^http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\} [1-9]\d*$/m,
    );
    assert.doesNotMatch(res.text, /route="\/nothing/, 'raw paths never become labels');
  });

  test('debug routes exist in development', async () => {
    const info = await request(`${app.baseUrl}/debug/info`);
    assert.equal(info.status, 200);
    assert.equal(JSON.parse(info.text).node, process.version);
    const routes = JSON.parse((await request(`${app.baseUrl}/debug/routes`)).text);
    assert.ok(routes.some((r: { path: string }) => r.path === '/'));
    assert.ok(routes.some((r: { path: string }) => r.path === '/health/ready'));
    const config = JSON.parse((await request(`${app.baseUrl}/debug/config`)).text);
    assert.equal(config.NODE_ENV, 'test');
  });
});

describe('in production', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    // Production needs Redis while the job queue is enabled.
    app = await startTestApp({
      env: { NODE_ENV: 'production', REDIS_URL: requireEnv('REDIS_URL'), ...productionEmail },
      // /test/csrf: a valid token whichever sign-in features (and their forms) the project kept.
      features: [...features, testSignIn],
    });
  });
  after(() => app.close());

  const debugPaths = [
    '/debug',
    '/debug/info',
    '/debug/routes',
    '/debug/config',
    '/debug/emails',
    '/debug/db',
    '/debug/users',
    '/debug/templates',
    '/debug/templates/emails/notice/en/html',
    '/debug/assets',
    '/debug/jobs',
  ];
  for (const path of debugPaths) {
    test(`${path} does not exist (404)`, async () => {
      const res = await request(`${app.baseUrl}${path}`, {
        headers: { Accept: 'application/json' },
      });
      assert.equal(res.status, 404);
      assert.doesNotMatch(res.text, /MONGODB_URL|node/i);
    });
  }

  test('the debug forms do not exist either (404 with a valid CSRF token)', async () => {
    const client = createClient(app.baseUrl, { origin: productionEmail.PUBLIC_URL });
    const { token } = JSON.parse((await client.get('/test/csrf')).text);
    for (const path of ['/debug/users', '/debug/users/delete-fake', '/debug/jobs']) {
      const res = await client.post(path, { form: { _csrf: token, count: '1', role: 'admin' } });
      assert.equal(res.status, 404, path);
    }
  });

  test('HSTS is sent and the home page hides debug links', async () => {
    const res = await request(`${app.baseUrl}/`);
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.doesNotMatch(res.text, /\/debug\//);
  });
});
