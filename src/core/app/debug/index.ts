import { Router } from '../../config/koa-router.ts';
import { noticePreview, outboxRoutes } from '../../email/email.ts';
import { debugRoutes } from '../../observability/debug.ts';
import type { Assets } from '../../views/assets.ts';
import type { ViewLocals, Views } from '../../views/views.ts';
import { collectionsOf } from '../collections.ts';
import type { AppServices, DebugPage, Feature } from '../feature.ts';
import { assetsPage } from './assets.ts';
import { dbPage } from './db.ts';
import { respond } from './respond.ts';
import { templatesPage } from './templates.ts';
import { usersPage } from './users.ts';

export type DevelopmentPagesOptions = {
  services: AppServices;
  features: Feature[];
  assets: Assets;
  views: Views;
  /** The locals every render gets (installRender's globals). */
  globals: ViewLocals;
  listRoutes: () => Array<{ methods: string[]; path: string }>;
};

// Every development page, the core's and the features' (`debugPages`), on one router under
// /debug. createApp builds it only outside production, so there the paths do not exist (404);
// whatever guards /debug guards them all. GET /debug lists them (docs/decisions/0110).
export function developmentPages(options: DevelopmentPagesOptions) {
  const { services, features } = options;
  const router = new Router({ prefix: '/debug' });
  debugRoutes(router, services.config, options.listRoutes, services.lifecycle);
  outboxRoutes(router, services.db);
  // Keys written out in full, so the translation check (npm run i18n:check) sees each one used.
  const link = (name: string, title: string, summary: string): DebugPage => ({
    path: `/debug/${name}`,
    title,
    summary,
  });
  const pages: DebugPage[] = [
    link('info', 'common:debug.info.title', 'common:debug.info.summary'),
    link('routes', 'common:debug.routes.title', 'common:debug.routes.summary'),
    link('config', 'common:debug.config.title', 'common:debug.config.summary'),
    link('emails', 'common:debug.emails.title', 'common:debug.emails.summary'),
    dbPage(router, services, collectionsOf(features)),
    usersPage(router, services),
    templatesPage(router, services, options.views, options.globals, [
      noticePreview,
      ...features.flatMap((feature) => feature.emailPreviews ?? []),
    ]),
    assetsPage(router, options.assets),
    ...features.flatMap((feature) => feature.debugPages?.(router, services) ?? []),
  ];
  router.get('/', (ctx) => {
    const { t } = ctx.state;
    respond(ctx, 'debug/index', {
      pages: pages.map(({ path, title, summary }) => ({
        path,
        title: t(title),
        summary: t(summary),
      })),
    });
  });
  return router;
}
