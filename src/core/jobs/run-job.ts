import { Counter, Histogram, type Registry } from 'prom-client';
import { type JobContext, type JobDefinition, validatePayload } from './jobs.ts';

// Runs one attempt of a job wherever jobs run (the worker, or in-process without the queue), so
// validation, logs and metrics are the same in both.

export type JobMetrics = {
  completed: Counter<'name'>;
  failed: Counter<'name'>;
  duration: Histogram<'name'>;
};

// `name`, not `job`: Prometheus sets its own `job` label on every scraped series.
const created = new WeakMap<Registry, JobMetrics>();

export function jobMetrics(registry: Registry): JobMetrics {
  let metrics = created.get(registry);
  if (!metrics) {
    metrics = {
      completed: new Counter({
        name: 'jobs_completed_total',
        help: 'Jobs that ran to completion, by job name',
        labelNames: ['name'],
        registers: [registry],
      }),
      failed: new Counter({
        name: 'jobs_failed_total',
        help: 'Job attempts that failed (retried or not), by job name',
        labelNames: ['name'],
        registers: [registry],
      }),
      duration: new Histogram({
        name: 'jobs_duration_seconds',
        help: 'Time a job attempt took, by job name',
        labelNames: ['name'],
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
        registers: [registry],
      }),
    };
    created.set(registry, metrics);
  }
  return metrics;
}

/** Validates `data` again (JobPayloadError when it does not fit) and runs the handler once. */
export async function runJob(
  job: JobDefinition,
  data: unknown,
  context: JobContext,
  metrics: JobMetrics,
) {
  const labels = { name: job.name };
  const started = performance.now();
  try {
    await job.handler(validatePayload(job, data), context);
    metrics.completed.inc(labels);
    context.log.info({ ms: Math.round(performance.now() - started) }, 'job completed');
  } catch (error) {
    metrics.failed.inc(labels);
    context.log.error({ err: error }, 'job failed');
    throw error;
  } finally {
    metrics.duration.observe(labels, (performance.now() - started) / 1000);
  }
}
