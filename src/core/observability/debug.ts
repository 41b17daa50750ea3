import Router from '@koa/router';
import { project } from '../../project.ts';
import type { Config } from '../config/config.ts';
import { maskedConfig } from '../config/config.ts';

// Development-only introspection. createApp mounts these only when NODE_ENV is not production, so
// in production the paths do not exist at all (404), rather than being guarded at request time.
export function debugRoutes(
  config: Config,
  listRoutes: () => Array<{ methods: string[]; path: string }>,
) {
  const router = new Router({ prefix: '/debug' });
  router.get('/info', (ctx) => {
    const memory = process.memoryUsage();
    ctx.body = {
      project: project.name,
      environment: config.NODE_ENV,
      node: process.version,
      pid: process.pid,
      uptimeSeconds: Math.round(process.uptime()),
      memoryMB: {
        rss: mb(memory.rss),
        heapUsed: mb(memory.heapUsed),
        heapTotal: mb(memory.heapTotal),
      },
    };
  });
  router.get('/routes', (ctx) => {
    ctx.body = listRoutes();
  });
  router.get('/config', (ctx) => {
    ctx.body = maskedConfig(config);
  });
  return router;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
