// A schedule runs once per tick however many workers run it: three worker processes, one job
// scheduled every second, each run recorded in MongoDB (docs/decisions/0140). Slow suite
// (`npm run test:all`); part of the jobs feature.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';
import { dropQueue, inspectQueue, uniqueQueueName } from '../../src/features/jobs/testing.ts';
import { requireEnv, withDatabase } from '../helpers/env.ts';
import type { ServerProcess } from '../helpers/server-process.ts';
import { startProcesses, stopProcesses } from './cluster.ts';
import { type Tick, ticks } from './tick-job.ts';

const WORKERS = 3;
const queueName = uniqueQueueName();
const database = `test_${randomBytes(5).toString('hex')}`;
const mongodbUrl = withDatabase(requireEnv('MONGODB_URL'), database);
let workers: ServerProcess[];
let client: MongoClient;

before(async () => {
  client = await MongoClient.connect(mongodbUrl);
  workers = await startProcesses(WORKERS, 'tests/scale/tick-worker.ts', {
    MONGODB_URL: mongodbUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    JOBS_QUEUE: queueName,
    WORKER_PORT: '0',
  });
});
after(async () => {
  if (workers) assert.deepEqual(await stopProcesses(workers), Array(WORKERS).fill(0));
  await client?.db(database).dropDatabase();
  await client?.close();
  await dropQueue(inspectQueue(queueName));
});

test(`a job scheduled every second runs once a second across ${WORKERS} workers`, async () => {
  const runs = client.db(database).collection<Tick>(ticks.name);
  await sleep(1_000);
  const from = Date.now();
  await sleep(6_000);
  const to = Date.now();
  const window = await runs.find({ at: { $gte: new Date(from), $lt: new Date(to) } }).toArray();
  // Bull names a scheduled run `repeat:<schedule>:<time it was due>`.
  const due = window.map((run) => Number(run.jobId.split(':').pop()));
  assert.equal(
    new Set(due).size,
    window.length,
    `no tick ran twice: ${window.map((r) => r.jobId)}`,
  );
  const seconds = (to - from) / 1000;
  assert.ok(
    window.length >= seconds - 2 && window.length <= seconds + 1,
    `${window.length} runs in ${seconds} s`,
  );
  for (const ms of due) assert.equal(ms % 1000, 0, 'each run is a whole second it was due at');
  const pids = new Set(window.map((run) => run.pid));
  console.log(`${window.length} runs in ${seconds} s, by ${pids.size} of ${WORKERS} workers`);
});
