import './core/app/context.ts';
import Koa from 'koa';
import packageJson from '../package.json' with { type: 'json' };
import { createJobQueue } from './core/app/app-jobs.ts';
import { collectionsOf } from './core/app/collections.ts';
import { developmentPages } from './core/app/debug/index.ts';
import type { Feature } from './core/app/feature.ts';
import { createServices, withJobs } from './core/app/services.ts';
import { csrfProtection, csrfToken } from './core/auth/csrf.ts';
import { limitPerIp } from './core/auth/rate-limit.ts';
import type { Config } from './core/config/config.ts';
import { Router } from './core/config/koa-router.ts';
import { type Database, scheduleSweeps } from './core/data/db.ts';
import { parseBodies } from './core/http/body.ts';
import { compressResponses } from './core/http/compress.ts';
import { errorPages } from './core/http/errors.ts';
import { requestLog } from './core/http/request-log.ts';
import { securityHeaders } from './core/http/security.ts';
import { createI18n, createTranslators, detectLanguage } from './core/i18n/i18n.ts';
import { healthRoutes } from './core/observability/health.ts';
import {
  closeConnectionsWhenDraining,
  createLifecycle,
  type Lifecycle,
} from './core/observability/lifecycle.ts';
import type { Logger } from './core/observability/logger.ts';
import { loopbackOnlyUnder } from './core/observability/loopback.ts';
import { createMetrics, metricsRoutes } from './core/observability/metrics.ts';
import { loadAssets } from './core/views/assets.ts';
import { pageScriptSources, pageScriptTags } from './core/views/page-scripts.ts';
import { installRender } from './core/views/render.ts';
import { loadViews } from './core/views/views.ts';
import { features as enabledFeatures } from './features/index.ts';
import { project } from './project.ts';

export type CreateAppOptions = {
  config: Config;
  db: Database;
  logger: Logger;
  lifecycle?: Lifecycle;
  features?: Feature[];
};

// Builds the Koa app from its parts. No I/O beyond reading locales and the build output, so
// tests can create as many apps as they need against one database.
export function createApp({
  config,
  db,
  logger,
  lifecycle = createLifecycle(),
  features = enabledFeatures,
}: CreateAppOptions) {
  const { production } = config;
  // Only the entries our own proxies appended count: the leftmost ones are whatever the client sent.
  const app = new Koa({
    proxy: config.TRUST_PROXY,
    maxIpsCount: config.TRUST_PROXY_HOPS,
    env: config.NODE_ENV,
  });
  app.silent = true; // errorPages logs errors with the request id; Koa's default logger would repeat them.
  const metrics = createMetrics();
  const assets = loadAssets();
  const translators = createTranslators(createI18n());
  const views = loadViews();
  const withoutJobs = createServices({
    config,
    db,
    logger,
    lifecycle,
    metrics,
    views,
    translators,
  });
  // Jobs run with the same services as requests (an email job sends through services.email).
  const services = withJobs(withoutJobs, createJobQueue(withoutJobs, features), features);
  const { signingKey, rateLimits } = services;
  const csrf = {
    key: signingKey,
    production,
    tokenlessPrefixes: features.flatMap((feature) => feature.csrfTokenlessPaths ?? []),
    ...(config.PUBLIC_URL ? { publicOrigin: new URL(config.PUBLIC_URL).origin } : {}),
  };
  app.context.csrfToken = function token(this: Koa.Context) {
    return csrfToken(this, csrf);
  };
  const pageScripts = features.flatMap((feature) => feature.pageScripts?.(config) ?? []);
  const stopSweeps = scheduleSweeps(db, collectionsOf(features), logger);
  lifecycle.onShutdown(async () => stopSweeps());

  const globals = {
    project,
    version: packageJson.version,
    asset: assets.url,
    locales: project.locales,
    development: !production,
    liveReload: config.NODE_ENV === 'development',
    pageScripts: pageScriptTags(pageScripts),
    lang: project.defaultLocale,
    t: translators.get(project.defaultLocale),
  };
  installRender(app, views, globals);

  const checks = [
    { name: 'mongodb', check: () => db.ping() },
    ...rateLimits.readinessChecks,
    ...features.flatMap((feature) => feature.readinessChecks?.(services) ?? []),
  ];
  const health = healthRoutes(lifecycle, checks, packageJson.version, logger);

  const router = new Router();
  router.use(metricsRoutes(metrics, { production, token: config.METRICS_TOKEN }).routes());
  for (const feature of features) feature.routes?.(router, services);
  if (!production) {
    const listRoutes = () =>
      [router, health, debug].flatMap((r) =>
        r.stack
          .filter((layer) => layer.methods.length > 0)
          .map(({ methods, path }) => ({ methods, path: String(path) })),
      );
    const debug = developmentPages({ services, features, assets, views, globals, listRoutes });
    router.use(debug.routes());
  }

  // Order matters, and is measured (docs/decisions/0009): health probes answer first (machines
  // call them every few seconds and need no request id, headers or error pages); static files
  // answer before compression, language detection and routing.
  app.use(metrics.middleware);
  app.use(health.routes());
  app.use(requestLog(logger));
  app.use(closeConnectionsWhenDraining(lifecycle));
  app.use(securityHeaders({ production, sources: pageScriptSources(pageScripts) }));
  app.use(errorPages());
  app.use(assets.middleware);
  app.use(compressResponses());
  app.use(detectLanguage(translators));
  // Sign-in plumbing (docs/decisions/0020-0022): count unsafe requests per IP before reading their
  // bodies, load the session, then refuse unsafe requests without a valid CSRF token.
  app.use(
    limitPerIp(
      rateLimits.create('ip', { points: config.RATE_LIMIT_PER_MINUTE, durationSeconds: 60 }),
    ),
  );
  app.use(parseBodies());
  app.use(services.sessions.middleware);
  app.use(csrfProtection(csrf));
  if (!production) app.use(loopbackOnlyUnder(['/debug']));
  for (const feature of features) {
    for (const middleware of feature.middleware?.(services) ?? []) app.use(middleware);
  }
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
