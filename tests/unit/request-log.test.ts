import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import pino from 'pino';
import { requestLog } from '../../src/core/http/request-log.ts';

// The request log of a real Koa app with a route like the magic link's: the token in the path is
// a password while it lives, so it never reaches the log.
test('route parameters named like secrets are logged as ***', async () => {
  const lines: Array<{ path?: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  const app = new Koa();
  const router = new Router();
  router.get('/auth/verify/:token', (ctx) => {
    ctx.body = 'ok';
  });
  router.get('/users/:id', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(requestLog(pino(sink))).use(router.routes());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const token = 'Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg';
    await fetch(`${base}/auth/verify/${token}?next=%2F`);
    await fetch(`${base}/users/42`);
    await fetch(`${base}/nowhere/${token}`);
  } finally {
    server.close();
  }
  const paths = lines.map((line) => line.path);
  assert.deepEqual(paths, [
    '/auth/verify/***',
    '/users/42',
    '/nowhere/Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXg',
  ]);
});
