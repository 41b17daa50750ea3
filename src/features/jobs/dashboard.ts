import { createBullBoard } from '@bull-board/api';
import { BullAdapter } from '@bull-board/api/bullAdapter';
import { KoaAdapter } from '@bull-board/koa';
import type Router from '@koa/router';
import type Bull from 'bull';
import type { Middleware } from 'koa';
import { requireRole } from '../../core/authorize.ts';
import { project } from '../../project.ts';

export const DASHBOARD_PATH = '/admin/jobs';

// bull-board's UI and API under /admin/jobs: jobs by state, their data and errors, retry and
// remove. In production only admins get in (src/core/authorize.ts, a stub until roles land);
// in development it is open, like /debug.
export function dashboardRoutes(router: Router, queue: Bull.Queue, { production = true } = {}) {
  const adapter = new KoaAdapter();
  createBullBoard({
    queues: [new BullAdapter(queue)],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: project.name, hideDocsLink: true } },
  });
  adapter.setBasePath(DASHBOARD_PATH);
  const plugin = adapter.registerPlugin() as Middleware;
  // bull-board renders its page with koa-views, which steps aside when ctx.render exists: ours
  // is hidden while the board runs (an own property shadows the app's), then shown again.
  const board: Middleware = async (ctx, next) => {
    const own = ctx as { render?: unknown; response: { render?: unknown } };
    own.render = undefined;
    try {
      await plugin(ctx, next);
    } finally {
      delete own.render;
      delete own.response.render;
    }
  };
  const guard: Middleware[] = production ? [requireRole('admin')] : [];
  router.all('jobs.dashboard', `${DASHBOARD_PATH}{/*path}`, ...guard, board);
}
