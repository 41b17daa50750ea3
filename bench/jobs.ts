// `npm run bench:jobs`: how fast the job queue takes and runs jobs, against the real Redis at
// REDIS_URL. 1) enqueue latency: one awaited `services.jobs.enqueue` at a time, as a request
// handler does it (zod validation, JSON, Bull's add script); 2) throughput: the same jobs, all
// waiting, run by the worker's code at concurrency 8 in this process. See bench/README.md.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { appJobs } from '../src/core/app/app-jobs.ts';
import { defineFeature } from '../src/core/app/feature.ts';
import { databaseName, loadConfig } from '../src/core/config/config.ts';
import { connectDatabase } from '../src/core/data/db.ts';
import { defineJob } from '../src/core/jobs/jobs.ts';
import { createLogger } from '../src/core/observability/logger.ts';
import { features } from '../src/features/index.ts';
import { BullJobQueue, openQueue } from '../src/features/jobs/queue.ts';
import { startWorker } from '../src/features/jobs/worker.ts';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const WARMUP = Math.min(2_000, JOBS);
const CONCURRENCY = 8;
const TARGET_PER_SECOND = 1_000;
const TARGET_P99_MS = 5;

for (const name of ['REDIS_URL', 'MONGODB_URL']) {
  if (!process.env[name]) {
    console.error(`${name} is not set: run \`eval "$(scripts/services.sh env)"\` first.`);
    process.exit(2);
  }
}

let ran = 0;
let firstStarted = 0;
let lastFinished = 0;
const noop = defineJob({
  name: 'bench.noop',
  payload: z.object({ n: z.number().int() }),
  handler() {
    if (ran === 0) firstStarted = performance.now();
    ran += 1;
    lastFinished = performance.now();
  },
});
const bench = defineFeature({ name: 'bench', jobs: [noop] });
const withBench = [...features, bench];

// Its own queue name, so the bench never touches a development queue; warn level, as the web
// bench runs: one log line per job is a real cost, measured separately if it matters.
const config = loadConfig({
  cwd: import.meta.dirname,
  env: {
    ...process.env,
    JOBS_QUEUE: `bench_jobs_${process.pid}`,
    JOBS_CONCURRENCY: String(CONCURRENCY),
    LOG_LEVEL: 'warn',
  },
});
const logger = createLogger(config);
const queue = openQueue(config, { failFast: true });
const jobs = new BullJobQueue(queue, appJobs(withBench));

async function enqueueLatencies(count: number) {
  const latencies: number[] = [];
  for (let n = 0; n < count; n++) {
    const started = performance.now();
    await jobs.enqueue(noop, { n });
    latencies.push(performance.now() - started);
  }
  return latencies.sort((a, b) => a - b);
}
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

try {
  console.error(`enqueue: ${WARMUP} warm-up, then ${JOBS} one at a time`);
  await enqueueLatencies(WARMUP);
  const latencies = await enqueueLatencies(JOBS - WARMUP);
  const enqueue = {
    jobs: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1) ?? 0,
  };

  console.error(`process: ${JOBS} waiting jobs at concurrency ${CONCURRENCY}`);
  const db = await connectDatabase(config.MONGODB_URL as string, databaseName(config), logger);
  const worker = await startWorker({ config, db, logger, features: withBench });
  while (ran < JOBS) await new Promise((resolve) => setTimeout(resolve, 20));
  const seconds = (lastFinished - firstStarted) / 1000;
  const processed = { jobs: ran, seconds, perSecond: (ran - 1) / seconds };
  await worker.stop(5_000);
  await db.close();

  const rows = [
    [
      'no-op jobs processed /s',
      processed.perSecond,
      `>= ${TARGET_PER_SECOND}`,
      processed.perSecond >= TARGET_PER_SECOND,
    ],
    ['enqueue p50 ms', enqueue.p50Ms, '', true],
    ['enqueue p99 ms', enqueue.p99Ms, `<= ${TARGET_P99_MS}`, enqueue.p99Ms <= TARGET_P99_MS],
    ['enqueue max ms', enqueue.maxMs, '', true],
  ] as const;
  console.log(`\nJob queue (Redis at ${config.REDIS_URL?.replace(/\/\/[^@/]*@/, '//***@')})`);
  for (const [figure, value, target, ok] of rows) {
    const shown = value >= 100 ? Math.round(value).toLocaleString('en') : value.toFixed(2);
    console.log(
      `  ${figure.padEnd(26)} ${shown.padStart(10)}   ${target.padEnd(8)} ${target ? (ok ? 'ok' : 'MISSED') : ''}`,
    );
  }
  const results = join(import.meta.dirname, 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, 'jobs.json'),
    `${JSON.stringify({ date: new Date().toISOString(), concurrency: CONCURRENCY, enqueue, processed }, null, 2)}\n`,
  );
} finally {
  await queue.obliterate({ force: true });
  await queue.close();
}
