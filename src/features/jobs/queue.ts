import Bull from 'bull';
import type { Config } from '../../core/config/config.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type EnqueuedJob,
  type JobDefinition,
  type JobQueue,
  type JobRegistry,
  registeredJob,
  storedPayload,
} from '../../core/jobs/jobs.ts';

const DAY_SECONDS = 24 * 60 * 60;

// Opens the app's Bull queue. The web process only adds jobs (failFast: while Redis is down an
// enqueue fails within about 2 s instead of waiting in ioredis's offline queue, so the caller can
// answer the request); the worker also processes them and may wait for Redis to come back.
export function openQueue(config: Config, { failFast }: { failFast: boolean }): Bull.Queue {
  const url = config.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  return new Bull(config.JOBS_QUEUE, url, {
    redis: {
      ...(url.startsWith('rediss:') ? { tls: {} } : {}),
      // Bull's default backs off to 20 s between reconnections; a restarted Redis is used again
      // within 2 s.
      retryStrategy: (times: number) => Math.min(times * 200, 2_000),
      ...(failFast ? { maxRetriesPerRequest: 1 } : {}),
    },
    settings: {
      lockDuration: config.JOBS_LOCK_MS,
      stalledInterval: config.JOBS_LOCK_MS,
      // A job whose worker vanished runs again; twice (a shutdown that returned it, then a crash)
      // is allowed before it is kept as failed, so a job that kills workers cannot loop forever.
      maxStalledCount: 2,
    },
  });
}

// How Bull keeps a job: retried with exponential backoff, completed ones trimmed (the last 1,000,
// at most a day), failed ones kept 30 days with their error for a retry or a look. A job whose
// payload holds a secret is gone once done, and kept a day when it fails.
export function jobOptions(job: JobDefinition): Bull.JobOptions {
  return {
    attempts: job.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: job.backoffMs ?? DEFAULT_BACKOFF_MS },
    removeOnComplete: job.secretPayload ? true : { count: 1_000, age: DAY_SECONDS },
    removeOnFail: { age: (job.secretPayload ? 1 : 30) * DAY_SECONDS },
  };
}

// services.jobs when the queue is on: enqueue stores the job in Redis for the worker.
export class BullJobQueue implements JobQueue {
  readonly mode = 'queue';
  readonly queue: Bull.Queue;
  readonly registry: JobRegistry;

  constructor(queue: Bull.Queue, registry: JobRegistry) {
    this.queue = queue;
    this.registry = registry;
  }

  async enqueue(job: JobDefinition, payload: unknown): Promise<EnqueuedJob> {
    registeredJob(this.registry, job);
    const data = storedPayload(job, payload);
    const added = await this.queue.add(job.name, data, jobOptions(job));
    return { id: String(added.id) };
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const pingRedis = async (queue: Bull.Queue) => {
  await withTimeout(queue.client.ping(), 2_000, 'Redis');
};
