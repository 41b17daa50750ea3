import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createSigningKey, signingKeys } from '../../src/core/auth/signing-key.ts';
import { connectDatabase, type Database } from '../../src/core/data/db.ts';
import { startTestApp } from '../helpers/app.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';

describe('the signing key', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app.close());

  // A database of its own, with no key yet, for each test.
  async function freshDatabase(): Promise<Database> {
    const name = `test_${randomBytes(5).toString('hex')}`;
    const db = await connectDatabase(
      withDatabase(requireEnv('MONGODB_URL'), name),
      name,
      app.logger,
    );
    app.lifecycle.onShutdown(async () => {
      await db.db.dropDatabase();
      await db.close();
    });
    return db;
  }

  test('with SESSION_SECRET: derived from it, the same in every instance, nothing stored', async () => {
    const db = await freshDatabase();
    const secret = randomBytes(24).toString('hex');
    const one = createSigningKey({ ...app.config, SESSION_SECRET: secret }, db);
    const two = createSigningKey({ ...app.config, SESSION_SECRET: secret }, db);
    const other = createSigningKey({ ...app.config, SESSION_SECRET: `${secret}x` }, db);
    await Promise.all([one.ready(), two.ready(), other.ready()]);
    assert.equal(one.hmac('test', 'value'), two.hmac('test', 'value'));
    assert.notEqual(one.hmac('test', 'value'), other.hmac('test', 'value'));
    assert.notEqual(one.hmac('test', 'value'), one.hmac('other purpose', 'value'));
    assert.equal(await db.collection(signingKeys).countDocuments({}), 0);
  });

  test('without it: instances starting at once all end up with the one stored key', async () => {
    const db = await freshDatabase();
    const config = { ...app.config, SESSION_SECRET: undefined };
    const instances = Array.from({ length: 8 }, () => createSigningKey(config, db));
    await Promise.all(instances.map((key) => key.ready()));
    const macs = new Set(instances.map((key) => key.hmac('test', 'value')));
    assert.equal(macs.size, 1, 'every instance signs alike');
    assert.equal(await db.collection(signingKeys).countDocuments({}), 1);
    // A restart reads the same key.
    const restarted = createSigningKey(config, db);
    await restarted.ready();
    assert.ok(macs.has(restarted.hmac('test', 'value')));
  });
});
