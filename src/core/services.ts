import type { Config } from './config.ts';
import type { Database } from './db.ts';
import { createEmail, createEmailTransport } from './email.ts';
import type { AppServices, Feature } from './feature.ts';
import { createI18n, createTranslators, type Translators } from './i18n.ts';
import type { JobQueue } from './jobs.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import { createRateLimits } from './rate-limit.ts';
import { createSessions } from './sessions.ts';
import { createSigningKey } from './signing-key.ts';
import { loadViews, type Views } from './views.ts';

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
  const services: Omit<AppServices, 'jobs'> = {
    config,
    db,
    logger,
    lifecycle,
    metrics,
    sessions: createSessions(config, db),
    rateLimits: createRateLimits({ config, db, lifecycle }),
    signingKey: createSigningKey(config, db),
    email: createEmail(
      config,
      createEmailTransport(config, db, lifecycle),
      views,
      translators,
      logger,
    ),
    signInMethods: [],
  };
  return services;
}

// Adds the job queue, then asks the features for their ways to sign in (they may use any service).
export function withJobs(
  partial: Omit<AppServices, 'jobs'>,
  jobs: JobQueue,
  features: Feature[],
): AppServices {
  const services: AppServices = { ...partial, jobs };
  services.signInMethods.push(...features.flatMap((f) => f.signInMethods?.(services) ?? []));
  return services;
}
