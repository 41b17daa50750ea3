// `node src/backup.ts dump > file` and `node src/backup.ts restore < file`: the database backup
// and restore the host's deploy script runs in the app's image (`host.sh backup|restore`, `npm run
// db:backup|db:restore`). Data goes to stdout / comes from stdin; messages go to stderr.

import { MongoClient } from 'mongodb';
import { databaseName, loadConfigOrExit } from './core/config/config.ts';
import { dumpDatabase, restoreDatabase } from './core/data/backup.ts';

const command = process.argv[2];
if (command !== 'dump' && command !== 'restore') {
  console.error('usage: node src/backup.ts dump > backup.bson.gz | restore < backup.bson.gz');
  process.exit(2);
}
const config = loadConfigOrExit();
if (!config.MONGODB_URL) {
  console.error('MONGODB_URL is not set: nothing to back up');
  process.exit(2);
}
const client = new MongoClient(config.MONGODB_URL, { serverSelectionTimeoutMS: 10_000 });
try {
  await client.connect();
  const db = client.db(databaseName(config));
  const summary =
    command === 'dump'
      ? await dumpDatabase(db, process.stdout)
      : await restoreDatabase(db, process.stdin);
  console.error(
    `${command === 'dump' ? 'backed up' : 'restored'} ${summary.collections} collections, ${summary.documents} documents of ${db.databaseName}`,
  );
} catch (error) {
  console.error(`${command} failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
