// Real worker processes (`node src/features/jobs/main.ts`), stopped the ways production stops them: SIGKILL
// (a crash, an OOM kill) and SIGTERM (a deploy), against the real Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type Bull from 'bull';
import { createClient, csrfTokenOf } from '../../../tests/helpers/client.ts';
import { requireEnv, withDatabase } from '../../../tests/helpers/env.ts';
import { request } from '../../../tests/helpers/http.ts';
import { type ServerProcess, startServerProcess } from '../../../tests/helpers/server-process.ts';
import { startTcpProxy } from '../../../tests/helpers/tcp-proxy.ts';
import { appJobs } from '../../core/app/app-jobs.ts';
import { CLEANUP_JOB } from '../../core/jobs/cleanup.ts';
import { CLOSE_MARGIN_MS } from '../../core/observability/lifecycle.ts';
import { features } from '../index.ts';
import { BullJobQueue } from './queue.ts';
import { sampleJob } from './sample-job.ts';
import { dropQueue, inspectQueue, uniqueQueueName, waitFor, waitForState } from './testing.ts';

const mongodbUrl = () =>
  withDatabase(requireEnv('MONGODB_URL'), `test_${randomBytes(5).toString('hex')}`);

describe('the worker process', () => {
  const queueName = uniqueQueueName();
  const env = {
    MONGODB_URL: mongodbUrl(),
    REDIS_URL: requireEnv('REDIS_URL'),
    JOBS_QUEUE: queueName,
    JOBS_CONCURRENCY: '2',
    // Short locks, so that a crashed worker's jobs are picked up again within seconds.
    JOBS_LOCK_MS: '1000',
    WORKER_PORT: '0',
  };
  const startWorkerProcess = (extra: Record<string, string> = {}) =>
    startServerProcess({ ...env, ...extra }, { entry: 'src/features/jobs/main.ts' });
  const stopped = async (worker: ServerProcess) => {
    worker.child.kill('SIGTERM');
    return worker.exited;
  };
  let queue: Bull.Queue;
  let jobs: BullJobQueue;
  const enqueueSample = async (delayMs: number) =>
    (await jobs.enqueue(sampleJob, { message: 'from the test', delayMs })).id;
  const activeCount = async () => (await queue.getJobCounts()).active;

  before(() => {
    queue = inspectQueue(queueName);
    jobs = new BullJobQueue(queue, appJobs(features));
  });
  after(() => dropQueue(queue));

  test('killed mid-job (SIGKILL): after a restart every job completes, nothing is lost', async () => {
    const ids = [
      await enqueueSample(1_500),
      await enqueueSample(1_500),
      await enqueueSample(1_500),
    ];
    const first = await startWorkerProcess();
    await waitFor(async () => (await activeCount()) === 2, 'two jobs to be running');
    first.child.kill('SIGKILL');
    await first.exited;
    const running = await queue.getActive();
    assert.equal(running.length, 2, 'the killed worker left two jobs half done');

    const second = await startWorkerProcess();
    for (const id of ids) await waitForState(queue, id, 'completed');
    for (const job of running) {
      assert.ok(
        second.logs.some((line) => line.msg?.startsWith('job stalled') && line.jobId === job.id),
        `job ${job.id} was recovered as stalled:\n${second.output()}`,
      );
    }
    assert.equal(await stopped(second), 0);
  });

  test('SIGTERM while a job runs: it stops taking jobs, finishes the one it has, exits 0', async () => {
    const worker = await startWorkerProcess({ SHUTDOWN_TIMEOUT_MS: '10000' });
    const ready = await request(`${worker.baseUrl}/health/ready`);
    assert.deepEqual(Object.keys(JSON.parse(ready.text).checks).sort(), ['mongodb', 'redis']);
    const running = await enqueueSample(2_000);
    await waitForState(queue, running, 'active');
    worker.child.kill('SIGTERM');
    // A job arriving before the worker stops fetching may still be taken (and finished); after
    // it, none is.
    await waitFor(
      async () => worker.logs.some((line) => line.msg === 'no longer taking jobs'),
      'the worker to stop taking jobs',
    );
    const later = await enqueueSample(0);

    assert.equal(await worker.exited, 0);
    await waitForState(queue, running, 'completed');
    assert.equal(await (await queue.getJob(later))?.getState(), 'waiting', 'no new job was taken');
    const stop = worker.logs.find((line) => line.msg === 'stopped');
    assert.deepEqual(
      { clean: stop?.clean, returned: stop?.returned },
      { clean: true, returned: [] },
    );

    const next = await startWorkerProcess();
    await waitForState(queue, later, 'completed');
    assert.equal(await stopped(next), 0);
  });

  test('SIGTERM past SHUTDOWN_TIMEOUT_MS: the job goes back to the queue, exit 0', async () => {
    const worker = await startWorkerProcess({ SHUTDOWN_TIMEOUT_MS: '300' });
    const id = await enqueueSample(4_000);
    await waitForState(queue, id, 'active');
    const started = Date.now();
    assert.equal(await stopped(worker), 0);
    assert.ok(Date.now() - started < 3_000, 'the timeout bounds the shutdown');
    const stop = worker.logs.find((line) => line.msg === 'stopped');
    assert.deepEqual(
      { clean: stop?.clean, returned: stop?.returned },
      { clean: false, returned: [id] },
    );

    const next = await startWorkerProcess();
    await waitForState(queue, id, 'completed');
    assert.equal(await stopped(next), 0);
  });

  test('a shutdown that hangs on Redis ends at the hard deadline: exit 1, saying so', async () => {
    const redis = await startTcpProxy(requireEnv('REDIS_URL'));
    try {
      const worker = await startWorkerProcess({ REDIS_URL: redis.url, SHUTDOWN_TIMEOUT_MS: '200' });
      // Every byte to and from Redis now takes a minute: pausing and closing the queue hang.
      redis.slow(60_000);
      const started = Date.now();
      worker.child.kill('SIGTERM');
      assert.equal(await worker.exited, 1, worker.output());
      const late = worker.logs.find((line) => line.msg === 'shutdown took too long');
      assert.equal(late?.ms, 200 + CLOSE_MARGIN_MS, worker.output());
      assert.ok(Date.now() - started < 200 + CLOSE_MARGIN_MS + 5_000);
    } finally {
      await redis.close();
    }
  });

  // Which Redis faults end the worker: Bull's loop never gives up once started (a failed fetch
  // is tried again 5 s later, forever), so the worker itself exits 1 once Redis has refused its
  // commands for JOBS_REFUSED_EXIT_MS (a ReplyError: NOPERM, OOM, READONLY...). An outage is not
  // a refusal: the worker waits for Redis to come back, with readiness at 503 meanwhile.
  test('Redis refusing the processing loop (an ACL without the active list): exit 1, saying why', async () => {
    const user = `test_worker_${randomBytes(5).toString('hex')}`;
    const password = randomBytes(12).toString('hex');
    const admin = queue.client;
    // Every key of this queue but `active`: the worker connects, reconciles its schedules and
    // starts, then every fetch (a move from `wait` to `active`) is refused with NOPERM.
    await admin.call(
      'ACL',
      'SETUSER',
      user,
      'on',
      `>${password}`,
      'resetkeys',
      `~bull:${queueName}:[^a]*`,
      'allchannels',
      '+@all',
    );
    let worker: ServerProcess | undefined;
    try {
      const url = new URL(requireEnv('REDIS_URL'));
      url.username = user;
      url.password = password;
      worker = await startWorkerProcess({ REDIS_URL: url.href, JOBS_REFUSED_EXIT_MS: '3000' });
      const { child } = worker;
      await waitFor(async () => child.exitCode !== null, 'the worker to exit by itself', 20_000);
      assert.equal(await worker.exited, 1, worker.output());

      const refusals = worker.logs.filter((line) => line.msg === 'job queue error');
      const fatal = worker.logs.find((line) => line.msg === 'the worker stopped processing jobs');
      assert.match(String((fatal?.err as Error | undefined)?.message), /^NOPERM/, worker.output());
      assert.ok(
        Number(fatal?.time) - Number(refusals[0]?.time) >= 3_000,
        'refusals are borne for JOBS_REFUSED_EXIT_MS first',
      );
    } finally {
      if (worker?.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
      await admin.call('ACL', 'DELUSER', user);
    }
  });

  test('Redis down longer than JOBS_REFUSED_EXIT_MS: the worker waits, then runs jobs again', async () => {
    const redis = await startTcpProxy(requireEnv('REDIS_URL'));
    let worker: ServerProcess | undefined;
    try {
      worker = await startWorkerProcess({ REDIS_URL: redis.url, JOBS_REFUSED_EXIT_MS: '1000' });
      const { logs, baseUrl } = worker;
      await redis.down();
      const downAt = Date.now();
      await waitFor(
        async () => (await request(`${baseUrl}/health/ready`)).status === 503,
        'readiness to report Redis',
      );
      // Outage errors for well past the limit, without an exit.
      await waitFor(
        async () =>
          logs.some((line) => line.msg === 'job queue error' && Number(line.time) > downAt + 3_000),
        'connection errors for three seconds',
      );
      assert.equal(worker.child.exitCode, null, worker.output());

      await redis.up();
      const id = await enqueueSample(0);
      await waitForState(queue, id, 'completed');
      assert.equal(await stopped(worker), 0, worker.output());
    } finally {
      if (worker?.child.exitCode === null && worker.child.signalCode === null) {
        worker.child.kill('SIGKILL');
        await worker.exited;
      }
      await redis.close();
    }
  });

  test('schedules are reconciled at start: no duplicates after restarts, stale ones removed', async () => {
    // What an older release might have left: the cleanup at another time.
    await queue.add(CLEANUP_JOB, {}, { repeat: { cron: '0 4 * * *', tz: 'UTC' } });
    for (let i = 0; i < 3; i++) assert.equal(await stopped(await startWorkerProcess()), 0);

    const schedules = await queue.getRepeatableJobs();
    assert.deepEqual(
      schedules.map(({ name, cron, tz }) => ({ name, cron, tz })),
      [{ name: CLEANUP_JOB, cron: '30 3 * * *', tz: 'UTC' }],
    );
    const pending = (await queue.getDelayed()).filter((job) => job.name === CLEANUP_JOB);
    assert.equal(pending.length, 1, 'one next run, not one per start');
  });

  test('without REDIS_URL the worker refuses to start, saying what to set', async () => {
    await assert.rejects(startWorkerProcess({ REDIS_URL: '' }), (error: Error) => {
      assert.match(error.message, /exited with 78/);
      assert.match(error.message, /REDIS_URL: the worker needs it/);
      return true;
    });
  });
});

describe('the web process without REDIS_URL', () => {
  test('production refuses to start while the job queue is enabled', async () => {
    await assert.rejects(
      startServerProcess({ NODE_ENV: 'production', MONGODB_URL: mongodbUrl(), REDIS_URL: '' }),
      (error: Error) => {
        assert.match(error.message, /exited with 78/);
        assert.match(error.message, /REDIS_URL: required when NODE_ENV=production/);
        return true;
      },
    );
  });

  test('development runs jobs in-process and says so', async () => {
    const server = await startServerProcess({
      NODE_ENV: 'development',
      MONGODB_URL: mongodbUrl(),
      REDIS_URL: '',
    });
    try {
      assert.ok(
        server.logs.some((line) =>
          line.msg?.startsWith('REDIS_URL is not set: jobs run in-process'),
        ),
        server.output(),
      );
      const client = createClient(server.baseUrl);
      const token = csrfTokenOf(await client.get('/debug/jobs'));
      const posted = await client.post('/debug/jobs', {
        form: { _csrf: token, name: 'jobs.sample', payload: '{"message": "inline"}' },
        headers: { Accept: 'application/json' },
      });
      assert.equal(JSON.parse(posted.text).mode, 'inline');
      // The log line crosses a pipe; the response may arrive first.
      await waitFor(
        async () => server.logs.some((line) => line.msg === 'sample job ran'),
        'the sample job to log',
      );
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });
});
