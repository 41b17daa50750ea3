// The job queue on real Redis: the web app enqueues, a worker (here in the test's process; see
// worker.test.ts for real worker processes) runs the jobs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type Bull from 'bull';
import pino from 'pino';
import { z } from 'zod';
import { signIn, testSignIn } from '../../../tests/helpers/accounts.ts';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { createClient, csrfTokenOf } from '../../../tests/helpers/client.ts';
import { requireEnv } from '../../../tests/helpers/env.ts';
import { networkAddress, request } from '../../../tests/helpers/http.ts';
import { defaultLocale, tr } from '../../../tests/helpers/i18n.ts';
import { productionEmail } from '../../../tests/helpers/production-env.ts';
import { startTcpProxy } from '../../../tests/helpers/tcp-proxy.ts';
import { type AppServices, defineFeature } from '../../core/app/feature.ts';
import { defineCollection } from '../../core/data/db.ts';
import { outbox, sendEmail, sendEmailJob } from '../../core/email/email.ts';
import { createJobRegistry, defineJob, JobPayloadError } from '../../core/jobs/jobs.ts';
import { project } from '../../project.ts';
import { home } from '../home/index.ts';
import { features } from '../index.ts';
import { sampleJob } from './sample-job.ts';
import { reconcileSchedules } from './schedules.ts';
import { dropQueue, inspectQueue, uniqueQueueName, waitFor, waitForState } from './testing.ts';
import { startWorker, type Worker } from './worker.ts';

const attemptTimes: number[] = [];
const flaky = defineJob({
  name: 'probe.flaky',
  payload: z.object({ failures: z.number().int() }),
  attempts: 3,
  backoffMs: 100,
  handler({ failures }, { attempt }) {
    attemptTimes.push(Date.now());
    if (attempt <= failures) throw new Error(`attempt ${attempt} failed`);
  },
});
let smtpFixed = false;
const sendMail = defineJob({
  name: 'probe.send-mail',
  payload: z.object({ to: z.email() }),
  attempts: 2,
  backoffMs: 10,
  handler({ to }) {
    if (!smtpFixed) throw new Error(`550 mailbox unavailable: ${to}`);
  },
});
// Stands in for the auth feature's email: the same code, queued or in-process.
type Sent = { to: string; jobId: string };
const sent = defineCollection<Sent>('test_sent');
const notify = defineJob({
  name: 'probe.notify',
  payload: z.object({ to: z.string() }),
  async handler({ to }, { services, id }) {
    await services.db.collection(sent).insertOne({ to, jobId: id });
  },
});

// z.date() takes a Date, which JSON turns into a string the worker's check would refuse.
const dated = defineJob({
  name: 'probe.dated',
  payload: z.object({ at: z.date() }),
  handler() {},
});

let lastServices: AppServices | undefined;
const probe = defineFeature({
  name: 'probe',
  jobs: [flaky, sendMail, notify, dated],
  routes(_router, services) {
    lastServices = services;
  },
});
const withProbe = [...features, probe];

// A test app with the probe feature, and the services the app handed to its features.
async function startProbeApp(options: Parameters<typeof startTestApp>[0]) {
  const app = await startTestApp({ features: withProbe, ...options });
  return { app, services: lastServices as AppServices };
}

