// The worker process (`npm run worker`): runs queued jobs and the schedules, serves /health and
// /metrics on WORKER_PORT, and on SIGTERM stops taking jobs and finishes or returns the active
// ones. Part of the jobs feature: it leaves with it.
import { loadConfigOrExit } from '../../config.ts';
import { ConfigError, databaseName, exitWithConfigError } from '../../core/config/config.ts';
import { connectDatabase } from '../../core/data/db.ts';
import { CLOSE_MARGIN_MS, exitAfter } from '../../core/observability/lifecycle.ts';
import { createLogger } from '../../core/observability/logger.ts';
import { features } from '../index.ts';
import { startWorker } from './worker.ts';

const config = loadConfigOrExit();
const logger = createLogger(config);
const missing = (['REDIS_URL', 'MONGODB_URL'] as const).filter((key) => !config[key]);
if (missing.length > 0) {
  exitWithConfigError(
    new ConfigError(
      missing.map(
        (key) =>
          `${key}: the worker needs it. Fix: set it as for the web process ` +
          '(e.g. REDIS_URL=redis://127.0.0.1:6379, MONGODB_URL=mongodb://127.0.0.1:27017/app).',
      ),
    ),
  );
}
const mongodbUrl = config.MONGODB_URL as string;

let worker: Awaited<ReturnType<typeof startWorker>>;
let db: Awaited<ReturnType<typeof connectDatabase>>;
try {
  db = await connectDatabase(mongodbUrl, databaseName(config), logger);
  worker = await startWorker({ config, db, logger, features });
} catch (error) {
  logger.fatal({ err: error }, 'the worker cannot start');
  process.exit(1);
}

const server = worker.probes.listen(config.WORKER_PORT, config.HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.WORKER_PORT;
  logger.info({ port, host: config.HOST }, `listening on http://localhost:${port} (probes)`);
});

let stopping = false;
// Bull closes its blocking Redis connection while stopping; a command it had queued on that
// connection then rejects with "Connection is closed." and nobody awaits it. Only during shutdown,
// that rejection is expected: anything else still crashes the process, as it should.
process.on('unhandledRejection', (reason) => {
  if (stopping && reason instanceof Error && reason.message === 'Connection is closed.') {
    logger.debug('a pending Redis command was dropped by the shutdown');
    return;
  }
  throw reason;
});
async function shutDown(reason: string, code: number) {
  if (stopping) return;
  stopping = true;
  // The jobs get SHUTDOWN_TIMEOUT_MS; closing Redis and MongoDB a few seconds more.
  exitAfter(config.SHUTDOWN_TIMEOUT_MS + CLOSE_MARGIN_MS, logger);
  logger.info({ reason }, 'shutting down: finishing active jobs');
  let exitCode = code;
  try {
    const { clean, returned } = await worker.stop(config.SHUTDOWN_TIMEOUT_MS);
    logger.info({ clean, returned }, 'stopped');
  } catch (error) {
    logger.error({ err: error }, 'the worker did not stop cleanly');
    exitCode = 1;
  }
  server.close();
  server.closeAllConnections();
  await db.close().catch(() => {});
  process.exit(exitCode);
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => shutDown(signal, 0));
// A worker that no longer processes is restarted by its supervisor, not left looking healthy.
worker.failed.then((error) => {
  if (stopping) return;
  logger.fatal({ err: error }, 'the worker stopped processing jobs');
  void shutDown('processing failed', 1);
});
