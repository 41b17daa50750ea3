import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { RateLimits } from '../auth/rate-limit.ts';
import type { Sessions } from '../auth/sessions.ts';
import type { SignInMethod } from '../auth/sign-in.ts';
import type { SigningKey } from '../auth/signing-key.ts';
import type { Config, Settings } from '../config/config.ts';
import type { CollectionSpec, Database } from '../data/db.ts';
import type { RedisConnection } from '../data/redis.ts';
import type { Email } from '../email/email.ts';
import type { JobDefinition, JobQueue, JobRegistry } from '../jobs/jobs.ts';
import type { HealthCheck } from '../observability/health.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';

// What the app hands to each feature when it registers.
export type AppServices = {
  config: Config;
  db: Database;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** Background jobs: services.jobs.enqueue(job, payload) (src/core/jobs/jobs.ts). */
  jobs: JobQueue;
  /** The process's Redis connection (src/core/data/redis.ts), opened on first call; undefined
   * without REDIS_URL. */
  redis: RedisConnection | undefined;
  sessions: Sessions;
  rateLimits: RateLimits;
  signingKey: SigningKey;
  /** Sends email from views/emails/ templates (SMTP, or the development outbox). */
  email: Email;
  /** Every way to sign in that the enabled features offer (filled before any routes). */
  signInMethods: SignInMethod[];
  /** Every section the enabled features add to /profile (filled before any routes). */
  profileSections: ProfileSection[];
};

/** A section of /profile: HTML the feature renders for the signed-in user (ctx.renderView). */
export type ProfileSection = (ctx: Context) => string;

// A feature is one folder under src/features/ and one entry in src/features/index.ts. Everything
// it adds to the app goes through these fields, so removing the entry removes the feature. A
// feature that opens resources (connections, timers) closes them through
// services.lifecycle.onShutdown().
export type Feature = {
  name: string;
  /** Its settings (zod schemas keyed by name), read with the core's (src/config.ts); merge the same
   * keys into Config (see src/features/jobs/settings.ts) to type them. */
  settings?: Settings;
  /** Collections it owns; their indexes are ensured before the server listens. */
  collections?: CollectionSpec[];
  /** Middleware for every page request, after language detection and before any route, in the
   * order features are listed (sessions before CSRF, say). */
  middleware?: (services: AppServices) => Middleware[];
  routes?: (router: Router, services: AppServices) => void;
  /** Ways to sign in this feature offers: a panel on /login, and the rule for unlinking. */
  signInMethods?: (services: AppServices) => SignInMethod[];
  /** Sections it adds to /profile, below the account's own (the storage feature's picture). */
  profileSections?: (services: AppServices) => ProfileSection[];
  /** Path prefixes served by code that cannot send our CSRF token (a third-party dashboard):
   * their PUT, PATCH and DELETE requests are checked by origin only (src/core/auth/csrf.ts). */
  csrfTokenlessPaths?: string[];
  /** Extra checks for /health/ready (a Redis ping, say). */
  readinessChecks?: (services: AppServices) => HealthCheck[];
  /** Background jobs it defines (defineJob); only listed jobs can be enqueued. */
  jobs?: JobDefinition[];
  /** Supplies services.jobs (the jobs feature: Bull on Redis). When no feature returns a queue,
   * jobs run in-process (src/core/jobs/inline-jobs.ts). Called before any other hook. */
  jobQueue?: (services: Omit<AppServices, 'jobs'>, registry: JobRegistry) => JobQueue | undefined;
};

// Job handlers get every service (JobContext.services): the jobs wing declares the interface,
// this wing, the only one that knows them all, completes it.
declare module '../jobs/jobs.ts' {
  interface JobServices extends AppServices {}
}

export const defineFeature = (feature: Feature): Feature => feature;
