// `npm run bench`: throughput, latency, first-load size, cold start and memory of the app, in one run,
// next to a bare Koa baseline measured the same way. See bench/README.md for how to read the output.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FIRST_LOAD_BUDGET_BYTES } from '../src/core/views/assets.ts';
import { type Load, loadClient, measureLoad, median, medianLoad } from './load.ts';
import { topFunctions } from './profile.ts';
import {
  cpuBusy,
  firstLoad,
  root,
  runBench,
  waitUntilUp,
  withServer,
  writeResults,
} from './server.ts';

const DURATION = Number(process.env.BENCH_DURATION ?? 10); // seconds measured per target
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2); // seconds discarded first (JIT, caches)
const CONNECTIONS = 50;
// Bare Koa, `/health/live` and `/` are loaded in turn this many times and the medians kept: this
// machine's speed drifts by a third within minutes, and one run each, a minute apart, read 0.25x
// one time and 0.31x the next for the same code (docs/decisions/0092).
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
// The sustained run: a fresh app serving `/` for a minute at twice the connections, its RSS sampled.
const SUSTAIN = Number(process.env.BENCH_SUSTAIN ?? 60);
const SUSTAIN_CONNECTIONS = Number(process.env.BENCH_SUSTAIN_CONNECTIONS ?? 100);
const RSS_SAMPLE_MS = 100;
const CLIENT = loadClient();
// BENCH_CPU_PROFILE=1 adds a run of `/` under `node --cpu-prof` and prints where its time goes.
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE === '1';
const COLD_RUNS = 5;
const SETTLE_MS = 1_000; // lets start-up garbage be collected before the idle RSS reading
// Browsers always ask for compression, so `/` pays for it as in production. Override to see what
// compression costs, e.g. BENCH_ACCEPT_ENCODING=identity (first-load size always asks for gzip).
const LOAD_HEADERS = { 'accept-encoding': process.env.BENCH_ACCEPT_ENCODING ?? 'gzip' };
const KB = 1_000; // decimal units: stricter than KiB/MiB against the targets
const MB = 1_000_000;

// ---------------------------------------------------------------------------------------------
// Measurements.

function rss(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = status.match(/^VmRSS:\s+(\d+) kB/m)?.[1];
  if (!kib) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kib) * 1024;
}

const load = (name: string, url: string, connections = CONNECTIONS, duration = DURATION) =>
  measureLoad(CLIENT, { name, url, connections, duration, warmup: WARMUP, headers: LOAD_HEADERS });

// Samples the RSS of `pid` every RSS_SAMPLE_MS while `during` runs: the highest and the last value.
async function sampleRss<T>(pid: number | undefined, during: () => Promise<T>) {
  let peak = 0;
  let last = 0;
  const sample = () => {
    last = rss(pid);
    peak = Math.max(peak, last);
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  try {
    const result = await during();
    sample();
    return { result, peak, last };
  } finally {
    clearInterval(sampler);
  }
}

async function coldStart(): Promise<number> {
  const since = performance.now();
  return withServer('src/server.ts', (server) => waitUntilUp(server, '/health/ready', since));
}

// `/` under load in an app started with --cpu-prof; the profile is written when the app exits.
async function profileHome() {
  const dir = join(root, 'bench/results/profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  await withServer(
    'src/server.ts',
    async (server) => {
      await waitUntilUp(server, '/health/ready');
      await load('app / (profiled)', `${server.url}/`);
    },
    { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] },
  );
  const file = readdirSync(dir).find((name) => !before.has(name));
  if (!file) throw new Error(`the profiled app wrote no profile to ${dir}`);
  return { file: join('bench/results/profiles', file), top: topFunctions(join(dir, file), 15) };
}

// ---------------------------------------------------------------------------------------------
// Run, print, save.