describe('the job queue on Redis', () => {
  const queueName = uniqueQueueName();
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let services: AppServices;
  let worker: Worker;
  let queue: Bull.Queue;
  before(async () => {
    ({ app, services } = await startProbeApp({
      env: { REDIS_URL: requireEnv('REDIS_URL'), JOBS_QUEUE: queueName },
    }));
    worker = await startWorker({
      config: app.config,
      db: app.db,
      logger: app.logger,
      features: withProbe,
    });
    queue = inspectQueue(queueName);
  });
  after(async () => {
    await worker.stop(1_000);
    await app.close();
    await dropQueue(queue);
  });

  test('email goes through the queue: the worker renders and sends it', async () => {
    const { id } = await sendEmail(services, {
      to: 'queue@example.com',
      template: 'notice',
      subject: 'errors.tooMany.title',
      lang: project.defaultLocale,
      locals: {
        heading: 'errors.csrf.title',
        body: 'errors.csrf.body',
        actionUrl: 'https://example.com/123456',
        actionLabel: 'nav.profile',
      },
    });
    assert.equal((await queue.getJob(id))?.name, sendEmailJob.name);
    const stored = await waitFor(
      async () =>
        (await app.db.collection(outbox).findOne({ to: 'queue@example.com' })) ?? undefined,
      'the email in the outbox',
    );
    assert.ok(stored.text.includes('123456'), JSON.stringify(stored));
    // An email's links and codes do not stay in Redis once it is sent.
    await waitFor(async () => (await queue.getJob(id)) === null, `job ${id} to be removed`);
  });

  test('security review 3: sign-in links and codes are sealed in Redis and never shown on the dashboard', async () => {
    const secret = `verify-${Math.random().toString(36).slice(2)}`;
    await queue.pause(); // the worker takes nothing while the test looks at the stored job
    try {
      // The core's notice email (every project has it) carrying a link and a code, as a sign-in
      // email does.
      const { id } = await sendEmail(services, {
        to: 'sealed@example.com',
        template: 'notice',
        subject: 'common:emails.signInMethod.linked.subject',
        lang: project.defaultLocale,
        locals: {
          name: '918273',
          heading: 'common:emails.signInMethod.linked.heading',
          body: 'common:emails.signInMethod.linked.body',
          actionLabel: 'common:emails.signInMethod.profile',
          actionUrl: `http://localhost/auth/verify/${secret}`,
        },
      });
      const stored = JSON.stringify(await queue.client.hgetall(`bull:${queueName}:${id}`));
      assert.match(stored, /sealed/);
      assert.doesNotMatch(stored, new RegExp(`${secret}|918273|sealed@example`));
      const board = await request(
        `${app.baseUrl}/admin/jobs/api/queues?activeQueue=${queueName}&status=paused&page=1`,
        { headers: { Accept: 'application/json' } },
      );
      assert.equal(board.status, 200);
      assert.match(board.text, new RegExp(sendEmailJob.name));
      assert.doesNotMatch(board.text, new RegExp(`${secret}|918273`));
    } finally {
      await queue.resume();
    }
    // The worker opens it: the email carries the link.
    const email = await waitFor(
      async () =>
        (await app.db.collection(outbox).findOne({ to: 'sealed@example.com' })) ?? undefined,
      'the sealed email in the outbox',
    );
    assert.ok(email.text.includes(secret) && email.text.includes('918273'));
  });

  test('a payload the worker would refuse after JSON is refused at enqueue', async () => {
    await assert.rejects(
      services.jobs.enqueue(dated, { at: new Date() }),
      /^JobPayloadError: Invalid payload for job "probe\.dated": at: /,
    );
  });

  test('an invalid payload is refused at enqueue, naming the field, and nothing is queued', async () => {
    const before = await queue.getJobCounts();
    await assert.rejects(services.jobs.enqueue(sendMail, { to: 'not an address' }), (error) => {
      assert.ok(error instanceof JobPayloadError);
      assert.match(error.message, /^Invalid payload for job "probe\.send-mail": to: /);
      return true;
    });
    assert.deepEqual(await queue.getJobCounts(), before);
  });

  test('a failing job is retried with exponential backoff, then completes', async () => {
    attemptTimes.length = 0;
    const { id } = await services.jobs.enqueue(flaky, { failures: 2 });
    const job = await waitForState(queue, id, 'completed');
    assert.equal(attemptTimes.length, 3);
    const [first = 0, second = 0, third = 0] = attemptTimes;
    assert.ok(second - first >= 100, `first retry after ${second - first} ms, backoff is 100`);
    assert.ok(third - second >= 200, `second retry after ${third - second} ms, backoff doubles`);
    assert.equal(job.stacktrace.length, 2, 'both failures are recorded');
  });

  test('attempts exhausted: kept as failed with the error, then retried or removed', async () => {
    smtpFixed = false;
    const { id } = await services.jobs.enqueue(sendMail, { to: 'ada@example.com' });
    const failed = await waitForState(queue, id, 'failed');
    assert.equal(failed.failedReason, '550 mailbox unavailable: ada@example.com');
    assert.equal(failed.attemptsMade, 2);

    // The dashboard's API (development: no admin needed) retries it once the cause is fixed...
    smtpFixed = true;
    const api = `${app.baseUrl}/admin/jobs/api/queues/${queueName}`;
    // Like the dashboard's own script: same-site, no CSRF token (decision 0032).
    const headers = { Origin: app.baseUrl };
    const retry = await request(`${api}/${id}/retry`, { method: 'PUT', headers });
    assert.equal(retry.status, 204, retry.text);
    await waitForState(queue, id, 'completed');

    // ...or removes it.
    smtpFixed = false;
    const other = await services.jobs.enqueue(sendMail, { to: 'bob@example.com' });
    await waitForState(queue, other.id, 'failed');
    const removed = await request(`${api}/${other.id}/clean`, { method: 'PUT', headers });
    const forged = await request(`${api}/${other.id}/retry`, {
      method: 'PUT',
      headers: { Origin: 'https://evil.example' },
    });
    assert.equal(forged.status, 403, 'another site is refused');
    assert.equal(removed.status, 204, removed.text);
    assert.equal(await queue.getJob(other.id), null);
  });

  test('a payload is validated again before the handler runs: a bad one fails at once', async () => {
    const job = await queue.add('probe.flaky', { failures: 'many' }, { attempts: 3 });
    const failed = await waitForState(queue, String(job.id), 'failed');
    assert.match(failed.failedReason ?? '', /^Invalid payload for job "probe\.flaky": failures: /);
    assert.equal(failed.attemptsMade, 1, 'a payload that does not fit is not retried');
  });

  test('a job this worker does not know fails with the reason', async () => {
    const job = await queue.add('probe.from-the-future', {}, { attempts: 1 });
    const failed = await waitForState(queue, String(job.id), 'failed');
    assert.match(failed.failedReason ?? '', /no job named "probe\.from-the-future"/);
  });

  test('the worker counts and times jobs; the app shows queue depth per state', async () => {
    const worked = await worker.services.metrics.registry.metrics();
    assert.match(worked, /^jobs_completed_total\{name="probe\.flaky"\} 1$/m);
    assert.match(worked, /^jobs_failed_total\{name="probe\.flaky"\} [2-9]$/m);
    assert.match(worked, /^jobs_duration_seconds_count\{name="probe\.flaky"\} [3-9]$/m);
    const scraped = (await request(`${app.baseUrl}/metrics`)).text;
    const depth = (state: string) =>
      Number(
        scraped.match(
          new RegExp(`^jobs_queue_depth\\{queue="${queueName}",state="${state}"\\} (\\d+)$`, 'm'),
        )?.[1],
      );
    assert.ok(depth('failed') >= 2, scraped);
    assert.ok(depth('completed') >= 2, scraped);
    assert.equal(depth('waiting'), 0);
  });

  test("readiness includes the queue's Redis", async () => {
    const ready = JSON.parse((await request(`${app.baseUrl}/health/ready`)).text);
    assert.ok(Object.keys(ready.checks).includes('jobs'), JSON.stringify(ready.checks));
    assert.equal(ready.checks.jobs.ok, true);
  });

  test('the same feature code is queued with the jobs feature and runs inline without it', async () => {
    const queued = await services.jobs.enqueue(notify, { to: 'queued@example.com' });
    assert.match(queued.id, /^\d+$/, 'a Bull job id');
    await waitForState(queue, queued.id, 'completed');
    const viaWorker = await app.db.collection(sent).findOne({ to: 'queued@example.com' });
    assert.equal(viaWorker?.jobId, queued.id);

    // The app as it is once the jobs feature is removed: the same enqueue, in-process.
    const bare = await startProbeApp({
      features: [home, probe],
      env: { REDIS_URL: requireEnv('REDIS_URL') },
    });
    try {
      assert.equal(bare.services.jobs.mode, 'inline');
      const inline = await bare.services.jobs.enqueue(notify, { to: 'inline@example.com' });
      const direct = await bare.app.db.collection(sent).findOne({ to: 'inline@example.com' });
      assert.equal(direct?.jobId, inline.id, 'done by the time enqueue resolved');
    } finally {
      await bare.app.close();
    }
  });

  test('/debug/jobs lists the queue and enqueues any job by name, its payload checked', async () => {
    const page = JSON.parse(
      (await request(`${app.baseUrl}/debug/jobs`, { headers: { Accept: 'application/json' } }))
        .text,
    );
    assert.equal(page.mode, 'queue');
    assert.equal(page.queue, queueName);
    assert.equal(typeof page.counts.failed, 'number');
    const sample = page.jobs.find((job: { name: string }) => job.name === sampleJob.name);
    assert.deepEqual(sample.schema.required, ['message']);
    const client = createClient(app.baseUrl);
    const token = csrfTokenOf(await client.get('/debug/jobs'));
    const enqueue = (name: string, payload: string) =>
      client.post('/debug/jobs', {
        form: { _csrf: token, name, payload },
        headers: { Accept: 'application/json' },
      });
    // Texts as the project's default language says them (no English in some projects).
    const said = (key: string, options: Record<string, string>) =>
      tr(defaultLocale, `jobs:debug.enqueue.${key}`, options);
    for (const [name, payload, start] of [
      ['jobs.nothing', '{}', said('unknown', { name: 'jobs.nothing' })],
      [sampleJob.name, '{"message":', said('json', { message: '' })],
      [
        sampleJob.name,
        '{"message": 3}',
        said('failed', { message: `Invalid payload for job "${sampleJob.name}": message: ` }),
      ],
    ] as const) {
      const refused = await enqueue(name, payload);
      assert.equal(refused.status, 422, payload);
      assert.ok(JSON.parse(refused.text).error.startsWith(start), refused.text);
    }
    const posted = await enqueue(sampleJob.name, '{"message": "from the test"}');
    assert.equal(posted.status, 201);
    const { id } = JSON.parse(posted.text);
    const job = await waitForState(queue, id, 'completed');
    assert.equal(job.name, sampleJob.name);
  });

  const elsewhere = networkAddress();
  test('security review 1: outside production the job dashboard refuses clients not on loopback', {
    skip: elsewhere ? false : 'this machine has no network address besides loopback',
  }, async () => {
    for (const path of ['/admin/jobs', '/admin/jobs/api/queues', '/ADMIN/Jobs', '/debug/jobs']) {
      const res = await request(`${app.baseUrl}${path}`, {
        localAddress: elsewhere,
        headers: { Accept: 'application/json', 'X-Forwarded-For': '127.0.0.1' },
      });
      assert.equal(res.status, 403, path);
      assert.doesNotMatch(res.text, new RegExp(queueName));
    }
    const local = await request(`${app.baseUrl}/admin/jobs/api/queues`);
    assert.equal(local.status, 200, 'this machine gets in');
  });
});

