import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import {
  createJobRegistry,
  defineJob,
  JobPayloadError,
  nextRun,
  storedPayload,
} from '../../src/core/jobs/jobs.ts';

const job = (name: string, extra: Partial<Parameters<typeof defineJob>[0]> = {}) =>
  defineJob({ name, payload: z.object({ n: z.number() }), handler() {}, ...extra });

describe('job definitions', () => {
  test('two jobs with one name are refused at start', () => {
    assert.throws(
      () => createJobRegistry([job('a.same'), job('a.same')]),
      /Two jobs are named "a\.same"/,
    );
  });

  test('a schedule must be a cron expression with a valid payload', () => {
    assert.throws(
      () =>
        createJobRegistry([job('a.bad-cron', { schedule: { cron: 'daily', payload: { n: 1 } } })]),
      /Job "a\.bad-cron": schedule "daily" is not a cron expression/,
    );
    assert.throws(
      () =>
        createJobRegistry([job('a.bad-payload', { schedule: { cron: '0 3 * * *', payload: {} } })]),
      /Invalid payload for job "a\.bad-payload": n: /,
    );
  });

  test('a payload is stored as the JSON of its parsed value: unknown keys dropped', () => {
    const withDate = defineJob({
      name: 'a.dated',
      payload: z.object({ at: z.coerce.date() }),
      handler() {},
    });
    assert.deepEqual(storedPayload(withDate, { at: new Date(0), extra: 'dropped' }), {
      at: '1970-01-01T00:00:00.000Z',
    });
  });

  test('a payload the stored JSON would not pass again is refused at once', () => {
    const strictDate = defineJob({
      name: 'a.strict',
      payload: z.object({ at: z.date() }),
      handler() {},
    });
    assert.throws(() => storedPayload(strictDate, { at: new Date(0) }), JobPayloadError);
  });

  test('cron schedules are read in UTC', () => {
    const from = new Date('2030-01-01T12:00:00Z');
    assert.equal(new Date(nextRun('30 3 * * *', from)).toISOString(), '2030-01-02T03:30:00.000Z');
  });
});
