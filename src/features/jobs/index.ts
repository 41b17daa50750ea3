import { defineFeature } from '../../core/app/feature.ts';
import { ConfigError } from '../../core/config/config.ts';
import { DASHBOARD_PATH, dashboardRoutes } from './dashboard.ts';
import { debugJobRoutes } from './debug.ts';
import { queueDepthMetric } from './metrics.ts';
import { BullJobQueue, openQueue, pingRedis } from './queue.ts';
import { sampleJob } from './sample-job.ts';

// Background jobs on Bull and Redis: services.jobs queues them, `npm run worker` (src/worker.ts)
// runs them, /admin/jobs shows them. Without REDIS_URL in development, jobs run in-process
// through the same interface (src/core/jobs/inline-jobs.ts). docs/decisions/0030 to 0032.
export const jobs = defineFeature({
  name: 'jobs',
  jobs: [sampleJob],
  csrfTokenlessPaths: [`${DASHBOARD_PATH}/api/`],
  jobQueue({ config, logger, lifecycle, metrics }, registry) {
    if (!config.REDIS_URL) {
      if (config.NODE_ENV === 'production') {
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
    const queue = openQueue(config, { failFast: true });
    queue.on('error', (error) => logger.warn({ err: error }, 'job queue error'));
    lifecycle.onShutdown(() => queue.close());
    queueDepthMetric(metrics.registry, queue);
    return new BullJobQueue(queue, registry);
  },
  readinessChecks: ({ jobs }) =>
    jobs instanceof BullJobQueue ? [{ name: 'jobs', check: () => pingRedis(jobs.queue) }] : [],
  routes(router, services) {
    const production = services.config.NODE_ENV === 'production';
    if (services.jobs instanceof BullJobQueue) {
      dashboardRoutes(router, services.jobs.queue, { production });
    }
    if (!production) debugJobRoutes(router, services);
  },
});
