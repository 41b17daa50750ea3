// `npm run dev`: everything a developer needs from one command. Without MONGODB_URL it starts a
// local MongoDB (mongodb-memory-server, data kept in .data/mongodb) or, where mongod cannot be
// downloaded, the FerretDB the tests use (scripts/services.sh). It builds and watches the assets,
// runs the server (and the job worker when Redis is set), restarting them when code, locales or the
// build (assets, compiled views) change; open pages reload themselves after each restart.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/core/config/config.ts';
import { rootDir } from '../src/core/config/paths.ts';
import { project } from '../src/project.ts';
import { buildAssets, watchAssets } from './build-assets.ts';

const log = (message: string) => console.log(`[dev] ${message}`);

let config: ReturnType<typeof loadConfig>;
try {
  // The app's default mode is production (`npm start`, the image); this command is development's.
  config = loadConfig({ env: { ...process.env, NODE_ENV: process.env.NODE_ENV || 'development' } });
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
const databaseName = project.slug.replaceAll('-', '_');
const database = config.MONGODB_URL
  ? { url: config.MONGODB_URL, what: 'from MONGODB_URL' }
  : await localDatabase();

async function localDatabase() {
  const dbPath = join(rootDir, '.data', 'mongodb');
  mkdirSync(dbPath, { recursive: true });
  log('MONGODB_URL is not set: starting a local MongoDB (mongodb-memory-server)...');
  let reason: string;
  // mongodb-memory-server prints a failed start with its stack trace; the one line below says it.
  const warn = console.warn;
  console.warn = () => {};
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await MongoMemoryServer.create({
      instance: { dbPath, storageEngine: 'wiredTiger' },
    });
    cleanups.push(() => server.stop({ doCleanup: false }));
    return {
      url: `${server.getUri()}${databaseName}`,
      what: 'local MongoDB (mongodb-memory-server), data in .data/mongodb',
    };
  } catch (error) {
    reason = (error as Error).message.replace(/\s+/g, ' ').trim().slice(0, 200);
  } finally {
    console.warn = warn;
  }
  // The tests' MongoDB-wire server: built once from the Go module proxy, cached, on loopback.
  log(`mongod is not available (${reason}): using FerretDB instead (scripts/services.sh mongo)`);
  const ferretdb = spawnSync('bash', [join(rootDir, 'scripts/services.sh'), 'mongo'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  const address = ferretdb.stdout?.trim();
  if (ferretdb.status === 0 && address) {
    // Shared with other checkouts on this machine, and left running (as for the tests).
    return { url: `${address}/${databaseName}`, what: 'FerretDB (scripts/services.sh mongo)' };
  }
  console.error(
    [
      '',
      'Could not start a local MongoDB: mongodb-memory-server cannot download mongod (it needs',
      'fastdl.mongodb.org), and FerretDB could not be started either (see above). Any of these works:',
      `  1. Point the app at a MongoDB you have: put MONGODB_URL=mongodb://HOST:27017/${project.slug} in .env.local`,
      '  2. Start one with Docker: docker compose up -d mongo, then',
      `     MONGODB_URL=mongodb://127.0.0.1:27017/${project.slug} npm run dev`,
      '  3. Install mongod yourself and set MONGOMS_SYSTEM_BINARY=/path/to/mongod',
      '',
    ].join('\n'),
  );
  process.exit(1);
}

await buildAssets({ debug: true });
const stopWatching = watchAssets(() => log('assets rebuilt'), { debug: true });
cleanups.push(stopWatching);

const env = { ...process.env, MONGODB_URL: database.url, NODE_ENV: config.NODE_ENV };
// Views are compiled into public/build, so a .pug change restarts a process once, after the
// rebuild, through the public/ watch.
const watchFlags = [
  '--watch-path=src',
  '--watch-path=locales',
  '--watch-path=public',
  '--watch-preserve-output',
];
const watched = (script: string): ChildProcess =>
  spawn(process.execPath, [...watchFlags, script], { cwd: rootDir, stdio: 'inherit', env });

const processes = [watched('src/server.ts')];
// With Redis, jobs wait in the queue for a worker (the jobs feature, when kept, has one).
const worker = Boolean(config.REDIS_URL) && existsSync(join(rootDir, 'src/features/jobs/main.ts'));
if (worker) processes.push(watched('src/features/jobs/main.ts'));

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    processes.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return null;
      child.kill('SIGTERM');
      return once(child, 'exit');
    }),
  );
  for (const cleanup of cleanups.reverse()) await cleanup();
  process.exit(code);
}
for (const child of processes) child.on('exit', (code) => void stop(code ?? 0));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

// Once the server answers: where everything is. Passwords in URLs are masked.
const url = `http://localhost:${config.PORT}`;
const masked = (value: string) => value.replace(/\/\/[^@/]*@/, '//***@');
while (!stopping) {
  const live = await fetch(`http://127.0.0.1:${config.PORT}/health/live`).catch(() => undefined);
  if (live?.ok) break;
  await sleep(200);
}
if (!stopping) {
  const jobs = existsSync(join(rootDir, 'src/features/jobs/main.ts'))
    ? worker
      ? `queued in Redis (${masked(config.REDIS_URL ?? '')}); the worker runs them and restarts on changes`
      : 'run inline in the server (set REDIS_URL to queue them for a worker)'
    : undefined;
  console.log(
    [
      '',
      `[dev] ${project.name} is running at ${url}`,
      `[dev]   database  ${masked(database.url)}, ${database.what}`,
      `[dev]   email     ${config.SMTP_URL ? `sent through ${masked(config.SMTP_URL)}` : config.SES_REGION ? `sent through Amazon SES (${config.SES_REGION})` : `kept in the outbox at ${url}/debug/emails`}`,
      ...(jobs ? [`[dev]   jobs      ${jobs}`] : []),
      '[dev]   reload    code, views, locales and assets are watched; open pages reload after each change',
      '',
    ].join('\n'),
  );
}