describe('the dashboard in production', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    ({ app } = await startProbeApp({
      features: [...withProbe, testSignIn],
      env: {
        NODE_ENV: 'production',
        REDIS_URL: requireEnv('REDIS_URL'),
        JOBS_QUEUE: uniqueQueueName(),
        ADMIN_EMAILS: 'boss@example.org',
        ...productionEmail,
      },
    }));
  });
  after(() => app.close());

  for (const who of ['anonymous visitors', 'signed-in non-admins'] as const) {
    test(`is forbidden to ${who}, page and API alike`, async () => {
      const browser = createClient(app.baseUrl, { origin: productionEmail.PUBLIC_URL });
      if (who === 'signed-in non-admins') await signIn(browser, 'member@example.org');
      for (const path of ['/admin/jobs', '/admin/jobs/api/queues']) {
        const res = await browser.get(path, { headers: { Accept: 'application/json' } });
        // Anonymous visitors are sent to sign in; signed-in non-admins get a 403.
        assert.equal(res.status, who === 'anonymous visitors' ? 302 : 403, path);
        assert.doesNotMatch(res.text, /test_jobs_/);
      }
      const retry = await browser.send('PUT', '/admin/jobs/api/queues/x/1/retry');
      assert.equal(retry.status, who === 'anonymous visitors' ? 401 : 403);
    });
  }

  test('opens for admins', async () => {
    const admin = createClient(app.baseUrl, { origin: productionEmail.PUBLIC_URL });
    assert.equal((await signIn(admin, 'boss@example.org')).role, 'admin');
    const page = await admin.get('/admin/jobs');
    assert.equal(page.status, 200);
    assert.match(page.text, /<base href="\/admin\/jobs\/"/);
    const api = await admin.get('/admin/jobs/api/queues');
    assert.equal(JSON.parse(api.text).queues[0].name, app.config.JOBS_QUEUE);
  });

  test('/debug/jobs does not exist', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await request(`${app.baseUrl}/debug/jobs`, { method });
      // A POST without a token stops at the CSRF check, before routing; either way, no page.
      assert.equal(res.status, method === 'GET' ? 404 : 403, method);
      assert.doesNotMatch(res.text, /jobs:debug|jobs\.sample/);
    }
  });
});

