// Backups through the driver (src/core/data/backup.ts) against the real MongoDB-wire test server: every
// BSON type and index comes back, and a damaged or cut-short file is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Binary, type Db, MongoClient, ObjectId } from 'mongodb';
import { dumpDatabase, restoreDatabase } from '../../src/core/data/backup.ts';
import { requireEnv } from '../helpers/env.ts';

let client: MongoClient;
let db: Db;
before(async () => {
  client = new MongoClient(requireEnv('MONGODB_URL'));
  await client.connect();
  db = client.db(`backup_${randomBytes(4).toString('hex')}`);
});
after(async () => {
  await db.dropDatabase();
  await client.close();
});

async function dump(): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dumpDatabase(db, out);
  return Buffer.concat(chunks);
}

const documents = [
  {
    _id: new ObjectId(),
    email: 'ada@example.com',
    createdAt: new Date('2026-01-02T03:04:05Z'),
    avatar: new Binary(Buffer.from([1, 2, 3])),
    tags: ['a', 'b'],
    nested: { n: 1 },
  },
  { _id: new ObjectId(), email: 'grace@example.com', createdAt: new Date(0) },
];

test('backup, wipe, restore: the same documents and indexes come back', async () => {
  await db.collection('users').insertMany(documents.map((d) => ({ ...d })));
  await db.collection('users').createIndex({ email: 1 }, { unique: true, name: 'email_1' });
  await db.collection('sessions').insertOne({ _id: 'abc' as never, userId: documents[0]?._id });
  const backup = await dump();

  await db.dropDatabase();
  assert.equal(await db.collection('users').countDocuments(), 0);

  const summary = await restoreDatabase(db, Readable.from([backup]));
  assert.deepEqual(summary, { collections: 2, documents: 3 });
  const users = await db
    .collection('users')
    .find({}, { sort: { _id: 1 } })
    .toArray();
  assert.deepEqual(
    users,
    [...documents].sort((a, b) => a._id.toHexString().localeCompare(b._id.toHexString())),
  );
  const indexes = await db.collection('users').indexes();
  assert.ok(indexes.some((i) => i.name === 'email_1' && i.unique === true));
  assert.deepEqual(await db.collection('sessions').findOne({}), {
    _id: 'abc',
    userId: documents[0]?._id,
  });
});

test('a backup cut short or not a backup at all is refused', async () => {
  const backup = gunzipSync(await dump());
  const cut = gzipSync(backup.subarray(0, backup.length - 30));
  await assert.rejects(restoreDatabase(db, Readable.from([cut])), /cut short|middle of a record/);
  await assert.rejects(
    restoreDatabase(db, Readable.from([gzipSync(Buffer.from('hello world, not bson'))])),
    /not a backup|not a groundwork-backup/,
  );
});
