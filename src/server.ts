// The web process: load config, connect to MongoDB, ensure indexes, serve, and shut down cleanly.
import { createApp } from './app.ts';
import { loadConfigOrExit } from './config.ts';
import { collectionsOf } from './core/app/collections.ts';
import { ConfigError, databaseName, exitWithConfigError } from './core/config/config.ts';
import { connectDatabase, ensureIndexes } from './core/data/db.ts';
import {
  CLOSE_MARGIN_MS,
  createLifecycle,
  exitAfter,
  shutdown,
} from './core/observability/lifecycle.ts';
import { createLogger } from './core/observability/logger.ts';
import { AssetsMissingError } from './core/views/assets.ts';
import { features } from './features/index.ts';

const config = loadConfigOrExit();
const logger = createLogger(config);

if (!config.MONGODB_URL) {
  logger.fatal(
    'MONGODB_URL is not set. Use "npm run dev" (it starts a local MongoDB for you), ' +
      'or set MONGODB_URL to a running server, e.g. "docker compose up -d mongo" and ' +
      'MONGODB_URL=mongodb://127.0.0.1:27017/groundwork.',
  );
  process.exit(78);
}

let db: Awaited<ReturnType<typeof connectDatabase>>;
try {
  db = await connectDatabase(config.MONGODB_URL, databaseName(config), logger);
  await ensureIndexes(db, collectionsOf(features), logger);
} catch (error) {
  logger.fatal(
    { err: error },
    `cannot reach MongoDB at ${config.MONGODB_URL.replace(/\/\/[^@/]*@/, '//***@')}`,
  );
  process.exit(1);
}

const lifecycle = createLifecycle();
let app: ReturnType<typeof createApp>;
try {
  app = createApp({ config, db, logger, lifecycle });
} catch (error) {
  await db.close();
  // A feature may refuse a configuration (the job queue without Redis in production).
  if (error instanceof ConfigError) exitWithConfigError(error);
  logger.fatal(
    error instanceof AssetsMissingError ? error.message : { err: error },
    'cannot start',
  );
  process.exit(1);
}

const server = app.listen(config.PORT, config.HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info(
    { port, host: config.HOST, environment: config.NODE_ENV },
    `listening on http://localhost:${port}`,
  );
});

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    exitAfter(config.SHUTDOWN_DELAY_MS + config.SHUTDOWN_TIMEOUT_MS + CLOSE_MARGIN_MS, logger);
    logger.info({ signal }, 'shutting down: draining requests');
    const clean = await shutdown({
      server,
      lifecycle,
      logger,
      timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
      delayMs: config.SHUTDOWN_DELAY_MS,
      close: [() => db.close()],
    });
    logger.info({ clean }, 'stopped');
    process.exit(0);
  });
}
