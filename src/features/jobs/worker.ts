import type Bull from 'bull';
import Koa from 'koa';
import packageJson from '../../../package.json' with { type: 'json' };
import { appJobs } from '../../core/app/app-jobs.ts';
import type { AppServices, Feature } from '../../core/app/feature.ts';
import { createServices, withJobs } from '../../core/app/services.ts';
import type { Config } from '../../core/config/config.ts';
import type { Database } from '../../core/data/db.ts';
import { openedPayload, PermanentError } from '../../core/jobs/jobs.ts';
import { jobMetrics, runJob } from '../../core/jobs/run-job.ts';
import { healthRoutes } from '../../core/observability/health.ts';
import { closeAll, createLifecycle } from '../../core/observability/lifecycle.ts';
import type { Logger } from '../../core/observability/logger.ts';
import { createMetrics, metricsRoutes } from '../../core/observability/metrics.ts';
import { queueDepthMetric } from './metrics.ts';
import { BullJobQueue, openQueue, pingRedis } from './queue.ts';
import { whenRefused } from './refusals.ts';
import { reconcileSchedules } from './schedules.ts';

export type WorkerOptions = { config: Config; db: Database; logger: Logger; features: Feature[] };

export type Worker = {
  services: AppServices;
  queue: Bull.Queue;
  /** /health/live, /health/ready and /metrics, for the worker's own port. */
  probes: Koa;
  /** Settles with the error if Bull's processing loop cannot start, or Redis has refused the
   * worker's commands for JOBS_REFUSED_EXIT_MS (refusals.ts): the process should end then, since
   * a worker that runs no jobs but answers its probes would hide the fault. While Redis is down it
   * stays pending: the worker waits for Redis, and its readiness probe says so. */
  failed: Promise<unknown>;
  /** Stops taking jobs, lets the active ones finish for up to timeoutMs, returns the others to
   * the queue, then closes Redis. `clean` is false when some had to be returned. */
  stop(timeoutMs: number): Promise<{ clean: boolean; returned: string[] }>;
};

// Runs every job the features define, from the app's Bull queue, `JOBS_CONCURRENCY` at a time.
export async function startWorker({
  config,
  db,
  logger,
  features,
}: WorkerOptions): Promise<Worker> {
  const registry = appJobs(features);
  const queue = openQueue(config, { failFast: false });
  queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
  queue.on('stalled', (job: Bull.Job) =>
    logger.warn({ job: job.name, jobId: job.id }, 'job stalled (its worker stopped): queued again'),
  );
  const lifecycle = createLifecycle();
  const metrics = createMetrics();
  const withoutJobs = createServices({ config, db, logger, lifecycle, metrics });
  const { signingKey } = withoutJobs;
  const jobs = new BullJobQueue(queue, registry, signingKey);
  const services = withJobs(withoutJobs, jobs, features);
  const counters = jobMetrics(metrics.registry);
  queueDepthMetric(metrics.registry, () => queue);
  await reconcileSchedules(queue, registry, logger);

  const active = new Map<string, Bull.Job>();
  const processing = queue.process('*', config.JOBS_CONCURRENCY, async (job: Bull.Job) => {
    const id = String(job.id);
    const attempt = job.attemptsMade + 1;
    const definition = registry.get(job.name);
    if (!definition) {
      throw new Error(`This worker has no job named "${job.name}": is it older than the web app?`);
    }
    active.set(id, job);
    try {
      const log = logger.child({ job: job.name, jobId: id, attempt });
      if (definition.secretPayload) await signingKey.ready();
      const data = openedPayload(definition, job.data, signingKey);
      await runJob(definition, data, { id, attempt, log, services }, counters);
    } catch (error) {
      // A payload that will never fit, a request the other side refuses: no retries.
      if (error instanceof PermanentError) job.discard();
      throw error;
    } finally {
      active.delete(id);
    }
  });
  const failed = Promise.race([
    processing.then(
      () => new Promise(() => {}),
      (error: unknown) => error,
    ),
    whenRefused(queue, config.JOBS_REFUSED_EXIT_MS),
  ]);
  logger.info(
    { queue: queue.name, concurrency: config.JOBS_CONCURRENCY, jobs: [...registry.keys()] },
    'worker started',
  );

  const checks = [
    { name: 'redis', check: () => pingRedis(queue.client) },
    { name: 'mongodb', check: () => db.ping() },
  ];
  const probes = new Koa();
  probes.use(healthRoutes(lifecycle, checks, packageJson.version, logger).routes());
  probes.use(
    metricsRoutes(metrics, { production: config.production, token: config.METRICS_TOKEN }).routes(),
  );

  return {
    services,
    queue,
    probes,
    failed,
    async stop(timeoutMs) {
      lifecycle.draining = true;
      // This worker only, without waiting for the active jobs; Bull aborts its blocking fetch.
      await queue.pause(true, true);
      logger.info({ active: active.size }, 'no longer taking jobs');
      const finished = queue.whenCurrentJobsFinished().then(
        () => true,
        () => false,
      );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const clean = await Promise.race([finished, late]);
      clearTimeout(timer);
      // Without its lock, the next stalled-job check (of any worker) puts the job back in line.
      const returned = [...active.values()];
      await Promise.all(returned.map((job) => job.releaseLock().catch(() => {})));
      if (returned.length > 0) {
        logger.warn(
          { jobs: returned.map((job) => ({ name: job.name, id: job.id })), timeoutMs },
          'jobs still running at the shutdown timeout were returned to the queue',
        );
      }
      await queue.close(true);
      await closeAll(lifecycle, logger);
      return { clean, returned: returned.map((job) => String(job.id)) };
    },
  };
}
