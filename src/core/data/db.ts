import {
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
  MongoClient,
} from 'mongodb';
import type { Logger } from '../observability/logger.ts';

// A collection a feature owns: its name, document type and the indexes it needs. Indexes are ensured
// at start, so a new deployment never serves requests that depend on a missing index.
export type CollectionSpec<TSchema extends Document = Document> = {
  name: string;
  indexes: IndexDescription[];
  /** A Date field: documents whose date has passed are deleted by sweepExpired(). Queries must
   * still check expiry themselves; the sweep only keeps the collection small. */
  expiresField?: string;
  // Phantom field: carries TSchema so collection(spec) is typed without casts at call sites.
  readonly schema?: TSchema;
};

export function defineCollection<TSchema extends Document>(
  name: string,
  indexes: IndexDescription[] = [],
  options: { expiresField?: string } = {},
): CollectionSpec<TSchema> {
  return { name, indexes, ...options };
}

export type Database = {
  client: MongoClient;
  db: Db;
  collection<TSchema extends Document>(spec: CollectionSpec<TSchema>): Collection<TSchema>;
  ping(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
};

export async function connectDatabase(
  url: string,
  name: string,
  logger: Logger,
): Promise<Database> {
  // A short server selection keeps a failed start and a failed readiness check quick and explicit.
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5_000, appName: name });
  await client.connect();
  const db = client.db(name);
  logger.info({ database: name }, 'connected to MongoDB');
  return {
    client,
    db,
    collection: (spec) => db.collection(spec.name),
    async ping(timeoutMs = 2_000) {
      await db.command({ ping: 1 }, { timeoutMS: timeoutMs });
    },
    close: () => client.close(),
  };
}

export async function ensureIndexes(database: Database, specs: CollectionSpec[], logger: Logger) {
  for (const spec of specs) {
    if (spec.indexes.length === 0) continue;
    // One index per command: FerretDB 1.24 drops the connection when a createIndexes command
    // with several indexes finds them already there (every restart).
    for (const index of spec.indexes)
      await database.db.collection(spec.name).createIndexes([index]);
    logger.debug({ collection: spec.name, count: spec.indexes.length }, 'indexes ensured');
  }
}

// A portable stand-in for TTL indexes (FerretDB and other MongoDB-wire servers lack them): deletes
// the expired documents of every collection that names an expiresField. Every instance may run it;
// deleting twice is harmless.
export async function sweepExpired(database: Database, specs: CollectionSpec[], now = new Date()) {
  let deleted = 0;
  for (const { name, expiresField } of specs) {
    if (!expiresField) continue;
    const result = await database.db.collection(name).deleteMany({ [expiresField]: { $lt: now } });
    deleted += result.deletedCount;
  }
  return deleted;
}

// Sweeps every `everyMs` (unref'd: it never keeps the process alive); returns a stop function.
export function scheduleSweeps(
  database: Database,
  specs: CollectionSpec[],
  logger: Logger,
  everyMs = 5 * 60_000,
) {
  const timer = setInterval(() => {
    sweepExpired(database, specs).catch((error) =>
      logger.warn({ err: error }, 'could not delete expired documents'),
    );
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
