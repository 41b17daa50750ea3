import { createRateLimits } from '../auth/rate-limit.ts';
import { createSessions } from '../auth/sessions.ts';
import { createSigningKey } from '../auth/signing-key.ts';
import type { Config } from '../config/config.ts';
import type { Database } from '../data/db.ts';
import { redisConnection } from '../data/redis.ts';
import { createEmail, createEmailTransport } from '../email/email.ts';
import { createI18n, createTranslators, type Translators } from '../i18n/i18n.ts';
import type { JobQueue } from '../jobs/jobs.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { loadViews, type Views } from '../views/views.ts';
import type { AppServices, Feature } from './feature.ts';

type ServiceParts = {
  config: Config;
  db: Database;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** The web process passes the ones it renders pages with; others get their own. */
  views?: Views;
  translators?: Translators;
};

// The services every process shares (web and worker alike, so a job can send email as a request
// does); the job queue is added by the caller, since it needs these to run jobs.
export function createServices({
  config,
  db,
  logger,
  lifecycle,
  metrics,
  views = loadViews(),
  translators = createTranslators(createI18n()),
}: ServiceParts) {
  const redis = redisConnection(config, lifecycle);
  const services: Omit<AppServices, 'jobs'> = {
    config,
    db,
    logger,
    lifecycle,
    metrics,
    sessions: createSessions(config, db),
    redis,
    rateLimits: createRateLimits({ config, db, lifecycle, redis }),
    signingKey: createSigningKey(config, db),
    email: createEmail(
      config,
      createEmailTransport(config, db, lifecycle),
      views,
      translators,
      logger,
    ),
    signInMethods: [],
    profileSections: [],
  };
  return services;
}

// Adds the job queue, then asks the features for their ways to sign in and their sections of
// /profile (they may use any service).
export function withJobs(
  partial: Omit<AppServices, 'jobs'>,
  jobs: JobQueue,
  features: Feature[],
): AppServices {
  const services: AppServices = { ...partial, jobs };
  services.signInMethods.push(...features.flatMap((f) => f.signInMethods?.(services) ?? []));
  services.profileSections.push(...features.flatMap((f) => f.profileSections?.(services) ?? []));
  return services;
}
