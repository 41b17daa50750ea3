// `npm run bench:auth`: what signing in costs. Measures, in one run and one server at a time, bare
// Koa (bench/bare-koa.ts, the same baseline as `npm run bench`), the login page as a first-time
// visitor sees it (a new CSRF cookie and token every request), and /profile for a signed-in user
// (session cookie, session and user lookups, per-user page). Targets (issues 4 and 9): /profile >= 0.10x
// bare Koa req/s, /login >= 0.25x for a returning browser and >= 0.20x for a first visit. See
// bench/README.md.
import { loadConfig } from '../src/config.ts';
import { startSession } from '../src/core/auth/sessions.ts';
import { signInByEmail } from '../src/core/auth/users.ts';
import { connectDatabase } from '../src/core/data/db.ts';
import { createLogger } from '../src/core/observability/logger.ts';
import { productionEmail } from '../tests/helpers/production-env.ts';
import { type Load, loadClient, measureLoad } from './load.ts';
import { get, root, waitUntilUp, withServer } from './server.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = 50;
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
// Runs `measure` against a fresh child process serving `script` (started like `npm start`) once
// `ready` answers 200.
const measureServer = <T>(script: string, ready: string, measure: (url: string) => Promise<T>) =>
  withServer(
    script,
    async (server) => {
      await waitUntilUp(server, ready);
      return measure(server.url);
    },
    { env: { MONGODB_URL: mongodbUrl } },
  );

const CLIENT = loadClient();

const load = (name: string, url: string, headers: Record<string, string> = {}) =>
  measureLoad(CLIENT, {
    name,
    url,
    connections: CONNECTIONS,
    duration: DURATION,
    warmup: WARMUP,
    headers: { ...ENCODING, ...headers },
  });

// The signed-in user and session, made with the same core calls the app uses.
const config = loadConfig({ cwd: root, env });
const db = await connectDatabase(mongodbUrl, 'groundwork_bench_auth', createLogger(config));
const user = await signInByEmail(db, 'bench@example.org', []);
const { id: sessionId } = await startSession(config, db, user);
const cookie = { cookie: `__Host-sid=${sessionId}` };

try {
  const bare = await measureServer('bench/bare-koa.ts', '/', (url) => load('bare Koa', `${url}/`));
  const app = await measureServer('src/server.ts', '/health/ready', async (url) => {
    if ((await get(`${url}/profile`, cookie)).status !== 200) throw new Error('not signed in');
    // A browser that has been here before carries its CSRF cookie: same token, same page.
    const returning = { cookie: `__Host-csrf=${'A'.repeat(43)}` };
    return {
      home: await load('app / (for context)', `${url}/`),
      firstVisit: await load('app /login (first visit)', `${url}/login`),
      login: await load('app /login (returning browser)', `${url}/login`, returning),
      profile: await load('app /profile (signed in)', `${url}/profile`, cookie),
    };
  });
  const ratio = (figure: Load) => figure.reqPerSec / bare.reqPerSec;
  const rows: Array<[string, Load, number?]> = [
    ['bare Koa hello world', bare],
    ['app / (context)', app.home],
    ['app /login, first visit', app.firstVisit, 0.2],
    ['app /login, returning', app.login, 0.25],
    ['app /profile', app.profile, 0.1],
  ];
  console.log(
    [
      '',
      `Groundwork auth bench: Node ${process.version}, ${CONNECTIONS} connections, ${DURATION} s ` +
        `after ${WARMUP} s warm-up (${CLIENT}), Accept-Encoding: ${ENCODING['accept-encoding']}`,
      `  ${'target'.padEnd(26)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'vs bare'.padStart(10)}  target`,
      ...rows.map(
        ([name, f, target]) =>
          `  ${name.padEnd(26)}${Math.round(f.reqPerSec).toLocaleString('en').padStart(10)}` +
          `${String(f.p50Ms).padStart(9)}${String(f.p99Ms).padStart(9)}` +
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
