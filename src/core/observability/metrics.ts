import type { Middleware } from 'koa';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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
