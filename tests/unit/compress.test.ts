import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Koa from 'koa';
import { compressResponses, visitorPart } from '../../src/core/http/compress.ts';
import { request } from '../helpers/http.ts';

describe('compressResponses', () => {
  let server: ReturnType<Koa['listen']>;
  let base = '';
  before(async () => {
    const app = new Koa();
    app.use(compressResponses());
    app.use((ctx) => {
      const words = Number(ctx.query.words ?? 400);
      const text = Array.from({ length: words }, (_, i) => `word${i % 50}`).join(' ');
      if (ctx.path === '/json') ctx.body = { text };
      else if (ctx.path === '/png') {
        ctx.type = 'image/png';
        ctx.body = Buffer.alloc(4096, 1);
      } else if (ctx.path === '/form') {
        // A page whose only per-visitor text is a token, written twice, as a form page would.
        const token = String(ctx.query.token);
        visitorPart(ctx, token);
        if (ctx.query.other) visitorPart(ctx, String(ctx.query.other));
        ctx.type = 'html';
        ctx.body = `<form><input value="${token}">${text}</form><p>${ctx.query.other ?? ''}</p><i>${token}</i>`;
      } else {
        ctx.type = 'html';
        ctx.body = `<p>${ctx.query.who ?? ''} ${text}</p>`;
      }
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('gzip or brotli as the client accepts, identity otherwise', async () => {
    const gzip = await request(`${base}/`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.match(gunzipSync(gzip.body).toString(), /^<p> word0 word1/);
    assert.equal(Number(gzip.headers['content-length']), gzip.body.length);
    const br = await request(`${base}/`, { headers: { 'Accept-Encoding': 'br' } });
    assert.equal(br.headers['content-encoding'], 'br');
    assert.match(brotliDecompressSync(br.body).toString(), /^<p> word0/);
    const plain = await request(`${base}/`);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(String(plain.headers.vary), /Accept-Encoding/);
  });

  test('JSON bodies are compressed; small (in bytes) and binary bodies are not', async () => {
    const json = await request(`${base}/json`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(json.headers['content-encoding'], 'gzip');
    assert.match(JSON.parse(gunzipSync(json.body).toString()).text, /^word0/);
    const small = await request(`${base}/?words=5`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(small.headers['content-encoding'], undefined);
    // 600 characters, 1,200 bytes: the threshold counts bytes.
    const wide = 'ü'.repeat(600);
    const accented = await request(`${base}/?words=0&who=${encodeURIComponent(wide)}`, {
      headers: { 'Accept-Encoding': 'gzip' },
    });
    assert.equal(accented.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(accented.body).toString(), `<p>${wide} </p>`);
    const png = await request(`${base}/png`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(png.headers['content-encoding'], undefined);
  });

  test('the cache returns each body its own compressed bytes', async () => {
    for (let round = 0; round < 2; round++) {
      for (const who of ['alice', 'bob', 'carol']) {
        const res = await request(`${base}/?who=${who}`, {
          headers: { 'Accept-Encoding': 'gzip' },
        });
        assert.match(gunzipSync(res.body).toString(), new RegExp(`^<p>${who} word0`));
      }
    }
  });

  test('answers stay correct while the bounded cache evicts', async () => {
    for (let i = 0; i < 300; i++) {
      const res = await request(`${base}/?who=user${i}`, { headers: { 'Accept-Encoding': 'br' } });
      assert.match(brotliDecompressSync(res.body).toString(), new RegExp(`^<p>user${i} `));
    }
  });

  test('a page that differs per visitor only in marked parts is gzip made of cached pieces', async () => {
    const expected = (token: string, other = '') =>
      `<form><input value="${token}">${Array.from({ length: 400 }, (_, i) => `word${i % 50}`).join(' ')}</form><p>${other}</p><i>${token}</i>`;
    for (const [token, other] of [
      ['tok-one', ''],
      ['tok-two', ''],
      ['tok-ünï-çødé', 'and-another'],
      ['missing-from-nothing', 'word7'],
    ] as const) {
      // Browsers also accept br; a per-visitor page still comes as gzip, the cheap one to splice.
      const res = await request(
        `${base}/form?token=${encodeURIComponent(token)}&other=${encodeURIComponent(other)}`,
        { headers: { 'Accept-Encoding': 'gzip, deflate, br, zstd' } },
      );
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.equal(Number(res.headers['content-length']), res.body.length);
      // gunzip checks the CRC-32 and length in the trailer as well as the stream.
      assert.equal(gunzipSync(res.body).toString(), expected(token, other));
    }
    const brOnly = await request(`${base}/form?token=abc`, {
      headers: { 'Accept-Encoding': 'br' },
    });
    assert.equal(brOnly.headers['content-encoding'], 'br');
    assert.equal(brotliDecompressSync(brOnly.body).toString(), expected('abc'));
  });
});