async function main() {
  if (
    !(DURATION > 0) ||
    !(WARMUP >= 0) ||
    !(SUSTAIN >= 0) ||
    !(SUSTAIN_CONNECTIONS > 0) ||
    !Number.isInteger(ROUNDS) ||
    ROUNDS < 1
  ) {
    throw new Error(
      'BENCH_DURATION and BENCH_SUSTAIN_CONNECTIONS must be > 0, BENCH_WARMUP and BENCH_SUSTAIN >= 0, ' +
        'BENCH_ROUNDS a whole number >= 1',
    );
  }
  if (!process.env.MONGODB_URL) {
    throw new Error('MONGODB_URL is not set (e.g. eval "$(scripts/services.sh env)")');
  }
  if (!existsSync(join(root, 'public/build/manifest.json'))) {
    throw new Error('built assets are missing: run "npm run build" first');
  }

  // Other work on the machine skews every figure; record it so a noisy run can be recognised.
  const busyBefore = await cpuBusy();

  // Cold starts first, before the load runs heat the CPU and fill memory.
  const coldRuns: number[] = [];
  for (let i = 1; i <= COLD_RUNS; i++) {
    coldRuns.push(await coldStart());
    console.error(`cold start ${i}/${COLD_RUNS}: ${Math.round(coldRuns.at(-1) ?? 0)} ms`);
  }
  const coldMedianMs = median(coldRuns);

  // One server is loaded at a time, so no target competes with another for the two cores. Bare
  // Koa stays up, idle, while the app is loaded (it has no timers): the rounds alternate.
  const { bareIdleRss, idleRss, transfers, rounds } = await withServer(
    'bench/bare-koa.ts',
    async (bareServer) => {
      await waitUntilUp(bareServer, '/');
      return withServer('src/server.ts', async (server) => {
        await waitUntilUp(server, '/health/ready');
        await sleep(SETTLE_MS);
        const idleRss = rss(server.child.pid);
        // What Node, Koa and type stripping cost before any app code: context for the app's RSS.
        const bareIdleRss = rss(bareServer.child.pid);
        const { transfers } = await firstLoad(server.url);
        const rounds: Array<{ bare: Load; live: Load; home: Load; peakRss: number }> = [];
        for (let round = 1; round <= ROUNDS; round++) {
          const of = ROUNDS > 1 ? ` (round ${round}/${ROUNDS})` : '';
          const bareLoad = await load(`bare Koa${of}`, `${bareServer.url}/`);
          const live = await load(`app /health/live${of}`, `${server.url}/health/live`);
          const home = await sampleRss(server.child.pid, () =>
            load(`app /${of}`, `${server.url}/`),
          );
          rounds.push({ bare: bareLoad, live, home: home.result, peakRss: home.peak });
        }
        return { bareIdleRss, idleRss, transfers, rounds };
      });
    },
  );

  // A fresh process, so growth from start-up is seen; no warm-up, since that growth is the point.
  const sustained =
    SUSTAIN > 0
      ? await withServer('src/server.ts', async (server) => {
          await waitUntilUp(server, '/health/ready');
          await sleep(SETTLE_MS);
          const startRss = rss(server.child.pid);
          const { result, peak, last } = await sampleRss(server.child.pid, () =>
            measureLoad(CLIENT, {
              name: `app / sustained, ${SUSTAIN_CONNECTIONS} connections`,
              url: `${server.url}/`,
              connections: SUSTAIN_CONNECTIONS,
              duration: SUSTAIN,
              warmup: 0,
              headers: LOAD_HEADERS,
            }),
          );
          return { startRss, peakRss: peak, endRss: last, load: result };
        })
      : undefined;

  const profile = CPU_PROFILE ? await profileHome() : undefined;

  const bareLoad = medianLoad(rounds.map((r) => r.bare));
  const liveLoad = medianLoad(rounds.map((r) => r.live));
  const homeLoad = medianLoad(rounds.map((r) => r.home));
  const maxRss = Math.max(...rounds.map((r) => r.peakRss));
  const liveRatios = rounds.map((r) => r.live.reqPerSec / r.bare.reqPerSec);
  const homeRatios = rounds.map((r) => r.home.reqPerSec / r.bare.reqPerSec);
  const firstLoadBytes = transfers.reduce((sum, t) => sum + t.bytes, 0);
  // The median of each round's ratio: a round's figures were measured seconds apart.
  const liveRatio = median(liveRatios);
  const homeRatio = median(homeRatios);
  const fixed = (n: number, digits = 1) => n.toFixed(digits);
  const targets = [
    {
      name: '/ req/s >= 0.25x bare Koa',
      pass: homeRatio >= 0.25,
      shown: `${fixed(homeRatio, 2)}x`,
    },
    {
      name: '/health/live req/s >= 0.6x bare Koa',
      pass: liveRatio >= 0.6,
      shown: `${fixed(liveRatio, 2)}x`,
    },
    {
      name: `/ p99 <= 20 ms at ${CONNECTIONS} connections`,
      pass: homeLoad.p99Ms <= 20,
      shown: `${homeLoad.p99Ms} ms`,
    },
    {
      name: `first load <= ${FIRST_LOAD_BUDGET_BYTES / KB} KB gzip`,
      pass: firstLoadBytes <= FIRST_LOAD_BUDGET_BYTES,
      shown: `${fixed(firstLoadBytes / KB)} KB`,
    },
    {
      name: 'cold start to ready <= 1.5 s',
      pass: coldMedianMs <= 1_500,
      shown: `${Math.round(coldMedianMs)} ms`,
    },
    { name: 'RSS idle <= 120 MB', pass: idleRss <= 120 * MB, shown: `${fixed(idleRss / MB)} MB` },
    ...(sustained
      ? [
          {
            name: `RSS under sustained load <= 200 MB`,
            pass: sustained.peakRss <= 200 * MB,
            shown: `${fixed(sustained.peakRss / MB)} MB`,
          },
        ]
      : []),
  ];

  const cpus = availableParallelism();
  const busyAfter = await cpuBusy();
  const rows: Array<[string, Load, number]> = [
    ['bare Koa hello world', bareLoad, 1],
    ['app /health/live', liveLoad, liveRatio],
    ['app /', homeLoad, homeRatio],
  ];
  const width = Math.max(...transfers.map((t) => t.url.length), 10);
  const lines = [
    '',
    `Groundwork bench: Node ${process.version}, ${cpus} CPUs, ${CONNECTIONS} connections, ` +
      `${DURATION} s after ${WARMUP} s warm-up, Accept-Encoding: ${LOAD_HEADERS['accept-encoding']}`,
    `CPU busy with other work: ${fixed(busyBefore * 100, 0)}% before, ${fixed(busyAfter * 100, 0)}% after` +
      (Math.max(busyBefore, busyAfter) > 0.1 ? '  <- not idle: figures are noisy, run again' : ''),
    '',
    `Throughput (${CLIENT === 'wrk' ? 'wrk, one thread' : 'autocannon in this process'}, one server loaded at a time, each in a child process)`,
    `  ${'target'.padEnd(22)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'vs bare Koa'.padStart(14)}`,
    ...rows.map(
      ([name, l, ratio]) =>
        `  ${name.padEnd(22)}${Math.round(l.reqPerSec).toLocaleString('en').padStart(10)}` +
        `${String(l.p50Ms).padStart(9)}${String(l.p99Ms).padStart(9)}` +
        `${`${fixed(ratio, 2)}x`.padStart(14)}`,
    ),
    ...(ROUNDS > 1
      ? [
          `  ${ROUNDS} rounds of the three in turn, medians shown; vs bare Koa by round: ` +
            `/health/live ${liveRatios.map((r) => `${fixed(r, 2)}x`).join(', ')}; ` +
            `/ ${homeRatios.map((r) => `${fixed(r, 2)}x`).join(', ')}`,
        ]
      : []),
    '',
    'First load of / (bytes on the wire, Accept-Encoding: gzip)',
    ...transfers.map(
      (t) =>
        `  ${t.url.padEnd(width)}${t.bytes.toLocaleString('en').padStart(10)} B  ${t.encoding}`,
    ),
    `  ${'total'.padEnd(width)}${firstLoadBytes.toLocaleString('en').padStart(10)} B  ` +
      `(${fixed(firstLoadBytes / KB)} KB)`,
    '',
    `Cold start to /health/ready 200: median ${Math.round(coldMedianMs)} ms ` +
      `(runs: ${coldRuns.map((ms) => Math.round(ms)).join(', ')} ms)`,
    `RSS of the app process: idle ${fixed(idleRss / MB)} MB ` +
      `(bare Koa idle ${fixed(bareIdleRss / MB)} MB), max during / load ${fixed(maxRss / MB)} MB`,
    ...(sustained
      ? [
          `Sustained: / for ${SUSTAIN} s at ${SUSTAIN_CONNECTIONS} connections in a fresh process, ` +
            `${Math.round(sustained.load.reqPerSec).toLocaleString('en')} req/s, p99 ${sustained.load.p99Ms} ms; ` +
            `RSS ${fixed(sustained.startRss / MB)} MB before, peak ${fixed(sustained.peakRss / MB)} MB, ` +
            `end ${fixed(sustained.endRss / MB)} MB`,
        ]
      : []),
    ...(profile
      ? [
          '',
          `CPU profile of / (${profile.file}), self time, share of busy time:`,
          ...profile.top.map((f) => `  ${fixed(f.share * 100).padStart(5)}%  ${f.name}`),
        ]
      : []),
    '',
    'Targets',
    ...targets.map((t) => `  ${t.pass ? 'PASS' : 'MISS'}  ${t.name.padEnd(38)}${t.shown}`),
    '',
  ];
  console.log(lines.join('\n'));

  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpus,
    connections: CONNECTIONS,
    durationSeconds: DURATION,
    warmupSeconds: WARMUP,
    rounds: ROUNDS,
    cpuBusyOtherwise: { before: busyBefore, after: busyAfter },
    loadHeaders: LOAD_HEADERS,
    client: CLIENT,
    load: {
      bareKoa: bareLoad,
      live: { ...liveLoad, ratioToBareKoa: liveRatio, ratioByRound: liveRatios },
      home: { ...homeLoad, ratioToBareKoa: homeRatio, ratioByRound: homeRatios },
      rounds: rounds.map(({ bare, live, home }) => ({ bareKoa: bare, live, home })),
    },
    firstLoad: { totalBytes: firstLoadBytes, resources: transfers },
    coldStart: { medianMs: coldMedianMs, runsMs: coldRuns },
    rss: { idleBytes: idleRss, maxUnderLoadBytes: maxRss, bareKoaIdleBytes: bareIdleRss },
    sustained: sustained && {
      seconds: SUSTAIN,
      connections: SUSTAIN_CONNECTIONS,
      ...sustained,
    },
    cpuProfile: profile,
    targets: targets.map(({ name, pass, shown }) => ({ name, pass, value: shown })),
  };
  writeResults('latest.json', results);
}

await runBench(main);
