import type Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ExpiringDocuments } from './cleanup.ts';
import type { Config } from './config.ts';
import type { CollectionSpec, Database } from './db.ts';
import type { HealthCheck } from './health.ts';
import type { JobDefinition, JobQueue, JobRegistry } from './jobs.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

// What the app hands to each feature when it registers.
export type AppServices = {
  config: Config;
  db: Database;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** Background jobs: services.jobs.enqueue(job, payload) (src/core/jobs.ts). */
  jobs: JobQueue;
};

// A feature is one folder under src/features/ and one entry in src/features/index.ts. Everything
// it adds to the app goes through these fields, so removing the entry removes the feature. A
// feature that opens resources (connections, timers) closes them through
// services.lifecycle.onShutdown().
export type Feature = {
  name: string;
  /** Collections it owns; their indexes are ensured before the server listens. */
  collections?: CollectionSpec[];
  /** Middleware for every page request, after language detection and before any route, in the
   * order features are listed (sessions before CSRF, say). */
  middleware?: (services: AppServices) => Middleware[];
  routes?: (router: Router, services: AppServices) => void;
  /** Extra checks for /health/ready (a Redis ping, say). */
  readinessChecks?: (services: AppServices) => HealthCheck[];
  /** Background jobs it defines (defineJob); only listed jobs can be enqueued. */
  jobs?: JobDefinition[];
  /** Documents the daily cleanup job deletes once their date field is past. */
  expiring?: ExpiringDocuments[];
  /** Supplies services.jobs (the jobs feature: Bull on Redis). When no feature returns a queue,
   * jobs run in-process (src/core/inline-jobs.ts). Called before any other hook. */
  jobQueue?: (services: Omit<AppServices, 'jobs'>, registry: JobRegistry) => JobQueue | undefined;
};

export const defineFeature = (feature: Feature): Feature => feature;
