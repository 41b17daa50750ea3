import {
  type JobDefinition,
  type JobQueue,
  type JobRegistry,
  type JobServices,
  nextRun,
  registeredJob,
  storedPayload,
} from './jobs.ts';
import { jobMetrics, runJob } from './run-job.ts';

// setTimeout's longest delay (about 24.8 days); a later run is reached in several waits.
const MAX_TIMER_MS = 2 ** 31 - 1;

// The job queue without a queue: enqueue runs the job right away, in this process, and resolves
// when it is done (or rejects with its error: there are no retries, the caller decides). Schedules
// run on timers in this process, so every web process runs them: keep scheduled jobs idempotent.
export function createInlineQueue(
  base: Omit<JobServices, 'jobs'>,
  registry: JobRegistry,
): JobQueue {
  const metrics = jobMetrics(base.metrics.registry);
  const queue: JobQueue = {
    mode: 'inline',
    registry,
    async enqueue(job, payload) {
      const registered = registeredJob(registry, job);
      return run(registered, storedPayload(job, payload));
    },
  };
  const services: JobServices = { ...base, jobs: queue };
  let count = 0;

  async function run(job: JobDefinition, data: unknown) {
    const id = `inline-${++count}`;
    const log = base.logger.child({ job: job.name, jobId: id });
    await runJob(job, data, { id, attempt: 1, log, services }, metrics);
    return { id };
  }

  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  function plan(job: JobDefinition, cron: string, payload: unknown) {
    if (stopped) return;
    const delay = nextRun(cron, new Date()) - Date.now();
    const timer = setTimeout(
      async () => {
        timers.delete(timer);
        if (delay <= MAX_TIMER_MS) await run(job, payload).catch(() => {}); // runJob logged it
        plan(job, cron, payload);
      },
      Math.min(Math.max(delay, 0), MAX_TIMER_MS),
    );
    timer.unref();
    timers.add(timer);
  }
  for (const job of registry.values()) {
    if (job.schedule) plan(job, job.schedule.cron, job.schedule.payload);
  }
  base.lifecycle.onShutdown(async () => {
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });

  return queue;
}
