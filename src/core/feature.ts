import type Router from '@koa/router';
import type { Config } from './config.ts';
import type { CollectionSpec, Database } from './db.ts';
import type { HealthCheck } from './health.ts';
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
};

// A feature is one folder under src/features/ and one entry in src/features/index.ts. Everything
// it adds to the app goes through these fields, so removing the entry removes the feature.
export type Feature = {
  name: string;
  collections?: CollectionSpec[];
  routes?: (router: Router, services: AppServices) => void;
  readinessChecks?: (services: AppServices) => HealthCheck[];
};

export const defineFeature = (feature: Feature): Feature => feature;
