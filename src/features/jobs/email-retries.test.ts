// A broken email provider loses no queued email: the worker retries a failed send with the job's
// backoff, and keeps a refused one as failed, for a retry from /admin/jobs once the cause is fixed.
// Against the SES stand-in on loopback (tests/helpers/ses-server.ts) and the real Redis.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type Bull from 'bull';
import { startTestApp } from '../../../tests/helpers/app.ts';
import { requireEnv } from '../../../tests/helpers/env.ts';
import { captureServices } from '../../../tests/helpers/services.ts';
import { startSesServer } from '../../../tests/helpers/ses-server.ts';
import { sendEmail } from '../../core/email/email.ts';
import { SES_ATTEMPTS } from '../../core/email/ses.ts';
import { project } from '../../project.ts';
import { features } from '../index.ts';
import { dropQueue, inspectQueue, uniqueQueueName, waitFor, waitForState } from './testing.ts';
import { startWorker, type Worker } from './worker.ts';

const queueName = uniqueQueueName();
const capture = captureServices();
let ses: Awaited<ReturnType<typeof startSesServer>>;
let app: Awaited<ReturnType<typeof startTestApp>>;
let worker: Worker;
let queue: Bull.Queue;

before(async () => {
  ses = await startSesServer();
  app = await startTestApp({
    features: [...features, capture.feature],
    env: { ...ses.env, REDIS_URL: requireEnv('REDIS_URL'), JOBS_QUEUE: queueName },
  });
  worker = await startWorker({
    config: app.config,
    db: app.db,
    logger: app.logger,
    features,
  });
  queue = inspectQueue(queueName);
});
after(async () => {
  await worker.stop(1_000);
  await app.close();
  await dropQueue(queue);
  await ses.close();
});

const send = (to: string) =>
  sendEmail(capture.services, {
    to,
    template: 'notice',
    subject: 'errors.tooMany.title',
    lang: project.defaultLocale,
    locals: { heading: 'errors.csrf.title', body: 'errors.csrf.body' },
  });
const arrived = (to: string) =>
  waitFor(async () => ses.received.some((mail) => mail.to.includes(to)), `the email to ${to}`);

test('a provider down for a whole attempt: the queue tries again later and the email arrives', async () => {
  assert.equal(capture.services.jobs.mode, 'queue');
  ses.failNext(...Array.from({ length: SES_ATTEMPTS }, () => ({ status: 503 })));
  await send('later@example.org');
  await arrived('later@example.org');
  const statuses = ses.requests.map((r) => r.status);
  assert.deepEqual(statuses, [...Array(SES_ATTEMPTS).fill(503), 200]);
});

test('a refused email is kept as failed, not retried, and goes out when retried by hand', async () => {
  ses.requests.length = 0;
  ses.failNext({ status: 400 });
  const { id } = await send('kept@example.org');
  const failed = await waitForState(queue, id, 'failed');
  assert.equal(failed.attemptsMade, 1, 'no automatic retry of a refusal');
  assert.match(failed.failedReason ?? '', /SES refused the email \(HTTP 400\)/);
  assert.deepEqual(
    ses.requests.map((r) => r.status),
    [400],
  );
  // What "Retry" on /admin/jobs does, once the sender is verified (or the address fixed).
  await failed.retry();
  await arrived('kept@example.org');
});
