import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.ts';
import { collectionsOf } from '../../src/core/app/collections.ts';
import type { Feature } from '../../src/core/app/feature.ts';
import { loadConfig } from '../../src/core/config/config.ts';
import { connectDatabase, ensureIndexes } from '../../src/core/data/db.ts';
import { closeAll, createLifecycle } from '../../src/core/observability/lifecycle.ts';
import { createLogger } from '../../src/core/observability/logger.ts';
import { features as enabledFeatures } from '../../src/features/index.ts';
import { requireEnv, withDatabase } from './env.ts';

// No config.yml or .env here: tests see only the values they pass.
const emptyDir = mkdtempSync(join(tmpdir(), 'groundwork-config-'));

export type TestAppOptions = {
  env?: Record<string, string>;
  features?: Feature[];
  mongodbUrl?: string;
};

// Starts the real app on a free loopback port against its own database on the test server.
export async function startTestApp({
  env = {},
  features = enabledFeatures,
  mongodbUrl,
}: TestAppOptions = {}) {
  const database = `test_${randomBytes(5).toString('hex')}`;
  const url = withDatabase(mongodbUrl ?? requireEnv('MONGODB_URL'), database);
  // Production refuses to start without Redis while the job queue is enabled: give it the test
  // Redis and a queue of its own. Other modes get Redis only when a test asks for it.
  const redis =
    env.NODE_ENV === 'production' && env.REDIS_URL === undefined && process.env.REDIS_URL
      ? { REDIS_URL: process.env.REDIS_URL, JOBS_QUEUE: database }
      : {};
  const config = loadConfig({
    cwd: emptyDir,
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', MONGODB_URL: url, ...redis, ...env },
  });
  const logger = createLogger(config);
  const db = await connectDatabase(url, database, logger);
  await ensureIndexes(db, collectionsOf(features), logger);
  const lifecycle = createLifecycle();
  let app: ReturnType<typeof createApp>;
  try {
    app = createApp({ config, db, logger, lifecycle, features });
  } catch (error) {
    // A refused configuration is what some tests expect: leave nothing open behind it.
    await closeAll(lifecycle, logger, [() => db.close()]);
    throw error;
  }
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    app,
    config,
    db,
    lifecycle,
    logger,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await closeAll(lifecycle, logger, [
        () => db.db.dropDatabase().catch(() => {}),
        () => db.close(),
      ]);
    },
  };
}
