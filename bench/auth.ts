// `npm run bench:auth`: what signing in costs. Measures, in one run and one server at a time, bare
// Koa (bench/bare-koa.ts, the same baseline as `npm run bench`), the login page as a first-time
// visitor sees it (a new CSRF cookie and token every request), and /profile for a signed-in user
// (session cookie, session and user lookups, per-user page). Targets (issue 4): /profile >= 0.10x
// bare Koa req/s, /login >= 0.25x. See bench/README.md.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import packageJson from '../package.json' with { type: 'json' };
import { startSession } from '../src/core/auth/sessions.ts';
import { signInByEmail } from '../src/core/auth/users.ts';
import { loadConfig } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/data/db.ts';
import { createLogger } from '../src/core/observability/logger.ts';
import { productionEmail } from '../tests/helpers/production-env.ts';

const root = join(import.meta.dirname, '..');
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 50;
const HOST = '127.0.0.1';
const ENCODING = { 'accept-encoding': process.env.BENCH_ACCEPT_ENCODING ?? 'gzip' };

if (!process.env.MONGODB_URL) throw new Error('MONGODB_URL is not set (scripts/services.sh env)');
// A database of its own, dropped at the end: the bench creates a user and a session in it.
const mongodbUrl = process.env.MONGODB_URL.replace(
  /^(mongodb(?:\+srv)?:\/\/[^/?]+)(\/[^?]*)?/,
  '$1/groundwork_bench_auth',
);
const env = {
  ...process.env,
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  MONGODB_URL: mongodbUrl,
  ...productionEmail,
};
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

async function freePort() {
  const probe = createServer().listen(0, HOST);
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function status(url: string, headers: Record<string, string> = {}) {
  return new Promise<number>((resolve) => {
    request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', () => resolve(0))
      .end();
  });
}

// Runs `measure` against a fresh child process serving `script` (started like `npm start`).
async function withServer<T>(script: string, ready: string, measure: (url: string) => Promise<T>) {
  const port = await freePort();
  const args =
    script === 'src/server.ts' ? packageJson.scripts.start.split(' ').slice(1) : [script];
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...env, HOST, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  const url = `http://${HOST}:${port}`;
  try {
    for (let tries = 0; (await status(url + ready)) !== 200; tries++) {
      if (tries > 3_000 || child.exitCode !== null) throw new Error(`${script} did not start`);
      await sleep(10);
    }
    return await measure(url);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    children.delete(child);
  }
}

type Figure = { reqPerSec: number; p50: number; p99: number };

async function load(name: string, url: string, headers: Record<string, string> = {}) {
  console.error(`load: ${name} (${WARMUP} s warm-up, ${DURATION} s measured)`);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { ...ENCODING, ...headers },
    ...(WARMUP > 0 ? { warmup: { duration: WARMUP } } : {}),
  });
  // Redirects or errors are cheaper than the page: they would flatter the figure.
  if (result.errors || result.timeouts || result.non2xx || !result.requests.total) {
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

// The signed-in user and session, made with the same core calls the app uses.
const config = loadConfig({ cwd: root, env });
const db = await connectDatabase(mongodbUrl, 'groundwork_bench_auth', createLogger(config));
const user = await signInByEmail(db, 'bench@example.org', []);
const { id: sessionId } = await startSession(config, db, user);
const cookie = { cookie: `__Host-sid=${sessionId}` };

try {
  const bare = await withServer('bench/bare-koa.ts', '/', (url) => load('bare Koa', `${url}/`));
  const app = await withServer('src/server.ts', '/health/ready', async (url) => {
    if ((await status(`${url}/profile`, cookie)) !== 200) throw new Error('not signed in');
    // A browser that has been here before carries its CSRF cookie: same token, same page.
    const returning = { cookie: `__Host-csrf=${'A'.repeat(43)}` };
    return {
      home: await load('app / (for context)', `${url}/`),
      firstVisit: await load('app /login (first visit)', `${url}/login`),
      login: await load('app /login (returning browser)', `${url}/login`, returning),
      profile: await load('app /profile (signed in)', `${url}/profile`, cookie),
    };
  });
  const ratio = (figure: Figure) => figure.reqPerSec / bare.reqPerSec;
  const rows: Array<[string, Figure, number?]> = [
    ['bare Koa hello world', bare],
    ['app / (context)', app.home],
    ['app /login, first visit', app.firstVisit, 0.25],
    ['app /login, returning', app.login, 0.25],
    ['app /profile', app.profile, 0.1],
  ];
  console.log(
    [
      '',
      `Groundwork auth bench: Node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s ` +
        `after ${WARMUP} s warm-up, Accept-Encoding: ${ENCODING['accept-encoding']}`,
      `  ${'target'.padEnd(26)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'vs bare'.padStart(10)}  target`,
      ...rows.map(
        ([name, f, target]) =>
          `  ${name.padEnd(26)}${Math.round(f.reqPerSec).toLocaleString('en').padStart(10)}` +
          `${String(f.p50).padStart(9)}${String(f.p99).padStart(9)}` +
          `${`${ratio(f).toFixed(2)}x`.padStart(10)}  ` +
          (target === undefined ? '' : `${ratio(f) >= target ? 'PASS' : 'MISS'} >= ${target}x`),
      ),
      '',
    ].join('\n'),
  );
} finally {
  await db.db.dropDatabase().catch(() => {});
  await db.close();
}
