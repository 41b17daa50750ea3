import {
  type Collection,
  type Db,
  type Document,
  type IndexDescription,
  MongoClient,
} from 'mongodb';
import type { Logger } from './logger.ts';

// A collection a feature owns: its name, document type and the indexes it needs. Indexes are ensured
// at start, so a new deployment never serves requests that depend on a missing index.
export type CollectionSpec<TSchema extends Document = Document> = {
  name: string;
  indexes: IndexDescription[];
  // Phantom field: carries TSchema so collection(spec) is typed without casts at call sites.
  readonly schema?: TSchema;
};

export function defineCollection<TSchema extends Document>(
  name: string,
  indexes: IndexDescription[] = [],
): CollectionSpec<TSchema> {
  return { name, indexes };
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
    await database.db.collection(spec.name).createIndexes(spec.indexes);
    logger.debug({ collection: spec.name, count: spec.indexes.length }, 'indexes ensured');
  }
}
