import { Cron } from 'croner';
import type { z } from 'zod';
import type { SigningKey } from '../auth/signing-key.ts';
import type { Database } from '../data/db.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

// Background jobs, defined next to the feature that owns them and enqueued through one interface.
// With the jobs feature (src/features/jobs) the queue is Bull on Redis and a worker process runs
// the jobs; without it (removed, or no REDIS_URL in development) they run in this process, during
// enqueue. See docs/decisions/0030-background-jobs.md.

// The services a handler gets. This wing names only what it uses itself; the app wing, which
// knows every service, merges the whole of AppServices into this interface (src/core/app/feature.ts),
// so handlers see them all while nothing here imports a wing above it.
export interface JobServices {
  db: Database;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  jobs: JobQueue;
}

export type JobContext = {
  /** The queue's id for this job ("inline-<n>" when it runs in-process). */
  id: string;
  /** 1 for the first run, 2 for the first retry... */
  attempt: number;
  log: Logger;
  services: JobServices;
};

export type JobSchedule<Payload> = {
  /** Cron expression, in UTC: '0 3 * * *' is every day at 03:00. Seconds may lead (6 fields). */
  cron: string;
  payload: Payload;
};

export type JobDefinition<Schema extends z.ZodType = z.ZodType> = {
  /** Unique in the app and stored with every queued job: rename only with care, e.g. 'auth.send-email'. */
  name: string;
  /** Validates the payload at enqueue and again before the handler runs. Payloads travel as JSON. */
  payload: Schema;
  /** Jobs can run more than once (retries, a crashed worker): make handlers idempotent. */
  handler(payload: z.output<Schema>, context: JobContext): Promise<unknown> | unknown;
  /** Total runs before the job is kept as failed (default 3). */
  attempts?: number;
  /** The first retry waits this long, each next one twice as long (default 1,000 ms). */
  backoffMs?: number;
  /** The payload holds a secret (a sign-in link): the queue stores it sealed (encrypted under the
   * app's signing key: Redis and the dashboard see no secret), drops the job once it completes,
   * and keeps a failed one a day instead of 30. */
  secretPayload?: boolean;
  /** Run on a schedule as well (repeatable job); the worker reconciles schedules at start. */
  schedule?: JobSchedule<z.input<Schema>>;
};

export const defineJob = <Schema extends z.ZodType>(job: JobDefinition<Schema>) => job;

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 1_000;

export type EnqueuedJob = { id: string };

// What features use: services.jobs.enqueue(sendEmail, { to, subject }).
export type JobQueue = {
  /** 'queue': stored in Redis and run by the worker; 'inline': run in this process by enqueue. */
  readonly mode: 'queue' | 'inline';
  /** Every job the app defines, by name. */
  readonly registry: JobRegistry;
  /** Validates the payload (JobPayloadError on failure, nothing enqueued), then queues the job,
   * or with the inline queue runs it and rejects with its error. */
  enqueue<Schema extends z.ZodType>(
    job: JobDefinition<Schema>,
    payload: z.input<Schema>,
  ): Promise<EnqueuedJob>;
};

export type JobRegistry = ReadonlyMap<string, JobDefinition>;

/** A failure another attempt cannot fix (a payload that does not fit, a request the other side
 * refuses): the worker keeps the job as failed at once instead of retrying it. */
export class PermanentError extends Error {}

export class JobPayloadError extends PermanentError {
  readonly job: string;
  readonly issues: z.core.$ZodIssue[];
  constructor(job: string, issues: z.core.$ZodIssue[]) {
    const details = issues.map(
      (i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`,
    );
    super(`Invalid payload for job "${job}": ${details.join('; ')}`);
    this.name = 'JobPayloadError';
    this.job = job;
    this.issues = issues;
  }
}

// Fails at start, with the job named, rather than when a job is first enqueued or scheduled.
export function createJobRegistry(definitions: JobDefinition[]): JobRegistry {
  const registry = new Map<string, JobDefinition>();
  for (const job of definitions) {
    if (registry.has(job.name)) throw new Error(`Two jobs are named "${job.name}"; rename one.`);
    if (job.schedule) {
      try {
        nextRun(job.schedule.cron, new Date());
      } catch (error) {
        throw new Error(
          `Job "${job.name}": schedule "${job.schedule.cron}" is not a cron expression (${(error as Error).message}).`,
        );
      }
      validatePayload(job, job.schedule.payload);
    }
    registry.set(job.name, job);
  }
  return registry;
}

export function validatePayload<Schema extends z.ZodType>(
  job: JobDefinition<Schema>,
  payload: unknown,
): z.output<Schema> {
  const result = job.payload.safeParse(payload);
  if (!result.success) throw new JobPayloadError(job.name, result.error.issues);
  return result.data;
}

// The payload as it is stored: validated, then through JSON, so that the handler gets the same
// in-process as from a worker (a Date is a string until the schema turns it back, z.coerce.date).
// The stored form is validated too: a payload the worker would refuse (a z.date() field, a
// transform) is the caller's error now, not a job discarded later.
export function storedPayload(job: JobDefinition, payload: unknown): unknown {
  const stored = JSON.parse(JSON.stringify(validatePayload(job, payload) ?? null));
  validatePayload(job, stored);
  return stored;
}

// A secret payload as a queue stores it: { sealed } that only this app's key opens, bound to the
// job's name.
export function sealedPayload(job: JobDefinition, stored: unknown, key: SigningKey) {
  return { sealed: key.seal(`job:${job.name}`, JSON.stringify(stored)) };
}

/** The payload a queue stored, opened when sealed; validated afterwards, by runJob. */
export function openedPayload(job: JobDefinition, data: unknown, key: SigningKey): unknown {
  if (!job.secretPayload) return data;
  const sealed = (data as { sealed?: unknown } | null)?.sealed;
  try {
    if (typeof sealed !== 'string') throw new Error('not sealed');
    return JSON.parse(key.open(`job:${job.name}`, sealed));
  } catch {
    // Never retried (a JobPayloadError): altered, or sealed under another key (SESSION_SECRET changed).
    throw new JobPayloadError(job.name, [
      {
        code: 'custom',
        path: [],
        message: 'a secret payload that this app cannot open',
        input: '',
      },
    ]);
  }
}

// The registry's definition for a job passed to enqueue: a job must be registered (listed in its
// feature's `jobs`), or a worker would not know how to run it.
export function registeredJob(registry: JobRegistry, job: JobDefinition): JobDefinition {
  const registered = registry.get(job.name);
  if (!registered) {
    throw new Error(`Job "${job.name}" is not registered: list it in its feature's "jobs".`);
  }
  return registered;
}

/** When the schedule next fires after `from` (UTC; a fixed offset spares loading time zone data). */
export function nextRun(cron: string, from: Date): number {
  const next = new Cron(cron, { utcOffset: 0, paused: true }).nextRun(from);
  if (!next) throw new Error(`"${cron}" never fires`);
  return next.getTime();
}
