import type Router from '@koa/router';
import type Bull from 'bull';
import type { Middleware } from 'koa';
import { requireRole } from '../../core/auth/roles.ts';
import { loopbackOnly } from '../../core/observability/loopback.ts';
import { project } from '../../project.ts';

export const DASHBOARD_PATH = '/admin/jobs';

// bull-board's UI and API, loaded on the first request that passes the guard: most web processes
// never serve it, and it weighs several megabytes of memory (docs/decisions/0032).
async function loadBoard(queue: Bull.Queue): Promise<Middleware> {
  const [{ createBullBoard }, { BullAdapter }, { KoaAdapter }] = await Promise.all([
    import('@bull-board/api'),
    import('@bull-board/api/bullAdapter'),
    import('@bull-board/koa'),
  ]);
  const adapter = new KoaAdapter();
  createBullBoard({
    queues: [new BullAdapter(queue)],
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: project.name, hideDocsLink: true } },
  });
  adapter.setBasePath(DASHBOARD_PATH);
  return adapter.registerPlugin() as Middleware;
}

// /admin/jobs: jobs by state, their data and errors, retry and remove. In production only admins
// get in; in development it is open to this machine only, like /debug. Its own script cannot send our CSRF token, so
// its PUT requests are checked by origin (the feature's csrfTokenlessPaths).
export function dashboardRoutes(
  router: Router,
  queue: () => Bull.Queue,
  { production = true } = {},
) {
  let plugin: Promise<Middleware> | undefined;
  // bull-board renders its page with koa-views, which steps aside when ctx.render exists: ours
  // is hidden while the board runs (an own property shadows the app's), then shown again.
  const board: Middleware = async (ctx, next) => {
    plugin ??= loadBoard(queue());
    const own = ctx as { render?: unknown; response: { render?: unknown } };
    own.render = undefined;
    try {
      await (await plugin)(ctx, next);
    } finally {
      delete own.render;
      delete own.response.render;
    }
  };
  const guard: Middleware[] = production ? [requireRole('admin')] : [loopbackOnly()];
  router.all('jobs.dashboard', `${DASHBOARD_PATH}{/*path}`, ...guard, board);
}
