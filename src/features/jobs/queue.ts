import { createRequire } from 'node:module';
import type Bull from 'bull';
import type { Redis, RedisOptions } from 'ioredis';
import type { SigningKey } from '../../core/auth/signing-key.ts';
import type { Config } from '../../core/config/config.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  type EnqueuedJob,
  type JobDefinition,
  type JobQueue,
  type JobRegistry,
  registeredJob,
  sealedPayload,
  storedPayload,
} from '../../core/jobs/jobs.ts';

const DAY_SECONDS = 24 * 60 * 60;
const require = createRequire(import.meta.url);

type OpenOptions = {
  failFast: boolean;
  /** A connection for Bull's commands (the process's shared one); Bull opens its own otherwise. */
  client?: Redis;
};

// Opens the app's Bull queue. The web process only adds jobs (failFast: while Redis is down an
// enqueue fails within about 2 s instead of waiting in ioredis's offline queue, so the caller can
// answer the request); the worker also processes them and may wait for Redis to come back.
// Bull is loaded here, not at import: a web process that has not queued a job yet does without it
// and its dependencies (about 6 MB of memory).
export function openQueue(config: Config, { failFast, client }: OpenOptions): Bull.Queue {
  const url = config.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set');
  const Bull = require('bull') as typeof import('bull');
  return new Bull(config.JOBS_QUEUE, url, {
    // Commands go through the given connection; blocking and subscribing ones (a worker's) cannot
    // share one, so Bull opens those itself.
    ...(client ? { createClient: sharing(client) } : {}),
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

// Bull's createClient: the given connection for commands, and what Bull would open itself for the
// blocking and subscribing connections (no retry limit: they wait for Redis to come back).
function sharing(client: Redis) {
  return (type: 'client' | 'subscriber' | 'bclient', options: RedisOptions = {}) => {
    if (type === 'client') return client;
    const { Redis: RedisClient } = require('ioredis') as typeof import('ioredis');
    return new RedisClient({ ...options, maxRetriesPerRequest: null });
  };
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
  readonly registry: JobRegistry;
  #queue: Bull.Queue | (() => Bull.Queue);
  #key: SigningKey | undefined;

  /** `queue` may be a function that opens it: it is called on first use (the web process).
   * `key` seals secret payloads (the app's signing key, which the worker shares); without it,
   * enqueueing a job with a secret payload throws. */
  constructor(queue: Bull.Queue | (() => Bull.Queue), registry: JobRegistry, key?: SigningKey) {
    this.#queue = queue;
    this.registry = registry;
    this.#key = key;
  }

  get queue(): Bull.Queue {
    if (typeof this.#queue === 'function') this.#queue = this.#queue();
    return this.#queue;
  }

  async enqueue(job: JobDefinition, payload: unknown): Promise<EnqueuedJob> {
    registeredJob(this.registry, job);
    const stored = storedPayload(job, payload);
    let data = stored;
    if (job.secretPayload) {
      if (!this.#key)
        throw new Error(`Job "${job.name}" has a secret payload: give the queue a key`);
      await this.#key.ready();
      data = sealedPayload(job, stored, this.#key);
    }
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

export const pingRedis = async (client: Redis) => {
  await withTimeout(client.ping(), 2_000, 'Redis');
};
