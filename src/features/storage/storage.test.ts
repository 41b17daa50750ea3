// The storage contract: the same tests against the local disk and a real S3-compatible server on
// loopback (scripts/services.sh runs one that checks SigV4 signatures).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createSigningKey } from '../../core/auth/signing-key.ts';
import { diskStorage } from './local.ts';
import { s3Storage } from './s3.ts';
import { NotFoundError, type Storage, type StoredObject, TooLargeError } from './storage.ts';
import { s3TestServer, testBucket } from './testing.ts';

const SESSION_SECRET = randomBytes(32).toString('hex');

// Bytes made as they are read, never held whole: `size` of them, the same for the same seed.
function generated(size: number, seed = 1) {
  const block = createHash('sha512').update(String(seed)).digest();
  let left = size;
  return Readable.from(
    (function* () {
      while (left > 0) {
        const chunk = Buffer.alloc(Math.min(left, 64 * 1024));
        for (let i = 0; i < chunk.length; i += block.length) block.copy(chunk, i);
        left -= chunk.length;
        yield chunk;
      }
    })(),
  );
}

const digest = async (stream: Readable) => {
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
};

const text = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

async function listAll(storage: Storage, prefix: string) {
  const objects: StoredObject[] = [];
  for await (const object of storage.list(prefix)) objects.push(object);
  return objects;
}

const keys = async (storage: Storage, prefix: string) =>
  (await listAll(storage, prefix)).map((object) => object.key);

type Provider = {
  storage: Storage;
  /** Where a signed URL is fetched from (a local one is a path on the app). */
  baseUrl: string;
  close(): Promise<void>;
};

function contract(name: string, open: () => Promise<Provider | string>) {
  describe(`storage contract: ${name}`, () => {
    let provider: Provider;
    let skip: string | undefined;
    before(async () => {
      const opened = await open();
      if (typeof opened === 'string') skip = opened;
      else provider = opened;
    });
    after(() => provider?.close());
    const it = (title: string, body: (storage: Storage) => Promise<void>) =>
      test(title, async (t) => {
        if (skip) return t.skip(skip);
        await body(provider.storage);
      });

    it('put, get: the bytes, their type and size come back', async (storage) => {
      const put = await storage.put(
        'docs/hello.txt',
        Readable.from([Buffer.from('hello, world')]),
        {
          contentType: 'text/plain',
          maxBytes: 100,
        },
      );
      assert.equal(put.size, 12);
      const file = await storage.get('docs/hello.txt');
      assert.equal(file.contentType, 'text/plain');
      assert.equal(file.size, 12);
      assert.equal(await text(file.body), 'hello, world');
    });

    it('put streams: a file larger than one part arrives whole', async (storage) => {
      const size = 6 * 1024 * 1024 + 123;
      const put = await storage.put('big/file.bin', generated(size, 7), {
        contentType: 'application/octet-stream',
        maxBytes: size,
      });
      assert.equal(put.size, size);
      const file = await storage.get('big/file.bin');
      assert.equal(file.size, size);
      assert.equal(await digest(file.body), await digest(generated(size, 7)));
    });

    it('put past the size limit fails while streaming and keeps what was there', async (storage) => {
      await storage.put('limit/a.bin', generated(1000), { contentType: 'x/y', maxBytes: 1000 });
      let produced = 0;
      const endless = new Readable({
        read() {
          produced += 16 * 1024;
          this.push(Buffer.alloc(16 * 1024));
        },
      });
      await assert.rejects(
        storage.put('limit/a.bin', endless, { contentType: 'x/y', maxBytes: 100_000 }),
        TooLargeError,
      );
      assert.ok(produced < 10 * 1024 * 1024, `stopped reading (read ${produced} bytes)`);
      await assert.rejects(
        storage.put('limit/b.bin', generated(2001), { contentType: 'x/y', maxBytes: 2000 }),
        TooLargeError,
      );
      const kept = await storage.get('limit/a.bin');
      kept.body.destroy();
      assert.equal(kept.size, 1000);
      assert.deepEqual(await keys(storage, 'limit/'), ['limit/a.bin']);
    });

    it('a failing upload stream stores nothing', async (storage) => {
      const broken = new Readable({ read() {} });
      broken.push(Buffer.alloc(1000));
      setTimeout(() => broken.destroy(new Error('client went away')), 20);
      await assert.rejects(
        storage.put('broken/x', broken, { contentType: 'x/y', maxBytes: 10_000 }),
        /client went away/,
      );
      assert.deepEqual(await keys(storage, 'broken/'), []);
    });

    it('get and delete of a missing object', async (storage) => {
      await assert.rejects(storage.get('missing/nothing'), NotFoundError);
      await storage.delete('missing/nothing');
      await storage.put('gone/x', Readable.from([Buffer.from('x')]), {
        contentType: 'text/plain',
        maxBytes: 1,
      });
      await storage.delete('gone/x');
      await assert.rejects(storage.get('gone/x'), NotFoundError);
    });

    it('list by prefix, in key order, with sizes', async (storage) => {
      for (const key of ['list/b/2', 'list/a/1', 'list/a/2', 'listing/other']) {
        await storage.put(key, Readable.from([Buffer.from(key)]), {
          contentType: 'text/plain',
          maxBytes: 100,
        });
      }
      const listed = await listAll(storage, 'list/a/');
      assert.deepEqual(
        listed.map(({ key, size }) => ({ key, size })),
        [
          { key: 'list/a/1', size: 8 },
          { key: 'list/a/2', size: 8 },
        ],
      );
      assert.ok(listed.every((object) => object.lastModified instanceof Date));
      assert.deepEqual(await keys(storage, 'list/'), ['list/a/1', 'list/a/2', 'list/b/2']);
      assert.deepEqual(await keys(storage, 'nothing-here/'), []);
    });

    it('keys from outside are refused before any I/O', async (storage) => {
      for (const key of ['../etc/passwd', '/abs', 'a//b', 'a/../b', '', 'a\\b', '.hidden', 'a/']) {
        await assert.rejects(
          storage.put(key, Readable.from([]), { contentType: 'x/y', maxBytes: 1 }),
          TypeError,
          key,
        );
        await assert.rejects(storage.get(key), TypeError, key);
      }
      // The app's random ids start with "-" or "_" one time in 32, and make valid keys.
      for (const key of ['ids/_x9', 'ids/-x9']) {
        await storage.put(key, Readable.from([Buffer.from('ok')]), {
          contentType: 'text/plain',
          maxBytes: 10,
        });
        await storage.delete(key);
      }
    });

    it('a signed URL downloads under its name until it expires', async (storage) => {
      await storage.put('signed/report.txt', Readable.from([Buffer.from('<h1>not a page</h1>')]), {
        contentType: 'text/html',
        maxBytes: 100,
      });
      const url = new URL(
        await storage.signedUrl('signed/report.txt', {
          expiresInSeconds: 60,
          filename: 'Report é.txt',
        }),
        provider.baseUrl,
      );
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), '<h1>not a page</h1>');
      const disposition = res.headers.get('content-disposition') ?? '';
      assert.match(disposition, /^attachment;/);
      assert.match(disposition, /filename\*=UTF-8''Report%20%C3%A9\.txt/);

      // Another key under the same signature is refused.
      const other = new URL(url);
      other.pathname = other.pathname.replace('report.txt', 'other.txt');
      assert.equal((await fetch(other)).status, 403);

      const shortLived = await storage.signedUrl('signed/report.txt', {
        expiresInSeconds: 1,
        filename: 'r.txt',
      });
      await sleep(2_100);
      const expired = await fetch(new URL(shortLived, provider.baseUrl));
      assert.equal(expired.status, 403);
    });
  });
}

