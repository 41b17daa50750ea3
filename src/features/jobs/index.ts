import { defineFeature } from '../../core/app/feature.ts';
import { ConfigError } from '../../core/config/config.ts';
import { DASHBOARD_PATH, dashboardRoutes } from './dashboard.ts';
import { debugJobPages } from './debug.ts';
import { queueDepthMetric } from './metrics.ts';
import { BullJobQueue, openQueue, pingRedis } from './queue.ts';
import { sampleJob } from './sample-job.ts';
import { jobsSettings } from './settings.ts';

// Background jobs on Bull and Redis: services.jobs queues them, `npm run worker` (src/features/jobs/main.ts)
// runs them, /admin/jobs shows them. Without REDIS_URL in development, jobs run in-process
// through the same interface (src/core/jobs/inline-jobs.ts). docs/decisions/0030 to 0032.
export const jobs = defineFeature({
  name: 'jobs',
  settings: jobsSettings,
  jobs: [sampleJob],
  csrfTokenlessPaths: [`${DASHBOARD_PATH}/api/`],
  jobQueue({ config, logger, lifecycle, metrics, redis, signingKey }, registry) {
    if (!config.REDIS_URL) {
      if (config.production) {
        throw new ConfigError([
          'REDIS_URL: required when NODE_ENV=production, for the job queue. Fix: set it to your ' +
            'Redis, e.g. redis://127.0.0.1:6379, or remove the jobs feature to run jobs in-process.',
        ]);
      }
      logger.info(
        'REDIS_URL is not set: jobs run in-process, during enqueue. Set REDIS_URL and run ' +
          '"npm run worker" to use the queue.',
      );
      return undefined;
    }
    // Opened with the first job, dashboard visit or metrics scrape, on the process's connection.
    const jobs = new BullJobQueue(
      () => {
        const queue = openQueue(config, { failFast: true, client: redis?.() });
        queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
        lifecycle.onShutdown(() => queue.close());
        return queue;
      },
      registry,
      signingKey,
    );
    queueDepthMetric(metrics.registry, () => jobs.queue);
    return jobs;
  },
  // The queue's Redis is the process's connection: pinging it needs no Bull.
  readinessChecks: ({ jobs, redis }) =>
    jobs instanceof BullJobQueue && redis
      ? [{ name: 'jobs', check: () => pingRedis(redis()) }]
      : [],
  routes(router, services) {
    const { production } = services.config;
    const { jobs } = services;
    if (jobs instanceof BullJobQueue) dashboardRoutes(router, () => jobs.queue, { production });
  },
  debugPages: debugJobPages,
});
