import type { Context } from 'koa';
import { Router } from '../config/koa-router.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Logger } from './logger.ts';

export type HealthCheck = { name: string; check: () => Promise<void> };

type CheckResult = { ok: boolean; ms: number };

// Probes are public (a proxy passes /health through): an answer says which dependency fails, never
// why. The reason (host names, addresses, driver messages) goes to the log.
async function run(checks: HealthCheck[], logger: Logger) {
  const results = await Promise.all(
    checks.map(async ({ name, check }): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        await check();
        return [name, { ok: true, ms: Math.round(performance.now() - started) }];
      } catch (error) {
        logger.warn({ err: error, check: name }, `readiness check "${name}" failed`);
        return [name, { ok: false, ms: Math.round(performance.now() - started) }];
      }
    }),
  );
  return Object.fromEntries(results);
}

// Probes answer with JSON text, the bytes Koa would send for the object: an object body makes Koa
// check it against the fetch API's Response, and that first use loads Node's bundled fetch and
// WebSocket client (undici, 13 MB of memory), which nothing else here needs. Probes come every few
// seconds from the moment a process starts.
function json(ctx: Context, body: unknown) {
  ctx.type = 'json';
  ctx.body = JSON.stringify(body);
}

// /health/live answers from memory (is the process serving?); /health/ready checks dependencies
// (should it get traffic?); /health is the detailed view of the same for people and dashboards.
export function healthRoutes(
  lifecycle: Lifecycle,
  checks: HealthCheck[],
  version: string,
  logger: Logger,
) {
  const router = new Router();
  const readiness = async () => {
    if (lifecycle.draining) return { status: 503, body: { status: 'draining', checks: {} } };
    const results = await run(checks, logger);
    const ok = Object.values(results).every((r) => r.ok);
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'unavailable', checks: results } };
  };
  // Probes must never be cached by a proxy.
  router.use(async (ctx, next) => {
    await next();
    ctx.set('Cache-Control', 'no-store');
  });
  router.get('/health/live', (ctx) => {
    json(ctx, { status: 'ok' });
  });
  router.get('/health/ready', async (ctx) => {
    const { status, body } = await readiness();
    ctx.status = status;
    json(ctx, body);
  });
  router.get('/health', async (ctx) => {
    const { status, body } = await readiness();
    ctx.status = status;
    json(ctx, { ...body, version, uptimeSeconds: Math.round(process.uptime()) });
  });
  return router;
}
