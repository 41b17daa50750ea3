// The job interface without a queue: what every feature gets when the jobs feature is removed (or
// in development without REDIS_URL). The same calls go through Bull in src/features/jobs.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { type AppServices, defineFeature } from '../../src/core/app/feature.ts';
import { defineCollection } from '../../src/core/data/db.ts';
import { CLEANUP_JOB } from '../../src/core/jobs/cleanup.ts';
import { defineJob, type JobContext, JobPayloadError } from '../../src/core/jobs/jobs.ts';
import { features } from '../../src/features/index.ts';
import { startTestApp } from '../helpers/app.ts';
import { request } from '../helpers/http.ts';

type Note = { text: string; at: Date; attempt: number; id: string };
const notes = defineCollection<Note>('test_notes');
type Token = { name: string; expiresAt: Date };
const tokens = defineCollection<Token>('test_tokens', [], { expiresField: 'expiresAt' });

const writeNote = defineJob({
  name: 'probe.write-note',
  payload: z.object({ text: z.string().min(1), at: z.coerce.date() }),
  async handler({ text, at }, { services, attempt, id }: JobContext) {
    // Payloads travel as JSON, in-process too: z.coerce.date() turns `at` back into a Date.
    assert.ok(at instanceof Date);
    await services.db.collection(notes).insertOne({ text, at, attempt, id });
  },
});
const failing = defineJob({
  name: 'probe.failing',
  payload: z.object({}),
  handler() {
    throw new Error('the mail server said no');
  },
});
let ticks = 0;
const everySecond = defineJob({
  name: 'probe.every-second',
  payload: z.object({ step: z.number() }),
  schedule: { cron: '* * * * * *', payload: { step: 1 } },
  handler({ step }) {
    ticks += step;
  },
});

let services: AppServices;
// A feature that exists only in this test, defining jobs and an expiring collection like real ones.
const probe = defineFeature({
  name: 'probe',
  jobs: [writeNote, failing, everySecond],
  collections: [tokens],
  routes(_router, appServices) {
    services = appServices;
  },
});

describe('jobs without a queue (in-process)', () => {
  let app: Awaited<ReturnType<typeof startTestApp>>;
  before(async () => {
    app = await startTestApp({ features: [...features, probe] });
  });
  after(() => app.close());

  test('enqueue runs the job in this process and resolves once it is done', async () => {
    assert.equal(services.jobs.mode, 'inline');
    const at = new Date('2030-01-02T03:04:05Z');
    const { id } = await services.jobs.enqueue(writeNote, { text: 'hello', at });
    const note = await app.db.collection(notes).findOne({ text: 'hello' });
    assert.deepEqual(
      { at: note?.at, attempt: note?.attempt, id: note?.id },
      { at, attempt: 1, id },
    );
    assert.match(id, /^inline-\d+$/);
  });

  test('an invalid payload is refused with the job and the field named, and nothing runs', async () => {
    await assert.rejects(
      services.jobs.enqueue(writeNote, { text: '', at: 'not a date' }),
      (error: Error) => {
        assert.ok(error instanceof JobPayloadError);
        assert.match(error.message, /^Invalid payload for job "probe\.write-note": text: .+; at: /);
        return true;
      },
    );
    assert.equal(await app.db.collection(notes).countDocuments({ text: '' }), 0);
  });

  test("a failing job rejects enqueue with the job's own error, for the caller to handle", async () => {
    await assert.rejects(services.jobs.enqueue(failing, {}), /the mail server said no/);
  });

  test('a job no feature lists cannot be enqueued', async () => {
    const stray = defineJob({ name: 'probe.stray', payload: z.object({}), handler() {} });
    await assert.rejects(services.jobs.enqueue(stray, {}), /"probe\.stray" is not registered/);
  });

  test('schedules run on timers in this process', async () => {
    const before = ticks;
    for (let i = 0; i < 40 && ticks === before; i++) await sleep(100);
    assert.ok(ticks > before, 'the every-second schedule ran');
  });

  test('the daily cleanup deletes expired documents of each registered collection', async () => {
    const now = Date.now();
    await app.db.collection(tokens).insertMany([
      { name: 'expired', expiresAt: new Date(now - 1_000) },
      { name: 'valid', expiresAt: new Date(now + 60_000) },
    ]);
    const cleanup = services.jobs.registry.get(CLEANUP_JOB);
    assert.ok(cleanup?.schedule, 'the cleanup is a scheduled job');
    await services.jobs.enqueue(cleanup, {});
    const left = await app.db.collection(tokens).find().toArray();
    assert.deepEqual(
      left.map((token) => token.name),
      ['valid'],
    );
  });

  test('runs are counted and timed on /metrics', async () => {
    const metrics = (await request(`${app.baseUrl}/metrics`)).text;
    assert.match(metrics, /^jobs_completed_total\{name="probe\.write-note"\} [1-9]/m);
    assert.match(metrics, /^jobs_failed_total\{name="probe\.failing"\} [1-9]/m);
    assert.match(metrics, /^jobs_duration_seconds_count\{name="probe\.write-note"\} [1-9]/m);
  });
});
