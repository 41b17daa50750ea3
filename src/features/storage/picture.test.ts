// The profile picture through the app: multipart upload with CSRF, type checked by the bytes, size
// limit, replace and delete, served with headers that keep it an image, on both storages.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { signIn, testSignIn } from '../../../tests/helpers/accounts.ts';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { type Client, createClient } from '../../../tests/helpers/client.ts';
import { request } from '../../../tests/helpers/http.ts';
import { type User, users } from '../../core/auth/users.ts';
import { features } from '../index.ts';
import { PICTURE_MAX_BYTES } from './picture.ts';
import { s3TestServer, testBucket, testPng } from './testing.ts';

type App = Awaited<ReturnType<typeof startTestApp>>;

// A multipart/form-data body as a browser would send it (FormData, serialised by fetch's Response).
async function multipart(
  file: Buffer,
  { name = 'me.png', type = 'image/png', field = 'picture' } = {},
) {
  const form = new FormData();
  form.set(field, new Blob([new Uint8Array(file)], { type }), name);
  const encoded = new Response(form);
  return {
    body: Buffer.from(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type') as string,
  };
}

async function upload(
  app: App,
  browser: Client,
  file: Buffer,
  {
    csrf = true,
    chunked = false,
    ...options
  }: { csrf?: boolean; chunked?: boolean; name?: string; type?: string; field?: string } = {},
) {
  const { body, contentType } = await multipart(file, options);
  const headers: Record<string, string> = {
    Cookie: [...browser.jar].map(([name, value]) => `${name}=${value}`).join('; '),
    Origin: app.baseUrl,
    'Content-Type': contentType,
    'HX-Request': 'true',
    ...(chunked ? { 'Transfer-Encoding': 'chunked' } : {}),
  };
  if (csrf) headers['X-CSRF-Token'] = await browser.csrf('/profile');
  return request(`${app.baseUrl}/profile/picture`, { method: 'POST', headers, body });
}

const pictureOf = async (app: App, email: string) =>
  ((await app.db.collection(users).findOne({ email })) as User | null)?.picture;

async function signedInBrowser(app: App) {
  const browser = createClient(app.baseUrl);
  const email = `pic-${randomBytes(4).toString('hex')}@example.org`;
  await signIn(browser, email);
  return { browser, email };
}

const providers: Array<{
  name: string;
  env: () => Promise<{ env: Record<string, string>; done(): Promise<void> } | string>;
}> = [
  {
    name: 'local disk',
    async env() {
      const dir = mkdtempSync(join(tmpdir(), 'groundwork-pictures-'));
      return {
        env: { STORAGE_DIR: dir },
        done: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'S3',
    async env() {
      const server = s3TestServer();
      if (typeof server === 'string') return server;
      const bucket = await testBucket(server);
      return { env: bucket.env, done: () => bucket.drop(async () => {}) };
    },
  },
];

for (const provider of providers) {
  describe(`profile picture (${provider.name})`, () => {
    let app: App;
    let skip: string | undefined;
    let done: () => Promise<void> = async () => {};
    before(async () => {
      const setup = await provider.env();
      if (typeof setup === 'string') {
        skip = setup;
        return;
      }
      done = setup.done;
      app = await startTestApp({ env: setup.env, features: [...features, testSignIn] });
    });
    after(async () => {
      // Objects left by the tests go with the bucket: delete through the app first.
      if (app) {
        for (const email of emails) {
          const browser = createClient(app.baseUrl);
          await signIn(browser, email);
          await browser.post('/profile/picture/delete', {
            form: { _csrf: await browser.csrf('/profile') },
          });
        }
        await app.close();
      }
      await done();
    });
    const emails: string[] = [];

    test('upload, show, replace and delete', async (t) => {
      if (skip) return t.skip(skip);
      const { browser, email } = await signedInBrowser(app);
      emails.push(email);
      const first = testPng(3);
      const res = await upload(app, browser, first);
      assert.equal(res.status, 303, res.text);
      assert.equal(res.headers.location, '/profile');
      const path = await pictureOf(app, email);
      assert.match(String(path), /^\/pictures\/[a-f0-9]{24}\/[\w-]{43}$/);

      const image = await browser.get(String(path));
      assert.equal(image.status, 200);
      assert.equal(image.headers['content-type'], 'image/png');
      assert.equal(image.headers['x-content-type-options'], 'nosniff');
      assert.match(String(image.headers['content-disposition']), /^inline; filename="picture"/);
      assert.match(String(image.headers['cache-control']), /private, max-age=31536000, immutable/);
      assert.deepEqual(image.body, first);

      const page = await browser.get('/profile');
      assert.ok(page.text.includes(`src="${path}"`), 'shown on /profile and in the navbar');
      assert.ok(page.text.includes('data-testid="nav-picture"'));
      // Pictures are for signed-in users only.
      assert.equal((await createClient(app.baseUrl).get(String(path))).status, 302);

      const second = testPng(5);
      assert.equal((await upload(app, browser, second)).status, 303);
      const replaced = await pictureOf(app, email);
      assert.notEqual(replaced, path);
      assert.deepEqual((await browser.get(String(replaced))).body, second);
      assert.equal((await browser.get(String(path))).status, 404, 'the old picture is gone');

      const token = await browser.csrf('/profile');
      const removed = await browser.post('/profile/picture/delete', { form: { _csrf: token } });
      assert.equal(removed.status, 303);
      assert.equal(await pictureOf(app, email), undefined);
      assert.equal((await browser.get(String(replaced))).status, 404);
    });
  });
}

describe('profile picture: refusals', () => {
  let app: App;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'groundwork-pictures-'));
    app = await startTestApp({ env: { STORAGE_DIR: dir }, features: [...features, testSignIn] });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stored = (userId: string) => {
    try {
      return readdirSync(join(dir, 'files', 'pictures', userId));
    } catch {
      return [];
    }
  };

  test('no CSRF token: refused, nothing stored', async () => {
    const { browser, email } = await signedInBrowser(app);
    const res = await upload(app, browser, testPng(), { csrf: false });
    assert.equal(res.status, 403);
    assert.equal(await pictureOf(app, email), undefined);
  });

  test('the type is read from the bytes, not the name or the declared type', async () => {
    const { browser, email } = await signedInBrowser(app);
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await upload(app, browser, html, { name: 'me.png', type: 'image/png' });
    assert.equal(res.status, 415);
    assert.equal(res.headers['hx-retarget'], '#picture-section');
    assert.ok(res.text.includes('role="alert"'), res.text);
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    assert.equal(
      (await upload(app, browser, svg, { name: 'me.svg', type: 'image/svg+xml' })).status,
      415,
    );
    assert.equal((await upload(app, browser, Buffer.alloc(0))).status, 415);
    assert.equal(await pictureOf(app, email), undefined);
  });

  test('too large: refused by its declared length, or while it streams', async () => {
    const { browser, email } = await signedInBrowser(app);
    const big = testPng(1, PICTURE_MAX_BYTES + 10);
    const declared = await upload(app, browser, big);
    assert.equal(declared.status, 413);
    const streamed = await upload(app, browser, big, { chunked: true });
    assert.equal(streamed.status, 413, streamed.text);
    assert.equal(await pictureOf(app, email), undefined);
    const user = await app.db.collection(users).findOne({ email });
    assert.deepEqual(stored(String(user?._id)), []);
    // Just under the limit is fine.
    assert.equal((await upload(app, browser, testPng(1, PICTURE_MAX_BYTES - 200))).status, 303);
  });

  test('no file, or another field: a message, nothing stored', async () => {
    const { browser, email } = await signedInBrowser(app);
    const res = await upload(app, browser, testPng(), { field: 'other' });
    assert.equal(res.status, 400);
    assert.equal(await pictureOf(app, email), undefined);
  });

  test('uploads are rate limited per user', async () => {
    const { browser } = await signedInBrowser(app);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await upload(app, browser, testPng())).status);
    assert.deepEqual(statuses, [...Array(10).fill(303), 429], JSON.stringify(statuses));
  });

  test('signed local links: tampered or outside keys are refused', async () => {
    const client = createClient(app.baseUrl);
    assert.equal(
      (await client.get('/storage/pictures/x?expires=1&disposition=inline&filename=a&signature=b'))
        .status,
      403,
    );
    assert.equal((await client.get('/storage/..%2F..%2Fpackage.json')).status, 404);
  });
});