describe('readiness with Redis down', () => {
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let app: Awaited<ReturnType<typeof startTestApp>>;
  let services: AppServices;
  before(async () => {
    proxy = await startTcpProxy(requireEnv('REDIS_URL'));
    ({ app, services } = await startProbeApp({
      env: { REDIS_URL: proxy.url, JOBS_QUEUE: uniqueQueueName() },
    }));
  });
  after(async () => {
    await proxy.up();
    await app.close();
    await proxy.close();
  });

  test('503 naming Redis while it is down, an enqueue fails fast, ready again after', async () => {
    const ready = () => request(`${app.baseUrl}/health/ready`);
    assert.equal(await waitFor(async () => (await ready()).status === 200, 'ready'), true);
    await proxy.down();
    const down = await ready();
    assert.equal(down.status, 503);
    const body = JSON.parse(down.text);
    assert.equal(body.checks.jobs.ok, false);
    assert.equal(body.checks.mongodb.ok, true);

    const started = Date.now();
    await assert.rejects(services.jobs.enqueue(sampleJob, { message: 'lost?' }));
    assert.ok(Date.now() - started < 5_000, 'the caller hears of it within seconds');

    await proxy.up();
    await waitFor(async () => (await ready()).status === 200, 'ready again', 10_000);
  });
});

describe('schedules in Redis', () => {
  test('follow the code: unchanged ones kept once, a changed payload replaces the old run', async () => {
    const queue = inspectQueue(uniqueQueueName());
    const tick = (n: number) =>
      defineJob({
        name: 'probe.tick',
        payload: z.object({ n: z.number() }),
        schedule: { cron: '0 3 * * *', payload: { n } },
        handler() {},
      });
    const logger = pino({ level: 'silent' });
    try {
      for (const n of [1, 1, 2]) {
        await reconcileSchedules(queue, createJobRegistry([tick(n)]), logger);
      }
      assert.equal((await queue.getRepeatableJobs()).length, 1);
      const next = await queue.getDelayed();
      assert.deepEqual(
        next.map((job) => job.data),
        [{ n: 2 }],
      );
    } finally {
      await dropQueue(queue);
    }
  });
});
