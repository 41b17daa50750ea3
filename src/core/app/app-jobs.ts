import { sendEmailJob } from '../email/email.ts';
import { cleanupJob } from '../jobs/cleanup.ts';
import { createInlineQueue } from '../jobs/inline-jobs.ts';
import { createJobRegistry, type JobQueue, type JobRegistry } from '../jobs/jobs.ts';
import { collectionsOf } from './collections.ts';
import type { AppServices, Feature } from './feature.ts';

// Every job the app can run: the core's daily cleanup of expired documents, email, and each
// feature's own jobs. The web process and the worker build the same registry.
export function appJobs(features: Feature[]): JobRegistry {
  return createJobRegistry([
    cleanupJob(collectionsOf(features)),
    sendEmailJob,
    ...features.flatMap((feature) => feature.jobs ?? []),
  ]);
}

// services.jobs: the queue a feature supplies (the jobs feature: Bull on Redis), else in-process.
export function createJobQueue(services: Omit<AppServices, 'jobs'>, features: Feature[]): JobQueue {
  const registry = appJobs(features);
  for (const feature of features) {
    const queue = feature.jobQueue?.(services, registry);
    if (queue) return queue;
  }
  return createInlineQueue(services, registry);
}
