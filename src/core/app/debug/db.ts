import { mask } from '../../config/config.ts';
import type { Router } from '../../config/koa-router.ts';
import type { CollectionSpec } from '../../data/db.ts';
import type { AppServices, DebugPage } from '../feature.ts';
import { respond } from './respond.ts';

// /debug/db: the database the app is connected to, the server's version, and every collection
// with its document count and indexes, marked when the app does not declare it.
export function dbPage(
  router: Router,
  { config, db }: AppServices,
  declared: CollectionSpec[],
): DebugPage {
  router.get('/db', async (ctx) => {
    const build = await db.db.command({ buildInfo: 1 });
    const names = (await db.db.listCollections({}, { nameOnly: true }).toArray())
      .map(({ name }) => name)
      .sort();
    const collections = [];
    for (const name of names) {
      const collection = db.db.collection(name);
      const indexes = await collection.indexes();
      collections.push({
        name,
        declared: declared.some((spec) => spec.name === name),
        count: await collection.countDocuments(),
        indexes: indexes.map((index) => ({
          name: String(index.name),
          key: index.key,
          unique: Boolean(index.unique),
          sparse: Boolean(index.sparse),
        })),
      });
    }
    respond(ctx, 'debug/db', {
      connection: {
        url: mask('MONGODB_URL', config.MONGODB_URL),
        database: db.db.databaseName,
      },
      server: {
        version: String(build.version),
        // FerretDB answers as a MongoDB version and names itself here.
        ...(build.ferretdb?.version ? { ferretdb: String(build.ferretdb.version) } : {}),
      },
      collections,
    });
  });
  return { path: '/debug/db', title: 'common:debug.db.title', summary: 'common:debug.db.summary' };
}
