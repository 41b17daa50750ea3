import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser, users } from '../../src/core/auth/users.ts';
import { features } from '../../src/features/index.ts';
import { project } from '../../src/project.ts';
import { startTestApp } from '../helpers/app.ts';
import { type Client, createClient, csrfTokenOf } from '../helpers/client.ts';
import { defaultLocale, tr } from '../helpers/i18n.ts';

// The development pages under /debug (src/core/app/debug/): each a page and, on
// `Accept: application/json`, the same data as JSON. Production's 404s are in http.test.ts.
const JSON_ACCEPT = { Accept: 'application/json' };

async function json(client: Client, path: string) {
  const res = await client.get(path, { headers: JSON_ACCEPT });
  assert.equal(res.status, 200, `${path}: ${res.text}`);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  return JSON.parse(res.text);
}

describe('development pages', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let client: Client;
  before(async () => {
    app = await startTestApp();
    client = createClient(app.baseUrl);
  });
  after(() => app.close());

  test("/debug links every page, the features' ones included; the home page links /debug", async () => {
    const page = await client.get('/debug');
    assert.equal(page.status, 200);
    for (const path of ['/debug/db', '/debug/users', '/debug/templates', '/debug/assets'])
      assert.match(page.text, new RegExp(`href="${path}"`));
    const { pages } = await json(client, '/debug');
    const paths = pages.map((p: { path: string }) => p.path);
    assert.equal(
      paths.includes('/debug/jobs'),
      features.some((f) => f.name === 'jobs'),
    );
    for (const { path } of pages) {
      const res = await client.get(path);
      assert.equal(res.status, 200, `${path} answers`);
    }
    assert.ok(pages.every((p: { title: string }) => !p.title.startsWith('debug.')));
    assert.match((await client.get('/')).text, /href="\/debug"/);
  });

  test('/debug/db: connection, server version, collections with counts and indexes', async () => {
    await createUser(app.db, { email: 'someone@example.com', displayName: 'Someone' }, []);
    const db = await json(client, '/debug/db');
    assert.equal(db.connection.database, app.db.db.databaseName);
    assert.match(db.server.version, /^\d+\.\d+/);
    const usersInfo = db.collections.find((c: { name: string }) => c.name === 'users');
    assert.equal(usersInfo.count, 1);
    assert.equal(usersInfo.declared, true);
    const email = usersInfo.indexes.find((i: { name: string }) => i.name === 'email_unique');
    // As the server reports it (FerretDB does not keep `sparse`).
    assert.deepEqual([email.key, email.unique], [{ email: 1 }, true]);
    const page = await client.get('/debug/db');
    assert.match(page.text, /data-testid="db-collection"/);
  });

  test('/debug/users makes fake users, signs in as one, deletes only them', async () => {
    const real = await createUser(app.db, { email: 'real@example.com', displayName: 'Real' }, []);
    const browser = createClient(app.baseUrl);
    const token = csrfTokenOf(await browser.get('/debug/users'));
    const made = await browser.post('/debug/users', {
      headers: JSON_ACCEPT,
      form: { _csrf: token, count: '3', role: 'admin' },
    });
    assert.equal(made.status, 201, made.text);
    const list = JSON.parse(made.text);
    assert.equal(list.created, 3);
    const fakes = list.users.filter((u: { fake: boolean }) => u.fake);
    assert.equal(fakes.length, 3);
    assert.ok(fakes.every((u: { role: string; email: string }) => u.role === 'admin'));
    assert.ok(fakes.every((u: { email: string }) => u.email.endsWith('@example.test')));

    const refused = await browser.post('/debug/users', {
      headers: JSON_ACCEPT,
      form: { _csrf: token, count: '0', role: 'owner' },
    });
    assert.equal(refused.status, 422);
    assert.equal(
      JSON.parse(refused.text).error,
      tr(defaultLocale, 'debug.users.invalid', { max: 100 }),
    );

    // Without a token: refused like every form of the app.
    const forged = await browser.post('/debug/users', { form: { count: '1', role: 'user' } });
    assert.equal(forged.status, 403);

    // A real account is never signed in as.
    const notFake = await browser.post(`/debug/users/${real._id}/sign-in`, {
      form: { _csrf: token },
    });
    assert.equal(notFake.status, 404);
    const signIn = await browser.post(`/debug/users/${fakes[0].id}/sign-in`, {
      form: { _csrf: token },
    });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.location, '/');
    assert.ok(browser.jar.size > 0);
    assert.match((await browser.get('/')).text, new RegExp(RegExp.escape(fakes[0].displayName)));

    // HTMX: the list comes back as a fragment; the real account stays.
    const signedInToken = csrfTokenOf(await browser.get('/debug/users'));
    const deleted = await browser.post('/debug/users/delete-fake', {
      headers: { 'HX-Request': 'true' },
      form: { _csrf: signedInToken },
    });
    assert.equal(deleted.status, 200);
    assert.doesNotMatch(deleted.text, /<html/);
    assert.match(deleted.text, new RegExp(tr(defaultLocale, 'debug.users.deleted', { count: 3 })));
    assert.equal(await app.db.collection(users).countDocuments({ fake: true }), 0);
    assert.ok(await app.db.collection(users).findOne({ _id: real._id }));
    // The fake user's session ended with it.
    assert.doesNotMatch(
      (await browser.get('/')).text,
      new RegExp(RegExp.escape(fakes[0].displayName)),
    );
  });

  test("/debug/templates: each view's locals; each email in every language", async () => {
    const { views, emails } = await json(client, '/debug/templates');
    const usersView = views.find((v: { name: string }) => v.name === 'debug/users-list');
    assert.ok(usersView.own.includes('users') && usersView.own.includes('total'), usersView.own);
    assert.ok(usersView.common.includes('t') && usersView.common.includes('csrf'));
    const notice = emails.find((e: { template: string }) => e.template === 'notice');
    assert.deepEqual(
      notice.previews.map((p: { lang: string }) => p.lang),
      [...project.locales],
    );
    for (const lang of project.locales) {
      const { message: preview } = await json(client, `/debug/templates/emails/notice/${lang}`);
      assert.equal(preview.subject, tr(lang, 'emails.sample.subject', { name: project.name }));
      assert.match(preview.text, new RegExp(RegExp.escape(tr(lang, 'emails.sample.heading'))));
      const page = await client.get(`/debug/templates/emails/notice/${lang}`);
      assert.match(page.text, /<iframe[^>]+sandbox=""/);
      const html = await client.get(`/debug/templates/emails/notice/${lang}/html`);
      assert.equal(html.status, 200);
      assert.match(html.text, new RegExp(`<html lang="${lang}"`));
      const csp = String(html.headers['content-security-policy']);
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /sandbox/);
    }
    assert.equal((await client.get('/debug/templates/emails/notice/xx')).status, 404);
    assert.equal((await client.get('/debug/templates/emails/nothing/en')).status, 404);
  });

  test('/debug/assets: built files, hashes and sizes against the budget', async () => {
    const { files, budget } = await json(client, '/debug/assets');
    const css = files.find((f: { name: string }) => f.name === 'app.css');
    assert.match(css.url, new RegExp(`^/static/${css.hash}/app\\.css$`));
    assert.ok(css.raw > css.gzip && css.gzip > 0 && css.br > 0);
    assert.equal(budget.bytes, 30_000);
    const firstLoad = files
      .filter((f: { firstLoad: boolean }) => f.firstLoad)
      .reduce((sum: number, f: { gzip: number }) => sum + f.gzip, 0);
    assert.equal(budget.assetsGzip, firstLoad);
    assert.equal(budget.within, firstLoad <= 30_000);
    // The development pages' own stylesheet is built, linked by them alone, and not counted.
    const debugCss = files.find((f: { name: string }) => f.name === 'debug.css');
    assert.equal(debugCss.firstLoad, false);
    const linked = (html: string) => [...html.matchAll(/<link rel="stylesheet" href="([^"]+)"/g)];
    assert.deepEqual(
      linked((await client.get('/debug/assets')).text).map(([, href]) => href),
      [debugCss.url],
    );
    assert.deepEqual(
      linked((await client.get('/')).text).map(([, href]) => href),
      [css.url],
    );
  });
});

describe('development pages without the optional features', () => {
  const kept = features.filter((feature) => ['home', 'accounts'].includes(feature.name));
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ features: kept });
  });
  after(() => app.close());

  test('signing in as a fake user needs no sign-in feature; /debug lists only what exists', async () => {
    const browser = createClient(app.baseUrl);
    const token = csrfTokenOf(await browser.get('/debug/users'));
    const made = await browser.post('/debug/users', {
      headers: JSON_ACCEPT,
      form: { _csrf: token, count: '1', role: 'user' },
    });
    const [fake] = JSON.parse(made.text).users;
    const signIn = await browser.post(`/debug/users/${fake.id}/sign-in`, {
      form: { _csrf: token },
    });
    assert.equal(signIn.status, 303);
    assert.match((await browser.get('/')).text, new RegExp(RegExp.escape(fake.displayName)));
    const { pages } = await json(browser, '/debug');
    assert.ok(!pages.some((p: { path: string }) => p.path === '/debug/jobs'));
    assert.equal((await browser.get('/debug/jobs')).status, 404);
  });
});
