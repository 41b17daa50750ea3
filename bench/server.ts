// What the web benches share: the app (or bench/bare-koa.ts) as a production child process on a free
// loopback port, in this checkout or in a copy of the project; plain HTTP requests against it, the
// first load of `/`; and how busy the machine is with other work.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import packageJson from '../package.json' with { type: 'json' };
import { productionEmail } from '../tests/helpers/production-env.ts';

export const root = join(import.meta.dirname, '..');
export const HOST = '127.0.0.1'; // loopback only
const POLL_MS = 10;

// ---------------------------------------------------------------------------------------------
// Child processes: every server is its own process, tracked so that none outlives the bench.

export type Server = { child: ChildProcess; url: string; output: () => string };
const children = new Set<ChildProcess>();

export function killAll() {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

/** Runs a bench's `main`: a failure is one line and exit code 1, and no server outlives it. */
export async function runBench(main: () => Promise<void>) {
  try {
    await main();
  } catch (error) {
    console.error(`bench failed: ${error instanceof Error ? error.message : error}`);
    process.exitCode = 1;
  } finally {
    killAll();
  }
}

/** Writes a bench's figures to bench/results/<file> (git-ignored) and says so. */
export function writeResults(file: string, results: unknown) {
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, file), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`Wrote bench/results/${file}`);
}

// The OS picks a free port; the server is started on it right after (the app has no way to report
// a port it chose itself at LOG_LEVEL=warn).
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// The app runs with the flags of `npm start` (the Dockerfile's CMD is kept equal to it by a test).
const startArgs = packageJson.scripts.start.split(' ').slice(1);

export type StartOptions = {
  /** The project folder the server runs in (its code, config files and built assets). */
  cwd?: string;
  /** Added to the environment, after the production defaults; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  nodeArgs?: string[];
};

export async function start(
  script: string,
  { cwd = root, env = {}, nodeArgs = [] }: StartOptions = {},
): Promise<Server> {
  const port = await freePort();
  const args = [...nodeArgs, ...(script === 'src/server.ts' ? startArgs : [script])];
  const merged: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    HOST,
    PORT: String(port),
    ...productionEmail,
    ...env,
  };
  const child = spawn(process.execPath, args, {
    cwd,
    env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Keep only the tail of the output: enough to explain a failed start, bounded under load.
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, url: `http://${HOST}:${port}`, output: () => tail };
}

export async function stop({ child }: Server) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM'); // the app drains and closes MongoDB; give it a moment, then insist
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

// Runs `use` against a fresh server, always stops it, and attaches the server's last output to any
// failure (a 500 or a crash is explained there, the app logs errors at warn level and above).
export async function withServer<T>(
  script: string,
  use: (server: Server) => Promise<T>,
  options: StartOptions = {},
): Promise<T> {
  const server = await start(script, options);
  try {
    return await use(server);
  } catch (error) {
    const output = server.output().trim();
    if (!output) throw error;
    throw new Error(
      `${error instanceof Error ? error.message : error}\n${script} said:\n${output}`,
    );
  } finally {
    await stop(server);
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers (node:http never decodes Content-Encoding, so bodies are the bytes on the wire).

export type Response = { status: number; headers: Record<string, unknown>; body: Buffer };

export function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, timeout: 2_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: GET ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

// Polls until `path` answers 200; returns the milliseconds since `since`.
export async function waitUntilUp(server: Server, path: string, since = performance.now()) {
  const deadline = since + 30_000;
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null) {
      throw new Error(`server exited with code ${server.child.exitCode}`);
    }
    const status = await get(server.url + path).then(
      (res) => res.status,
      () => 0, // not listening yet
    );
    if (status === 200) return performance.now() - since;
    await sleep(POLL_MS);
  }
  throw new Error(`${server.url}${path} did not answer 200 within 30 s`);
}

// ---------------------------------------------------------------------------------------------
// First load.

export type Transfer = { url: string; encoding: string; bytes: number };

/**
 * The HTML of `/` plus every stylesheet and script it links, each as gzip bytes on the wire
 * (`transfers`); and the scripts of other origins the page loads after its load event
 * (`<meta name="page-script">`, src/core/views/page-scripts.ts), named but not fetched (`later`).
 */
export async function firstLoad(base: string): Promise<{ transfers: Transfer[]; later: string[] }> {
  const fetchOne = async (url: string) => {
    const res = await get(url, { 'accept-encoding': 'gzip' });
    if (res.status !== 200) throw new Error(`first load: GET ${url} answered ${res.status}`);
    const encoding = String(res.headers['content-encoding'] ?? 'identity');
    return { res, transfer: { url: url.slice(base.length), encoding, bytes: res.body.length } };
  };
  const page = await fetchOne(`${base}/`);
  const html = (
    page.transfer.encoding === 'gzip' ? gunzipSync(page.res.body) : page.res.body
  ).toString();
  const attribute = (tag: string, name: string) =>
    tag.match(new RegExp(`\\s${name}=["']?([^"'\\s>]+)`, 'i'))?.[1] ?? [];
  const links = [
    ...html.matchAll(/<link\b[^>]*\brel=["']?stylesheet\b[^>]*>/gi),
    ...html.matchAll(/<script\b[^>]*>/gi),
  ].flatMap(([tag]) => attribute(tag, '(?:href|src)'));
  const assets = [];
  for (const link of links) {
    const url = new URL(link, base);
    // A third-party URL is not ours to fetch from a benchmark; fail loudly rather than undercount.
    if (url.origin !== base) throw new Error(`first load: ${link} is not served by the app`);
    assets.push((await fetchOne(url.href)).transfer);
  }
  const later = [...html.matchAll(/<meta\b[^>]*\bname=["']?page-script\b[^>]*>/gi)].flatMap(
    ([tag]) => attribute(tag, 'content'),
  );
  return { transfers: [page.transfer, ...assets], later };
}

// ---------------------------------------------------------------------------------------------
// The machine.

// Share of all CPUs busy over half a second, from /proc/stat. A load average would be skewed for a
// minute by the previous bench run; this is what is happening now.
export async function cpuBusy(): Promise<number> {
  const sample = () => {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1);
    const ticks = (fields ?? []).map(Number);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
    return { idle, total: ticks.reduce((a, b) => a + b, 0) };
  };
  const first = sample();
  await sleep(500);
  const second = sample();
  return 1 - (second.idle - first.idle) / (second.total - first.total || 1);
}
