// `npm run dev`: everything a developer needs from one command. Starts a local MongoDB when
// MONGODB_URL is not set (data kept in .data/mongodb), builds and watches the assets, and runs the
// server, restarting it when code, locales or the build (assets, compiled views) change.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/core/config/config.ts';
import { rootDir } from '../src/core/config/paths.ts';
import { project } from '../src/project.ts';
import { buildAssets, watchAssets } from './build-assets.ts';

const log = (message: string) => console.log(`[dev] ${message}`);

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78);
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];
let mongodbUrl = config.MONGODB_URL;

if (!mongodbUrl) {
  const dbPath = join(rootDir, '.data', 'mongodb');
  mkdirSync(dbPath, { recursive: true });
  log('MONGODB_URL is not set: starting a local MongoDB (mongodb-memory-server)...');
  try {
    const { MongoMemoryServer } = await import('mongodb-memory-server-core');
    const server = await MongoMemoryServer.create({
      instance: { dbPath, storageEngine: 'wiredTiger' },
    });
    mongodbUrl = `${server.getUri()}${project.slug.replaceAll('-', '_')}`;
    cleanups.push(() => server.stop({ doCleanup: false }));
    log(`local MongoDB at ${mongodbUrl} (data in .data/mongodb)`);
  } catch (error) {
    console.error(
      [
        '',
        `Could not start a local MongoDB: ${(error as Error).message.replace(/\s+/g, ' ').trim()}`,
        '',
        'mongodb-memory-server downloads mongod on first use; that needs internet access to',
        'fastdl.mongodb.org. Any of these works instead:',
        '  1. Point the app at a MongoDB you have: put MONGODB_URL=mongodb://HOST:27017/' +
          `${project.slug} in .env.local`,
        '  2. Start one with Docker: docker compose up -d mongo, then',
        `     MONGODB_URL=mongodb://127.0.0.1:27017/${project.slug} npm run dev`,
        '  3. Install mongod yourself and set MONGOMS_SYSTEM_BINARY=/path/to/mongod',
        '',
      ].join('\n'),
    );
    process.exit(1);
  }
}

await buildAssets({ debug: true });
log('assets built; watching assets/, views/ and src/ for changes');
const stopWatching = watchAssets(() => log('assets rebuilt'), { debug: true });
cleanups.push(stopWatching);

const server: ChildProcess = spawn(
  process.execPath,
  [
    // Views are compiled into public/build, so a .pug change restarts the server once, after the
    // rebuild, through the public/ watch.
    '--watch-path=src',
    '--watch-path=locales',
    '--watch-path=public',
    '--watch-preserve-output',
    'src/server.ts',
  ],
  {
    cwd: rootDir,
    stdio: 'inherit',
    env: { ...process.env, MONGODB_URL: mongodbUrl, NODE_ENV: config.NODE_ENV },
  },
);

let stopping = false;
async function stop(code: number) {
  if (stopping) return;
  stopping = true;
  server.kill('SIGTERM');
  await new Promise((resolve) =>
    server.exitCode === null ? server.once('exit', resolve) : resolve(null),
  );
  for (const cleanup of cleanups.reverse()) await cleanup();
  process.exit(code);
}
server.on('exit', (code) => void stop(code ?? 0));
process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
