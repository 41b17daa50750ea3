import Router from '@koa/router';
import type { Lifecycle } from './lifecycle.ts';

export type HealthCheck = { name: string; check: () => Promise<void> };

type CheckResult = { ok: boolean; ms: number; error?: string };

async function run(checks: HealthCheck[]) {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        await check();
        return [name, { ok: true, ms: Math.round(performance.now() - started) }];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { ok: false, ms: Math.round(performance.now() - started), error: message }];
      }
    }),
  );
  return Object.fromEntries(results);
}

// /health/live answers from memory (is the process serving?); /health/ready checks dependencies
// (should it get traffic?); /health is the detailed view of the same for people and dashboards.
export function healthRoutes(lifecycle: Lifecycle, checks: HealthCheck[], version: string) {
  const router = new Router();
  const readiness = async () => {
    if (lifecycle.draining) return { status: 503, body: { status: 'draining', checks: {} } };
    const results = await run(checks);
    const ok = Object.values(results).every((r) => r.ok);
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', checks: results } };
  };
  // Probes must never be cached by a proxy.
  router.use(async (ctx, next) => {
    await next();
    ctx.set('Cache-Control', 'no-store');
  });
  router.get('/health/live', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/health/ready', async (ctx) => {
    const { status, body } = await readiness();
    ctx.status = status;
    ctx.body = body;
  });
  router.get('/health', async (ctx) => {
    const { status, body } = await readiness();
    ctx.status = status;
    ctx.body = { ...body, version, uptimeSeconds: Math.round(process.uptime()) };
  });
  return router;
}
