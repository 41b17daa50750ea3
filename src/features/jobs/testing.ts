// Shared by this feature's tests: a queue name of their own on the shared test Redis, and a wait
// for what a worker does in its own time.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Bull from 'bull';
import { requireEnv } from '../../../tests/helpers/env.ts';

export const uniqueQueueName = () => `test_jobs_${randomBytes(5).toString('hex')}`;

/** A plain Bull handle on the test's queue, to look at jobs as the dashboard would. */
export const inspectQueue = (name: string) => new Bull(name, requireEnv('REDIS_URL'));

/** Polls until `check` returns something other than undefined or false. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const result = await check();
    if (result !== undefined && result !== false) return result;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits until the job is in `state`, and returns it. */
export const waitForState = (queue: Bull.Queue, id: string, state: Bull.JobStatus) =>
  waitFor(async () => {
    const current = await queue.getJob(id);
    // Read again once the state matches: the first read may predate the move.
    return current && (await current.getState()) === state ? queue.getJob(id) : undefined;
  }, `job ${id} to be ${state}`) as Promise<Bull.Job>;

/** Deletes everything the test left under its queue name. */
export async function dropQueue(queue: Bull.Queue) {
  await queue.obliterate({ force: true });
  await queue.close();
}
