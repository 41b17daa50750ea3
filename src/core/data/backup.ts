// Database backups that any MongoDB-wire server can take and restore (docs/decisions/0052): a gzip
// stream of BSON records, so every type (ObjectId, Date, Binary, int or double) comes back as it was.
//   { t: 'header', format, version, database, createdAt }
//   { t: 'collection', name, indexes }   then one { t: 'doc', d } per document
//   { t: 'end', collections, documents } (a backup without it was cut short and is refused)
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { BSON, type Db, type Document } from 'mongodb';

export const BACKUP_FORMAT = 'groundwork-backup';

export type BackupSummary = { collections: number; documents: number };

export class BackupError extends Error {
  override name = 'BackupError';
}

/** Writes every collection of `db` (documents and indexes) to `output`, gzipped. */
export async function dumpDatabase(db: Db, output: Writable): Promise<BackupSummary> {
  const summary = { collections: 0, documents: 0 };
  const gzip = createGzip();
  const done = pipeline(gzip, output);
  const write = async (record: Document) => {
    if (!gzip.write(BSON.serialize(record))) await new Promise((r) => gzip.once('drain', r));
  };
  await write({
    t: 'header',
    format: BACKUP_FORMAT,
    version: 1,
    database: db.databaseName,
    createdAt: new Date(),
  });
  const collections = await db.listCollections({}, { nameOnly: true }).toArray();
  for (const { name } of collections.sort((a, b) => a.name.localeCompare(b.name))) {
    if (name.startsWith('system.')) continue;
    const collection = db.collection(name);
    const indexes = (await collection.indexes()).filter((index) => index.name !== '_id_');
    await write({ t: 'collection', name, indexes });
    summary.collections++;
    for await (const document of collection.find({}, { sort: { _id: 1 } })) {
      await write({ t: 'doc', d: document });
      summary.documents++;
    }
  }
  await write({ t: 'end', ...summary });
  gzip.end();
  await done;
  return summary;
}

// The BSON records of a gunzipped stream, one at a time (each starts with its int32 length).
async function* records(input: Readable): AsyncGenerator<Document> {
  let buffer = Buffer.alloc(0);
  for await (const chunk of input.pipe(createGunzip())) {
    buffer = Buffer.concat([buffer, chunk as Buffer]);
    while (buffer.length >= 4) {
      const size = buffer.readInt32LE(0);
      if (size < 5 || size > 48 * 1024 * 1024)
        throw new BackupError('not a backup (bad record size)');
      if (buffer.length < size) break;
      yield BSON.deserialize(buffer.subarray(0, size), {
        promoteValues: false,
        promoteBuffers: false,
      });
      buffer = buffer.subarray(size);
    }
  }
  if (buffer.length > 0) throw new BackupError('the backup ends in the middle of a record');
}

/**
 * Replaces the collections in the backup with their backed-up documents and indexes. Collections
 * that are not in the backup stay as they are.
 */
export async function restoreDatabase(db: Db, input: Readable): Promise<BackupSummary> {
  const summary = { collections: 0, documents: 0 };
  let header = false;
  let current: { name: string; indexes: Document[]; batch: Document[] } | undefined;
  const flush = async () => {
    if (current && current.batch.length > 0) {
      await db.collection(current.name).insertMany(current.batch, { ordered: true });
      current.batch = [];
    }
  };
  const finish = async () => {
    await flush();
    if (current && current.indexes.length > 0) {
      const indexes = current.indexes.map(({ key, name, v: _v, ns: _ns, ...options }) => ({
        key,
        name,
        ...options,
      }));
      await db.collection(current.name).createIndexes(indexes as never);
    }
  };
  for await (const record of records(input)) {
    if (!header) {
      if (record.t !== 'header' || record.format !== BACKUP_FORMAT)
        throw new BackupError(`not a ${BACKUP_FORMAT} file`);
      header = true;
    } else if (record.t === 'collection') {
      await finish();
      const name = String(record.name);
      await db
        .collection(name)
        .drop()
        .catch(() => {});
      await db.createCollection(name);
      current = { name, indexes: record.indexes as Document[], batch: [] };
      summary.collections++;
    } else if (record.t === 'doc' && current) {
      current.batch.push(record.d as Document);
      summary.documents++;
      if (current.batch.length >= 1000) await flush();
    } else if (record.t === 'end') {
      await finish();
      if (Number(record.documents) !== summary.documents)
        throw new BackupError(
          `the backup lists ${record.documents} documents but holds ${summary.documents}`,
        );
      return summary;
    }
  }
  throw new BackupError(
    'the backup was cut short (no end record): nothing after the last complete collection was restored',
  );
}
