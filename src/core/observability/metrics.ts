import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { Router } from '../config/koa-router.ts';
import { fromLoopback } from './loopback.ts';

export type Metrics = { registry: Registry; middleware: Middleware };

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by route template',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    middleware: async function measure(ctx, next) {
      const end = duration.startTimer();
      try {
        await next();
      } finally {
        // Route templates (/users/:id), never raw paths: raw paths would make label cardinality
        // unbounded. Static files and unmatched paths are grouped.
        const route =
          (ctx as { _matchedRoute?: string })._matchedRoute ??
          (ctx.path.startsWith('/static/') ? '/static' : 'unmatched');
        end({ method: ctx.method, route: String(route), status: String(ctx.status) });
      }
    },
  };
}

export type MetricsAccess = { production: boolean; token?: string | undefined };

// GET /metrics in Prometheus' text format, for the web process and the worker alike. With
// METRICS_TOKEN, only to `Authorization: Bearer <token>`; without it, production answers only on
// loopback (a scraper elsewhere, or anyone through the proxy, needs the token).
export function metricsRoutes({ registry }: Metrics, { production, token }: MetricsAccess) {
  const router = new Router();
  const expected = token ? createHash('sha256').update(`Bearer ${token}`).digest() : undefined;
  router.get('/metrics', async (ctx) => {
    if (expected) {
      const sent = createHash('sha256').update(ctx.get('Authorization')).digest();
      if (!timingSafeEqual(sent, expected)) {
        ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
        ctx.throw(401);
      }
    } else if (production && !fromLoopback(ctx.req.socket.remoteAddress)) {
      ctx.throw(403);
    }
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
  return router;
}