contract('local disk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'groundwork-storage-'));
  const app = await startTestApp({ env: { STORAGE_DIR: dir, SESSION_SECRET } });
  return {
    storage: diskStorage(dir, createSigningKey(app.config, app.db)),
    baseUrl: app.baseUrl,
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

contract('S3 (real server on loopback)', async () => {
  const server = s3TestServer();
  if (typeof server === 'string') return server;
  const bucket = await testBucket(server);
  const app = await startTestApp({ env: bucket.env });
  const closers: Array<() => void> = [];
  const storage = s3Storage(app.config, (close) => closers.push(close));
  return {
    storage,
    baseUrl: app.baseUrl,
    async close() {
      await bucket.drop(async () => {
        for (const { key } of await listAll(storage, '')) await storage.delete(key);
      });
      for (const close of closers) close();
      await app.close();
    },
  };
});

describe('S3 signatures', () => {
  test('the test server refuses a request signed with the wrong secret', async (t) => {
    const server = s3TestServer();
    if (typeof server === 'string') return t.skip(server);
    const bucket = await testBucket(server);
    const app = await startTestApp({
      env: { ...bucket.env, STORAGE_S3_SECRET_ACCESS_KEY: 'not-the-secret' },
    });
    const closers: Array<() => void> = [];
    try {
      const storage = s3Storage(app.config, (close) => closers.push(close));
      await assert.rejects(
        storage.put('x', Readable.from([Buffer.from('x')]), { contentType: 'x/y', maxBytes: 1 }),
        (error: Error) =>
          /Signature|Access ?Denied|InvalidAccessKey/i.test(`${error.name} ${error.message}`),
      );
    } finally {
      for (const close of closers) close();
      await app.close();
      await bucket.drop(async () => {});
    }
  });
});

// The AWS SDK (~35 MB) and the multipart parser load with the first file, never with the app:
// an app process that serves pages, even with STORAGE_DRIVER=s3, has neither in memory.
test('the app starts and serves pages without loading the S3 SDK or the upload parser', () => {
  const script = `
    import { createRequire } from 'node:module';
    const { startTestApp } = await import(${JSON.stringify(new URL('../../../tests/helpers/app.ts', import.meta.url).href)});
    const app = await startTestApp({ env: { STORAGE_DRIVER: 's3', STORAGE_S3_BUCKET: 'unused' } });
    for (const path of ['/', '/login', '/profile']) await (await fetch(app.baseUrl + path)).text();
    await app.close();
    const loaded = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify(loaded.filter((path) => /@aws-sdk|busboy|file-type/.test(path))));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: process.env,
  });
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout.trim().split('\n').at(-1) ?? ''), []);
});
